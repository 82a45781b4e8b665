"""The alert workflow: new → acknowledged → dispatched → resolved, nothing else."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qorgau.monitoring.domain.alerts import (
    ALERT_STATUSES,
    NEXT_STATUSES,
    AlertStatus,
    TransitionInvalid,
    acknowledgement_deadline,
    check_transition,
    is_overdue,
)


def test_the_usual_path_is_allowed() -> None:
    check_transition("new", "acknowledged")
    check_transition("acknowledged", "dispatched", response_group="Group 7")
    check_transition("dispatched", "resolved", outcome="violation_confirmed")


def test_an_acknowledged_alert_can_be_resolved_without_a_dispatch() -> None:
    check_transition("acknowledged", "resolved", outcome="person_contacted")


@pytest.mark.parametrize(
    ("current", "target"), [("new", "dispatched"), ("new", "resolved"), ("resolved", "new")]
)
def test_skipping_acknowledgement_or_reopening_is_refused(current: str, target: str) -> None:
    with pytest.raises(TransitionInvalid) as caught:
        check_transition(current, target, response_group="g", outcome="other")
    assert caught.value.field in ("status", "to")


def test_a_dispatch_names_the_group_and_a_resolution_its_outcome() -> None:
    with pytest.raises(TransitionInvalid) as caught:
        check_transition("acknowledged", "dispatched", response_group="  ")
    assert caught.value.field == "response_group"
    with pytest.raises(TransitionInvalid) as caught:
        check_transition("dispatched", "resolved", outcome="went home")
    assert caught.value.field == "outcome"


@given(st.lists(st.sampled_from(ALERT_STATUSES), max_size=8))
def test_any_sequence_of_accepted_transitions_follows_the_graph(targets: list[str]) -> None:
    status = AlertStatus.NEW
    for target in targets:
        try:
            check_transition(status, target, response_group="g", outcome="other")
        except TransitionInvalid:
            continue
        assert AlertStatus(target) in NEXT_STATUSES[status]
        status = AlertStatus(target)


def test_the_deadline_counts_from_when_the_center_raised_the_alert() -> None:
    raised = dt.datetime(2026, 2, 1, 17, 0, tzinfo=dt.UTC)
    deadline = acknowledgement_deadline(raised, 10)
    assert deadline == raised + dt.timedelta(minutes=10)
    assert not is_overdue("new", deadline, False, deadline - dt.timedelta(seconds=1))
    assert is_overdue("new", deadline, False, deadline)
    assert not is_overdue("acknowledged", deadline, False, deadline)
    assert not is_overdue("new", deadline, True, deadline)
