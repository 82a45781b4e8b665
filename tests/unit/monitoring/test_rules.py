"""The per-order state machine: one scenario per rule, told in the subject's local time."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from qorgau.monitoring.domain.geometry import destination
from qorgau.monitoring.domain.rules import (
    AlertEvent,
    AlertType,
    DeviceEvent,
    DeviceState,
    Fix,
    OrderRules,
    RuleError,
    evaluate_fix,
    evaluate_protected_fix,
    evaluate_timer,
    new_device_state,
    next_deadline,
    order_is_active,
)
from qorgau.monitoring.domain.schedules import schedule_from_json
from qorgau.monitoring.domain.zones import Circle, Zone, ZoneKind

ALMATY = ZoneInfo("Asia/Almaty")
HOME = (43.238, 76.945)
DEVICE = "860000000000001"
VICTIM = "victim-phone"
CURFEW = schedule_from_json(
    {
        "tz": "Asia/Almaty",
        "windows": [
            {"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "from": "22:00", "to": "06:00"}
        ],
    }
)


def at(text: str) -> float:
    """POSIX time of a local Almaty wall-clock time 'YYYY-MM-DD HH:MM'."""
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=ALMATY).timestamp()


def away(metres: float, bearing: float = 90.0) -> tuple[float, float]:
    return destination(*HOME, bearing, metres)


def order(start: str = "2026-02-01 11:00", **overrides: object) -> OrderRules:
    """The order of the scenarios: a term from ``start`` for a year, home curfew, 24-hour signal limit."""
    parameters: dict[str, object] = {
        "zones": [Zone("home", ZoneKind.INCLUSION, Circle(*HOME, 150.0), CURFEW)],
        "signal_loss_s": 24 * 3600.0,
    }
    parameters.update(overrides)
    zones = parameters.pop("zones")
    return OrderRules.build("o1", DEVICE, at(start), at("2027-01-20 00:00"), zones, **parameters)  # type: ignore[arg-type]


def fix(when: str, position: tuple[float, float] = HOME, **fields: object) -> Fix:
    return Fix(DEVICE, at(when), position[0], position[1], **fields)  # type: ignore[arg-type]


class Run:
    """Feeds fixes and timers through the pure functions and collects the alerts."""

    def __init__(self, rules: OrderRules) -> None:
        self.state: DeviceState = new_device_state(rules)
        self.alerts: list[AlertEvent] = []

    def fix(self, when: str, position: tuple[float, float] = HOME, **fields: object) -> list[AlertEvent]:
        self.state, raised = evaluate_fix(self.state, fix(when, position, **fields))
        self.alerts += raised
        return raised

    def timer(self, when: str) -> list[AlertEvent]:
        self.state, raised = evaluate_timer(self.state, at(when))
        self.alerts += raised
        return raised

    def victim(self, when: str, position: tuple[float, float]) -> list[AlertEvent]:
        self.state, raised = evaluate_protected_fix(self.state, Fix(VICTIM, at(when), *position))
        self.alerts += raised
        return raised

    def types(self) -> list[str]:
        return [alert.type for alert in self.alerts]


# --- inclusion zones (curfew) -----------------------------------------------------------------------


def test_curfew_violation_raised_when_absent_at_start() -> None:
    run = Run(order())
    assert run.fix("2026-02-01 21:50", away(2000)) == []  # out before the curfew: allowed
    [alert] = run.timer("2026-02-01 22:00")
    assert alert.type == AlertType.INCLUSION_ZONE_VIOLATION
    assert alert.time == at("2026-02-01 22:00")
    assert alert.zone_id == "home" and alert.order_id == "o1" and alert.device == DEVICE
    assert alert.details["reason"] == "outside_at_window_start"


def test_curfew_violation_is_caught_up_by_the_next_fix_when_no_timer_ran() -> None:
    run = Run(order())
    run.fix("2026-02-01 21:50", away(2000))
    [alert] = run.fix("2026-02-01 22:07", away(1900))
    assert alert.time == at("2026-02-01 22:00")
    assert alert.details["reason"] == "outside_at_window_start"


def test_no_curfew_alert_when_home_at_start() -> None:
    run = Run(order())
    run.fix("2026-02-01 21:55")
    assert run.timer("2026-02-01 22:00") == []
    assert run.fix("2026-02-01 22:05", away(50)) == []


def test_curfew_violation_raised_once_per_episode() -> None:
    run = Run(order(inclusion_grace_s=3 * 3600.0))
    run.fix("2026-02-01 21:55")
    assert [a.details["reason"] for a in run.fix("2026-02-01 23:00", away(500))] == ["outside"]
    assert run.fix("2026-02-01 23:01", away(600)) == []
    assert run.fix("2026-02-01 23:02", away(700)) == []
    assert run.fix("2026-02-01 23:30") == []  # back home: the episode ends
    assert len(run.fix("2026-02-01 23:45", away(500))) == 1  # out again: a new episode


def test_silence_during_curfew_raises_after_the_grace_period() -> None:
    run = Run(order(inclusion_grace_s=900.0))
    run.fix("2026-02-01 21:55")
    assert run.timer("2026-02-01 22:14") == []
    [alert] = run.timer("2026-02-01 22:16")
    assert alert.type == AlertType.INCLUSION_ZONE_VIOLATION
    assert alert.details["reason"] == "no_fix_inside"
    assert alert.time == at("2026-02-01 22:15")
    assert run.fix("2026-02-01 22:20") == []  # a fix at home ends the episode


def test_curfew_episode_ends_when_the_window_closes() -> None:
    run = Run(order())
    run.fix("2026-02-01 21:55")
    run.fix("2026-02-01 23:00", away(500))
    run.timer("2026-02-02 06:00")
    assert not run.state.zone_open[0]
    assert run.fix("2026-02-02 12:00", away(500)) == []  # day time: no curfew
    [alert] = run.timer("2026-02-02 22:00")  # still out when the next curfew starts
    assert alert.details["reason"] == "outside_at_window_start"
    assert run.types() == [AlertType.INCLUSION_ZONE_VIOLATION] * 2


def test_zone_without_schedule_applies_always() -> None:
    house_arrest = order(zones=[Zone("home", ZoneKind.INCLUSION, Circle(*HOME, 150.0), None)])
    run = Run(house_arrest)
    assert run.fix("2026-02-01 11:00") == []
    [alert] = run.fix("2026-02-01 11:05", away(400))
    assert alert.details["reason"] == "outside"


def test_house_arrest_without_any_fix_raises_after_the_grace_period() -> None:
    house_arrest = order(zones=[Zone("home", ZoneKind.INCLUSION, Circle(*HOME, 150.0), None)])
    [alert] = Run(house_arrest).timer("2026-02-01 11:20")
    assert alert.details["reason"] == "no_fix_inside" and alert.time == at("2026-02-01 11:15")


# --- exclusion zones --------------------------------------------------------------------------------

SCHOOL = away(3000, 0.0)
SCHOOL_HOURS = schedule_from_json(
    {
        "tz": "Asia/Almaty",
        "windows": [{"days": ["mon", "tue", "wed", "thu", "fri"], "from": "08:00", "to": "15:00"}],
    }
)


def school_order() -> OrderRules:
    return order(zones=[Zone("school", ZoneKind.EXCLUSION, Circle(*SCHOOL, 300.0), SCHOOL_HOURS)])


def test_exclusion_zone_entry_raised_while_its_schedule_is_active() -> None:
    run = Run(school_order())
    assert run.fix("2026-02-02 07:30", SCHOOL) == []  # Monday before school hours
    [alert] = run.fix("2026-02-02 10:00", SCHOOL)  # caught up at the opening, position unchanged
    assert alert.type == AlertType.EXCLUSION_ZONE_VIOLATION
    assert alert.time == at("2026-02-02 08:00")
    assert alert.details["reason"] == "inside_at_window_start"


def test_exclusion_zone_is_ignored_outside_its_schedule() -> None:
    run = Run(school_order())
    assert run.fix("2026-02-01 11:30", SCHOOL) == []  # Sunday
    assert run.fix("2026-02-01 12:00") == []
    assert run.fix("2026-02-02 07:00") == []
    assert run.fix("2026-02-02 16:00", SCHOOL) == []  # Monday after school


def test_exclusion_zone_entry_during_the_window_raises_at_the_fix() -> None:
    run = Run(school_order())
    run.fix("2026-02-02 09:00")
    [alert] = run.fix("2026-02-02 09:10", SCHOOL)
    assert alert.time == at("2026-02-02 09:10") and alert.details["reason"] == "inside"


# --- victim proximity -------------------------------------------------------------------------------


def proximity_order() -> OrderRules:
    return order(zones=[], min_distance_m=500.0, protected_device=VICTIM, proximity_staleness_s=300.0)


def test_victim_proximity_raised_below_the_minimum_distance() -> None:
    run = Run(proximity_order())
    run.victim("2026-02-01 12:00", away(1000))
    assert run.fix("2026-02-01 12:01", away(2000)) == []
    [alert] = run.fix("2026-02-01 12:02", away(1300))
    assert alert.type == AlertType.VICTIM_PROXIMITY
    assert alert.details["distance_m"] == pytest.approx(300.0, abs=0.5)
    assert run.fix("2026-02-01 12:03", away(1200)) == []  # same episode


def test_victim_moving_towards_the_device_raises_proximity() -> None:
    run = Run(proximity_order())
    run.fix("2026-02-01 12:00", away(2000))
    assert run.victim("2026-02-01 12:01", away(5000)) == []
    assert [a.type for a in run.victim("2026-02-01 12:02", away(1800))] == [AlertType.VICTIM_PROXIMITY]


def test_stale_victim_position_is_ignored() -> None:
    run = Run(proximity_order())
    run.victim("2026-02-01 12:00", away(1000))
    assert run.fix("2026-02-01 12:10", away(1100)) == []  # the victim's position is 10 minutes old


def test_proximity_episode_ends_when_apart_and_a_new_one_can_start() -> None:
    run = Run(proximity_order())
    run.victim("2026-02-01 12:00", away(1000))
    run.fix("2026-02-01 12:01", away(1100))
    run.fix("2026-02-01 12:02", away(3000))
    run.fix("2026-02-01 12:03", away(1100))
    assert run.types() == [AlertType.VICTIM_PROXIMITY] * 2


def test_proximity_episode_ends_on_a_timer_when_positions_go_stale() -> None:
    run = Run(proximity_order())
    run.victim("2026-02-01 12:00", away(1000))
    run.fix("2026-02-01 12:01", away(1100))
    run.timer("2026-02-01 12:10")
    assert not run.state.proximity_open


# --- device events, battery, signal -----------------------------------------------------------------


def test_tamper_raised_once_while_the_device_keeps_reporting_it() -> None:
    run = Run(order(zones=[]))
    assert [a.type for a in run.fix("2026-02-01 12:00", event=DeviceEvent.TAMPER)] == [AlertType.TAMPER]
    assert run.fix("2026-02-01 12:01", event=DeviceEvent.TAMPER) == []
    run.fix("2026-02-01 12:02")
    assert len(run.fix("2026-02-01 12:03", event=DeviceEvent.TAMPER)) == 1


@pytest.mark.parametrize("event", [DeviceEvent.POWER_OFF, DeviceEvent.POWER_CUT])
def test_power_off_and_power_cut_raise_device_off(event: DeviceEvent) -> None:
    run = Run(order(zones=[]))
    [alert] = run.fix("2026-02-01 12:00", event=event)
    assert alert.type == AlertType.DEVICE_OFF and alert.details["event"] == event.value


def test_low_battery_uses_hysteresis() -> None:
    run = Run(order(zones=[], low_battery_percent=20.0, battery_hysteresis_percent=5.0))
    assert len(run.fix("2026-02-01 12:00", battery=19.0)) == 1
    assert run.fix("2026-02-01 12:01", battery=22.0) == []  # not yet recovered
    assert run.fix("2026-02-01 12:02", battery=18.0) == []  # same episode
    assert run.fix("2026-02-01 12:03", battery=26.0) == []  # recovered
    assert len(run.fix("2026-02-01 12:04", battery=18.0)) == 1
    assert run.fix("2026-02-01 12:05") == []  # no battery reading changes nothing
    assert run.types() == [AlertType.LOW_BATTERY] * 2


def test_signal_loss_raised_by_timer_after_the_limit() -> None:
    run = Run(order("2026-02-01 12:00", zones=[], signal_loss_s=1800.0))
    run.fix("2026-02-01 12:00")
    assert run.timer("2026-02-01 12:29") == []
    [alert] = run.timer("2026-02-01 12:31")
    assert alert.type == AlertType.SIGNAL_LOSS and alert.time == at("2026-02-01 12:30")
    assert run.timer("2026-02-01 13:30") == []  # one alert per silence
    run.fix("2026-02-01 14:00")
    assert not run.state.signal_loss_open


def test_signal_loss_raised_retroactively_by_the_next_fix() -> None:
    run = Run(order("2026-02-01 12:00", zones=[], signal_loss_s=1800.0))
    run.fix("2026-02-01 12:00")
    [alert] = run.fix("2026-02-01 13:00")
    assert alert.type == AlertType.SIGNAL_LOSS and alert.time == at("2026-02-01 12:30")


def test_report_without_a_position_raises_its_events_but_does_not_end_a_signal_loss() -> None:
    run = Run(order("2026-02-01 12:00", signal_loss_s=1800.0))
    run.fix("2026-02-01 12:00")
    no_gps = Fix(DEVICE, at("2026-02-01 12:40"), None, None, 10.0, DeviceEvent.POWER_CUT)
    run.state, raised = evaluate_fix(run.state, no_gps)
    assert [a.type for a in raised] == [AlertType.SIGNAL_LOSS, AlertType.DEVICE_OFF, AlertType.LOW_BATTERY]
    assert run.state.signal_loss_open and run.state.zone_inside == [True]
    assert run.fix("2026-02-01 12:41") == []  # a real fix ends the silence


def test_signal_loss_counts_from_the_order_start_when_the_device_never_reports() -> None:
    rules = order(zones=[], signal_loss_s=1800.0)
    _, alerts = evaluate_timer(new_device_state(rules), rules.start + 3600)
    assert [(a.type, a.time) for a in alerts] == [(AlertType.SIGNAL_LOSS, rules.start + 1800)]


# --- order term, late fixes, purity ----------------------------------------------------------------


def test_order_is_active_from_its_start_until_before_its_end() -> None:
    rules = order()
    assert order_is_active(rules, rules.start)
    assert not order_is_active(rules, rules.start - 1)
    assert not order_is_active(rules, rules.end)


def test_fixes_outside_the_order_term_are_never_evaluated() -> None:
    run = Run(order(zones=[]))
    before = run.state.copy()
    assert run.fix("2026-01-19 23:00", event=DeviceEvent.TAMPER) == []
    assert run.fix("2027-01-20 00:00", battery=1.0) == []
    assert run.state == before


def test_late_fix_does_not_rewrite_the_state_but_reports_its_tamper() -> None:
    run = Run(order())
    run.fix("2026-02-01 21:55")
    run.fix("2026-02-01 23:00", away(500))
    state = run.state.copy()
    [alert] = run.fix("2026-02-01 22:30", event=DeviceEvent.TAMPER)
    assert alert.type == AlertType.TAMPER and alert.details["late"] is True
    assert run.state == state


# --- timers at the clock: a sweep decides only what is due ----------------------------------------


def sweep(run: Run, first: str, last: str, every_s: float = 5.0) -> list[AlertEvent]:
    """Timers every ``every_s`` seconds from ``first`` to ``last`` (as the server's sweep does)."""
    raised: list[AlertEvent] = []
    t, end = at(first), at(last)
    while t <= end:
        run.state, alerts = evaluate_timer(run.state, t)
        run.alerts += alerts
        raised += alerts
        t += every_s
    return raised


def test_a_fix_stamped_before_a_sweep_still_raises_its_exclusion_alert() -> None:
    run = Run(school_order())
    run.fix("2026-02-02 09:00")  # Monday, school hours, at home
    assert sweep(run, "2026-02-02 09:01", "2026-02-02 09:06") == []
    assert run.state.evaluated_until == at("2026-02-02 09:00")  # nothing was due: the state stays
    [alert] = run.fix("2026-02-02 09:04", SCHOOL)  # stamped before the last sweep, arrives after it
    assert alert.type == AlertType.EXCLUSION_ZONE_VIOLATION
    assert alert.time == at("2026-02-02 09:04") and alert.details["reason"] == "inside"
    assert "late" not in alert.details


def test_a_fix_stamped_before_a_sweep_still_raises_its_inclusion_alert() -> None:
    run = Run(order(inclusion_grace_s=3 * 3600.0))
    run.fix("2026-02-01 22:30")  # home during the curfew
    assert sweep(run, "2026-02-01 22:31", "2026-02-01 22:40", every_s=60.0) == []
    [alert] = run.fix("2026-02-01 22:35", away(800))
    assert alert.type == AlertType.INCLUSION_ZONE_VIOLATION
    assert alert.time == at("2026-02-01 22:35") and alert.details["reason"] == "outside"
    assert run.fix("2026-02-01 22:41", away(900)) == []  # the same episode


def test_a_fix_stamped_before_a_sweep_still_ends_an_episode_and_shows_the_person_home() -> None:
    run = Run(order(inclusion_grace_s=3 * 3600.0))
    run.fix("2026-02-01 22:30", away(800))
    run.fix("2026-02-01 22:32")  # back home
    sweep(run, "2026-02-01 22:33", "2026-02-01 22:50", every_s=60.0)
    assert run.fix("2026-02-01 22:40", away(900)) != []  # out again: a new episode
    assert run.types() == [AlertType.INCLUSION_ZONE_VIOLATION] * 2


def test_sweeps_at_the_clock_raise_signal_loss_exactly_once() -> None:
    run = Run(order("2026-02-01 12:00", zones=[], signal_loss_s=1800.0))
    run.fix("2026-02-01 12:00")
    [alert] = sweep(run, "2026-02-01 12:25", "2026-02-01 12:40")
    assert alert.type == AlertType.SIGNAL_LOSS and alert.time == at("2026-02-01 12:30")
    assert run.state.evaluated_until == at("2026-02-01 12:30")  # the deadline acted on, not the sweep
    assert sweep(run, "2026-02-01 12:40", "2026-02-01 13:00", every_s=60.0) == []
    assert run.fix("2026-02-01 12:35") == []  # after the alert: ends the silence, raises nothing
    assert not run.state.signal_loss_open
    assert sweep(run, "2026-02-01 12:36", "2026-02-01 13:04", every_s=60.0) == []
    [again] = sweep(run, "2026-02-01 13:05", "2026-02-01 13:06", every_s=60.0)  # a new silence
    assert again.time == at("2026-02-01 13:05")
    assert run.types() == [AlertType.SIGNAL_LOSS] * 2


def test_a_fix_from_before_a_signal_loss_alert_cannot_take_it_back() -> None:
    run = Run(order("2026-02-01 12:00", zones=[], signal_loss_s=1800.0))
    run.fix("2026-02-01 12:00")
    sweep(run, "2026-02-01 12:30", "2026-02-01 12:31")
    state = run.state.copy()
    assert run.fix("2026-02-01 12:29") == []  # late: the timer decided at 12:30
    assert run.state == state and run.state.signal_loss_open


def test_sweeps_at_the_clock_raise_the_curfew_opening_exactly_once() -> None:
    run = Run(order())
    run.fix("2026-02-01 21:50", away(2000))
    [alert] = sweep(run, "2026-02-01 21:55", "2026-02-01 22:10")
    assert alert.details["reason"] == "outside_at_window_start" and alert.time == at("2026-02-01 22:00")
    assert run.state.evaluated_until == at("2026-02-01 22:00")
    assert run.fix("2026-02-01 22:05", away(1900)) == []  # stamped before the sweep: same episode
    assert sweep(run, "2026-02-01 22:10", "2026-02-01 23:00", every_s=60.0) == []
    assert run.fix("2026-02-01 22:50") == []  # home: the episode ends
    assert not run.state.zone_open[0]
    assert len(run.types()) == 1


def test_a_curfew_opening_with_the_person_home_leaves_a_late_fix_free_to_raise() -> None:
    run = Run(order())
    run.fix("2026-02-01 21:58")
    assert sweep(run, "2026-02-01 21:59", "2026-02-01 22:06") == []
    assert run.state.evaluated_until == at("2026-02-01 21:58")
    [alert] = run.fix("2026-02-01 22:03", away(700))
    assert alert.details["reason"] == "outside" and alert.time == at("2026-02-01 22:03")


def test_a_fix_inside_the_swept_stretch_makes_the_next_sweep_look_again() -> None:
    # A fix stamped between the last fix and the last sweep changes where the person is; an opening
    # the sweep already passed (with the person home) must now raise.
    run = Run(order())
    run.fix("2026-02-01 21:50")
    assert sweep(run, "2026-02-01 21:55", "2026-02-01 22:02") == []
    run.fix("2026-02-01 21:58", away(1500))  # arrives late, but nothing was due after 21:50
    [alert] = sweep(run, "2026-02-01 22:02", "2026-02-01 22:03")
    assert alert.details["reason"] == "outside_at_window_start" and alert.time == at("2026-02-01 22:00")


def test_grace_period_is_raised_once_by_sweeps_at_the_clock() -> None:
    run = Run(order(inclusion_grace_s=900.0))
    run.fix("2026-02-01 21:55")
    [alert] = sweep(run, "2026-02-01 22:00", "2026-02-01 22:30", every_s=30.0)
    assert alert.details["reason"] == "no_fix_inside" and alert.time == at("2026-02-01 22:15")
    assert run.state.evaluated_until == at("2026-02-01 22:15")


def test_proximity_episode_ends_when_the_older_position_goes_stale() -> None:
    run = Run(proximity_order())
    run.victim("2026-02-01 12:00", away(1000))
    run.fix("2026-02-01 12:01", away(1100))
    sweep(run, "2026-02-01 12:02", "2026-02-01 12:08", every_s=60.0)
    assert not run.state.proximity_open
    assert run.state.evaluated_until == at("2026-02-01 12:05")  # the victim's position went stale


def test_evaluate_fix_leaves_the_given_state_untouched() -> None:
    state = new_device_state(order())
    snapshot = state.copy()
    evaluate_fix(state, fix("2026-02-01 23:00", away(500), battery=5.0, event=DeviceEvent.TAMPER))
    evaluate_timer(state, at("2026-02-02 23:00"))
    assert state == snapshot


def test_next_deadline_names_the_next_window_opening() -> None:
    run = Run(order(signal_loss_s=3 * 3600.0))
    run.fix("2026-02-01 12:00")
    assert next_deadline(run.state) == at("2026-02-01 15:00")  # the 3-hour signal-loss limit
    run.fix("2026-02-01 21:00", away(500))
    assert next_deadline(run.state) == at("2026-02-01 22:00")


def test_alert_types_keep_their_contract_strings() -> None:
    assert {t.value for t in AlertType} == {
        "inclusion_zone_violation",
        "exclusion_zone_violation",
        "victim_proximity",
        "tamper",
        "device_off",
        "low_battery",
        "signal_loss",
    }


def test_order_term_must_start_before_it_ends() -> None:
    with pytest.raises(RuleError, match="term"):
        OrderRules("o", DEVICE, 10.0, 10.0)
