"""Registrations of asylum applications and temporary protection, their decisions, and the review of
likely duplicates — validation and state rules (pure: no database, no web).

**Fields.** A registration carries what member states exchange on the EU Temporary Protection
Platform (from 31 May 2022) to detect double registrations: surname and given names in the original
script and in Latin letters; earlier names and aliases (Eurodac, Regulation (EU) 2024/1358 art. 26);
birth date and place; nationality and its type; sex; an identity document (type, number, issuing
state, issue and expiry dates); the kind of protection, the registering state and date; for a minor
the relation to the accompanying adult and whether the minor is unaccompanied.

**Statuses.** A registration starts ``registered``; a decision moves it to an outcome of its kind
(:data:`OUTCOMES`). Temporary protection: ``granted`` (then possibly ``ended``) or ``excluded``
(Directive 2001/55/EC art. 28). Asylum: the first-instance outcomes of Eurostat's
``migr_asydcfsta`` (refugee status ``POS_RFG``, subsidiary protection ``POS_SPROT``, humanitarian
status ``POS_HUM``, rejection ``NEG``) or ``withdrawn``. :func:`protection_status` names the status
whose rights :func:`qorgau.protection.rules.status_rights` lists.

**Review.** A duplicate-review item is ``pending`` until a migration officer ``confirmed`` (the
registrations are one person) or ``rejected`` it; nothing else moves it.

>>> record = check_registration({"kind": "temporary_protection", "surname": "Шевченко",
...     "given_names": "Олександр", "birth_date": "1988-03-14", "registering_state": "PL",
...     "registration_date": "2022-03-20", "activation": "2022/382", "nationality": "UA"},
...     activations={"2022/382": date(2022, 3, 4)}, today=date(2024, 1, 1))
>>> record.surname_latin, record.given_names_latin, record.nationality_type
('Shevchenko', 'Oleksandr', 'citizen')
>>> status_after("temporary_protection", "registered", "granted")
'granted'
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from qorgau.kernel.law import LocalizedText
from qorgau.kernel.people.domain.model import DOCUMENT_KINDS, country_codes
from qorgau.kernel.people.domain.transliteration import canonical_latin
from qorgau.protection.domain.errors import DecisionInvalid, RegistrationInvalid, ReviewInvalid
from qorgau.protection.domain.observations import REPORTING_COUNTRIES
from qorgau.protection.domain.temporary_protection import Right

KINDS: tuple[str, ...] = ("temporary_protection", "asylum_application")
"""The kind of protection registered: temporary protection (Directive 2001/55/EC) or an asylum
application (international protection)."""

SEXES: tuple[str, ...] = ("F", "M", "X")
"""F, M, or X (unspecified, as ICAO 9303 writes it); an unknown sex is left empty."""

NATIONALITY_TYPES: tuple[str, ...] = ("citizen", "stateless", "undetermined")
"""How the nationality is held: a citizen of the state named, stateless, or not yet determined."""

RELATIONS: tuple[str, ...] = (
    "parent",
    "legal_guardian",
    "sibling",
    "grandparent",
    "other_relative",
    "other_adult",
)
"""A minor's relation to the accompanying adult."""

REGISTERED = "registered"

OUTCOMES: Mapping[str, tuple[str, ...]] = {
    "temporary_protection": ("granted", "excluded", "ended"),
    "asylum_application": (
        "refugee_status",
        "subsidiary_protection",
        "humanitarian_status",
        "rejected",
        "withdrawn",
    ),
}
"""The outcomes a decision may give, by kind of registration."""

EUROSTAT_DECISION_CODES: Mapping[str, str] = {
    "refugee_status": "POS_RFG",
    "subsidiary_protection": "POS_SPROT",
    "humanitarian_status": "POS_HUM",
    "rejected": "NEG",
}
"""The ``decision`` code of ``migr_asydcfsta`` each first-instance asylum outcome is counted under."""

# From which status a decision may move a registration, and to where.
_TRANSITIONS: Mapping[tuple[str, str], frozenset[str]] = {
    ("temporary_protection", REGISTERED): frozenset({"granted", "excluded"}),
    ("temporary_protection", "granted"): frozenset({"ended"}),
    ("asylum_application", REGISTERED): frozenset(OUTCOMES["asylum_application"]),
}

