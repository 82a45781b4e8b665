"""Working days in Kazakhstan: weekends, public holidays, carryovers and government transfers.

A :class:`HolidayCalendar` is built from dated data (``rules/holidays.yaml``) and answers whether a
day is a working day and which day is ``n`` working days after another. It covers only the years
it has data for and raises :class:`RulesUnavailableError` outside them, because a deadline counted
over an unknown calendar would be silently wrong.

Rules (five-day working week; sources in the YAML):

1. Saturday and Sunday are days off.
2. Each listed holiday is a day off.
3. A holiday that carries over (national and state holidays) and falls on a Saturday or Sunday moves
   the day off to the next working day after it; religious days off (Orthodox Christmas, the first
   day of Kurban ait) do not carry over.
4. Transfers then turn a given day into a working day and another into a day off.

>>> calendar = HolidayCalendar.build(
...     holidays=[Holiday(date(2026, 3, 8), "womens_day", True)], transfers=[], years=[2026])
>>> calendar.is_working_day(date(2026, 3, 9))   # 8 March 2026 is a Sunday: Monday is off
False
>>> calendar.add_working_days(date(2026, 3, 6), 1)   # Friday + 1 working day skips to Tuesday
datetime.date(2026, 3, 10)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from qorgau.foreigners.domain.errors import RulesUnavailableError
from qorgau.kernel.law import Citation

SATURDAY, SUNDAY = 5, 6
_ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Holiday:
    """One holiday date; ``carries_over``: a weekend occurrence moves the day off to the next working day."""

    day: date
    key: str
    carries_over: bool


@dataclass(frozen=True)
class Transfer:
    """A transfer of a day off: ``working_day`` becomes a working day and ``day_off`` a day off."""

    working_day: date
    day_off: date
    citation: Citation | None = None


@dataclass(frozen=True)
class HolidayCalendar:
    """Non-working days of the years covered; build one with :meth:`build`."""

    years: frozenset[int]
    holidays: dict[date, Holiday]
    carried_days_off: dict[date, Holiday]
    transfers: tuple[Transfer, ...]
    weekend: frozenset[int] = field(default=frozenset({SATURDAY, SUNDAY}))
    _transferred_days_off: frozenset[date] = field(default=frozenset(), repr=False)
    _transferred_working_days: frozenset[date] = field(default=frozenset(), repr=False)

    @classmethod
    def build(
        cls,
        *,
        holidays: Iterable[Holiday],
        transfers: Iterable[Transfer],
        years: Iterable[int],
        weekend: Iterable[int] = (SATURDAY, SUNDAY),
    ) -> HolidayCalendar:
        """Apply the carryover rule to ``holidays`` and keep ``transfers`` for :meth:`is_working_day`."""
        weekend_days = frozenset(weekend)
        by_day = {holiday.day: holiday for holiday in holidays}
        carried: dict[date, Holiday] = {}
        for holiday in sorted(by_day.values(), key=lambda h: h.day):
            if not holiday.carries_over or holiday.day.weekday() not in weekend_days:
                continue
            candidate = holiday.day + _ONE_DAY
            while candidate.weekday() in weekend_days or candidate in by_day or candidate in carried:
                candidate += _ONE_DAY
            carried[candidate] = holiday
        listed = tuple(transfers)
        return cls(
            years=frozenset(years),
            holidays=by_day,
            carried_days_off=carried,
            transfers=listed,
            weekend=weekend_days,
            _transferred_days_off=frozenset(t.day_off for t in listed),
            _transferred_working_days=frozenset(t.working_day for t in listed),
        )

    def covers(self, day: date) -> bool:
        return day.year in self.years

    def _require(self, day: date) -> None:
        if day.year not in self.years:
            span = f"{min(self.years)}-{max(self.years)}" if self.years else "none"
            raise RulesUnavailableError(f"no holiday calendar for {day.year} (covered: {span})")

    def is_working_day(self, day: date) -> bool:
        """True on a working day of the five-day week.

        Raises :class:`RulesUnavailableError` outside the years covered.
        """
        self._require(day)
        if day in self._transferred_working_days:
            return True
        if day in self._transferred_days_off or day in self.holidays or day in self.carried_days_off:
            return False
        return day.weekday() not in self.weekend

    def day_off_reason(self, day: date) -> str | None:
        """Why ``day`` is not a working day (``weekend``, ``holiday:<key>``, ``carryover:<key>``,
        ``transfer``), or None on a working day."""
        if self.is_working_day(day):
            return None
        if day in self._transferred_days_off:
            return "transfer"
        if day in self.holidays:
            return f"holiday:{self.holidays[day].key}"
        if day in self.carried_days_off:
            return f"carryover:{self.carried_days_off[day].key}"
        return "weekend"

    def add_working_days(self, start: date, count: int) -> date:
        """The ``count``-th working day after ``start`` (``start`` itself is not counted; 0 gives ``start``).

        This is how a deadline of "N working days from an event" is counted: the period starts on the
        day after the event.
        """
        if count < 0:
            raise ValueError("count must be zero or positive")
        day = start
        remaining = count
        while remaining:
            day += _ONE_DAY
            if self.is_working_day(day):
                remaining -= 1
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """How many working days lie after ``start`` up to and including ``end``."""
        day, count = start, 0
        while day < end:
            day += _ONE_DAY
            if self.is_working_day(day):
                count += 1
        return count

    def non_working_days(self, year: int) -> list[date]:
        """Every day of ``year`` that is not a working day, in order."""
        day = date(year, 1, 1)
        days = []
        while day.year == year:
            if not self.is_working_day(day):
                days.append(day)
            day += _ONE_DAY
        return days


def working_days_json(document: Mapping[str, Any]) -> dict[str, Any]:
    """Scenario entry point: ``{"date", ["add_working_days": n]}`` on the shipped calendar →
    ``{"date", "weekday", "is_working_day", "day_off_reason", "plus_working_days"}``."""
    # The shipped data, imported late to keep the domain pure.
    from qorgau.foreigners.domain.facts import parse_date
    from qorgau.foreigners.rules import default_rulebook

    calendar = default_rulebook().calendar
    day = parse_date(document.get("date"), "date")
    count = int(document.get("add_working_days", 0))
    return {
        "date": day.isoformat(),
        "weekday": day.strftime("%A"),
        "is_working_day": calendar.is_working_day(day),
        "day_off_reason": calendar.day_off_reason(day),
        "plus_working_days": calendar.add_working_days(day, count).isoformat(),
    }
