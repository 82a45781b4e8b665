"""Input of the assessment: strict parsing with errors naming the field; category derivation."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qorgau.cases.domain.assessment import assess_document
from qorgau.cases.domain.categories import (
    CategoryThresholds,
    Intent,
    OffenceCategory,
    Sanction,
    derive_category,
)
from qorgau.cases.domain.errors import InvalidCaseInput
from qorgau.cases.domain.facts import parse_case_facts
from qorgau.cases.rules import load_law

CONTRACT_INPUT: dict[str, Any] = {
    "date": "2026-11-25",
    "offences": [{"article": "188", "part": "1", "category": "minor"}],
    "persons": [
        {
            "role": "suspect",
            "age": 34,
            "has_defender": True,
            "speaks_language_of_proceedings": True,
            "immunity": None,
            "admits_guilt": True,
            "disputes_damage": False,
            "mentally_ill": False,
        }
    ],
    "offender_identified": True,
}
CODE_2014 = CategoryThresholds(True, Decimal(2), Decimal(5), Decimal(12), Decimal(5))
CODE_1997 = CategoryThresholds(False, Decimal(2), Decimal(5), Decimal(12), Decimal(5))


def with_change(path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    document = copy.deepcopy(CONTRACT_INPUT)
    target = document
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return document


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("offences", 0, "category"), "big", "offences[0].category: unknown value 'big'"),
        (("persons", 0, "role"), "judge", "persons[0].role: unknown value 'judge'"),
        (("persons", 0, "immunity"), "king", "persons[0].immunity: unknown value 'king'"),
        (("date",), "25.11.2026", "date: '25.11.2026' is not a date in the form YYYY-MM-DD"),
        (("date",), "20261125", "date: '20261125' is not a date"),
        (("date",), "2026-02-30", "date: '2026-02-30' is not a valid calendar date"),
        (("offences",), [], "offences: at least one offence is required"),
        (("persons", 0, "age"), None, "persons[0].age: required for a suspect"),
        (("persons", 0, "age"), "34", "persons[0].age: '34' is not an age"),
        (("persons", 0, "admits_guilt"), "yes", "persons[0].admits_guilt: 'yes' is not true or false"),
        (("persons", 0, "admit_guilt"), True, "persons[0].admit_guilt: unknown field"),
        (("offences", 0, "article"), "one", "offences[0].article: 'one' is not an article"),
        (("persons", 0, "disputed_offences"), [3], "persons[0].disputed_offences: expected a list"),
        (("offender_identified",), "true", "offender_identified: 'true' is not true or false"),
    ],
)
def test_bad_input_names_the_field(path: tuple[Any, ...], value: Any, message: str) -> None:
    with pytest.raises(InvalidCaseInput) as caught:
        parse_case_facts(with_change(path, value))
    assert str(caught.value).startswith(message)


def test_missing_date_and_offences_are_named() -> None:
    with pytest.raises(InvalidCaseInput, match=r"^date: required"):
        parse_case_facts({"offences": []})
    with pytest.raises(InvalidCaseInput, match=r"^offences: required"):
        parse_case_facts({"date": "2026-11-25"})


def test_an_offence_needs_a_category_or_a_sanction_to_derive_it_from() -> None:
    with pytest.raises(InvalidCaseInput, match=r"^offences\[0\]\.category: required, unless"):
        parse_case_facts(with_change(("offences", 0), {"article": "188"}))
    with pytest.raises(InvalidCaseInput, match=r"^offences\[0\]\.max_imprisonment_years: required"):
        parse_case_facts(with_change(("offences", 0), {"article": "188", "intent": "intentional"}))


def test_the_contract_example_parses_and_registration_fields_are_let_through() -> None:
    facts = parse_case_facts({**CONTRACT_INPUT, "region": "31", "reason": "statement"})
    assert facts.prosecuted[0].admits_guilt
    assert facts.offences[0].category is OffenceCategory.MINOR


def test_a_misdemeanour_before_2015_is_refused_because_the_1997_code_had_none() -> None:
    document = with_change(
        ("offences", 0), {"article": "188", "category": "misdemeanour", "committed_on": "2014-06-01"}
    )
    with pytest.raises(
        InvalidCaseInput, match=r"^offences\[0\]\.category: criminal misdemeanours exist only since"
    ):
        assess_document(document, load_law())


def test_assessment_before_the_2014_procedure_code_is_refused_naming_the_date() -> None:
    with pytest.raises(
        InvalidCaseInput, match=r"^date: the rules of criminal procedure are encoded from 2015-01-01"
    ):
        assess_document(with_change(("date",), "2014-12-31"), load_law())


@pytest.mark.parametrize(
    ("intent", "years", "category"),
    [
        ("intentional", 2, "minor"),
        ("intentional", "2.5", "medium"),
        ("intentional", 5, "medium"),
        ("intentional", 12, "grave"),
        ("intentional", 15, "especially_grave"),
        ("negligent", 5, "minor"),
        ("negligent", 7, "medium"),
        ("negligent", 15, "medium"),
        ("intentional", 0, "misdemeanour"),
    ],
)
def test_category_is_derived_from_the_sanction_with_the_2014_thresholds(
    intent: str, years: Any, category: str
) -> None:
    document = with_change(
        ("offences", 0), {"article": "188", "intent": intent, "max_imprisonment_years": years}
    )
    result = assess_document(document, load_law())
    assert result["offences"][0]["category"] == category
    assert result["offences"][0]["category_source"] == "derived"
    assert result["offences"][0]["reasons"][0]["citation"].startswith("CC RK art. 11")


def test_the_1997_code_applies_to_an_offence_committed_before_2015() -> None:
    offence = {
        "article": "175",
        "intent": "intentional",
        "max_imprisonment_years": 0,
        "committed_on": "2013-05-01",
    }
    result = assess_document(with_change(("offences", 0), offence), load_law())
    assert result["offences"][0]["category"] == "minor"  # no misdemeanours in the 1997 Code
    assert result["offences"][0]["reasons"][0]["citation"].startswith("CC RK 1997 art. 10")
    assert result["offences"][0]["reasons"][0]["verified"] is True


def test_restriction_of_liberty_or_life_imprisonment_moves_the_category() -> None:
    no_prison = Sanction(Intent.INTENTIONAL, Decimal(0), restriction_of_liberty=True)
    assert derive_category(no_prison, CODE_2014) is OffenceCategory.MINOR
    life = Sanction(Intent.INTENTIONAL, Decimal(10), life_imprisonment=True)
    assert derive_category(life, CODE_2014) is OffenceCategory.ESPECIALLY_GRAVE


ORDER = list(OffenceCategory)


@given(
    st.sampled_from(list(Intent)),
    st.decimals(0, 30, places=1),
    st.decimals(0, 30, places=1),
    st.sampled_from([CODE_1997, CODE_2014]),
)
def test_a_heavier_sanction_never_gives_a_lighter_category(
    intent: Intent, first: Decimal, second: Decimal, code: CategoryThresholds
) -> None:
    lighter, heavier = sorted([first, second])
    assert ORDER.index(derive_category(Sanction(intent, lighter), code)) <= ORDER.index(
        derive_category(Sanction(intent, heavier), code)
    )


@given(st.decimals(0, 30, places=1))
def test_a_negligent_crime_is_never_grave(years: Decimal) -> None:
    category = derive_category(Sanction(Intent.NEGLIGENT, years), CODE_2014)
    assert category in {OffenceCategory.MISDEMEANOUR, OffenceCategory.MINOR, OffenceCategory.MEDIUM}
