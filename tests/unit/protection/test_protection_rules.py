"""The module's rules and data files: complete, cited, in three languages, with their sources."""

from __future__ import annotations

import doctest
import importlib
from pathlib import Path

import pytest
import yaml

import qorgau.protection
from qorgau.kernel.law import load_parameters
from qorgau.kernel.law.scenarios import run_file, scenario_files
from qorgau.protection.eurostat import DATA_DIR
from qorgau.protection.rules import DURATIONS_FILE, RULES_DIR, load_keys, load_rights


def test_every_right_has_articles_three_languages_and_a_directive_citation() -> None:
    rights = load_rights()
    assert len(rights) == 11
    for right in rights:
        assert right.citation.code == "Directive 2001/55/EC"
        assert right.citation.article in right.articles
        assert all(right.text.get(language) for language in ("ru", "kk", "en"))
        assert right.text.ru != right.text.en and right.text.kk != right.text.ru


def test_rights_cover_the_articles_of_the_directive_named_in_the_facts() -> None:
    articles = {article for right in load_rights() for article in right.articles}
    assert {
        "8",
        "9",
        "10",
        "12",
        "13",
        "14",
        "15",
        "16",
        "17",
        "18",
        "19",
        "24",
        "25",
        "26",
        "28",
    } <= articles


def test_directive_durations_load_as_dated_parameters() -> None:
    parameters = load_parameters(DURATIONS_FILE)
    on = parameters.at("automatic_extension_months", qorgau.protection.activation("2022/382").started)
    assert on.value == 6
    assert on.citation.label() == "Directive 2001/55/EC art. 4 part 1 (version 2001-08-07)"


def test_both_keys_are_defined_with_weights_adding_up_to_one_and_citations() -> None:
    keys = load_keys()
    assert set(keys) == {"relocation2015", "reference50"}
    for key in keys.values():
        weights = key.weights
        assert (
            weights.population + weights.gdp + weights.past_asylum_effort + weights.unemployment
            == pytest.approx(1)
        )
        assert key.citations


def test_every_shipped_data_file_has_its_source_and_vintage() -> None:
    sources = yaml.safe_load((DATA_DIR / "sources.yaml").read_text(encoding="utf-8"))
    shipped = {path.name for path in DATA_DIR.iterdir() if path.suffix in (".tsv", ".csv", ".json")}
    assert shipped == set(sources)
    for entry in sources.values():
        assert entry["vintage"] and entry["source"]


def test_public_surface_is_explicit_and_importable() -> None:
    for name in qorgau.protection.__all__:
        assert hasattr(qorgau.protection, name), name
    assert sorted(qorgau.protection.__all__) == sorted(set(qorgau.protection.__all__))


@pytest.mark.parametrize(
    "module",
    [
        "qorgau.protection.domain.observations",
        "qorgau.protection.domain.statistics",
        "qorgau.protection.domain.temporary_protection",
        "qorgau.protection.domain.burden_sharing",
    ],
)
def test_docstring_examples_run(module: str) -> None:
    result = doctest.testmod(importlib.import_module(module))
    assert result.failed == 0
    assert result.attempted > 0


def test_domain_does_no_input_or_output() -> None:
    domain = Path(qorgau.protection.__file__).parent / "domain"
    for source in domain.glob("*.py"):
        text = source.read_text(encoding="utf-8")
        for forbidden in ("open(", "read_text", "Path(", "sqlalchemy", "fastapi", "import yaml"):
            assert forbidden not in text, f"{source.name} uses {forbidden}"


def test_temporary_protection_scenarios_hold() -> None:
    files = scenario_files(RULES_DIR / "scenarios")
    assert files
    results = [result for path in files for result in run_file(path)]
    assert len(results) >= 9
    failures = [failure.describe() for result in results for failure in result.failures]
    assert not failures, "\n".join(failures)
