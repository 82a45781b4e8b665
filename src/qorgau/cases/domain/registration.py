"""The registration document: the assessment input plus where, why and by whom the case is registered.

Input (``qorgau cases register`` and ``POST /api/v1/cases``) — the ``assess`` document
(:mod:`.facts`) with these additions; optional fields in brackets::

    "region": 31 | "zhambyl" | "Жамбылская область"    region code or name (:mod:`.regions`)
    "reason": "statement" | "report" | "official_report"  what was registered (заявление, сообщение, рапорт)
    ["registered_at": "2026-11-25T10:30:00+05:00"]      the moment of registration (default: now);
                                                        every time limit runs from it
    ["authority": 1], ["unit": 0]                       ERDR authority and unit codes (:mod:`.erdr`)
    ["number": "2631 0100 0001 23x"]                    an ERDR number already given (import)
    ["title": "..."]                                    a short title (default: the offences)
    ["investigator": "username"], ["prosecutor": "username"]
    ["language_of_proceedings": "ru" | "kk"]            the language the case is conducted in (default
                                                        ru); kept with the facts, read by the
                                                        interpreter requirement (:mod:`.interpreters`)
    persons[i] may also carry the person's identity, which is not part of the assessment:
       ["person_id": "<people registry id>"] or ["name": "Имя Фамилия"] with
       ["latin_name"], ["birth_date": "YYYY-MM-DD"], ["sex"], ["citizenships"], ["languages"];
       a defender may carry ["username"]: the defender's user account, which gets access to the case.
       With a ``birth_date`` and no ``age`` the age is computed on ``date``.

``date`` (the day the assessment is made) defaults to the local date of ``registered_at``.
Every problem raises :class:`InvalidCaseInput` naming the field.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from qorgau.cases.domain.erdr import AUTHORITY_CODES, ErdrNumber
from qorgau.cases.domain.errors import ErdrNumberError, InvalidCaseInput
from qorgau.cases.domain.facts import CaseFacts, Person, parse_case_facts, parse_iso_date
from qorgau.cases.domain.interpreters import parse_language_of_proceedings
from qorgau.cases.domain.regions import Region, parse_region
from qorgau.kernel.law import LocalizedText

#: Identity fields a person of the registration document may carry (read past by the assessment).
PERSON_IDENTITY_FIELDS = frozenset(
    {"person_id", "name", "latin_name", "birth_date", "sex", "citizenships", "languages", "username"}
)
MAX_TITLE = 300


class RegistrationReason(StrEnum):
    """What the registration is based on (UPK RK art. 180: reasons to start a pre-trial investigation)."""

    STATEMENT = "statement"
    REPORT = "report"
    OFFICIAL_REPORT = "official_report"


REASON_TITLES: dict[RegistrationReason, LocalizedText] = {
    RegistrationReason.STATEMENT: LocalizedText(
        "заявление физического лица", "жеке тұлғаның арызы", "statement of a person"
    ),
    RegistrationReason.REPORT: LocalizedText(
        "сообщение об уголовном правонарушении",
        "қылмыстық құқық бұзушылық туралы хабарлама",
        "report of a criminal offence",
    ),
    RegistrationReason.OFFICIAL_REPORT: LocalizedText(
        "рапорт должностного лица", "лауазымды тұлғаның баянаты", "official report"
    ),
}


@dataclass(frozen=True)
class PersonIdentity:
    """Who person ``position`` (1-based, as in ``persons``) is: a registry id or the data to add them."""

    position: int
    person_id: str | None = None
    name: str | None = None
    details: Mapping[str, Any] = field(default_factory=dict)
    username: str | None = None

    def person_data(self) -> dict[str, Any]:
        """The fields for the people registry (``qorgau.kernel.people.service.do_add_person``)."""
        return {"name": self.name, **self.details}


@dataclass(frozen=True)
class Registration:
    """A validated registration document."""

    facts: CaseFacts
    facts_document: dict[str, Any]
    region: Region
    reason: RegistrationReason
    authority: int = 1
    unit: int = 0
    registered_at: dt.datetime | None = None
    number: ErdrNumber | None = None
    title: str | None = None
    investigator: str | None = None
    prosecutor: str | None = None
    identities: tuple[PersonIdentity, ...] = ()
    language_of_proceedings: str = "ru"


@dataclass(frozen=True)
class NewParticipant:
    """A participant added to a registered case: who he is, his facts, and the case's facts with him."""

    identity: PersonIdentity
    person: Person
    person_document: dict[str, Any]
    facts_document: dict[str, Any]


