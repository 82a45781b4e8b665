"""The cases API with a real user per role: who may do what, problem documents naming the field."""

from __future__ import annotations

import csv
import io
from typing import Any

from qorgau.cases.domain.bundle import verify_bundle
from tests.integration.cases.conftest import case_document

READ = {"X-Purpose": "preparing the hearing", "X-Legal-Basis": "ERDR case under review"}


def register(client: Any, staff: Any, **changes: Any) -> dict[str, Any]:
    document = case_document(prosecutor="prosecutor_user", **changes)
    response = client.post("/api/v1/cases", json=document, headers=staff.headers("investigator"))
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_an_investigator_registers_and_lists_their_cases(app_client: Any, staff: Any) -> None:
    created = register(app_client, staff)
    assert set(created) == {"id", "number"}
    mine = app_client.get("/api/v1/cases", headers=staff.headers("investigator")).json()["cases"]
    assert [case["number"] for case in mine] == [created["number"]]
    assert mine[0]["investigator_id"] is not None
    supervised = app_client.get("/api/v1/cases", headers=staff.headers("prosecutor")).json()["cases"]
    assert [case["id"] for case in supervised] == [created["id"]]
    for role in ("judge", "defender"):
        assert app_client.get("/api/v1/cases", headers=staff.headers(role)).json()["cases"] == []
    for role in ("admin", "analyst", "operator"):
        assert app_client.get("/api/v1/cases", headers=staff.headers(role)).status_code == 403


