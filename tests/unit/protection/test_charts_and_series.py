"""Server-side SVG charts (accessible, self-contained) and the series the dashboards draw."""

from __future__ import annotations

import datetime as dt
import math
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qorgau.protection.domain.observations import Observation
from qorgau.protection.domain.series import by_citizenship, country_series, period_series
from qorgau.protection.eurostat import SHIPPED_DATASETS, read_observations
from qorgau.protection.web.charts import (
    TimelineSpan,
    bar_chart,
    grouped_bar_chart,
    line_chart,
    nice_step,
    timeline,
)

SVG = "{http://www.w3.org/2000/svg}"


def parse(markup: str) -> ET.Element:
    return ET.fromstring(str(markup))


def test_a_bar_chart_is_an_image_with_a_title_a_description_and_one_bar_per_label() -> None:
    root = parse(
        bar_chart("c", "Applicants <2022>", "By country", ["DE", "FR", "ES"], [217735, 137510, 116135])
    )
    assert root.get("role") == "img" and root.get("aria-labelledby") == "c-title c-desc"
    assert root.find(f"{SVG}title").text == "Applicants <2022>"  # escaped in the markup, intact when read
    bars = root.findall(f".//{SVG}rect")
    assert len(bars) == 3
    widths = [float(bar.get("width")) for bar in bars]
    assert widths[0] > widths[1] > widths[2] > 0
    assert widths[1] / widths[0] == pytest.approx(137510 / 217735, rel=1e-3)
    assert bars[0].find(f"{SVG}title").text == "DE: 217,735"


def test_a_missing_month_breaks_the_line_instead_of_dropping_to_zero() -> None:
    root = parse(
        line_chart("s", "Stock", "Beneficiaries", ["01", "02", "03", "04", "05"], {"PL": [5, 6, None, 7, 8]})
    )
    lines = root.findall(f".//{SVG}polyline")
    assert len(lines) == 2
    assert all(len(line.get("points").split()) == 2 for line in lines)
    markers = root.findall(f".//{SVG}circle")
    assert len(markers) == 4


def test_a_flow_is_drawn_as_columns_and_a_grouped_chart_has_a_legend() -> None:
    columns = parse(line_chart("f", "Flow", "Decisions", ["03", "04"], {"all": [10, None]}, bars=True))
    assert len(columns.findall(f".//{SVG}rect")) == 1
    grouped = parse(
        grouped_bar_chart("g", "Key", "Shares", ["AA", "BB"], {"key": [40.0, 60.0], "actual": [50.0, None]})
    )
    texts = [text.text for text in grouped.iter(f"{SVG}text")]
    assert "key" in texts and "actual" in texts
    assert len(grouped.findall(f".//{SVG}rect")) == 2 + 3  # two legend swatches, three bars


def test_a_timeline_marks_acts_not_yet_adopted_as_hollow() -> None:
    spans = [
        TimelineSpan(dt.date(2022, 3, 4), dt.date(2023, 3, 4), "Activation", "activation"),
        TimelineSpan(dt.date(2023, 3, 5), dt.date(2025, 3, 4), "Council", "council_extension", later=True),
    ]
    root = parse(timeline("t", "Ends", "Acts", spans, marker=dt.date(2023, 6, 1), marker_label="as of"))
    rects = root.findall(f".//{SVG}rect")
    assert rects[0].get("fill") != "#fff" and rects[1].get("fill") == "#fff"
    assert "as of" in [text.text for text in root.iter(f"{SVG}text")]


@given(st.floats(min_value=1e-6, max_value=1e12, allow_nan=False, allow_infinity=False))
def test_the_axis_step_is_round_and_covers_the_largest_value_in_a_few_steps(largest: float) -> None:
    step = nice_step(largest)
    mantissa = step / 10 ** math.floor(math.log10(step))
    assert any(math.isclose(mantissa, allowed, rel_tol=1e-9) for allowed in (1, 2, 2.5, 5, 10))
    assert 2 <= math.ceil(largest / step - 1e-9) <= 5


# --- series -------------------------------------------------------------------------------------------


def shipped(dataset: str) -> list[Observation]:
    path = next(path for path, code in SHIPPED_DATASETS if code == dataset)
    return read_observations(path, dataset)[1]


def test_the_stock_series_is_each_months_own_figure_never_a_running_sum() -> None:
    points = period_series(shipped("migr_asytpsm"), "migr_asytpsm")
    by_period = {point.period: (point.value, point.source) for point in points}
    assert by_period["2022-12"] == (3_826_600, "EU27_2020")
    assert by_period["2023-11"] == (369_330 + 1_235_960 + 955_110, "sum of member countries")
    assert by_period["2023-01"][0] == 1_004_965 + 974_060  # CZ has no January figure: two countries


def test_the_flow_series_sums_the_countries_of_each_month() -> None:
    points = {point.period: point for point in period_series(shipped("migr_asytpfm"), "migr_asytpfm")}
    assert points["2022-03"].value == 675_085 + 244_650 + 58_750 + 23_930
    assert points["2022-03"].countries == 4
    countries = country_series(shipped("migr_asytpfm"), "migr_asytpfm")
    assert countries["PL"] == {"2022-03": 675_085, "2022-04": 425_620, "2022-05": 96_085}
    assert countries["CZ"]["2022-04"] is None


def test_citizenships_of_2022_leave_the_total_row_out_largest_first() -> None:
    citizens = by_citizenship(shipped("migr_asyappctza"), "migr_asyappctza", 2022, "FRST")
    assert list(citizens) == ["SY", "AF", "VE", "TR", "CO"]
    assert citizens["SY"] == 131_970
    assert "TOTAL" not in citizens


def test_applications_over_time_come_from_the_eu_row() -> None:
    points = period_series(shipped("migr_asyappctza"), "migr_asyappctza", "FRST")
    assert [(p.period, p.value, p.source) for p in points] == [
        ("2021", 537_355, "EU27_2020"),
        ("2022", 881_220, "EU27_2020"),
    ]
