"""Surveys and speeches stored and analysed the same way on SQLite and on a real PostgreSQL."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from qorgau.image import analyse_profiles, build_ratings, load_scale_file, read_survey
from qorgau.image.service import (
    InvalidImageInput,
    compare_speeches,
    do_add_speech,
    do_add_survey,
    list_surveys,
    profile_for,
    speech_for,
)
from qorgau.kernel.auth.domain import Principal
from qorgau.kernel.auth.scopes import Forbidden
from qorgau.kernel.db import Database

DATA = Path(__file__).parents[2] / "unit" / "image" / "data"
ANALYST = Principal(1, "analyst_1", "analyst")
OPERATOR = Principal(2, "operator_1", "operator")


def add_fixture_survey(database: Database) -> int:
    with database.session() as session:
        row = do_add_survey(
            session,
            ANALYST,
            name="",
            filename="C:\\exports\\kobo_semicolon.csv",
            content=(DATA / "kobo_semicolon.csv").read_bytes(),
            scales_text=(DATA / "scales.yaml").read_text(encoding="utf-8"),
            ideal="ideal",
        )
        return row.id


def test_stored_survey_profiles_as_the_domain_does_on_both_stores(any_db: Database) -> None:
    survey_id = add_fixture_survey(any_db)
    scale_file = load_scale_file(DATA / "scales.yaml")
    expected = analyse_profiles(
        build_ratings(read_survey(DATA / "kobo_semicolon.csv"), scale_file),
        scale_file,
        "ideal",
        resamples=150,
    )
    with any_db.session() as session:
        [row] = list_surveys(session, ANALYST)
        assert (row.name, row.filename, row.file_format) == ("kobo_semicolon", "kobo_semicolon.csv", "csv")
        profile = profile_for(session, ANALYST, survey_id, resamples=150)
    assert profile.analysis.to_dict() == expected.to_dict()
    assert profile.segment_columns == ("region",)


def test_speeches_are_stored_dated_and_compared_on_both_stores(any_db: Database) -> None:
    with any_db.session() as session:
        for name, date in (("speech_en.txt", dt.date(2024, 5, 1)), ("speech_ru.txt", dt.date(2024, 1, 9))):
            do_add_speech(
                session,
                ANALYST,
                title=name,
                speaker="leader_a",
                language=name[7:9],
                text=(DATA / name).read_text(encoding="utf-8"),
                delivered_on=date,
            )
    with any_db.session() as session:
        stored = compare_speeches(session, ANALYST)
        assert [speech.label for speech in stored.comparison.speeches] == ["speech_ru.txt", "speech_en.txt"]
        result = speech_for(session, ANALYST, stored.speech_ids[0])
        assert result.speech.delivered_on == dt.date(2024, 1, 9) and result.analysis.language == "ru"


def test_nothing_is_stored_when_the_check_fails_and_roles_are_enforced(any_db: Database) -> None:
    with pytest.raises(InvalidImageInput) as refused, any_db.session() as session:
        do_add_survey(
            session,
            ANALYST,
            name="x",
            filename="kobo.csv",
            content=(DATA / "kobo_semicolon.csv").read_bytes().replace(b"Q3_SQ001", b"Q3_SQ00X"),
            scales_text=(DATA / "scales.yaml").read_text(encoding="utf-8"),
            ideal="ideal",
        )
    assert refused.value.columns == ("Q3[SQ001]",)
    with pytest.raises(Forbidden), any_db.session() as session:
        list_surveys(session, OPERATOR)
    with any_db.session() as session:
        assert list_surveys(session, ANALYST) == []


def test_demo_stores_a_survey_and_speeches_that_the_pages_can_show(sqlite_db: Database) -> None:
    from qorgau.image import demo

    demo.run(sqlite_db)
    demo.run(sqlite_db)  # a second run adds nothing
    with sqlite_db.session() as session:
        [survey] = list_surveys(session, ANALYST)
        profile = profile_for(session, ANALYST, survey.id, "age_group", resamples=100)
        stored = compare_speeches(session, ANALYST)
    analysis = profile.analysis
    assert analysis.respondents == demo.RESPONDENTS and len(analysis.scales) == 10
    assert set(analysis.segments) == set(demo.AGE_GROUPS)
    # The generated audience prefers leader B overall; the oldest group prefers leader A.
    assert analysis.objects["leader_b"].d_to_ideal < analysis.objects["leader_a"].d_to_ideal
    oldest = analysis.segments["55+"].objects
    assert oldest["leader_a"].d_to_ideal < oldest["leader_b"].d_to_ideal
    assert len(stored.comparison.speeches) == len(demo.SPEECHES)
    assert {speech.analysis.language for speech in stored.comparison.speeches} == {"ru", "kk", "en"}
