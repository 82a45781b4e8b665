"""The case pages in a browser-like session: list, registration form, case page, statistics, search."""

from __future__ import annotations

import re
from typing import Any

from tests.integration.cases.conftest import case_document


def csrf(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, "no CSRF token on the page"
    return match.group(1)


def test_an_investigator_registers_through_the_form_and_works_the_case(
    app_client: Any, staff: Any, login: Any
) -> None:
    login(app_client, "investigator_user")
    form_page = app_client.get("/cases/new")
    assert form_page.status_code == 200 and "Жамбылская область" in form_page.text
    token = csrf(form_page.text)
    fields = {
        "csrf_token": token,
        "region": "31",
        "reason": "statement",
        "registered_at": "2026-11-25T10:30",
        "article_1": "188",
        "part_1": "1",
        "category_1": "minor",
        "offender_identified": "on",
        "suspect_name": "Қайрат Сәрсенбаев",
        "suspect_age": "34",
        "admits_guilt": "on",
        "speaks_language": "on",
        "victim_name": "Айгерім Жұмабекова",
    }
    refused = app_client.post("/cases/new", data=fields | {"region": ""})
    assert refused.status_code == 422 and "«region»" in refused.text
    created = app_client.post("/cases/new", data=fields, follow_redirects=False)
    assert created.status_code == 303, created.text
    case_url = created.headers["location"].split("?")[0]
    page = app_client.get(case_url)
    assert page.status_code == 200
    assert "Қайрат Сәрсенбаев" in page.text and "ускоренное досудебное расследование" in page.text
    chosen = app_client.post(
        f"{case_url}/form",
        data={"csrf_token": token, "form": "accelerated", "motivation": "Вина признана полностью."},
        follow_redirects=False,
    )
    assert chosen.status_code == 303
    uploaded = app_client.post(
        f"{case_url}/materials",
        data={"csrf_token": token, "title": "Протокол допроса"},
        files={"file": ("dopros.txt", "Свидетель видел кражу.".encode(), "text/plain")},
        follow_redirects=False,
    )
    assert uploaded.status_code == 303, uploaded.text
    without_token = app_client.post(f"{case_url}/acts", data={"kind": "procedural_act", "text": "Осмотр."})
    assert without_token.status_code == 403
    page = app_client.get(case_url + "?done=material")
    assert "dopros.txt" in page.text and "Протокол допроса" in page.text
    listing = app_client.get("/cases")
    assert "2631 0100 0000 01" in listing.text and "badge" in listing.text


def test_the_case_page_explains_the_forms_in_kazakh(app_client: Any, staff: Any, login: Any) -> None:
    document = case_document()
    document["persons"][0]["admits_guilt"] = False
    created = app_client.post("/api/v1/cases", json=document, headers=staff.headers("investigator")).json()
    login(app_client, "investigator_user")
    page = app_client.get(f"/cases/{created['id']}?lang=kk")
    assert page.status_code == 200
    assert "жеделдетілген сотқа дейінгі тергеп-тексеру" in page.text  # the form's title in Kazakh
    assert "кінәсін мойындамайды" in page.text or "мойында" in page.text  # the obstacle, in Kazakh
    refused = app_client.post(
        f"/cases/{created['id']}/form?lang=kk",
        data={"csrf_token": csrf(page.text), "form": "accelerated", "motivation": "Тез аяқтау керек."},
    )
    assert refused.status_code == 422 and "flash error" in refused.text


def test_statistics_page_draws_a_chart_and_offers_csv(app_client: Any, staff: Any, login: Any) -> None:
    app_client.post("/api/v1/cases", json=case_document(), headers=staff.headers("investigator"))
    login(app_client, "analyst_user")
    page = app_client.get("/cases/statistics?by=region")
    assert page.status_code == 200 and "<svg" in page.text and "Жамбылская область" in page.text
    assert "cdn" not in page.text.lower() and "<script" not in page.text
    csv_response = app_client.get("/cases/statistics.csv?by=region&lang=kk")
    assert csv_response.status_code == 200 and "zhambyl,Жамбыл облысы,1,100.0" in csv_response.text
    assert app_client.get("/cases").status_code == 403  # an analyst counts cases, reads none


def test_search_page_needs_a_purpose(app_client: Any, staff: Any, login: Any) -> None:
    created = app_client.post(
        "/api/v1/cases", json=case_document(), headers=staff.headers("investigator")
    ).json()
    app_client.post(
        f"/api/v1/cases/{created['id']}/materials",
        files={"file": ("t.txt", "Кража телефона у остановки.".encode(), "text/plain")},
        data={"title": "Протокол"},
        headers=staff.headers("investigator"),
    )
    login(app_client, "investigator_user")
    refused = app_client.get("/cases/search?q=кража")
    assert refused.status_code == 422
    found = app_client.get(
        "/cases/search", params={"q": "кражи", "purpose": "проверка", "legal_basis": "ЕРДР"}
    )
    assert found.status_code == 200 and "остановки" in found.text
