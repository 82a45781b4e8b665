"""Stay limits: days of stay in a rolling window, overstay, and the last lawful day.

How days are counted (the reading a migration officer applies):

- The days of entry and exit both count as days of stay; a same-day exit and re-entry count once.
- Each stay is judged by the limits in force on its day of entry (the 27 January 2023 limits applied
  to those who entered from that day).
- A day covered by a document (visa, temporary or permanent residence permit) is lawful on the
  document's terms and is not counted against the visa-free limit. Days after a document expired,
  in the same stay, are a violation: the visa-free regime covers a stay begun without a document,
  not one that outlives its document.
- Visa-free limits: ``per_stay`` days from entry, and ``window_limit`` days in *any* rolling window
  of ``window_days`` days. A day is a violation when, counting that day, a limit is exceeded in the
  stay or in the window ending on that day. ``overstay`` is true when any day of stay up to the
  assessment date is a violation (the maximum over the windows ending on each day, not only the
  window ending on the date).
- ``days_in_window`` counts the days counted against the visa-free limit in the ``window_days``
  window ending on the assessment date (180 when the rules in force set no window).
- ``last_lawful_day``: for a person present on the date, the last day of the current stay the person
  may still be in the country without breaking any limit, assuming continued presence from the
  date on; ``None`` when the person is not present, when nothing limits the stay (status, open-ended
  permit), or when even the day of entry broke a limit (a reason says which).
- ``first_unlawful_day``: the first day of the current stay that breaks a limit under the same
  assumption (``last_lawful_day`` + 1, or the day of entry when no day was lawful); ``None`` when the
  person is not present or nothing limits the stay. ``overstaying`` is true when that day has come
  (the person is in the country past the last lawful day). For a given stay this day does not depend
  on the assessment date (see :mod:`~qorgau.foreigners.domain.stay_index`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from qorgau.foreigners.domain.errors import InvalidInputError, RulesUnavailableError
from qorgau.foreigners.domain.facts import AssessmentRequest, Crossing, Permit, PersonFacts, Status
from qorgau.foreigners.domain.rulebook import Rulebook
from qorgau.kernel.law import Citation, LocalizedText, Reason

DEFAULT_WINDOW_DAYS = 180
# How far past the assessment date continued presence is simulated to find the last lawful day:
# beyond the last document end, any visa-free limit is exhausted within this many days.
_SIMULATION_MARGIN_DAYS = 400


class Regime(StrEnum):
    """Which stay rules apply to a stay."""

    EAEU = "eaeu"  # citizens of EAEU member states: 90 days in any 180 (from 27 Jan 2023)
    OTHER = "other"  # other visa-free foreigners: 30 days per stay and 90 in any 180
    NONE = "none"  # no visa-free regime (a stateless person): every day needs a document
    STATUS = "status"  # lawful by status (citizen, refugee, asylum seeker) or permit dates not given


@dataclass(frozen=True)
class StayLimits:
    per_stay: int | None
    window_limit: int | None
    window_days: int | None

    @classmethod
    def from_value(cls, value: Any) -> StayLimits:
        return cls(
            per_stay=value.get("per_stay"),
            window_limit=value.get("window_limit"),
            window_days=value.get("window_days"),
        )


NO_LIMITS = StayLimits(None, None, None)


@dataclass(frozen=True)
class Violation:
    day: date
    rule: str  # per_stay | window | after_document_expired | no_visa_free_regime


@dataclass(frozen=True)
class StayAssessment:
    """The stay block of an assessment (see the module docstring for every definition)."""

    on: date
    present: bool
    regime: Regime
    days_in_window: int
    days_present_in_window: int
    window_days: int
    limit: int | None
    per_stay_limit: int | None
    overstay: bool
    overstay_days: int
    first_overstay_day: date | None
    last_lawful_day: date | None
    current_stay: Crossing | None
    rule_version: date | None
    reasons: tuple[Reason, ...]
    first_unlawful_day: date | None = None

    @property
    def overstaying(self) -> bool:
        """Present on the date and past the current stay's last lawful day."""
        return self.present and self.first_unlawful_day is not None and self.first_unlawful_day <= self.on

    def to_dict(self) -> dict[str, Any]:
        current = None
        if self.current_stay is not None:
            current = {
                "entry": self.current_stay.entry.isoformat(),
                "days": (self.on - self.current_stay.entry).days + 1,
                "record": self.current_stay.record,
            }
        return {
            "days_in_window": self.days_in_window,
            "limit": self.limit,
            "window_days": self.window_days,
            "per_stay_limit": self.per_stay_limit,
            "overstay": self.overstay,
            "last_lawful_day": _iso(self.last_lawful_day),
            "present": self.present,
            "current_stay": current,
            "days_present_in_window": self.days_present_in_window,
            "overstay_days": self.overstay_days,
            "first_overstay_day": _iso(self.first_overstay_day),
            "first_unlawful_day": _iso(self.first_unlawful_day),
            "overstaying": self.overstaying,
            "regime": self.regime.value,
            "rule_version": _iso(self.rule_version),
            "reasons": [reason.to_dict() for reason in self.reasons],
        }


