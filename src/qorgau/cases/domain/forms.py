"""Forms of pre-trial proceedings and whether each is open to a case.

========================  ==============================================  =========================
form                      Russian / Kazakh term                           what decides it
========================  ==============================================  =========================
``investigation``         предварительное следствие / алдын ала тергеу    always open; mandatory for
                                                                          an MP, a Constitutional
                                                                          Court judge, the
                                                                          Prosecutor General
                                                                          (UPK RK arts. 547, 549, 551)
``inquiry``               дознание / анықтау                              categories (unverified)
``accelerated``           ускоренное досудебное расследование /           arts. 190–191 and the seed
                          жеделдетілген сотқа дейінгі тергеп-тексеру      article's prohibitions
``protocol``              протокольная форма / хаттамалық нысан           criminal misdemeanours
``writ``                  приказное производство / бұйрықтық іс жүргізу   art. 629-1; Supreme Court
                                                                          normative resolution No. 17
                                                                          of 29 Nov 2018
========================  ==============================================  =========================

Each rule looks at every offence and every suspect or accused: one offence or one person that
fails a condition closes the form. Each form's decision carries every reason, the conditions met
as well as the obstacles, with the citation of the provision and its ``verified`` flag.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from qorgau.cases.domain.categories import OffenceCategory
from qorgau.cases.domain.context import CaseContext, offences_label, persons_label
from qorgau.cases.domain.deadlines import Term
from qorgau.cases.domain.facts import IMMUNITY_TITLES, Immunity
from qorgau.kernel.law import Citation, Decision, LawError, LocalizedText, Reason


class ProceedingForm(StrEnum):
    INVESTIGATION = "investigation"
    INQUIRY = "inquiry"
    ACCELERATED = "accelerated"
    PROTOCOL = "protocol"
    WRIT = "writ"


FORM_TITLES: dict[ProceedingForm, LocalizedText] = {
    ProceedingForm.INVESTIGATION: LocalizedText(
        "предварительное следствие", "алдын ала тергеу", "preliminary investigation"
    ),
    ProceedingForm.INQUIRY: LocalizedText("дознание", "анықтау", "inquiry"),
    ProceedingForm.ACCELERATED: LocalizedText(
        "ускоренное досудебное расследование",
        "жеделдетілген сотқа дейінгі тергеп-тексеру",
        "accelerated pre-trial investigation",
    ),
    ProceedingForm.PROTOCOL: LocalizedText(
        "протокольная форма досудебного расследования",
        "сотқа дейінгі тергеп-тексерудің хаттамалық нысаны",
        "protocol form of pre-trial investigation",
    ),
    ProceedingForm.WRIT: LocalizedText("приказное производство", "бұйрықтық іс жүргізу", "writ proceedings"),
}

#: The time limit parameter of each form (``rules/parameters.yaml``).
TIME_LIMIT_PARAMETERS: dict[ProceedingForm, str] = {
    ProceedingForm.INVESTIGATION: "preliminary_investigation_time_limit",
    ProceedingForm.INQUIRY: "inquiry_time_limit",
    ProceedingForm.ACCELERATED: "accelerated_investigation_time_limit",
    ProceedingForm.PROTOCOL: "protocol_form_time_limit",
}
# Writ proceedings have no clock of their own here: they are a court procedure on a case
# investigated in another form, whose time limit runs.

#: Persons with whom a preliminary investigation is mandatory, and the provision that says so.
MANDATORY_INVESTIGATION_RULES: dict[Immunity, str] = {
    Immunity.MP: "preliminary_investigation_mandatory_mp",
    Immunity.CONSTITUTIONAL_COURT_JUDGE: "preliminary_investigation_mandatory_constitutional_court_judge",
    Immunity.PROSECUTOR_GENERAL: "preliminary_investigation_mandatory_prosecutor_general",
}


@dataclass(frozen=True)
class TimeLimit:
    """How long a form may take from registration, under which provision."""

    term: Term
    citation: Citation

    def to_dict(self) -> dict[str, Any]:
        return {
            "amount": self.term.amount,
            "unit": self.term.unit,
            "citation": self.citation.label(),
            "source": self.citation.source,
            "verified": self.citation.verified,
        }


@dataclass(frozen=True)
class FormAssessment:
    """Whether ``form`` is open to the case, and why. ``mandatory``: the law leaves no other form."""

    form: ProceedingForm
    decision: Decision
    mandatory: bool = False
    time_limit: TimeLimit | None = None

    @property
    def allowed(self) -> bool:
        return self.decision.allowed

    def to_dict(self) -> dict[str, Any]:
        return {
            "form": self.form.value,
            "allowed": self.allowed,
            "mandatory": self.mandatory,
            "reasons": [reason.to_dict() for reason in self.decision.reasons],
            "time_limit": self.time_limit.to_dict() if self.time_limit else None,
        }


def time_limit(case: CaseContext, form: ProceedingForm) -> TimeLimit | None:
    """The form's time limit in force on the assessment date, or None when none is encoded then."""
    name = TIME_LIMIT_PARAMETERS.get(form)
    if name is None:
        return None
    try:
        version = case.law.parameter(name, case.on)
    except LawError:
        return None
    return TimeLimit(Term.from_value(version.value), version.citation)


