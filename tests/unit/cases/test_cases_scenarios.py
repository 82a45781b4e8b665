"""Runs every YAML scenario of the ``cases`` rules, and checks that each cites what it exercises.

Beyond the kernel runner's expectations, a scenario's ``cites`` must appear in the citation label of
at least one reason (or time limit) of its output, so a scenario cannot claim a provision its
decision never used.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from qorgau.cases.rules import SCENARIOS_DIR, assess_json
from qorgau.kernel.law.scenarios import _jsonable, load_scenarios, run_scenario, scenario_files

FILES = scenario_files(SCENARIOS_DIR)
CASES = [
    pytest.param(path, scenario, id=f"{path.stem}: {scenario['name']}")
    for path in FILES
    for scenario in load_scenarios(path)[1]
]


def cited_labels(output: Any) -> list[str]:
    """Every citation label in an assessment output."""
    labels = []
    for group in ("offences", "forms", "agreements"):
        for item in output.get(group, []):
            labels += [reason["citation"] for reason in item.get("reasons", [])]
            if item.get("time_limit"):
                labels.append(item["time_limit"]["citation"])
    return labels


def test_there_are_at_least_forty_scenarios_in_several_files() -> None:
    assert len(CASES) >= 40
    assert {path.stem for path in FILES} >= {"accelerated", "agreements", "combinations", "writ"}


@pytest.mark.parametrize(("path", "scenario"), CASES)
def test_scenario(path: Path, scenario: dict[str, Any]) -> None:
    function, _ = load_scenarios(path)
    result = run_scenario(function, scenario, file=path.name)
    assert result.ok, "\n".join(failure.describe() for failure in result.failures)
    if "error" in scenario["expect"]:
        return
    labels = cited_labels(assess_json(_jsonable(scenario["input"])))
    assert any(str(scenario["cites"]) in label for label in labels), (
        f"cites {scenario['cites']!r} is not among the output's citations: {sorted(set(labels))}"
    )
