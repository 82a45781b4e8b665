"""Registration of a visitor's current stay and re-registration after an address change, by date.

The rule version is the one in force on the day of entry (for an address change: on the day of the
change). Depending on the version (``rules/registration.yaml``) the duty is:

- ``registration`` (before 11 Jan 2020): the stay is registered within 5 calendar days of entry, if the
  stay lasts that long;
- ``host_notification`` (from 11 Jan 2020): the host notifies the police within 3 working days of
  each entry, whatever the length of the stay; a registration record or a host notification record
  dated within the stay satisfies it;
- ``self_registration`` (from 1 Jul 2026, 90-day regime states): the immigrant registers no later
  than the 30th calendar day after entry if the stay lasts, or may lawfully last, until then; the
  host's confirmation completes it (a record with ``confirmed: false`` does not count); an address
  change means registering again within 5 working days.

A deadline is the last day on which the duty is met in time. ``status``: ``ok`` (met in time),
``due`` (not met, deadline not passed), ``late`` (met late or deadline passed), ``not_required``.
When several duties apply, the block reports the most pressing one: a late duty first, then the
earliest pending one, else the first duty.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from qorgau.foreigners.domain.errors import InvalidInputError, RulesUnavailableError
from qorgau.foreigners.domain.facts import AddressChange, AssessmentRequest, Crossing, Status
from qorgau.foreigners.domain.rulebook import Rulebook
from qorgau.foreigners.domain.stay import Regime, StayAssessment, regime_for
from qorgau.kernel.law import Citation, Reason

OK, DUE, LATE, NOT_REQUIRED = "ok", "due", "late", "not_required"


@dataclass(frozen=True)
class Duty:
    """One registration duty: what, by whom, by when, and whether it was met."""

    kind: str  # registration | host_notification | self_registration | re_registration
    performed_by: str  # foreigner | host
    due: date
    status: str
    done_on: date | None
    rule_version: date
    record: str | None = None  # the input record that created the duty (address_changes[0])

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "performed_by": self.performed_by,
            "due": self.due.isoformat(),
            "status": self.status,
            "done_on": self.done_on.isoformat() if self.done_on else None,
            "rule_version": self.rule_version.isoformat(),
            "record": self.record,
        }


@dataclass(frozen=True)
class RegistrationAssessment:
    required: bool
    due: date | None
    status: str
    kind: str | None
    performed_by: str | None
    registered_on: date | None
    rule_version: date | None
    duties: tuple[Duty, ...]
    reasons: tuple[Reason, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "required": self.required,
            "due": self.due.isoformat() if self.due else None,
            "status": self.status,
            "kind": self.kind,
            "performed_by": self.performed_by,
            "registered_on": self.registered_on.isoformat() if self.registered_on else None,
            "rule_version": self.rule_version.isoformat() if self.rule_version else None,
            "duties": [duty.to_dict() for duty in self.duties],
            "reasons": [reason.to_dict() for reason in self.reasons],
        }


def assess_registration(
    request: AssessmentRequest, stay: StayAssessment, rulebook: Rulebook
) -> RegistrationAssessment:
    """The registration duties of the stay in progress on ``request.on`` (see the module docstring)."""
    texts = rulebook.texts
    status = request.person.status
    current = request.current_stay()
    if status is not Status.VISITOR:
        citation = _first_citation(rulebook, "visitor_registration_other", request.on)
        reason = Reason(
            "registration.scope",
            True,
            citation,
            texts.render("registration_not_for_status", status=texts[f"status_{status.value}"]),
        )
        return _not_required(reason)
    if current is None:
        citation = _first_citation(rulebook, "visitor_registration_other", request.on)
        return _not_required(
            Reason("registration.scope", True, citation, texts.render("registration_absent", date=request.on))
        )

    regime = regime_for(request.person, current.entry, rulebook, has_permits=bool(request.permits))
    suffix = "eaeu" if regime is Regime.EAEU else "other"
    try:
        rule = rulebook.value(rulebook.registration, f"visitor_registration_{suffix}", current.entry)
    except RulesUnavailableError as exc:
        raise InvalidInputError(
            current.record,
            f"entry {current.entry.isoformat()} is not covered by the registration rules ({exc})",
        ) from exc
    spec = rule.value
    reasons: list[Reason] = []
    duties: list[Duty] = []

    first_duty = _entry_duty(
        request, current, stay, rulebook, spec, rule.effective_from, rule.citation, reasons
    )
    if first_duty is not None:
        duties.append(first_duty)
    for change in request.address_changes:
        if change.day > request.on or not current.covers(change.day):
            continue
        duty = _reregistration_duty(request, change, suffix, rulebook, reasons)
        if duty is not None:
            duties.append(duty)

    if not duties:
        return RegistrationAssessment(
            False, None, NOT_REQUIRED, None, None, None, rule.effective_from, (), tuple(reasons)
        )
    headline = _headline(duties)
    return RegistrationAssessment(
        required=True,
        due=headline.due,
        status=headline.status,
        kind=headline.kind,
        performed_by=headline.performed_by,
        registered_on=duties[0].done_on,
        rule_version=duties[0].rule_version,
        duties=tuple(duties),
        reasons=tuple(reasons),
    )


def _entry_duty(
    request: AssessmentRequest,
    current: Crossing,
    stay: StayAssessment,
    rulebook: Rulebook,
    spec: dict[str, Any],
    version: date,
    citation: Citation,
    reasons: list[Reason],
) -> Duty | None:
    texts = rulebook.texts
    entry, on = current.entry, request.on
    if "working_days" in spec:
        days = int(spec["working_days"])
        due = rulebook.calendar.add_working_days(entry, days)
    else:
        days = int(spec["calendar_days"])
        due = entry + timedelta(days=days)
    duty_kind = str(spec["duty"])
    template = {
        "registration": "registration_calendar_days",
        "host_notification": "registration_host_notification",
        "self_registration": "registration_self",
    }[duty_kind]
    reasons.append(
        Reason(
            f"registration.{duty_kind}",
            True,
            citation,
            texts.render(template, days=days, due=due, entry=entry),
        )
    )

    # The person may still leave before the deadline: the duty applies only if the stay can
    # lawfully last until then (or nothing limits it).
    if (
        spec.get("applies") == "if_stay_reaches_due"
        and on < due
        and stay.last_lawful_day is not None
        and stay.last_lawful_day < due
    ):
        reasons.append(
            Reason(
                "registration.not_reached",
                True,
                citation,
                texts.render("registration_not_reached", due=due),
            )
        )
        return None

    candidates: list[date] = []
    for registration in request.registrations:
        if not (entry <= registration.day <= on):
            continue
        if spec.get("host_confirms") and registration.confirmed is False:
            reasons.append(
                Reason(
                    "registration.awaiting_host",
                    False,
                    citation,
                    texts.render("registration_awaiting_host", registered_on=registration.day),
                )
            )
            continue
        candidates.append(registration.day)
    if duty_kind == "host_notification":
        candidates += [n.day for n in request.host_notifications if entry <= n.day <= on]
    done_on = min(candidates, default=None)
    status = _status(done_on, due, on)
    reasons.append(
        _outcome_reason(rulebook, citation, f"registration.{duty_kind}_done", status, done_on, due)
    )
    return Duty(
        kind=duty_kind,
        performed_by=str(spec["performed_by"]),
        due=due,
        status=status,
        done_on=done_on,
        rule_version=version,
        record=current.record,
    )


def _reregistration_duty(
    request: AssessmentRequest, change: AddressChange, suffix: str, rulebook: Rulebook, reasons: list[Reason]
) -> Duty | None:
    texts = rulebook.texts
    record = f"address_changes[{change.index}]"
    try:
        rule = rulebook.value(rulebook.registration, f"address_change_reregistration_{suffix}", change.day)
    except RulesUnavailableError as exc:
        raise InvalidInputError(
            record, f"{change.day.isoformat()} is not covered by the registration rules ({exc})"
        ) from exc
    if rule.value is None:
        reasons.append(
            Reason(
                "registration.re_registration",
                True,
                rule.citation,
                texts.render("reregistration_not_modelled", change_date=change.day),
            )
        )
        return None
    days = int(rule.value["working_days"])
    due = rulebook.calendar.add_working_days(change.day, days)
    reasons.append(
        Reason(
            "registration.re_registration",
            True,
            rule.citation,
            texts.render("reregistration_due", change_date=change.day, days=days, due=due),
        )
    )
    done_on = min(
        (
            r.day
            for r in request.registrations
            if change.day <= r.day <= request.on
            and r.confirmed is not False
            and (change.address is None or r.address is None or r.address == change.address)
        ),
        default=None,
    )
    status = _status(done_on, due, request.on)
    reasons.append(
        _outcome_reason(rulebook, rule.citation, "registration.re_registration_done", status, done_on, due)
    )
    return Duty(
        kind="re_registration",
        performed_by="foreigner",
        due=due,
        status=status,
        done_on=done_on,
        rule_version=rule.effective_from,
        record=record,
    )


def _status(done_on: date | None, due: date, on: date) -> str:
    if done_on is not None:
        return OK if done_on <= due else LATE
    return DUE if on <= due else LATE


def _outcome_reason(
    rulebook: Rulebook, citation: Citation, rule: str, status: str, done_on: date | None, due: date
) -> Reason:
    if done_on is not None:
        key = "registration_on_time" if status == OK else "registration_late"
    else:
        key = "registration_pending" if status == DUE else "registration_missed"
    return Reason(
        rule, status in (OK, DUE), citation, rulebook.texts.render(key, registered_on=done_on, due=due)
    )


def _headline(duties: list[Duty]) -> Duty:
    late = [d for d in duties if d.status == LATE]
    if late:
        return min(late, key=lambda d: d.due)
    pending = [d for d in duties if d.status == DUE]
    if pending:
        return min(pending, key=lambda d: d.due)
    return duties[0]


def _not_required(reason: Reason) -> RegistrationAssessment:
    return RegistrationAssessment(False, None, NOT_REQUIRED, None, None, None, None, (), (reason,))


def _first_citation(rulebook: Rulebook, name: str, on: date) -> Citation:
    try:
        return rulebook.value(rulebook.registration, name, on).citation
    except RulesUnavailableError:
        return rulebook.registration[name].values[0].citation
