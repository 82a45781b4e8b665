"""Plots and reports: the "snake" profile plot, the E/P/A plot, speech time series; PDF and HTML.

Plots are drawn with matplotlib's object API on the Agg canvas (no display, no global pyplot
state) and rendered to SVG or PNG bytes. The PDF (fpdf2) embeds DejaVu Sans, the TrueType font
that ships inside matplotlib (``mpl-data/fonts/ttf``), so Russian and Kazakh letters render with
no system font. The HTML report is one self-contained file with the plots inlined as SVG.

:func:`write_report` writes to a temporary file beside the target and renames it into place, so a
failure never leaves a partial report.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib
from jinja2 import Environment
from markupsafe import Markup
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from qorgau.image.domain.errors import ReportError
from qorgau.image.domain.profiles import ProfileAnalysis
from qorgau.image.domain.scales import FACTOR_NAMES, FACTORS, HIGHEST_ANSWER, LOWEST_ANSWER, ScaleFile
from qorgau.image.domain.speech import SpeechComparison

REPORT_LANGUAGES = ("ru", "kk", "en")
DEFAULT_SERIES_MEASURES = ("flesch", "mtld", "i", "we", "certainty", "obligation")
_COLOURS = ("#1b1b1b", "#c0392b", "#2471a3", "#27ae60", "#8e44ad", "#d68910", "#17a589", "#7f8c8d")

LABELS: dict[str, dict[str, str]] = {
    "title": {"ru": "Имидж лидера: отчёт", "kk": "Көшбасшы имиджі: есеп", "en": "Leader image report"},
    "survey": {"ru": "Опрос", "kk": "Сауалнама", "en": "Survey"},
    "respondents": {"ru": "Респондентов", "kk": "Респонденттер", "en": "Respondents"},
    "ideal": {"ru": "Идеал", "kk": "Идеал", "en": "Ideal"},
    "profile": {"ru": "Профиль («змейка»)", "kk": "Профиль («жылан»)", "en": "Profile (snake plot)"},
    "epa": {
        "ru": "Оценка, сила, активность",
        "kk": "Бағалау, күш, белсенділік",
        "en": "Evaluation, potency, activity",
    },
    "distance": {
        "ru": "Расстояние D до идеала",
        "kk": "Идеалға дейінгі D қашықтығы",
        "en": "Distance D to the ideal",
    },
    "object": {"ru": "Объект", "kk": "Нысан", "en": "Object"},
    "scale": {"ru": "Шкала", "kk": "Шкала", "en": "Scale"},
    "mean": {"ru": "Среднее", "kk": "Орташа", "en": "Mean"},
    "interval": {"ru": "Интервал", "kk": "Аралық", "en": "Interval"},
    "level": {"ru": "Уровень", "kk": "Деңгей", "en": "Level"},
    "scatter": {"ru": "Разброс", "kk": "Шашырау", "en": "Scatter"},
    "shape": {"ru": "Форма", "kk": "Пішін", "en": "Shape"},
    "flags": {"ru": "Предупреждения", "kk": "Ескертулер", "en": "Flags"},
    "straight_lining": {
        "ru": "Одинаковый ответ на всех шкалах (строки)",
        "kk": "Барлық шкалада бірдей жауап (жолдар)",
        "en": "Same answer on every scale (rows)",
    },
    "unrated": {"ru": "Без оценок", "kk": "Бағаланбаған", "en": "Not rated"},
    "speeches": {"ru": "Речи", "kk": "Сөйлеген сөздер", "en": "Speeches"},
    "speech": {"ru": "Речь", "kk": "Сөз", "en": "Speech"},
    "date": {"ru": "Дата", "kk": "Күні", "en": "Date"},
    "method": {
        "ru": "Средние по доступным ответам; обратные шкалы перевёрнуты (8 − x); "
        "бутстреп-интервалы по процентилям.",
        "kk": "Орташа мәндер бар жауаптар бойынша; кері шкалалар аударылған (8 − x); "
        "бутстреп процентиль аралықтары.",
        "en": "Available-case means; reversed scales turned round (8 − x); percentile bootstrap intervals.",
    },
    "factor_analysis": {
        "ru": "E/P/A получены факторным анализом (главные компоненты, варимакс)",
        "kk": "E/P/A факторлық талдаудан алынды (бас компоненттер, варимакс)",
        "en": "E/P/A extracted by factor analysis (principal components, varimax)",
    },
    "segment": {"ru": "Сегмент", "kk": "Сегмент", "en": "Segment"},
    "generated": {"ru": "Создан", "kk": "Жасалған", "en": "Generated"},
}


def label(key: str, language: str) -> str:
    """A report label in ``language`` (English when the language is not ru or kk)."""
    return LABELS[key].get(language, LABELS[key]["en"])


def font_path(bold: bool = False) -> Path:
    """DejaVu Sans inside the matplotlib package (covers Cyrillic and Kazakh letters)."""
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    return Path(matplotlib.get_data_path()) / "fonts" / "ttf" / name


def render_figure(figure: Figure, fmt: str) -> bytes:
    """Render ``figure`` to ``svg`` or ``png`` bytes."""
    if fmt not in ("svg", "png"):
        raise ValueError("format must be svg or png")
    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    metadata = {"Date": None} if fmt == "svg" else {}
    figure.savefig(buffer, format=fmt, dpi=150, bbox_inches="tight", metadata=metadata)
    return buffer.getvalue()


def snake_plot(analysis: ProfileAnalysis, scale_file: ScaleFile, language: str = "en") -> Figure:
    """The "snake" plot: every object's mean on every scale (with its interval), ideal in black.

    Scales run top to bottom; the low pole is written on the left, the high pole on the right
    (for a reversed scale the poles are swapped, as its answers were turned round).
    """
    scales = scale_file.scales
    height = max(3.0, 0.45 * len(scales) + 1.5)
    figure = Figure(figsize=(8, height))
    axes = figure.add_subplot()
    positions = list(range(len(scales)))
    names = [analysis.ideal] + [name for name in analysis.objects if name != analysis.ideal]
    for number, name in enumerate(names):
        profile = analysis.objects[name]
        means = [profile.means[scale.id] for scale in scales]
        lows = [means[i] - profile.ci[scale.id][0] for i, scale in enumerate(scales)]
        highs = [profile.ci[scale.id][1] - means[i] for i, scale in enumerate(scales)]
        is_ideal = name == analysis.ideal
        axes.errorbar(
            means,
            positions,
            xerr=[lows, highs],
            color=_COLOURS[number % len(_COLOURS)],
            marker="o",
            linestyle="--" if is_ideal else "-",
            linewidth=2.2 if is_ideal else 1.6,
            capsize=3,
            label=f"{name} ({label('ideal', language).lower()})" if is_ideal else name,
        )
    axes.set_xlim(LOWEST_ANSWER - 0.3, HIGHEST_ANSWER + 0.3)
    axes.set_xticks(range(LOWEST_ANSWER, HIGHEST_ANSWER + 1))
    axes.set_yticks(positions, [scale.low_pole(language) for scale in scales])
    axes.invert_yaxis()
    right = axes.twinx()
    right.set_ylim(axes.get_ylim())
    right.set_yticks(positions, [scale.high_pole(language) for scale in scales])
    axes.grid(axis="x", alpha=0.3)
    axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=min(4, len(names)), frameon=False)
    axes.set_title(label("profile", language))
    return figure


def epa_plot(analysis: ProfileAnalysis, language: str = "en") -> Figure:
    """E, P, A scores of every object as grouped bars with their bootstrap intervals."""
    figure = Figure(figsize=(8, 4))
    axes = figure.add_subplot()
    names = list(analysis.objects)
    factors = [f for f in FACTORS if any(p.epa[f] is not None for p in analysis.objects.values())]
    width = 0.8 / max(1, len(names))
    for number, name in enumerate(names):
        profile = analysis.objects[name]
        values = [profile.epa[f] or 0.0 for f in factors]
        errors_low = [(profile.epa[f] or 0.0) - (profile.epa_ci[f] or (0.0, 0.0))[0] for f in factors]
        errors_high = [(profile.epa_ci[f] or (0.0, 0.0))[1] - (profile.epa[f] or 0.0) for f in factors]
        offsets = [i + (number - (len(names) - 1) / 2) * width for i in range(len(factors))]
        axes.bar(
            offsets,
            values,
            width=width,
            yerr=[errors_low, errors_high],
            capsize=3,
            color=_COLOURS[number % len(_COLOURS)],
            label=name,
        )
    axes.set_xticks(range(len(factors)), [f"{f} — {FACTOR_NAMES[f]}" for f in factors])
    axes.set_ylim(LOWEST_ANSWER, HIGHEST_ANSWER)
    axes.axhline((LOWEST_ANSWER + HIGHEST_ANSWER) / 2, color="grey", linewidth=0.8)
    # Below the axes: inside, the legend covers the bars whenever every object scores high.
    axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=min(4, len(names)), frameon=False)
    axes.set_title(label("epa", language))
    return figure


def speech_series_plot(
    comparison: SpeechComparison, measures: Sequence[str] = DEFAULT_SERIES_MEASURES, language: str = "en"
) -> Figure:
    """One small panel per measure, speeches in time order (dates when known, else their order)."""
    shown = [measure for measure in measures if measure in comparison.measures]
    if not shown:
        shown = list(comparison.measures[:4])
    columns = 2
    rows = (len(shown) + columns - 1) // columns
    figure = Figure(figsize=(9, 2.4 * rows))
    dates = [speech.date for speech in comparison.speeches]
    use_dates = all(date is not None for date in dates)
    x_values: list[Any] = (
        [date for date in dates if date is not None] if use_dates else list(range(1, len(dates) + 1))
    )
    for number, measure in enumerate(shown):
        axes = figure.add_subplot(rows, columns, number + 1)
        axes.plot(
            x_values, comparison.series(measure), marker="o", color=_COLOURS[(number + 1) % len(_COLOURS)]
        )
        axes.set_title(measure, fontsize=9)
        axes.tick_params(labelsize=7)
        axes.grid(alpha=0.3)
        if use_dates:
            for tick in axes.get_xticklabels():
                tick.set_rotation(30)
    figure.suptitle(label("speeches", language))
    figure.tight_layout()
    return figure


def _fmt(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _profile_rows(analysis: ProfileAnalysis) -> list[list[str]]:
    rows = []
    for name, profile in analysis.objects.items():
        rows.append(
            [
                name,
                str(profile.respondents),
                *[_fmt(profile.epa[f]) for f in FACTORS],
                _fmt(profile.d_to_ideal),
                f"{_fmt(profile.d_ci[0])}–{_fmt(profile.d_ci[1])}",
                _fmt(profile.split.level),
                _fmt(profile.split.scatter),
                _fmt(profile.split.shape),
            ]
        )
    return rows


def _profile_header(language: str) -> list[str]:
    return [
        label("object", language),
        "n",
        "E",
        "P",
        "A",
        "D",
        label("interval", language),
        label("level", language),
        label("scatter", language),
        label("shape", language),
    ]


def _speech_header(language: str) -> list[str]:
    return [
        label("speech", language),
        label("date", language),
        "words",
        "flesch",
        "mtld",
        "i",
        "we",
        "you",
        "they",
    ]


def _speech_rows(comparison: SpeechComparison) -> list[list[str]]:
    rows = []
    for speech in comparison.speeches:
        measures = speech.analysis.measures()
        rows.append(
            [
                speech.label,
                speech.date.isoformat() if speech.date else "—",
                str(speech.analysis.words),
                *[_fmt(measures[key], 1) for key in ("flesch", "mtld", "i", "we", "you", "they")],
            ]
        )
    return rows


_HTML = """<!doctype html>
{%- macro grid(header, rows) -%}
<table><tr>{% for cell in header %}<th>{{ cell }}</th>{% endfor %}</tr>
{% for row in rows %}<tr>{% for cell in row %}<td>{{ cell }}</td>{% endfor %}</tr>{% endfor %}</table>
{%- endmacro %}
<html lang="{{ language }}"><head><meta charset="utf-8"><title>{{ title }}</title>
<style>
body{font-family:"DejaVu Sans",Arial,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}
table{border-collapse:collapse;margin:1rem 0;font-size:.9rem}
td,th{border:1px solid #ccc;padding:.25rem .5rem}th{background:#f2f2f2}
figure{margin:1rem 0}figure svg{max-width:100%;height:auto}.note{color:#555;font-size:.85rem}
</style></head><body>
<h1>{{ title }}</h1>
<p class="note">{{ generated }}: {{ today }} · {{ survey_label }}: {{ survey_name }}
· {{ respondents_label }}: {{ n }} · {{ ideal_label }}: {{ ideal }}</p>
<p class="note">{{ method }}{% if factor_note %} {{ factor_note }}.{% endif %}</p>
<h2>{{ profile_title }}</h2><figure>{{ snake }}</figure>
<h2>{{ epa_title }}</h2><figure>{{ epa }}</figure>
<h2>{{ distance_title }}</h2>
{{ grid(profile_header, profile_rows) }}
{{ grid([scale_label] + objects, mean_rows) }}
{% if segments %}<h2>{{ segment_label }}: {{ segment_column }}</h2>
{% for value, rows in segments %}<h3>{{ value }}</h3>{{ grid(profile_header, rows) }}{% endfor %}{% endif %}
<h2>{{ flags_title }}</h2>
<p>{{ straight_label }}: {{ straight or "—" }}</p><p>{{ unrated_label }}: {{ unrated or "—" }}</p>
{% if speech_rows %}<h2>{{ speeches_title }}</h2><figure>{{ series }}</figure>
{{ grid(speech_header, speech_rows) }}{% endif %}
</body></html>
"""


def _inline_svg(figure: Figure) -> Markup:
    svg = render_figure(figure, "svg").decode("utf-8")
    start = svg.find("<svg")
    return Markup(svg[start:])  # produced by matplotlib from our own figure, not user HTML


def _mean_rows(analysis: ProfileAnalysis, scale_file: ScaleFile, language: str) -> list[list[str]]:
    rows = []
    for scale in scale_file.scales:
        row = [f"{scale.low_pole(language)} – {scale.high_pole(language)}"]
        for profile in analysis.objects.values():
            low, high = profile.ci[scale.id]
            row.append(f"{profile.means[scale.id]:.2f} [{low:.2f}; {high:.2f}]")
        rows.append(row)
    return rows


def build_html_report(
    analysis: ProfileAnalysis,
    scale_file: ScaleFile,
    *,
    survey_name: str,
    comparison: SpeechComparison | None = None,
    language: str = "en",
) -> str:
    """The whole report as one self-contained HTML page (plots inlined as SVG)."""
    environment = Environment(autoescape=True)
    template = environment.from_string(_HTML)
    flagged = sorted({row for rows in analysis.straight_lining.values() for row in rows})
    return template.render(
        language=language,
        title=label("title", language),
        generated=label("generated", language),
        today=dt.date.today().isoformat(),
        survey_label=label("survey", language),
        survey_name=survey_name,
        respondents_label=label("respondents", language),
        n=analysis.respondents,
        ideal_label=label("ideal", language),
        ideal=analysis.ideal,
        method=label("method", language),
        factor_note=label("factor_analysis", language) if analysis.factor_solution else "",
        profile_title=label("profile", language),
        snake=_inline_svg(snake_plot(analysis, scale_file, language)),
        epa_title=label("epa", language),
        epa=_inline_svg(epa_plot(analysis, language)),
        distance_title=label("distance", language),
        profile_header=_profile_header(language),
        profile_rows=_profile_rows(analysis),
        scale_label=label("scale", language),
        objects=list(analysis.objects),
        mean_rows=_mean_rows(analysis, scale_file, language),
        segments=[(value, _profile_rows(segment)) for value, segment in analysis.segments.items()],
        segment_label=label("segment", language),
        segment_column=analysis.segment_column,
        flags_title=label("flags", language),
        straight_label=label("straight_lining", language),
        straight=", ".join(str(row) for row in flagged),
        unrated_label=label("unrated", language),
        unrated=", ".join(analysis.unrated_objects),
        speeches_title=label("speeches", language),
        series=_inline_svg(speech_series_plot(comparison, language=language)) if comparison else "",
        speech_header=_speech_header(language),
        speech_rows=_speech_rows(comparison) if comparison else [],
    )


def build_pdf_report(
    analysis: ProfileAnalysis,
    scale_file: ScaleFile,
    *,
    survey_name: str,
    comparison: SpeechComparison | None = None,
    language: str = "en",
) -> bytes:
    """The whole report as PDF bytes (fpdf2, DejaVu Sans from matplotlib, plots as PNG)."""
    from fpdf import FPDF

    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_font("DejaVu", "", str(font_path()))
    pdf.add_font("DejaVu", "B", str(font_path(bold=True)))
    pdf.set_creation_date(dt.datetime.now(dt.UTC))
    pdf.add_page()
    width = pdf.epw

    def heading(text: str, size: int = 13) -> None:
        pdf.set_font("DejaVu", "B", size)
        pdf.multi_cell(width, 8, text, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", "", 9)

    def paragraph(text: str) -> None:
        pdf.set_font("DejaVu", "", 9)
        pdf.multi_cell(width, 5, text, new_x="LMARGIN", new_y="NEXT")

    def table(header: list[str], rows: list[list[str]]) -> None:
        pdf.set_font("DejaVu", "", 7)
        with pdf.table(first_row_as_headings=True, line_height=4.5) as grid:
            for cells in [header, *rows]:
                row = grid.row()
                for cell in cells:
                    row.cell(cell)
        pdf.ln(2)

    def image(figure: Figure) -> None:
        pdf.image(io.BytesIO(render_figure(figure, "png")), w=width)
        pdf.ln(2)

    heading(label("title", language), 16)
    paragraph(
        f"{label('generated', language)}: {dt.date.today().isoformat()} · {label('survey', language)}: "
        f"{survey_name} · {label('respondents', language)}: {analysis.respondents} · "
        f"{label('ideal', language)}: {analysis.ideal}"
    )
    paragraph(label("method", language))
    if analysis.factor_solution:
        paragraph(label("factor_analysis", language))
    heading(label("profile", language))
    image(snake_plot(analysis, scale_file, language))
    heading(label("epa", language))
    image(epa_plot(analysis, language))
    heading(label("distance", language))
    table(_profile_header(language), _profile_rows(analysis))
    table([label("scale", language), *analysis.objects], _mean_rows(analysis, scale_file, language))
    for value, segment in analysis.segments.items():
        heading(f"{label('segment', language)}: {analysis.segment_column} = {value}", 11)
        table(_profile_header(language), _profile_rows(segment))
    heading(label("flags", language))
    flagged = sorted({row for rows in analysis.straight_lining.values() for row in rows})
    paragraph(f"{label('straight_lining', language)}: {', '.join(map(str, flagged)) or '—'}")
    paragraph(f"{label('unrated', language)}: {', '.join(analysis.unrated_objects) or '—'}")
    if comparison and comparison.speeches:
        pdf.add_page()
        heading(label("speeches", language))
        image(speech_series_plot(comparison, language=language))
        table(_speech_header(language), _speech_rows(comparison))
    return bytes(pdf.output())


def write_atomically(path: Path, content: bytes) -> None:
    """Write ``content`` to a temporary file beside ``path``, then rename it over ``path``."""
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise ReportError(f"{path}: the folder {directory} does not exist")
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=directory)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(content)
        # mkstemp creates the file private (0600); a report gets the usual mode under the umask.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def check_report_target(path: Path, language: str = "en") -> None:
    """Raise :class:`ReportError` unless ``path`` ends in .pdf/.html in an existing folder.

    Called before the analysis starts, so a bad target fails at once.
    """
    if language not in REPORT_LANGUAGES:
        raise ReportError(f"report language must be ru, kk or en, not {language!r}")
    if path.suffix.lower() not in (".pdf", ".html", ".htm"):
        raise ReportError(f"{path}: the report must end in .pdf or .html")
    if path.is_dir():
        raise ReportError(f"{path}: is a directory")
    if not path.parent.is_dir():
        raise ReportError(f"{path}: the folder {path.parent} does not exist")


def write_report(
    path: Path,
    analysis: ProfileAnalysis,
    scale_file: ScaleFile,
    *,
    survey_name: str,
    comparison: SpeechComparison | None = None,
    language: str = "en",
) -> None:
    """Write the PDF or HTML report (by ``path``'s suffix) atomically.

    Raises :class:`ReportError` for another suffix, a missing folder or an unknown language.
    """
    check_report_target(path, language)
    if path.suffix.lower() == ".pdf":
        content = build_pdf_report(
            analysis, scale_file, survey_name=survey_name, comparison=comparison, language=language
        )
    else:
        content = build_html_report(
            analysis, scale_file, survey_name=survey_name, comparison=comparison, language=language
        ).encode("utf-8")
    write_atomically(path, content)
