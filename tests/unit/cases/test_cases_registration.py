"""The registration document, regions, act kinds and the clock of acts: pure parsing and rules."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qorgau.cases.domain.acts import ActKind, act_document, clock_acts, parse_act_kind, parse_term
from qorgau.cases.domain.deadlines import Extension, Suspension, Term
from qorgau.cases.domain.errors import DeadlineError, InvalidCaseInput
from qorgau.cases.domain.regions import REGIONS, parse_region
from qorgau.cases.domain.registration import parse_registration

BASE: dict[str, Any] = {
    "date": "2026-11-25",
    "offences": [{"article": "188", "part": "1", "category": "minor"}],
    "persons": [{"role": "suspect", "age": 34, "admits_guilt": True}],
    "offender_identified": True,
    "region": "zhambyl",
    "reason": "statement",
}
ALMATY = dt.timezone(dt.timedelta(hours=5))


def document(**changes: Any) -> dict[str, Any]:
    return {**BASE, **changes}


def test_a_registration_reads_the_assess_shape_plus_region_and_reason() -> None:
    registration = parse_registration(document(registered_at="2026-11-25T10:30:00+05:00", prosecutor="p1"))
    assert registration.region.code == 31 and registration.reason.value == "statement"
    assert registration.registered_at == dt.datetime(2026, 11, 25, 10, 30, tzinfo=ALMATY)
    assert registration.prosecutor == "p1" and registration.authority == 1 and registration.unit == 0
    assert "region" not in registration.facts_document and registration.facts.offences[0].article == "188"


def test_identity_fields_of_persons_are_kept_apart_from_the_assessment_facts() -> None:
    persons = [
        {"role": "suspect", "admits_guilt": True, "name": "Қайрат Сәрсенбаев", "birth_date": "1992-06-30"},
        {"role": "defender", "name": "Адвокат Ким", "username": "defender"},
        {"role": "victim", "person_id": "abc"},
    ]
    registration = parse_registration(document(persons=persons))
    assert registration.facts.persons[0].age == 34  # computed on the assessment date
    assert "name" not in registration.facts_document["persons"][0]
    first, second, third = registration.identities
    assert first.person_data() == {"name": "Қайрат Сәрсенбаев", "birth_date": "1992-06-30"}
    assert second.username == "defender" and third.person_id == "abc"


def test_the_assessment_date_defaults_to_the_local_date_of_registration() -> None:
    late_evening_utc = "2026-11-24T20:30:00+00:00"  # already 25 November in Almaty
    without_date = {
        key: value for key, value in document(registered_at=late_evening_utc).items() if key != "date"
    }
    registration = parse_registration(without_date, default_timezone=ALMATY)
    assert registration.facts.date == dt.date(2026, 11, 25)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"region": None}, "region"),
        ({"region": "atlantis"}, "region"),
        ({"region": 99}, "region"),
        ({"reason": "rumour"}, "reason"),
        ({"registered_at": "2026-11-25T10:30:00"}, "registered_at"),
        ({"registered_at": "yesterday"}, "registered_at"),
        ({"authority": 42}, "authority"),
        ({"unit": "x"}, "unit"),
        ({"number": "2631 0100 0000 016"}, "number"),
        ({"title": "two\nlines"}, "title"),
        ({"offences": [{"article": "188", "category": "big"}]}, "offences[0].category"),
        (
            {"persons": [{"role": "suspect", "admits_guilt": True, "birth_date": "30.06.1992", "name": "X"}]},
            "persons[0].birth_date",
        ),
        ({"persons": [{"role": "victim", "birth_date": "1992-06-30"}]}, "persons[0].name"),
        ({"persons": [{"role": "chief"}]}, "persons[0].role"),
    ],
)
def test_bad_registration_input_names_the_field(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidCaseInput) as caught:
        parse_registration(document(**changes))
    assert caught.value.field == field


def test_regions_are_found_by_code_slug_and_name_in_three_languages() -> None:
    for region in REGIONS:
        for name in (
            region.code,
            str(region.code),
            region.slug,
            region.title.ru,
            region.title.kk,
            region.title.en,
        ):
            assert parse_region(name) is region
    assert parse_region("ЖАМБЫЛСКАЯ ОБЛАСТЬ").code == 31
    assert len({region.code for region in REGIONS}) == len(REGIONS)


def test_only_recordable_acts_are_recorded_directly() -> None:
    assert parse_act_kind("suspension") is ActKind.SUSPENSION
    with pytest.raises(InvalidCaseInput, match="own action"):
        parse_act_kind("form_decision")
    with pytest.raises(InvalidCaseInput) as caught:
        parse_term({"amount": 2, "unit": "weeks"})
    assert caught.value.field == "term.unit"


def test_an_act_document_is_canonical_json() -> None:
    at = dt.datetime(2026, 11, 25, 10, 30, tzinfo=ALMATY)
    one = act_document(
        ActKind.SUSPENSION, case_number="1", at=at, author="a", text="т", data={"b": 1, "a": 2}
    )
    two = act_document(
        ActKind.SUSPENSION, case_number="1", at=at, author="a", text="т", data={"a": 2, "b": 1}
    )
    assert one == two and b'"at":"2026-11-25T05:30:00+00:00"' in one and "т".encode() in one


def test_suspensions_pair_with_resumptions_and_extensions_pass_through() -> None:
    at = dt.datetime(2026, 12, 1, tzinfo=ALMATY)
    acts = [
        (ActKind.EXTENSION, at + dt.timedelta(days=9), {"term": {"amount": 1, "unit": "months"}}),
        (ActKind.RESUMPTION, at + dt.timedelta(days=3), {}),
        (ActKind.SUSPENSION, at, {"basis": "розыск"}),
        (ActKind.PROCEDURAL_ACT, at, {}),
    ]
    assert clock_acts(acts) == [
        Suspension(at, at + dt.timedelta(days=3), "розыск"),
        Extension(at + dt.timedelta(days=9), Term(1, "months"), ""),
    ]
    assert clock_acts([(ActKind.SUSPENSION, at, {})]) == [Suspension(at, None, "")]
    with pytest.raises(DeadlineError):
        clock_acts([(ActKind.RESUMPTION, at, {})])
    with pytest.raises(DeadlineError):
        clock_acts([(ActKind.SUSPENSION, at, {}), (ActKind.SUSPENSION, at + dt.timedelta(days=1), {})])


@given(st.lists(st.sampled_from([ActKind.SUSPENSION, ActKind.RESUMPTION]), max_size=12))
def test_clock_acts_accepts_exactly_the_alternating_sequences(kinds: list[ActKind]) -> None:
    start = dt.datetime(2026, 1, 1, tzinfo=ALMATY)
    acts = [(kind, start + dt.timedelta(days=i), {}) for i, kind in enumerate(kinds)]
    alternating = all(
        kind is (ActKind.SUSPENSION if i % 2 == 0 else ActKind.RESUMPTION) for i, kind in enumerate(kinds)
    )
    if alternating:
        result = clock_acts(acts)
        assert len(result) == (len(kinds) + 1) // 2
        assert all(isinstance(item, Suspension) for item in result)
    else:
        with pytest.raises(DeadlineError):
            clock_acts(acts)
