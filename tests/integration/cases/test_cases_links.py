"""The case and the other modules: participants added after registration, the interpreter requirement
asked of ``foreigners``, and a ``monitoring`` correlation report filed as a material whose positions
then survive retention under legal hold."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from sqlalchemy import func, select

from qorgau.cases.domain.errors import InvalidCaseInput
from qorgau.cases.service import (
    CaseArchive,
    FormNotAllowed,
    case_detail,
    do_add_participant,
    do_attach_correlation,
    do_choose_form,
    do_register_case,
    format_number,
    read_entry_bytes,
)
from qorgau.cases.store import ActRow, CaseRow, EntryRow, LogRow, ParticipantRow
from qorgau.kernel.audit.store import AuditEntry
from qorgau.kernel.db import Database
from qorgau.monitoring import service as monitoring
from qorgau.monitoring.domain.geometry import destination
from qorgau.monitoring.store import LegalHoldRow, PositionRow
from tests.integration.cases.conftest import Team, case_document
from tests.integration.monitoring.conftest import ACTOR, HOME, T0, add_order, fix

REASONS = {"purpose": "who was at the scene of the theft", "legal_basis": "ERDR case, investigator in charge"}
AFTER = T0 + dt.timedelta(days=1)


def register(database: Database, team: Team, archive: CaseArchive, **changes: Any) -> CaseRow:
    document = case_document(prosecutor=team.prosecutor.username, **changes)
    with database.session() as session:
        return do_register_case(session, team.investigator, document, archive)


def actions(database: Database, action: str) -> list[AuditEntry]:
    with database.session() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


# --- participants after registration ---------------------------------------------------------------


def test_a_participant_added_after_registration_is_an_act_in_the_case_log(
    any_db: Database, team: Team, archive: CaseArchive
) -> None:
    case = register(any_db, team, archive)
    with any_db.session() as session:
        size_before = session.get(LogRow, case.id).size  # type: ignore[union-attr]
        row = do_add_participant(
            session,
            team.investigator,
            case.id,
            archive,
            participant={"role": "witness", "name": "Дәулет Оспанов", "citizenships": ["KZ"]},
        )
        position, person_id = row.position, row.person_id
    with any_db.session() as session:
        log = session.get(LogRow, case.id)
        act = session.scalars(
            select(ActRow).where(ActRow.case_id == case.id).order_by(ActRow.id.desc())
        ).first()
        stored = session.get(CaseRow, case.id)
        assert log is not None and act is not None and stored is not None
        entry = session.get(EntryRow, act.entry_id)
        assert entry is not None
        document = json.loads(read_entry_bytes(entry, archive))
        participants = session.scalars(select(ParticipantRow).where(ParticipantRow.case_id == case.id)).all()
        persons = stored.facts["persons"]
    assert position == 3 and person_id is not None
    assert log.size == size_before + 1 and entry.leaf_index == size_before
    assert act.kind == "participant_added" and document["act"] == "participant_added"
    assert document["data"]["position"] == 3 and document["data"]["person_id"] == person_id
    assert [p.position for p in participants] == [1, 2, 3]
    assert len(persons) == 3 and persons[2]["role"] == "witness"
    assert [entry.object_id for entry in actions(any_db, "case.participant.add")] == [str(case.id)]


def test_an_added_participant_is_validated_as_registration_validates_and_the_log_is_unchanged(
    sqlite_db: Database, archive: CaseArchive
) -> None:
    from tests.integration.cases.conftest import make_team

    team = make_team(sqlite_db)
    case = register(sqlite_db, team, archive)
    bad: list[tuple[dict[str, Any], str]] = [
        ({"role": "bystander", "name": "Бақыт Ахметов"}, "persons[2].role"),
        ({"role": "suspect", "name": "Бақыт Ахметов"}, "persons[2].age"),
        ({"role": "witness"}, "persons[2].person_id"),
        ({"role": "witness", "person_id": "no-such-person"}, "persons[2].person_id"),
        ({"role": "witness", "name": "Бақыт Ахметов", "shoe_size": 42}, "persons[2].shoe_size"),
    ]
    for participant, field in bad:
        with pytest.raises(InvalidCaseInput) as raised, sqlite_db.session() as session:
            do_add_participant(session, team.investigator, case.id, archive, participant=participant)
        assert raised.value.field == field
    with sqlite_db.session() as session:
        assert session.get(LogRow, case.id).size == 1  # type: ignore[union-attr]
        assert session.scalar(select(func.count()).select_from(ParticipantRow)) == 2


def test_an_added_suspect_who_does_not_speak_the_language_closes_the_accelerated_form(
    sqlite_db: Database, archive: CaseArchive
) -> None:
    from tests.integration.cases.conftest import make_team

    team = make_team(sqlite_db)
    case = register(sqlite_db, team, archive)
    with sqlite_db.session() as session:
        before = case_detail(session, session.get(CaseRow, case.id), actor=team.investigator)  # type: ignore[arg-type]
        do_add_participant(
            session,
            team.investigator,
            case.id,
            archive,
            participant={
                "role": "suspect",
                "age": 29,
                "admits_guilt": True,
                "has_defender": True,
                "name": "Rustam Karimov",
                "citizenships": ["UZ"],
                "languages": ["uz"],
            },
        )
    with sqlite_db.session() as session:
        after = case_detail(session, session.get(CaseRow, case.id), actor=team.investigator)  # type: ignore[arg-type]
        act = session.scalars(select(ActRow).where(ActRow.kind == "participant_added")).one()
    accelerated = {form["form"]: form["allowed"] for form in before["assessment"]["forms"]}["accelerated"]
    assert accelerated is True
    assert {form["form"]: form["allowed"] for form in after["assessment"]["forms"]}["accelerated"] is False
    assert act.data["interpreter_required"] is True and act.data["interpreter_basis"] == "language"


# --- the interpreter requirement -------------------------------------------------------------------


def test_a_linked_participant_gets_the_interpreter_requirement_from_foreigners(
    any_db: Database, team: Team, archive: CaseArchive
) -> None:
    persons = [
        {  # said to speak the language on the form; the registry records Uzbek only
            **case_document()["persons"][0],
            "name": "Rustam Karimov",
            "citizenships": ["UZ"],
            "languages": ["uz"],
        },
        {"role": "victim", "name": "Hans Müller", "citizenships": ["DE"], "languages": ["de", "ru"]},
        {"role": "witness", "name": "Айгерім Жұмабекова", "citizenships": ["KZ"], "languages": ["kk", "ru"]},
        {"role": "witness", "name": "Ержан Серікұлы"},
    ]
    case = register(any_db, team, archive, persons=persons)
    with any_db.session() as session:
        detail = case_detail(
            session,
            session.get(CaseRow, case.id),
            actor=team.investigator,
            **REASONS,  # type: ignore[arg-type]
        )
    needs = {item["position"]: item for item in detail["interpreters"]}
    assert detail["language_of_proceedings"] == "ru"
    assert (needs[1]["interpreter_required"], needs[1]["basis"], needs[1]["speaks_language"]) == (
        True,
        "language",
        False,
    )
    assert (needs[2]["interpreter_required"], needs[2]["basis"]) == (True, "foreign_citizen")
    assert (needs[3]["interpreter_required"], needs[3]["basis"]) == (False, None)
    assert (needs[4]["interpreter_required"], needs[4]["basis"]) == (True, "languages_unknown")
    assert needs[1]["reasons"][0]["rule"] == "participant.interpreter"
    assert detail["assessment"]["interpreters"] == detail["interpreters"]
    # The registry's languages override the form's "speaks the language" for the eligibility rules.
    allowed = {form["form"]: form["allowed"] for form in detail["assessment"]["forms"]}
    assert allowed["accelerated"] is False
    with pytest.raises(FormNotAllowed), any_db.session() as session:
        do_choose_form(
            session,
            team.investigator,
            case.id,
            archive,
            form="accelerated",
            motivation="Вину признаёт полностью.",
        )
    reads = actions(any_db, "foreigners.participant.read")
    assert len(reads) >= 4 and {entry.purpose for entry in reads} >= {REASONS["purpose"]}


def test_a_case_in_kazakh_asks_about_kazakh(sqlite_db: Database, archive: CaseArchive) -> None:
    from tests.integration.cases.conftest import make_team

    team = make_team(sqlite_db)
    persons = [{"role": "witness", "name": "Иван Петров", "citizenships": ["KZ"], "languages": ["ru"]}]
    in_russian = register(sqlite_db, team, archive, persons=persons)
    in_kazakh = register(sqlite_db, team, archive, persons=persons, language_of_proceedings="kk")
    with sqlite_db.session() as session:
        ru = case_detail(session, session.get(CaseRow, in_russian.id), actor=team.investigator)  # type: ignore[arg-type]
        kk = case_detail(session, session.get(CaseRow, in_kazakh.id), actor=team.investigator)  # type: ignore[arg-type]
    assert ru["interpreters"][0]["interpreter_required"] is False
    assert kk["interpreters"][0]["interpreter_required"] is True
    assert kk["language_of_proceedings"] == "kk"


# --- a monitoring correlation report as a material -------------------------------------------------


def fill_monitoring(database: Database) -> None:
    """Two people under monitoring: one at the scene (HOME) all afternoon, one 10 km away."""
    end = T0 + dt.timedelta(days=2)
    add_order(database, "near-1", "dev-near", end=end, retention_days=30)
    add_order(database, "far-1", "dev-far", end=end, retention_days=30)
    far = destination(*HOME, 90.0, 10_000.0)
    batch = [fix("dev-near", minute) for minute in range(0, 240, 10)]
    batch += [fix("dev-far", minute, *far) for minute in range(0, 240, 10)]
    monitoring.do_ingest(database, batch, "test", now=T0 + dt.timedelta(hours=5))


def count_positions(database: Database, ref: str) -> int:
    with database.session() as session:
        order = monitoring._order(session, ref)
        return int(
            session.scalar(
                select(func.count()).select_from(PositionRow).where(PositionRow.order_id == order.id)
            )
            or 0
        )


def test_a_correlation_report_is_filed_and_its_positions_survive_the_purge(
    any_db: Database, team: Team, archive: CaseArchive
) -> None:
    fill_monitoring(any_db)
    case = register(any_db, team, archive)
    start, end = T0 + dt.timedelta(minutes=60), T0 + dt.timedelta(minutes=120)
    with any_db.session() as session:
        attached = do_attach_correlation(
            session,
            team.investigator,
            case.id,
            archive,
            lat=HOME[0],
            lon=HOME[1],
            radius_m=200.0,
            start=start,
            end=end,
            now=AFTER,
            **REASONS,
        )
        result = attached.to_dict()
        content = json.loads(read_entry_bytes(attached.entry, archive))
        holds = session.scalars(select(LegalHoldRow)).all()
        near_order = monitoring._order(session, "near-1").id
    assert result["kind"] == "correlation_report" and result["persons"] == 1
    assert [row["order"] for row in content["rows"]] == ["near-1"]
    assert content["request"]["purpose"] == REASONS["purpose"]
    assert [(hold.order_id, hold.case_ref) for hold in holds] == [(near_order, format_number(case.number))]
    held_from, held_to = holds[0].start_at, holds[0].end_at
    assert held_from <= start and held_to >= end
    expected_kept = sum(
        1 for minute in range(0, 240, 10) if held_from <= T0 + dt.timedelta(minutes=minute) <= held_to
    )
    with any_db.session() as session:
        summary = monitoring.do_purge(session, ACTOR, T0 + dt.timedelta(days=40))
    assert summary["positions_deleted"] > 0
    assert count_positions(any_db, "far-1") == 0
    assert count_positions(any_db, "near-1") == expected_kept > 0
    [attach] = actions(any_db, "case.correlation.attach")
    assert attach.purpose == REASONS["purpose"] and attach.legal_basis == REASONS["legal_basis"]
    assert len(actions(any_db, "monitoring.correlation.near")) == 1


def test_a_refused_correlation_request_leaves_neither_material_nor_hold(
    sqlite_db: Database, archive: CaseArchive
) -> None:
    from tests.integration.cases.conftest import make_team

    team = make_team(sqlite_db)
    fill_monitoring(sqlite_db)
    case = register(sqlite_db, team, archive)
    with pytest.raises(ValueError, match="radius_m"), sqlite_db.session() as session:
        do_attach_correlation(
            session,
            team.investigator,
            case.id,
            archive,
            lat=HOME[0],
            lon=HOME[1],
            radius_m=1_000_000.0,
            start=T0,
            end=T0 + dt.timedelta(hours=1),
            **REASONS,
        )
    with sqlite_db.session() as session:
        assert session.get(LogRow, case.id).size == 1  # type: ignore[union-attr]
        assert session.scalar(select(func.count()).select_from(LegalHoldRow)) == 0


def test_an_alibi_report_is_filed_as_a_pdf_and_holds_the_persons_orders(
    sqlite_db: Database, archive: CaseArchive
) -> None:
    from tests.integration.cases.conftest import make_team

    team = make_team(sqlite_db)
    fill_monitoring(sqlite_db)
    case = register(sqlite_db, team, archive)
    with sqlite_db.session() as session:
        person = monitoring._order(session, "far-1").person_id
        attached = do_attach_correlation(
            session,
            team.investigator,
            case.id,
            archive,
            lat=HOME[0],
            lon=HOME[1],
            radius_m=200.0,
            start=T0 + dt.timedelta(minutes=60),
            end=T0 + dt.timedelta(minutes=120),
            person=person,
            now=AFTER,
            **REASONS,
        )
        pdf = read_entry_bytes(attached.entry, archive)
        holds = session.scalars(select(LegalHoldRow)).all()
        far_order = monitoring._order(session, "far-1").id
    assert pdf.startswith(b"%PDF") and attached.entry.media_type == "application/pdf"
    assert [hold.order_id for hold in holds] == [far_order]


def test_search_returns_the_newest_matches_first_on_both_stores(
    any_db: Database, team: Team, archive: CaseArchive
) -> None:
    from qorgau.cases.service import do_add_material, search_materials

    case = register(any_db, team, archive)
    with any_db.session() as session:
        added = [
            do_add_material(
                session,
                team.investigator,
                case.id,
                archive,
                title=f"Протокол осмотра {number}",
                filename=f"osmotr-{number}.txt",
                content=f"Осмотрен автомобиль, номер {number}.".encode(),
            ).id
            for number in range(3)
        ]
    with any_db.session() as session:
        hits = search_materials(session, team.investigator, "автомобили", limit=2, **REASONS)
    assert [hit.entry.id for hit in hits] == sorted(added, reverse=True)[:2]
