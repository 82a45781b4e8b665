"""The first unlawful day of every stay of a person, in one pass: the index behind the overstay list.

For a stay ``s`` (a crossing), :func:`first_unlawful_days` gives the day on which ``s`` becomes
unlawful if the person stays on — the stay's last lawful day plus one, the day of entry when no day
of it was lawful, ``None`` when nothing limits it. This is exactly the ``first_unlawful_day`` that
:func:`~qorgau.foreigners.domain.stay.assess_stay` reports on any date ``D`` of the stay, because
the judgement of a current stay does not depend on ``D``: it assumes continued presence from ``D``
on and reads nothing else dated after ``D`` (later crossings begin after the stay). So "who is
overstaying on D" becomes a comparison of stored dates — ``entry <= D <= exit`` (or no exit yet)
and ``first_unlawful_day <= D`` — which is how the store answers it for a million people.

How the day is found without walking the calendar (the day-by-day judgement of :mod:`.stay`, solved
in closed form; a property test checks the two agree):

- Documents (visas, permits) are merged into covered islands. ``t`` is the first covered day of the
  stay; from ``t`` on, the first uncovered day is a violation (the stay outlived its document).
- Before ``t`` every day of the stay is counted against the visa-free limits of the version in force
  on the day of entry. The per-stay limit ``n`` breaks on ``entry + n``. The window limit ``L`` in
  ``W`` days breaks on the first day ``entry + k`` whose window holds more than ``L`` counted days:
  with ``C`` the counted days of earlier stays in the ``W - 1`` days before entry, the window at
  ``entry + k`` holds ``|C ∩ [entry - W + 1 + k, entry - 1]| + k + 1`` days, which exceeds ``L``
  once ``k`` passes the ``(L - |C|)``-th day of ``[entry - W + 1, …]`` not in ``C``.
- A stay without any visa-free regime (a stateless person holding documents) breaks on its first
  uncovered day; a stay lawful by status never breaks.

Exception, written down because it is the only one: on a day on which one stay ends and the next
begins (a same-day exit and re-entry), :func:`~.stay.assess_stay` judges the earlier stay but gives
that day to the later one; the index keeps each stay's own value. The store picks the earlier stay
on such a day, like the domain; the two can differ only when the earlier stay's limit falls exactly
on that day.

>>> from qorgau.foreigners.rules import default_rulebook
>>> from qorgau.foreigners.domain.facts import parse_crossings
>>> crossings = parse_crossings([{"entry": "2026-06-01", "exit": "2026-07-20"}, {"entry": "2026-09-10"}])
>>> person = PersonFacts(Status.VISITOR, ("RU",))
>>> days = first_unlawful_days(person, crossings, (), default_rulebook())
>>> days[1]   # the second stay: 50 days used before it, the 91st day in 180 falls on 20 October
datetime.date(2026, 10, 20)
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from qorgau.foreigners.domain.errors import InvalidInputError, RulesUnavailableError
from qorgau.foreigners.domain.facts import Crossing, Permit, PersonFacts, Status
from qorgau.foreigners.domain.rulebook import Rulebook
from qorgau.foreigners.domain.stay import Regime, StayLimits, regime_for

Interval = tuple[date, date]  # both days included
Island = tuple[date, date | None]  # None: open-ended

_ONE_DAY = timedelta(days=1)


def index_person(citizenships: Sequence[str]) -> PersonFacts:
    """The facts the index is computed for: a status under which stay limits apply.

    Limits depend on the status only through "is there a visa-free regime at all": a visitor, and a
    temporary or permanent resident holding documents, are judged by citizenship; a stateless person
    holding documents has no visa-free regime. The store applies the status in force on the date
    asked (a refugee, or a resident without documents, is never listed).
    """
    if "KZ" in citizenships:
        return PersonFacts(Status.CITIZEN, ("KZ",))
    if citizenships:
        return PersonFacts(Status.VISITOR, tuple(citizenships))
    return PersonFacts(Status.STATELESS, ())


def first_unlawful_days(
    person: PersonFacts, crossings: Sequence[Crossing], permits: Sequence[Permit], rulebook: Rulebook
) -> dict[int, date | None]:
    """For each crossing (by :attr:`Crossing.index`), the first unlawful day of that stay, or None.

    ``crossings`` are parsed and ordered (:func:`~.facts.parse_crossings`); ``permits`` are all the
    person's documents. Raises :class:`InvalidInputError` naming a crossing whose entry no stay rule
    covers.
    """
    islands = covered_islands(permits)
    has_permits = bool(permits)
    ordered = sorted(crossings, key=lambda c: (c.entry, c.index))
    result: dict[int, date | None] = {}
    for position, stay in enumerate(ordered):
        try:
            regime = regime_for(person, stay.entry, rulebook, has_permits=has_permits)
            limits = _limits(regime, stay.entry, rulebook)
        except RulesUnavailableError as exc:
            raise InvalidInputError(
                stay.record, f"entry {stay.entry.isoformat()} is not covered by the stay rules ({exc})"
            ) from exc
        if regime is Regime.STATUS:
            result[stay.index] = None
            continue
        if regime is Regime.NONE:
            result[stay.index] = first_uncovered(stay.entry, islands)
            continue
        first_covered = _first_covered(stay.entry, islands)
        breaks: list[date] = []
        if limits.per_stay is not None:
            breaks.append(stay.entry + timedelta(days=limits.per_stay))
        if limits.window_limit is not None and limits.window_days is not None:
            window_start = stay.entry - timedelta(days=limits.window_days - 1)
            counted = _counted_before(ordered, position, window_start, islands)
            window_break = _window_break(stay.entry, limits.window_days, limits.window_limit, counted)
            if window_break is not None:
                breaks.append(window_break)
        visa_free_break = min(breaks, default=None)
        if visa_free_break is not None and (first_covered is None or visa_free_break < first_covered):
            result[stay.index] = visa_free_break
        elif first_covered is not None:
            result[stay.index] = first_uncovered(first_covered, islands)
        else:
            result[stay.index] = None
    return result


def covered_islands(permits: Sequence[Permit]) -> list[Island]:
    """The days covered by any document, as sorted disjoint islands (touching documents merged)."""
    islands: list[Island] = []
    for permit in sorted(permits, key=lambda p: p.valid_from):
        start, end = permit.valid_from, permit.valid_until
        if islands:
            last_start, last_end = islands[-1]
            if last_end is None or start <= last_end + _ONE_DAY:
                merged_end = None if last_end is None or end is None else max(last_end, end)
                islands[-1] = (last_start, merged_end)
                continue
        islands.append((start, end))
    return islands


def first_uncovered(day: date, islands: Sequence[Island]) -> date | None:
    """The first day from ``day`` on that no document covers; None if an open-ended one covers it."""
    for start, end in islands:
        if start <= day and (end is None or day <= end):
            return None if end is None else end + _ONE_DAY
    return day


def _first_covered(day: date, islands: Sequence[Island]) -> date | None:
    for start, end in islands:
        if end is None or end >= day:
            return max(start, day)
    return None


def _limits(regime: Regime, entry: date, rulebook: Rulebook) -> StayLimits:
    if regime not in (Regime.EAEU, Regime.OTHER):
        return StayLimits(None, None, None)
    return StayLimits.from_value(rulebook.value(rulebook.stay, "visa_free_stay", entry).value[regime.value])


def _counted_before(
    ordered: Sequence[Crossing], position: int, window_start: date, islands: Sequence[Island]
) -> list[Interval]:
    """Days of the earlier stays from ``window_start`` to the day before this entry, minus covered days."""
    entry = ordered[position].entry
    present: list[Interval] = []
    for earlier in reversed(ordered[:position]):
        last = earlier.exit if earlier.exit is not None else entry
        last = min(last, entry - _ONE_DAY)
        if last < window_start:
            break  # stays are ordered and do not overlap: nothing earlier reaches the window
        first = max(earlier.entry, window_start)
        if first <= last:
            present.append((first, last))
    present.reverse()
    merged: list[Interval] = []
    for first, last in present:  # touching stays share a day: count it once
        if merged and first <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], last))
        else:
            merged.append((first, last))
    return _subtract(merged, islands)


def _subtract(intervals: Sequence[Interval], islands: Sequence[Island]) -> list[Interval]:
    result: list[Interval] = []
    for first, last in intervals:
        pieces = [(first, last)]
        for start, end in islands:
            if start > last:
                break
            remaining: list[Interval] = []
            for piece_first, piece_last in pieces:
                if (end is not None and end < piece_first) or start > piece_last:
                    remaining.append((piece_first, piece_last))
                    continue
                if piece_first < start:
                    remaining.append((piece_first, start - _ONE_DAY))
                if end is not None and end < piece_last:
                    remaining.append((end + _ONE_DAY, piece_last))
            pieces = remaining
        result.extend(pieces)
    return result


def _window_break(entry: date, window_days: int, limit: int, counted: Sequence[Interval]) -> date | None:
    """The first day of a continuous stay from ``entry`` with more than ``limit`` counted days in its
    ``window_days``-day window, given the ``counted`` days before entry (sorted, disjoint, inside the
    window that ends on the day of entry)."""
    used = sum((last - first).days + 1 for first, last in counted)
    if used + 1 > limit:
        return entry
    need = limit - used  # days of the window not already used that the stay may still fill
    window_start = entry - timedelta(days=window_days - 1)
    cursor = window_start
    for first, last in [*counted, (entry, entry)]:
        gap = (first - cursor).days
        if need <= gap:
            nth_free_day = cursor + timedelta(days=need - 1)
            return entry + timedelta(days=(nth_free_day - window_start).days + 1)
        need -= gap
        cursor = last + _ONE_DAY
    return None  # the limit is at least the window: a continuous stay never exceeds it