PROTECTION_STATUSES: Mapping[tuple[str, str], str] = {
    ("temporary_protection", REGISTERED): "temporary_protection_registered",
    ("temporary_protection", "granted"): "temporary_protection_beneficiary",
    ("temporary_protection", "excluded"): "temporary_protection_excluded",
    ("temporary_protection", "ended"): "temporary_protection_ended",
    ("asylum_application", REGISTERED): "asylum_applicant",
    ("asylum_application", "refugee_status"): "refugee",
    ("asylum_application", "subsidiary_protection"): "subsidiary_protection",
    ("asylum_application", "humanitarian_status"): "humanitarian_status",
    ("asylum_application", "rejected"): "rejected_applicant",
    ("asylum_application", "withdrawn"): "withdrawn_application",
}
"""The protection status (a key of ``rules/statuses.yaml``) of each kind and registration status."""

REVIEW_STATUSES: tuple[str, ...] = ("pending", "confirmed", "rejected")
REVIEW_DECISIONS: tuple[str, ...] = ("confirmed", "rejected")

AGREEMENT_FAILURES = frozenset({"different", "missing", "other_state"})
"""Agreement labels of the duplicate detection that do not count as a field agreeing."""

NAME_LIMIT = 200
LIST_LIMIT = 20
TEXT_LIMIT = 2000
ADULT_AGE = 18
_DOCUMENT_NUMBER = re.compile(r"[0-9A-Za-z][0-9A-Za-z /-]{0,59}")
_IDENTIFIER = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}")
_EARLIEST_BIRTH = date(1880, 1, 1)


@dataclass(frozen=True)
class IdentityDocumentInput:
    kind: str
    number: str
    issuing_country: str | None = None
    issued_on: date | None = None
    expires_on: date | None = None


@dataclass(frozen=True)
class RegistrationInput:
    """A checked registration (see the module docstring for the meaning of each field)."""

    kind: str
    surname: str
    given_names: str
    surname_latin: str
    given_names_latin: str
    birth_date: date
    registering_state: str
    registration_date: date
    earlier_names: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    birth_place: str | None = None
    nationality: str | None = None
    nationality_type: str = "undetermined"
    sex: str | None = None
    document: IdentityDocumentInput | None = None
    activation: str | None = None
    accompanying_adult_id: str | None = None
    relation_to_adult: str | None = None
    unaccompanied: bool = False
    person_id: str | None = None

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.surname, self.given_names) if part)

    @property
    def full_latin_name(self) -> str:
        return " ".join(part for part in (self.surname_latin, self.given_names_latin) if part)

    def is_minor_on(self, day: date) -> bool:
        return age_on(self.birth_date, day) < ADULT_AGE


@dataclass(frozen=True)
class DecisionInput:
    outcome: str
    decided_on: date
    legal_basis: str
    reasons: str | None = None


@dataclass(frozen=True)
class ClusterInput:
    """One cluster of the duplicate detection: registration ids, match probability, agreeing fields."""

    ids: tuple[str, ...]
    probability: float
    agreements: Mapping[str, str] = field(default_factory=dict)

    def agreeing_fields(self) -> list[str]:
        return agreeing_fields(self.agreements)


def age_on(birth_date: date, day: date) -> int:
    """Completed years of age on ``day``.

    >>> age_on(date(2005, 3, 5), date(2023, 3, 4)), age_on(date(2005, 3, 5), date(2023, 3, 5))
    (17, 18)
    """
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def latin_name(text: str) -> str:
    """The canonical Latin form of a name in any script, capitalised word by word.

    >>> latin_name("Олександр Петров-Водкін")
    'Oleksandr Petrov-Vodkin'
    """
    return "-".join(
        " ".join(word[:1].upper() + word[1:] for word in part.split(" "))
        for part in canonical_latin(text).split("-")
    )


