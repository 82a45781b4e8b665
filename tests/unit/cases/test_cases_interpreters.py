"""The interpreter requirement (on the ``foreigners`` answer) and participants added after registration."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from qorgau.cases.domain.assessment import assess
from qorgau.cases.domain.errors import InvalidCaseInput
from qorgau.cases.domain.facts import parse_case_facts
from qorgau.cases.domain.forms import ProceedingForm
from qorgau.cases.domain.interpreters import (
    apply_to_facts,
    interpreter_requirement,
    is_foreign_citizen,
    parse_language_of_proceedings,
)
from qorgau.cases.domain.registration import parse_new_participant, parse_registration
from qorgau.cases.rules import load_law

FACTS: dict[str, Any] = {
    "date": "2026-11-25",
    "offences": [{"article": "188", "part": "1", "category": "minor"}],
    "persons": [
        {
            "role": "suspect",
            "age": 34,
            "has_defender": True,
            "speaks_language_of_proceedings": True,
            "admits_guilt": True,
        }
    ],
    "offender_identified": True,
}


def requirement(**changes: Any) -> Any:
    arguments: dict[str, Any] = {
        "position": 1,
        "role": "suspect",
        "person_id": "p-1",
        "language": "ru",
        "interpreter_needed": False,
        "languages": ("ru",),
        "citizenships": ("KZ",),
    }
    arguments.update(changes)
    return interpreter_requirement(**arguments)


def test_a_participant_who_does_not_speak_the_language_needs_an_interpreter() -> None:
    need = requirement(interpreter_needed=True, languages=("uz",), citizenships=("UZ",))
    assert (need.required, need.basis, need.speaks_language, need.foreign_citizen) == (
        True,
        "language",
        False,
        True,
    )


def test_a_foreign_citizen_who_speaks_the_language_is_still_offered_an_interpreter() -> None:
    need = requirement(languages=("de", "ru"), citizenships=("DE",))
    assert (need.required, need.basis, need.speaks_language) == (True, "foreign_citizen", True)


def test_a_citizen_who_speaks_the_language_needs_no_interpreter() -> None:
    need = requirement(languages=("kk", "ru"), citizenships=("KZ",))
    assert (need.required, need.basis) == (False, None)
    assert need.to_dict()["basis_text"] is None


def test_unknown_languages_give_an_interpreter_but_do_not_count_as_not_speaking() -> None:
    need = requirement(interpreter_needed=True, languages=())
    assert (need.required, need.basis, need.speaks_language) == (True, "languages_unknown", None)


@pytest.mark.parametrize(
    ("citizenships", "foreign"),
    [((), False), (("KZ",), False), (("kz", "RU"), False), (("RU",), True), (("de", "fr"), True)],
)
def test_a_citizen_of_kazakhstan_is_never_a_foreign_citizen(
    citizenships: tuple[str, ...], foreign: bool
) -> None:
    assert is_foreign_citizen(citizenships) is foreign


def test_recorded_languages_that_exclude_the_language_close_the_accelerated_form() -> None:
    law = load_law()

    def accelerated_allowed(facts: dict[str, Any]) -> bool:
        return assess(parse_case_facts(facts), law).form(ProceedingForm.ACCELERATED).allowed

    assert accelerated_allowed(FACTS)
    assert not accelerated_allowed(
        apply_to_facts(FACTS, [requirement(interpreter_needed=True, languages=("uz",))])
    )
    assert accelerated_allowed(apply_to_facts(FACTS, [requirement(interpreter_needed=True, languages=())]))
    assert FACTS["persons"][0]["speaks_language_of_proceedings"] is True  # the input is not changed


def test_the_language_of_proceedings_is_kazakh_or_russian() -> None:
    assert parse_language_of_proceedings(None) == "ru"
    assert parse_language_of_proceedings(" KK ") == "kk"
    with pytest.raises(InvalidCaseInput) as raised:
        parse_language_of_proceedings("en")
    assert raised.value.field == "language_of_proceedings"


def test_registration_keeps_the_language_of_proceedings_with_the_facts() -> None:
    document = copy.deepcopy(FACTS) | {"region": 31, "reason": "statement", "language_of_proceedings": "kk"}
    registration = parse_registration(document)
    assert registration.language_of_proceedings == "kk"
    assert registration.facts_document["language_of_proceedings"] == "kk"
    with pytest.raises(InvalidCaseInput) as raised:
        parse_registration(document | {"language_of_proceedings": "de"})
    assert raised.value.field == "language_of_proceedings"


def test_a_new_participant_is_appended_to_the_facts_and_linked_to_a_person() -> None:
    added = parse_new_participant(
        {"role": "accused", "age": 40, "name": "Бауыржан Сейткали", "languages": ["kk"]}, FACTS
    )
    assert added.person.number == 2 and added.person.role.value == "accused"
    assert added.identity.name == "Бауыржан Сейткали" and added.identity.details["languages"] == ["kk"]
    assert added.person_document == {"role": "accused", "age": 40}
    assert len(added.facts_document["persons"]) == 2 and len(FACTS["persons"]) == 1


@pytest.mark.parametrize(
    ("participant", "field"),
    [
        ({"role": "onlooker", "name": "А Б"}, "persons[1].role"),
        ({"role": "suspect", "name": "А Б"}, "persons[1].age"),
        ({"role": "witness"}, "persons[1].person_id"),
        ({"role": "witness", "name": "А Б", "disputed_offences": [3]}, "persons[1].disputed_offences"),
        ({"role": "witness", "name": "А Б", "age": -1}, "persons[1].age"),
        ("witness", "person"),
    ],
)
def test_a_new_participant_is_refused_naming_the_field(participant: Any, field: str) -> None:
    with pytest.raises(InvalidCaseInput) as raised:
        parse_new_participant(participant, FACTS)
    assert raised.value.field == field


def test_the_case_statement_stands_in_for_unrecorded_languages() -> None:
    stated_yes = requirement(interpreter_needed=True, languages=(), citizenships=("KZ",), stated_speaks=True)
    assert (stated_yes.required, stated_yes.basis, stated_yes.speaks_language) == (False, None, True)
    stated_no = requirement(interpreter_needed=True, languages=(), citizenships=("KZ",), stated_speaks=False)
    assert (stated_no.required, stated_no.basis, stated_no.speaks_language) == (True, "language", False)
    unstated = requirement(interpreter_needed=True, languages=(), citizenships=("KZ",), stated_speaks=None)
    assert (unstated.required, unstated.basis) == (True, "languages_unknown")


def test_a_recorded_language_list_wins_over_the_case_statement() -> None:
    recorded = requirement(
        interpreter_needed=True, languages=("uz",), citizenships=("KZ",), stated_speaks=True
    )
    assert (recorded.required, recorded.basis, recorded.speaks_language) == (True, "language", False)


def test_a_foreign_citizen_stated_to_speak_the_language_is_still_offered_an_interpreter() -> None:
    foreign = requirement(interpreter_needed=True, languages=(), citizenships=("UZ",), stated_speaks=True)
    assert (foreign.required, foreign.basis) == (True, "foreign_citizen")
