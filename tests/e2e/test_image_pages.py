"""In a real browser: an analyst uploads a survey, reads the profile with its plots, segments the
audience, is told clearly what is wrong with a bad file, and analyses a speech."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from qorgau.image import analyse_profiles, build_ratings, load_scale_file, read_survey
from qorgau.kernel import i18n
from tests.e2e.conftest import ADMIN_PASSWORD, ARTIFACTS

pytestmark = pytest.mark.e2e

DATA = Path(__file__).parents[1] / "unit" / "image" / "data"
SURVEY = DATA / "limesurvey_semicolon.csv"
SCALES = DATA / "scales.yaml"


def sign_in(page: Any, server: Any, target: str) -> None:
    page.goto(f"{server.url}{target}")
    assert "/login" in page.url
    page.fill("#username", "analyst")
    page.fill("#password", ADMIN_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{server.url}{target}")


def test_analyst_uploads_a_survey_and_reads_its_profile(server: Any, browser: Any, tmp_path: Path) -> None:
    page = browser.new_page(viewport={"width": 1366, "height": 900}, locale="ru-RU")
    sign_in(page, server, "/image")
    assert page.get_by_role("heading", name="Имидж лидера").is_visible()

    # A file that lacks a column the scale file names is refused, saying which column.
    broken = tmp_path / "broken.csv"
    broken.write_bytes(SURVEY.read_bytes().replace(b'"Q2[SQ003]"', b'"Q2[SQ777]"', 1))
    page.get_by_role("link", name="Загрузить опрос").click()
    page.set_input_files("#survey", str(broken))
    page.set_input_files("#scales", str(SCALES))
    page.fill("#name", "Fixture survey (e2e)")
    page.get_by_role("button", name="Проверить и сохранить").click()
    page.wait_for_load_state()
    alert = page.get_by_role("alert")
    assert alert.is_visible()
    assert "Опрос не сохранён." in alert.inner_text() and "Q2[SQ003]" in alert.inner_text()
    assert page.locator("#survey").get_attribute("aria-invalid") == "true"
    assert page.locator("#name").input_value() == "Fixture survey (e2e)"

    # The good file is stored and its profile opens with both plots drawn on the server.
    page.set_input_files("#survey", str(SURVEY))
    page.set_input_files("#scales", str(SCALES))
    page.get_by_role("button", name="Проверить и сохранить").click()
    page.wait_for_url(re.compile(r".*/image/surveys/\d+\?added=1$"))
    snake = page.locator("#snake-plot svg")
    assert snake.is_visible()
    box = snake.bounding_box()
    assert box is not None and box["width"] > 400 and box["height"] > 200
    assert page.locator("#epa-plot svg").is_visible()

    # The table shows the numbers the domain computes from the same file.
    scale_file = load_scale_file(SCALES)
    expected = analyse_profiles(build_ratings(read_survey(SURVEY), scale_file), scale_file, "ideal")
    row = page.locator("#distance-table tbody tr").filter(has_text="leader_a")
    with i18n.language("ru"):
        shown_d = i18n.format_number(expected.objects["leader_a"].d_to_ideal, 2)
        low, high = (i18n.format_number(value, 2) for value in expected.objects["leader_a"].d_ci)
    assert shown_d in row.inner_text() and f"{low} – {high}" in row.inner_text()
    page.screenshot(path=str(ARTIFACTS / "image-profile.png"), full_page=True)

    # Split by age group: a table of D per segment, and the plots of one segment.
    page.select_option("#segment", "age_group")
    page.get_by_role("button", name="Показать").click()
    page.wait_for_load_state()
    assert page.locator("#segments-table").is_visible()
    page.select_option("#value", "18-34")
    page.get_by_role("button", name="Показать").click()
    page.wait_for_load_state()
    assert "age_group = 18-34" in page.get_by_role("status").first.inner_text()
    assert page.locator("#snake-plot svg").is_visible()

    # In Kazakh, the same page; and the PDF report downloads.
    page.get_by_role("link", name="Қазақша").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "kk"
    assert page.get_by_role("heading", name="Идеалға дейінгі қашықтық").is_visible()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="PDF есебін жүктеп алу").click()
    report = tmp_path / "report.pdf"
    download_info.value.save_as(report)
    assert report.read_bytes().startswith(b"%PDF-")
    page.screenshot(path=str(ARTIFACTS / "image-profile-kk.png"), full_page=True)
    page.close()


def test_analyst_pastes_a_speech_and_sees_what_drives_its_scores(server: Any, browser: Any) -> None:
    page = browser.new_page(viewport={"width": 1366, "height": 900}, locale="en-US")
    sign_in(page, server, "/image/speeches/new")
    page.get_by_role("link", name="English").click()
    page.wait_for_load_state()
    page.fill("#title", "Address on the economy")
    page.fill("#speaker", "leader_b")
    page.fill("#delivered_on", "2024-04-02")
    page.select_option("#language", "en")
    page.fill("#text", (DATA / "speech_en.txt").read_text(encoding="utf-8"))
    page.get_by_role("button", name="Analyse and store").click()
    page.wait_for_url(re.compile(r".*/image/speeches/\d+\?added=1$"))
    assert page.get_by_role("heading", name="Address on the economy").is_visible()
    assert page.locator("#readability-table").is_visible()
    assert page.locator("#categories-table tbody tr").count() >= 10
    page.get_by_text("Passages that drive the scores").scroll_into_view_if_needed()
    assert page.locator("ol.passages mark").count() >= 1
    page.screenshot(path=str(ARTIFACTS / "image-speech.png"), full_page=True)

    page.get_by_role("link", name="Speeches over time").click()
    page.wait_for_load_state()
    assert page.locator("#series-plot svg").is_visible()
    assert page.locator("#comparison-table tbody tr").filter(has_text="Address on the economy").count() == 1
    page.screenshot(path=str(ARTIFACTS / "image-speeches-compare.png"), full_page=True)
    page.close()
