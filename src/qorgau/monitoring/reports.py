"""The alibi report as a PDF (fpdf2, DejaVu Sans from matplotlib: Cyrillic and Kazakh letters).

One page (more if the track is long) stating the request (who asked, for what purpose, under which
basis, the audit entry that records it), the facts (closest approach, coverage of the period by
fixes, the conclusion in English, Russian and Kazakh), a sketch of the track around the place, and
the positions in the period. Times are shown in Asia/Almaty with their offset, as DESIGN.md asks.
"""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path
from zoneinfo import ZoneInfo

import matplotlib

from qorgau.monitoring.domain.geometry import LocalPlane, haversine_m
from qorgau.monitoring.domain.spacetime import INTERPOLATION_MAX_GAP_S
from qorgau.monitoring.service import AlibiReport

DISPLAY_ZONE = ZoneInfo("Asia/Almaty")
MAX_TABLE_ROWS = 400

CONCLUSIONS: dict[str, dict[str, str]] = {
    "was_within_radius": {
        "en": "The location data place the person within {radius} m of the place during the period.",
        "ru": "Данные о местоположении указывают, что лицо находилось в пределах {radius} м от места "
        "в этот период.",
        "kk": "Орналасу деректері бойынша адам осы кезеңде орыннан {radius} м шегінде болған.",
    },
    "was_elsewhere": {
        "en": "The location data cover the whole period and never place the person within {radius} m of "
        "the place.",
        "ru": "Данные о местоположении охватывают весь период и ни разу не указывают на нахождение лица "
        "в пределах {radius} м от места.",
        "kk": "Орналасу деректері бүкіл кезеңді қамтиды және адамды орыннан {radius} м шегінде "
        "ешқашан көрсетпейді.",
    },
    "insufficient_data": {
        "en": "The person is never placed within {radius} m of the place, but the data have gaps longer "
        "than {gap} minutes: they neither confirm nor exclude presence.",
        "ru": "Лицо ни разу не находится в пределах {radius} м от места, но в данных есть перерывы дольше "
        "{gap} минут: они не подтверждают и не исключают присутствие.",
        "kk": "Адам орыннан {radius} м шегінде көрсетілмейді, бірақ деректерде {gap} минуттан ұзақ "
        "үзілістер бар: олар болуды растамайды да, жоққа шығармайды да.",
    },
}


def font_path(bold: bool = False) -> Path:
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    return Path(matplotlib.get_data_path()) / "fonts" / "ttf" / name


def _local(moment: dt.datetime | float | None) -> str:
    if moment is None:
        return "—"
    if isinstance(moment, float | int):
        moment = dt.datetime.fromtimestamp(moment, dt.UTC)
    return moment.astimezone(DISPLAY_ZONE).isoformat(timespec="seconds")


