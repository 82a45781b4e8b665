"""The life of an alert at the monitoring center: new → acknowledged → dispatched → resolved.

Traccar's events have no state; a monitoring center's alerts are *worked*: an operator acknowledges
an alert (someone is on it), may dispatch a response group with a note, and resolves it with an
outcome. An alert not acknowledged by its deadline is escalated (a flag, not a status: the alert
still waits for an operator). Every transition is audited by the service.

>>> check_transition("new", "acknowledged")
>>> check_transition("acknowledged", "dispatched", response_group="Group 3")
>>> check_transition("new", "resolved", outcome="false_alarm")
Traceback (most recent call last):
...
qorgau.monitoring.domain.alerts.TransitionInvalid: status: an alert that is new cannot become resolved
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum


class AlertStatus(StrEnum):
    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    DISPATCHED = "dispatched"
    RESOLVED = "resolved"


ALERT_STATUSES: tuple[str, ...] = tuple(status.value for status in AlertStatus)

NEXT_STATUSES: dict[AlertStatus, frozenset[AlertStatus]] = {
    AlertStatus.NEW: frozenset({AlertStatus.ACKNOWLEDGED}),
    # A call to the person can settle an alert without sending anyone.
    AlertStatus.ACKNOWLEDGED: frozenset({AlertStatus.DISPATCHED, AlertStatus.RESOLVED}),
    AlertStatus.DISPATCHED: frozenset({AlertStatus.RESOLVED}),
    AlertStatus.RESOLVED: frozenset(),
}

OUTCOMES: tuple[str, ...] = (
    "violation_confirmed",
    "false_alarm",
    "technical_fault",
    "person_contacted",
    "person_detained",
    "other",
)
"""How an alert ends; ``violation_confirmed`` is what a probation officer reports to the court."""


class TransitionInvalid(ValueError):
    """A transition the workflow does not allow, or one missing what it needs (``field``)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


def check_transition(
    current: str,
    target: str,
    *,
    response_group: str | None = None,
    outcome: str | None = None,
) -> None:
    """Raise :class:`TransitionInvalid` unless ``current → target`` is allowed and complete:
    a dispatch names the response group, a resolution states one of :data:`OUTCOMES`."""
    try:
        source = AlertStatus(current)
    except ValueError as error:  # a corrupt row, not a user's mistake
        raise TransitionInvalid("status", f"unknown current status {current!r}") from error
    try:
        goal = AlertStatus(target)
    except ValueError as error:
        raise TransitionInvalid("to", f"one of {', '.join(ALERT_STATUSES[1:])}") from error
    if goal not in NEXT_STATUSES[source]:
        raise TransitionInvalid("status", f"an alert that is {source} cannot become {goal}")
    if goal is AlertStatus.DISPATCHED and not (response_group and response_group.strip()):
        raise TransitionInvalid("response_group", "name the response group sent")
    if goal is AlertStatus.RESOLVED and outcome not in OUTCOMES:
        raise TransitionInvalid("outcome", f"one of {', '.join(OUTCOMES)}")


def acknowledgement_deadline(raised_at: dt.datetime, minutes: int) -> dt.datetime:
    """When an alert raised at ``raised_at`` must be acknowledged: counted from the moment the center
    raised it (operators could not see it earlier), not from when the condition began."""
    return raised_at + dt.timedelta(minutes=minutes)


def is_overdue(status: str, deadline: dt.datetime, escalated: bool, now: dt.datetime) -> bool:
    """Whether an alert must be escalated now: still new, past its deadline, not yet escalated."""
    return status == AlertStatus.NEW and not escalated and deadline <= now
