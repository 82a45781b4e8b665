"""Input parsing: clear errors that name the record."""

from __future__ import annotations

from typing import Any

import pytest

from qorgau.foreigners.domain.errors import InvalidInputError
from qorgau.foreigners.domain.facts import AssessmentRequest, PersonFacts, Status
from qorgau.foreigners.rules import default_rulebook

COUNTRIES = default_rulebook().countries


def _request(**overrides: Any) -> AssessmentRequest:
    document = {"date": "2026-11-25", "person": {"citizenships": ["RU"], "status": "visitor"}, **overrides}
    return AssessmentRequest.from_mapping(document, countries=COUNTRIES)


def test_the_country_list_holds_the_249_iso_codes() -> None:
    assert len(COUNTRIES) == 249
    assert COUNTRIES["KZ"].kk == "Қазақстан"
    assert "XK" not in COUNTRIES and "EU" not in COUNTRIES


def test_crossings_are_ordered_by_entry_but_keep_their_record_numbers() -> None:
    request = _request(
        crossings=[{"entry": "2026-09-10", "exit": None}, {"entry": "2026-06-01", "exit": "2026-07-20"}]
    )
    assert [c.record for c in request.crossings] == ["crossings[1]", "crossings[0]"]
    current = request.current_stay()
    assert current is not None and current.record == "crossings[0]"


def test_an_exit_before_entry_names_the_record_and_both_dates() -> None:
    with pytest.raises(InvalidInputError) as error:
        _request(crossings=[{"entry": "2026-07-20", "exit": "2026-07-01"}])
    assert str(error.value) == "crossings[0]: exit 2026-07-01 is before entry 2026-07-20"
    assert error.value.record == "crossings[0]"


def test_lower_case_country_codes_are_accepted() -> None:
    assert PersonFacts.from_mapping(
        {"citizenships": ["ru"], "status": "visitor"}, countries=COUNTRIES
    ).citizenships == ("RU",)


def test_a_citizen_is_recorded_as_kazakh_only() -> None:
    person = PersonFacts.from_mapping(
        {"citizenships": ["KZ", "RU"], "status": "citizen"}, countries=COUNTRIES
    )
    assert person.status is Status.CITIZEN and person.citizenships == ("KZ",)


@pytest.mark.parametrize(
    ("person", "message"),
    [
        (
            {"citizenships": [], "status": "visitor"},
            "person.citizenships: status 'visitor' needs at least one",
        ),
        ({"citizenships": "RU", "status": "visitor"}, "person.citizenships: must be a list"),
        ({"citizenships": ["RU"], "status": "visitor", "languages": ["russian"]}, "person.languages[0]"),
        ("RU", "person: must be an object"),
    ],
)
def test_malformed_person_facts_are_refused_by_name(person: Any, message: str) -> None:
    with pytest.raises(InvalidInputError, match=message.replace("[", r"\[").replace("]", r"\]")):
        _request(person=person)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"date": None}, "date: required"),
        ({"crossings": {"entry": "2026-01-01"}}, "crossings: must be a list"),
        ({"crossings": [{"exit": "2026-01-01"}]}, r"crossings\[0\]\.entry: required"),
        (
            {"permits": [{"kind": "golden_visa", "valid_from": "2026-01-01"}]},
            r"permits\[0\]\.kind: unknown kind",
        ),
        ({"permits": [{"kind": "visa", "valid_from": "2026-01-01"}]}, r"permits\[0\]\.valid_until: required"),
        ({"registrations": [{"date": "2026-01-01", "confirmed": "yes"}]}, r"registrations\[0\]\.confirmed"),
    ],
)
def test_malformed_records_are_refused_by_name(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        _request(**overrides)


def test_a_permanent_residence_permit_may_be_open_ended() -> None:
    request = _request(
        person={"citizenships": ["KG"], "status": "permanent_resident"},
        permits=[{"kind": "permanent_residence", "valid_from": "2020-01-01", "valid_until": None}],
    )
    assert request.permits[0].valid_until is None
