"""Records, the stay index and the worklists on SQLite and on a real PostgreSQL."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select

from qorgau.foreigners import participant_requirements_for, service
from qorgau.foreigners.domain.facts import AssessmentRequest, PersonFacts, Status
from qorgau.foreigners.domain.stay import assess_stay
from qorgau.foreigners.rules import default_rulebook
from qorgau.foreigners.synthetic import SyntheticForeigner, generate, load, reset_sequences
from qorgau.kernel.audit.service import MissingLegalBasis, verify
from qorgau.kernel.audit.store import AuditEntry
from qorgau.kernel.auth.domain import Principal
from qorgau.kernel.auth.scopes import Forbidden
from qorgau.kernel.db import Database
from qorgau.kernel.people.service import do_add_person

OFFICER = Principal(1, "officer", "migration_officer")
INVESTIGATOR = Principal(2, "inv", "investigator")
ON = dt.date(2026, 11, 25)
READ = {"purpose": "stay control", "legal_basis": "Law No. 477-IV"}


def person(database: Database, citizenships: list[str], name: str = "Дмитрий Иванов", **extra: Any) -> str:
    with database.session() as session:
        return do_add_person(
            session,
            OFFICER,
            {"name": name, "birth_date": "1985-09-09", "citizenships": citizenships, **extra},
        ).id


def add(database: Database, action: Any, person_id: str, **data: Any) -> Any:
    with database.session() as session:
        return action(session, OFFICER, person_id, data)


def rejected(database: Database, action: Any, person_id: str, **data: Any) -> service.RecordRejected:
    with pytest.raises(service.RecordRejected) as caught:
        add(database, action, person_id, **data)
    return caught.value


def test_records_are_checked_against_each_other_and_errors_name_the_record(any_db: Database) -> None:
    ivanov = person(any_db, ["RU"])
    first = add(any_db, service.do_add_crossing, ivanov, entry="2026-06-01", exit="2026-07-20")
    add(any_db, service.do_add_crossing, ivanov, entry="2026-09-10")

    backwards = rejected(any_db, service.do_add_crossing, ivanov, entry="2026-05-20", exit="2026-05-01")
    assert backwards.field == "exit"
    assert str(backwards) == "the new crossing: exit 2026-05-01 is before entry 2026-05-20"

    overlap = rejected(any_db, service.do_add_crossing, ivanov, entry="2026-07-01", exit="2026-07-05")
    assert overlap.field == "entry"
    assert f"crossing #{first.id} (2026-06-01 – 2026-07-20)" in str(overlap)

    after_open = rejected(any_db, service.do_add_crossing, ivanov, entry="2026-12-01")
    assert "no exit recorded" in str(after_open) and "the new crossing enters again" in str(after_open)

    status = rejected(any_db, service.do_set_status, ivanov, status="tourist", valid_from="2026-01-01")
    assert status.field == "status" and "unknown status 'tourist'" in str(status)

    ground = rejected(
        any_db,
        service.do_add_permit,
        ivanov,
        kind="temporary_residence",
        valid_from="2026-01-01",
        valid_until="2026-12-31",
        ground="tourism",
    )
    assert ground.field == "ground" and "art. 6-1" in str(ground)

    kosovar = person(any_db, ["XK"], name="Arben Krasniqi")  # the registry accepts XK; ISO 3166-1 does not
    country = rejected(any_db, service.do_add_crossing, kosovar, entry="2026-01-01")
    assert country.field == "citizenships[0]" and "unknown country code 'XK'" in str(country)

    with any_db.session() as session:
        stays = service.timeline(session, OFFICER, ivanov, on=ON, **READ).records
        assert stays is not None and len(stays.crossings) == 2  # nothing of the rejected records stayed


def test_every_change_and_read_is_audited_and_the_chain_verifies(any_db: Database) -> None:
    melnyk = person(any_db, ["UA"], name="Юлія Мельник")
    add(any_db, service.do_add_crossing, melnyk, entry="2026-03-01")
    add(
        any_db,
        service.do_add_permit,
        melnyk,
        kind="temporary_residence",
        ground="study",
        valid_from="2026-03-05",
        valid_until="2027-03-04",
    )
    add(any_db, service.do_set_status, melnyk, status="temporary_resident", valid_from="2026-03-05")
    with any_db.session() as session, pytest.raises(MissingLegalBasis):
        service.timeline(session, INVESTIGATOR, melnyk, purpose=None, legal_basis=None)
    with any_db.session() as session:
        service.timeline(
            session, INVESTIGATOR, melnyk, purpose="witness check", legal_basis="case 261100031000123"
        )
    with any_db.session() as session, pytest.raises(Forbidden):
        service.do_add_crossing(session, INVESTIGATOR, melnyk, {"entry": "2026-01-01"})
    with any_db.session() as session:
        actions = [
            (entry.action, entry.actor, entry.legal_basis)
            for entry in session.scalars(select(AuditEntry).where(AuditEntry.object_id == melnyk))
        ]
        assert verify(session).ok
    assert [a for a, _actor, _basis in actions if a.startswith("foreigners.")] == [
        "foreigners.person.register",
        "foreigners.crossing.add",
        "foreigners.permit.add",
        "foreigners.status.set",
        "foreigners.timeline.read",
    ]
    assert ("foreigners.timeline.read", "inv", "case 261100031000123") in actions


def test_the_overstay_list_follows_exits_and_documents(any_db: Database) -> None:
    ivanov = person(any_db, ["RU"])
    add(any_db, service.do_add_crossing, ivanov, entry="2026-06-01", exit="2026-07-20")
    open_stay = add(any_db, service.do_add_crossing, ivanov, entry="2026-09-10", entry_border_point="Khorgos")
    with any_db.session() as session:
        listed = service.overstays(session, OFFICER, ON)
        assert [(o.person_id, o.last_lawful_day, o.days_over) for o in listed] == [
            (ivanov, dt.date(2026, 10, 19), 37)
        ]
        assert service.overstays(session, OFFICER, dt.date(2026, 10, 19)) == []
    with any_db.session() as session:
        service.do_record_exit(session, OFFICER, ivanov, open_stay.id, {"exit": "2026-10-25"})
    with any_db.session() as session:
        assert [o.person_id for o in service.overstays(session, OFFICER, dt.date(2026, 10, 22))] == [ivanov]
        assert service.overstays(session, OFFICER, ON) == []  # left on 25 October
    add(any_db, service.do_add_permit, ivanov, kind="visa", valid_from="2026-10-01", valid_until="2026-10-31")
    with any_db.session() as session:
        assert service.overstays(session, OFFICER, dt.date(2026, 10, 22)) == []  # the visa covers those days


def test_due_today_lists_the_duty_due_on_its_last_day_and_the_late_ones(any_db: Database) -> None:
    asanov = person(any_db, ["KG"], name="Бакыт Асанов")
    add(any_db, service.do_add_crossing, asanov, entry="2026-10-26")  # self-registration by 25 November
    yilmaz = person(any_db, ["TR"], name="Mehmet Yılmaz")
    add(any_db, service.do_add_crossing, yilmaz, entry="2026-11-10")  # host notice by 13 November
    li = person(any_db, ["CN"], name="Li Wei")
    add(any_db, service.do_add_crossing, li, entry="2026-11-10")
    add(any_db, service.do_add_host_notification, li, date="2026-11-11", host_name="TOO Silk Road")
    with any_db.session() as session:
        due = service.due_today(session, OFFICER, ON)
    assert [(d.person_id, d.kind, d.status, d.due) for d in due] == [
        (yilmaz, "host_notification", "late", dt.date(2026, 11, 13)),
        (asanov, "self_registration", "due", ON),
    ]


def test_participant_requirements_for_reads_the_registry_and_the_status_history(any_db: Database) -> None:
    hakimi = person(any_db, ["AF"], name="Abdullah Hakimi", languages=["fa"])
    uzbek = person(any_db, ["UZ"], name="Timur Karimov", languages=["uz", "ru"])
    add(any_db, service.do_set_status, hakimi, status="refugee", valid_from="2025-01-10")
    with any_db.session() as session:
        refugee = participant_requirements_for(session, hakimi, "ru", True, ON)
        visitor = participant_requirements_for(session, uzbek, "kk", True, ON)
        speaks_ru = participant_requirements_for(session, uzbek, "ru", False, ON)
    assert refugee.interpreter_needed and not refugee.consular_notification_due  # the state fled is not told
    assert (
        visitor.interpreter_needed
        and visitor.consular_notification_due
        and visitor.consular_states == ("UZ",)
    )
    assert not speaks_ru.interpreter_needed and not speaks_ru.consular_notification_due


def _domain_overstays(people: list[SyntheticForeigner], on: dt.date) -> dict[str, dt.date | None]:
    """Who overstays on ``on`` according to the domain, person by person (the reference)."""
    book = default_rulebook()
    found: dict[str, dt.date | None] = {}
    for someone in people:
        status = Status(someone.status_on(on))
        request = AssessmentRequest(
            on=on,
            person=PersonFacts(status, someone.citizenships),
            crossings=someone.domain_crossings(),
            permits=someone.domain_permits(),
        )
        stay = assess_stay(request, book)
        if stay.overstaying:
            found[someone.person_id] = stay.last_lawful_day
    return found


@pytest.mark.parametrize("on", [ON, dt.date(2026, 3, 1), dt.date(2024, 8, 15)])
def test_the_stored_overstay_query_gives_the_domains_answer(any_db: Database, on: dt.date) -> None:
    people = list(generate(1000, on=ON, seed=11))
    raw = any_db.engine.raw_connection()
    try:
        load(raw.driver_connection, people, dialect=any_db.engine.dialect.name)
        if any_db.engine.dialect.name == "postgresql":
            reset_sequences(raw.driver_connection)
        raw.commit()
    finally:
        raw.close()
    expected = _domain_overstays(people, on)
    with any_db.session() as session:
        listed = {o.person_id: o.last_lawful_day for o in service.overstays(session, OFFICER, on)}
    assert listed == expected
    assert len(expected) >= 4, "the sample must contain overstays to compare"


def test_due_today_misses_no_pending_duty_of_any_visitor_present(any_db: Database) -> None:
    """The store only preselects; every visitor present is judged here by the domain as reference."""
    cases = [
        ("RU", "2026-10-26", [("registration", {"date": "2026-11-02", "confirmed": False})]),  # host refused
        ("RU", "2026-10-26", [("registration", {"date": "2026-11-02", "confirmed": True})]),  # done
        ("KG", "2026-11-01", [("registration", {"date": "2026-11-03"}), ("move", {"date": "2026-11-18"})]),
        ("KG", "2026-09-01", [("registration", {"date": "2026-09-03"}), ("move", {"date": "2026-11-24"})]),
        ("UZ", "2026-11-20", []),  # host notice due on 25 November
        ("UZ", "2026-11-10", [("notice", {"date": "2026-11-11"})]),  # done
        ("TR", "2026-11-02", []),  # late
    ]
    actions = {
        "registration": service.do_add_registration,
        "move": service.do_add_address_change,
        "notice": service.do_add_host_notification,
    }
    people = []
    for index, (country, entry, records) in enumerate(cases):
        someone = person(any_db, [country], name=f"Visitor {index} Test")
        add(any_db, service.do_add_crossing, someone, entry=entry)
        for kind, data in records:
            add(any_db, actions[kind], someone, **data)
        people.append(someone)
    with any_db.session() as session:
        listed = {(d.person_id, d.kind, d.status, d.due) for d in service.due_today(session, OFFICER, ON)}
        reference = set()
        for someone in people:
            registration = service.assess_person(session, OFFICER, someone, ON, **READ).registration
            for duty in registration.duties:
                if duty.done_on is None and (duty.status == "late" or duty.due == ON):
                    reference.add((someone, duty.kind, duty.status, duty.due))
    assert listed == reference
    assert {kind for _person, kind, _status, _due in listed} == {
        "self_registration",
        "re_registration",
        "host_notification",
    }
