"""The facts the rules read: a person's status and citizenships, border crossings, registrations,
address changes, host notifications and permits — parsed from JSON-like input with errors that
name the record.

Input document (the ``assess`` contract; optional keys in brackets)::

    {"date": "2026-11-25",
     "person": {"citizenships": ["RU"], "status": "visitor", ["languages": ["ru"]]},
     "crossings": [{"entry": "2026-06-01", "exit": "2026-07-20"}, {"entry": "2026-09-10", "exit": null}],
     "registrations": [{"date": "2026-09-25", "address": "...", ["confirmed": true]}],
     "address_changes": [{"date": "...", "address": "..."}],
     ["host_notifications": [{"date": "..."}]],
     ["permits": [{"kind": "temporary_residence", "valid_from": "...", "valid_until": "...",
                   "ground": "employment"}]]}

Records dated after ``date`` are kept but ignored by the rules: the assessment is "as of" ``date``.
Two stays may touch (an exit and a new entry on the same day, the day counted once) but not
overlap; a crossing without exit must be the last one.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from qorgau.foreigners.domain.errors import InvalidInputError

KAZAKHSTAN = "KZ"


class Status(StrEnum):
    """A person's status in Kazakhstan (the migration law's categories)."""

    CITIZEN = "citizen"
    VISITOR = "visitor"  # временно пребывающий / уақытша болатын
    TEMPORARY_RESIDENT = "temporary_resident"  # временно проживающий (РВП)
    PERMANENT_RESIDENT = "permanent_resident"  # постоянно проживающий (вид на жительство)
    STATELESS = "stateless"  # лицо без гражданства
    REFUGEE = "refugee"  # беженец
    ASYLUM_SEEKER = "asylum_seeker"  # лицо, ищущее убежище


FOREIGN_STATUSES = frozenset(Status) - {Status.CITIZEN}
# Statuses whose holder reaches Kazakhstan on a foreign passport (so consular rights may apply).
FOREIGN_CITIZEN_STATUSES = frozenset({Status.VISITOR, Status.TEMPORARY_RESIDENT, Status.PERMANENT_RESIDENT})
# Statuses that may hold no citizenship at all.
STATUSES_WITHOUT_CITIZENSHIP = frozenset({Status.STATELESS, Status.REFUGEE, Status.ASYLUM_SEEKER})


class PermitKind(StrEnum):
    """A document that makes days of stay lawful on its own terms."""

    VISA = "visa"
    TEMPORARY_RESIDENCE = "temporary_residence"
    PERMANENT_RESIDENCE = "permanent_residence"


# Grounds of a temporary residence permit (Law No. 477-IV "On migration of population", art. 6-1).
TEMPORARY_RESIDENCE_GROUNDS = frozenset(
    {
        "family_reunification",
        "employment",
        "study",
        "treatment",
        "missionary_activity",
        "business",
        "atazholy",
        "kandas",
        "household_labour",
    }
)


@dataclass(frozen=True)
class PersonFacts:
    """Who the person is for the rules: status, citizenships (ISO 3166-1 alpha-2) and languages spoken."""

    status: Status
    citizenships: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()

    @classmethod
    def from_mapping(cls, value: Any, *, countries: Collection[str], where: str = "person") -> PersonFacts:
        """Parse ``{"status", "citizenships", ["languages"]}``; :class:`InvalidInputError` if bad."""
        if isinstance(value, PersonFacts):
            return value
        if not isinstance(value, Mapping):
            raise InvalidInputError(where, "must be an object with 'status' and 'citizenships'")
        raw_status = value.get("status")
        try:
            status = Status(str(raw_status).strip())
        except ValueError:
            expected = ", ".join(s.value for s in Status)
            raise InvalidInputError(
                f"{where}.status", f"unknown status {raw_status!r} (expected one of: {expected})"
            ) from None
        citizenships = tuple(_codes(value.get("citizenships", []), f"{where}.citizenships", countries))
        languages = tuple(_languages(value.get("languages", []), f"{where}.languages"))
        if status is Status.CITIZEN:
            foreign = [c for c in citizenships if c != KAZAKHSTAN]
            if foreign:
                # Constitution of 1995 art. 10 part 3: a citizen's foreign citizenship is not recognised.
                citizenships = (KAZAKHSTAN,)
            elif not citizenships:
                citizenships = (KAZAKHSTAN,)
        else:
            if KAZAKHSTAN in citizenships:
                raise InvalidInputError(
                    f"{where}.citizenships",
                    f"KZ with status {status.value!r}: a citizen of Kazakhstan has status 'citizen'",
                )
            if status is Status.STATELESS and citizenships:
                raise InvalidInputError(
                    f"{where}.citizenships",
                    f"a stateless person has no citizenship (got {', '.join(citizenships)}); use []",
                )
            if status not in STATUSES_WITHOUT_CITIZENSHIP and not citizenships:
                raise InvalidInputError(
                    f"{where}.citizenships",
                    f"status {status.value!r} needs at least one citizenship "
                    "(a person without one is 'stateless')",
                )
        return cls(status=status, citizenships=citizenships, languages=languages)


@dataclass(frozen=True)
class Crossing:
    """A stay between an entry and an exit (both days of stay); ``exit`` None while the person is inside."""

    index: int
    entry: date
    exit: date | None

    @property
    def record(self) -> str:
        return f"crossings[{self.index}]"

    def last_day(self, on: date) -> date:
        """The last day of this stay known on ``on`` (the exit, or ``on`` while it is open)."""
        return on if self.exit is None or self.exit > on else self.exit

    def covers(self, day: date) -> bool:
        return self.entry <= day and (self.exit is None or day <= self.exit)


@dataclass(frozen=True)
class Registration:
    """A registration of the stay at an address in the migration service's system."""

    index: int
    day: date
    address: str | None
    confirmed: bool | None = None


