"""The electronic case on both stores: registration, the form, the case log, deadlines, agreements,
export, scopes and the audit of reads."""

from __future__ import annotations

import base64
import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from qorgau.cases.domain.bundle import verify_bundle
from qorgau.cases.domain.checkpoint import open_checkpoint
from qorgau.cases.domain.errors import InvalidCaseInput
from qorgau.cases.domain.merkle import MerkleTree
from qorgau.cases.service import (
    AgreementNotAllowed,
    CaseArchive,
    CaseFileCorrupted,
    FormNotAllowed,
    access_case,
    access_material,
    case_detail,
    do_add_act,
    do_add_material,
    do_advance_agreement,
    do_assign_defender,
    do_choose_form,
    do_petition,
    do_register_case,
    do_send_to_court,
    due_soon,
    export_case,
    list_cases,
    overdue,
)
from qorgau.cases.store import INLINE_LIMIT, CaseRow, EntryRow, LogRow, ParticipantRow
from qorgau.kernel.audit.service import MissingLegalBasis
from qorgau.kernel.audit.store import AuditEntry
from qorgau.kernel.auth.scopes import Forbidden
from qorgau.kernel.db import Database
from qorgau.kernel.people.store import PersonRow
from tests.integration.cases.conftest import ALMATY, REGISTERED_AT, Team, case_document

PURPOSE = {"purpose": "checking the evidence", "legal_basis": "ERDR case, investigator in charge"}


def register(database: Database, team: Team, archive: CaseArchive, **changes: object) -> CaseRow:
    document = case_document(prosecutor=team.prosecutor.username, **changes)
    with database.session() as session:
        return do_register_case(session, team.investigator, document, archive)


def log_state(database: Database, case_id: int) -> tuple[int, list[str], str | None, int]:
    with database.session() as session:
        log = session.get(LogRow, case_id)
        assert log is not None
        count = session.scalar(select(func.count()).select_from(EntryRow).where(EntryRow.case_id == case_id))
        return log.size, list(log.frontier), log.checkpoint, int(count or 0)


def test_registration_allocates_erdr_numbers_in_sequence_per_year_region_and_authority(
    any_db: Database, team: Team, archive: CaseArchive
) -> None:
    first = register(any_db, team, archive)
    second = register(any_db, team, archive)
    elsewhere = register(any_db, team, archive, region="almaty")
    police_unit = register(any_db, team, archive, authority=4)
    assert first.number.startswith("26310100") and first.serial == 1
    assert second.serial == 2 and second.number[:8] == first.number[:8]
    assert elsewhere.number.startswith("26750100") and elsewhere.serial == 1
    assert police_unit.number.startswith("26310400") and police_unit.serial == 1
    assert len({first.number, second.number, elsewhere.number, police_unit.number}) == 4
    assert first.registered_at == REGISTERED_AT and first.registered_on == dt.date(2026, 11, 25)


def test_participants_given_by_name_join_the_people_registry(
    any_db: Database, team: Team, archive: CaseArchive
) -> None:
    case = register(any_db, team, archive)
    with any_db.session() as session:
        participants = session.scalars(
            select(ParticipantRow).where(ParticipantRow.case_id == case.id).order_by(ParticipantRow.position)
        ).all()
        assert [p.role for p in participants] == ["suspect", "victim"]
        suspect = session.get(PersonRow, participants[0].person_id)
        assert suspect is not None and suspect.name == "Қайрат Нұрланұлы Сәрсенбаев"
        assert suspect.birth_date == dt.date(1992, 6, 30) and suspect.citizenships == ["KZ"]
        # The age was derived from the birth date on the assessment date.
        assert participants[0].facts["age"] == 34
        known_id = suspect.id
    # A second case about the same person refers to the registry entry instead of adding one.
    document = case_document()
    document["persons"][0] = {"role": "suspect", "age": 34, "admits_guilt": True, "person_id": known_id}
    with any_db.session() as session:
        again = do_register_case(session, team.investigator, document, archive)
        linked = session.scalar(
            select(ParticipantRow.person_id).where(
                ParticipantRow.case_id == again.id, ParticipantRow.position == 1
            )
        )
        assert linked == known_id
        assert session.scalar(select(func.count()).select_from(PersonRow)) == 3