def assess_forms(case: CaseContext) -> list[FormAssessment]:
    """All five forms, in the order investigation, inquiry, accelerated, protocol, writ."""
    assessments = []
    for form, rules in _FORM_RULES.items():
        anchor = _ANCHOR_RULES[form]
        if not case.law.in_force(anchor, case.on):
            decision = Decision.from_reasons([case.law.not_in_force_reason(anchor, case.on)])
        else:
            decision = Decision.from_reasons(rules(case))
        mandatory = form is ProceedingForm.INVESTIGATION and any(
            person.immunity in MANDATORY_INVESTIGATION_RULES for person in case.prosecuted
        )
        assessments.append(FormAssessment(form, decision, mandatory, time_limit(case, form)))
    return assessments


def _mandatory_investigation(case: CaseContext, *, for_investigation: bool) -> list[Reason]:
    """Arts. 547, 549, 551: one reason per immunity that makes a preliminary investigation mandatory.

    For the investigation itself only the immunities present are listed (as met, "mandatory");
    for every other form each is listed, met when no suspect or accused has that immunity.
    """
    reasons = []
    for immunity, rule in MANDATORY_INVESTIGATION_RULES.items():
        holders = [person for person in case.prosecuted if person.immunity is immunity]
        persons, title = persons_label(holders), IMMUNITY_TITLES[immunity]
        if for_investigation:
            if holders:
                reasons.append(case.reason(rule, True, variant="mandatory", persons=persons, immunity=title))
        else:
            reasons.append(case.reason(rule, not holders, persons=persons, immunity=title))
    return reasons


def _investigation(case: CaseContext) -> list[Reason]:
    return [
        case.reason("preliminary_investigation_general_form", True),
        *_mandatory_investigation(case, for_investigation=True),
    ]


def _inquiry(case: CaseContext) -> list[Reason]:
    return [
        case.category_rule("inquiry_offence_category"),
        *_mandatory_investigation(case, for_investigation=False),
    ]


def _accelerated(case: CaseContext) -> list[Reason]:
    especially_grave = [o for o in case.offences if o.category is OffenceCategory.ESPECIALLY_GRAVE]
    reasons = [
        case.category_rule("accelerated_offence_category", set_aside=[OffenceCategory.ESPECIALLY_GRAVE]),
        case.reason(
            "accelerated_no_especially_grave",
            not especially_grave,
            offences=offences_label(especially_grave or case.offences),
        ),
        case.reason("accelerated_offence_and_offender_established", case.facts.offender_identified),
        case.every_prosecuted("accelerated_suspects_admit_guilt", lambda p: not p.admits_guilt),
    ]
    if case.prosecuted:
        reasons += [
            case.every_prosecuted(
                "accelerated_damage_and_qualification_not_disputed",
                lambda p: p.disputes_damage or p.disputes_qualification,
            ),
            case.every_prosecuted(
                "accelerated_minor_defends_himself",
                lambda p: p.is_minor and p.can_defend_himself_alone is not True,
            ),
            case.every_prosecuted(
                "accelerated_language_of_proceedings", lambda p: not p.speaks_language_of_proceedings
            ),
            case.every_prosecuted("accelerated_no_immunity", lambda p: p.immunity is not None),
        ]
    return reasons + _mandatory_investigation(case, for_investigation=False)


def _protocol(case: CaseContext) -> list[Reason]:
    return [
        case.category_rule("protocol_offence_category"),
        *_mandatory_investigation(case, for_investigation=False),
    ]


def _writ(case: CaseContext) -> list[Reason]:
    without_fine = [o for o in case.offences if o.offence.sanction_includes_fine is not True]
    unknown = [o for o in without_fine if o.offence.sanction_includes_fine is None]
    reasons = [
        case.category_rule("writ_offence_category"),
        case.reason("writ_offender_identified", case.facts.offender_identified),
        case.reason(
            "writ_sanction_includes_fine",
            not without_fine,
            variant=None if not without_fine or len(unknown) < len(without_fine) else "not_stated",
            offences=offences_label(without_fine or case.offences),
        ),
        case.every_prosecuted("writ_suspects_admit_guilt", lambda p: not p.admits_guilt),
    ]
    if case.prosecuted:
        reasons.append(case.every_prosecuted("writ_damage_not_disputed", lambda p: p.disputes_damage))
    return reasons + _mandatory_investigation(case, for_investigation=False)


_FORM_RULES = {
    ProceedingForm.INVESTIGATION: _investigation,
    ProceedingForm.INQUIRY: _inquiry,
    ProceedingForm.ACCELERATED: _accelerated,
    ProceedingForm.PROTOCOL: _protocol,
    ProceedingForm.WRIT: _writ,
}

#: The provision whose first version dates the form: before it the form does not exist.
_ANCHOR_RULES = {
    ProceedingForm.INVESTIGATION: "preliminary_investigation_general_form",
    ProceedingForm.INQUIRY: "inquiry_offence_category",
    ProceedingForm.ACCELERATED: "accelerated_offence_category",
    ProceedingForm.PROTOCOL: "protocol_offence_category",
    ProceedingForm.WRIT: "writ_offence_category",
}
