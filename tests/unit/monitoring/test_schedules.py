"""Schedules: weekly windows in the subject's time zone, exceptions, DST, and the timeline."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from qorgau.monitoring.domain.schedules import (
    DailyWindow,
    DateException,
    Schedule,
    ScheduleError,
    WeeklyWindow,
    is_within_schedule,
    next_window_end,
    next_window_start,
    schedule_from_json,
    timeline_for,
)

ALMATY = ZoneInfo("Asia/Almaty")
BERLIN = ZoneInfo("Europe/Berlin")
EVERY_DAY = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def curfew(tz: str = "Asia/Almaty", days: list[str] | None = None, **extra: object) -> Schedule:
    schedule = schedule_from_json(
        {"tz": tz, "windows": [{"days": days or EVERY_DAY, "from": "22:00", "to": "06:00"}], **extra}
    )
    assert schedule is not None
    return schedule


def hours(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / 3600


def test_window_crossing_midnight_belongs_to_start_day() -> None:
    friday_night = curfew(days=["fri"])
    assert is_within_schedule(friday_night, datetime(2026, 2, 6, 23, 0, tzinfo=ALMATY))  # Friday 23:00
    assert is_within_schedule(friday_night, datetime(2026, 2, 7, 5, 59, tzinfo=ALMATY))  # Saturday 05:59
    assert not is_within_schedule(friday_night, datetime(2026, 2, 6, 5, 0, tzinfo=ALMATY))  # Friday 05:00
    assert not is_within_schedule(friday_night, datetime(2026, 2, 7, 23, 0, tzinfo=ALMATY))  # Saturday 23:00


def test_window_is_half_open() -> None:
    schedule = curfew()
    assert is_within_schedule(schedule, datetime(2026, 2, 6, 22, 0, tzinfo=ALMATY))
    assert not is_within_schedule(schedule, datetime(2026, 2, 7, 6, 0, tzinfo=ALMATY))


def test_exception_date_without_windows_cancels_that_night_only() -> None:
    schedule = curfew(exceptions=[{"date": "2026-03-08", "windows": []}])
    assert not is_within_schedule(schedule, datetime(2026, 3, 8, 23, 0, tzinfo=ALMATY))
    # The night that started on 7 March still runs into the morning of the 8th.
    assert is_within_schedule(schedule, datetime(2026, 3, 8, 3, 0, tzinfo=ALMATY))
    assert is_within_schedule(schedule, datetime(2026, 3, 9, 23, 0, tzinfo=ALMATY))


def test_exception_date_can_add_windows() -> None:
    schedule = curfew(exceptions=[{"date": "2026-03-09", "add": [{"from": "10:00", "to": "12:00"}]}])
    assert is_within_schedule(schedule, datetime(2026, 3, 9, 11, 0, tzinfo=ALMATY))
    assert not is_within_schedule(schedule, datetime(2026, 3, 10, 11, 0, tzinfo=ALMATY))
    assert is_within_schedule(schedule, datetime(2026, 3, 9, 23, 0, tzinfo=ALMATY))


def test_curfew_night_is_shorter_when_clocks_spring_forward() -> None:
    schedule = curfew("Europe/Berlin")
    start = next_window_start(schedule, datetime(2026, 3, 28, 12, 0, tzinfo=BERLIN))
    assert start is not None
    end = next_window_end(schedule, start)
    assert end is not None
    assert start == datetime(2026, 3, 28, 22, 0, tzinfo=BERLIN)
    assert end.astimezone(BERLIN).hour == 6
    assert hours(start, end) == 7.0


def test_curfew_night_is_longer_when_clocks_fall_back() -> None:
    schedule = curfew("Europe/Berlin")
    start = next_window_start(schedule, datetime(2026, 10, 24, 12, 0, tzinfo=BERLIN))
    assert start is not None
    end = next_window_end(schedule, start)
    assert end is not None
    assert hours(start, end) == 9.0


def test_window_starting_in_the_spring_gap_starts_when_the_clock_resumes() -> None:
    schedule = schedule_from_json({"tz": "Europe/Berlin", "windows": [{"from": "02:30", "to": "04:00"}]})
    start = next_window_start(schedule, datetime(2026, 3, 29, 0, 0, tzinfo=BERLIN))
    # 02:30 does not exist on 29 March 2026; read with the winter offset it is 03:30 summer time.
    assert start == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)


def test_almaty_change_to_utc_plus_5_moves_the_curfew_in_utc() -> None:
    # Kazakhstan moved Almaty from UTC+6 to UTC+5 on 1 March 2024: 22:00 local stays 22:00 local.
    schedule = curfew()
    before = next_window_start(schedule, datetime(2024, 2, 20, 12, 0, tzinfo=UTC))
    after = next_window_start(schedule, datetime(2024, 3, 20, 12, 0, tzinfo=UTC))
    assert before is not None and after is not None
    assert before.hour == 16 and after.hour == 17


def test_adjacent_windows_form_one_stretch() -> None:
    schedule = schedule_from_json(
        {"tz": "UTC", "windows": [{"from": "22:00", "to": "24:00"}, {"from": "00:00", "to": "06:00"}]}
    )
    assert schedule is not None
    start = next_window_start(schedule, datetime(2026, 2, 6, 12, 0, tzinfo=UTC))
    assert start is not None
    assert next_window_end(schedule, start) == datetime(2026, 2, 7, 6, 0, tzinfo=UTC)


def test_equal_from_and_to_is_a_whole_day() -> None:
    schedule = schedule_from_json(
        {"tz": "UTC", "windows": [{"days": ["mon"], "from": "08:00", "to": "08:00"}]}
    )
    assert is_within_schedule(schedule, datetime(2026, 2, 10, 7, 59, tzinfo=UTC))  # Tuesday 07:59
    assert not is_within_schedule(schedule, datetime(2026, 2, 10, 8, 0, tzinfo=UTC))


def test_no_schedule_means_always() -> None:
    assert is_within_schedule(None, datetime(2026, 2, 6, 12, 0, tzinfo=UTC))
    assert next_window_start(None, datetime(2026, 2, 6, 12, 0, tzinfo=UTC)) is None


def test_schedule_that_never_changes_has_no_next_window() -> None:
    always = schedule_from_json({"tz": "Europe/Berlin", "windows": [{"from": "00:00", "to": "00:00"}]})
    assert is_within_schedule(always, datetime(2026, 3, 29, 2, 30, tzinfo=UTC))
    assert next_window_end(always, datetime(2026, 3, 29, 2, 30, tzinfo=UTC)) is None
    never = schedule_from_json({"tz": "UTC", "windows": []})
    assert next_window_start(never, datetime(2026, 3, 29, tzinfo=UTC)) is None


def test_naive_datetime_is_refused() -> None:
    with pytest.raises(ScheduleError, match="aware"):
        is_within_schedule(curfew(), datetime(2026, 2, 6, 12, 0))


@pytest.mark.parametrize(
    ("obj", "field"),
    [
        ({"tz": "Nowhere/City"}, "schedule.tz"),
        ({"tz": "UTC", "windows": [{"days": ["funday"], "from": "22:00", "to": "06:00"}]}, "days"),
        ({"tz": "UTC", "windows": [{"from": "25:00", "to": "06:00"}]}, r"windows\[0\]\.from"),
        ({"tz": "UTC", "windows": [{"from": "22:00"}]}, r"windows\[0\]\.to"),
        ({"tz": "UTC", "exceptions": [{"date": "2026-02-30", "windows": []}]}, r"exceptions\[0\]\.date"),
        ({"tz": "UTC", "exceptions": [{"date": "2026-02-01"}]}, "exactly one"),
    ],
)
def test_bad_schedule_json_names_the_field(obj: dict[str, object], field: str) -> None:
    with pytest.raises(ScheduleError, match=field):
        schedule_from_json(obj)


# --- properties -------------------------------------------------------------------------------------

TIME_ZONES = [
    "Europe/Berlin",
    "Asia/Almaty",
    "America/New_York",
    "Australia/Lord_Howe",
    "Asia/Kathmandu",
    "UTC",
]
clock = st.builds(time, st.integers(0, 23), st.sampled_from([0, 15, 30, 45]))
weekly_windows = st.lists(
    st.builds(
        WeeklyWindow,
        st.frozensets(st.integers(0, 6), min_size=1),
        st.builds(DailyWindow, clock, clock),
    ),
    min_size=1,
    max_size=3,
)
instants = st.integers(
    int(datetime(2019, 1, 1, tzinfo=UTC).timestamp()), int(datetime(2031, 1, 1, tzinfo=UTC).timestamp())
).map(float)


@st.composite
def schedules(draw: st.DrawFn, near: float | None = None) -> Schedule:
    tz = draw(st.sampled_from(TIME_ZONES))
    exceptions: list[DateException] = []
    if near is not None and draw(st.booleans()):
        day = datetime.fromtimestamp(near, ZoneInfo(tz)).date() + timedelta(days=draw(st.integers(-2, 1)))
        windows = tuple(draw(st.lists(st.builds(DailyWindow, clock, clock), max_size=2)))
        exceptions.append(DateException(day, windows, draw(st.booleans())))
    return Schedule(tz, tuple(draw(weekly_windows)), tuple(exceptions))


def wall_clock_active(schedule: Schedule, t: float) -> bool:
    """Reference: read the wall clock and the windows of today and yesterday."""
    zone = ZoneInfo(schedule.tz)
    local = datetime.fromtimestamp(t, zone)
    now = local.time()
    timeline = timeline_for(schedule)

    def windows(day: date) -> tuple[DailyWindow, ...]:
        return timeline.windows_on(day)

    today = local.date()
    for window in windows(today):
        if window.crosses_midnight and now >= window.start:
            return True
        if not window.crosses_midnight and window.start <= now < window.end:
            return True
    return any(window.crosses_midnight and now < window.end for window in windows(today - timedelta(days=1)))


def stable_offset(tz: str, t: float) -> bool:
    zone = ZoneInfo(tz)
    offsets = {datetime.fromtimestamp(t + h * 3600, zone).utcoffset() for h in range(-50, 51)}
    return len(offsets) == 1


@settings(max_examples=300, deadline=None)
@given(st.data(), instants)
def test_activity_agrees_with_the_wall_clock_away_from_offset_changes(data: st.DataObject, t: float) -> None:
    schedule = data.draw(schedules(near=t))
    assume(stable_offset(schedule.tz, t))
    assert timeline_for(schedule).active_at(t) is wall_clock_active(schedule, t)


@settings(max_examples=300, deadline=None)
@given(st.data(), instants, st.floats(0.0, 1.0))
def test_activity_is_constant_until_the_next_change_and_flips_there(
    data: st.DataObject, t: float, share: float
) -> None:
    schedule = data.draw(schedules(near=t))
    timeline = timeline_for(schedule)
    change = timeline.next_change(t)
    assume(change is not None)
    assert change is not None and change > t
    between = t + (change - t) * share
    if between < change:
        assert timeline.active_at(between) is timeline.active_at(t)
    assert timeline.active_at(change) is not timeline.active_at(t)
    previous = timeline.previous_change(change)
    assert previous == change


@settings(max_examples=200, deadline=None)
@given(st.data(), instants)
def test_window_at_contains_the_instant_and_is_maximal(data: st.DataObject, t: float) -> None:
    schedule = data.draw(schedules(near=t))
    timeline = timeline_for(schedule)
    window = timeline.window_at(t)
    if window is None:
        assert not timeline.active_at(t)
        return
    start, end = window
    assert start <= t < end
    if start > float("-inf"):
        assert timeline.active_at(start) and not timeline.active_at(start - 0.5)
    if end < float("inf"):
        assert not timeline.active_at(end) and timeline.active_at(end - 0.5)


@settings(max_examples=100, deadline=None)
@given(st.data(), instants, st.integers(1, 10 * 86_400))
def test_boundaries_between_lists_every_change_in_order(data: st.DataObject, t: float, span: int) -> None:
    schedule = data.draw(schedules(near=t))
    timeline = timeline_for(schedule)
    active, changes = timeline.boundaries_between(t, t + span)
    assert active is timeline.active_at(t)
    assert changes == sorted(changes)
    state = active
    for change in changes:
        assert t < change <= t + span
        assert timeline.active_at(change) is not state
        state = not state
    assert timeline.active_at(t + span) is state
