"""Small server-side SVG charts: bars, grouped bars, lines over periods, and a timeline of acts.

Every chart is a self-contained ``<svg role="img">`` with a ``<title>`` and ``<desc>`` that screen
readers announce (``aria-labelledby``), a ``<title>`` on every bar and point (the value on hover),
and nothing fetched from anywhere: the page works with no internet. A chart never stands alone —
the pages put the same figures in a table beside it. Colours are told apart by shape too (markers
and dash patterns), so that a reader who does not see colour reads the lines.

Functions take already formatted labels (``format_value``) so that numbers follow the page's
language. They return :class:`markupsafe.Markup`; every text in them is escaped.

>>> svg = bar_chart("c1", "Applicants", "First-time applicants by country", ["DE", "FR"], [217735, 137510])
>>> svg.startswith('<svg') and 'role="img"' in svg and "<title id=\\"c1-title\\">Applicants</title>" in svg
True
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

PALETTE = ("#0b5cad", "#c2410c", "#047857", "#7c3aed", "#b91c1c", "#0e7490", "#a16207", "#be185d")
"""Colours with enough contrast on white for lines and bars (WCAG 3:1 for graphics)."""
DASHES = ("", "6 3", "2 3", "8 3 2 3", "4 4", "1 2", "10 4", "3 6")
MARKERS = ("circle", "square", "triangle", "diamond", "circle", "square", "triangle", "diamond")
INK = "#1d2330"
MUTED = "#5b6475"
GRID = "#d7dce5"
FONT = 'font-family="inherit" font-size="12"'

Formatter = Callable[[float], str]


def _plain(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def nice_step(largest: float, ticks: int = 5) -> float:
    """A round step (1, 2 or 5 times a power of ten) giving about ``ticks`` steps up to ``largest``.

    >>> nice_step(881220), nice_step(0.37), nice_step(0)
    (200000.0, 0.1, 1.0)
    """
    if largest <= 0 or not math.isfinite(largest):
        return 1.0
    raw = largest / ticks
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * power:
            return float(factor * power)
    return float(10 * power)  # pragma: no cover - the loop always returns


def _text(
    x: float, y: float, content: str, *, anchor: str = "start", fill: str = INK, extra: str = ""
) -> str:
    """A ``<text>`` element; ``content`` is escaped."""
    attributes = f'x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" fill="{fill}"' + (
        f" {extra}" if extra else ""
    )
    return f"<text {attributes}>{escape(content)}</text>"


def _line(x1: float, y1: float, x2: float, y2: float, stroke: str, extra: str = "") -> str:
    coordinates = f'x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}"'
    return f'<line {coordinates} stroke="{stroke}"' + (f" {extra}" if extra else "") + "/>"


def _open(chart_id: str, title: str, description: str, width: int, height: int) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{escape(chart_id)}" role="img" '
        f'viewBox="0 0 {width} {height}" width="100%" preserveAspectRatio="xMinYMin meet" '
        f'aria-labelledby="{escape(chart_id)}-title {escape(chart_id)}-desc">',
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>',
        f'<desc id="{escape(chart_id)}-desc">{escape(description)}</desc>',
    ]


def _marker(kind: str, x: float, y: float, colour: str, tooltip: str) -> str:
    inner = f"<title>{escape(tooltip)}</title>"
    if kind == "square":
        return f'<rect x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" fill="{colour}">{inner}</rect>'
    if kind == "triangle":
        points = f"{x:.1f},{y - 5:.1f} {x - 5:.1f},{y + 4:.1f} {x + 5:.1f},{y + 4:.1f}"
        return f'<polygon points="{points}" fill="{colour}">{inner}</polygon>'
    if kind == "diamond":
        points = f"{x:.1f},{y - 5:.1f} {x + 5:.1f},{y:.1f} {x:.1f},{y + 5:.1f} {x - 5:.1f},{y:.1f}"
        return f'<polygon points="{points}" fill="{colour}">{inner}</polygon>'
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{colour}">{inner}</circle>'


def bar_chart(
    chart_id: str,
    title: str,
    description: str,
    labels: Sequence[str],
    values: Sequence[float],
    *,
    format_value: Formatter = _plain,
    width: int = 640,
    colour: str = PALETTE[0],
    label_width: int = 150,
) -> Markup:
    """Horizontal bars, one per label, largest scale at the right; the value written at each bar's end."""
    bar, gap, top, bottom = 22, 8, 8, 28
    height = top + bottom + max(len(labels), 1) * (bar + gap)
    plot_width = width - label_width - 90
    largest = max((abs(v) for v in values), default=0.0)
    step = nice_step(largest)
    scale_max = step * math.ceil(largest / step) if largest > 0 else step
    parts = _open(chart_id, title, description, width, height)
    parts.append(f'<g {FONT} fill="{INK}">')
    axis_y = top + len(labels) * (bar + gap)
    tick = 0.0
    while tick <= scale_max + step / 2:
        x = label_width + plot_width * tick / scale_max
        parts.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{axis_y}" stroke="{GRID}"/>')
        parts.append(_text(x, axis_y + 16, format_value(tick), anchor="middle", fill=MUTED))
        tick += step
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = top + index * (bar + gap)
        length = plot_width * max(value, 0) / scale_max
        text = format_value(value)
        parts.append(
            f'<text x="{label_width - 8}" y="{y + bar / 2 + 4:.1f}" text-anchor="end">{escape(label)}</text>'
        )
        parts.append(
            f'<rect x="{label_width}" y="{y}" width="{length:.1f}" height="{bar}" fill="{colour}">'
            f"<title>{escape(label)}: {escape(text)}</title></rect>"
        )
        parts.append(
            f'<text x="{label_width + length + 6:.1f}" y="{y + bar / 2 + 4:.1f}">{escape(text)}</text>'
        )
    parts.append("</g></svg>")
    return Markup("".join(parts))


