"""Every YAML scenario of the foreigners rules must hold; a failure prints the lawyer-readable description."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from qorgau.foreigners.rules import RULES_DIRECTORY, SCENARIOS_DIRECTORY
from qorgau.kernel.law.scenarios import load_scenarios, run_file, scenario_files

SCENARIO_FILES = scenario_files(SCENARIOS_DIRECTORY)


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=lambda p: p.name)
def test_scenario_file_holds(path: Path) -> None:
    failures = [failure for result in run_file(path) for failure in result.failures]
    assert not failures, "\n\n".join(failure.describe() for failure in failures)


def test_there_are_at_least_thirty_scenarios_each_citing_its_source() -> None:
    scenarios = [scenario for path in SCENARIO_FILES for scenario in load_scenarios(path)[1]]
    assert len(scenarios) >= 30
    assert all(str(scenario["cites"]).strip() for scenario in scenarios)


def test_every_change_of_the_rules_by_date_has_a_scenario() -> None:
    text = "\n".join(path.read_text(encoding="utf-8") for path in SCENARIO_FILES)
    for effective in ("2012-01-21", "2020-01-11", "2023-01-27", "2026-07-01"):
        assert effective in text, f"no scenario exercises the rules version of {effective}"


class _DuplicateKeyLoader(yaml.SafeLoader):
    """PyYAML silently keeps the last of two equal keys; an ``expect`` written twice would test nothing."""


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen = set()
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            continue
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise AssertionError(f"duplicate key {key!r} at line {key_node.start_mark.line + 1}")
        seen.add(key)
    return yaml.SafeLoader.construct_mapping(loader, node, deep)


_DuplicateKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


@pytest.mark.parametrize("path", sorted(RULES_DIRECTORY.rglob("*.yaml")), ids=lambda p: p.name)
def test_rules_files_have_no_duplicate_keys(path: Path) -> None:
    yaml.load(path.read_text(encoding="utf-8"), Loader=_DuplicateKeyLoader)
