"""Rights, restrictions and duties: every item cited, dated and written in three languages."""

from __future__ import annotations

from datetime import date

import pytest

from qorgau.foreigners.domain.errors import InvalidInputError
from qorgau.foreigners.domain.facts import Status
from qorgau.foreigners.domain.status_rights import rights_and_restrictions
from qorgau.foreigners.rules import default_rulebook

RULEBOOK = default_rulebook()
DATES = [date(2019, 5, 1), date(2023, 6, 1), date(2026, 6, 30), date(2026, 7, 1)]


@pytest.mark.parametrize("status", list(Status))
@pytest.mark.parametrize("on", DATES, ids=str)
def test_every_status_has_cited_items_in_three_distinct_languages(status: Status, on: date) -> None:
    result = rights_and_restrictions(status, on, rulebook=RULEBOOK)
    items = [*result.rights, *result.restrictions, *result.duties]
    assert result.rights and result.duties
    for item in items:
        assert item.citation.code
        texts = item.text.to_dict()
        assert all(texts.values()) and len(set(texts.values())) == 3, item.id
        # Kazakh text uses Kazakh letters somewhere, not a copy of the Russian
        assert any(letter in texts["kk"] for letter in "әғқңөұүһі"), item.id
        payload = item.to_dict()
        assert set(payload) >= {"id", "citation", "verified", "text"}


def test_every_citation_of_the_2026_constitution_is_marked_unverified() -> None:
    for status in Status:
        result = rights_and_restrictions(status, date(2026, 7, 1), rulebook=RULEBOOK)
        for item in [*result.rights, *result.restrictions, *result.duties]:
            for citation in (item.citation, *item.basis):
                if citation.code == "Constitution RK 2026":
                    assert citation.verified is False


def test_no_item_cites_the_1995_constitution_from_1_july_2026() -> None:
    for status in Status:
        result = rights_and_restrictions(status, date(2026, 7, 1), rulebook=RULEBOOK)
        for item in [*result.rights, *result.restrictions, *result.duties]:
            assert all(c.code != "Constitution RK 1995" for c in (item.citation, *item.basis)), item.id


def test_foreign_statuses_carry_the_constitutional_clause_and_citizens_do_not() -> None:
    visitor = rights_and_restrictions("visitor", date(2025, 1, 1), rulebook=RULEBOOK)
    assert all(item.basis for item in visitor.rights if item.id != "equal_rights_clause")
    citizen = rights_and_restrictions("citizen", date(2025, 1, 1), rulebook=RULEBOOK)
    assert all(not item.basis for item in citizen.rights)


def test_every_item_names_only_known_statuses() -> None:
    known = {s.value for s in Status}
    for name, parameter in RULEBOOK.rights.parameters.items():
        for value in parameter.values:
            spec = value.value
            if isinstance(spec, dict) and "kind" in spec:
                assert set(spec["statuses"]) <= known, name
                assert spec["kind"] in {"right", "restriction", "duty"}, name


def test_an_unknown_status_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="status: unknown status 'alien'"):
        rights_and_restrictions("alien", date(2025, 1, 1), rulebook=RULEBOOK)


def test_before_the_constitution_of_1995_only_treaty_rights_are_listed() -> None:
    result = rights_and_restrictions("visitor", date(1995, 1, 1), rulebook=RULEBOOK)
    assert [item.id for item in result.rights] == ["consular_access"]  # Vienna Convention, acceded 1994
    assert not result.restrictions and not result.duties
