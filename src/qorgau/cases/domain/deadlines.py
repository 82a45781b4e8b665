"""Time limits of pre-trial proceedings: from registration, stopped by suspensions, moved by extensions.

Every clock starts at the registration of the case in the ERDR (UPK RK art. 179; Prosecutor
General's Order No. 89 of 19 Sep 2014). The time limit of each form is a dated parameter
(``rules/parameters.yaml``); the procedural acts that change it are plain values:

- :class:`Suspension` — the investigation is suspended from ``start`` until ``end`` (None: still
  suspended). Suspended time does not count: the due moment moves by exactly its length.
- :class:`Extension` — the term is extended by ``term`` (days or months) from the moment it would
  otherwise end.

How terms are counted (UPK RK art. 49 as commonly read, not checked against the official text): a
term in days or months starts on the day after registration and ends at 24:00 of its last day, in
the time zone of the registration time; a term in months ends on the same day-number of the last
month, or on that month's last day when it is shorter.

Acts that come after the time limit had already run out are still applied (a decision of the
prosecutor stands) but are reported in :attr:`DeadlineStatus.irregular_acts`.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from qorgau.cases.domain.errors import DeadlineError
from qorgau.kernel.law import Citation, LawError

Unit = Literal["days", "months"]


@dataclass(frozen=True)
class Term:
    """A length of time as the Code states it: so many days (сутки) or months."""

    amount: int
    unit: Unit

    def __post_init__(self) -> None:
        if isinstance(self.amount, bool) or not isinstance(self.amount, int) or self.amount < 0:
            raise DeadlineError(f"a term is a whole, non-negative number, not {self.amount!r}")
        if self.unit not in ("days", "months"):
            raise DeadlineError(f"a term is counted in days or months, not {self.unit!r}")

    @classmethod
    def from_value(cls, value: Any) -> Term:
        """Read a parameter value ``{amount: 15, unit: days}``."""
        if not isinstance(value, Mapping) or "amount" not in value or "unit" not in value:
            raise LawError(f"a time limit needs 'amount' and 'unit', not {value!r}")
        try:
            return cls(value["amount"], value["unit"])
        except DeadlineError as exc:
            raise LawError(str(exc)) from None

    def last_day(self, start: dt.date) -> dt.date:
        """The last day of the term counted from the day of ``start`` (that day itself not counted)."""
        if self.unit == "days":
            return start + dt.timedelta(days=self.amount)
        return add_months(start, self.amount)

    def end_after(self, moment: dt.datetime) -> dt.datetime:
        """24:00 of the last day of a term that starts at ``moment`` (in ``moment``'s time zone)."""
        last = self.last_day(moment.date())
        return dt.datetime.combine(last + dt.timedelta(days=1), dt.time(0), tzinfo=moment.tzinfo)

    def extend(self, due: dt.datetime) -> dt.datetime:
        """``due`` moved by this term (an extension runs on from the moment the term would end)."""
        if self.unit == "days":
            return due + dt.timedelta(days=self.amount)
        moved = add_months(due.date(), self.amount)
        return dt.datetime.combine(moved, due.timetz())


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day-number ``months`` later, clamped to the end of a shorter month.

    >>> add_months(dt.date(2026, 1, 31), 1)
    datetime.date(2026, 2, 28)
    """
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Suspension:
    """The investigation stood still from ``start`` to ``end`` (None: it is still suspended)."""

    start: dt.datetime
    end: dt.datetime | None = None
    basis: str = ""


@dataclass(frozen=True)
class Extension:
    """The time limit was extended by ``term``, by a decision made at ``granted_at``."""

    granted_at: dt.datetime
    term: Term
    basis: str = ""


ProceduralAct = Suspension | Extension


@dataclass(frozen=True)
class DeadlineStatus:
    """Where a case's clock stands after its procedural acts.

    ``due_at`` is None while the case is suspended; ``remaining_when_suspended`` then says how much
    time the clock will have when it restarts.
    """

    registered_at: dt.datetime
    term: Term
    citation: Citation | None
    due_at: dt.datetime | None
    suspended: bool = False
    remaining_when_suspended: dt.timedelta | None = None
    suspended_for: dt.timedelta = dt.timedelta(0)
    extensions: tuple[Term, ...] = ()
    irregular_acts: tuple[str, ...] = field(default=())

    def remaining(self, now: dt.datetime) -> dt.timedelta | None:
        """Time left at ``now`` (negative when overdue); None while suspended."""
        _require_aware(now, "now")
        return None if self.due_at is None else self.due_at - now

    def is_overdue(self, now: dt.datetime) -> bool:
        return self.due_at is not None and now >= self.due_at

    def is_due_within(self, now: dt.datetime, window: dt.timedelta) -> bool:
        """Not yet overdue but ending within ``window`` of ``now`` (for due-soon lists and reminders)."""
        return self.due_at is not None and now < self.due_at <= now + window

    def to_dict(self) -> dict[str, Any]:
        return {
            "registered_at": self.registered_at.isoformat(),
            "term": {"amount": self.term.amount, "unit": self.term.unit},
            "extensions": [{"amount": t.amount, "unit": t.unit} for t in self.extensions],
            "suspended": self.suspended,
            "suspended_for_seconds": int(self.suspended_for.total_seconds()),
            "due_at": self.due_at.isoformat() if self.due_at else None,
            "citation": self.citation.label() if self.citation else None,
            "verified": self.citation.verified if self.citation else None,
            "irregular_acts": list(self.irregular_acts),
        }


def _require_aware(moment: dt.datetime, name: str) -> None:
    if not isinstance(moment, dt.datetime) or moment.tzinfo is None or moment.utcoffset() is None:
        raise DeadlineError(f"{name} must be a date-time with a UTC offset")


def compute_deadline(
    registered_at: dt.datetime,
    term: Term,
    acts: Iterable[ProceduralAct] = (),
    *,
    citation: Citation | None = None,
) -> DeadlineStatus:
    """The due moment of a case registered at ``registered_at`` with time limit ``term``, after ``acts``.

    Acts are applied in time order. Raises :class:`DeadlineError` for a naive time, an act before
    registration, a suspension that ends before it starts, suspensions that overlap, or an act while
    a suspension is still open.

    >>> almaty = dt.timezone(dt.timedelta(hours=5))
    >>> registered = dt.datetime(2026, 11, 25, 10, 30, tzinfo=almaty)
    >>> compute_deadline(registered, Term(15, "days")).due_at.isoformat()
    '2026-12-11T00:00:00+05:00'
    """
    _require_aware(registered_at, "registered_at")
    events = _ordered_events(registered_at, acts)
    due = term.end_after(registered_at)
    suspended_for = dt.timedelta(0)
    extensions: list[Term] = []
    irregular: list[str] = []
    for moment, act in events:
        if isinstance(act, Extension):
            if moment >= due:
                irregular.append(
                    f"extension granted at {moment.isoformat()} after the term ended at {due.isoformat()}"
                )
            due = act.term.extend(due)
            extensions.append(act.term)
            continue
        if moment >= due:
            irregular.append(
                f"suspension from {moment.isoformat()} after the term ended at {due.isoformat()}"
            )
        if act.end is None:
            return DeadlineStatus(
                registered_at,
                term,
                citation,
                None,
                suspended=True,
                remaining_when_suspended=due - moment,
                suspended_for=suspended_for,
                extensions=tuple(extensions),
                irregular_acts=tuple(irregular),
            )
        length = act.end - act.start
        suspended_for += length
        due += length
    return DeadlineStatus(
        registered_at,
        term,
        citation,
        due,
        suspended_for=suspended_for,
        extensions=tuple(extensions),
        irregular_acts=tuple(irregular),
    )


def _ordered_events(
    registered_at: dt.datetime, acts: Iterable[ProceduralAct]
) -> list[tuple[dt.datetime, ProceduralAct]]:
    events: list[tuple[dt.datetime, ProceduralAct]] = []
    for number, act in enumerate(acts):
        if isinstance(act, Suspension):
            _require_aware(act.start, f"acts[{number}].start")
            if act.end is not None:
                _require_aware(act.end, f"acts[{number}].end")
                if act.end < act.start:
                    raise DeadlineError(f"acts[{number}]: a suspension cannot end before it starts")
            events.append((act.start, act))
        elif isinstance(act, Extension):
            _require_aware(act.granted_at, f"acts[{number}].granted_at")
            events.append((act.granted_at, act))
        else:
            raise DeadlineError(f"acts[{number}]: not a suspension or an extension")
        if events[-1][0] < registered_at:
            raise DeadlineError(
                f"acts[{number}]: made before the registration at {registered_at.isoformat()}"
            )
    events.sort(key=lambda event: event[0])
    open_until: dt.datetime | None = None
    open_forever = False
    for moment, act in events:
        if open_forever:
            raise DeadlineError(f"an act at {moment.isoformat()} follows a suspension that has not ended")
        if open_until is not None and moment < open_until:
            raise DeadlineError(f"an act at {moment.isoformat()} falls inside a suspension")
        if isinstance(act, Suspension):
            open_until, open_forever = act.end, act.end is None
    return events