def test_registration_opens_the_case_log_with_a_signed_checkpoint(
    any_db: Database, team: Team, archive: CaseArchive
) -> None:
    case = register(any_db, team, archive)
    size, _frontier, checkpoint, count = log_state(any_db, case.id)
    assert size == count == 1
    assert checkpoint is not None
    opened, keys = open_checkpoint(checkpoint, archive.keys.keyring())
    with any_db.session() as session:
        leaf = bytes.fromhex(
            session.scalars(select(EntryRow.leaf_hash).where(EntryRow.case_id == case.id)).one()
        )
    assert opened.size == 1 and opened.root_hash == MerkleTree([leaf]).root()
    assert opened.origin == f"qorgau.kz/cases/{case.number}" and keys[0].name == "qorgau.kz/cases"
    # The private key lives under the data directory, never in the database.
    assert archive.keys.private_key_path.stat().st_mode & 0o777 == 0o600


def test_an_unknown_investigator_or_person_is_refused_naming_the_field(
    any_db: Database, team: Team, archive: CaseArchive
) -> None:
    with pytest.raises(InvalidCaseInput) as caught, any_db.session() as session:
        do_register_case(session, team.investigator, case_document(prosecutor="nobody"), archive)
    assert caught.value.field == "prosecutor"
    document = case_document()
    document["persons"][1] = {"role": "victim", "person_id": "00000000-0000-0000-0000-000000000000"}
    with pytest.raises(InvalidCaseInput) as caught, any_db.session() as session:
        do_register_case(session, team.investigator, document, archive)
    assert caught.value.field == "persons[1].person_id"
    with any_db.session() as session:
        assert session.scalar(select(func.count()).select_from(CaseRow)) == 0


def test_a_form_the_assessment_closes_cannot_be_chosen(
    any_db: Database, team: Team, archive: CaseArchive
) -> None:
    document = case_document()
    document["persons"][0]["admits_guilt"] = False
    case = register(any_db, team, archive, persons=document["persons"])
    before = log_state(any_db, case.id)
    with pytest.raises(FormNotAllowed) as caught, any_db.session() as session:
        do_choose_form(
            session, team.investigator, case.id, archive, form="accelerated", motivation="ускоренно, всё ясно"
        )
    assert caught.value.field == "form"
    assert "accelerated_suspects_admit_guilt" in {reason.rule for reason in caught.value.reasons}
    assert "admit" in str(caught.value)
    assert log_state(any_db, case.id) == before
    with any_db.session() as session:
        assert session.get(CaseRow, case.id).form is None  # type: ignore[union-attr]


def test_the_motivated_form_decision_is_an_act_and_an_entry_of_the_case_file(
    any_db: Database, team: Team, archive: CaseArchive
) -> None:
    case = register(any_db, team, archive)
    with any_db.session() as session:
        act = do_choose_form(
            session,
            team.investigator,
            case.number,
            archive,
            form="accelerated",
            motivation="Подозреваемый признаёт вину, ущерб и квалификацию не оспаривает.",
        )
        entry = session.get(EntryRow, act.entry_id)
        assert entry is not None and entry.kind == "form_decision" and entry.leaf_index == 1
        logged = json.loads(bytes(entry.content or b""))
        assert logged["act"] == "form_decision" and logged["data"]["form"] == "accelerated"
        assert any(
            reason["rule"] == "accelerated_suspects_admit_guilt" for reason in logged["data"]["reasons"]
        )
    with pytest.raises(InvalidCaseInput) as caught, any_db.session() as session:
        do_choose_form(session, team.investigator, case.id, archive, form="inquiry", motivation="")
    assert caught.value.field == "motivation"
    with pytest.raises(InvalidCaseInput) as caught, any_db.session() as session:
        do_choose_form(session, team.investigator, case.id, archive, form="summary", motivation="a" * 20)
    assert caught.value.field == "form"