def assess_stay(request: AssessmentRequest, rulebook: Rulebook) -> StayAssessment:
    """Judge every day of stay up to ``request.on`` and find the current stay's last lawful day."""
    return _StayJudge(request, rulebook).run()


def regime_for(person: PersonFacts, entry: date, rulebook: Rulebook, *, has_permits: bool) -> Regime:
    """The regime of a stay that began on ``entry``: status, documents only, EAEU or other visa-free."""
    if person.status in (Status.CITIZEN, Status.REFUGEE, Status.ASYLUM_SEEKER):
        return Regime.STATUS
    if (
        person.status in (Status.TEMPORARY_RESIDENT, Status.PERMANENT_RESIDENT, Status.STATELESS)
        and not has_permits
    ):
        return Regime.STATUS
    if not person.citizenships:
        return Regime.NONE
    members = rulebook.value(rulebook.stay, "eaeu_member_states", entry).value
    return Regime.EAEU if any(code in members for code in person.citizenships) else Regime.OTHER


class _StayJudge:
    """One run of the day-by-day judgement; kept as a class only to share the many intermediate arrays."""

    def __init__(self, request: AssessmentRequest, rulebook: Rulebook) -> None:
        self.request = request
        self.rulebook = rulebook
        self.on = request.on
        self.person = request.person
        self.permits: Sequence[Permit] = request.permits
        self.stays = [c for c in request.crossings if c.entry <= self.on]
        self.current = request.current_stay()
        self.texts = rulebook.texts

    def run(self) -> StayAssessment:
        regimes, limits, versions = self._rules_per_stay()
        origin = self.stays[0].entry if self.stays else self.on
        horizon = self.on
        if self.current is not None:
            finite_ends = [p.valid_until for p in self.permits if p.valid_until is not None]
            horizon = max([self.on, *finite_ends]) + timedelta(days=_SIMULATION_MARGIN_DAYS)
        length = (horizon - origin).days + 1

        stay_of = [-1] * length
        for position, stay in enumerate(self.stays):
            last = horizon if stay is self.current else stay.last_day(self.on)
            for offset in range((stay.entry - origin).days, (last - origin).days + 1):
                stay_of[offset] = position

        counted_prefix = [0] * (length + 1)
        present_prefix = [0] * (length + 1)
        per_stay_count = [0] * len(self.stays)
        document_seen = [False] * len(self.stays)
        violations: list[Violation] = []
        max_window_count = 0
        for offset in range(length):
            position = stay_of[offset]
            present = position >= 0
            day = origin + timedelta(days=offset)
            regime = regimes[position] if present else Regime.STATUS
            covered = present and regime is not Regime.STATUS and any(p.covers(day) for p in self.permits)
            counted = present and regime is not Regime.STATUS and not covered
            counted_prefix[offset + 1] = counted_prefix[offset] + int(counted)
            present_prefix[offset + 1] = present_prefix[offset] + int(present)
            if covered:
                document_seen[position] = True
            if not counted:
                continue
            if regime is Regime.NONE:
                violations.append(Violation(day, "no_visa_free_regime"))
                continue
            if document_seen[position]:
                violations.append(Violation(day, "after_document_expired"))
                continue
            per_stay_count[position] += 1
            stay_limits = limits[position]
            if stay_limits.per_stay is not None and per_stay_count[position] > stay_limits.per_stay:
                violations.append(Violation(day, "per_stay"))
            if stay_limits.window_limit is not None and stay_limits.window_days is not None:
                start = max(0, offset + 1 - stay_limits.window_days)
                window_count = counted_prefix[offset + 1] - counted_prefix[start]
                if day <= self.on:
                    max_window_count = max(max_window_count, window_count)
                if window_count > stay_limits.window_limit:
                    violations.append(Violation(day, "window"))

        report_position = self.stays.index(self.current) if self.current is not None else None
        if report_position is not None:
            report_regime, report_limits = regimes[report_position], limits[report_position]
            report_version = versions[report_position]
        else:
            report_regime, report_limits, report_version = self._rules_for_new_entry()
        window_days = report_limits.window_days or DEFAULT_WINDOW_DAYS
        on_offset = (self.on - origin).days
        window_start = max(0, on_offset + 1 - window_days)
        days_in_window = counted_prefix[on_offset + 1] - counted_prefix[window_start]
        days_present = present_prefix[on_offset + 1] - present_prefix[window_start]

        past = [v for v in violations if v.day <= self.on]
        last_lawful_day, no_lawful_day, first_unlawful_day = None, False, None
        if self.current is not None:
            ahead = [v for v in violations if v.day >= self.current.entry]
            if ahead:
                first = first_unlawful_day = ahead[0].day
                if first == self.current.entry:
                    no_lawful_day = True
                else:
                    last_lawful_day = first - timedelta(days=1)

        reasons = self._reasons(
            report_regime=report_regime,
            report_limits=report_limits,
            report_version=report_version,
            window_days=window_days,
            days_in_window=days_in_window,
            days_present=days_present,
            max_window_count=max_window_count,
            past=past,
            last_lawful_day=last_lawful_day,
            no_lawful_day=no_lawful_day,
        )
        return StayAssessment(
            on=self.on,
            present=self.current is not None,
            regime=report_regime,
            days_in_window=days_in_window,
            days_present_in_window=days_present,
            window_days=window_days,
            limit=report_limits.window_limit,
            per_stay_limit=report_limits.per_stay,
            overstay=bool(past),
            overstay_days=len({v.day for v in past}),
            first_overstay_day=past[0].day if past else None,
            last_lawful_day=last_lawful_day,
            current_stay=self.current,
            rule_version=report_version,
            reasons=tuple(reasons),
            first_unlawful_day=first_unlawful_day,
        )

    # ------------------------------------------------------------------------------------- rules

    def _rules_per_stay(self) -> tuple[list[Regime], list[StayLimits], list[date | None]]:
        regimes, limits, versions = [], [], []
        for stay in self.stays:
            try:
                regime = regime_for(self.person, stay.entry, self.rulebook, has_permits=bool(self.permits))
                stay_limits, version = self._limits(regime, stay.entry)
            except RulesUnavailableError as exc:
                raise InvalidInputError(
                    stay.record, f"entry {stay.entry.isoformat()} is not covered by the stay rules ({exc})"
                ) from exc
            regimes.append(regime)
            limits.append(stay_limits)
            versions.append(version)
        return regimes, limits, versions

    def _rules_for_new_entry(self) -> tuple[Regime, StayLimits, date | None]:
        """What a stay beginning on the assessment date would face (reported for an absent person)."""
        regime = regime_for(self.person, self.on, self.rulebook, has_permits=bool(self.permits))
        stay_limits, version = self._limits(regime, self.on)
        return regime, stay_limits, version

    def _limits(self, regime: Regime, entry: date) -> tuple[StayLimits, date | None]:
        if regime not in (Regime.EAEU, Regime.OTHER):
            return NO_LIMITS, None
        version = self.rulebook.value(self.rulebook.stay, "visa_free_stay", entry)
        return StayLimits.from_value(version.value[regime.value]), version.effective_from

    # ----------------------------------------------------------------------------------- reasons

    def _reasons(
        self,
        *,
        report_regime: Regime,
        report_limits: StayLimits,
        report_version: date | None,
        window_days: int,
        days_in_window: int,
        days_present: int,
        max_window_count: int,
        past: list[Violation],
        last_lawful_day: date | None,
        no_lawful_day: bool,
    ) -> list[Reason]:
        texts = self.texts
        stay_citation = self._stay_citation(report_version)
        reasons = [
            Reason(
                "stay.days_counted",
                True,
                stay_citation,
                texts.render(
                    "stay_days_counted",
                    window=window_days,
                    date=self.on,
                    days=days_present,
                    counted=days_in_window,
                ),
            )
        ]
        first_by_rule: dict[str, date] = {}
        for violation in past:
            first_by_rule.setdefault(violation.rule, violation.day)
        regime_name = self._regime_name(report_regime)
        if report_regime is Regime.STATUS:
            reasons.append(self._status_reason())
        if report_limits.window_limit is not None:
            exceeded = "window" in first_by_rule
            reasons.append(
                Reason(
                    "stay.window_limit",
                    not exceeded,
                    stay_citation,
                    texts.render(
                        "stay_window_exceeded" if exceeded else "stay_window_ok",
                        regime=regime_name,
                        limit=report_limits.window_limit,
                        window=report_limits.window_days,
                        max_days=max_window_count,
                        first_day=first_by_rule.get("window"),
                    ),
                )
            )
        if report_limits.per_stay is not None:
            exceeded = "per_stay" in first_by_rule
            reasons.append(
                Reason(
                    "stay.per_stay_limit",
                    not exceeded,
                    stay_citation,
                    texts.render(
                        "stay_per_stay_exceeded" if exceeded else "stay_per_stay_ok",
                        regime=regime_name,
                        limit=report_limits.per_stay,
                        first_day=first_by_rule.get("per_stay"),
                    ),
                )
            )
        document_citation = self._act_citation("act_law_477", stay_citation)
        for permit in self._relevant_permits():
            reasons.append(
                Reason(
                    "stay.document",
                    True,
                    document_citation,
                    texts.render(
                        "stay_covered_by_document",
                        kind=texts[f"document_{permit.kind.value}"],
                        valid_from=permit.valid_from,
                        valid_until=permit.valid_until or texts["open_ended"],
                    ),
                )
            )
        if "after_document_expired" in first_by_rule:
            reasons.append(
                Reason(
                    "stay.after_document_expired",
                    False,
                    document_citation,
                    texts.render(
                        "stay_after_document_expired", first_day=first_by_rule["after_document_expired"]
                    ),
                )
            )
        if "no_visa_free_regime" in first_by_rule:
            reasons.append(
                Reason(
                    "stay.no_visa_free_regime",
                    False,
                    document_citation,
                    texts.render("stay_no_visa_free_regime", first_day=first_by_rule["no_visa_free_regime"]),
                )
            )
        if self.current is None:
            reasons.append(
                Reason("stay.absent", True, stay_citation, texts.render("stay_absent", date=self.on))
            )
        elif no_lawful_day:
            reasons.append(
                Reason(
                    "stay.last_lawful_day",
                    False,
                    stay_citation,
                    texts.render("stay_no_lawful_day", entry=self.current.entry),
                )
            )
        elif last_lawful_day is None:
            reasons.append(
                Reason(
                    "stay.last_lawful_day",
                    True,
                    stay_citation,
                    texts.render("stay_no_limit", entry=self.current.entry, date=self.on),
                )
            )
        else:
            reasons.append(
                Reason(
                    "stay.last_lawful_day",
                    last_lawful_day >= self.on,
                    stay_citation,
                    texts.render("stay_last_lawful_day", entry=self.current.entry, day=last_lawful_day),
                )
            )
        return reasons

    def _status_reason(self) -> Reason:
        status = self.person.status
        status_name = self.texts[f"status_{status.value}"]
        if status in (Status.REFUGEE, Status.ASYLUM_SEEKER):
            citation = self._act_citation("act_law_216", None)
            return Reason(
                "stay.lawful_by_status",
                True,
                citation,
                self.texts.render("stay_lawful_by_status", status=status_name),
            )
        if status is Status.CITIZEN:
            citation = self._act_citation("citizen_rights", None)
            return Reason(
                "stay.lawful_by_status",
                True,
                citation,
                self.texts.render("stay_lawful_by_status", status=status_name),
            )
        citation = self._act_citation("act_law_477", None)
        return Reason(
            "stay.permit_dates_unknown",
            True,
            citation,
            self.texts.render("stay_permit_dates_unknown", status=status_name),
        )

    def _relevant_permits(self) -> list[Permit]:
        """Documents covering any day of stay up to the date, or the current stay."""
        relevant = []
        for permit in self.permits:
            for stay in self.stays:
                last = self.on if stay is self.current else stay.last_day(self.on)
                end = permit.valid_until or last
                if permit.valid_from <= last and end >= stay.entry:
                    relevant.append(permit)
                    break
        return relevant

    def _regime_name(self, regime: Regime) -> LocalizedText:
        if regime is Regime.EAEU:
            return self.texts["regime_eaeu"]
        return self.texts["regime_other"]

    def _stay_citation(self, version: date | None) -> Citation:
        return self.rulebook.value(
            self.rulebook.stay, "visa_free_stay", version or self._clamp(self.on)
        ).citation

    def _clamp(self, day: date) -> date:
        first = self.rulebook.stay["visa_free_stay"].values[0].effective_from
        return max(day, first)

    def _act_citation(self, name: str, fallback: Citation | None) -> Citation:
        try:
            return self.rulebook.value(self.rulebook.rights, name, self.on).citation
        except RulesUnavailableError:
            if fallback is not None:
                return fallback
            return self.rulebook.rights[name].values[0].citation


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None
