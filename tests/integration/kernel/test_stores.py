"""The same repositories and migrations on SQLite and on a real PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text

from qorgau.kernel.audit.service import do_record, verify
from qorgau.kernel.auth.domain import Principal
from qorgau.kernel.db import Database
from qorgau.kernel.people.service import access_person, do_add_person, search_people

INVESTIGATOR = Principal(1, "inv", "investigator")


def fill_audit(database: Database, n: int = 6) -> None:
    with database.session() as session:
        for i in range(n):
            do_record(
                session, INVESTIGATOR, "person.read", "person", f"p{i}", purpose="check", legal_basis="case 1"
            )


def test_audit_chain_verifies_on_both_stores(any_db: Database) -> None:
    fill_audit(any_db)
    with any_db.session() as session:
        report = verify(session)
    assert report.ok and report.entries == 6


@pytest.mark.parametrize(
    ("tamper", "first_broken"),
    [
        ("UPDATE audit_log SET purpose = 'curiosity' WHERE seq = 3", 3),
        ("DELETE FROM audit_log WHERE seq = 4", 4),
        ("DELETE FROM audit_log WHERE seq = 6", 6),
        ("UPDATE audit_log SET seq = CASE seq WHEN 2 THEN 5 WHEN 5 THEN 2 END WHERE seq IN (2, 5)", 2),
    ],
)
def test_direct_edits_of_audit_rows_are_found(any_db: Database, tamper: str, first_broken: int) -> None:
    fill_audit(any_db)
    with any_db.engine.begin() as connection:
        if "CASE" in tamper:  # a swap through a free number, as a forger would have to
            connection.execute(text("UPDATE audit_log SET seq = 1000 WHERE seq = 2"))
            connection.execute(text("UPDATE audit_log SET seq = 2 WHERE seq = 5"))
            connection.execute(text("UPDATE audit_log SET seq = 5 WHERE seq = 1000"))
        else:
            connection.execute(text(tamper))
    with any_db.session() as session:
        report = verify(session)
    assert not report.ok and report.first_broken == first_broken


def test_people_are_stored_and_found_across_scripts_on_both_stores(any_db: Database) -> None:
    with any_db.session() as session:
        person = do_add_person(
            session,
            INVESTIGATOR,
            {
                "name": "Григорій Коваленко",
                "birth_date": "1979-11-02",
                "citizenships": ["UA"],
                "languages": ["uk"],
                "documents": [{"kind": "passport", "number": "FX1", "issuing_country": "UA"}],
            },
        )
        do_add_person(session, INVESTIGATOR, {"name": "Олена Коваль"})
        person_id = person.id
    with any_db.session() as session:
        hits = search_people(session, INVESTIGATOR, "Hryhorii Kovalenko")
        assert [h.person.id for h in hits] == [person_id]
        row = access_person(session, INVESTIGATOR, person_id, purpose="check", legal_basis="case 1")
        assert row.documents[0].number == "FX1" and row.birth_date.isoformat() == "1979-11-02"


def test_migrations_match_the_models(any_db: Database) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from qorgau.kernel.db import Base
    from qorgau.kernel.registry import import_all_models

    import_all_models()
    with any_db.engine.connect() as connection:
        differences: list[Any] = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    meaningful = [
        d
        for d in differences
        if not (isinstance(d, tuple) and d[0] in ("remove_table",) and d[1].name == "alembic_version")
    ]
    assert not meaningful, meaningful
