"""People registry through the HTTP API: validation, transliterated search, audited reads."""

from __future__ import annotations

from typing import Any

import pytest


def add(client: Any, headers: dict[str, str], **fields: Any) -> str:
    response = client.post("/api/v1/people", headers=headers, json=fields)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


@pytest.mark.parametrize(
    ("stored", "query"),
    [
        ("Олександр Шевченко", "Oleksandr"),
        ("Олександр Шевченко", "Aleksandr Shevchenko"),
        ("Григорій Коваленко", "Hryhorii"),
        ("Григорій Коваленко", "Grigorii Kovalenko"),
        ("Oleksandr Bondarenko", "Олександр"),
        ("Қайрат Сәрсенбаев", "Kairat"),
    ],
)
def test_person_stored_in_one_script_is_found_from_another(
    app_client: Any, staff: Any, stored: str, query: str
) -> None:
    headers = staff.headers("investigator")
    person_id = add(app_client, headers, name=stored)
    add(app_client, headers, name="Петро Іваненко")
    found = app_client.get("/api/v1/people", params={"query": query}, headers=headers).json()["people"]
    assert [p["id"] for p in found] == [person_id]


def test_unknown_field_is_refused_naming_the_field(app_client: Any, staff: Any) -> None:
    response = app_client.post(
        "/api/v1/people", headers=staff.headers("investigator"), json={"name": "Иван", "nickname": "x"}
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["field"] == "nickname"


def test_wrong_type_and_bad_code_are_refused_naming_the_field(app_client: Any, staff: Any) -> None:
    headers = staff.headers("investigator")
    wrong_type = app_client.post("/api/v1/people", headers=headers, json={"name": "Иван", "birth_date": 5})
    assert wrong_type.status_code == 422 and wrong_type.json()["field"] == "birth_date"
    bad_code = app_client.post(
        "/api/v1/people", headers=headers, json={"name": "Иван", "citizenships": ["QQ"]}
    )
    assert bad_code.status_code == 422 and bad_code.json()["field"] == "citizenships[0]"


def test_invalid_json_is_a_problem_document(app_client: Any, staff: Any) -> None:
    headers = staff.headers("investigator") | {"Content-Type": "application/json"}
    response = app_client.post("/api/v1/people", headers=headers, content=b"{not json")
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")


def test_reading_a_person_needs_purpose_and_basis_and_is_audited(app_client: Any, staff: Any) -> None:
    headers = staff.headers("investigator")
    person_id = add(app_client, headers, name="Юлія Мельник", citizenships=["UA"])
    refused = app_client.get(f"/api/v1/people/{person_id}", headers=headers)
    assert refused.status_code == 422 and refused.json()["field"] == "purpose"
    shown = app_client.get(
        f"/api/v1/people/{person_id}",
        params={"purpose": "identify the victim", "legal_basis": "case 261100031000123"},
        headers=headers,
    )
    assert shown.status_code == 200 and shown.json()["citizenships"] == ["UA"]
    audit = app_client.get("/api/v1/audit", params={"object_id": person_id}, headers=staff.headers("admin"))
    reads = [e for e in audit.json()["entries"] if e["action"] == "person.read"]
    assert reads and reads[0]["purpose"] == "identify the victim"
    assert reads[0]["legal_basis"] == "case 261100031000123" and reads[0]["actor"] == "investigator_user"


def test_missing_person_is_404_problem(app_client: Any, staff: Any) -> None:
    response = app_client.get(
        "/api/v1/people/nope",
        params={"purpose": "check", "legal_basis": "duty"},
        headers=staff.headers("investigator"),
    )
    assert response.status_code == 404
