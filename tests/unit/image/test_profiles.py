from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from qorgau.image.domain.errors import FactorAnalysisError, NoRatedObjectsError, SurveyError
from qorgau.image.domain.factors import extract_epa
from qorgau.image.domain.profiles import (
    analyse_profiles,
    analyse_segments,
    osgood_distance,
    profile_split,
)
from qorgau.image.domain.scales import ScaleFile, parse_scale_file
from qorgau.image.domain.survey import SurveyTable, build_ratings
from tests.unit.image.conftest import two_object_scales

COLUMNS = ("I1", "I2", "I3", "L1", "L2", "L3")
# ideal: good, strong, active | leader: good, strong, active
HAND_ROWS = (
    ("7", "6", "5", "3", "2", "1"),
    ("6", "6", "", "4", "", "2"),
    ("5", "7", "6", "5", "3", "3"),
)


def analyse(rows: tuple[tuple[str, ...], ...], scales: ScaleFile, **options: object):  # type: ignore[no-untyped-def]
    ratings = build_ratings(SurveyTable(columns=COLUMNS, rows=rows), scales)
    return analyse_profiles(ratings, scales, "ideal", **options)  # type: ignore[arg-type]


def test_means_are_available_case_means_per_scale(small_scales: ScaleFile) -> None:
    analysis = analyse(HAND_ROWS, small_scales, resamples=50)
    ideal, leader = analysis.objects["ideal"], analysis.objects["leader"]
    assert ideal.means == pytest.approx({"good": 6.0, "strong": 19 / 3, "active": 5.5})
    assert leader.means == pytest.approx({"good": 4.0, "strong": 2.5, "active": 2.0})
    assert leader.answers == {"good": 3, "strong": 2, "active": 3}


def test_distance_to_ideal_is_osgood_d_over_the_scale_means(small_scales: ScaleFile) -> None:
    analysis = analyse(HAND_ROWS, small_scales, resamples=50)
    expected = math.sqrt((6 - 4) ** 2 + (19 / 3 - 2.5) ** 2 + (5.5 - 2) ** 2)
    assert analysis.objects["leader"].d_to_ideal == pytest.approx(expected)
    assert analysis.objects["ideal"].d_to_ideal == 0.0
    assert analysis.objects["leader"].gaps == pytest.approx(
        {"good": -2.0, "strong": 2.5 - 19 / 3, "active": -3.5}
    )


def test_epa_scores_average_the_scales_of_each_factor(small_scales: ScaleFile) -> None:
    analysis = analyse(HAND_ROWS, small_scales, resamples=50)
    assert analysis.objects["leader"].epa == pytest.approx({"E": 4.0, "P": 2.5, "A": 2.0})
    assert analysis.epa_source == "scale file"


def test_reversed_scale_enters_means_and_d_turned_round() -> None:
    scales = parse_scale_file(two_object_scales(reversed_second=True))
    analysis = analyse(HAND_ROWS, scales, resamples=50)
    assert analysis.objects["ideal"].means["strong"] == pytest.approx(8 - 19 / 3)
    assert analysis.objects["leader"].means["strong"] == pytest.approx(8 - 2.5)
    expected = math.sqrt((6 - 4) ** 2 + ((8 - 19 / 3) - (8 - 2.5)) ** 2 + (5.5 - 2) ** 2)
    assert analysis.objects["leader"].d_to_ideal == pytest.approx(expected)


def test_bootstrap_equals_a_plain_loop_over_the_same_resampled_indices(small_scales: ScaleFile) -> None:
    rng = np.random.default_rng(3)
    rows = tuple(tuple(str(v) for v in rng.integers(1, 8, size=6)) for _ in range(40))
    analysis = analyse(rows, small_scales, resamples=200, seed=11)
    values = build_ratings(SurveyTable(columns=COLUMNS, rows=rows), small_scales).values
    drawn = np.random.default_rng(11).integers(0, 40, size=(200, 40))
    means = np.array([np.nanmean(values[indices], axis=0) for indices in drawn])  # (B, objects, scales)
    distance = np.sqrt(((means[:, 1] - means[:, 0]) ** 2).sum(axis=1))
    lows, highs = np.percentile(means[:, 1], [2.5, 97.5], axis=0)
    leader = analysis.objects["leader"]
    assert [leader.ci[s][0] for s in ("good", "strong", "active")] == pytest.approx(lows.tolist())
    assert [leader.ci[s][1] for s in ("good", "strong", "active")] == pytest.approx(highs.tolist())
    assert list(leader.d_ci) == pytest.approx(np.percentile(distance, [2.5, 97.5]).tolist())


