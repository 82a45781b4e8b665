"""The monitoring API: orders scoped to the officer's caseload, device-token ingest, alerts worked by
operators, reads under a legal basis — every error a problem document naming the field."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from qorgau.kernel.auth.service import do_create_api_token, do_create_user
from qorgau.kernel.db import Database
from tests.conftest import TEST_PASSWORD

BUNDLE = json.loads(Path(__file__).with_name("contract_bundle.json").read_text(encoding="utf-8"))
ORDER: dict[str, Any] = BUNDLE["orders"][0]
BASIS = {"purpose": "robbery at 10 Abay avenue", "legal_basis": "criminal case 261500031000123"}
API = "/api/v1/monitoring"


def person_id(client: Any, staff: Any) -> str:
    created = client.post(
        "/api/v1/people", headers=staff.headers("probation_officer"), json={"name": "Асқар"}
    )
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


def new_order(client: Any, staff: Any, role: str = "probation_officer", **changes: Any) -> dict[str, Any]:
    body = {**ORDER, "person": person_id(client, staff), **changes}
    response = client.post(f"{API}/orders", headers=staff.headers(role), json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    return dict(response.json())


@pytest.fixture
def second_officer(sqlite_db: Database) -> dict[str, str]:
    with sqlite_db.session() as session:
        user = do_create_user(session, "test", "second_officer", TEST_PASSWORD, "probation_officer")
        token = do_create_api_token(session, "test", user, "tests")
    return {"Authorization": f"Bearer {token}", "Accept": "application/json"}


def test_an_officer_registers_an_order_and_sees_only_their_caseload(
    app_client: Any, staff: Any, second_officer: dict[str, str]
) -> None:
    order = new_order(app_client, staff)
    assert order["ref"] == "o1" and order["supervising_officer"] == "probation_officer_user"
    assert order["zones"][0]["id"] == "z1" and order["devices"][0]["device"] == "860000000000001"
    mine = app_client.get(f"{API}/orders", headers=staff.headers("probation_officer")).json()["orders"]
    assert [o["ref"] for o in mine] == ["o1"]
    assert app_client.get(f"{API}/orders", headers=second_officer).json()["orders"] == []
    problem(app_client.get(f"{API}/orders/{order['id']}", headers=second_officer), 403)
    problem(app_client.get(f"{API}/orders/999", headers=second_officer), 404)
    shown = app_client.get(f"{API}/orders/o1", headers=staff.headers("probation_officer"))
    assert shown.status_code == 200 and shown.json()["id"] == order["id"]


def test_a_bad_order_is_a_problem_naming_the_field(app_client: Any, staff: Any) -> None:
    body = {
        **ORDER,
        "person": person_id(app_client, staff),
        "basis": {**ORDER["basis"], "date": "15.01.2026"},
    }
    found = problem(
        app_client.post(f"{API}/orders", headers=staff.headers("probation_officer"), json=body), 422
    )
    assert found["field"] == "basis.date"
    body["basis"] = ORDER["basis"]
    body["kind"] = "surveillance"
    found = problem(
        app_client.post(f"{API}/orders", headers=staff.headers("probation_officer"), json=body), 422
    )
    assert found["field"] == "kind"


def test_zones_and_terms_are_edited_and_audited(app_client: Any, staff: Any) -> None:
    order = new_order(app_client, staff)
    headers = staff.headers("probation_officer")
    zone = {"kind": "exclusion", "shape": {"type": "circle", "lat": 43.26, "lon": 76.93, "radius_m": 300}}
    put = app_client.put(f"{API}/orders/{order['id']}/zones/school", headers=headers, json=zone)
    assert put.status_code == 200 and put.json()["id"] == "school"
    zones = app_client.get(f"{API}/orders/{order['id']}/zones", headers=headers).json()["zones"]
    assert sorted(z["id"] for z in zones) == ["school", "z1"]
    bad = {**zone, "shape": {"type": "circle", "lat": 43.26, "lon": 76.93}}
    assert problem(app_client.put(f"{API}/orders/1/zones/x", headers=headers, json=bad), 422)[
        "field"
    ].startswith("shape")
    changed = app_client.patch(
        f"{API}/orders/{order['id']}", headers=headers, json={"end": "2026-12-31T00:00:00+05:00"}
    )
    assert changed.status_code == 200 and changed.json()["end"] == "2026-12-30T19:00:00+00:00"
    assert (
        problem(
            app_client.patch(f"{API}/orders/{order['id']}", headers=headers, json={"kind": "house_arrest"}),
            422,
        )["field"]
        == "kind"
    )
    audit = app_client.get("/api/v1/audit", headers=staff.headers("admin")).json()["entries"]
    assert {"monitoring.order.create", "monitoring.zone.put", "monitoring.order.update"} <= {
        e["action"] for e in audit
    }


def test_a_device_posts_its_fixes_with_its_own_token(app_client: Any, staff: Any) -> None:
    new_order(app_client, staff, start="2026-01-20T00:00:00+05:00")
    issued = app_client.post(
        f"{API}/devices/860000000000001/token", headers=staff.headers("probation_officer")
    )
    assert issued.status_code == 201
    device = {"Authorization": f"Bearer {issued.json()['token']}"}
    fixes = {
        "fixes": [
            {"time": "2026-02-01T21:50:00+05:00", "lat": 43.25, "lon": 76.95, "speed_kmh": 4, "battery": 80},
            {"time": "2026-02-01T21:51:00+05:00", "lat": 95.0, "lon": 76.95},
        ]
    }
    stored = app_client.post(f"{API}/fixes", headers=device, json=fixes)
    assert stored.status_code == 200, stored.text
    assert stored.json() | {"alerts": 0} == {
        "received": 2,
        "accepted": 1,
        "duplicates": 0,
        "rejected": [{"index": 1, "reason": "impossible_coordinates"}],
        "alerts": 0,
    }
    again = app_client.post(f"{API}/fixes", headers=device, json=fixes).json()
    assert again["accepted"] == 0 and again["duplicates"] == 1
    bad = {"fixes": [{"time": "2026-02-01T21:52:00+05:00", "lat": "north", "lon": 1}]}
    assert problem(app_client.post(f"{API}/fixes", headers=device, json=bad), 422)["field"] == "fixes[0].lat"
    other = {"fixes": [{"device": "someone-else", "time": "2026-02-01T21:52:00+05:00", "lat": 1, "lon": 1}]}
    assert (
        problem(app_client.post(f"{API}/fixes", headers=device, json=other), 422)["field"]
        == "fixes[0].device"
    )
    problem(app_client.post(f"{API}/fixes", json=fixes), 401)
    problem(app_client.post(f"{API}/fixes", headers=staff.headers("operator"), json=fixes), 401)


def import_contract(app_client: Any, staff: Any) -> None:
    imported = app_client.post(f"{API}/import", headers=staff.headers("probation_officer"), json=BUNDLE)
    assert imported.status_code == 200, imported.text


def test_operators_work_alerts_through_the_whole_workflow(app_client: Any, staff: Any) -> None:
    import_contract(app_client, staff)
    operator = staff.headers("operator")
    alerts = app_client.get(f"{API}/alerts", headers=operator, params={"status": "new"}).json()["alerts"]
    target = next(
        a for a in alerts if a["type"] == "inclusion_zone_violation" and a["time"].endswith("17:00:00+00:00")
    )
    url = f"{API}/alerts/{target['id']}/transitions"
    refused = problem(
        app_client.post(url, headers=operator, json={"to": "resolved", "outcome": "other"}), 422
    )
    assert refused["field"] == "status"
    assert (
        app_client.post(url, headers=operator, json={"to": "acknowledged"}).json()["status"] == "acknowledged"
    )
    assert problem(app_client.post(url, headers=operator, json={"to": "dispatched"}), 422)["field"] == (
        "response_group"
    )
    sent = app_client.post(url, headers=operator, json={"to": "dispatched", "response_group": "Patrol 12"})
    assert sent.json()["response_group"] == "Patrol 12"
    done = app_client.post(url, headers=operator, json={"to": "resolved", "outcome": "violation_confirmed"})
    assert done.json()["status"] == "resolved"
    detail = app_client.get(f"{API}/alerts/{target['id']}", headers=operator).json()
    assert [t["to"] for t in detail["transitions"]] == ["acknowledged", "dispatched", "resolved"]
    problem(
        app_client.post(url, headers=staff.headers("probation_officer"), json={"to": "acknowledged"}), 403
    )


def test_location_reads_need_a_purpose_and_a_basis(app_client: Any, staff: Any) -> None:
    import_contract(app_client, staff)
    investigator = staff.headers("investigator")
    window = {"from": "2026-02-01T21:00:00+05:00", "to": "2026-02-01T23:00:00+05:00"}
    place = {"lat": 43.25, "lon": 76.95, "radius_m": 100}
    missing = problem(app_client.get(f"{API}/near", headers=investigator, params=place | window), 422)
    assert missing["field"] == "purpose"
    found = app_client.get(f"{API}/near", headers=investigator, params=place | window | BASIS).json()
    assert found == {
        "matches": [
            {
                "person": "p1",
                "order": "o1",
                "device": "860000000000001",
                "distance_m": 0.0,
                "time": "2026-02-01T16:50:00+00:00",
                "kind": "fix",
            }
        ]
    }
    problem(
        app_client.get(f"{API}/near", headers=staff.headers("operator"), params=place | window | BASIS), 403
    )
    too_wide = problem(
        app_client.get(
            f"{API}/near", headers=investigator, params=place | window | BASIS | {"radius_m": 90_000}
        ),
        422,
    )
    assert too_wide["field"] == "radius_m"
    track = app_client.get(f"{API}/track", headers=investigator, params={"person": "p1"} | BASIS).json()
    assert track["features"][0]["geometry"] == {"type": "Point", "coordinates": [76.95, 43.25]}
    gpx = app_client.get(
        f"{API}/track", headers=investigator, params={"person": "p1", "format": "gpx"} | BASIS
    )
    assert gpx.headers["content-type"].startswith("application/gpx+xml") and b"<trkpt" in gpx.content
    pdf = app_client.get(
        f"{API}/alibi", headers=staff.headers("judge"), params={"person": "p1"} | place | window | BASIS
    )
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    facts = app_client.get(
        f"{API}/alibi",
        headers=staff.headers("judge"),
        params={"person": "p1", "format": "json"} | place | window | BASIS,
    ).json()
    assert facts["conclusion"] == "was_within_radius" and facts["closest"]["kind"] == "fix"
    positions = app_client.get(
        f"{API}/positions", headers=investigator, params={"device": "860000000000001"} | BASIS
    ).json()["positions"]
    assert [p["time"] for p in positions] == ["2026-02-01T16:50:00+00:00"]


def test_only_administrators_see_unassigned_fixes(app_client: Any, staff: Any) -> None:
    import_contract(app_client, staff)
    stray = {"fixes": [{"device": "stray-1", "time": "2026-02-01T21:50:00+05:00", "lat": 43.2, "lon": 76.9}]}
    app_client.post(f"{API}/import", headers=staff.headers("admin"), json=stray)
    params = {"device": "stray-1"} | BASIS
    shown = app_client.get(f"{API}/unassigned", headers=staff.headers("admin"), params=params).json()
    assert len(shown["positions"]) == 1
    assert app_client.get(
        f"{API}/positions", headers=staff.headers("investigator"), params=params
    ).json() == {"positions": []}
    problem(app_client.get(f"{API}/unassigned", headers=staff.headers("investigator"), params=params), 403)


def test_a_prosecutor_places_a_legal_hold_and_purge_respects_it(app_client: Any, staff: Any) -> None:
    import_contract(app_client, staff)
    hold = app_client.post(
        f"{API}/legal-holds",
        headers=staff.headers("prosecutor"),
        json={
            "case": "261500031000123",
            "order": "o1",
            "from": "2026-02-01T00:00:00+05:00",
            "to": "2026-02-02T00:00:00+05:00",
            "reason": "alibi of the accused",
        },
    )
    assert hold.status_code == 201, hold.text
    listed = app_client.get(f"{API}/legal-holds", headers=staff.headers("judge")).json()["legal_holds"]
    assert [h["case"] for h in listed] == ["261500031000123"]
    purged = app_client.post(f"{API}/purge", headers=staff.headers("admin")).json()
    assert purged["positions_deleted"] == 0  # the order has not ended yet, and the hold stands anyway
