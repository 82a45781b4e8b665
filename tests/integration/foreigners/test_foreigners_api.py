"""The foreigners API with each role: records, timeline, assessment, worklists, import."""

from __future__ import annotations

from typing import Any

import pytest

ON = "2026-11-25"
READ = {"purpose": "stay control", "legal_basis": "Law No. 477-IV"}
API = "/api/v1/foreigners"


def add_person(client: Any, staff: Any, name: str, citizenships: list[str], **fields: Any) -> str:
    response = client.post(
        "/api/v1/people",
        headers=staff.headers("migration_officer"),
        json={"name": name, "birth_date": "1985-09-09", "citizenships": citizenships, **fields},
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def post(client: Any, staff: Any, path: str, body: dict[str, Any], role: str = "migration_officer") -> Any:
    return client.post(f"{API}{path}", headers=staff.headers(role), json=body)


def test_the_migration_officer_records_a_stay_and_sees_the_overstay(app_client: Any, staff: Any) -> None:
    ivanov = add_person(app_client, staff, "Дмитрий Иванов", ["RU"], languages=["ru"])
    first = post(
        app_client, staff, f"/people/{ivanov}/crossings", {"entry": "2026-06-01", "exit": "2026-07-20"}
    )
    assert first.status_code == 201 and first.json()["last_lawful_day"] == "2026-08-29"
    second = post(
        app_client,
        staff,
        f"/people/{ivanov}/crossings",
        {"entry": "2026-09-10", "entry_border_point": "Khorgos"},
    )
    assert second.status_code == 201 and second.json()["last_lawful_day"] == "2026-10-19"
    registration = post(
        app_client,
        staff,
        f"/people/{ivanov}/registrations",
        {"date": "2026-09-25", "address": "Almaty, Abay 52"},
    )
    assert registration.status_code == 201

    overstays = app_client.get(
        f"{API}/overstays", params={"date": ON}, headers=staff.headers("migration_officer")
    )
    assert overstays.status_code == 200
    assert [
        (o["person_id"], o["last_lawful_day"], o["days_over"]) for o in overstays.json()["overstays"]
    ] == [(ivanov, "2026-10-19", 37)]
    assessment = app_client.get(
        f"{API}/people/{ivanov}/assessment", params={"date": ON, **READ}, headers=staff.headers("judge")
    )
    assert assessment.status_code == 200
    document = assessment.json()
    assert document["stay"]["days_in_window"] == 127 and document["stay"]["overstaying"] is True
    assert document["registration"]["status"] == "ok"
    assert all(set(item["text"]) == {"ru", "kk", "en"} for item in document["rights"])


def test_a_rejected_record_is_a_problem_document_naming_the_field(app_client: Any, staff: Any) -> None:
    ivanov = add_person(app_client, staff, "Дмитрий Иванов", ["RU"])
    post(app_client, staff, f"/people/{ivanov}/crossings", {"entry": "2026-06-01", "exit": "2026-07-20"})
    overlap = post(
        app_client, staff, f"/people/{ivanov}/crossings", {"entry": "2026-07-01", "exit": "2026-07-10"}
    )
    assert overlap.status_code == 422
    assert overlap.headers["content-type"].startswith("application/problem+json")
    assert overlap.json()["field"] == "entry" and "overlaps" in overlap.json()["detail"]
    backwards = post(
        app_client, staff, f"/people/{ivanov}/crossings", {"entry": "2026-09-10", "exit": "2026-09-01"}
    )
    assert backwards.status_code == 422 and backwards.json()["field"] == "exit"
    status = post(
        app_client, staff, f"/people/{ivanov}/statuses", {"status": "tourist", "valid_from": "2026-01-01"}
    )
    assert status.status_code == 422 and status.json()["field"] == "status"
    unknown = post(app_client, staff, "/people/00000000-0000-0000-0000-000000000000/crossings", {"entry": ON})
    assert unknown.status_code == 404


@pytest.mark.parametrize("role", ["investigator", "prosecutor", "judge"])
def test_case_roles_read_a_timeline_under_a_stated_basis_but_do_not_write(
    app_client: Any, staff: Any, role: str
) -> None:
    yilmaz = add_person(app_client, staff, "Mehmet Yılmaz", ["TR"])
    post(app_client, staff, f"/people/{yilmaz}/crossings", {"entry": "2026-10-01"})
    headers = staff.headers(role)
    refused = app_client.get(f"{API}/people/{yilmaz}/timeline", headers=headers)
    assert refused.status_code == 422 and refused.json()["field"] == "purpose"
    shown = app_client.get(
        f"{API}/people/{yilmaz}/timeline",
        headers=headers | {"X-Purpose": "suspect's stay", "X-Legal-Basis": "case 261100031000123"},
    )
    assert shown.status_code == 200 and shown.json()["crossings"][0]["entry"] == "2026-10-01"
    assert (
        post(app_client, staff, f"/people/{yilmaz}/crossings", {"entry": "2025-01-01"}, role).status_code
        == 403
    )
    assert app_client.get(f"{API}/overstays", headers=headers).status_code == 403
    audit = app_client.get(
        "/api/v1/audit", params={"object_id": yilmaz}, headers=staff.headers("admin")
    ).json()
    reads = [e for e in audit["entries"] if e["action"] == "foreigners.timeline.read"]
    assert reads and reads[0]["legal_basis"] == "case 261100031000123" and reads[0]["actor"] == f"{role}_user"


@pytest.mark.parametrize("role", ["operator", "analyst", "defender", "probation_officer"])
def test_other_roles_get_no_foreign_stay_records(app_client: Any, staff: Any, role: str) -> None:
    person = add_person(app_client, staff, "Li Wei", ["CN"])
    response = app_client.get(f"{API}/people/{person}/timeline", params=READ, headers=staff.headers(role))
    assert response.status_code == 403 and response.json()["permission"] == "foreigners.records.read"


def test_due_today_and_participant_requirements(app_client: Any, staff: Any) -> None:
    asanov = add_person(app_client, staff, "Бакыт Асанов", ["KG"], languages=["ky", "ru"])
    post(app_client, staff, f"/people/{asanov}/crossings", {"entry": "2026-10-26"})
    due = app_client.get(f"{API}/due-today", params={"date": ON}, headers=staff.headers("migration_officer"))
    assert [(d["person_id"], d["kind"], d["status"]) for d in due.json()["due"]] == [
        (asanov, "self_registration", "due")
    ]
    needs = app_client.get(
        f"{API}/people/{asanov}/participant-requirements",
        params={"language": "kk", "detained": "true", "date": ON, **READ},
        headers=staff.headers("investigator"),
    )
    assert needs.status_code == 200
    assert needs.json()["interpreter_needed"] is True and needs.json()["consular_notification"]["states"] == [
        "KG"
    ]


def test_rights_of_a_status_on_a_date(app_client: Any, staff: Any) -> None:
    before = app_client.get(
        f"{API}/rights/visitor", params={"date": "2026-06-30"}, headers=staff.headers("judge")
    )
    after = app_client.get(
        f"{API}/rights/visitor", params={"date": "2026-07-01"}, headers=staff.headers("judge")
    )
    assert before.status_code == after.status_code == 200
    citations = lambda r: {i["citation"] for i in r.json()["rights"]}  # noqa: E731
    assert citations(before) != citations(after)  # the Constitution of 2026 from 1 July 2026
    unknown = app_client.get(f"{API}/rights/tourist", headers=staff.headers("judge"))
    assert unknown.status_code == 422 and "unknown status" in unknown.json()["detail"]


CSV_WITH_A_BAD_ROW = (
    "name,birth_date,citizenship,entry,exit,entry_border_point\n"
    "Дмитрий Иванов,1985-09-09,RU,2026-06-01,2026-07-20,Khorgos\n"
    "Dmitrii Ivanov,1985-09-09,RU,2026-09-10,,Almaty airport\n"
    "Бакыт Асанов,1990-12-05,KG,2026-07-20,2026-07-01,Korday\n"
    "Mehmet Yılmaz,1983-07-27,QQ,2026-10-01,,Almaty airport\n"
)


def test_import_with_bad_rows_imports_nothing_unless_asked(app_client: Any, staff: Any) -> None:
    headers = staff.headers("migration_officer")
    files = {"file": ("crossings.csv", CSV_WITH_A_BAD_ROW.encode(), "text/csv")}
    refused = app_client.post(f"{API}/imports/crossings", headers=headers, files=files)
    assert refused.status_code == 422
    assert [(e["line"], e["field"]) for e in refused.json()["errors"]] == [(4, "exit"), (5, "citizenship")]
    assert app_client.get("/api/v1/people", headers=headers).json()["people"] == []

    imported = app_client.post(
        f"{API}/imports/crossings", params={"skip_bad": "true"}, headers=headers, files=files
    )
    assert imported.status_code == 200
    report = imported.json()
    assert (report["imported"], report["people_created"], report["committed"]) == (2, 1, True)
    assert [bad["line"] for bad in report["bad_rows"]] == [4, 5]
    overstays = app_client.get(f"{API}/overstays", params={"date": ON}, headers=headers).json()["overstays"]
    assert [o["last_lawful_day"] for o in overstays] == ["2026-10-19"]

    again = app_client.post(
        f"{API}/imports/crossings", params={"skip_bad": "true"}, headers=headers, files=files
    )
    assert (again.json()["imported"], again.json()["duplicates"], again.json()["people_matched"]) == (0, 2, 1)
    assert post(app_client, staff, "/imports/crossings", {}, "investigator").status_code == 403
