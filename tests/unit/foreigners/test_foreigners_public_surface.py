"""The module's public surface is explicit and stable: other modules import only these names."""

from __future__ import annotations

import qorgau.foreigners as foreigners

EXPECTED = {
    "Assessment",
    "ForeignersError",
    "InvalidInputError",
    "ParticipantRequirements",
    "PersonFacts",
    "RulesUnavailableError",
    "Status",
    "StatusItem",
    "StatusRights",
    "assess",
    "assess_json",
    "default_rulebook",
    "participant_requirements",
    "participant_requirements_for",
    "register",
    "rights_and_restrictions",
}


def test_all_lists_exactly_the_public_names() -> None:
    assert set(foreigners.__all__) == EXPECTED
    assert all(hasattr(foreigners, name) for name in foreigners.__all__)


def test_the_domain_imports_no_web_or_database_framework() -> None:
    import sys

    import qorgau.foreigners.domain.assessment  # noqa: F401 - loads the whole domain

    loaded = {name.split(".")[0] for name in sys.modules}
    domain_sources = [
        module.__file__ or ""
        for name, module in sys.modules.items()
        if name.startswith("qorgau.foreigners.domain") and getattr(module, "__file__", None)
    ]
    assert domain_sources
    for source in domain_sources:
        text = open(source, encoding="utf-8").read()  # noqa: SIM115 - tiny read in a test
        for framework in ("sqlalchemy", "fastapi", "starlette", "open("):
            assert framework not in text, (source, framework)
    assert "qorgau" in loaded
