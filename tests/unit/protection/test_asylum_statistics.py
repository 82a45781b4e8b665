"""Totals, countries, growth, top countries and rates per million from Eurostat observations."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qorgau.protection.domain.errors import StatisticsError
from qorgau.protection.domain.observations import Observation
from qorgau.protection.domain.statistics import growth_percent, share_of_current_percent, stats
from qorgau.protection.eurostat import SHIPPED_EXTRACT, SHIPPED_POPULATION, read_observations, read_population

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="module")
def shipped() -> list[Observation]:
    return read_observations(SHIPPED_EXTRACT, "migr_asyappctza")[1]


# --- the shipped real extract (Eurostat release of 23 March 2023) -------------------------------------
def test_first_time_applicants_2022_come_from_the_eu_row_of_the_extract(shipped: list[Observation]) -> None:
    result = stats(shipped, "migr_asyappctza", "FRST", 2022)
    assert result["total"] == 881_220
    assert result["total_source"] == "EU27_2020"
    assert result["previous_total"] == 537_355


def test_the_seeds_39_percent_more_is_reproduced_as_growth_of_64_percent(shipped: list[Observation]) -> None:
    result = stats(shipped, "migr_asyappctza", "FRST", 2022)
    assert result["growth_pct"] == 64.0
    # The seed's 39% divides the increase by the 2022 figure instead of the 2021 one.
    assert share_of_current_percent(result["total"], result["previous_total"]) == 39.0


def test_leading_countries_of_2022_are_germany_france_spain(shipped: list[Observation]) -> None:
    result = stats(shipped, "migr_asyappctza", "FRST", 2022)
    assert result["top"] == [["DE", 217_735], ["FR", 137_510], ["ES", 116_135]]
    assert result["by_geo"] == {"DE": 217_735, "ES": 116_135, "FR": 137_510}
    shares = {geo: round(value / result["total"] * 100) for geo, value in result["top"]}
    assert shares == {"DE": 25, "FR": 16, "ES": 13}  # the release's 25%, 16%, 13%


def test_all_applicants_2022_without_a_2021_figure_give_no_growth(shipped: list[Observation]) -> None:
    result = stats(shipped, "migr_asyappctza", "TOTAL", 2022)
    assert result["total"] == 962_160
    assert result["previous_total"] is None
    assert result["growth_pct"] is None
    assert result["notes"] == ["no 2021 figure for EU27_2020: growth not computed"]


def test_rates_per_million_reproduce_the_eu_figure_of_1973(shipped: list[Observation]) -> None:
    population = read_population(SHIPPED_POPULATION, 2022)
    result = stats(shipped, "migr_asyappctza", "FRST", 2022, population=population)
    assert round(result["total_per_million"]) == 1973
    assert result["per_million"]["DE"] == round(217_735 / 83_237_124 * 1e6, 1)


def test_applicant_type_defaults_to_all_applicants(shipped: list[Observation]) -> None:
    assert stats(shipped, "migr_asyappctza", None, 2022)["total"] == 962_160


# --- fixtures -----------------------------------------------------------------------------------------
def test_aggregate_row_is_the_total_and_never_part_of_by_geo() -> None:
    observations = read_observations(DATA / "asyappctza.tsv", "migr_asyappctza")[1]
    result = stats(observations, "migr_asyappctza", "FRST", 2022)
    assert result["total"] == 7000
    assert "EU27_2020" not in result["by_geo"]
    assert result["by_geo"] == {"AT": 2000, "CY": 500, "DE": 4000}
    assert result["flags"] == {"AT": "p", "EU27_2020": "p"}
    assert result["growth_pct"] == round((7000 - 4500) / 4500 * 100, 1)


def test_without_an_eu_row_the_total_is_the_sum_of_member_countries() -> None:
    observations = read_observations(DATA / "asyappctza.tsv", "migr_asyappctza")[1]
    result = stats(observations, "migr_asyappctza", "TOTAL", 2022)
    assert result["total_source"] == "sum of member countries"
    assert result["total"] == 2300 + 4600
    assert result["previous_total"] == 1100 + 3500
    assert result["growth_pct"] == 50.0


def test_a_member_missing_in_the_previous_year_leaves_growth_uncomputed() -> None:
    observations = [
        o
        for o in read_observations(DATA / "asyappctza.tsv", "migr_asyappctza")[1]
        if o.code("geo") != "EU27_2020"
    ]
    result = stats(observations, "migr_asyappctza", "FRST", 2022)
    assert result["total"] == 6500
    assert result["previous_total"] is None
    assert "CY" in result["notes"][0]


def test_a_stock_is_taken_at_the_last_month_and_never_summed_over_months() -> None:
    observations = read_observations(DATA / "asytpsm.tsv", "migr_asytpsm")[1]
    result = stats(observations, "migr_asytpsm", None, 2023)
    assert result["as_of"] == "2023-02"
    assert result["total"] == 3400
    assert result["by_geo"] == {"DE": 1100, "PL": 1550}
    assert result["previous_total"] == 400  # end of February 2022
    assert result["growth_pct"] == 750.0
    assert stats(observations, "migr_asytpsm", None, 2022)["total"] == 3200  # December, not 6600 summed


def test_a_monthly_flow_sums_the_months_and_compares_the_same_months_a_year_earlier() -> None:
    observations = read_observations(DATA / "asytpfm_sdmx.csv", "migr_asytpfm")[1]
    result = stats(observations, "migr_asytpfm", None, 2023)
    assert result["months"] == ["2023-03", "2023-04"]
    # No citizen TOTAL row: members UA and STLS are summed, the aggregate EXT_EU27_2020 left out.
    assert result["summed_over"] == ["citizen"]
    assert result["by_geo"] == {"CZ": 30 + 20 + 1 + 1, "PL": 60}
    assert result["total"] == 112
    assert result["previous_total"] == (300 + 200 + 5 + 5) + (700 + 400)  # March-April 2022, not May
    assert any("PL" in note for note in result["notes"])  # April 2023 missing for Poland


def test_decisions_by_type_from_json_stat() -> None:
    observations = read_observations(DATA / "asydcfsta_jsonstat.json", "migr_asydcfsta")[1]
    result = stats(observations, "migr_asydcfsta", None, 2022, decision="POS")
    assert result["by_geo"] == {"DE": 500, "FR": 200}
    assert result["total"] == 700
    assert result["growth_pct"] == 40.0
    assert stats(observations, "migr_asydcfsta", None, 2022)["total"] == 1800


def test_applicant_type_asked_of_a_dataset_without_one_is_refused() -> None:
    observations = read_observations(DATA / "asytpsm.tsv", "migr_asytpsm")[1]
    with pytest.raises(StatisticsError, match="migr_asytpsm has no applicant dimension"):
        stats(observations, "migr_asytpsm", "FRST", 2023)


def test_a_year_the_file_lacks_is_refused_with_the_years_it_has() -> None:
    observations = read_observations(DATA / "asyappctza.tsv", "migr_asyappctza")[1]
    with pytest.raises(StatisticsError, match=r"no figures for 2015 .* years in the file: 2021, 2022"):
        stats(observations, "migr_asyappctza", "FRST", 2015)


def test_observations_of_another_dataset_are_refused() -> None:
    observations = read_observations(DATA / "asytpsm.tsv", "migr_asytpsm")[1]
    with pytest.raises(StatisticsError, match="observations of migr_asytpsm cannot answer for migr_asytpfm"):
        stats(observations, "migr_asytpfm", None, 2023)


# --- properties ---------------------------------------------------------------------------------------
def _observation(geo: str, year: int, value: int) -> Observation:
    dimensions = {
        "freq": "A",
        "unit": "PER",
        "citizen": "TOTAL",
        "sex": "T",
        "age": "TOTAL",
        "applicant": "FRST",
    }
    return Observation("migr_asyappctza", {**dimensions, "geo": geo}, str(year), value)


@given(
    members=st.dictionaries(
        st.sampled_from(["AT", "BE", "DE", "FR", "IT", "PL", "SE"]),
        st.tuples(st.integers(1, 10**6), st.integers(1, 10**6)),
        min_size=1,
    )
)
def test_member_sum_equals_an_eu_row_that_adds_them_up(members: dict[str, tuple[int, int]]) -> None:
    rows = [_observation(geo, 2021 + i, pair[i]) for geo, pair in members.items() for i in (0, 1)]
    without_eu = stats(rows, "migr_asyappctza", "FRST", 2022)
    eu_rows = [_observation("EU27_2020", 2021 + i, sum(pair[i] for pair in members.values())) for i in (0, 1)]
    with_eu = stats(rows + eu_rows, "migr_asyappctza", "FRST", 2022)
    assert without_eu["total"] == with_eu["total"]
    assert without_eu["growth_pct"] == with_eu["growth_pct"]
    assert with_eu["by_geo"] == without_eu["by_geo"]  # the aggregate never enters by_geo


@given(current=st.integers(0, 10**9), previous=st.integers(1, 10**9))
def test_growth_is_measured_against_the_previous_year(current: int, previous: int) -> None:
    growth = growth_percent(current, previous)
    assert growth is not None
    assert abs(growth - (current - previous) / previous * 100) <= 0.05 + 1e-9


def test_overlapping_age_groups_are_not_double_counted_when_no_total_row_exists() -> None:
    bands = {
        "Y_LT14": 10,
        "Y14-17": 5,
        "Y_LT18": 15,
        "Y18-34": 20,
        "Y35-64": 7,
        "Y_GE65": 1,
        "Y_GE18": 28,
        "UNK": 2,
    }
    base = {"freq": "A", "unit": "PER", "citizen": "TOTAL", "sex": "T", "applicant": "FRST", "geo": "SE"}
    rows = [
        Observation("migr_asyappctza", {**base, "age": age}, "2022", value) for age, value in bands.items()
    ]
    result = stats(rows, "migr_asyappctza", "FRST", 2022)
    assert result["summed_over"] == ["age"]
    assert result["total"] == 10 + 5 + 20 + 7 + 1 + 2
