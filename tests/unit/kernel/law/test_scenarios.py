"""The YAML scenario runner: paths, matchers and readable failures."""

from __future__ import annotations

from pathlib import Path

import pytest

from qorgau.kernel.law.model import LawError
from qorgau.kernel.law.scenarios import resolve, run_file


def adult_rule(facts: dict) -> dict:
    """A toy rule for the runner's own tests: adults may sign."""
    allowed = facts["age"] >= 18
    return {
        "forms": [{"form": "sign", "allowed": allowed, "reasons": [{"rule": "age"}]}],
        "score": facts["age"] / 3,
    }


SCENARIOS = """
target: tests.unit.kernel.law.test_scenarios:adult_rule
scenarios:
  - name: an adult may sign
    cites: Civil Code art. 17
    input: {age: 30}
    expect:
      "forms[form=sign].allowed": true
      "forms[*].reasons[*].rule": {contains: [age]}
      score: {approx: 10.0}
  - name: a minor may not sign (this expectation is wrong on purpose)
    cites: Civil Code art. 17
    input: {age: 12}
    expect:
      "forms[form=sign].allowed": true
"""


def test_runner_passes_right_and_reports_wrong_expectations(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(SCENARIOS, encoding="utf-8")
    first, second = run_file(path)
    assert first.ok
    assert not second.ok
    failure = second.failures[0]
    assert failure.path == "forms[form=sign].allowed" and failure.actual is False
    assert "a minor may not sign" in failure.describe()


def test_scenario_without_citation_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(
        "target: tests.unit.kernel.law.test_scenarios:adult_rule\n"
        "scenarios: [{name: x, input: {age: 1}, expect: {}}]\n",
        encoding="utf-8",
    )
    with pytest.raises(LawError, match="cites"):
        run_file(path)


def test_resolve_walks_keys_indexes_and_selectors() -> None:
    document = {"a": [{"k": "x", "v": 1}, {"k": "y", "v": 2}]}
    assert resolve(document, "a[1].v") == 2
    assert resolve(document, "a[k=y].v") == 2
    assert resolve(document, "a[*].v") == [1, 2]
    with pytest.raises(LookupError):
        resolve(document, "a[k=z].v")
