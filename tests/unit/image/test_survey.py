from __future__ import annotations

import math

import numpy as np
import pytest

from qorgau.image.domain.errors import (
    InvalidAnswerError,
    MissingColumnsError,
    NoRatedObjectsError,
    SurveyFormatError,
)
from qorgau.image.domain.scales import ScaleFile
from qorgau.image.domain.survey import SurveyTable, build_ratings, parse_answer, spss_column_name

COLUMNS = ("I1", "I2", "I3", "L1", "L2", "L3")


def table(*rows: tuple[object, ...]) -> SurveyTable:
    return SurveyTable(columns=COLUMNS, rows=tuple(rows))  # type: ignore[arg-type]


def test_ratings_cube_holds_answers_by_respondent_object_scale(small_scales: ScaleFile) -> None:
    ratings = build_ratings(table(("7", "6", "5", "3", "2", "1")), small_scales)
    assert ratings.values.shape == (1, 2, 3)
    assert ratings.values[0, 0].tolist() == [7.0, 6.0, 5.0]
    assert ratings.values[0, 1].tolist() == [3.0, 2.0, 1.0]


def test_reversed_scale_is_turned_round_before_anything_else() -> None:
    from qorgau.image.domain.scales import parse_scale_file
    from tests.unit.image.conftest import two_object_scales

    scales = parse_scale_file(two_object_scales(reversed_second=True))
    ratings = build_ratings(table(("7", "6", "5", "3", "2", "1")), scales)
    assert ratings.values[0, :, 1].tolist() == [8 - 6, 8 - 2]


def test_blank_and_na_cells_are_missing_answers(small_scales: ScaleFile) -> None:
    ratings = build_ratings(table(("7", "", "N/A", "3", None, "1")), small_scales)
    assert math.isnan(ratings.values[0, 0, 1]) and math.isnan(ratings.values[0, 0, 2])
    assert math.isnan(ratings.values[0, 1, 1])


def test_out_of_range_answers_name_column_and_row(small_scales: ScaleFile) -> None:
    with pytest.raises(InvalidAnswerError) as caught:
        build_ratings(table(("7", "6", "5", "3", "2", "1"), ("8", "6", "5", "0", "2", "3.5")), small_scales)
    message = str(caught.value)
    assert "column I1, row 2: 8 is outside 1..7" in message
    assert "column L1, row 2: 0 is outside 1..7" in message
    assert "column L3, row 2: 3.5 is outside 1..7" in message


def test_text_answer_is_rejected_with_its_cell(small_scales: ScaleFile) -> None:
    with pytest.raises(InvalidAnswerError, match="column L2, row 1: 'strong' is not a number"):
        build_ratings(table(("7", "6", "5", "3", "strong", "1")), small_scales)


def test_missing_columns_are_all_listed_with_scale_and_object(small_scales: ScaleFile) -> None:
    survey = SurveyTable(columns=("I1", "I2", "I3", "L1"), rows=(("1", "2", "3", "4"),))
    with pytest.raises(MissingColumnsError) as caught:
        build_ratings(survey, small_scales)
    assert caught.value.missing == ("L2 (scale strong, object leader)", "L3 (scale active, object leader)")


def test_survey_without_rows_has_no_rated_objects(small_scales: ScaleFile) -> None:
    with pytest.raises(NoRatedObjectsError, match="no data rows"):
        build_ratings(table(), small_scales)


def test_survey_where_nobody_answered_has_no_rated_objects(small_scales: ScaleFile) -> None:
    with pytest.raises(NoRatedObjectsError, match="no rated objects"):
        build_ratings(table(("", "", "", "", "", ""), ("", "", "", "", "", "")), small_scales)


def test_empty_rows_are_dropped_and_listed(small_scales: ScaleFile) -> None:
    ratings = build_ratings(table(("", "", "", "", "", ""), ("7", "6", "5", "3", "2", "1")), small_scales)
    assert ratings.respondents == 1
    assert ratings.row_numbers == (2,)
    assert ratings.empty_rows == (1,)


def test_same_raw_answer_on_every_scale_is_straight_lining(small_scales: ScaleFile) -> None:
    ratings = build_ratings(
        table(("7", "6", "5", "4", "4", "4"), ("5", "5", "5", "4", "4", ""), ("1", "2", "3", "2", "2", "2")),
        small_scales,
    )
    # Row 2's leader answers are incomplete, so not flagged; row 2's ideal (5, 5, 5) is.
    assert ratings.straight_lining == {"ideal": (2,), "leader": (1, 3)}


def test_straight_lining_is_judged_on_raw_answers_not_reversed_ones() -> None:
    from qorgau.image.domain.scales import parse_scale_file
    from tests.unit.image.conftest import two_object_scales

    scales = parse_scale_file(two_object_scales(reversed_second=True))
    ratings = build_ratings(table(("2", "2", "2", "1", "2", "3")), scales)
    assert ratings.straight_lining == {"ideal": (1,)}


def test_spss_spelling_of_limesurvey_columns_is_found() -> None:
    assert spss_column_name("Q1[SQ001]") == "Q1_SQ001"
    survey = SurveyTable(columns=("Q1_SQ001",), rows=((5.0,),))
    assert survey.find_column("Q1[SQ001]") == 0


@pytest.mark.parametrize(
    ("cell", "expected"), [("5", 5.0), (" 5.0 ", 5.0), ("5,0", 5.0), (3, 3.0), (None, None)]
)
def test_parse_answer_reads_numbers_in_every_export_spelling(cell: object, expected: float | None) -> None:
    assert parse_answer(cell) == expected  # type: ignore[arg-type]


def test_nan_cell_from_spss_is_missing() -> None:
    assert parse_answer(float("nan")) is None


def test_duplicate_headers_and_ragged_rows_are_rejected() -> None:
    with pytest.raises(SurveyFormatError, match="more than once"):
        SurveyTable(columns=("A", "A"), rows=())
    with pytest.raises(SurveyFormatError, match="row 1 has 1 cells"):
        SurveyTable(columns=("A", "B"), rows=(("1",),))


def test_subset_keeps_flags_of_kept_respondents_only(small_scales: ScaleFile) -> None:
    ratings = build_ratings(
        table(("4", "4", "4", "1", "2", "3"), ("1", "2", "3", "4", "4", "4")), small_scales
    )
    subset = ratings.subset(np.array([False, True]))
    assert subset.row_numbers == (2,)
    assert subset.straight_lining == {"ideal": (), "leader": (2,)}