def grouped_bar_chart(
    chart_id: str,
    title: str,
    description: str,
    labels: Sequence[str],
    series: Mapping[str, Sequence[float | None]],
    *,
    format_value: Formatter = _plain,
    width: int = 640,
    label_width: int = 150,
) -> Markup:
    """Horizontal bars grouped by label, one bar per series (legend at the top)."""
    names = list(series)
    bar, gap, legend = 14, 10, 24
    group = bar * max(len(names), 1) + gap
    top, bottom = legend + 8, 28
    height = top + bottom + max(len(labels), 1) * group
    plot_width = width - label_width - 90
    largest = max((abs(v) for values in series.values() for v in values if v is not None), default=0.0)
    step = nice_step(largest)
    scale_max = step * math.ceil(largest / step) if largest > 0 else step
    parts = _open(chart_id, title, description, width, height)
    parts.append(f'<g {FONT} fill="{INK}">')
    for position, name in enumerate(names):
        x = float(label_width + position * 190)
        colour = PALETTE[position % len(PALETTE)]
        parts.append(f'<rect x="{x}" y="4" width="12" height="12" fill="{colour}"/>')
        parts.append(f'<text x="{x + 18}" y="14">{escape(name)}</text>')
    axis_y = top + len(labels) * group
    tick = 0.0
    while tick <= scale_max + step / 2:
        x = label_width + plot_width * tick / scale_max
        parts.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{axis_y}" stroke="{GRID}"/>')
        parts.append(_text(x, axis_y + 16, format_value(tick), anchor="middle", fill=MUTED))
        tick += step
    for index, label in enumerate(labels):
        y0 = top + index * group
        parts.append(_text(label_width - 8, y0 + bar * len(names) / 2 + 4, label, anchor="end"))
        for position, name in enumerate(names):
            value = series[name][index]
            if value is None:
                continue
            y = y0 + position * bar
            length = plot_width * max(value, 0) / scale_max
            colour = PALETTE[position % len(PALETTE)]
            text = format_value(value)
            parts.append(
                f'<rect x="{label_width}" y="{y}" width="{length:.1f}" height="{bar - 2}" fill="{colour}">'
                f"<title>{escape(label)}, {escape(name)}: {escape(text)}</title></rect>"
            )
            parts.append(_text(label_width + length + 5, y + bar / 2 + 3, text, extra='font-size="11"'))
    parts.append("</g></svg>")
    return Markup("".join(parts))


