"""The protection API and pages through the app, with a user per role: who may do what, bad files
refused naming the line, registrations read only under a stated purpose, the review queue."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from qorgau.protection.domain.statistics import stats
from qorgau.protection.eurostat import SHIPPED_DATASETS, read_observations

API = "/api/v1/protection"
FIXTURES = Path(__file__).parents[2] / "unit" / "protection" / "data"


def upload(client: Any, staff: Any, role: str, path: Path, dataset: str, name: str | None = None) -> Any:
    return client.post(
        f"{API}/datasets",
        headers=staff.headers(role),
        files={"file": (name or path.name, path.read_bytes(), "text/plain")},
        data={"dataset": dataset},
    )


def registration(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "kind": "temporary_protection",
        "activation": "2022/382",
        "surname": "Шевченко",
        "given_names": "Олександр",
        "birth_date": "1988-03-14",
        "sex": "M",
        "nationality": "UA",
        "document": {"kind": "passport", "number": "FX123456", "issuing_country": "UA"},
        "registering_state": "PL",
        "registration_date": "2022-03-20",
    }
    data.update(changes)
    return data


def test_an_analyst_imports_a_file_and_reads_the_same_stats_as_the_command(
    app_client: Any, staff: Any
) -> None:
    path, dataset = SHIPPED_DATASETS[0]
    response = upload(app_client, staff, "analyst", path, dataset)
    assert response.status_code == 201, response.text
    assert response.json()["format"] == "tsv" and response.json()["observations"] == 20
    listed = app_client.get(f"{API}/datasets", headers=staff.headers("migration_officer")).json()["datasets"]
    assert [(item["dataset"], item["vintage"], item["imported_by"]) for item in listed] == [
        (dataset, path.name, "analyst_user")
    ]
    answer = app_client.get(
        f"{API}/stats",
        params={"dataset": dataset, "year": 2022, "applicant": "frst"},
        headers=staff.headers("analyst"),
    ).json()
    answer.pop("import")
    expected = stats(read_observations(path, dataset)[1], dataset, "FRST", 2022)
    assert answer == json.loads(json.dumps(expected))
    assert answer["growth_pct"] == 64.0
    citizens = app_client.get(
        f"{API}/citizenships",
        params={"dataset": dataset, "year": 2022, "applicant": "FRST"},
        headers=staff.headers("analyst"),
    ).json()["by_citizen"]
    assert list(citizens)[:2] == ["SY", "AF"]


def test_a_bad_file_is_a_problem_naming_the_line_and_nothing_is_stored(
    app_client: Any, staff: Any, tmp_path: Path
) -> None:
    wrong = upload(app_client, staff, "analyst", FIXTURES / "asytpfm_sdmx.csv", "migr_asytpsm")
    assert wrong.status_code == 422
    problem = wrong.json()
    assert wrong.headers["content-type"].startswith("application/problem+json")
    assert problem["field"] == "file" and problem["line"] == 2 and "is not migr_asytpsm" in problem["detail"]
    assert app_client.get(f"{API}/datasets", headers=staff.headers("analyst")).json()["datasets"] == []
    no_store = app_client.get(
        f"{API}/stats", params={"dataset": "migr_asytpsm", "year": 2023}, headers=staff.headers("analyst")
    )
    assert no_store.status_code == 404


def test_who_may_import_read_statistics_and_registrations(app_client: Any, staff: Any) -> None:
    path, dataset = SHIPPED_DATASETS[1]
    assert upload(app_client, staff, "migration_officer", path, dataset).status_code == 403
    assert upload(app_client, staff, "investigator", path, dataset).status_code == 403
    for role in ("analyst", "migration_officer", "admin"):
        assert app_client.get(f"{API}/datasets", headers=staff.headers(role)).status_code == 200
    for role in ("investigator", "judge", "operator"):
        assert app_client.get(f"{API}/datasets", headers=staff.headers(role)).status_code == 403
    for role in ("analyst", "admin", "investigator"):
        assert app_client.get(f"{API}/registrations", headers=staff.headers(role)).status_code == 403
        assert app_client.get(f"{API}/review", headers=staff.headers(role)).status_code == 403


def test_tp_end_rights_and_fair_share(app_client: Any, staff: Any) -> None:
    headers = staff.headers("analyst")
    end = app_client.get(
        f"{API}/tp-end", params={"activation": "2022/382", "on": "2023-06-01"}, headers=headers
    ).json()
    assert end["end"] == "2023-09-04" and end["acts"][-1]["step"] == "automatic_extension"
    rights = app_client.get(f"{API}/rights/temporary_protection_beneficiary", headers=headers).json()
    assert {"8"} <= {article for right in rights["rights"] for article in right["articles"]}
    assert rights["rights"][0]["text"]["kk"]
    csv_text = (FIXTURES / "fair_share.csv").read_bytes()
    shares = app_client.post(
        f"{API}/fair-share",
        headers=headers,
        files={"file": ("fair.csv", csv_text)},
        data={"key": "reference50"},
    )
    assert shares.status_code == 200
    document = shares.json()
    assert sum(document["quotas"].values()) == document["total"] == 1600
    assert document["actual"] == {"AA": 1200, "BB": 300, "CC": 100}
    broken = app_client.post(
        f"{API}/fair-share",
        headers=headers,
        files={"file": ("fair.csv", csv_text.replace(b"5000000", b"five"))},
        data={"key": "reference50"},
    )
    assert broken.status_code == 422 and broken.json()["field"] == "file" and broken.json()["line"] == 3


def test_an_officer_registers_decides_and_reads_under_a_purpose(app_client: Any, staff: Any) -> None:
    headers = staff.headers("migration_officer")
    created = app_client.post(f"{API}/registrations", headers=headers, json=registration())
    assert created.status_code == 201, created.text
    registration_id = created.json()["id"]
    assert created.json()["latin_name"] == "Shevchenko Oleksandr" and created.json()["person_id"]
    refused = app_client.post(
        f"{API}/registrations", headers=headers, json=registration(registering_state="GR")
    )
    assert refused.status_code == 422 and refused.json()["field"] == "registering_state"
    unread = app_client.get(f"{API}/registrations/{registration_id}", headers=headers)
    assert unread.status_code == 422 and unread.json()["field"] == "purpose"
    decided = app_client.post(
        f"{API}/registrations/{registration_id}/decisions",
        headers=headers,
        json={
            "outcome": "granted",
            "decided_on": "2022-03-21",
            "legal_basis": "Decision (EU) 2022/382 art. 2(1)",
        },
    )
    assert decided.status_code == 201 and decided.json()["status"] == "granted"
    read = app_client.get(
        f"{API}/registrations/{registration_id}",
        headers={**headers, "X-Purpose": "status check", "X-Legal-Basis": "request 17"},
    )
    assert read.status_code == 200
    assert read.json()["protection_status"] == "temporary_protection_beneficiary"
    assert read.json()["next_outcomes"] == ["ended"]
    found = app_client.get(f"{API}/registrations", params={"q": "Aleksandr"}, headers=headers).json()
    assert [item["id"] for item in found["registrations"]] == [registration_id]
    exported = app_client.get(f"{API}/exports/registrations.csv", headers=headers)
    assert exported.status_code == 200 and exported.text.startswith("id,surname,given_names,birth_date")


def test_the_review_queue_over_the_api(app_client: Any, staff: Any) -> None:
    headers = staff.headers("migration_officer")
    first = app_client.post(f"{API}/registrations", headers=headers, json=registration()).json()["id"]
    second = app_client.post(
        f"{API}/registrations",
        headers=headers,
        json=registration(
            surname="Shevchenko",
            given_names="Aleksandr",
            registering_state="DE",
            registration_date="2022-09-02",
        ),
    ).json()["id"]
    document = {
        "clusters": [{"ids": [first, second], "probability": 0.99, "agreements": {"document": "exact"}}],
        "pairs": 1,
    }
    queued = app_client.post(f"{API}/review", headers=headers, json=document)
    assert queued.status_code == 201 and queued.json()["added"] == 1
    bad = app_client.post(
        f"{API}/review", headers=headers, json={"clusters": [{"ids": [first], "probability": 1}]}
    )
    assert bad.status_code == 422 and bad.json()["field"] == "clusters[0].ids"
    item = app_client.get(f"{API}/review", headers=headers).json()["items"][0]
    assert item["agreeing_fields"] == ["document"]
    view = app_client.get(f"{API}/review/{item['id']}", headers=headers).json()
    assert {row["id"] for row in view["registrations"]} == {first, second}
    document_row = next(row for row in view["fields"] if row["field"] == "document_number")
    assert document_row["agrees"] is True
    done = app_client.post(
        f"{API}/review/{item['id']}/decision", headers=headers, json={"decision": "confirmed"}
    )
    assert done.status_code == 200 and done.json()["status"] == "confirmed"
    again = app_client.post(
        f"{API}/review/{item['id']}/decision", headers=headers, json={"decision": "rejected"}
    )
    assert again.status_code == 422 and again.json()["field"] == "decision"
    missing = app_client.get(f"{API}/review/999", headers=headers)
    assert missing.status_code == 404


# --- pages --------------------------------------------------------------------------------------------


@pytest.fixture
def stored(app_client: Any, staff: Any) -> None:
    for path, dataset in SHIPPED_DATASETS:
        assert upload(app_client, staff, "analyst", path, dataset).status_code == 201


def page(client: Any, staff: Any, role: str, url: str, language: str = "en") -> Any:
    client.cookies.set("qorgau_lang", language)
    return client.get(url, headers={**staff.headers(role), "Accept": "text/html"})


@pytest.mark.usefixtures("stored")
def test_the_dashboard_draws_its_charts_on_the_server_with_tables_beside(app_client: Any, staff: Any) -> None:
    response = page(app_client, staff, "analyst", "/protection")
    assert response.status_code == 200
    html = response.text
    for chart in (
        "applications-over-time",
        "applications-by-citizenship",
        "applications-by-country",
        "tp-decisions",
        "tp-beneficiaries",
    ):
        assert f'id="{chart}" role="img"' in html, chart
        assert f'id="{chart}-title"' in html and f'id="{chart}-desc"' in html
    assert "881,220" in html and "+64.0" in html and "1,972.7" in html
    assert "3,826,600" in html and "675,085" in html
    assert "http://" not in html.split("<body>")[1].replace("http://www.w3.org/2000/svg", "")
    assert "https://" not in html


@pytest.mark.usefixtures("stored")
def test_the_dashboard_speaks_russian_and_kazakh(app_client: Any, staff: Any) -> None:
    for language, heading in (("ru", "Убежище и временная защита"), ("kk", "Баспана және уақытша қорғау")):
        html = page(app_client, staff, "analyst", "/protection", language).text
        assert heading in html
        assert "881\xa0220" in html  # the number in the language's own form


def test_the_explainer_and_the_fair_share_page(app_client: Any, staff: Any) -> None:
    explainer = page(app_client, staff, "analyst", "/protection/tp-end?activation=2022/382&on=2023-06-01")
    assert explainer.status_code == 200
    assert 'id="tp-timeline" role="img"' in explainer.text and "Runs until Sep 4, 2023" in explainer.text
    form = page(app_client, staff, "analyst", "/protection/fair-share")
    assert form.status_code == 200 and 'name="csrf_token"' in form.text


def test_pages_of_registrations_and_review_are_the_officers(app_client: Any, staff: Any) -> None:
    assert page(app_client, staff, "analyst", "/protection/registrations").status_code == 403
    assert page(app_client, staff, "analyst", "/protection/review").status_code == 403
    headers = staff.headers("migration_officer")
    registration_id = app_client.post(f"{API}/registrations", headers=headers, json=registration()).json()[
        "id"
    ]
    listing = page(app_client, staff, "migration_officer", "/protection/registrations?q=Шевченко")
    assert listing.status_code == 200 and f"/protection/registrations/{registration_id}" in listing.text
    asks = page(app_client, staff, "migration_officer", f"/protection/registrations/{registration_id}")
    assert "Purpose of access" in asks.text
    shown = page(
        app_client,
        staff,
        "migration_officer",
        f"/protection/registrations/{registration_id}?purpose=check&legal_basis=duty",
    )
    assert shown.status_code == 200 and "art. 8" not in shown.text and "art. 9" in shown.text
    assert page(app_client, staff, "migration_officer", "/protection/review").status_code == 200