def parse_new_participant(item: Any, facts_document: Mapping[str, Any]) -> NewParticipant:
    """Validate a participant added after registration, as registration validates ``persons[i]``.

    ``item`` is one ``persons`` entry of the registration document (``role`` and the assessment
    fields, plus the identity: ``person_id`` or ``name`` …). The participant must be linked to a
    person. The checks are registration's own: the same role list, ``age`` required for a suspect or
    accused, ``disputed_offences`` within the case's offences, unknown fields refused — run on the
    case's facts with the new person appended, so the field is named ``persons[N]`` as registration
    would name it. Raises :class:`InvalidCaseInput`.
    """
    if not isinstance(item, Mapping):
        raise InvalidCaseInput("person", "expected an object")
    persons = facts_document.get("persons", [])
    existing = list(persons) if isinstance(persons, list) else []
    position = len(existing) + 1
    on = _assessment_date(facts_document)
    identity, person = _split_person(item, position, on)
    if identity.person_id is None and identity.name is None:
        raise InvalidCaseInput(
            f"persons[{position - 1}].person_id",
            "required: link the participant to a person (or give a name)",
        )
    document = {**facts_document, "persons": [*existing, person]}
    facts = parse_case_facts(document)
    return NewParticipant(identity, facts.persons[-1], person, document)


def parse_registration(document: Any, *, default_timezone: dt.tzinfo | None = None) -> Registration:
    """Validate a registration document; :class:`InvalidCaseInput` names the first bad field.

    ``default_timezone`` gives ``date`` when only ``registered_at`` is stated (its own offset
    otherwise).
    """
    if not isinstance(document, Mapping):
        raise InvalidCaseInput("(document)", "expected a JSON object")
    region = parse_region(document.get("region"))
    reason = _reason(document.get("reason"))
    registered_at = _moment(document.get("registered_at"), "registered_at")
    authority = _code(document, "authority", 1, 1, 99)
    if authority not in AUTHORITY_CODES:
        raise InvalidCaseInput("authority", f"unknown authority code {authority}")
    unit = _code(document, "unit", 0, 0, 99)
    number = None
    if document.get("number") is not None:
        try:
            number = ErdrNumber.parse(document["number"])
        except ErdrNumberError as exc:
            raise InvalidCaseInput("number", str(exc)) from None
    facts_document = {key: value for key, value in document.items() if key not in _REGISTRATION_KEYS}
    language = parse_language_of_proceedings(document.get("language_of_proceedings"))
    if "language_of_proceedings" in facts_document:
        facts_document["language_of_proceedings"] = language
    if "date" not in facts_document and registered_at is not None:
        local = registered_at.astimezone(default_timezone) if default_timezone else registered_at
        facts_document["date"] = local.date().isoformat()
    raw_persons = facts_document.get("persons", [])
    identities: list[PersonIdentity] = []
    if isinstance(raw_persons, list):
        on = _assessment_date(facts_document)
        cleaned = []
        for position, item in enumerate(raw_persons, start=1):
            if isinstance(item, Mapping):
                identity, person = _split_person(item, position, on)
                identities.append(identity)
                cleaned.append(person)
            else:
                cleaned.append(item)
        facts_document["persons"] = cleaned
    facts = parse_case_facts(facts_document)
    return Registration(
        facts=facts,
        facts_document=facts_document,
        region=region,
        reason=reason,
        authority=authority,
        unit=unit,
        registered_at=registered_at,
        number=number,
        title=_title(document.get("title")),
        investigator=_username(document.get("investigator"), "investigator"),
        prosecutor=_username(document.get("prosecutor"), "prosecutor"),
        identities=tuple(identities),
        language_of_proceedings=language,
    )