def check_registration(
    data: Mapping[str, Any], *, activations: Mapping[str, date], today: date
) -> RegistrationInput:
    """Validate raw fields into a :class:`RegistrationInput`, or raise :class:`RegistrationInvalid`.

    ``activations`` maps each known activation of the Directive (``"2022/382"``) to the day it
    began; a temporary-protection registration names one and is dated on or after it. Latin names
    left empty are written from the original ones (ICAO 9303 via the kernel's transliteration).
    """
    kind = _choice(data.get("kind"), KINDS, "kind", required=True)
    assert kind is not None
    surname = _name(data.get("surname"), "surname", required=True)
    given_names = _name(data.get("given_names"), "given_names", required=False)
    surname_latin = _latin(data.get("surname_latin"), "surname_latin") or latin_name(surname)
    given_names_latin = _latin(data.get("given_names_latin"), "given_names_latin") or (
        latin_name(given_names) if given_names else ""
    )
    earlier_names = _names(data.get("earlier_names"), "earlier_names")
    aliases = _names(data.get("aliases"), "aliases")
    registration_date = _date(data.get("registration_date"), "registration_date", required=True)
    assert registration_date is not None
    if registration_date > today:
        raise RegistrationInvalid("registration_date", "cannot lie in the future")
    birth_date = _date(data.get("birth_date"), "birth_date", required=True)
    assert birth_date is not None
    if not _EARLIEST_BIRTH <= birth_date <= registration_date:
        raise RegistrationInvalid("birth_date", "must lie between 1880-01-01 and the registration date")
    birth_place = _text(data.get("birth_place"), "birth_place", NAME_LIMIT)
    nationality = _country(data.get("nationality"), "nationality")
    nationality_type = _choice(data.get("nationality_type"), NATIONALITY_TYPES, "nationality_type")
    if nationality_type is None:
        nationality_type = "citizen" if nationality else "undetermined"
    if nationality_type == "citizen" and nationality is None:
        raise RegistrationInvalid(
            "nationality", "is required for a citizen (or choose stateless/undetermined)"
        )
    if nationality_type == "stateless" and nationality is not None:
        raise RegistrationInvalid("nationality", "a stateless person has no nationality to name")
    sex = _choice(_upper(data.get("sex")), SEXES, "sex")
    document = _document(data)
    registering_state = _upper(data.get("registering_state"))
    if not registering_state:
        raise RegistrationInvalid("registering_state", "is required")
    if registering_state not in REPORTING_COUNTRIES:
        raise RegistrationInvalid(
            "registering_state",
            f"{registering_state!r} is not a member state (Eurostat codes: EL for Greece)",
        )
    activation = _text(data.get("activation"), "activation", 20)
    if kind == "temporary_protection":
        if activation is None:
            raise RegistrationInvalid("activation", "temporary protection is registered under an activation")
        if activation not in activations:
            raise RegistrationInvalid(
                "activation", f"unknown activation {activation!r}; known: {', '.join(sorted(activations))}"
            )
        if registration_date < activations[activation]:
            raise RegistrationInvalid(
                "registration_date", f"lies before activation {activation} began ({activations[activation]})"
            )
    elif activation is not None:
        raise RegistrationInvalid("activation", "only temporary protection is registered under an activation")
    accompanying = _identifier(data.get("accompanying_adult_id"), "accompanying_adult_id")
    relation = _choice(data.get("relation_to_adult"), RELATIONS, "relation_to_adult")
    unaccompanied = _flag(data.get("unaccompanied"), "unaccompanied")
    minor = age_on(birth_date, registration_date) < ADULT_AGE
    if not minor and (unaccompanied or relation or accompanying):
        field_name = (
            "unaccompanied"
            if unaccompanied
            else ("relation_to_adult" if relation else "accompanying_adult_id")
        )
        raise RegistrationInvalid(field_name, "applies to minors only (under 18 on the registration date)")
    if unaccompanied and (relation or accompanying):
        raise RegistrationInvalid("unaccompanied", "an unaccompanied minor has no accompanying adult")
    if accompanying and not relation:
        raise RegistrationInvalid("relation_to_adult", "name the minor's relation to the accompanying adult")
    person_id = _identifier(data.get("person_id"), "person_id")
    return RegistrationInput(
        kind=kind,
        surname=surname,
        given_names=given_names,
        surname_latin=surname_latin,
        given_names_latin=given_names_latin,
        birth_date=birth_date,
        registering_state=registering_state,
        registration_date=registration_date,
        earlier_names=earlier_names,
        aliases=aliases,
        birth_place=birth_place,
        nationality=nationality,
        nationality_type=nationality_type,
        sex=sex,
        document=document,
        activation=activation,
        accompanying_adult_id=accompanying,
        relation_to_adult=relation,
        unaccompanied=unaccompanied,
        person_id=person_id,
    )


