"""Working days: holidays, carryovers and transfers; properties of working-day addition."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qorgau.foreigners.domain.calendar import Holiday, HolidayCalendar, Transfer
from qorgau.foreigners.domain.errors import RulesUnavailableError
from qorgau.foreigners.rules import default_rulebook

CALENDAR = default_rulebook().calendar
COVERED_DAYS = st.dates(min_value=date(2019, 1, 1), max_value=date(2027, 11, 30))


def test_every_year_from_2019_to_2027_is_covered_with_a_kurban_ait_day() -> None:
    assert CALENDAR.years == frozenset(range(2019, 2028))
    for year in range(2019, 2028):
        kurban = [d for d, h in CALENDAR.holidays.items() if h.key == "kurban_ait" and d.year == year]
        assert len(kurban) == 1, year


def test_a_weekend_holiday_that_carries_over_moves_the_day_off_to_the_next_working_day() -> None:
    # Constitution Day, Saturday 30 August 2025 → Monday 1 September 2025.
    assert not CALENDAR.is_working_day(date(2025, 9, 1))
    assert CALENDAR.day_off_reason(date(2025, 9, 1)) == "carryover:constitution_day"


def test_a_religious_day_off_on_a_weekend_does_not_carry_over() -> None:
    # Orthodox Christmas, Sunday 7 January 2024: Monday 8 January is a working day.
    assert CALENDAR.is_working_day(date(2024, 1, 8))


def test_a_transferred_saturday_is_a_working_day() -> None:
    assert CALENDAR.is_working_day(date(2023, 7, 1))
    assert CALENDAR.day_off_reason(date(2023, 7, 7)) == "transfer"


def test_days_outside_the_covered_years_are_refused() -> None:
    with pytest.raises(RulesUnavailableError, match="no holiday calendar for 2028"):
        CALENDAR.is_working_day(date(2028, 1, 3))


def test_adding_zero_working_days_gives_the_start_and_negative_counts_are_refused() -> None:
    assert CALENDAR.add_working_days(date(2026, 1, 3), 0) == date(2026, 1, 3)
    with pytest.raises(ValueError):
        CALENDAR.add_working_days(date(2026, 1, 3), -1)


@given(start=COVERED_DAYS, count=st.integers(min_value=1, max_value=20))
def test_adding_working_days_lands_on_a_working_day_and_skips_every_day_off(start: date, count: int) -> None:
    result = CALENDAR.add_working_days(start, count)
    assert result > start
    assert CALENDAR.is_working_day(result)
    assert CALENDAR.working_days_between(start, result) == count
    # every day skipped between the (count-1)-th working day and the result is a day off
    previous = CALENDAR.add_working_days(start, count - 1)
    day = previous + timedelta(days=1)
    while day < result:
        assert not CALENDAR.is_working_day(day)
        assert day.weekday() >= 5 or CALENDAR.day_off_reason(day) != "weekend"
        day += timedelta(days=1)


@given(first=COVERED_DAYS, second=COVERED_DAYS, count=st.integers(min_value=0, max_value=15))
def test_adding_working_days_is_monotonic_in_the_start(first: date, second: date, count: int) -> None:
    early, late = sorted((first, second))
    assert CALENDAR.add_working_days(early, count) <= CALENDAR.add_working_days(late, count)


@given(
    start=COVERED_DAYS,
    smaller=st.integers(min_value=0, max_value=15),
    extra=st.integers(min_value=1, max_value=5),
)
def test_adding_more_working_days_gives_a_strictly_later_day(start: date, smaller: int, extra: int) -> None:
    assert CALENDAR.add_working_days(start, smaller) < CALENDAR.add_working_days(start, smaller + extra)


@given(
    offsets=st.sets(st.integers(min_value=0, max_value=364), max_size=25),
    carries=st.booleans(),
)
def test_each_weekend_holiday_that_carries_over_adds_exactly_one_weekday_off(
    offsets: set[int], carries: bool
) -> None:
    year_start = date(2030, 1, 1)
    holidays = [Holiday(year_start + timedelta(days=o), f"h{o}", carries) for o in offsets]
    # carried days may spill into the next year: cover it too
    calendar = HolidayCalendar.build(holidays=holidays, transfers=[], years=[2030, 2031])
    weekday_holidays = sum(1 for h in holidays if h.day.weekday() < 5)
    weekend_carrying = sum(1 for h in holidays if h.day.weekday() >= 5 and h.carries_over)
    days = [year_start + timedelta(days=i) for i in range(365 + 60)]
    weekdays_off = sum(1 for d in days if d.weekday() < 5 and not calendar.is_working_day(d))
    assert weekdays_off == weekday_holidays + weekend_carrying
    for carried, holiday in calendar.carried_days_off.items():
        assert carried > holiday.day and carried.weekday() < 5


def test_a_transfer_overrides_the_weekend_and_the_working_week() -> None:
    calendar = HolidayCalendar.build(
        holidays=[],
        transfers=[Transfer(working_day=date(2030, 1, 5), day_off=date(2030, 1, 7))],
        years=[2030],
    )
    assert calendar.is_working_day(date(2030, 1, 5))  # a Saturday
    assert not calendar.is_working_day(date(2030, 1, 7))  # a Monday
