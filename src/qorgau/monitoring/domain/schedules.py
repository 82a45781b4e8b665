"""When a zone applies: weekly windows in the subject's IANA time zone, with dated exceptions.

A court sets a curfew in the wall-clock time of the place where the person lives ("from 22:00 to
06:00 every day"), so a :class:`Schedule` names its IANA zone (``Asia/Almaty``, ``Europe/Berlin``)
and :class:`ScheduleTimeline` turns it into UTC instants with :mod:`zoneinfo`, daylight saving time
included.

Rules of reading a schedule (each is tested):

- A window ``from → to`` with ``to`` earlier than ``from`` crosses midnight and *belongs to the day
  it starts*: "fri 22:00 → 06:00" covers Friday night until Saturday 06:00, and an exception for
  Saturday does not touch it. ``to == from`` is a whole day (24 h of wall-clock time).
- Windows are half-open ``[start, end)``; overlapping or touching windows form one stretch, so a
  curfew "22:00 → 00:00" followed by "00:00 → 06:00" is one episode, not two.
- A wall-clock time that does not exist (spring forward) is read with the offset in force before
  the jump, i.e. it moves forward by the gap; an ambiguous one (fall back) means its first occurrence
  (``fold=0``). A window that ends up empty is ignored.
- An exception by date either replaces the weekly windows of that date (an empty list means "no
  window that day") or adds windows to them.
- ``schedule = None`` means "always" (see :func:`is_within_schedule`).

Instants inside the engine are POSIX seconds (``float``, UTC); the public helpers also take and
return aware :class:`~datetime.datetime` values.

>>> s = schedule_from_json({"tz": "Asia/Almaty",
...                         "windows": [{"days": ["fri"], "from": "22:00", "to": "06:00"}]})
>>> tz = ZoneInfo("Asia/Almaty")
>>> is_within_schedule(s, datetime(2026, 2, 7, 3, 0, tzinfo=tz))  # Saturday 03:00
True
>>> is_within_schedule(s, datetime(2026, 2, 6, 3, 0, tzinfo=tz))  # Friday 03:00
False
"""

from __future__ import annotations

import math
import sys
from bisect import bisect_left, bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
"""Day names used in schedules; index 0 is Monday, as :meth:`datetime.date.weekday`."""

_DAY_S = 86_400.0
_CHUNK_S = 7 * _DAY_S
# Windows of dates within this margin of a chunk are compiled with it, so every boundary inside the
# chunk is exact (a window lasts at most 25 h of real time and a zone is at most 14 h from UTC).
_MARGIN_DAYS = 2
# A search for the next change stops this many weeks past the last dated exception: after that the
# schedule is purely weekly, so a change exists within two weeks or never (always / never active).
_SCAN_TAIL_CHUNKS = 3
_CACHE_CHUNKS = 32


class ScheduleError(ValueError):
    """A schedule that cannot be read: unknown time zone, bad day name or time, naive datetime."""


@dataclass(frozen=True, slots=True)
class DailyWindow:
    """Wall-clock window ``start → end``; ``end <= start`` crosses midnight (``end == start``: 24 h)."""

    start: time
    end: time

    @property
    def crosses_midnight(self) -> bool:
        return self.end <= self.start


@dataclass(frozen=True, slots=True)
class WeeklyWindow:
    """A daily window repeated on some weekdays (0 = Monday … 6 = Sunday)."""

    days: frozenset[int]
    window: DailyWindow


@dataclass(frozen=True, slots=True)
class DateException:
    """A dated change: ``replaces_weekly`` → the date's weekly windows are replaced by ``windows``
    (empty: no window starts that date); otherwise ``windows`` are added to them."""

    day: date
    windows: tuple[DailyWindow, ...] = ()
    replaces_weekly: bool = True


@dataclass(frozen=True, slots=True)
class Schedule:
    """Weekly windows and dated exceptions in the IANA time zone ``tz`` (hashable, immutable)."""

    tz: str
    weekly: tuple[WeeklyWindow, ...] = ()
    exceptions: tuple[DateException, ...] = field(default=())

    def __post_init__(self) -> None:
        _zone(self.tz)  # fail at construction, not at the first fix


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ScheduleError(f"schedule.tz: unknown time zone {name!r}") from error