def test_bad_registration_is_a_problem_document_naming_the_field(app_client: Any, staff: Any) -> None:
    response = app_client.post(
        "/api/v1/cases",
        json=case_document(offences=[{"article": "188", "category": "huge"}]),
        headers=staff.headers("investigator"),
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["field"] == "offences[0].category"
    response = app_client.post("/api/v1/cases", json={}, headers=staff.headers("investigator"))
    assert response.status_code == 422 and response.json()["field"] == "region"
    assert (
        app_client.post(
            "/api/v1/cases", json=case_document(), headers=staff.headers("prosecutor")
        ).status_code
        == 403
    )


def test_the_case_shows_the_assessment_and_refuses_a_closed_form(app_client: Any, staff: Any) -> None:
    persons = case_document()["persons"]
    persons[0]["admits_guilt"] = False
    created = register(app_client, staff, persons=persons)
    detail = app_client.get(f"/api/v1/cases/{created['id']}", headers=staff.headers("investigator")).json()
    forms = {form["form"]: form for form in detail["assessment"]["forms"]}
    assert forms["investigation"]["allowed"] and not forms["accelerated"]["allowed"]
    assert {"ru", "kk", "en"} == set(forms["accelerated"]["reasons"][0]["text"])
    refused = app_client.post(
        f"/api/v1/cases/{created['number']}/form",
        json={"form": "accelerated", "motivation": "Быстрее будет."},
        headers=staff.headers("investigator"),
    )
    assert refused.status_code == 422 and refused.json()["field"] == "form"
    assert "admit" in refused.json()["detail"]
    chosen = app_client.post(
        f"/api/v1/cases/{created['id']}/form",
        json={"form": "investigation", "motivation": "Подозреваемый вину не признаёт."},
        headers=staff.headers("investigator"),
    )
    assert chosen.status_code == 200 and chosen.json()["kind"] == "form_decision"
    # The prosecutor supervises but does not choose the form.
    assert (
        app_client.post(
            f"/api/v1/cases/{created['id']}/form",
            json={"form": "investigation", "motivation": "x" * 12},
            headers=staff.headers("prosecutor"),
        ).status_code
        == 403
    )


def test_materials_are_uploaded_and_read_under_a_stated_purpose(app_client: Any, staff: Any) -> None:
    created = register(app_client, staff)
    upload = app_client.post(
        f"/api/v1/cases/{created['id']}/materials",
        files={"file": ("протокол.txt", "Протокол допроса: кража телефона.".encode(), "text/plain")},
        data={"title": "Протокол допроса"},
        headers=staff.headers("investigator"),
    )
    assert upload.status_code == 201, upload.text
    entry = upload.json()
    assert entry["index"] == 1 and entry["filename"] == "протокол.txt"
    url = f"/api/v1/cases/{created['id']}/materials/{entry['id']}"
    missing = app_client.get(url, headers=staff.headers("prosecutor"))
    assert missing.status_code == 422 and missing.json()["field"] == "purpose"
    read = app_client.get(url, headers=staff.headers("prosecutor") | READ)
    assert read.status_code == 200 and "кража" in read.content.decode()
    assert read.headers["x-content-sha256"] == entry["sha256"]
    assert app_client.get(url, headers=staff.headers("judge") | READ).status_code == 403
    assert (
        app_client.post(
            f"/api/v1/cases/{created['id']}/materials",
            files={"file": ("x.txt", b"x", "text/plain")},
            data={"title": "x"},
            headers=staff.headers("defender"),
        ).status_code
        == 403
    )


def test_acts_deadlines_and_the_prosecutor_extension(app_client: Any, staff: Any) -> None:
    created = register(app_client, staff)
    base = f"/api/v1/cases/{created['id']}"
    app_client.post(
        f"{base}/form",
        json={"form": "accelerated", "motivation": "Вина признана полностью."},
        headers=staff.headers("investigator"),
    )
    extension = {"kind": "extension", "text": "Продлить.", "data": {"term": {"amount": 5, "unit": "days"}}}
    assert (
        app_client.post(f"{base}/acts", json=extension, headers=staff.headers("investigator")).status_code
        == 403
    )
    granted = app_client.post(f"{base}/acts", json=extension, headers=staff.headers("prosecutor"))
    assert granted.status_code == 201, granted.text
    detail = app_client.get(base, headers=staff.headers("investigator")).json()
    assert detail["deadline"]["due_at"].startswith("2026-12-16")  # 15 days + 5 from 25 November
    assert [act["kind"] for act in detail["acts"]] == ["registration", "form_decision", "extension"]
    deadlines = app_client.get(
        "/api/v1/cases/deadlines",
        params={"now": "2026-12-15T00:00:00+05:00"},
        headers=staff.headers("investigator"),
    ).json()
    assert [item["id"] for item in deadlines["due_soon"]] == [created["id"]] and deadlines["overdue"] == []
    late = app_client.get(
        "/api/v1/cases/deadlines",
        params={"now": "2026-12-20T00:00:00+05:00"},
        headers=staff.headers("prosecutor"),
    ).json()
    assert [item["id"] for item in late["overdue"]] == [created["id"]]


def test_an_agreement_travels_from_the_defender_to_the_judge(app_client: Any, staff: Any) -> None:
    created = register(app_client, staff)
    base = f"/api/v1/cases/{created['id']}"
    assert (
        app_client.post(
            f"{base}/agreements", json={"kind": "plea"}, headers=staff.headers("defender")
        ).status_code
        == 403
    )
    admitted = app_client.post(
        f"{base}/defenders",
        json={"username": "defender_user", "client": 1},
        headers=staff.headers("investigator"),
    )
    assert admitted.status_code == 201, admitted.text
    petition = app_client.post(
        f"{base}/agreements",
        json={"kind": "plea", "note": "Согласен с подозрением"},
        headers=staff.headers("defender"),
    )
    assert petition.status_code == 201, petition.text
    agreement = petition.json()
    assert agreement["state"] == "petition" and agreement["allowed_moves"] == ["prosecutor_review"]
    moves = f"{base}/agreements/{agreement['id']}/moves"
    for role, state in [
        ("investigator", "prosecutor_review"),
        ("prosecutor", "negotiation"),
        ("prosecutor", "signed"),
        ("prosecutor", "in_court"),
    ]:
        moved = app_client.post(moves, json={"to": state}, headers=staff.headers(role))
        assert moved.status_code == 200, (role, state, moved.text)
    assert (
        app_client.post(moves, json={"to": "accepted"}, headers=staff.headers("defender")).status_code == 403
    )
    judged = app_client.post(
        moves, json={"to": "accepted", "note": "Утверждено"}, headers=staff.headers("judge")
    )
    assert judged.status_code == 200 and judged.json()["state"] == "accepted"
    assert [
        case["id"] for case in app_client.get("/api/v1/cases", headers=staff.headers("judge")).json()["cases"]
    ] == [created["id"]]
    pdf = app_client.get(f"{base}/documents/agreement", params={"lang": "kk"}, headers=staff.headers("judge"))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_the_export_verifies_and_needs_a_purpose(app_client: Any, staff: Any) -> None:
    created = register(app_client, staff)
    base = f"/api/v1/cases/{created['id']}"
    app_client.post(
        f"{base}/materials",
        files={"file": ("a.txt", b"first", "text/plain")},
        data={"title": "Первый"},
        headers=staff.headers("investigator"),
    )
    assert app_client.get(f"{base}/export", headers=staff.headers("prosecutor")).status_code == 422
    response = app_client.get(f"{base}/export", headers=staff.headers("prosecutor") | READ)
    assert response.status_code == 200 and response.headers["content-type"] == "application/zip"
    result = verify_bundle(response.content)
    assert result.ok and result.entries == 2


def test_statistics_as_json_and_csv(app_client: Any, staff: Any) -> None:
    register(app_client, staff)
    register(app_client, staff, region="almaty")
    by_region = app_client.get(
        "/api/v1/cases/statistics", params={"by": "region"}, headers=staff.headers("analyst")
    ).json()
    assert by_region["total"] == 2 and {row["key"]: row["count"] for row in by_region["rows"]} == {
        "zhambyl": 1,
        "almaty": 1,
    }
    response = app_client.get(
        "/api/v1/cases/statistics",
        params={"by": "form", "format": "csv", "lang": "kk"},
        headers=staff.headers("prosecutor"),
    )
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(response.text)))
    assert table[0] == ["form", "label", "count", "share_percent"]
    assert ["undecided", "нысан таңдалмаған", "2", "100.0"] in table
    assert (
        app_client.get(
            "/api/v1/cases/statistics", params={"by": "colour"}, headers=staff.headers("analyst")
        ).json()["field"]
        == "by"
    )


def test_search_finds_materials_in_scope_under_a_purpose(app_client: Any, staff: Any) -> None:
    created = register(app_client, staff)
    app_client.post(
        f"/api/v1/cases/{created['id']}/materials",
        files={"file": ("t.txt", "Күдіктінің түсініктемесі: телефонды ұрладым.".encode(), "text/plain")},
        data={"title": "Түсініктеме"},
        headers=staff.headers("investigator"),
    )
    found = app_client.get(
        "/api/v1/cases/search", params={"q": "телефон"}, headers=staff.headers("investigator") | READ
    ).json()
    assert [hit["entry"]["title"] for hit in found["hits"]] == ["Түсініктеме"]
    assert (
        app_client.get(
            "/api/v1/cases/search", params={"q": "телефон"}, headers=staff.headers("judge") | READ
        ).json()["hits"]
        == []
    )
    missing = app_client.get(
        "/api/v1/cases/search", params={"q": "телефон"}, headers=staff.headers("investigator")
    )
    assert missing.status_code == 422 and missing.json()["field"] == "purpose"