def line_chart(
    chart_id: str,
    title: str,
    description: str,
    periods: Sequence[str],
    series: Mapping[str, Sequence[float | None]],
    *,
    format_value: Formatter = _plain,
    width: int = 640,
    height: int = 300,
    bars: bool = False,
) -> Markup:
    """Values over ``periods`` (evenly spaced, in the order given), one line per series.

    A ``None`` breaks a line (no figure that month is drawn as a gap, never as zero). With
    ``bars=True`` and one series the values are drawn as columns instead (a flow per period).
    """
    names = list(series)
    left, right, top, bottom = 78, 16, 30 if len(names) > 1 else 12, 46
    plot_width, plot_height = width - left - right, height - top - bottom
    largest = max((v for values in series.values() for v in values if v is not None), default=0.0)
    step = nice_step(largest)
    scale_max = step * math.ceil(largest / step) if largest > 0 else step
    count = max(len(periods), 1)
    slot = plot_width / count
    parts = _open(chart_id, title, description, width, height)
    parts.append(f'<g {FONT} fill="{INK}">')
    if len(names) > 1:
        for position, name in enumerate(names):
            x = float(left + position * 120)
            colour = PALETTE[position % len(PALETTE)]
            parts.append(
                f'<line x1="{x}" y1="12" x2="{x + 22}" y2="12" stroke="{colour}" stroke-width="2.5" '
                f'stroke-dasharray="{DASHES[position % len(DASHES)]}"/>'
            )
            parts.append(_marker(MARKERS[position % len(MARKERS)], x + 11, 12, colour, name))
            parts.append(f'<text x="{x + 28}" y="16">{escape(name)}</text>')
    tick = 0.0
    while tick <= scale_max + step / 2:
        y = top + plot_height * (1 - tick / scale_max)
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_width}" y2="{y:.1f}" stroke="{GRID}"/>'
        )
        parts.append(_text(left - 6, y + 4, format_value(tick), anchor="end", fill=MUTED))
        tick += step
    every = max(1, math.ceil(count / 12))
    for index, period in enumerate(periods):
        if index % every == 0 or index == count - 1:
            x = left + slot * (index + 0.5)
            parts.append(_text(x, top + plot_height + 18, period, anchor="middle", fill=MUTED))

    def y_of(value: float) -> float:
        return top + plot_height * (1 - value / scale_max)

    for position, name in enumerate(names):
        colour = PALETTE[position % len(PALETTE)]
        values = series[name]
        if bars and len(names) == 1:
            width_bar = slot * 0.7
            for index, value in enumerate(values):
                if value is None:
                    continue
                x = left + slot * index + (slot - width_bar) / 2
                parts.append(
                    f'<rect x="{x:.1f}" y="{y_of(value):.1f}" width="{width_bar:.1f}" '
                    f'height="{top + plot_height - y_of(value):.1f}" fill="{colour}">'
                    f"<title>{escape(periods[index])}: {escape(format_value(value))}</title></rect>"
                )
            continue
        run: list[str] = []
        runs: list[list[str]] = []
        for index, value in enumerate(values):
            if value is None:
                if run:
                    runs.append(run)
                run = []
                continue
            run.append(f"{left + slot * (index + 0.5):.1f},{y_of(value):.1f}")
        if run:
            runs.append(run)
        for points in runs:
            if len(points) > 1:
                parts.append(
                    f'<polyline points="{" ".join(points)}" fill="none" stroke="{colour}" stroke-width="2.5" '
                    f'stroke-dasharray="{DASHES[position % len(DASHES)]}"/>'
                )
        for index, value in enumerate(values):
            if value is not None:
                parts.append(
                    _marker(
                        MARKERS[position % len(MARKERS)],
                        left + slot * (index + 0.5),
                        y_of(value),
                        colour,
                        f"{name}, {periods[index]}: {format_value(value)}",
                    )
                )
    parts.append(_line(left, top + plot_height, left + plot_width, top + plot_height, MUTED))
    parts.append("</g></svg>")
    return Markup("".join(parts))