# --- reading schedules from the import bundle / API -----------------------------------------------


def _parse_clock(value: object, where: str) -> time:
    if not isinstance(value, str):
        raise ScheduleError(f"{where}: expected 'HH:MM', got {value!r}")
    parts = value.split(":")
    if len(parts) != 2 or not all(part.isdigit() and len(part) == 2 for part in parts):
        raise ScheduleError(f"{where}: expected 'HH:MM', got {value!r}")
    hours, minutes = int(parts[0]), int(parts[1])
    if hours == 24 and minutes == 0:
        return time(0, 0)  # "24:00" is the end of the day, i.e. midnight
    if hours > 23 or minutes > 59:
        raise ScheduleError(f"{where}: {value!r} is not a time of day")
    return time(hours, minutes)


def _parse_daily(obj: object, where: str) -> DailyWindow:
    if not isinstance(obj, Mapping):
        raise ScheduleError(f"{where}: expected an object with 'from' and 'to'")
    return DailyWindow(
        _parse_clock(obj.get("from"), f"{where}.from"), _parse_clock(obj.get("to"), f"{where}.to")
    )


def _parse_days(obj: object, where: str) -> frozenset[int]:
    if obj is None:
        return frozenset(range(7))
    if not isinstance(obj, Sequence) or isinstance(obj, str) or not obj:
        raise ScheduleError(f"{where}: expected a non-empty list of {', '.join(WEEKDAYS)}")
    days: set[int] = set()
    for item in obj:
        if not isinstance(item, str) or item.lower() not in WEEKDAYS:
            raise ScheduleError(f"{where}: unknown day {item!r}")
        days.add(WEEKDAYS.index(item.lower()))
    return frozenset(days)


def schedule_from_json(obj: Mapping[str, object] | None) -> Schedule | None:
    """Read a schedule from its JSON form; ``None`` (JSON ``null``) means "always".

    ``{"tz": "Asia/Almaty", "windows": [{"days": ["mon", …], "from": "22:00", "to": "06:00"}],
    "exceptions": [{"date": "2026-03-08", "windows": []}, {"date": "2026-03-09", "add": [{"from":
    "10:00", "to": "12:00"}]}]}``. ``days`` may be left out (every day). Raises
    :class:`ScheduleError` naming the bad field.
    """
    if obj is None:
        return None
    if not isinstance(obj, Mapping):
        raise ScheduleError("schedule: expected an object or null")
    tz = obj.get("tz")
    if not isinstance(tz, str):
        raise ScheduleError("schedule.tz: an IANA time zone name is required")
    raw_windows = obj.get("windows", [])
    if not isinstance(raw_windows, Sequence) or isinstance(raw_windows, str):
        raise ScheduleError("schedule.windows: expected a list")
    weekly = tuple(
        WeeklyWindow(
            _parse_days(
                item.get("days") if isinstance(item, Mapping) else None, f"schedule.windows[{i}].days"
            ),
            _parse_daily(item, f"schedule.windows[{i}]"),
        )
        for i, item in enumerate(raw_windows)
    )
    raw_exceptions = obj.get("exceptions", [])
    if not isinstance(raw_exceptions, Sequence) or isinstance(raw_exceptions, str):
        raise ScheduleError("schedule.exceptions: expected a list")
    exceptions = []
    for i, item in enumerate(raw_exceptions):
        where = f"schedule.exceptions[{i}]"
        if not isinstance(item, Mapping):
            raise ScheduleError(f"{where}: expected an object")
        try:
            day = date.fromisoformat(str(item.get("date")))
        except ValueError as error:
            raise ScheduleError(f"{where}.date: expected YYYY-MM-DD, got {item.get('date')!r}") from error
        if ("windows" in item) == ("add" in item):
            raise ScheduleError(f"{where}: give exactly one of 'windows' (replace) or 'add'")
        key = "windows" if "windows" in item else "add"
        raw = item[key]
        if not isinstance(raw, Sequence) or isinstance(raw, str):
            raise ScheduleError(f"{where}.{key}: expected a list")
        windows = tuple(_parse_daily(w, f"{where}.{key}[{j}]") for j, w in enumerate(raw))
        exceptions.append(DateException(day, windows, replaces_weekly=key == "windows"))
    return Schedule(tz, weekly, tuple(exceptions))


