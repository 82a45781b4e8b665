"""The dated law of the ``cases`` module, as data, and the scenarios that check the rules against it.

- ``provisions.yaml`` — per rule, the texts (ru/kk/en) of its reasons and the citation, by date;
- ``parameters.yaml`` — thresholds and time limits, by date;
- ``scenarios/*.yaml`` — input facts → expected decisions, run by
  :mod:`qorgau.kernel.law.scenarios` against :func:`assess_json`.

This module is the one place that reads those files; the domain receives the result as a
:class:`~qorgau.cases.domain.law.CasesLaw`.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from qorgau.cases.domain.assessment import assess_document
from qorgau.cases.domain.law import CasesLaw
from qorgau.kernel.law import load_parameters

RULES_DIR = Path(__file__).resolve().parent
SCENARIOS_DIR = RULES_DIR / "scenarios"


@cache
def load_law() -> CasesLaw:
    """The provisions and parameters shipped with Qorgau (read once per process)."""
    return CasesLaw(
        provisions=load_parameters(RULES_DIR / "provisions.yaml"),
        parameters=load_parameters(RULES_DIR / "parameters.yaml"),
    )


def assess_json(facts: dict[str, Any]) -> dict[str, Any]:
    """The scenario target: assessment input (JSON-like) → output, under the shipped law."""
    return assess_document(facts, load_law())


__all__ = ["RULES_DIR", "SCENARIOS_DIR", "assess_json", "load_law"]