def check_registration_id(value: Any) -> str | None:
    """The id a registering state gave its registration (letters, digits and ``. _ : -``, at most
    64), ``None`` when none is given; :class:`RegistrationInvalid` (field ``id``) otherwise.

    The same alphabet as the ids of :func:`check_clusters`, so any stored registration can be queued.
    """
    return _identifier(value, "id")


def check_decision(
    kind: str, status: str, registration_date: date, data: Mapping[str, Any], *, today: date
) -> DecisionInput:
    """Validate a decision on a registration of ``kind`` now in ``status``; :class:`DecisionInvalid`.

    The outcome must be one the status can move to (:func:`status_after`), dated between the
    registration and today, with its legal basis stated (every legal decision cites its source);
    an exclusion or a rejection also gives its reasons.
    """
    outcome = data.get("outcome")
    if outcome not in OUTCOMES.get(kind, ()):
        raise DecisionInvalid("outcome", f"one of {', '.join(OUTCOMES.get(kind, ()))}")
    status_after(kind, status, str(outcome))
    decided_on = _date(data.get("decided_on"), "decided_on", required=True, error=DecisionInvalid)
    assert decided_on is not None
    if not registration_date <= decided_on <= today:
        raise DecisionInvalid("decided_on", "must lie between the registration date and today")
    legal_basis = " ".join(str(data.get("legal_basis") or "").split())
    if len(legal_basis) < 3:
        raise DecisionInvalid("legal_basis", "cite the act (and article) the decision rests on")
    if len(legal_basis) > 500:
        raise DecisionInvalid("legal_basis", "at most 500 characters")
    reasons = " ".join(str(data.get("reasons") or "").split()) or None
    if outcome in ("excluded", "rejected") and not reasons:
        raise DecisionInvalid("reasons", "an exclusion or a rejection gives its reasons")
    if reasons and len(reasons) > TEXT_LIMIT:
        raise DecisionInvalid("reasons", f"at most {TEXT_LIMIT} characters")
    return DecisionInput(str(outcome), decided_on, legal_basis, reasons)


def status_after(kind: str, status: str, outcome: str) -> str:
    """The status a decision with ``outcome`` gives a registration of ``kind`` now in ``status``.

    Raises :class:`DecisionInvalid` (field ``outcome``) when the status cannot take that outcome:
    a final status takes none, and temporary protection ends only once it was granted.

    >>> status_after("asylum_application", "registered", "rejected")
    'rejected'
    >>> status_after("temporary_protection", "excluded", "granted")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    qorgau.protection.domain.errors.DecisionInvalid: outcome: a registration that is excluded cannot ...
    """
    allowed = _TRANSITIONS.get((kind, status), frozenset())
    if outcome not in allowed:
        raise DecisionInvalid("outcome", f"a registration that is {status} cannot be {outcome}")
    return outcome


def allowed_outcomes(kind: str, status: str) -> tuple[str, ...]:
    """The outcomes a decision may give a registration of ``kind`` in ``status``, in display order."""
    allowed = _TRANSITIONS.get((kind, status), frozenset())
    return tuple(outcome for outcome in OUTCOMES.get(kind, ()) if outcome in allowed)


def protection_status(kind: str, status: str) -> str:
    """The protection status whose rights apply (a key of ``rules/statuses.yaml``)."""
    try:
        return PROTECTION_STATUSES[(kind, status)]
    except KeyError:
        raise RegistrationInvalid("status", f"no protection status for {kind} {status}") from None


