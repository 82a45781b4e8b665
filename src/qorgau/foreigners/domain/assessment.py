"""The migration officer's assessment of one person on one date: stay, registration, rights.

``assess_json`` is the contract behind ``qorgau foreigners assess FILE.json --json`` and the target
of the YAML scenarios::

    {"date": "2026-11-25", "person": {"citizenships": ["RU"], "status": "visitor"},
     "crossings": [...], "registrations": [...], "address_changes": [...]}
    →
    {"date", "person",
     "stay": {"days_in_window", "limit", "window_days", "overstay", "last_lawful_day", ... "reasons"},
     "registration": {"required", "due", "status", ... "duties", "reasons"},
     "rights": [{"id", "citation", "verified", "text": {"ru", "kk", "en"}, ...}],
     "restrictions": [...], "duties": [...]}

Definitions of every field are in :mod:`~qorgau.foreigners.domain.stay` and
:mod:`~qorgau.foreigners.domain.registration`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from qorgau.foreigners.domain.facts import AssessmentRequest
from qorgau.foreigners.domain.registration import RegistrationAssessment, assess_registration
from qorgau.foreigners.domain.rulebook import Rulebook
from qorgau.foreigners.domain.status_rights import StatusRights, rights_and_restrictions
from qorgau.foreigners.domain.stay import StayAssessment, assess_stay


@dataclass(frozen=True)
class Assessment:
    request: AssessmentRequest
    stay: StayAssessment
    registration: RegistrationAssessment
    status_rights: StatusRights

    def to_dict(self) -> dict[str, Any]:
        person = self.request.person
        return {
            "date": self.request.on.isoformat(),
            "person": {"status": person.status.value, "citizenships": list(person.citizenships)},
            "stay": self.stay.to_dict(),
            "registration": self.registration.to_dict(),
            "rights": [item.to_dict() for item in self.status_rights.rights],
            "restrictions": [item.to_dict() for item in self.status_rights.restrictions],
            "duties": [item.to_dict() for item in self.status_rights.duties],
        }


def assess(request: AssessmentRequest | Mapping[str, Any], *, rulebook: Rulebook | None = None) -> Assessment:
    """Assess a parsed request or a raw input document (parsed with the rulebook's country list).

    Raises :class:`~qorgau.foreigners.domain.errors.InvalidInputError` naming the bad record, and
    :class:`~qorgau.foreigners.domain.errors.RulesUnavailableError` when no rule covers a date.
    """
    book = rulebook or _default()
    parsed = (
        request
        if isinstance(request, AssessmentRequest)
        else AssessmentRequest.from_mapping(request, countries=book.countries)
    )
    stay = assess_stay(parsed, book)
    registration = assess_registration(parsed, stay, book)
    status_rights = rights_and_restrictions(parsed.person.status, parsed.on, rulebook=book)
    return Assessment(request=parsed, stay=stay, registration=registration, status_rights=status_rights)


def assess_json(document: Mapping[str, Any]) -> dict[str, Any]:
    """The ``assess`` contract: a JSON-like input document → a JSON-like result (see the module docstring)."""
    return assess(document).to_dict()


def _default() -> Rulebook:
    from qorgau.foreigners.rules import (
        default_rulebook,
    )  # the shipped data; imported late to keep the domain pure

    return default_rulebook()
