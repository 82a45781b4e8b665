"""Sign-in, sessions, CSRF, rate limiting and the language choice through the web shell."""

from __future__ import annotations

from typing import Any

from tests.conftest import TEST_PASSWORD


def test_healthz_answers_without_authentication(app_client: Any) -> None:
    assert app_client.get("/healthz").json() == {"status": "ok"}


def test_page_without_session_redirects_to_login(app_client: Any) -> None:
    response = app_client.get("/people", headers={"Accept": "text/html"}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")


def test_wrong_password_and_unknown_user_get_the_same_answer(app_client: Any, staff: Any) -> None:
    answers = []
    for username in ("investigator_user", "nobody_here"):
        page = app_client.get("/login")
        token = page.cookies.get("qorgau_login_csrf")
        response = app_client.post(
            "/login", data={"username": username, "password": "wrong-password", "login_csrf": token}
        )
        answers.append(
            (
                response.status_code,
                "Wrong user name or password" in response.text or "Неверное имя" in response.text,
            )
        )
    assert answers[0] == answers[1] == (401, True)


def test_login_is_rate_limited(app_client: Any, staff: Any) -> None:
    for _ in range(5):
        app_client.post("/api/v1/auth/token", json={"username": "judge_user", "password": "wrong-password"})
    response = app_client.post(
        "/api/v1/auth/token", json={"username": "judge_user", "password": TEST_PASSWORD}
    )
    assert response.status_code == 429 and int(response.headers["Retry-After"]) > 0


def test_session_post_without_csrf_token_is_refused(app_client: Any, staff: Any, login: Any) -> None:
    login(app_client, "investigator_user")
    refused = app_client.post("/api/v1/people", json={"name": "Иван Петров"})
    assert refused.status_code == 403 and refused.json()["field"] == "csrf_token"


def test_session_form_post_with_csrf_token_adds_a_person(app_client: Any, staff: Any, login: Any) -> None:
    login(app_client, "investigator_user")
    page = app_client.get("/people/new")
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    response = app_client.post(
        "/people/new",
        data={"csrf_token": token, "name": "Айгерім Жұмабекова", "citizenships": "KZ"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    listing = app_client.get("/people", params={"q": "Aigerim"})
    assert "Айгерім Жұмабекова" in listing.text


def test_language_choice_is_kept_and_translates_the_page(app_client: Any, staff: Any, login: Any) -> None:
    login(app_client, "investigator_user")
    app_client.get("/lang/kk?next=/people")
    assert "Тұлғалар" in app_client.get("/people").text
    app_client.get("/lang/en?next=/people")
    assert "People" in app_client.get("/people").text
    token = app_client.post(
        "/api/v1/auth/token", json={"username": "investigator_user", "password": TEST_PASSWORD}
    )
    me = app_client.get("/api/v1/me", headers={"Authorization": f"Bearer {token.json()['token']}"})
    assert me.json()["language"] == "en"


def test_open_redirect_after_login_is_refused(app_client: Any, staff: Any) -> None:
    page = app_client.get("/login")
    token = page.cookies.get("qorgau_login_csrf")
    response = app_client.post(
        "/login",
        data={
            "username": "judge_user",
            "password": TEST_PASSWORD,
            "login_csrf": token,
            "next": "https://evil.example/",
        },
        follow_redirects=False,
    )
    assert response.headers["location"] == "/"


def test_openapi_document_lists_the_api(app_client: Any) -> None:
    document = app_client.get("/api/v1/openapi.json").json()
    assert document["info"]["title"] == "Qorgau"
    assert "/api/v1/people" in document["paths"] and "/api/v1/auth/token" in document["paths"]


def test_pages_load_no_asset_from_the_internet(app_client: Any, staff: Any, login: Any) -> None:
    login(app_client, "investigator_user")
    for path in ("/", "/people", "/people/new", "/login"):
        html = app_client.get(path).text
        assert "http://" not in html.replace("http://www.w3.org", "") and "https://" not in html, path