_REGISTRATION_KEYS = frozenset(
    {
        "region",
        "reason",
        "registered_at",
        "authority",
        "unit",
        "number",
        "title",
        "investigator",
        "prosecutor",
    }
)


def _reason(value: Any) -> RegistrationReason:
    choices = ", ".join(reason.value for reason in RegistrationReason)
    if value is None:
        raise InvalidCaseInput("reason", f"required (one of: {choices})")
    try:
        return RegistrationReason(value)
    except (ValueError, TypeError):
        raise InvalidCaseInput("reason", f"unknown value {value!r} (one of: {choices})") from None


def parse_moment(value: Any, field: str) -> dt.datetime:
    """An ISO 8601 date-time with a UTC offset (``2026-11-25T10:30:00+05:00``)."""
    if not isinstance(value, str):
        raise InvalidCaseInput(field, f"{value!r} is not a date-time in ISO 8601")
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        raise InvalidCaseInput(field, f"{value!r} is not a date-time in ISO 8601") from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidCaseInput(field, f"{value!r} needs a UTC offset (e.g. +05:00)")
    return moment


def _moment(value: Any, field: str) -> dt.datetime | None:
    return None if value is None else parse_moment(value, field)


def _code(document: Mapping[str, Any], key: str, default: int, low: int, high: int) -> int:
    value = document.get(key, default)
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidCaseInput(key, f"{value!r} must be a whole number {low}–{high}")
    return value


def _title(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip() or "\n" in value.strip():
        raise InvalidCaseInput("title", "must be one line of text")
    title = " ".join(value.split())
    if len(title) > MAX_TITLE:
        raise InvalidCaseInput("title", f"at most {MAX_TITLE} characters")
    return title


def _username(value: Any, field: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise InvalidCaseInput(field, "must be a user name")
    return value.strip()


def _assessment_date(document: Mapping[str, Any]) -> dt.date | None:
    value = document.get("date")
    try:
        return parse_iso_date(value, "date") if value is not None else None
    except InvalidCaseInput:
        return None  # parse_case_facts reports it with the right field


def _split_person(
    item: Mapping[str, Any], position: int, on: dt.date | None
) -> tuple[PersonIdentity, dict[str, Any]]:
    where = f"persons[{position - 1}]"
    person = {key: value for key, value in item.items() if key not in PERSON_IDENTITY_FIELDS}
    person_id = item.get("person_id")
    name = item.get("name")
    if person_id is not None and (not isinstance(person_id, str) or not person_id.strip()):
        raise InvalidCaseInput(f"{where}.person_id", "must be the id of a person in the registry")
    if name is not None and (not isinstance(name, str) or not name.strip()):
        raise InvalidCaseInput(f"{where}.name", "must be the person's name")
    if person_id is None and name is None:
        extra = sorted(set(item) & (PERSON_IDENTITY_FIELDS - {"username"}))
        if extra:
            raise InvalidCaseInput(f"{where}.name", f"required with {', '.join(extra)}")
    birth_date = item.get("birth_date")
    if birth_date is not None:
        born = parse_iso_date(birth_date, f"{where}.birth_date")
        if "age" not in person and on is not None:
            person["age"] = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    details = {
        key: item[key]
        for key in ("latin_name", "birth_date", "sex", "citizenships", "languages")
        if item.get(key) is not None
    }
    if item.get("immunity") is not None:
        details["immunity"] = item["immunity"]
    username = _username(item.get("username"), f"{where}.username")
    identity = PersonIdentity(
        position=position,
        person_id=person_id.strip() if isinstance(person_id, str) else None,
        name=" ".join(name.split()) if isinstance(name, str) else None,
        details=details,
        username=username,
    )
    return identity, person
