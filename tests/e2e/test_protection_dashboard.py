"""In a real browser: the analyst's dashboard of asylum and temporary protection (charts drawn on
the server, nothing fetched from the internet) and the migration officer's duplicate review."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from typing import Any

import pytest

from qorgau.kernel.db import Database
from qorgau.protection.demo import run as run_protection_demo
from qorgau.protection.eurostat import SHIPPED_DATASETS
from tests.conftest import make_settings
from tests.e2e.conftest import ADMIN_PASSWORD, ARTIFACTS

pytestmark = pytest.mark.e2e

CLI = [sys.executable, "-m", "qorgau.cli"]
OFFICER = "protection_officer"


@pytest.fixture(scope="module")
def imported(server: Any) -> None:
    """The shipped Eurostat extracts, imported as a user would (the command line)."""
    env = {**os.environ, "QORGAU_DATA_DIR": str(server.data_dir), "QORGAU_ENVIRONMENT": "test"}
    for path, dataset in SHIPPED_DATASETS:
        subprocess.run(
            [*CLI, "protection", "import-eurostat", str(path), "--dataset", dataset],
            env=env,
            check=True,
            capture_output=True,
        )


def sign_in(page: Any, server: Any, username: str, target: str, language: str = "en") -> None:
    page.goto(f"{server.url}{target}")
    assert "/login" in page.url
    page.fill("#username", username)
    page.fill("#password", ADMIN_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{server.url}{target}")
    page.goto(f"{server.url}{target}?lang={language}")


@pytest.mark.usefixtures("imported")
def test_the_analyst_reads_the_dashboard_drawn_without_the_internet(server: Any, browser: Any) -> None:
    page = browser.new_page(viewport={"width": 1366, "height": 900}, locale="en-GB")
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    sign_in(page, server, "analyst", "/protection")
    assert page.get_by_role("heading", name="Asylum and temporary protection").is_visible()

    charts = page.locator("svg[role=img]")
    assert charts.count() == 5
    for chart_id in (
        "applications-over-time",
        "applications-by-citizenship",
        "tp-decisions",
        "tp-beneficiaries",
    ):
        chart = page.locator(f"svg#{chart_id}")
        box = chart.bounding_box()
        assert box is not None and box["width"] > 300 and box["height"] > 100, chart_id
        assert chart.get_attribute("aria-labelledby") == f"{chart_id}-title {chart_id}-desc"
    # The accessible name of a chart is its title, and its figures are in a table beside it.
    assert page.get_by_role("img", name=re.compile("Asylum applications by citizenship, 2022")).is_visible()
    citizens = page.get_by_role("table", name="Applications by citizenship")
    assert "Syria" in citizens.inner_text() and "131,970" in citizens.inner_text()
    assert "+64.0 % on 2021 (537,355)." in page.locator("main").inner_text()
    stock = page.get_by_role("table", name="Beneficiaries at the end of each month")
    assert "3,826,600" in stock.inner_text() and "1,235,960" in stock.inner_text()

    outside = [url for url in requested if not url.startswith(server.url) and not url.startswith("data:")]
    assert outside == []
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "protection-dashboard.png"), full_page=True)

    # The same page in Kazakh: the headings and the numbers follow the language.
    page.goto(f"{server.url}/protection?lang=kk")
    assert page.get_by_role("heading", name="Баспана және уақытша қорғау").is_visible()
    assert "881\xa0220" in page.locator("main").inner_text()
    page.close()


@pytest.fixture(scope="module")
def duplicates(server: Any) -> None:
    """The module's demo registrations (one person registered in Poland and in Germany), run through
    the duplicate detection into the review queue, and a migration officer to work it."""
    env = {**os.environ, "QORGAU_DATA_DIR": str(server.data_dir), "QORGAU_USER_PASSWORD": ADMIN_PASSWORD}
    subprocess.run(
        [*CLI, "users", "add", "--username", OFFICER, "--role", "migration_officer"],
        env=env,
        check=True,
        capture_output=True,
    )
    database = Database(make_settings(server.data_dir))
    try:
        run_protection_demo(database)
    finally:
        database.dispose()


@pytest.mark.usefixtures("duplicates")
def test_the_officer_confirms_a_person_registered_in_two_states(server: Any, browser: Any) -> None:
    page = browser.new_page(viewport={"width": 1366, "height": 900}, locale="en-GB")
    sign_in(page, server, OFFICER, "/protection/review")
    # The officer's own choice of language (kept with the user, unlike ?lang= on one page).
    page.goto(f"{server.url}/lang/en?next=/protection/review")
    page.get_by_role("link", name=re.compile(r"^\d+$")).first.click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Are these one person?").is_visible()
    compare = page.locator("table.compare")
    assert "Шевченко" in compare.inner_text() and "Shevchenko" in compare.inner_text()
    birth = compare.locator("tr", has_text="Birth date")
    assert "agree" in (birth.get_attribute("class") or "")
    state = compare.locator("tr", has_text="Registering state")
    assert "disagree" in (state.get_attribute("class") or "")
    page.screenshot(path=str(ARTIFACTS / "protection-review.png"), full_page=True)
    page.get_by_role("button", name="Confirm: one person").click()
    page.wait_for_url(re.compile(r".*/protection/review\?done=confirmed$"))
    assert "The review is recorded: confirmed: one person." in page.get_by_role("status").first.inner_text()
    page.close()