@dataclass(frozen=True)
class AddressChange:
    index: int
    day: date
    address: str | None


@dataclass(frozen=True)
class HostNotification:
    index: int
    day: date


@dataclass(frozen=True)
class Permit:
    """A visa or residence permit valid from ``valid_from`` to ``valid_until`` (None: open-ended)."""

    index: int
    kind: PermitKind
    valid_from: date
    valid_until: date | None
    ground: str | None = None

    def covers(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)


@dataclass(frozen=True)
class AssessmentRequest:
    """Everything :func:`qorgau.foreigners.domain.assessment.assess` needs, checked and ordered."""

    on: date
    person: PersonFacts
    crossings: tuple[Crossing, ...] = ()
    registrations: tuple[Registration, ...] = ()
    address_changes: tuple[AddressChange, ...] = ()
    host_notifications: tuple[HostNotification, ...] = ()
    permits: tuple[Permit, ...] = ()

    @classmethod
    def from_mapping(cls, document: Any, *, countries: Collection[str]) -> AssessmentRequest:
        """Parse the ``assess`` input; :class:`InvalidInputError` names the first bad record."""
        if not isinstance(document, Mapping):
            raise InvalidInputError("", "the input must be a JSON object")
        on = parse_date(document.get("date"), "date")
        if "person" not in document:
            raise InvalidInputError("person", "required")
        person = PersonFacts.from_mapping(document["person"], countries=countries)
        crossings = parse_crossings(_list(document, "crossings"))
        registrations = tuple(
            Registration(
                index=i,
                day=parse_date(_field(item, "date", f"registrations[{i}]"), f"registrations[{i}].date"),
                address=_optional_text(item, "address", f"registrations[{i}]"),
                confirmed=_optional_bool(item, "confirmed", f"registrations[{i}]"),
            )
            for i, item in enumerate(_list(document, "registrations"))
        )
        address_changes = tuple(
            AddressChange(
                index=i,
                day=parse_date(_field(item, "date", f"address_changes[{i}]"), f"address_changes[{i}].date"),
                address=_optional_text(item, "address", f"address_changes[{i}]"),
            )
            for i, item in enumerate(_list(document, "address_changes"))
        )
        host_notifications = tuple(
            HostNotification(
                index=i,
                day=parse_date(
                    _field(item, "date", f"host_notifications[{i}]"), f"host_notifications[{i}].date"
                ),
            )
            for i, item in enumerate(_list(document, "host_notifications"))
        )
        permits = tuple(_permit(i, item) for i, item in enumerate(_list(document, "permits")))
        return cls(
            on=on,
            person=person,
            crossings=crossings,
            registrations=tuple(sorted(registrations, key=lambda r: (r.day, r.index))),
            address_changes=tuple(sorted(address_changes, key=lambda c: (c.day, c.index))),
            host_notifications=tuple(sorted(host_notifications, key=lambda n: (n.day, n.index))),
            permits=permits,
        )

    def current_stay(self) -> Crossing | None:
        """The stay the person is in on :attr:`on`, if any."""
        return next((c for c in self.crossings if c.covers(self.on)), None)


def parse_crossings(items: Sequence[Any]) -> tuple[Crossing, ...]:
    """Crossings in order of entry.

    Raises :class:`InvalidInputError` for an exit before its entry or for overlapping stays.
    """
    crossings = []
    for i, item in enumerate(items):
        where = f"crossings[{i}]"
        entry = parse_date(_field(item, "entry", where), f"{where}.entry")
        raw_exit = item.get("exit") if isinstance(item, Mapping) else None
        exit_day = None if raw_exit is None else parse_date(raw_exit, f"{where}.exit")
        if exit_day is not None and exit_day < entry:
            raise InvalidInputError(where, f"exit {exit_day.isoformat()} is before entry {entry.isoformat()}")
        crossings.append(Crossing(index=i, entry=entry, exit=exit_day))
    ordered = sorted(crossings, key=lambda c: (c.entry, c.index))
    for previous, current in itertools.pairwise(ordered):
        if previous.exit is None:
            raise InvalidInputError(
                previous.record,
                f"no exit recorded, but {current.record} enters again on {current.entry.isoformat()}",
            )
        if current.entry < previous.exit:
            raise InvalidInputError(
                current.record,
                f"entry {current.entry.isoformat()} overlaps the stay {previous.entry.isoformat()} – "
                f"{previous.exit.isoformat()} of {previous.record}",
            )
    return tuple(ordered)