def test_bootstrap_is_reproducible_with_its_seed_and_changes_with_another(small_scales: ScaleFile) -> None:
    rng = np.random.default_rng(5)
    rows = tuple(tuple(str(v) for v in rng.integers(1, 8, size=6)) for _ in range(30))
    first = analyse(rows, small_scales, resamples=300, seed=1).objects["leader"].d_ci
    again = analyse(rows, small_scales, resamples=300, seed=1).objects["leader"].d_ci
    other = analyse(rows, small_scales, resamples=300, seed=2).objects["leader"].d_ci
    assert first == again
    assert first != other


def test_intervals_collapse_when_every_respondent_agrees(small_scales: ScaleFile) -> None:
    analysis = analyse((("7", "6", "5", "3", "2", "1"),) * 10, small_scales, resamples=100)
    leader = analysis.objects["leader"]
    assert leader.ci["good"] == pytest.approx((3.0, 3.0))
    assert leader.d_ci == pytest.approx((leader.d_to_ideal, leader.d_to_ideal))


def test_unrated_object_is_left_out_and_listed(scale_file: ScaleFile, data_dir: object) -> None:
    from pathlib import Path

    from qorgau.image.importers import read_survey

    survey = read_survey(Path(str(data_dir)) / "limesurvey_semicolon.csv")
    blanked = SurveyTable(
        columns=survey.columns,
        rows=tuple(
            tuple(
                "" if name.startswith("Q3[") else cell for name, cell in zip(survey.columns, row, strict=True)
            )
            for row in survey.rows
        ),
    )
    analysis = analyse_profiles(build_ratings(blanked, scale_file), scale_file, "ideal", resamples=20)
    assert analysis.unrated_objects == ("leader_b",)
    assert set(analysis.objects) == {"ideal", "leader_a"}


def test_ideal_without_answers_is_an_error(small_scales: ScaleFile) -> None:
    with pytest.raises(NoRatedObjectsError, match="the ideal 'ideal' has no answers"):
        analyse((("", "", "", "3", "2", "1"),), small_scales)


def test_unknown_ideal_is_an_error(small_scales: ScaleFile) -> None:
    ratings = build_ratings(SurveyTable(columns=COLUMNS, rows=HAND_ROWS), small_scales)
    with pytest.raises(NoRatedObjectsError, match="not an object"):
        analyse_profiles(ratings, small_scales, "hero")


def test_rated_object_with_an_unanswered_scale_is_an_error_naming_the_column(small_scales: ScaleFile) -> None:
    with pytest.raises(SurveyError, match=r"'leader' has no answers on scale\(s\) strong \(column L2\)"):
        analyse((("7", "6", "5", "3", "", "1"), ("6", "6", "6", "4", "", "2")), small_scales)


def test_cronbach_gleser_parts_isolate_level_scatter_and_shape() -> None:
    shifted = profile_split([2.0, 4.0, 6.0], [3.0, 5.0, 7.0])
    assert (shifted.level, shifted.scatter, shifted.shape) == pytest.approx((3.0, 0.0, 0.0))
    flattened = profile_split([2.0, 4.0, 6.0], [3.0, 4.0, 5.0])  # s = sqrt(8) and sqrt(2), r = 1
    assert (flattened.level, flattened.scatter, flattened.shape) == pytest.approx((0.0, 2.0, 0.0))
    mirrored = profile_split([2.0, 4.0, 6.0], [6.0, 4.0, 2.0])  # r = -1: shape = 2*8*2
    assert (mirrored.level, mirrored.scatter, mirrored.shape) == pytest.approx((0.0, 0.0, 32.0))
    assert mirrored.profile_correlation == pytest.approx(-1.0)