def check_review_decision(status: str, decision: Any) -> str:
    """``confirmed`` or ``rejected`` for a ``pending`` item; :class:`ReviewInvalid` otherwise."""
    if decision not in REVIEW_DECISIONS:
        raise ReviewInvalid("decision", f"one of {', '.join(REVIEW_DECISIONS)}")
    if status != "pending":
        raise ReviewInvalid("decision", f"the item is already {status}")
    return str(decision)


def agreeing_fields(agreements: Mapping[str, str]) -> list[str]:
    """The fields whose agreement label says they agreed (exact, transliteration, swapped day/month, ...).

    >>> agreeing_fields({"surname": "transliteration", "sex": "missing", "birth_date": "exact"})
    ['surname', 'birth_date']
    """
    return [name for name, label in agreements.items() if label not in AGREEMENT_FAILURES]


def check_clusters(document: Any) -> list[ClusterInput]:
    """The clusters of a duplicate-detection document, checked.

    The shape is the ``dedupe --json`` output: ``{"clusters": [{"ids": [...], "probability": p,
    "agreements": {"surname": "exact", ...}}], ...}`` (other keys are ignored; ``agreements`` may be
    absent). Each cluster holds two or more distinct ids; the probability lies in [0, 1]. Raises
    :class:`ReviewInvalid` naming the field (``clusters[2].ids``).
    """
    if not isinstance(document, Mapping):
        raise ReviewInvalid("clusters", 'expected a JSON object with a "clusters" list')
    raw_clusters = document.get("clusters")
    if not isinstance(raw_clusters, list):
        raise ReviewInvalid("clusters", "must be a list")
    clusters = []
    for index, raw in enumerate(raw_clusters):
        where = f"clusters[{index}]"
        if not isinstance(raw, Mapping):
            raise ReviewInvalid(where, "must be an object")
        ids = raw.get("ids")
        if not isinstance(ids, list) or len(ids) < 2:
            raise ReviewInvalid(f"{where}.ids", "a list of two or more registration ids")
        cleaned: list[str] = []
        for position, identifier in enumerate(ids):
            if not isinstance(identifier, str | int) or isinstance(identifier, bool):
                raise ReviewInvalid(f"{where}.ids[{position}]", "must be a string")
            text = str(identifier).strip()
            if not _IDENTIFIER.fullmatch(text):
                raise ReviewInvalid(f"{where}.ids[{position}]", f"{identifier!r} is not a registration id")
            if text in cleaned:
                raise ReviewInvalid(f"{where}.ids[{position}]", f"{text} is listed twice")
            cleaned.append(text)
        probability = raw.get("probability")
        if (
            isinstance(probability, bool)
            or not isinstance(probability, int | float)
            or math.isnan(probability)
            or not 0.0 <= probability <= 1.0
        ):
            raise ReviewInvalid(f"{where}.probability", "a number between 0 and 1")
        agreements = raw.get("agreements") or {}
        if not isinstance(agreements, Mapping) or not all(
            isinstance(key, str) and isinstance(value, str) for key, value in agreements.items()
        ):
            raise ReviewInvalid(f"{where}.agreements", "an object of field names to agreement labels")
        clusters.append(ClusterInput(tuple(sorted(cleaned)), float(probability), dict(agreements)))
    return clusters


# --- field helpers ---------------------------------------------------------------------------------


def _upper(value: Any) -> str | None:
    text = str(value).strip().upper() if value not in (None, "") else ""
    return text or None


def _choice(value: Any, allowed: Sequence[str], field_name: str, *, required: bool = False) -> str | None:
    if value in (None, ""):
        if required:
            raise RegistrationInvalid(field_name, f"is required: one of {', '.join(allowed)}")
        return None
    if value not in allowed:
        raise RegistrationInvalid(field_name, f"one of {', '.join(allowed)}")
    return str(value)


def _name(value: Any, field_name: str, *, required: bool) -> str:
    text = " ".join(str(value or "").split())
    if not text:
        if required:
            raise RegistrationInvalid(field_name, "is required")
        return ""
    if len(text) > NAME_LIMIT:
        raise RegistrationInvalid(field_name, f"at most {NAME_LIMIT} characters")
    if not any(character.isalpha() for character in text):
        raise RegistrationInvalid(field_name, "must contain letters")
    return text