# --- the compiled timeline ------------------------------------------------------------------------


class ScheduleTimeline:
    """A schedule as a union of UTC intervals ``[start, end)``, compiled lazily by week.

    All methods take and return POSIX seconds. Boundaries ("changes") are the instants where the
    schedule switches between inactive and active; the union of windows has no zero-length gaps.
    Compiled weeks are cached on the instance (bounded), so repeated queries cost a bisect.
    """

    __slots__ = ("_by_weekday", "_chunks", "_exceptions", "_first_chunk", "_last_chunk", "_zone", "schedule")

    def __init__(self, schedule: Schedule) -> None:
        self.schedule = schedule
        self._zone = _zone(schedule.tz)
        by_weekday: list[list[DailyWindow]] = [[] for _ in range(7)]
        for weekly in schedule.weekly:
            for day in weekly.days:
                by_weekday[day].append(weekly.window)
        self._by_weekday = tuple(tuple(windows) for windows in by_weekday)
        self._exceptions: dict[date, list[DateException]] = {}
        for exception in schedule.exceptions:
            self._exceptions.setdefault(exception.day, []).append(exception)
        if schedule.exceptions:
            days = [e.day for e in schedule.exceptions]
            self._first_chunk = self._chunk_of(self._midnight(min(days))) - 1
            self._last_chunk = self._chunk_of(self._midnight(max(days))) + 1
        else:  # no dated exceptions: searches only ever look a few weeks around the query
            self._first_chunk = sys.maxsize
            self._last_chunk = -sys.maxsize
        self._chunks: dict[int, list[float]] = {}

    # The weekly chunk index of an instant.
    @staticmethod
    def _chunk_of(t: float) -> int:
        return math.floor(t / _CHUNK_S)

    def _midnight(self, day: date) -> float:
        return datetime.combine(day, time(0, 0), tzinfo=self._zone).timestamp()

    def windows_on(self, day: date) -> tuple[DailyWindow, ...]:
        """The wall-clock windows that start on the local date ``day`` (weekly plus exceptions)."""
        windows: list[DailyWindow] = list(self._by_weekday[day.weekday()])
        for exception in self._exceptions.get(day, ()):
            if exception.replaces_weekly:
                windows = list(exception.windows)
        for exception in self._exceptions.get(day, ()):
            if not exception.replaces_weekly:
                windows.extend(exception.windows)
        return tuple(windows)

    def _instants(self, day: date, window: DailyWindow) -> tuple[float, float]:
        start = datetime.combine(day, window.start, tzinfo=self._zone).timestamp()
        end_day = day + timedelta(days=1) if window.crosses_midnight else day
        end = datetime.combine(end_day, window.end, tzinfo=self._zone).timestamp()
        return start, end

    def _flat(self, chunk: int) -> list[float]:
        """Sorted boundaries [s0, e0, s1, e1, …] of the merged windows around ``chunk``.

        Exact for boundaries within the chunk itself (see ``_MARGIN_DAYS``)."""
        cached = self._chunks.get(chunk)
        if cached is not None:
            return cached
        lo = chunk * _CHUNK_S - _MARGIN_DAYS * _DAY_S
        hi = (chunk + 1) * _CHUNK_S + _MARGIN_DAYS * _DAY_S
        first = datetime.fromtimestamp(lo, self._zone).date()
        last = datetime.fromtimestamp(hi, self._zone).date()
        intervals: list[tuple[float, float]] = []
        day = first
        while day <= last:
            for window in self.windows_on(day):
                start, end = self._instants(day, window)
                if end > start:
                    intervals.append((start, end))
            day += timedelta(days=1)
        intervals.sort()
        flat: list[float] = []
        for start, end in intervals:
            if flat and start <= flat[-1]:
                flat[-1] = max(flat[-1], end)
            else:
                flat.extend((start, end))
        if len(self._chunks) >= _CACHE_CHUNKS:
            self._chunks.clear()
        self._chunks[chunk] = flat
        return flat

    def active_at(self, t: float) -> bool:
        """Whether ``t`` lies inside a window."""
        flat = self._flat(self._chunk_of(t))
        return bisect_right(flat, t) % 2 == 1

    def next_change(self, t: float) -> float | None:
        """The first boundary strictly after ``t``, or ``None`` if the schedule never changes again."""
        chunk = self._chunk_of(t)
        stop = max(chunk, self._last_chunk) + _SCAN_TAIL_CHUNKS
        for current in range(chunk, stop + 1):
            flat = self._flat(current)
            index = bisect_right(flat, t) if current == chunk else bisect_left(flat, current * _CHUNK_S)
            if index < len(flat) and flat[index] < (current + 1) * _CHUNK_S:
                return flat[index]
        return None

    def previous_change(self, t: float) -> float | None:
        """The last boundary at or before ``t``, or ``None`` if there is none."""
        chunk = self._chunk_of(t)
        stop = min(chunk, self._first_chunk) - _SCAN_TAIL_CHUNKS
        for current in range(chunk, stop - 1, -1):
            flat = self._flat(current)
            if current == chunk:
                index = bisect_right(flat, t) - 1
            else:
                index = bisect_left(flat, (current + 1) * _CHUNK_S) - 1
            if index >= 0 and flat[index] >= current * _CHUNK_S:
                return flat[index]
        return None

    def window_at(self, t: float) -> tuple[float, float] | None:
        """The stretch ``(start, end)`` with ``start <= t < end`` if ``t`` is inside a window, else
        ``None``; an unbounded side is ``-inf`` / ``inf``."""
        if not self.active_at(t):
            return None
        start = self.previous_change(t)
        end = self.next_change(t)
        return (-math.inf if start is None else start, math.inf if end is None else end)

    def next_window_start(self, t: float) -> float | None:
        """The first instant after ``t`` at which a window opens (``None``: never)."""
        change = self.next_change(t)
        if change is None or self.active_at(change):
            return change
        return self.next_change(change)

    def next_window_end(self, t: float) -> float | None:
        """The first instant after ``t`` at which a window closes (``None``: never)."""
        change = self.next_change(t)
        if change is None or not self.active_at(change):
            return change
        return self.next_change(change)

    def boundaries_between(self, lo: float, hi: float) -> tuple[bool, list[float]]:
        """Whether the schedule is active at ``lo``, and every change in ``(lo, hi]`` in order."""
        changes: list[float] = []
        change = self.next_change(lo)
        while change is not None and change <= hi:
            changes.append(change)
            change = self.next_change(change)
        return self.active_at(lo), changes