@given(
    st.lists(
        st.tuples(st.floats(1, 7, allow_nan=False), st.floats(1, 7, allow_nan=False)), min_size=1, max_size=12
    )
)
def test_cronbach_gleser_parts_add_up_to_d_squared(pairs: list[tuple[float, float]]) -> None:
    reference = [a for a, _ in pairs]
    other = [b for _, b in pairs]
    split = profile_split(reference, other)
    assert split.total == pytest.approx(osgood_distance(reference, other) ** 2, abs=1e-9)
    assert split.level >= 0 and split.scatter >= 0 and split.shape >= -1e-12


def test_segments_are_profiled_like_their_own_subsample(small_scales: ScaleFile) -> None:
    rows = (*HAND_ROWS, ("4", "4", "4", "4", "4", "4"), ("7", "7", "7", "1", "1", "1"))
    ratings = build_ratings(SurveyTable(columns=COLUMNS, rows=rows), small_scales)
    segments = ["young", "old", "young", "old", ""]
    analysis = analyse_segments(ratings, small_scales, "ideal", "age", segments, resamples=50)
    assert set(analysis.segments) == {"young", "old", "(missing)"}
    young_rows = (HAND_ROWS[0], HAND_ROWS[2])
    alone = analyse(young_rows, small_scales, resamples=50)
    assert analysis.segments["young"].objects["leader"].means == pytest.approx(alone.objects["leader"].means)
    assert analysis.segments["old"].respondents == 2
    assert analysis.to_dict()["segment_column"] == "age"


def test_segment_without_answers_for_a_scale_is_skipped_with_its_reason(small_scales: ScaleFile) -> None:
    rows = (("7", "6", "5", "3", "2", "1"), ("6", "6", "6", "4", "", "2"))
    ratings = build_ratings(SurveyTable(columns=COLUMNS, rows=rows), small_scales)
    analysis = analyse_segments(ratings, small_scales, "ideal", "region", ["north", "south"], resamples=20)
    assert set(analysis.segments) == {"north"}
    assert "strong" in analysis.skipped_segments["south"]


def synthetic_factor_data(rng: np.random.Generator, count: int = 600) -> np.ndarray:
    """Seven scales: 3 on E, 2 on P, 2 on A; factor spreads 2.0 > 1.4 > 1.0; 'mean' runs against E."""
    evaluation, potency, activity = (rng.normal(0, spread, count) for spread in (2.0, 1.4, 1.0))
    noise = lambda: rng.normal(0, 0.3, count)  # noqa: E731
    return np.column_stack(
        [
            evaluation + noise(),
            evaluation + noise(),
            -evaluation + noise(),
            potency + noise(),
            potency + noise(),
            activity + noise(),
            activity + noise(),
        ]
    )


def test_factor_analysis_recovers_which_scales_belong_together() -> None:
    data = synthetic_factor_data(np.random.default_rng(0))
    solution = extract_epa(data, ("kind", "good", "mean", "strong", "firm", "active", "quick"))
    assert solution.assignment == {
        "kind": ("E", 1),
        "good": ("E", 1),
        "mean": ("E", -1),
        "strong": ("P", 1),
        "firm": ("P", 1),
        "active": ("A", 1),
        "quick": ("A", 1),
    }
    assert solution.explained["E"] > solution.explained["P"] > solution.explained["A"]
    assert abs(solution.loadings["mean"]["E"]) > 0.9


def test_factor_analysis_needs_three_scales_and_enough_ratings() -> None:
    with pytest.raises(FactorAnalysisError, match="at least 3 scales"):
        extract_epa(np.ones((10, 2)), ("a", "b"))
    with pytest.raises(FactorAnalysisError, match="complete ratings"):
        extract_epa(np.ones((3, 3)), ("a", "b", "c"))


def test_profiles_without_factors_in_the_scale_file_report_the_loadings() -> None:
    scales = parse_scale_file(two_object_scales(factors=False))
    rng = np.random.default_rng(9)
    rows = tuple(tuple(str(v) for v in rng.integers(1, 8, size=6)) for _ in range(60))
    document = analyse(rows, scales, resamples=50).to_dict()
    assert document["epa_source"] == "factor analysis"
    assert set(document["factor_analysis"]["loadings"]) == {"good", "strong", "active"}  # type: ignore[index]
    assert all(value is not None for value in document["objects"]["leader"]["epa"].values())  # type: ignore[index]