@dataclass(frozen=True)
class TimelineSpan:
    """One stretch of protection: from ``start`` to ``end``, set by ``label``; ``later`` when the act
    behind it was not yet adopted (or the extension not yet begun) on the day asked."""

    start: dt.date
    end: dt.date
    label: str
    kind: str
    later: bool = False


def timeline(
    chart_id: str,
    title: str,
    description: str,
    spans: Sequence[TimelineSpan],
    *,
    marker: dt.date | None = None,
    marker_label: str = "",
    format_date: Callable[[dt.date], str] = dt.date.isoformat,
    width: int = 1000,
) -> Markup:
    """One row per span on a common date axis; a vertical line marks ``marker`` (the day asked),
    captioned ``marker_label`` (the formatted day when empty)."""
    row, top, bottom, label_width = 30, 14, 40, 280
    height = top + bottom + max(len(spans), 1) * row
    first = min((span.start for span in spans), default=dt.date.today())
    last = max((span.end for span in spans), default=first + dt.timedelta(days=365))
    if marker is not None:
        first, last = min(first, marker), max(last, marker)
    total_days = max((last - first).days, 1)
    plot_width = width - label_width - 20

    def x_of(day: dt.date) -> float:
        return label_width + plot_width * (day - first).days / total_days

    colours = {"activation": PALETTE[0], "automatic_extension": PALETTE[2], "council_extension": PALETTE[1]}
    parts = _open(chart_id, title, description, width, height)
    parts.append(f'<g {FONT} fill="{INK}">')
    axis_y = top + len(spans) * row
    for year in range(first.year, last.year + 2):
        day = dt.date(year, 1, 1)
        if first <= day <= last:
            x = x_of(day)
            parts.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{axis_y}" stroke="{GRID}"/>')
            parts.append(
                f'<text x="{x:.1f}" y="{axis_y + 16}" text-anchor="middle" fill="{MUTED}">{year}</text>'
            )
    for index, span in enumerate(spans):
        y = top + index * row
        colour = colours.get(span.kind, PALETTE[3])
        style = (
            f'fill="{colour}"' if not span.later else f'fill="#fff" stroke="{colour}" stroke-dasharray="4 3"'
        )
        start_x, end_x = x_of(span.start), x_of(span.end)
        parts.append(
            f'<text x="{label_width - 8}" y="{y + 18}" text-anchor="end">{escape(span.label)}</text>'
        )
        box = (
            f'x="{start_x:.1f}" y="{y + 5}" width="{max(end_x - start_x, 2):.1f}" height="{row - 10}" rx="3"'
        )
        tooltip = f"{span.label}: {format_date(span.start)} – {format_date(span.end)}"
        parts.append(f"<rect {box} {style}><title>{escape(tooltip)}</title></rect>")
    if marker is not None:
        x = x_of(marker)
        parts.append(_line(x, top - 6, x, axis_y + 2, INK, 'stroke-width="2"'))
        right_half = x > label_width + plot_width * 0.6
        parts.append(
            _text(
                x - 4 if right_half else x + 4,
                axis_y + 32,
                marker_label or format_date(marker),
                anchor="end" if right_half else "start",
                extra='font-weight="bold"',
            )
        )
    parts.append("</g></svg>")
    return Markup("".join(parts))