def _latin(value: Any, field_name: str) -> str:
    text = _name(value, field_name, required=False)
    if text and not all(ord(character) < 0x250 for character in text):
        raise RegistrationInvalid(field_name, "must be written in Latin letters")
    return text


def _names(value: Any, field_name: str) -> tuple[str, ...]:
    if value in (None, ""):
        return ()
    if isinstance(value, str):
        value = [part for part in value.split(";")]
    if not isinstance(value, list | tuple):
        raise RegistrationInvalid(field_name, "must be a list of names")
    names: list[str] = []
    for index, item in enumerate(value):
        text = _name(item, f"{field_name}[{index}]", required=False)
        if text and text not in names:
            names.append(text)
    if len(names) > LIST_LIMIT:
        raise RegistrationInvalid(field_name, f"at most {LIST_LIMIT} names")
    return tuple(names)


def _text(value: Any, field_name: str, limit: int) -> str | None:
    text = " ".join(str(value or "").split())
    if len(text) > limit:
        raise RegistrationInvalid(field_name, f"at most {limit} characters")
    return text or None


def _date(
    value: Any,
    field_name: str,
    *,
    required: bool = False,
    error: type[RegistrationInvalid] | type[DecisionInvalid] = RegistrationInvalid,
) -> date | None:
    if value in (None, ""):
        if required:
            raise error(field_name, "is required (YYYY-MM-DD)")
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise error(field_name, f"{value!r} is not a date (YYYY-MM-DD)") from None


def _country(value: Any, field_name: str) -> str | None:
    code = _upper(value)
    if code is None:
        return None
    if code not in country_codes():
        raise RegistrationInvalid(field_name, f"unknown country code {value!r} (ISO 3166 alpha-2)")
    return code


def _flag(value: Any, field_name: str) -> bool:
    if value in (None, "", False, "false", "0", "off", "no"):
        return False
    if value in (True, "true", "1", "on", "yes"):
        return True
    raise RegistrationInvalid(field_name, "true or false")


def _identifier(value: Any, field_name: str) -> str | None:
    text = str(value).strip() if value not in (None, "") else ""
    if not text:
        return None
    if not _IDENTIFIER.fullmatch(text):
        raise RegistrationInvalid(field_name, f"{value!r} is not an id")
    return text


def _document(data: Mapping[str, Any]) -> IdentityDocumentInput | None:
    raw = data.get("document")
    if raw in (None, ""):
        return None
    if not isinstance(raw, Mapping):
        raise RegistrationInvalid("document", "must be an object")
    number = " ".join(str(raw.get("number") or "").split())
    kind = raw.get("kind") or None
    if not number:
        if any(raw.get(key) for key in ("kind", "issuing_country", "issued_on", "expires_on")):
            raise RegistrationInvalid("document.number", "is required when a document is given")
        return None
    if not _DOCUMENT_NUMBER.fullmatch(number):
        raise RegistrationInvalid("document.number", "letters, digits, spaces, / and - (at most 60)")
    if kind not in DOCUMENT_KINDS:
        raise RegistrationInvalid("document.kind", f"one of {', '.join(DOCUMENT_KINDS)}")
    issued_on = _date(raw.get("issued_on"), "document.issued_on")
    expires_on = _date(raw.get("expires_on"), "document.expires_on")
    if issued_on and expires_on and expires_on < issued_on:
        raise RegistrationInvalid("document.expires_on", "lies before the issue date")
    return IdentityDocumentInput(
        kind=str(kind),
        number=number,
        issuing_country=_country(raw.get("issuing_country"), "document.issuing_country"),
        issued_on=issued_on,
        expires_on=expires_on,
    )


@dataclass(frozen=True)
class StatusRights:
    """The rights (Directive 2001/55/EC articles) a protection status carries, with a note where the
    Directive is not the source of the status's rights."""

    status: str
    title: LocalizedText
    rights: tuple[Right, ...]
    note: LocalizedText | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "title": self.title.to_dict(),
            "rights": [right.to_dict() for right in self.rights],
            "note": self.note.to_dict() if self.note else None,
        }