def test_a_material_that_fails_to_store_leaves_the_log_unchanged(
    any_db: Database, team: Team, archive: CaseArchive
) -> None:
    case = register(any_db, team, archive)
    with any_db.session() as session:
        do_add_material(
            session, team.investigator, case.id, archive, title="Заявление", filename="a.txt", content=b"x"
        )
    before = log_state(any_db, case.id)
    content = b"scan " * (INLINE_LIMIT // 4)
    import hashlib

    # A real failure, no mock: the file's place is taken by a non-empty directory.
    blocked = archive.files.root / str(case.id) / hashlib.sha256(content).hexdigest()
    (blocked / "occupied").mkdir(parents=True)
    with pytest.raises(OSError), any_db.session() as session:
        do_add_material(
            session,
            team.investigator,
            case.id,
            archive,
            title="Скан протокола",
            filename="scan.pdf",
            content=content,
        )
    assert log_state(any_db, case.id) == before
    assert not [p for p in blocked.parent.iterdir() if p.name.startswith(".upload-")]
    # Bad input is refused before anything is written.
    for bad in ({"title": " ", "content": b"x"}, {"title": "Пусто", "content": b""}):
        with pytest.raises(InvalidCaseInput), any_db.session() as session:
            do_add_material(session, team.investigator, case.id, archive, filename="b.txt", **bad)  # type: ignore[arg-type]
    assert log_state(any_db, case.id) == before
    # Once the place is free, the same material is stored and logged.
    (blocked / "occupied").rmdir()
    blocked.rmdir()
    with any_db.session() as session:
        entry = do_add_material(
            session,
            team.investigator,
            case.id,
            archive,
            title="Скан протокола",
            filename="scan.pdf",
            content=content,
        )
        assert entry.leaf_index == before[0] and entry.content is None and entry.storage_path
    assert (archive.files.root / f"{case.id}" / hashlib.sha256(content).hexdigest()).read_bytes() == content


def test_the_exported_bundle_verifies_without_the_database(
    any_db: Database, team: Team, archive: CaseArchive
) -> None:
    case = register(any_db, team, archive)
    big = "Протокол осмотра места происшествия. ".encode() * 20000
    with any_db.session() as session:
        do_choose_form(
            session, team.investigator, case.id, archive, form="accelerated", motivation="Вина признана."
        )
        do_add_material(
            session, team.investigator, case.id, archive, title="Заявление", filename="a.txt", content=b"a"
        )
        do_add_material(
            session, team.investigator, case.id, archive, title="Осмотр", filename="o.txt", content=big
        )
    with any_db.session() as session:
        bundle = export_case(session, team.prosecutor, case.id, archive, **PURPOSE)
    result = verify_bundle(bundle)
    assert result.ok, result.problems
    assert result.entries == 4 and result.earlier_checkpoints == 1
    assert result.origin == f"qorgau.kz/cases/{case.number}"
    with any_db.session() as session:
        stored = session.get(LogRow, case.id)
        assert stored is not None and stored.checkpoint is not None
        assert result.root_hash == stored.checkpoint.split("\n")[2]
        assert base64.b64decode(result.root_hash or "")  # the bundle and the store agree on the root


def test_an_entry_edited_in_the_database_stops_the_export(
    any_db: Database, team: Team, archive: CaseArchive
) -> None:
    case = register(any_db, team, archive)
    with any_db.session() as session:
        do_add_material(
            session, team.investigator, case.id, archive, title="Заявление", filename="a.txt", content=b"a"
        )
    with any_db.engine.begin() as connection:
        connection.execute(
            text("UPDATE cases_entries SET title = 'Другое' WHERE case_id = :id AND leaf_index = 1"),
            {"id": case.id},
        )
    with pytest.raises(CaseFileCorrupted, match="entry 1"), any_db.session() as session:
        export_case(session, team.investigator, case.id, archive, **PURPOSE)


def test_reading_a_material_needs_a_purpose_and_a_basis_and_is_audited(
    any_db: Database, team: Team, archive: CaseArchive
) -> None:
    case = register(any_db, team, archive)
    with any_db.session() as session:
        entry = do_add_material(
            session, team.investigator, case.id, archive, title="Заявление", filename="a.txt", content=b"text"
        )
        entry_id = entry.id
    with pytest.raises(MissingLegalBasis) as caught, any_db.session() as session:
        access_material(
            session, team.prosecutor, case.id, entry_id, archive, purpose=None, legal_basis="x" * 5
        )
    assert caught.value.field == "purpose"
    with any_db.session() as session:
        _entry, content = access_material(session, team.prosecutor, case.id, entry_id, archive, **PURPOSE)
        assert content == b"text"
        audit = session.scalars(
            select(AuditEntry)
            .where(AuditEntry.action == "case.material.read")
            .order_by(AuditEntry.seq.desc())
        ).first()
        assert audit is not None and audit.actor == team.prosecutor.username
        assert (audit.purpose, audit.legal_basis) == (PURPOSE["purpose"], PURPOSE["legal_basis"])


def test_each_role_sees_the_cases_of_its_scope(any_db: Database, team: Team, archive: CaseArchive) -> None:
    case = register(any_db, team, archive)
    with any_db.session() as session:
        assert [c.id for c in list_cases(session, team.investigator)] == [case.id]
        assert list_cases(session, team.other_investigator) == []
        assert [c.id for c in list_cases(session, team.prosecutor)] == [case.id]
        assert list_cases(session, team.other_prosecutor) == []
        assert list_cases(session, team.judge) == []
        assert list_cases(session, team.defender) == []
    for outsider in (team.other_investigator, team.other_prosecutor, team.judge, team.defender):
        with pytest.raises(Forbidden), any_db.session() as session:
            access_case(session, outsider, case.id)
    with pytest.raises(Forbidden), any_db.session() as session:
        do_add_material(
            session, team.other_investigator, case.id, archive, title="x", filename="x", content=b"x"
        )
    with any_db.session() as session:
        do_assign_defender(
            session, team.investigator, case.id, archive, username=team.defender.username, client_position=1
        )
    with any_db.session() as session:
        assert [c.id for c in list_cases(session, team.defender)] == [case.id]
        detail = case_detail(session, access_case(session, team.defender, case.id))
        assert detail["acts"][-1]["kind"] == "defender_admitted"
    # The defender reads but does not edit.
    with pytest.raises(Forbidden), any_db.session() as session:
        do_add_material(session, team.defender, case.id, archive, title="x", filename="x", content=b"x")


def test_deadlines_run_from_registration_and_follow_suspensions_and_extensions(
    any_db: Database, team: Team, archive: CaseArchive
) -> None:
    case = register(any_db, team, archive)
    with any_db.session() as session:
        do_choose_form(
            session,
            team.investigator,
            case.id,
            archive,
            form="accelerated",
            motivation="Вина признана.",
            now=REGISTERED_AT + dt.timedelta(hours=2),
        )
    # Accelerated investigation: 15 days (dated parameter, 2015 Code) → ends at 24:00 on 10 December.
    due = dt.datetime(2026, 12, 11, tzinfo=ALMATY)
    with any_db.session() as session:
        soon = due_soon(session, team.investigator, now=due - dt.timedelta(days=2))
        assert [item.case.id for item in soon] == [case.id] and soon[0].status.due_at == due
        assert overdue(session, team.investigator, now=due - dt.timedelta(seconds=1)) == []
        assert [item.case.id for item in overdue(session, team.investigator, now=due)] == [case.id]
        assert due_soon(session, team.other_investigator, now=due - dt.timedelta(days=2)) == []
    start = dt.datetime(2026, 12, 1, 9, 0, tzinfo=ALMATY)
    with any_db.session() as session:
        do_add_act(session, team.investigator, case.id, archive, kind="suspension", text="Розыск.", at=start)
    with any_db.session() as session:
        assert (
            overdue(session, team.investigator, now=due + dt.timedelta(days=30)) == []
        )  # the clock stands still
    with pytest.raises(InvalidCaseInput) as caught, any_db.session() as session:
        do_add_act(session, team.investigator, case.id, archive, kind="suspension", text="Ещё раз.", at=start)
    assert caught.value.field == "kind"
    with any_db.session() as session:
        do_add_act(
            session,
            team.investigator,
            case.id,
            archive,
            kind="resumption",
            text="Найден.",
            at=start + dt.timedelta(days=4),
        )
    with pytest.raises(Forbidden), any_db.session() as session:
        do_add_act(
            session,
            team.investigator,
            case.id,
            archive,
            kind="extension",
            text="Продлить.",
            data={"term": {"amount": 5, "unit": "days"}},
        )
    with any_db.session() as session:
        do_add_act(
            session,
            team.prosecutor,
            case.id,
            archive,
            kind="extension",
            text="Продлить срок.",
            data={"term": {"amount": 5, "unit": "days"}},
            at=start + dt.timedelta(days=5),
        )
    with any_db.session() as session:
        item = next(i for i in due_soon(session, team.investigator, now=due, within=dt.timedelta(days=30)))
        assert item.status.due_at == due + dt.timedelta(days=4) + dt.timedelta(days=5)
        assert item.status.citation is not None and item.status.citation.article == "190"
    with pytest.raises(InvalidCaseInput) as caught, any_db.session() as session:
        do_add_act(
            session,
            team.prosecutor,
            case.id,
            archive,
            kind="extension",
            text="x",
            data={"term": {"amount": 0, "unit": "weeks"}},
        )
    assert caught.value.field == "data.term.amount"


def test_a_procedural_agreement_goes_from_petition_to_the_court(
    any_db: Database, team: Team, archive: CaseArchive
) -> None:
    case = register(any_db, team, archive)
    at = REGISTERED_AT + dt.timedelta(days=1)
    with any_db.session() as session:
        do_assign_defender(
            session, team.investigator, case.id, archive, username=team.defender.username, now=at
        )
        agreement = do_petition(
            session, team.defender, case.id, archive, kind="plea", note="Признаю вину", now=at
        )
        agreement_id = agreement.id
        assert agreement.state == "petition" and agreement.participant_position == 1
    moves = [
        (team.investigator, "prosecutor_review"),
        (team.prosecutor, "negotiation"),
        (team.prosecutor, "signed"),
        (team.prosecutor, "in_court"),
    ]
    for hour, (actor, state) in enumerate(moves, start=1):
        with any_db.session() as session:
            do_advance_agreement(
                session, actor, case.id, agreement_id, archive, to=state, now=at + dt.timedelta(hours=hour)
            )
    with any_db.session() as session:
        stored = session.get(CaseRow, case.id)
        assert stored is not None and stored.status == "sent_to_court" and stored.sent_to_court_at is not None
        assert [c.id for c in list_cases(session, team.judge)] == [case.id]
    with pytest.raises(Forbidden), any_db.session() as session:
        do_advance_agreement(session, team.prosecutor, case.id, agreement_id, archive, to="accepted")
    with pytest.raises(InvalidCaseInput) as caught, any_db.session() as session:
        do_advance_agreement(session, team.prosecutor, case.id, agreement_id, archive, to="negotiation")
    assert caught.value.field == "to" and "in_court" in str(caught.value)
    with any_db.session() as session:
        final = do_advance_agreement(
            session, team.judge, case.id, agreement_id, archive, to="accepted", now=at + dt.timedelta(days=2)
        )
        assert final.state == "accepted" and [step["state"] for step in final.history] == [
            "petition",
            "prosecutor_review",
            "negotiation",
            "signed",
            "in_court",
            "accepted",
        ]
    with any_db.session() as session:
        bundle = export_case(session, team.judge, case.id, archive, **PURPOSE)
    result = verify_bundle(bundle)
    assert result.ok and result.entries == 1 + 1 + 6 + 1  # registration, defender, six moves, sent to court


def test_an_agreement_the_law_closes_is_refused_with_its_reasons(
    any_db: Database, team: Team, archive: CaseArchive
) -> None:
    grave_set = [
        {"article": "188", "part": "1", "category": "minor"},
        {"article": "99", "part": "2", "category": "especially_grave"},
    ]
    case = register(any_db, team, archive, offences=grave_set)
    with pytest.raises(AgreementNotAllowed) as caught, any_db.session() as session:
        do_petition(session, team.investigator, case.id, archive, kind="plea")
    assert caught.value.field == "kind"
    assert "plea_no_especially_grave_in_set" in {reason.rule for reason in caught.value.reasons}


def test_sending_to_court_needs_a_report_on_completion(
    any_db: Database, team: Team, archive: CaseArchive
) -> None:
    case = register(any_db, team, archive)
    with pytest.raises(InvalidCaseInput), any_db.session() as session:
        do_send_to_court(session, team.prosecutor, case.id, archive)
    with pytest.raises(InvalidCaseInput) as caught, any_db.session() as session:
        do_add_act(session, team.investigator, case.id, archive, kind="completion_report", text="Завершено.")
    assert "form" in str(caught.value)
    with any_db.session() as session:
        do_choose_form(
            session, team.investigator, case.id, archive, form="investigation", motivation="Общий порядок."
        )
        do_add_act(session, team.investigator, case.id, archive, kind="completion_report", text="Завершено.")
    with any_db.session() as session:
        do_send_to_court(session, team.prosecutor, case.id, archive)
    with any_db.session() as session:
        assert session.get(CaseRow, case.id).status == "sent_to_court"  # type: ignore[union-attr]
        assert [c.id for c in list_cases(session, team.judge)] == [case.id]


def test_key_rotation_keeps_earlier_checkpoints_verifiable(
    any_db: Database, team: Team, archive: CaseArchive, tmp_path: Path
) -> None:
    case = register(any_db, team, archive)
    old_key = archive.keys.signer().verifier
    retired, new = archive.keys.rotate()
    assert retired == old_key and new != old_key
    keyring_text = archive.keys.keyring_path.read_text()
    assert "retired" in keyring_text and "active since" in keyring_text
    with any_db.session() as session:
        bundle = export_case(session, team.investigator, case.id, archive, **PURPOSE)
    result = verify_bundle(bundle, archive.keys.keyring())
    assert result.ok, result.problems
    assert result.key_id == new.key_id_hex and result.earlier_checkpoints == 1
    # The stored checkpoint was signed by the retired key: a keyring without it cannot open it.
    from qorgau.cases.domain.checkpoint import Keyring

    assert not verify_bundle(bundle, Keyring.of([new])).ok
