"""The service for other modules: interpreter, consular notification, rights of a participant."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

import qorgau.foreigners as foreigners
from qorgau.foreigners.domain.errors import InvalidInputError, RulesUnavailableError
from qorgau.foreigners.domain.facts import PersonFacts, Status


def test_participant_requirements_accepts_person_facts_or_a_mapping() -> None:
    facts = PersonFacts(status=Status.VISITOR, citizenships=("UZ",), languages=("uz", "ru"))
    from_facts = foreigners.participant_requirements(facts, "ru", True, date(2026, 3, 2))
    from_mapping = foreigners.participant_requirements(
        {"status": "visitor", "citizenships": ["UZ"], "languages": ["UZ", "RU"]}, "RU", True, date(2026, 3, 2)
    )
    assert from_facts.to_dict() == from_mapping.to_dict()
    assert from_facts.interpreter_needed is False
    assert from_facts.consular_notification_due is True
    assert from_facts.consular_states == ("UZ",)


def test_consular_notification_is_due_for_every_citizenship_of_a_detained_dual_national() -> None:
    needs = foreigners.participant_requirements(
        {"status": "permanent_resident", "citizenships": ["DE", "TR"], "languages": ["de"]},
        "kk",
        True,
        date(2026, 3, 2),
    )
    assert needs.consular_states == ("DE", "TR")
    assert "consular_access" in [item.id for item in needs.procedural_rights]


@pytest.mark.parametrize("status", ["refugee", "asylum_seeker"])
def test_consular_notification_is_not_due_for_refugees_or_asylum_seekers(status: str) -> None:
    needs = foreigners.participant_requirements(
        {"status": status, "citizenships": ["AF"], "languages": ["ps"]}, "kk", True, date(2026, 3, 2)
    )
    assert needs.consular_notification_due is False
    assert "non_refoulement" in [item.id for item in needs.procedural_rights]


def test_detained_must_be_a_boolean() -> None:
    with pytest.raises(InvalidInputError, match="detained"):
        detained: Any = "yes"
        foreigners.participant_requirements(
            {"status": "visitor", "citizenships": ["RU"]},
            "kk",
            detained,
            date(2026, 3, 2),
        )


def test_a_date_before_any_interpreter_rule_is_refused() -> None:
    with pytest.raises(RulesUnavailableError):
        foreigners.participant_requirements(
            {"status": "visitor", "citizenships": ["RU"]}, "kk", False, date(1990, 1, 1)
        )
