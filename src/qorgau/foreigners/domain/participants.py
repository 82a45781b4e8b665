"""What a proceeding owes a participant: an interpreter, consular notification, and the rights of
the participant's status — the service other modules (``cases``, ``protection``) call.

Rules:

- **Interpreter**: needed when the person does not speak the language of proceedings (CPC art. 30
  part 3). When the person's languages are not recorded, the answer is "needed" until someone asks:
  an interpreter too many costs little, one too few voids the testimony.
- **Consular notification**: due when a foreign citizen is detained or arrested (Vienna Convention on
  Consular Relations art. 36 para 1(b)): the person is told "without delay" of the right to have the
  consular post informed, and the post is informed "without delay" if the person so requests. It is
  not due for a citizen of Kazakhstan (a foreign citizenship is not recognised), a stateless person
  (no state to notify) or a refugee or asylum seeker (the country fled is contacted only at the
  person's express request).

>>> from qorgau.foreigners.rules import default_rulebook
>>> needs = participant_requirements(
...     {"citizenships": ["UZ"], "status": "visitor", "languages": ["uz"]}, "kk", True, date(2026, 3, 2),
...     rulebook=default_rulebook())
>>> needs.interpreter_needed, needs.consular_notification_due
(True, True)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from qorgau.foreigners.domain.errors import InvalidInputError, RulesUnavailableError
from qorgau.foreigners.domain.facts import (
    FOREIGN_CITIZEN_STATUSES,
    PersonFacts,
    Status,
    normalize_language,
    parse_date,
)
from qorgau.foreigners.domain.rulebook import Rulebook
from qorgau.foreigners.domain.status_rights import StatusItem, rights_and_restrictions
from qorgau.kernel.law import Citation, Reason


@dataclass(frozen=True)
class ParticipantRequirements:
    """The answer of :func:`participant_requirements`."""

    interpreter_needed: bool
    language_of_proceedings: str
    consular_notification_due: bool
    consular_states: tuple[str, ...]
    detained: bool
    rights: tuple[StatusItem, ...]
    restrictions: tuple[StatusItem, ...]
    reasons: tuple[Reason, ...]

    @property
    def procedural_rights(self) -> tuple[StatusItem, ...]:
        """The rights a proceeding must secure (interpreter, courts, consular access, non-refoulement)."""
        return tuple(item for item in self.rights if item.procedural)

    def to_dict(self) -> dict[str, Any]:
        return {
            "interpreter_needed": self.interpreter_needed,
            "language_of_proceedings": self.language_of_proceedings,
            "consular_notification": {
                "due": self.consular_notification_due,
                "deadline": "without_delay" if self.consular_notification_due else None,
                "states": list(self.consular_states),
                "notify_post_on_request": self.consular_notification_due,
            },
            "consular_notification_due": self.consular_notification_due,
            "detained": self.detained,
            "procedural_rights": [item.id for item in self.procedural_rights],
            "rights": [item.to_dict() for item in self.rights],
            "restrictions": [item.to_dict() for item in self.restrictions],
            "reasons": [reason.to_dict() for reason in self.reasons],
        }


def participant_requirements(
    person: PersonFacts | Mapping[str, Any],
    language_of_proceedings: str,
    detained: bool,
    on: date,
    *,
    rulebook: Rulebook | None = None,
) -> ParticipantRequirements:
    """Whether a participant needs an interpreter and consular notification, and which rights apply on ``on``.

    ``person`` is a :class:`PersonFacts` or a mapping ``{"status", "citizenships", "languages"}``
    (ISO 3166-1 alpha-2 and ISO 639-1 codes). Raises :class:`InvalidInputError` for bad facts and
    :class:`RulesUnavailableError` when no rule covers ``on``.
    """
    book = rulebook or _default()
    facts = PersonFacts.from_mapping(person, countries=book.countries)
    language = normalize_language(language_of_proceedings, "language_of_proceedings")
    if not isinstance(detained, bool):
        raise InvalidInputError("detained", "must be true or false")
    texts = book.texts
    reasons: list[Reason] = []

    interpreter_citation = _citation(book, "interpreter_in_proceedings", on)
    if not facts.languages:
        interpreter_needed = True
        reasons.append(
            Reason(
                "participant.interpreter",
                False,
                interpreter_citation,
                texts.render("interpreter_languages_unknown", language=language),
            )
        )
    elif language in facts.languages:
        interpreter_needed = False
        reasons.append(
            Reason(
                "participant.interpreter",
                True,
                interpreter_citation,
                texts.render("interpreter_not_needed", language=language),
            )
        )
    else:
        interpreter_needed = True
        reasons.append(
            Reason(
                "participant.interpreter",
                False,
                interpreter_citation,
                texts.render("interpreter_needed", language=language),
            )
        )

    consular_citation = _citation(book, "consular_notification", on)
    consular_due = False
    states: tuple[str, ...] = ()
    if facts.status is Status.CITIZEN:
        reasons.append(
            Reason(
                "participant.consular_notification",
                True,
                _citizen_citation(book, on),
                texts.render("consular_citizen"),
            )
        )
    elif facts.status is Status.STATELESS:
        reasons.append(
            Reason(
                "participant.consular_notification",
                True,
                consular_citation,
                texts.render("consular_stateless"),
            )
        )
    elif facts.status in (Status.REFUGEE, Status.ASYLUM_SEEKER):
        citation = _citation(book, "refugee_consular_confidentiality", on)
        reasons.append(
            Reason("participant.consular_notification", True, citation, texts.render("consular_refugee"))
        )
    elif not detained:
        reasons.append(
            Reason(
                "participant.consular_notification",
                True,
                consular_citation,
                texts.render("consular_not_detained"),
            )
        )
    elif facts.status in FOREIGN_CITIZEN_STATUSES:
        consular_due = True
        states = facts.citizenships
        reasons.append(
            Reason(
                "participant.consular_notification",
                False,
                consular_citation,
                texts.render("consular_due", states=", ".join(states)),
            )
        )

    status_rights = rights_and_restrictions(facts.status, on, rulebook=book)
    return ParticipantRequirements(
        interpreter_needed=interpreter_needed,
        language_of_proceedings=language,
        consular_notification_due=consular_due,
        consular_states=states,
        detained=detained,
        rights=status_rights.rights,
        restrictions=status_rights.restrictions,
        reasons=tuple(reasons),
    )


def participant_requirements_json(document: Mapping[str, Any]) -> dict[str, Any]:
    """Scenario entry point: ``{"person", "language_of_proceedings", "detained", "date"}`` → a dict."""
    on = parse_date(document.get("date"), "date")
    return participant_requirements(
        document.get("person") or {},
        str(document.get("language_of_proceedings", "")),
        document.get("detained", False),
        on,
    ).to_dict()


def _citation(book: Rulebook, name: str, on: date) -> Citation:
    return book.value(book.participants, name, on).citation


def _citizen_citation(book: Rulebook, on: date) -> Citation:
    try:
        return book.value(book.rights, "foreign_citizenship_not_recognised", on).citation
    except RulesUnavailableError:
        return book.rights["foreign_citizenship_not_recognised"].values[0].citation


def _default() -> Rulebook:
    from qorgau.foreigners.rules import (
        default_rulebook,
    )  # the shipped data; imported late to keep the domain pure

    return default_rulebook()
