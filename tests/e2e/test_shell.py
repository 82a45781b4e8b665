"""In a real browser: sign in, switch to Kazakh, add a person, find them by a transliterated name."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import ADMIN_PASSWORD, ARTIFACTS

pytestmark = pytest.mark.e2e


def test_investigator_adds_a_person_in_kazakh_and_finds_them_in_latin(server: Any, browser: Any) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 800}, locale="ru-RU")
    page.goto(f"{server.url}/people")
    assert "/login" in page.url
    page.fill("#username", "investigator")
    page.fill("#password", ADMIN_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{server.url}/people")

    page.get_by_role("link", name="Қазақша").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "kk"
    assert page.get_by_role("heading", name="Тұлғалар").is_visible()

    page.get_by_role("link", name="Тұлға қосу").click()
    page.fill("#name", "Олександр Шевченко")
    page.fill("#birth_date", "1988-03-14")
    page.fill("#citizenships", "UA")
    page.get_by_role("button", name="Сақтау").click()
    page.wait_for_load_state()

    page.fill("#q", "Aleksandr Shevchenko")
    page.keyboard.press("Enter")
    page.wait_for_url("**/people?q=Aleksandr*")
    row = page.get_by_role("row").filter(has_text="Олександр Шевченко")
    assert row.count() == 1
    page.screenshot(path=str(ARTIFACTS / "people-search-kk.png"), full_page=True)

    row.get_by_role("link").click()
    page.fill("#purpose", "жәбірленушіні анықтау")
    page.fill("#legal_basis", "іс 261100031000123")
    page.get_by_role("button", name="Жазбаны ашу").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Олександр Шевченко").is_visible()
    page.screenshot(path=str(ARTIFACTS / "person-record-kk.png"), full_page=True)
    page.close()


def test_keyboard_alone_signs_in_and_reaches_the_navigation(server: Any, browser: Any) -> None:
    page = browser.new_page()
    page.goto(f"{server.url}/login")
    assert page.evaluate("document.activeElement.id") == "username"  # autofocus
    page.keyboard.type("investigator")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "password"
    page.keyboard.type(ADMIN_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{server.url}/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"  # skip link comes first
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('nav') !== null")
    page.close()
