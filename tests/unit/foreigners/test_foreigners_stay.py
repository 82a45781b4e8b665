"""Stay limits: the day-by-day judgement against a brute-force reading of the rules, and properties."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from qorgau.foreigners.domain.facts import AssessmentRequest
from qorgau.foreigners.domain.stay import StayAssessment, assess_stay
from qorgau.foreigners.rules import default_rulebook

RULEBOOK = default_rulebook()
WINDOW = 180
LIMIT = 90


def _assess(
    citizenship: str, on: date, stays: list[tuple[date, date | None]], **extra: Any
) -> StayAssessment:
    document = {
        "date": on.isoformat(),
        "person": {"citizenships": [citizenship], "status": extra.pop("status", "visitor")},
        "crossings": [{"entry": e.isoformat(), "exit": x.isoformat() if x else None} for e, x in stays],
        **extra,
    }
    request = AssessmentRequest.from_mapping(document, countries=RULEBOOK.countries)
    return assess_stay(request, RULEBOOK)


@st.composite
def histories(draw: Any) -> tuple[date, list[tuple[date, date | None]]]:
    """Non-overlapping stays entered from 27 January 2023 (one rules version) and an assessment date."""
    day = draw(st.dates(min_value=date(2023, 1, 27), max_value=date(2024, 6, 1)))
    stays: list[tuple[date, date | None]] = []
    for _ in range(draw(st.integers(min_value=0, max_value=6))):
        length = draw(st.integers(min_value=1, max_value=95))
        gap = draw(st.integers(min_value=1, max_value=120))
        stays.append((day, day + timedelta(days=length - 1)))
        day = day + timedelta(days=length - 1 + gap)
    on = day + timedelta(days=draw(st.integers(min_value=0, max_value=40)))
    if stays and draw(st.booleans()):
        entry, _ = stays[-1]
        stays[-1] = (entry, None)  # still inside on the assessment date
    return on, stays


def _present_days(on: date, stays: list[tuple[date, date | None]]) -> set[date]:
    days: set[date] = set()
    for entry, exit_day in stays:
        last = on if exit_day is None or exit_day > on else exit_day
        day = entry
        while day <= last:
            days.add(day)
            day += timedelta(days=1)
    return days


def _count_in_window(days: set[date], end: date) -> int:
    return sum(1 for d in days if end - timedelta(days=WINDOW - 1) <= d <= end)


@settings(max_examples=150, deadline=None)
@given(histories())
def test_days_in_window_and_overstay_match_a_brute_force_count_for_eaeu_citizens(
    history: tuple[date, list[tuple[date, date | None]]],
) -> None:
    on, stays = history
    result = _assess("RU", on, stays)
    present = _present_days(on, stays)
    assert result.days_in_window == _count_in_window(present, on)
    violating = sorted(d for d in present if _count_in_window(present, d) > LIMIT)
    assert result.overstay == bool(violating)
    assert result.first_overstay_day == (violating[0] if violating else None)


@settings(max_examples=150, deadline=None)
@given(histories())
def test_days_in_window_never_exceeds_the_window(
    history: tuple[date, list[tuple[date, date | None]]],
) -> None:
    on, stays = history
    result = _assess("US", on, stays)
    assert 0 <= result.days_in_window <= result.days_present_in_window <= result.window_days == WINDOW


@settings(max_examples=150, deadline=None)
@given(histories(), st.integers(min_value=0, max_value=WINDOW - 1))
def test_adding_a_day_of_stay_never_reduces_days_in_window(
    history: tuple[date, list[tuple[date, date | None]]], back: int
) -> None:
    on, stays = history
    extra_day = on - timedelta(days=back)
    assume(extra_day not in _present_days(on, stays) and extra_day >= date(2023, 1, 27))
    before = _assess("KG", on, stays)
    after = _assess("KG", on, sorted([*stays, (extra_day, extra_day)], key=lambda s: s[0]))
    assert after.days_in_window == before.days_in_window + 1


@settings(max_examples=100, deadline=None)
@given(histories())
def test_the_last_lawful_day_is_lawful_and_the_next_day_is_not(
    history: tuple[date, list[tuple[date, date | None]]],
) -> None:
    on, stays = history
    assume(stays and stays[-1][1] is None)
    result = _assess("BY", on, stays)
    last = result.last_lawful_day
    assume(last is not None)
    assert last is not None
    entry = stays[-1][0]
    assert last >= entry
    staying = [*stays[:-1], (entry, last)]
    lawful_until_then = _present_days(last, staying)
    assert all(_count_in_window(lawful_until_then, d) <= LIMIT for d in lawful_until_then if d >= entry)
    next_day = last + timedelta(days=1)
    assert _count_in_window(lawful_until_then | {next_day}, next_day) > LIMIT


def test_a_same_day_exit_and_re_entry_counts_the_day_once() -> None:
    result = _assess("RU", date(2025, 3, 5), [(date(2025, 3, 1), date(2025, 3, 3)), (date(2025, 3, 3), None)])
    assert result.days_in_window == 5


def test_days_after_the_assessment_date_are_not_counted() -> None:
    result = _assess("RU", date(2025, 3, 5), [(date(2025, 3, 1), date(2025, 3, 20))])
    assert result.present is True
    assert result.days_in_window == 5
    assert result.current_stay is not None and result.current_stay.entry == date(2025, 3, 1)


def test_an_absent_person_is_reported_against_the_rules_for_a_new_entry() -> None:
    result = _assess("US", date(2022, 6, 1), [(date(2022, 1, 1), date(2022, 1, 10))])
    assert result.present is False and result.last_lawful_day is None
    assert result.per_stay_limit == 30 and result.limit is None  # the rules before 27 January 2023
