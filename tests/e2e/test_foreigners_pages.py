"""In a real browser: a migration officer imports crossings, finds an overstay on the worklist, reads
the person's timeline in Kazakh, records an exit, and sees the bad rows of a CSV file by line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import ADMIN_PASSWORD, ARTIFACTS

pytestmark = pytest.mark.e2e
ON = "2026-11-25"
CROSSINGS = (
    "name,birth_date,citizenship,entry,exit,entry_border_point,exit_border_point\n"
    "Дмитрий Иванов,1985-09-09,RU,2026-06-01,2026-07-20,Khorgos,Khorgos\n"
    "Dmitrii Ivanov,1985-09-09,RU,2026-09-10,,Almaty airport,\n"
    "Mehmet Yılmaz,1983-07-27,TR,2026-11-20,,Almaty airport,\n"
)
BAD_CROSSINGS = (
    "name,birth_date,citizenship,entry,exit\n"
    "Бакыт Асанов,1990-12-05,KG,2026-07-20,2026-07-01\n"
    "Anna Smith,1979-02-03,QQ,2026-10-01,\n"
)


def _cli(server: Any, *args: str, env: dict[str, str] | None = None) -> None:
    environment = {
        **os.environ,
        "QORGAU_DATA_DIR": str(server.data_dir),
        "QORGAU_ENVIRONMENT": "test",
        **(env or {}),
    }
    result = subprocess.run(
        [sys.executable, "-m", "qorgau.cli", *args],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr


@pytest.fixture(scope="module")
def officer(server: Any, tmp_path_factory: pytest.TempPathFactory) -> str:
    _cli(
        server,
        "users",
        "add",
        "--username",
        "officer",
        "--role",
        "migration_officer",
        env={"QORGAU_USER_PASSWORD": ADMIN_PASSWORD},
    )
    csv = tmp_path_factory.mktemp("foreigners") / "crossings.csv"
    csv.write_text(CROSSINGS, encoding="utf-8")
    _cli(server, "foreigners", "import-crossings", str(csv))
    return "officer"


def _sign_in(page: Any, server: Any, username: str) -> None:
    page.goto(f"{server.url}/login")
    page.fill("#username", username)
    page.fill("#password", ADMIN_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{server.url}/")


def test_the_officer_finds_an_overstay_and_reads_the_timeline_in_kazakh(
    server: Any, browser: Any, officer: str
) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="ru-RU")
    _sign_in(page, server, officer)
    page.goto(f"{server.url}/foreigners?date={ON}")
    overstays = page.locator("#overstays-table tbody tr")
    assert overstays.count() == 1 and "Дмитрий Иванов" in overstays.first.inner_text()
    assert page.locator("#due-table").is_visible()  # the host of Mehmet Yılmaz must notify today
    page.screenshot(path=str(ARTIFACTS / "foreigners-worklist-ru.png"), full_page=True)

    page.get_by_role("link", name="Қазақша").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Шетелдіктер", exact=True).is_visible()
    page.locator("#overstays-table a").first.click()
    page.fill("#purpose", "болу мерзімін бақылау")
    page.fill("#legal_basis", "Көші-қон туралы заң 477-IV")
    page.get_by_role("button", name="Болу жазбасын ашу").click()
    page.wait_for_url("**legal_basis=**")
    page.goto(page.url + f"&date={ON}")
    assert page.locator("#overstay-badge").is_visible()
    assert page.locator("svg.fg-timeline rect.unlawful").count() == 1
    assert "Заңды болудың соңғы күні" in page.locator("section[aria-labelledby=stay-h]").inner_text()
    assert page.locator("#rights-list li").count() >= 5
    page.screenshot(path=str(ARTIFACTS / "foreigners-timeline-kk.png"), full_page=True)

    page.fill("#x-exit", "2026-11-24")
    page.locator("#form-exit button[type=submit]").click()
    page.wait_for_url("**done=exit**")
    assert page.locator("#overstay-badge").count() == 0  # left the day before
    page.close()


def test_the_csv_upload_shows_each_bad_line_with_a_progress_bar(
    server: Any, browser: Any, officer: str, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(BAD_CROSSINGS, encoding="utf-8")
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="en-GB")
    _sign_in(page, server, officer)
    page.goto(f"{server.url}/lang/en?next=/foreigners/import")
    page.set_input_files("#file", str(bad))
    page.get_by_role("button", name="Import").click()
    page.wait_for_selector("#bad-rows")
    lines = page.locator("#bad-rows tbody tr td:first-child").all_inner_texts()
    assert lines == ["2", "3"]
    assert "Nothing was imported" in page.locator(".flash.error").inner_text()
    page.screenshot(path=str(ARTIFACTS / "foreigners-import-errors-en.png"), full_page=True)
    page.close()
