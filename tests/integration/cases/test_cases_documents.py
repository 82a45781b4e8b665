"""Procedural documents as PDF in Russian and Kazakh, with their citations."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from qorgau.cases.documents import (
    DOCUMENT_KINDS,
    citation_label,
    document_context,
    render_case_document,
    templates,
)
from qorgau.cases.domain.errors import InvalidCaseInput
from qorgau.cases.service import (
    CaseArchive,
    do_add_act,
    do_assign_defender,
    do_choose_form,
    do_petition,
    do_register_case,
)
from qorgau.cases.store import CaseRow
from qorgau.kernel.db import Database
from qorgau.kernel.law import Citation
from tests.integration.cases.conftest import Team, case_document, make_team


@pytest.fixture
def worked_case(sqlite_db: Database, archive: CaseArchive) -> tuple[Database, Team, int]:
    team = make_team(sqlite_db)
    with sqlite_db.session() as session:
        case = do_register_case(
            session, team.investigator, case_document(prosecutor=team.prosecutor.username), archive
        )
        do_choose_form(
            session,
            team.investigator,
            case.id,
            archive,
            form="accelerated",
            motivation="Вина признана полностью.",
        )
        do_assign_defender(session, team.investigator, case.id, archive, username=team.defender.username)
        do_petition(session, team.defender, case.id, archive, kind="plea", note="Согласен")
        do_add_act(
            session,
            team.investigator,
            case.id,
            archive,
            kind="completion_report",
            text="Расследование окончено.",
        )
        return sqlite_db, team, case.id


def pdf_text(pdf: bytes, tmp_path: Path) -> str | None:
    """The text of a PDF through poppler's pdftotext, where it is installed."""
    if shutil.which("pdftotext") is None:
        return None
    path = tmp_path / "document.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


@pytest.mark.parametrize("language", ["ru", "kk"])
@pytest.mark.parametrize("kind", DOCUMENT_KINDS)
def test_every_document_renders_in_russian_and_kazakh(
    worked_case: tuple[Database, Team, int], tmp_path: Path, kind: str, language: str
) -> None:
    database, team, case_id = worked_case
    with database.session() as session:
        pdf = render_case_document(session, team.investigator, case_id, kind, language)
    assert pdf.startswith(b"%PDF") and len(pdf) > 5000
    text = pdf_text(pdf, tmp_path)
    if text is None:
        pytest.skip("pdftotext (poppler-utils) is not installed: the PDF was made but not read back")
    flat = " ".join(text.split())
    title = templates()[kind].title.get(language)
    assert " ".join(title.split()[:3]) in flat
    assert ("ҚАЗАҚСТАН" if language == "kk" else "РЕСПУБЛИКА КАЗАХСТАН") in flat
    assert "2631 0100 0000 01" in flat  # the ERDR number


def test_the_form_decision_cites_every_reason_of_the_assessment(
    worked_case: tuple[Database, Team, int],
) -> None:
    database, _team, case_id = worked_case
    with database.session() as session:
        case = session.get(CaseRow, case_id)
        assert case is not None
        context = document_context(session, case, "form_decision", "kk")
    reasons = context["reasons"]
    assert any("ҚПК 190-бабы" in reason for reason in reasons)
    assert any("ресми мәтінмен салыстырылмаған" in reason for reason in reasons)  # unverified marked
    assert "15 тәулік" in context["time_limit"]


def test_a_document_the_case_has_not_reached_is_refused(sqlite_db: Database, archive: CaseArchive) -> None:
    team = make_team(sqlite_db)
    with sqlite_db.session() as session:
        case = do_register_case(session, team.investigator, case_document(), archive)
        for kind in ("form_decision", "completion_report", "agreement"):
            with pytest.raises(InvalidCaseInput):
                render_case_document(session, team.investigator, case.id, kind, "ru")
        with pytest.raises(InvalidCaseInput) as caught:
            render_case_document(session, team.investigator, case.id, "registration_notice", "en")
        assert caught.value.field == "lang"


def test_citations_are_labelled_in_the_document_language() -> None:
    citation = Citation("UPK RK", article="613", part="2", point="1")
    assert citation_label(citation, "ru") == "ст. 613 ч. 2 п. 1 УПК РК"
    assert citation_label(citation, "kk") == "ҚР ҚПК 613-бабы 2-бөлігі 1-тармағы"
