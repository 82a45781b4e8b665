"""The 2015 relocation key, the 50/50 reference key, quotas and the fair-share gap."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qorgau.protection.domain.burden_sharing import (
    KeyWeights,
    StateIndicators,
    distribution_key,
    fair_share,
    inverse_shares,
    largest_remainder,
    parse_indicators_csv,
)
from qorgau.protection.domain.errors import BurdenSharingError
from qorgau.protection.rules import load_keys

DATA = Path(__file__).parent / "data"
KEYS = load_keys()
ESTONIA_SUM_OF_INVERSES = 0.14940961  # Σ 1/A_j over the 28 states (ERR News, on the Commission's data)


def test_estonia_inverse_share_of_past_asylum_effort_is_10_46_percent() -> None:
    # Estonia: 425 applications 2010-2014, none resettled: 64 per million. The other 27 states are
    # folded into one whose inverse makes the sum of inverses the Commission's 0.14940961.
    rest = 1 / (ESTONIA_SUM_OF_INVERSES - 1 / 64)
    shares = inverse_shares({"EE": 64, "REST": rest})
    assert round(shares["EE"] * 100, 2) == 10.46


def test_estonia_relocation_key_combines_its_four_components() -> None:
    # Population 0.26%, GDP 0.14%, inverse asylum effort 10.46%, inverse unemployment 4.22%.
    unemployment_rest = 1 / ((1 / 7.4) / 0.0422 - 1 / 7.4)
    states = [
        StateIndicators("EE", 0.26, 0.14, 7.4, 64.0),
        StateIndicators("REST", 99.74, 99.86, unemployment_rest, 1 / (ESTONIA_SUM_OF_INVERSES - 1 / 64)),
    ]
    key = distribution_key(states, KEYS["relocation2015"].weights)
    expected = 0.4 * 0.0026 + 0.4 * 0.0014 + 0.1 * (1 / 64) / ESTONIA_SUM_OF_INVERSES + 0.1 * 0.0422
    assert key["EE"] == pytest.approx(expected, rel=1e-9)
    assert round(key["EE"] * 100, 2) == 1.63


def test_relocation_weights_are_40_40_10_10_and_the_cap_does_not_bind() -> None:
    weights = KEYS["relocation2015"].weights
    assert (weights.population, weights.gdp, weights.past_asylum_effort, weights.unemployment) == (
        0.4,
        0.4,
        0.1,
        0.1,
    )
    assert weights.effective() == KeyWeights(0.4, 0.4, 0.1, 0.1, 0.3)


def test_corrective_weights_over_the_cap_are_scaled_down_to_it() -> None:
    heavy = KeyWeights(0.4, 0.4, 0.2, 0.2, corrective_cap=0.3).effective()
    assert heavy.corrective / (heavy.population + heavy.gdp) == pytest.approx(0.3)
    assert heavy.population + heavy.gdp + heavy.corrective == pytest.approx(1.0)
    assert heavy.population == pytest.approx(heavy.gdp)


def test_reference_key_is_half_population_share_half_gdp_share() -> None:
    states = parse_indicators_csv((DATA / "fair_share.csv").read_text())
    key = distribution_key(states, KEYS["reference50"].weights)
    assert key["AA"] == pytest.approx(0.5 * 10 / 17 + 0.5 * 400 / 750)
    assert key["CC"] == pytest.approx(0.5 * 2 / 17 + 0.5 * 50 / 750)


def test_fair_share_gap_and_ratio_with_an_actual_column() -> None:
    states = parse_indicators_csv((DATA / "fair_share.csv").read_text())
    result = fair_share(states, KEYS["reference50"])
    assert result["total"] == 1600  # the sum of 'actual'
    expected_aa = (0.5 * 10 / 17 + 0.5 * 400 / 750) * 1600
    assert result["gap"]["AA"] == round(1200 - expected_aa, 3)
    assert result["ratio"]["AA"] == round(1200 / expected_aa, 4)
    assert sum(result["quotas"].values()) == 1600
    assert result["per_thousand_inhabitants"]["AA"] == round(1200 / 10_000_000 * 1000, 4)
    assert result["per_gdp_per_capita"]["BB"] == pytest.approx(300 / (300_000 / 5_000_000))
    assert [c["code"] for c in result["citations"]] == ["COM(2016) 270", "Regulation (EU) 2024/1351"]


def test_fair_share_without_actual_needs_a_total() -> None:
    states = [StateIndicators("AA", 10, 10), StateIndicators("BB", 30, 10)]
    with pytest.raises(BurdenSharingError, match="give a total"):
        fair_share(states, KEYS["reference50"])
    result = fair_share(states, KEYS["reference50"], 1000)
    assert result["quotas"] == {"AA": 375, "BB": 625}
    assert "gap" not in result


def test_relocation_key_needs_unemployment_and_asylum_figures_naming_the_line() -> None:
    states = parse_indicators_csv(
        "geo,population,gdp,unemployment_rate,asylum_per_million\nAA,1,1,5,10\nBB,2,2,,10\n"
    )
    with pytest.raises(BurdenSharingError, match="line 3: BB: unemployment_rate must be a positive number"):
        distribution_key(states, KEYS["relocation2015"].weights)
    assert set(distribution_key(states, KEYS["reference50"].weights)) == {"AA", "BB"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("geo,population\nAA,1\n", "line 1: missing column(s): gdp"),
        ("geo,population,gdp,colour\nAA,1,1,red\n", "line 1: unknown column(s): colour"),
        ("geo,population,gdp\nAA,1,1\nBB,lots,1\n", "line 3: population 'lots' is not a number"),
        ("geo,population,gdp\nAA,1,1\nAA,2,2\n", "line 3: AA is listed twice (first on line 2)"),
        ("geo,population,gdp\nAA,1,-1\n", "line 2: gdp must be a finite non-negative number"),
        ("geo,population,gdp\nAA,1\n", "line 2: expected 3 cells, found 2"),
    ],
)
def test_bad_csv_input_names_the_line(text: str, message: str) -> None:
    with pytest.raises(BurdenSharingError) as caught:
        parse_indicators_csv(text)
    assert message in str(caught.value)


def test_largest_remainder_gives_leftover_people_to_the_largest_fractions() -> None:
    # Exact quotas 1.5, 0.75, 0.75: whole parts 1, 0, 0; the two left go to the fractions .75.
    assert largest_remainder({"A": 0.5, "B": 0.25, "C": 0.25}, 3) == {"A": 1, "B": 1, "C": 1}
    # Exact 1, 0.5, 0.5: one left, a tie between B and C, given to the code that sorts first.
    assert largest_remainder({"A": 0.5, "B": 0.25, "C": 0.25}, 2) == {"A": 1, "B": 1, "C": 0}
    assert largest_remainder({"A": 1 / 3, "B": 1 / 3, "C": 1 / 3}, 100) == {"A": 34, "B": 33, "C": 33}


# --- properties ---------------------------------------------------------------------------------------
positive = st.floats(min_value=0.01, max_value=1e9, allow_nan=False, allow_infinity=False)
states_strategy = st.lists(
    st.tuples(positive, positive, st.floats(0.5, 30), st.floats(1, 20_000)), min_size=1, max_size=30
).map(lambda rows: [StateIndicators(f"S{i:02d}", *row) for i, row in enumerate(rows)])


@given(states=states_strategy, key=st.sampled_from(["relocation2015", "reference50"]))
def test_shares_add_up_to_one(states: list[StateIndicators], key: str) -> None:
    shares = distribution_key(states, KEYS[key].weights)
    assert math.fsum(shares.values()) == pytest.approx(1.0, abs=1e-9)
    assert all(share > 0 for share in shares.values())


@given(
    states=states_strategy,
    total=st.integers(0, 10_000_000),
    key=st.sampled_from(["relocation2015", "reference50"]),
)
def test_quotas_add_up_to_the_total_and_stay_within_one_of_the_exact_share(
    states: list[StateIndicators], total: int, key: str
) -> None:
    result = fair_share(states, KEYS[key], total)
    assert sum(result["quotas"].values()) == total
    for geo, quota in result["quotas"].items():
        assert abs(quota - result["shares"][geo] * total) < 1 + 1e-6


@given(
    states=states_strategy,
    population_unit=st.sampled_from([1, 1e-3, 1e-6, 1000.0]),
    gdp_unit=st.sampled_from([1, 1e-3, 1e-6, 1.1]),
    key=st.sampled_from(["relocation2015", "reference50"]),
)
def test_the_key_does_not_depend_on_population_or_gdp_units(
    states: list[StateIndicators], population_unit: float, gdp_unit: float, key: str
) -> None:
    rescaled = [
        StateIndicators(
            s.geo, s.population * population_unit, s.gdp * gdp_unit, s.unemployment_rate, s.asylum_per_million
        )
        for s in states
    ]
    original = distribution_key(states, KEYS[key].weights)
    scaled = distribution_key(rescaled, KEYS[key].weights)
    for geo in original:
        assert scaled[geo] == pytest.approx(original[geo], rel=1e-9, abs=1e-15)


@given(values=st.dictionaries(st.sampled_from("ABCDEFGH"), st.floats(0.1, 1e6), min_size=2))
def test_a_greater_past_effort_never_earns_a_greater_inverse_share(values: dict[str, float]) -> None:
    shares = inverse_shares(values)
    ordered = sorted(values, key=values.__getitem__)
    assert all(shares[a] >= shares[b] - 1e-15 for a, b in itertools.pairwise(ordered))
