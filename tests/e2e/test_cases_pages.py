"""In a real browser: an investigator registers a case through the form, adds a foreign witness (who
needs an interpreter), sees which forms of pre-trial proceedings the law allows and why, chooses the
accelerated form, adds a material to the case file,
finds it by full-text search, and reads the statistics with their chart in Kazakh."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import ADMIN_PASSWORD, ARTIFACTS

pytestmark = pytest.mark.e2e

MATERIAL_TEXT = (
    "Протокол допроса подозреваемого. Подозреваемый признал вину в краже мобильного телефона "
    "у потерпевшей на остановке общественного транспорта."
)


@pytest.fixture(scope="module")
def investigator(server: Any) -> str:
    """An investigator of this test's own (the shared one's saved language must not leak into
    other tests)."""
    environment = {
        **os.environ,
        "QORGAU_DATA_DIR": str(server.data_dir),
        "QORGAU_ENVIRONMENT": "test",
        "QORGAU_USER_PASSWORD": ADMIN_PASSWORD,
    }
    command = [sys.executable, "-m", "qorgau.cli", "users", "add", "--username", "case_investigator"]
    result = subprocess.run(
        [*command, "--role", "investigator"], env=environment, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return "case_investigator"


def _sign_in(page: Any, server: Any, username: str) -> None:
    page.goto(f"{server.url}/login")
    page.fill("#username", username)
    page.fill("#password", ADMIN_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{server.url}/")


def test_the_investigator_registers_a_case_chooses_the_accelerated_form_and_finds_the_material(
    server: Any, browser: Any, tmp_path: Path, investigator: str
) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 1000}, locale="ru-RU")
    _sign_in(page, server, investigator)

    # Registration: a minor theft, one suspect who admits guilt and has a defender.
    page.goto(f"{server.url}/cases/new?lang=ru")
    page.select_option("#region", index=1)
    page.fill("#title", "Кража телефона на остановке")
    page.fill("#article_1", "188")
    page.fill("#part_1", "1")
    page.select_option("#category_1", "minor")
    page.fill("#suspect_name", "Ержан Сапаров")
    page.fill("#suspect_age", "34")
    page.check("input[name=admits_guilt]")
    page.check("input[name=has_defender]")
    page.get_by_role("button", name="Зарегистрировать", exact=True).click()
    page.wait_for_url(re.compile(r"/cases/\d+\?done=registered"))
    case_url = page.url.split("?")[0]

    # Every form is assessed, with reasons and citations; the accelerated one is allowed here.
    assessments = page.locator("details.form-assessment")
    assert assessments.count() == 5
    accelerated = page.locator("#form option[value=accelerated]")
    assert accelerated.is_enabled()
    assert page.locator("details.form-assessment .cite").count() > 5

    # A form the law does not allow cannot be picked: its option is disabled.
    disabled = page.locator("#form option[disabled]")
    assert disabled.count() >= 1

    # A witness added after registration: a foreign citizen who speaks only Uzbek needs an interpreter.
    page.select_option("#participant_role", "witness")
    page.fill("#participant_name", "Шерзод Каримов")
    page.fill("#participant_birth_date", "1990-05-01")
    page.fill("#participant_citizenships", "UZ")
    page.fill("#participant_languages", "uz")
    page.get_by_role("button", name="Добавить участника в дело").click()
    page.wait_for_url(re.compile(r"done=participant"))
    witness = page.locator("section[aria-labelledby=h-participants] tr", has_text="Шерзод Каримов")
    assert witness.locator("td[data-interpreter=required]").count() == 1
    # The suspect was registered as speaking the language of proceedings: no interpreter for him.
    suspect = page.locator("section[aria-labelledby=h-participants] tr", has_text="Ержан Сапаров")
    assert suspect.locator("td[data-interpreter=not-required]").count() == 1

    page.select_option("#form", "accelerated")
    page.fill("#motivation", "Подозреваемый признал вину, ущерб не оспаривает, доказательства собраны.")
    page.get_by_role("button", name="Вынести решение о форме").click()
    page.wait_for_load_state()
    assert page.locator("details.form-assessment[open] .badge", has_text="выбрана").count() == 1

    # A material in the case file, then found by full-text search (another word form of "кража").
    material = tmp_path / "protocol.txt"
    material.write_text(MATERIAL_TEXT, encoding="utf-8")
    page.set_input_files("#file", str(material))
    page.fill("#material_title", "Протокол допроса подозреваемого")
    page.get_by_role("button", name="Приобщить к делу").click()
    page.wait_for_load_state()
    assert page.get_by_text("protocol.txt").count() >= 1
    page.screenshot(path=str(ARTIFACTS / "cases-case-ru.png"), full_page=True)

    page.goto(f"{server.url}/cases/search")
    page.fill("#q", "кражи телефонов")
    page.fill("#purpose", "проверка материалов дела")
    page.fill("#legal_basis", "ст. 60 УПК РК")
    page.locator("form[role=search] button[type=submit]").click()
    page.wait_for_load_state()
    # The material and the registration act (its title says "Кража телефона") are found; nothing else.
    hits = page.locator("table.data tbody tr")
    assert hits.count() == 2
    material_hit = hits.filter(has_text="Протокол допроса подозреваемого")
    assert material_hit.count() == 1
    page.screenshot(path=str(ARTIFACTS / "cases-search-ru.png"), full_page=True)
    material_hit.locator("a").click()
    page.wait_for_url(re.compile(case_url))

    # Statistics in Kazakh: the chart is drawn, the table counts the case, the CSV is offered.
    page.goto(f"{server.url}/cases/statistics?lang=kk")
    assert page.locator("html").get_attribute("lang") == "kk"
    assert page.locator("main svg, main img").count() >= 1
    assert page.locator("a[href*='statistics.csv']").count() >= 1
    page.screenshot(path=str(ARTIFACTS / "cases-statistics-kk.png"), full_page=True)
    page.close()
