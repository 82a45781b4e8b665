"""The image module through HTTP: uploads, profiles equal to the command line's, refusals, roles, reports.

The fixture survey and scale file are the unit tests' (``tests/unit/image/data``); the command-line
results are computed in the same test from the same files, never written down by hand.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from qorgau.image.cli import app as image_cli
from qorgau.kernel.audit.store import AuditEntry
from qorgau.kernel.db import Database

DATA = Path(__file__).parents[2] / "unit" / "image" / "data"
SURVEY = DATA / "limesurvey_semicolon.csv"
SCALES = DATA / "scales.yaml"


def cli_json(*arguments: str | Path) -> Any:
    result = CliRunner().invoke(image_cli, [str(argument) for argument in arguments])
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def upload(
    client: Any,
    headers: dict[str, str],
    survey: bytes | None = None,
    *,
    filename: str = "limesurvey_semicolon.csv",
    scales: bytes | None = None,
    ideal: str = "ideal",
) -> Any:
    return client.post(
        "/api/v1/image/surveys",
        headers=headers,
        data={"ideal": ideal, "name": "Fixture survey"},
        files={
            "survey": (filename, SURVEY.read_bytes() if survey is None else survey, "text/csv"),
            "scales": ("scales.yaml", SCALES.read_bytes() if scales is None else scales, "application/yaml"),
        },
    )


def fixture_text() -> str:
    return SURVEY.read_bytes().decode("utf-8-sig")


def audit_actions(database: Database) -> list[str]:
    with database.session() as session:
        return list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)))


def test_uploaded_survey_profile_equals_the_command_line_on_the_same_file(
    app_client: Any, staff: Any
) -> None:
    headers = staff.headers("analyst")
    response = upload(app_client, headers)
    assert response.status_code == 201, response.text
    stored = response.json()
    assert stored["respondents"] == 5 and stored["objects"] == ["ideal", "leader_a", "leader_b"]

    profile = app_client.get(
        f"/api/v1/image/surveys/{stored['id']}/profile", params={"resamples": 300}, headers=headers
    )
    assert profile.status_code == 200
    expected = cli_json(
        "profile", SURVEY, "--scales", SCALES, "--ideal", "ideal", "--json", "--resamples", "300"
    )
    assert profile.json() == expected
    leader = profile.json()["objects"]["leader_a"]
    assert set(leader) >= {"means", "ci", "epa", "d_to_ideal", "d_ci"}


def test_segment_profile_equals_the_command_line_segment(app_client: Any, staff: Any) -> None:
    headers = staff.headers("analyst")
    survey_id = upload(app_client, headers).json()["id"]
    profile = app_client.get(
        f"/api/v1/image/surveys/{survey_id}/profile",
        params={"segment": "age_group", "resamples": 100},
        headers=headers,
    ).json()
    expected = cli_json(
        "profile", SURVEY, "--scales", SCALES, "--ideal", "ideal", "--segment", "age_group",
        "--resamples", "100", "--json",
    )  # fmt: skip
    assert profile == expected
    assert set(profile["segments"]) == {"18-34", "35-54", "55+"}


def test_missing_column_is_refused_naming_it_and_nothing_is_stored(
    app_client: Any, staff: Any, sqlite_db: Database
) -> None:
    headers = staff.headers("analyst")
    broken = fixture_text().replace('"Q2[SQ003]"', '"Q2[SQ099]"', 1).encode("utf-8")
    response = upload(app_client, headers, broken)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["field"] == "survey"
    assert problem["columns"] == ["Q2[SQ003]"]
    assert "Q2[SQ003]" in problem["detail"] and "missing column" in problem["detail"]
    assert app_client.get("/api/v1/image/surveys", headers=headers).json() == {"surveys": []}
    assert "image.survey.upload" not in audit_actions(sqlite_db)


def test_answer_outside_the_scale_is_refused_naming_column_and_row(app_client: Any, staff: Any) -> None:
    lines = fixture_text().splitlines()
    cells = lines[2].split(";")
    header = lines[0].split(";")
    cells[header.index('"Q3[SQ004]"')] = '"9"'
    lines[2] = ";".join(cells)
    response = upload(app_client, staff.headers("analyst"), ("\n".join(lines) + "\n").encode("utf-8"))
    assert response.status_code == 422
    problem = response.json()
    assert problem["columns"] == ["Q3[SQ004]"]
    assert "column Q3[SQ004], row 2: 9 is outside 1..7" in problem["detail"]


BAD_INPUTS = [
    # (survey bytes or None for the fixture, file name, scale file or None, ideal, field, message fragment)
    (b"\x00\x01\x02binary", "export.csv", None, "ideal", "survey", "export.csv: the file is binary"),
    (b"", "export.csv", None, "ideal", "survey", "export.csv: the file is empty"),
    (None, "export.pdf", None, "ideal", "survey", "unknown survey format .pdf"),
    (None, "export.csv", b"objects: [ideal\n", "ideal", "scales", "not valid YAML"),
    (None, "export.csv", b"objects: []\nscales: []\n", "ideal", "scales", "'objects' must list"),
    (None, "export.csv", None, "president", "ideal", "'president' is not an object"),
]


def test_bad_input_is_refused_with_the_field_at_fault(app_client: Any, staff: Any) -> None:
    # One client for every case (a client per case would spend its time creating users).
    for survey, filename, scales, ideal, field, fragment in BAD_INPUTS:
        response = upload(
            app_client, staff.headers("analyst"), survey, filename=filename, scales=scales, ideal=ideal
        )
        assert response.status_code == 422, (fragment, response.text)
        assert response.json()["field"] == field, fragment
        assert fragment in response.json()["detail"]
        assert "/tmp" not in response.json()["detail"]  # the temporary file the importer read stays hidden
    assert app_client.get("/api/v1/image/surveys", headers=staff.headers("analyst")).json() == {"surveys": []}


def test_survey_with_no_rated_objects_is_refused(app_client: Any, staff: Any) -> None:
    lines = fixture_text().splitlines()
    header = lines[0].split(";")
    rated = {i for i, name in enumerate(header) if name.startswith('"Q')}
    blanked = [
        ";".join('""' if i in rated else cell for i, cell in enumerate(line.split(";"))) for line in lines[1:]
    ]
    response = upload(app_client, staff.headers("analyst"), ("\n".join([lines[0], *blanked]) + "\n").encode())
    assert response.status_code == 422
    assert "no rated objects" in response.json()["detail"]


def test_analyst_may_read_and_write_admin_may_read_operator_may_not(app_client: Any, staff: Any) -> None:
    assert upload(app_client, staff.headers("analyst")).status_code == 201
    assert app_client.get("/api/v1/image/surveys", headers=staff.headers("admin")).status_code == 200
    refused_write = upload(app_client, staff.headers("admin"))
    assert refused_write.status_code == 403 and refused_write.json()["permission"] == "image.write"
    for method, path in (("GET", "/api/v1/image/surveys"), ("GET", "/api/v1/image/surveys/1/profile")):
        response = app_client.request(method, path, headers=staff.headers("operator"))
        assert response.status_code == 403
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["permission"] == "image.read"
    assert upload(app_client, staff.headers("operator")).status_code == 403
    pages = app_client.get("/image", headers=staff.headers("operator"))
    assert pages.status_code == 403


def test_unknown_survey_is_404(app_client: Any, staff: Any) -> None:
    response = app_client.get("/api/v1/image/surveys/999/profile", headers=staff.headers("analyst"))
    assert response.status_code == 404


def test_upload_and_report_download_are_audited(app_client: Any, staff: Any, sqlite_db: Database) -> None:
    headers = staff.headers("analyst")
    survey_id = upload(app_client, headers).json()["id"]
    pdf = app_client.get(
        f"/api/v1/image/surveys/{survey_id}/report", params={"format": "pdf", "lang": "kk"}, headers=headers
    )
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    assert "attachment" in pdf.headers["content-disposition"]
    html = app_client.get(
        f"/api/v1/image/surveys/{survey_id}/report", params={"format": "html", "lang": "ru"}, headers=headers
    )
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    assert "<svg" in html.text and "Имидж лидера" in html.text
    bad = app_client.get(
        f"/api/v1/image/surveys/{survey_id}/report", params={"format": "doc"}, headers=headers
    )
    assert bad.status_code == 422 and bad.json()["field"] == "format"
    actions = audit_actions(sqlite_db)
    assert actions.count("image.survey.upload") == 1
    assert actions.count("image.report.download") == 2


def test_speech_analysis_equals_the_command_line(app_client: Any, staff: Any, tmp_path: Path) -> None:
    headers = staff.headers("analyst")
    text = (DATA / "speech_ru.txt").read_text(encoding="utf-8")
    added = app_client.post(
        "/api/v1/image/speeches",
        headers=headers,
        json={
            "title": "Послание",
            "speaker": "leader_a",
            "language": "ru",
            "text": text,
            "date": "2024-03-01",
        },
    )
    assert added.status_code == 201, added.text
    stored = app_client.get(f"/api/v1/image/speeches/{added.json()['id']}", headers=headers).json()
    assert stored["date"] == "2024-03-01" and stored["speaker"] == "leader_a"
    assert stored["analysis"] == cli_json("speech", DATA / "speech_ru.txt", "--lang", "ru", "--json")


def test_speech_in_another_language_is_refused_naming_the_language(app_client: Any, staff: Any) -> None:
    response = app_client.post(
        "/api/v1/image/speeches",
        headers=staff.headers("analyst"),
        json={
            "title": "Speech",
            "speaker": "leader_b",
            "language": "kk",
            "text": (DATA / "speech_ru.txt").read_text(encoding="utf-8"),
        },
    )
    assert response.status_code == 422
    assert response.json()["field"] == "language"
    assert "not Kazakh (kk)" in response.json()["detail"]
    empty = app_client.post(
        "/api/v1/image/speeches",
        headers=staff.headers("analyst"),
        json={"title": "Speech", "speaker": "leader_b", "language": "en", "text": "12 34 …"},
    )
    assert empty.status_code == 422 and empty.json()["field"] == "text"


def test_comparison_lines_speeches_up_by_date(app_client: Any, staff: Any) -> None:
    headers = staff.headers("analyst")
    for name, date in (
        ("speech_en.txt", "2024-05-01"),
        ("speech_ru.txt", "2024-01-10"),
        ("speech_kk.txt", None),
    ):
        language = name.split("_")[1].split(".")[0]
        body = {"title": name, "speaker": "leader_a", "language": language, "date": date}
        body["text"] = (DATA / name).read_text(encoding="utf-8")
        assert app_client.post("/api/v1/image/speeches", headers=headers, json=body).status_code == 201
    comparison = app_client.get("/api/v1/image/speeches/comparison", headers=headers).json()
    assert [s["label"] for s in comparison["speeches"]] == ["speech_ru.txt", "speech_en.txt", "speech_kk.txt"]
    assert all(isinstance(s["id"], int) for s in comparison["speeches"])
    first, last = comparison["speeches"][0]["measures"], comparison["speeches"][-1]["measures"]
    assert comparison["change_first_to_last"]["we"] == pytest.approx(last["we"] - first["we"])
    assert "flesch_kincaid_grade" not in comparison["measures"]  # the Kazakh speech has none


# --- pages, through a browser-like session --------------------------------------------------------


def csrf(page_html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page_html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def test_analyst_uploads_in_the_form_and_reads_the_profile_page(
    app_client: Any, staff: Any, login: Any
) -> None:
    login(app_client, "analyst_user")
    form = app_client.get("/image/surveys/new")
    assert form.status_code == 200
    response = app_client.post(
        "/image/surveys/new",
        data={"csrf_token": csrf(form.text), "ideal": "ideal", "name": "Form upload"},
        files={
            "survey": ("limesurvey_semicolon.csv", SURVEY.read_bytes(), "text/csv"),
            "scales": ("scales.yaml", SCALES.read_bytes(), "application/yaml"),
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    page = app_client.get(response.headers["location"])
    assert page.status_code == 200
    assert page.text.count("<svg") == 2 and 'id="snake-plot"' in page.text
    assert "http://" not in page.text.replace("http://www.w3.org", "") and "https://" not in page.text
    segmented = app_client.get(response.headers["location"].split("?")[0], params={"segment": "age_group"})
    assert 'id="segments-table"' in segmented.text and "18-34" in segmented.text
    app_client.get("/lang/kk?next=/image")
    overview = app_client.get("/image")
    assert "Көшбасшы имиджі" in overview.text and "Form upload" in overview.text


def test_bad_file_in_the_form_shows_the_error_and_keeps_the_answers(
    app_client: Any, staff: Any, login: Any
) -> None:
    login(app_client, "analyst_user")
    app_client.get("/lang/ru?next=/image")
    token = csrf(app_client.get("/image/surveys/new").text)
    broken = fixture_text().replace('"Q1[SQ002]"', '"Q1[XX]"', 1).encode("utf-8")
    response = app_client.post(
        "/image/surveys/new",
        data={"csrf_token": token, "ideal": "ideal", "name": "Broken"},
        files={"survey": ("broken.csv", broken, "text/csv"), "scales": ("scales.yaml", SCALES.read_bytes())},
    )
    assert response.status_code == 422
    assert "Опрос не сохранён." in response.text and "<code>Q1[SQ002]</code>" in response.text
    assert 'value="Broken"' in response.text


def test_speech_added_in_the_form_is_analysed_on_its_page(app_client: Any, staff: Any, login: Any) -> None:
    login(app_client, "analyst_user")
    token = csrf(app_client.get("/image/speeches/new").text)
    response = app_client.post(
        "/image/speeches/new",
        data={
            "csrf_token": token,
            "title": "Жолдау",
            "speaker": "leader_a",
            "language": "kk",
            "delivered_on": "",
        },
        files={"text_file": ("speech.txt", (DATA / "speech_kk.txt").read_bytes(), "text/plain")},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    page = app_client.get(response.headers["location"]).text
    assert 'id="categories-table"' in page and "<mark>" in page
    compare = app_client.get("/image/speeches/compare")
    assert compare.status_code == 200 and 'id="series-plot"' in compare.text
