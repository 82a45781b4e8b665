"""Registrations with the Temporary Protection Platform fields, decisions, review items, status rights."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qorgau.protection.domain.errors import DecisionInvalid, RegistrationInvalid, ReviewInvalid
from qorgau.protection.domain.registration import (
    PROTECTION_STATUSES,
    age_on,
    agreeing_fields,
    allowed_outcomes,
    check_clusters,
    check_decision,
    check_registration,
    check_review_decision,
    protection_status,
    status_after,
)
from qorgau.protection.rules import load_status_rights, status_rights

ACTIVATIONS = {"2022/382": date(2022, 3, 4)}
TODAY = date(2024, 6, 1)


def registration(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "kind": "temporary_protection",
        "activation": "2022/382",
        "surname": "Шевченко",
        "given_names": "Олександр",
        "birth_date": "1988-03-14",
        "nationality": "UA",
        "registering_state": "PL",
        "registration_date": "2022-03-20",
    }
    data.update(changes)
    return data


def check(**changes: Any) -> Any:
    return check_registration(registration(**changes), activations=ACTIVATIONS, today=TODAY)


def refused_field(**changes: Any) -> str:
    with pytest.raises(RegistrationInvalid) as caught:
        check(**changes)
    return caught.value.field


def test_latin_names_are_written_from_the_original_script_when_not_given() -> None:
    record = check()
    assert (record.surname_latin, record.given_names_latin) == ("Shevchenko", "Oleksandr")
    assert check(surname_latin="Schewtschenko").surname_latin == "Schewtschenko"


def test_earlier_names_and_aliases_are_kept_once_each_from_a_list_or_semicolons() -> None:
    record = check(earlier_names="Шевчук; Шевчук ;Shevchuk", aliases=["Sasha", "Sasha"])
    assert record.earlier_names == ("Шевчук", "Shevchuk")
    assert record.aliases == ("Sasha",)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"kind": "refuge"}, "kind"),
        ({"surname": "  "}, "surname"),
        ({"surname_latin": "Шевченко"}, "surname_latin"),
        ({"birth_date": "14.03.1988"}, "birth_date"),
        ({"birth_date": "2022-03-21"}, "birth_date"),
        ({"registration_date": "2024-06-02"}, "registration_date"),
        ({"registration_date": "2022-03-01"}, "registration_date"),
        ({"registering_state": "GR"}, "registering_state"),
        ({"registering_state": "KZ"}, "registering_state"),
        ({"nationality": "XY"}, "nationality"),
        ({"nationality": None, "nationality_type": "citizen"}, "nationality"),
        ({"nationality_type": "stateless"}, "nationality"),
        ({"sex": "W"}, "sex"),
        ({"activation": None}, "activation"),
        ({"activation": "2030/1"}, "activation"),
        ({"kind": "asylum_application"}, "activation"),
        ({"document": {"kind": "passport"}}, "document.number"),
        ({"document": {"kind": "visa", "number": "FX1"}}, "document.kind"),
        (
            {
                "document": {
                    "kind": "passport",
                    "number": "FX1",
                    "issued_on": "2020-01-02",
                    "expires_on": "2020-01-01",
                }
            },
            "document.expires_on",
        ),
    ],
)
def test_a_bad_field_is_refused_naming_it(changes: dict[str, Any], field: str) -> None:
    assert refused_field(**changes) == field


def test_greece_registers_under_the_eurostat_code_el() -> None:
    assert check(registering_state="el").registering_state == "EL"


def test_a_stateless_applicant_names_no_nationality() -> None:
    record = check(kind="asylum_application", activation=None, nationality=None, nationality_type="stateless")
    assert (record.nationality, record.nationality_type) == (None, "stateless")


def test_minor_fields_apply_to_minors_only() -> None:
    child = check(birth_date="2015-09-01", accompanying_adult_id="reg-1", relation_to_adult="parent")
    assert child.relation_to_adult == "parent" and not child.unaccompanied
    assert check(birth_date="2007-05-05", unaccompanied=True).unaccompanied
    assert refused_field(unaccompanied=True) == "unaccompanied"  # born 1988: an adult
    assert refused_field(birth_date="2015-09-01", accompanying_adult_id="reg-1") == "relation_to_adult"
    assert (
        refused_field(birth_date="2015-09-01", unaccompanied="on", relation_to_adult="parent")
        == "unaccompanied"
    )


def test_the_eighteenth_birthday_on_the_registration_day_makes_an_adult() -> None:
    assert refused_field(birth_date="2004-03-20", unaccompanied=True) == "unaccompanied"
    assert check(birth_date="2004-03-21", unaccompanied=True).unaccompanied


@given(st.dates(date(1900, 1, 1), date(2030, 12, 31)), st.integers(0, 40_000))
def test_age_grows_by_one_on_each_birthday(birth: date, days: int) -> None:
    day = birth + timedelta(days=days)
    age = age_on(birth, day)
    assert age >= 0
    anniversary = _anniversary(birth, age)
    assert anniversary <= day < _anniversary(birth, age + 1)


def _anniversary(birth: date, years: int) -> date:
    try:
        return birth.replace(year=birth.year + years)
    except ValueError:  # 29 February in a common year: the birthday is reached on 1 March
        return date(birth.year + years, 3, 1)


# --- decisions ---------------------------------------------------------------------------------------


def test_temporary_protection_is_granted_then_ended_and_nothing_follows() -> None:
    assert allowed_outcomes("temporary_protection", "registered") == ("granted", "excluded")
    assert status_after("temporary_protection", "registered", "granted") == "granted"
    assert allowed_outcomes("temporary_protection", "granted") == ("ended",)
    assert allowed_outcomes("temporary_protection", "ended") == ()
    with pytest.raises(DecisionInvalid):
        status_after("temporary_protection", "excluded", "granted")
    with pytest.raises(DecisionInvalid):
        status_after("asylum_application", "rejected", "refugee_status")


def decide(status: str = "registered", **changes: Any) -> Any:
    data = {
        "outcome": "granted",
        "decided_on": "2022-03-21",
        "legal_basis": "Decision (EU) 2022/382 art. 2(1)",
    }
    data.update(changes)
    return check_decision("temporary_protection", status, date(2022, 3, 20), data, today=TODAY)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"outcome": "refugee_status"}, "outcome"),
        ({"decided_on": "2022-03-19"}, "decided_on"),
        ({"decided_on": "2024-06-02"}, "decided_on"),
        ({"legal_basis": " "}, "legal_basis"),
        ({"outcome": "excluded"}, "reasons"),
    ],
)
def test_a_decision_states_its_basis_and_date_and_an_exclusion_its_reasons(
    changes: dict[str, Any], field: str
) -> None:
    with pytest.raises(DecisionInvalid) as caught:
        decide(**changes)
    assert caught.value.field == field


def test_a_decision_on_a_final_status_is_refused() -> None:
    with pytest.raises(DecisionInvalid) as caught:
        decide(status="excluded")
    assert caught.value.field == "outcome"
    assert decide(outcome="excluded", reasons="art. 28(1)(a)").reasons == "art. 28(1)(a)"


# --- rights of each status -----------------------------------------------------------------------------


def test_every_status_of_a_registration_has_its_rights_in_three_languages() -> None:
    statuses = load_status_rights()
    assert set(PROTECTION_STATUSES.values()) <= set(statuses)
    for rights in statuses.values():
        assert all(rights.title.get(language) for language in ("ru", "kk", "en"))
        for right in rights.rights:
            assert right.articles and all(right.text.get(language) for language in ("ru", "kk", "en"))


def test_a_beneficiary_holds_the_residence_permit_and_an_excluded_person_may_challenge() -> None:
    beneficiary = status_rights(protection_status("temporary_protection", "granted"))
    assert {right.identifier for right in beneficiary.rights} >= {
        "residence_permit",
        "employment_and_training",
    }
    assert ["8"] in [list(right.articles) for right in beneficiary.rights]
    excluded = status_rights(protection_status("temporary_protection", "excluded"))
    assert {"28", "29"} <= {article for right in excluded.rights for article in right.articles}


def test_an_asylum_status_names_no_directive_rights_and_says_where_they_come_from() -> None:
    refugee = status_rights(protection_status("asylum_application", "refugee_status"))
    assert refugee.rights == ()
    assert refugee.note is not None and "2011/95/EU" in refugee.note.en


# --- duplicate review ---------------------------------------------------------------------------------


def test_the_dedupe_document_becomes_clusters_with_sorted_ids() -> None:
    document = {
        "clusters": [
            {
                "ids": ["r9", "r2"],
                "probability": 0.97,
                "agreements": {"surname": "transliteration", "sex": "missing"},
            }
        ],
        "pairs": 1,
    }
    [cluster] = check_clusters(document)
    assert cluster.ids == ("r2", "r9") and cluster.probability == 0.97
    assert cluster.agreeing_fields() == ["surname"]


@pytest.mark.parametrize(
    ("document", "field"),
    [
        ([], "clusters"),
        ({"clusters": {}}, "clusters"),
        ({"clusters": [{"ids": ["a"], "probability": 0.9}]}, "clusters[0].ids"),
        ({"clusters": [{"ids": ["a", "a"], "probability": 0.9}]}, "clusters[0].ids[1]"),
        ({"clusters": [{"ids": ["a", "b c"], "probability": 0.9}]}, "clusters[0].ids[1]"),
        ({"clusters": [{"ids": ["a", "b"], "probability": 1.5}]}, "clusters[0].probability"),
        ({"clusters": [{"ids": ["a", "b"], "probability": True}]}, "clusters[0].probability"),
        (
            {"clusters": [{"ids": ["a", "b"], "probability": 0.9, "agreements": ["x"]}]},
            "clusters[0].agreements",
        ),
    ],
)
def test_a_malformed_dedupe_document_is_refused_naming_the_field(document: Any, field: str) -> None:
    with pytest.raises(ReviewInvalid) as caught:
        check_clusters(document)
    assert caught.value.field == field


@given(st.lists(st.text("abcdef0123456789", min_size=1, max_size=8), min_size=2, max_size=6, unique=True))
def test_the_order_of_ids_in_a_cluster_does_not_matter(ids: list[str]) -> None:
    forward = check_clusters({"clusters": [{"ids": ids, "probability": 0.5}]})
    backward = check_clusters({"clusters": [{"ids": list(reversed(ids)), "probability": 0.5}]})
    assert forward[0].ids == backward[0].ids == tuple(sorted(ids))


def test_only_a_pending_item_is_confirmed_or_rejected() -> None:
    assert check_review_decision("pending", "confirmed") == "confirmed"
    with pytest.raises(ReviewInvalid):
        check_review_decision("pending", "maybe")
    with pytest.raises(ReviewInvalid):
        check_review_decision("rejected", "confirmed")


def test_missing_and_different_fields_do_not_agree() -> None:
    labels = {
        "birth_date": "day_month_swapped",
        "document": "different",
        "sex": "missing",
        "registration": "other_state",
    }
    assert agreeing_fields(labels) == ["birth_date"]


def test_a_registering_states_own_id_uses_the_alphabet_the_review_queue_accepts() -> None:
    from qorgau.protection.domain.registration import check_registration_id

    assert check_registration_id(" PL-2022:000123 ") == "PL-2022:000123"
    assert check_registration_id("") is None
    with pytest.raises(RegistrationInvalid) as caught:
        check_registration_id("PL 2022/1")
    assert caught.value.field == "id"
