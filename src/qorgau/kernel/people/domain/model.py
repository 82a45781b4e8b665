"""A person as the registry keeps them, and the validation of new entries (pure)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from babel import Locale

SEXES = ("F", "M")
IMMUNITY_CATEGORIES = ("mp", "constitutional_court_judge", "judge", "prosecutor_general", "diplomat")
DOCUMENT_KINDS = ("passport", "id_card", "residence_permit", "travel_document", "birth_certificate", "other")


class PersonInvalid(ValueError):
    """A field of a person is missing or malformed; ``field`` names it (dotted path)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@cache
def country_codes() -> frozenset[str]:
    """ISO 3166-1 alpha-2 codes (from the CLDR data in Babel), plus XK used by several states."""
    territories = Locale("en").territories
    return frozenset(str(code) for code in territories if str(code).isalpha() and len(str(code)) == 2) | {
        "XK"
    }


@cache
def language_codes() -> frozenset[str]:
    """ISO 639-1 two-letter language codes (from the CLDR data in Babel)."""
    return frozenset(
        str(code) for code in Locale("en").languages if str(code).isalpha() and len(str(code)) == 2
    )


@dataclass(frozen=True)
class IdentityDocument:
    kind: str
    number: str
    issuing_country: str | None = None
    issued_on: dt.date | None = None
    expires_on: dt.date | None = None


@dataclass(frozen=True)
class PersonInput:
    name: str
    latin_name: str | None = None
    birth_date: dt.date | None = None
    sex: str | None = None
    citizenships: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    immunity: str | None = None
    documents: tuple[IdentityDocument, ...] = field(default=())


def check_person(data: Mapping[str, Any], *, today: dt.date | None = None) -> PersonInput:
    """Validate raw fields into a :class:`PersonInput`, or raise :class:`PersonInvalid`.

    >>> check_person({"name": "Олександр Шевченко", "citizenships": ["ua"]}).citizenships
    ('UA',)
    """
    today = today or dt.date.today()
    name = " ".join(str(data.get("name") or "").split())
    if not name:
        raise PersonInvalid("name", "is required")
    if len(name) > 300:
        raise PersonInvalid("name", "at most 300 characters")
    latin_name = " ".join(str(data.get("latin_name") or "").split()) or None
    if latin_name and not all(ord(c) < 0x250 for c in latin_name):
        raise PersonInvalid("latin_name", "must be written in Latin letters")
    birth_date = _date(data.get("birth_date"), "birth_date")
    if birth_date and not dt.date(1880, 1, 1) <= birth_date <= today:
        raise PersonInvalid("birth_date", "must be between 1880-01-01 and today")
    sex = data.get("sex")
    if sex is not None and sex not in SEXES:
        raise PersonInvalid("sex", "F or M")
    citizenships = _codes(data.get("citizenships") or [], "citizenships", country_codes(), upper=True)
    languages = _codes(data.get("languages") or [], "languages", language_codes(), upper=False)
    immunity = data.get("immunity") or None
    if immunity is not None and immunity not in IMMUNITY_CATEGORIES:
        raise PersonInvalid("immunity", f"one of {', '.join(IMMUNITY_CATEGORIES)}")
    documents = []
    for index, raw in enumerate(data.get("documents") or []):
        where = f"documents[{index}]"
        if not isinstance(raw, Mapping):
            raise PersonInvalid(where, "must be an object")
        kind = raw.get("kind")
        if kind not in DOCUMENT_KINDS:
            raise PersonInvalid(f"{where}.kind", f"one of {', '.join(DOCUMENT_KINDS)}")
        number = " ".join(str(raw.get("number") or "").split())
        if not number:
            raise PersonInvalid(f"{where}.number", "is required")
        issuing = raw.get("issuing_country")
        if issuing is not None:
            issuing = str(issuing).upper()
            if issuing not in country_codes():
                raise PersonInvalid(
                    f"{where}.issuing_country", f"unknown country code {raw.get('issuing_country')!r}"
                )
        documents.append(
            IdentityDocument(
                kind=kind,
                number=number,
                issuing_country=issuing,
                issued_on=_date(raw.get("issued_on"), f"{where}.issued_on"),
                expires_on=_date(raw.get("expires_on"), f"{where}.expires_on"),
            )
        )
    return PersonInput(
        name=name,
        latin_name=latin_name,
        birth_date=birth_date,
        sex=sex,
        citizenships=citizenships,
        languages=languages,
        immunity=immunity,
        documents=tuple(documents),
    )


def _date(value: Any, field_name: str) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise PersonInvalid(field_name, f"{value!r} is not a date (YYYY-MM-DD)") from None


def _codes(values: Any, field_name: str, allowed: frozenset[str], *, upper: bool) -> tuple[str, ...]:
    if isinstance(values, str) or not isinstance(values, list | tuple):
        raise PersonInvalid(field_name, "must be a list of codes")
    result: list[str] = []
    for index, value in enumerate(values):
        code = str(value).strip()
        code = code.upper() if upper else code.lower()
        if code not in allowed:
            raise PersonInvalid(f"{field_name}[{index}]", f"unknown code {value!r}")
        if code not in result:
            result.append(code)
    return tuple(result)
