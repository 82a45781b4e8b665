"""The foreigners pages through a signed-in browser session (cookie, CSRF, forms, upload)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from qorgau.kernel import i18n

ON = "2026-11-25"
READ = {"purpose": "stay control", "legal_basis": "Law No. 477-IV", "date": ON}


def csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def person(client: Any, staff: Any, name: str, citizenships: list[str]) -> str:
    response = client.post(
        "/api/v1/people",
        headers=staff.headers("migration_officer"),
        json={"name": name, "birth_date": "1985-09-09", "citizenships": citizenships},
    )
    return str(response.json()["id"])


def test_the_officer_adds_a_crossing_by_form_and_sees_the_timeline(
    app_client: Any, staff: Any, login: Any
) -> None:
    ivanov = person(app_client, staff, "Дмитрий Иванов", ["RU"])
    login(app_client, "migration_officer_user")
    asked = app_client.get(f"/foreigners/people/{ivanov}")
    assert asked.status_code == 200 and 'name="legal_basis"' in asked.text  # the purpose comes first
    page = app_client.get(f"/foreigners/people/{ivanov}", params=READ)
    assert page.status_code == 200 and "<svg" in page.text
    form = {"csrf_token": csrf(page.text), "purpose": READ["purpose"], "legal_basis": READ["legal_basis"]}
    saved = app_client.post(
        f"/foreigners/people/{ivanov}/crossings",
        data=form
        | {"date": ON, "entry": "2026-06-01", "exit": "2026-07-20", "entry_border_point": "Khorgos"},
        follow_redirects=False,
    )
    assert saved.status_code == 303 and "done=crossings" in saved.headers["location"]
    app_client.post(
        f"/foreigners/people/{ivanov}/crossings",
        data=form | {"date": ON, "entry": "2026-09-10"},
        follow_redirects=False,
    )
    shown = app_client.get(f"/foreigners/people/{ivanov}", params=READ)
    assert 'id="overstay-badge"' in shown.text and 'class="unlawful"' in shown.text
    assert shown.text.count("<tr>") >= 2 and "Khorgos" in shown.text

    refused = app_client.post(
        f"/foreigners/people/{ivanov}/crossings",
        data=form | {"date": ON, "entry": "2026-07-01", "exit": "2026-07-05"},
        follow_redirects=False,
    )
    assert refused.status_code == 422
    assert "overlaps" in refused.text and 'aria-invalid="true"' in refused.text
    without_token = app_client.post(
        f"/foreigners/people/{ivanov}/crossings", data={"entry": "2026-12-01"}, follow_redirects=False
    )
    assert without_token.status_code == 403


def test_the_worklist_is_in_the_chosen_language(app_client: Any, staff: Any, login: Any) -> None:
    yilmaz = person(app_client, staff, "Mehmet Yılmaz", ["TR"])
    app_client.post(
        f"/api/v1/foreigners/people/{yilmaz}/crossings",
        headers=staff.headers("migration_officer"),
        json={"entry": "2026-10-01", "entry_border_point": "Almaty airport"},
    )
    login(app_client, "migration_officer_user")
    kazakh = app_client.get("/foreigners", params={"date": ON, "lang": "kk"})
    assert kazakh.status_code == 200
    assert "Болу мерзімінен асыру" in kazakh.text and "Mehmet Yılmaz" in kazakh.text
    with i18n.language("kk"):
        assert i18n.format_date(dt.date(2026, 10, 30)) in kazakh.text  # the last lawful day, in Kazakh
    russian = app_client.get("/foreigners", params={"date": ON, "lang": "ru"})
    assert "Превышение срока пребывания" in russian.text and "Срок сегодня" in russian.text


def test_an_investigator_reads_the_timeline_without_forms_or_worklists(
    app_client: Any, staff: Any, login: Any
) -> None:
    li = person(app_client, staff, "Li Wei", ["CN"])
    login(app_client, "investigator_user")
    index = app_client.get("/foreigners", params={"q": "Li Wei"})
    assert index.status_code == 200 and f"/foreigners/people/{li}" in index.text
    assert 'id="overstays-table"' not in index.text and "Import" not in index.text
    page = app_client.get(f"/foreigners/people/{li}", params=READ)
    assert page.status_code == 200 and 'id="forms"' not in page.text and 'id="rights"' in page.text
    assert app_client.get("/foreigners/import").status_code == 403


def test_the_csv_upload_shows_every_bad_line(app_client: Any, staff: Any, login: Any) -> None:
    login(app_client, "migration_officer_user")
    token = csrf(app_client.get("/foreigners/import").text)
    content = (
        b"name,birth_date,citizenship,entry,exit\n"
        b"Dmitrii Ivanov,1985-09-09,RU,2026-06-01,2026-07-20\n"
        b"Bakyt Asanov,1990-12-05,KG,2026-07-20,2026-07-01\n"
        b"Mehmet Yilmaz,1983-07-27,TR,not a date,\n"
    )
    files = {"file": ("crossings.csv", content, "text/csv")}
    refused = app_client.post("/foreigners/import", data={"csrf_token": token}, files=files)
    assert refused.status_code == 422 and 'id="bad-rows"' in refused.text
    rows = re.findall(r"<tr><td>(\d+)</td><td>(\w+)</td>", refused.text)
    assert rows == [("3", "exit"), ("4", "entry")]
    imported = app_client.post(
        "/foreigners/import", data={"csrf_token": token, "skip_bad": "yes"}, files=files
    )
    assert imported.status_code == 200 and 'class="flash ok"' in imported.text
