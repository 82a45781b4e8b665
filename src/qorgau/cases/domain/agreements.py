"""Procedural agreements (UPK RK arts. 612–626): who may make one, and the life of one once asked for.

Three kinds (art. 612 part 1):

- ``plea`` — the plea agreement (*сделка о признании вины* / *кінәні мойындау туралы келісім*):
  crimes of minor, medium gravity and grave crimes, the suspect agreeing with the suspicion; not
  where, of a set of crimes, one is especially grave or the person disagrees with one charge, nor
  where it would affect the rights of persons not party to the case (art. 613 part 2 p. 1);
- ``cooperation`` — the cooperation agreement (*соглашение о сотрудничестве* / *ынтымақтастық туралы
  келісім*): any category, for helping to uncover the crimes of a criminal group, especially grave
  crimes of others, extremist or terrorist crimes;
- ``asset_return`` — the agreement on admission of guilt and return of illegally acquired assets:
  minor, medium, grave crimes.

None with a person who acted insane or became mentally ill after the crime (art. 612 part 2).

The lifecycle (arts. 615, 623)::

    petition → prosecutor_review → negotiation → signed → in_court → accepted
                      │                 │   ▲                   │ → returned
                      └─→ refused ←─────┘   └── renegotiation ←─┘

The petition must reach the prosecutor with the case within 3 days (art. 615; the dated
parameter ``agreement_petition_forwarding_days``). The prosecutor may refuse at review or during
negotiation; the court accepts the agreement, returns the case to the prosecutor, or asks for a
new agreement (renegotiation, then negotiation again).

A prosecutor may also offer an agreement: the process then starts in ``negotiation``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum
from typing import Any

from qorgau.cases.domain.categories import OffenceCategory
from qorgau.cases.domain.context import CaseContext, offences_label, persons_label
from qorgau.cases.domain.errors import DeadlineError, IllegalAgreementTransition
from qorgau.cases.domain.law import CasesLaw
from qorgau.kernel.law import Decision, LawError, LocalizedText, Reason


class AgreementKind(StrEnum):
    PLEA = "plea"
    COOPERATION = "cooperation"
    ASSET_RETURN = "asset_return"


AGREEMENT_TITLES: dict[AgreementKind, LocalizedText] = {
    AgreementKind.PLEA: LocalizedText(
        "сделка о признании вины", "кінәні мойындау туралы келісім", "plea agreement"
    ),
    AgreementKind.COOPERATION: LocalizedText(
        "соглашение о сотрудничестве", "ынтымақтастық туралы келісім", "cooperation agreement"
    ),
    AgreementKind.ASSET_RETURN: LocalizedText(
        "соглашение о признании вины и возврате незаконно приобретённых активов",
        "кінәні мойындау және заңсыз иемденген активтерді қайтару туралы келісім",
        "agreement on admission of guilt and return of illegally acquired assets",
    ),
}

PURPOSE_TITLES = {
    "criminal_group": LocalizedText(
        "раскрытие преступлений преступной группы",
        "қылмыстық топтың қылмыстарын ашу",
        "uncovering a criminal group's crimes",
    ),
    "especially_grave_crimes_of_others": LocalizedText(
        "раскрытие особо тяжких преступлений других лиц",
        "басқа адамдардың аса ауыр қылмыстарын ашу",
        "uncovering especially grave crimes of others",
    ),
    "extremist_or_terrorist_crimes": LocalizedText(
        "раскрытие экстремистских и террористических преступлений",
        "экстремистік және террористік қылмыстарды ашу",
        "uncovering extremist and terrorist crimes",
    ),
}


@dataclass(frozen=True)
class AgreementAssessment:
    kind: AgreementKind
    decision: Decision

    @property
    def allowed(self) -> bool:
        return self.decision.allowed

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "allowed": self.allowed,
            "reasons": [reason.to_dict() for reason in self.decision.reasons],
        }


def assess_agreements(case: CaseContext) -> list[AgreementAssessment]:
    """The three kinds, in the order plea, cooperation, asset_return."""
    result = []
    for kind, (anchor, rules) in _AGREEMENT_RULES.items():
        if not case.law.in_force(anchor, case.on):
            reasons = [case.law.not_in_force_reason(anchor, case.on)]
        else:
            reasons = [_party(case), *rules(case)]
            if case.prosecuted:
                reasons.append(
                    case.every_prosecuted("procedural_agreement_not_mentally_ill", lambda p: p.mentally_ill)
                )
        result.append(AgreementAssessment(kind, Decision.from_reasons(reasons)))
    return result


def _party(case: CaseContext) -> Reason:
    """Art. 612 part 1: an agreement is made with a suspect or accused; one must be named."""
    return case.reason(
        "procedural_agreement_party", bool(case.prosecuted), persons=persons_label(case.prosecuted)
    )


def _plea(case: CaseContext) -> list[Reason]:
    several = len(case.offences) > 1
    set_aside = [OffenceCategory.ESPECIALLY_GRAVE] if several else []
    reasons = [case.category_rule("plea_offence_category", set_aside=set_aside)]
    if several:
        especially_grave = [o for o in case.offences if o.category is OffenceCategory.ESPECIALLY_GRAVE]
        reasons.append(
            case.reason(
                "plea_no_especially_grave_in_set",
                not especially_grave,
                offences=offences_label(especially_grave or case.offences),
            )
        )
    if case.prosecuted:
        reasons.append(case.every_prosecuted("plea_agrees_with_suspicion", lambda p: not p.admits_guilt))
        if several:
            disputed = sorted({i for p in case.prosecuted for i in p.disputed_offences})
            reasons.append(
                case.every_prosecuted(
                    "plea_agrees_with_every_charge",
                    lambda p: bool(p.disputed_offences),
                    offences=offences_label([case.offences[i] for i in disputed] or case.offences),
                )
            )
    reasons.append(case.reason("plea_rights_of_others_not_affected", not case.facts.affects_rights_of_others))
    return reasons


def _cooperation(case: CaseContext) -> list[Reason]:
    purpose = case.facts.cooperation_purpose
    return [
        case.category_rule("cooperation_offence_category"),
        case.reason(
            "cooperation_purpose",
            purpose is not None,
            purpose=PURPOSE_TITLES[purpose.value] if purpose else LocalizedText("—", "—", "—"),
        ),
    ]


def _asset_return(case: CaseContext) -> list[Reason]:
    reasons = [case.category_rule("asset_return_offence_category")]
    if case.prosecuted:
        reasons.append(case.every_prosecuted("asset_return_admits_guilt", lambda p: not p.admits_guilt))
    reasons.append(case.reason("asset_return_assets_identified", case.facts.illegally_acquired_assets))
    return reasons


_AGREEMENT_RULES = {
    AgreementKind.PLEA: ("plea_offence_category", _plea),
    AgreementKind.COOPERATION: ("cooperation_offence_category", _cooperation),
    AgreementKind.ASSET_RETURN: ("asset_return_offence_category", _asset_return),
}


class AgreementState(StrEnum):
    PETITION = "petition"
    PROSECUTOR_REVIEW = "prosecutor_review"
    NEGOTIATION = "negotiation"
    SIGNED = "signed"
    IN_COURT = "in_court"
    ACCEPTED = "accepted"
    RETURNED = "returned"
    RENEGOTIATION = "renegotiation"
    REFUSED = "refused"


#: Where each state may go. ``refused``: the prosecutor declines (art. 615); ``returned``: the court
#: returns the case to the prosecutor (art. 623); ``renegotiation``: the court asks for a new
#: agreement, which is negotiated again.
TRANSITIONS: dict[AgreementState, tuple[AgreementState, ...]] = {
    AgreementState.PETITION: (AgreementState.PROSECUTOR_REVIEW,),
    AgreementState.PROSECUTOR_REVIEW: (AgreementState.NEGOTIATION, AgreementState.REFUSED),
    AgreementState.NEGOTIATION: (AgreementState.SIGNED, AgreementState.REFUSED),
    AgreementState.SIGNED: (AgreementState.IN_COURT,),
    AgreementState.IN_COURT: (AgreementState.ACCEPTED, AgreementState.RETURNED, AgreementState.RENEGOTIATION),
    AgreementState.RENEGOTIATION: (AgreementState.NEGOTIATION,),
    AgreementState.ACCEPTED: (),
    AgreementState.RETURNED: (),
    AgreementState.REFUSED: (),
}

#: Art. 615: the petition goes to the prosecutor with the case within this many days (a dated
#: parameter, ``agreement_petition_forwarding_days``; this is its value since 2015).
DEFAULT_FORWARDING_DAYS = 3


@dataclass(frozen=True)
class AgreementStep:
    """One move of the process: into ``state`` at ``at``."""

    state: AgreementState
    at: dt.datetime
    note: str = ""


@dataclass(frozen=True)
class AgreementProcess:
    """The life of one procedural agreement, as an immutable value: each move returns a new one."""

    kind: AgreementKind
    history: tuple[AgreementStep, ...]
    forwarding_days: int = DEFAULT_FORWARDING_DAYS

    @classmethod
    def petition(
        cls,
        kind: AgreementKind,
        at: dt.datetime,
        *,
        forwarding_days: int = DEFAULT_FORWARDING_DAYS,
        note: str = "",
    ) -> AgreementProcess:
        """A suspect's or accused's petition (art. 615): the clock for forwarding it starts."""
        _aware(at)
        return cls(kind, (AgreementStep(AgreementState.PETITION, at, note),), forwarding_days)

    @classmethod
    def offered_by_prosecutor(
        cls, kind: AgreementKind, at: dt.datetime, *, note: str = ""
    ) -> AgreementProcess:
        """The prosecutor's offer (art. 615): negotiation starts at once."""
        _aware(at)
        return cls(kind, (AgreementStep(AgreementState.NEGOTIATION, at, note),))

    @property
    def state(self) -> AgreementState:
        return self.history[-1].state

    @property
    def is_final(self) -> bool:
        return not TRANSITIONS[self.state]

    def allowed_moves(self) -> tuple[AgreementState, ...]:
        return TRANSITIONS[self.state]

    def advance(self, to: AgreementState | str, at: dt.datetime, note: str = "") -> AgreementProcess:
        """Move to ``to`` at ``at``.

        Raises :class:`IllegalAgreementTransition` when the law does not lead from the current state
        to ``to``, and :class:`DeadlineError` when ``at`` is naive or earlier than the last move.
        """
        try:
            target = AgreementState(to)
        except ValueError:
            raise IllegalAgreementTransition(self.state.value, str(to), self._allowed_names()) from None
        if target not in TRANSITIONS[self.state]:
            raise IllegalAgreementTransition(self.state.value, target.value, self._allowed_names())
        _aware(at)
        if at < self.history[-1].at:
            raise DeadlineError(
                f"a move at {at.isoformat()} cannot precede the last one ({self.history[-1].at.isoformat()})"
            )
        return replace(self, history=(*self.history, AgreementStep(target, at, note)))

    @property
    def forwarding_due(self) -> dt.datetime | None:
        """When the petition must have reached the prosecutor; None if the prosecutor offered it."""
        first = self.history[0]
        if first.state is not AgreementState.PETITION:
            return None
        return first.at + dt.timedelta(days=self.forwarding_days)

    @property
    def forwarded_at(self) -> dt.datetime | None:
        for step in self.history:
            if step.state is AgreementState.PROSECUTOR_REVIEW:
                return step.at
        return None

    def forwarding_overdue(self, now: dt.datetime) -> bool:
        """True when the petition was forwarded late, or is still not forwarded after the limit."""
        due = self.forwarding_due
        if due is None:
            return False
        forwarded = self.forwarded_at
        return forwarded > due if forwarded is not None else now > due

    def _allowed_names(self) -> tuple[str, ...]:
        return tuple(state.value for state in TRANSITIONS[self.state])

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "state": self.state.value,
            "forwarding_due": self.forwarding_due.isoformat() if self.forwarding_due else None,
            "history": [
                {"state": s.state.value, "at": s.at.isoformat(), "note": s.note} for s in self.history
            ],
        }


def petition_forwarding_days(law: CasesLaw, on: date) -> int:
    """Art. 615: days within which a petition goes to the prosecutor, as in force on ``on``."""
    days = law.value("agreement_petition_forwarding_days", on)
    if isinstance(days, bool) or not isinstance(days, int):
        raise LawError(f"agreement_petition_forwarding_days must be a whole number of days, not {days!r}")
    return days


def _aware(moment: dt.datetime) -> None:
    if not isinstance(moment, dt.datetime) or moment.tzinfo is None or moment.utcoffset() is None:
        raise DeadlineError("an agreement's moves need date-times with a UTC offset")
