"""A horizontal bar chart as inline SVG, drawn on the server: no script, no CDN, prints and zooms."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from markupsafe import Markup

BAR_HEIGHT = 22
GAP = 8
LABEL_WIDTH = 300
BAR_WIDTH = 380
VALUE_WIDTH = 120


def bar_chart(rows: Sequence[tuple[str, int, float]], *, title: str) -> Markup:
    """``rows`` of (label, count, share 0–1) as bars scaled to the largest count.

    The chart carries its own accessible name (``title``) and each bar a ``<title>`` with its figures.
    """
    largest = max((count for _label, count, _share in rows), default=0) or 1
    height = max(len(rows), 1) * (BAR_HEIGHT + GAP) + GAP
    width = LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {width} {height}" '
        f'width="100%" preserveAspectRatio="xMinYMin meet" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    for number, (label, count, share) in enumerate(rows):
        y = GAP + number * (BAR_HEIGHT + GAP)
        length = round(BAR_WIDTH * count / largest, 1)
        text_y = y + BAR_HEIGHT * 0.7
        figures = f"{count} · {share * 100:.1f}%"
        bar = f'x="{LABEL_WIDTH}" y="{y}" width="{max(length, 1)}" height="{BAR_HEIGHT}"'
        value_x = LABEL_WIDTH + length + 6
        parts.append(
            f"<g><title>{escape(label)}: {figures}</title>"
            f'<text x="{LABEL_WIDTH - 8}" y="{text_y}" text-anchor="end" font-size="13" fill="#1d2330">'
            f"{escape(_shorten(label))}</text>"
            f'<rect {bar} rx="3" fill="#0b5cad"/>'
            f'<text x="{value_x}" y="{text_y}" font-size="13" fill="#1d2330">{figures}</text></g>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


LABEL_CHARACTERS = 36
"""At 13 px a character of Cyrillic or Kazakh text is up to ~8 px wide: 36 of them fit the label
column (``LABEL_WIDTH`` less its margin). The whole label is in the bar's ``<title>`` and the table."""


def _shorten(label: str, limit: int = LABEL_CHARACTERS) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"