@lru_cache(maxsize=16_384)
def timeline_for(schedule: Schedule) -> ScheduleTimeline:
    """The compiled timeline of a schedule; equal schedules share one timeline (and its cache)."""
    return ScheduleTimeline(schedule)


def _posix(when: datetime) -> float:
    if when.tzinfo is None or when.utcoffset() is None:
        raise ScheduleError("a time zone-aware datetime is required")
    return when.timestamp()


def is_within_schedule(schedule: Schedule | None, when: datetime) -> bool:
    """Whether the aware instant ``when`` falls inside a window (``None`` schedule: always)."""
    if schedule is None:
        return True
    return timeline_for(schedule).active_at(_posix(when))


def next_window_start(schedule: Schedule | None, after: datetime) -> datetime | None:
    """The next opening strictly after ``after`` (UTC), or ``None`` (never, or ``schedule`` None)."""
    if schedule is None:
        return None
    found = timeline_for(schedule).next_window_start(_posix(after))
    return None if found is None else datetime.fromtimestamp(found, UTC)


def next_window_end(schedule: Schedule | None, after: datetime) -> datetime | None:
    """The next closing strictly after ``after`` (UTC), or ``None`` (never, or ``schedule`` None)."""
    if schedule is None:
        return None
    found = timeline_for(schedule).next_window_end(_posix(after))
    return None if found is None else datetime.fromtimestamp(found, UTC)
