"""One call that answers the ``qorgau cases assess`` question: which forms and agreements are open.

>>> from qorgau.cases.rules import load_law
>>> result = assess_document(
...     {"date": "2026-11-25", "offences": [{"article": "188", "part": "1", "category": "minor"}],
...      "persons": [{"role": "suspect", "age": 34, "admits_guilt": True}], "offender_identified": True},
...     load_law(),
... )
>>> [(form["form"], form["allowed"]) for form in result["forms"]][:3]
[('investigation', True), ('inquiry', True), ('accelerated', True)]
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from qorgau.cases.domain.agreements import AgreementAssessment, AgreementKind, assess_agreements
from qorgau.cases.domain.context import CaseContext, ClassifiedOffence, classify_offence
from qorgau.cases.domain.errors import InvalidCaseInput
from qorgau.cases.domain.facts import CaseFacts, parse_case_facts
from qorgau.cases.domain.forms import FormAssessment, ProceedingForm, assess_forms
from qorgau.cases.domain.law import CasesLaw
from qorgau.kernel.law import LawError

#: The provision that dates the Criminal Procedure Code the rules encode.
PROCEDURE_CODE_ANCHOR = "preliminary_investigation_general_form"


@dataclass(frozen=True)
class Assessment:
    """The categories of the offences, the five forms and the three agreements, each with reasons."""

    facts: CaseFacts
    offences: tuple[ClassifiedOffence, ...]
    forms: tuple[FormAssessment, ...]
    agreements: tuple[AgreementAssessment, ...]

    def form(self, form: ProceedingForm | str) -> FormAssessment:
        wanted = ProceedingForm(form)
        return next(item for item in self.forms if item.form is wanted)

    def agreement(self, kind: AgreementKind | str) -> AgreementAssessment:
        wanted = AgreementKind(kind)
        return next(item for item in self.agreements if item.kind is wanted)

    def to_dict(self) -> dict[str, Any]:
        return {
            "date": self.facts.date.isoformat(),
            "offences": [offence.to_dict() for offence in self.offences],
            "forms": [form.to_dict() for form in self.forms],
            "agreements": [agreement.to_dict() for agreement in self.agreements],
        }


def assess(facts: CaseFacts, law: CasesLaw) -> Assessment:
    """Classify the offences and decide every form and agreement on ``facts.date``.

    Raises :class:`InvalidCaseInput` when the law has no version for the dates given.
    """
    if not law.in_force(PROCEDURE_CODE_ANCHOR, facts.date):
        since = law.provisions[PROCEDURE_CODE_ANCHOR].values[0].effective_from.isoformat()
        raise InvalidCaseInput(
            "date", f"the rules of criminal procedure are encoded from {since} (the 2014 Code)"
        )
    offences = tuple(
        classify_offence(offence, i, facts.date, law) for i, offence in enumerate(facts.offences)
    )
    case = CaseContext(facts, offences, law)
    try:
        forms = tuple(assess_forms(case))
        agreements = tuple(assess_agreements(case))
    except LawError as exc:
        # The encoded procedure law starts with the 2014 Code; an earlier date has nothing to apply.
        raise InvalidCaseInput(
            "date", f"no rules of criminal procedure are encoded for {facts.date}: {exc}"
        ) from None
    return Assessment(facts, offences, forms, agreements)


def assess_document(document: Mapping[str, Any], law: CasesLaw) -> dict[str, Any]:
    """Parse the JSON input, assess it, and return the JSON output (see :mod:`facts` for the input)."""
    return assess(parse_case_facts(document), law).to_dict()