def alibi_pdf(report: AlibiReport) -> bytes:
    """The report as PDF bytes."""
    from fpdf import FPDF

    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_font("DejaVu", "", str(font_path()))
    pdf.add_font("DejaVu", "B", str(font_path(bold=True)))
    pdf.set_creation_date(report.requested_at)
    pdf.set_title(f"Alibi report — {report.person}")
    pdf.set_author("Qorgau monitoring center")
    pdf.add_page()
    width = pdf.epw

    def heading(text: str, size: int = 12) -> None:
        pdf.set_font("DejaVu", "B", size)
        pdf.multi_cell(width, 7, text, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", "", 9)

    def line(label: str, value: str) -> None:
        pdf.set_font("DejaVu", "B", 9)
        pdf.cell(55, 5, label)
        pdf.set_font("DejaVu", "", 9)
        pdf.multi_cell(width - 55, 5, value, new_x="LMARGIN", new_y="NEXT")

    facts = report.facts
    heading("Alibi report · Справка о местонахождении · Орналасу туралы анықтама", 14)
    heading("Request / Запрос", 11)
    line("Person / Лицо", f"{report.person_name} ({report.person})")
    line("Orders / Постановления", ", ".join(report.orders) or "— (no order in force: no data)")
    line("Place / Место", f"{report.lat:.6f}, {report.lon:.6f}, radius {report.radius_m:g} m")
    line("Period / Период", f"{_local(report.start)} — {_local(report.end)}")
    line("Purpose / Цель", report.purpose)
    line("Legal basis / Основание", report.legal_basis)
    line("Requested by / Запросил", f"{report.requested_by}, {_local(report.requested_at)}")
    line("Audit entry / Запись журнала", f"#{report.audit_seq}")
    line("Data SHA-256", report.data_digest)

    heading("Facts / Факты", 11)
    line("Fixes in period / Отметок", str(facts.fixes_in_period))
    line("First, last fix / Первая, последняя", f"{_local(facts.first_fix)} — {_local(facts.last_fix)}")
    line("Longest gap / Наибольший перерыв", f"{facts.longest_gap_s / 60:.1f} min")
    if facts.closest is not None:
        kind = "interpolated between two fixes" if facts.closest.kind == "interpolated" else "at a fix"
        line(
            "Closest approach / Наименьшее расстояние",
            f"{facts.closest.distance_m:.1f} m at {_local(facts.closest.time)} ({kind})",
        )
    else:
        line("Closest approach / Наименьшее расстояние", "— (no position in the period)")
    heading("Conclusion / Вывод / Қорытынды", 11)
    values = {"radius": f"{report.radius_m:g}", "gap": f"{INTERPOLATION_MAX_GAP_S / 60:.0f}"}
    for language in ("en", "ru", "kk"):
        pdf.multi_cell(
            width, 5, CONCLUSIONS[facts.conclusion][language].format(**values), new_x="LMARGIN", new_y="NEXT"
        )
    pdf.set_font("DejaVu", "", 7)
    pdf.multi_cell(
        width,
        4,
        "Method: great-circle (haversine) distances on a sphere of radius 6,371,008.8 m; between two "
        f"consecutive fixes at most {INTERPOLATION_MAX_GAP_S / 60:.0f} minutes apart the person is taken to "
        "move in a straight line at constant speed (the closest point of that movement is 'interpolated'). "
        "Only positions recorded under a court order in force are used. Device accuracy is not included.",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(2)
    _sketch(pdf, report, width)
    if report.track:
        heading("Positions in the period / Отметки за период", 11)
        pdf.set_font("DejaVu", "", 7)
        with pdf.table(first_row_as_headings=True, line_height=4) as grid:
            row = grid.row()
            for title in ("Time (Asia/Almaty)", "Latitude", "Longitude", "Distance to place, m"):
                row.cell(title)
            for point in report.track[:MAX_TABLE_ROWS]:
                row = grid.row()
                row.cell(_local(point.time))
                row.cell(f"{point.lat:.6f}")
                row.cell(f"{point.lon:.6f}")
                row.cell(f"{haversine_m(report.lat, report.lon, point.lat, point.lon):.1f}")
        if len(report.track) > MAX_TABLE_ROWS:
            pdf.multi_cell(width, 4, f"… {len(report.track) - MAX_TABLE_ROWS} more positions not listed.")
    return bytes(pdf.output())


def _sketch(pdf: object, report: AlibiReport, width: float) -> None:
    """The place, its radius, the track in the period and the closest approach, north up, to scale."""
    from fpdf import FPDF

    assert isinstance(pdf, FPDF)
    height = 70.0
    if pdf.get_y() + height > pdf.h - pdf.b_margin:
        pdf.add_page()
    left, top = pdf.l_margin, pdf.get_y()
    plane = LocalPlane.around(report.lat, report.lon)
    points = [plane.to_xy(p.lat, p.lon) for p in report.track]
    reach = max([report.radius_m * 1.5, *(max(abs(x), abs(y)) for x, y in points)])
    scale = min(width, height) / (2.0 * reach)

    def at(x: float, y: float) -> tuple[float, float]:
        return left + width / 2 + x * scale, top + height / 2 - y * scale

    pdf.set_draw_color(160, 160, 160)
    pdf.rect(left, top, width, height)
    cx, cy = at(0.0, 0.0)
    radius = report.radius_m * scale
    pdf.set_draw_color(200, 30, 30)
    pdf.circle(x=cx, y=cy, radius=radius)
    pdf.circle(x=cx, y=cy, radius=0.8, style="F")
    pdf.set_draw_color(30, 80, 200)
    for (x1, y1), (x2, y2) in itertools.pairwise(points):
        pdf.line(*at(x1, y1), *at(x2, y2))
    for x, y in points:
        px, py = at(x, y)
        pdf.circle(x=px, y=py, radius=0.5, style="F")
    closest = report.facts.closest
    if closest is not None and closest.distance_m <= reach:
        # Where the closest approach lies: the closest recorded or interpolated point.
        best = min(report.track, key=lambda p: abs(p.time.timestamp() - closest.time), default=None)
        if best is not None:
            px, py = at(*plane.to_xy(best.lat, best.lon))
            pdf.set_draw_color(0, 0, 0)
            pdf.circle(x=px, y=py, radius=1.4)
    pdf.set_xy(left + 1, top + 1)
    pdf.set_font("DejaVu", "", 6)
    pdf.cell(60, 3, f"N ↑   frame ±{reach:.0f} m; red: place and radius; blue: track")
    pdf.set_y(top + height + 3)