def parse_date(value: Any, where: str) -> date:
    """A ``YYYY-MM-DD`` string (or a date) as a date; :class:`InvalidInputError` naming ``where`` if not."""
    if isinstance(value, date) and not isinstance(value, dt.datetime):
        return value
    if value is None:
        raise InvalidInputError(where, "required (YYYY-MM-DD)")
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise InvalidInputError(where, f"{value!r} is not a date (YYYY-MM-DD)") from None


def _permit(index: int, item: Any) -> Permit:
    where = f"permits[{index}]"
    raw_kind = _field(item, "kind", where)
    try:
        kind = PermitKind(str(raw_kind))
    except ValueError:
        expected = ", ".join(k.value for k in PermitKind)
        raise InvalidInputError(
            f"{where}.kind", f"unknown kind {raw_kind!r} (expected one of: {expected})"
        ) from None
    valid_from = parse_date(_field(item, "valid_from", where), f"{where}.valid_from")
    raw_until = item.get("valid_until")
    valid_until = None if raw_until is None else parse_date(raw_until, f"{where}.valid_until")
    if valid_until is not None and valid_until < valid_from:
        raise InvalidInputError(
            where, f"valid_until {valid_until.isoformat()} is before valid_from {valid_from.isoformat()}"
        )
    if valid_until is None and kind is not PermitKind.PERMANENT_RESIDENCE:
        raise InvalidInputError(f"{where}.valid_until", f"required for a {kind.value}")
    ground = _optional_text(item, "ground", where)
    if (
        ground is not None
        and kind is PermitKind.TEMPORARY_RESIDENCE
        and ground not in TEMPORARY_RESIDENCE_GROUNDS
    ):
        expected = ", ".join(sorted(TEMPORARY_RESIDENCE_GROUNDS))
        raise InvalidInputError(
            f"{where}.ground", f"unknown ground {ground!r} (Law No. 477-IV art. 6-1: {expected})"
        )
    return Permit(index=index, kind=kind, valid_from=valid_from, valid_until=valid_until, ground=ground)


def _codes(value: Any, where: str, countries: Collection[str]) -> list[str]:
    if not isinstance(value, list):
        raise InvalidInputError(where, "must be a list of ISO 3166-1 alpha-2 codes")
    codes: list[str] = []
    for i, raw in enumerate(value):
        code = str(raw).strip().upper()
        if code not in countries:
            raise InvalidInputError(f"{where}[{i}]", f"unknown country code {raw!r} (ISO 3166-1 alpha-2)")
        if code not in codes:
            codes.append(code)
    return codes


def _languages(value: Any, where: str) -> list[str]:
    if not isinstance(value, list):
        raise InvalidInputError(where, "must be a list of language codes (ISO 639-1, e.g. 'kk', 'ru')")
    languages = []
    for i, raw in enumerate(value):
        code = normalize_language(raw, f"{where}[{i}]")
        if code not in languages:
            languages.append(code)
    return languages


def normalize_language(value: Any, where: str) -> str:
    """A language code in lower case (``"RU"`` → ``"ru"``); :class:`InvalidInputError` unless 2–3 letters."""
    code = str(value).strip().lower()
    if not (2 <= len(code) <= 3 and code.isascii() and code.isalpha()):
        raise InvalidInputError(where, f"{value!r} is not a language code (ISO 639-1, e.g. 'kk', 'ru')")
    return code


def _list(document: Mapping[str, Any], key: str) -> list[Any]:
    value = document.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidInputError(key, "must be a list")
    return value


def _field(item: Any, key: str, where: str) -> Any:
    if not isinstance(item, Mapping):
        raise InvalidInputError(where, "must be an object")
    if item.get(key) is None:
        raise InvalidInputError(f"{where}.{key}", "required")
    return item[key]


def _optional_text(item: Mapping[str, Any], key: str, where: str) -> str | None:
    value = item.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidInputError(f"{where}.{key}", "must be a string")
    return value.strip() or None


def _optional_bool(item: Mapping[str, Any], key: str, where: str) -> bool | None:
    value = item.get(key)
    if value is None or isinstance(value, bool):
        return value
    raise InvalidInputError(f"{where}.{key}", "must be true or false")
