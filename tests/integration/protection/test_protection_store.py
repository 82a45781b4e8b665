"""The protection store on SQLite and on a real PostgreSQL: Eurostat imports (one transaction each)
and the statistics read back from them, registrations, decisions, audited reads, the review queue."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from qorgau.kernel.audit.service import MissingLegalBasis, verify
from qorgau.kernel.audit.store import AuditEntry
from qorgau.kernel.auth.domain import Principal
from qorgau.kernel.db import Database
from qorgau.protection import service
from qorgau.protection.domain.errors import (
    BrokenRowError,
    DecisionInvalid,
    RegistrationInvalid,
    ReviewInvalid,
)
from qorgau.protection.domain.statistics import stats
from qorgau.protection.eurostat import (
    SHIPPED_DATASETS,
    SHIPPED_POPULATION,
    read_observations,
    read_population,
)
from qorgau.protection.store import EurostatDatasetRow, EurostatObservationRow, ProtectionRepository

ANALYST = Principal(1, "analyst_user", "analyst", via="token")
OFFICER = Principal(2, "officer_user", "migration_officer", via="token")
FIXTURES = Path(__file__).parents[2] / "unit" / "protection" / "data"
# (file, dataset, year, applicant or None): questions whose answers must be the same from the file
# and from the store.
QUESTIONS = [
    (SHIPPED_DATASETS[0][0], "migr_asyappctza", 2022, "FRST"),
    (SHIPPED_DATASETS[0][0], "migr_asyappctza", 2022, "TOTAL"),
    (SHIPPED_DATASETS[1][0], "migr_asytpfm", 2022, None),
    (SHIPPED_DATASETS[2][0], "migr_asytpsm", 2023, None),
    (SHIPPED_DATASETS[2][0], "migr_asytpsm", 2022, None),
    (FIXTURES / "asyappctza_jsonstat.json", "migr_asyappctza", 2022, "FRST"),
    (FIXTURES / "asytpfm_sdmx.csv", "migr_asytpfm", 2023, None),
    (FIXTURES / "asydcfsta_jsonstat.json", "migr_asydcfsta", 2022, None),
]


def counts(database: Database) -> tuple[int, int]:
    with database.session() as session:
        datasets = session.scalar(select(func.count()).select_from(EurostatDatasetRow)) or 0
        observations = session.scalar(select(func.count()).select_from(EurostatObservationRow)) or 0
    return datasets, observations


@pytest.mark.parametrize(("path", "dataset", "year", "applicant"), QUESTIONS)
def test_stats_from_the_store_equal_stats_from_the_file(
    any_db: Database, path: Path, dataset: str, year: int, applicant: str | None
) -> None:
    with any_db.session() as session:
        report = service.do_import_eurostat(session, ANALYST, path, dataset)
    assert report["stored"] and report["vintage"] == path.name
    population = read_population(SHIPPED_POPULATION, 2022) if year == 2022 else None
    expected = stats(read_observations(path, dataset)[1], dataset, applicant, year, population=population)
    with any_db.session() as session:
        stored = service.stats_from_store(
            session, ANALYST, dataset, year, applicant=applicant, population=population
        )
    assert stored.pop("import")["vintage"] == path.name
    # Same document, to the byte: whole numbers come back whole, order is kept.
    assert json.dumps(stored, sort_keys=False) == json.dumps(expected, sort_keys=False)


def test_the_seed_growth_is_reproduced_from_the_store(any_db: Database) -> None:
    with any_db.session() as session:
        service.do_import_eurostat(session, ANALYST, SHIPPED_DATASETS[0][0], "migr_asyappctza")
    with any_db.session() as session:
        result = service.stats_from_store(
            session, ANALYST, "migr_asyappctza", 2022, applicant="FRST", per_million=True
        )
    assert (result["total"], result["previous_total"], result["growth_pct"]) == (881_220, 537_355, 64.0)
    assert round(result["total_per_million"]) == 1973


def test_importing_the_same_vintage_again_replaces_it(any_db: Database) -> None:
    path, dataset = SHIPPED_DATASETS[2]
    with any_db.session() as session:
        first = service.do_import_eurostat(session, ANALYST, path, dataset)
    once = counts(any_db)
    with any_db.session() as session:
        second = service.do_import_eurostat(session, ANALYST, path, dataset)
    assert second["replaced"] == first["dataset_id"]
    assert counts(any_db) == once == (1, 24)
    with any_db.session() as session:
        other = service.do_import_eurostat(session, ANALYST, path, dataset, vintage="a later release")
    assert counts(any_db) == (2, 48)
    with any_db.session() as session:
        newest = service.access_dataset(session, ANALYST, dataset)
    assert newest.id == other["dataset_id"]


def test_a_bad_file_stores_nothing_and_leaves_the_earlier_import(any_db: Database, tmp_path: Path) -> None:
    good = tmp_path / "extract.tsv"
    good.write_bytes(SHIPPED_DATASETS[0][0].read_bytes())
    with any_db.session() as session:
        service.do_import_eurostat(session, ANALYST, good, "migr_asyappctza")
    before = counts(any_db)
    lines = good.read_text().splitlines()
    broken = next(index for index, line in enumerate(lines) if "881220" in line)
    lines[broken] = lines[broken].replace("881220", "881 220")
    good.write_text("\n".join(lines) + "\n")
    with pytest.raises(BrokenRowError) as caught, any_db.session() as session:
        service.do_import_eurostat(session, ANALYST, good, "migr_asyappctza")
    assert caught.value.line == broken + 1
    assert counts(any_db) == before
    with any_db.session() as session:
        assert (
            service.stats_from_store(session, ANALYST, "migr_asyappctza", 2022, applicant="FRST")["total"]
            == 881_220
        )


def test_an_import_whose_transaction_fails_leaves_nothing_behind(any_db: Database) -> None:
    path, dataset = SHIPPED_DATASETS[1]
    with pytest.raises(RuntimeError), any_db.session() as session:
        service.do_import_eurostat(session, ANALYST, path, dataset)
        assert ProtectionRepository(session).count_observations() == 18  # written, not yet committed
        raise RuntimeError("the connection dropped before the commit")
    assert counts(any_db) == (0, 0)


def test_an_analyst_cannot_store_what_only_reads_and_a_reader_cannot_import(any_db: Database) -> None:
    from qorgau.kernel.auth.scopes import Forbidden

    with pytest.raises(Forbidden), any_db.session() as session:
        service.do_import_eurostat(session, OFFICER, SHIPPED_DATASETS[0][0], "migr_asyappctza")
    with pytest.raises(Forbidden), any_db.session() as session:
        service.search_registrations(session, ANALYST, "x")


# --- registrations ------------------------------------------------------------------------------------


def register(database: Database, **changes: Any) -> str:
    data: dict[str, Any] = {
        "kind": "temporary_protection",
        "activation": "2022/382",
        "surname": "Шевченко",
        "given_names": "Олександр",
        "birth_date": "1988-03-14",
        "sex": "M",
        "nationality": "UA",
        "document": {"kind": "passport", "number": "FX123456", "issuing_country": "UA"},
        "registering_state": "PL",
        "registration_date": "2022-03-20",
    }
    data.update(changes)
    with database.session() as session:
        return service.do_register(session, OFFICER, data).id


def audit_actions(database: Database) -> list[tuple[str, str | None, str | None]]:
    with database.session() as session:
        rows = session.execute(
            select(AuditEntry.action, AuditEntry.purpose, AuditEntry.legal_basis).order_by(AuditEntry.seq)
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


def test_a_registration_is_linked_to_a_person_found_in_any_script_and_read_under_a_purpose(
    any_db: Database,
) -> None:
    first = register(any_db, earlier_names=["Шевчук"])
    with any_db.session() as session:
        found = service.search_registrations(session, OFFICER, "Aleksandr Shevchenko")
        assert [row.id for row in found] == [first]
        assert [row.id for row in service.search_registrations(session, OFFICER, "Shevchuk")] == [first]
        assert service.search_registrations(session, OFFICER, "Олена") == []
    with pytest.raises(MissingLegalBasis), any_db.session() as session:
        service.access_registration(session, OFFICER, first, purpose="", legal_basis="duty")
    with any_db.session() as session:
        row = service.access_registration(
            session, OFFICER, first, purpose="status check", legal_basis="case 7"
        )
        detail = service.registration_detail(row)
    assert detail["person_id"] and detail["surname_latin"] == "Shevchenko"
    assert detail["protection_status"] == "temporary_protection_registered"
    actions = audit_actions(any_db)
    assert ("person.create", None, None) in actions
    assert ("protection.registration.create", None, None) in actions
    assert ("protection.registration.read", "status check", "case 7") in actions
    with any_db.session() as session:
        assert verify(session).ok


def test_decisions_move_the_status_and_change_the_rights(any_db: Database) -> None:
    registration = register(any_db)
    with any_db.session() as session:
        service.do_decide(
            session,
            OFFICER,
            registration,
            {
                "outcome": "granted",
                "decided_on": "2022-03-21",
                "legal_basis": "Decision (EU) 2022/382 art. 2(1)",
            },
        )
    with pytest.raises(DecisionInvalid), any_db.session() as session:
        service.do_decide(
            session,
            OFFICER,
            registration,
            {"outcome": "excluded", "decided_on": "2022-03-22", "legal_basis": "art. 28", "reasons": "x"},
        )
    with any_db.session() as session:
        row = service.access_registration(session, OFFICER, registration, purpose="check", legal_basis="duty")
        assert row.status == "granted" and [d.outcome for d in row.decisions] == ["granted"]
        rights = service.status_rights_for(row)
    assert "residence_permit" in {right.identifier for right in rights.rights}


def test_a_minor_names_a_stored_accompanying_adult(any_db: Database) -> None:
    mother = register(
        any_db, surname="Коваленко", given_names="Ірина", birth_date="1985-06-02", document=None
    )
    child = register(
        any_db,
        surname="Коваленко",
        given_names="Марко",
        birth_date="2015-09-01",
        document=None,
        accompanying_adult_id=mother,
        relation_to_adult="parent",
    )
    with any_db.session() as session:
        assert [row.id for row in ProtectionRepository(session).minors_of(mother)] == [child]
    with pytest.raises(RegistrationInvalid) as caught:
        register(any_db, birth_date="2015-09-01", accompanying_adult_id="nobody", relation_to_adult="parent")
    assert caught.value.field == "accompanying_adult_id"


# --- the review queue ---------------------------------------------------------------------------------


def test_duplicates_are_queued_once_and_a_confirmation_joins_them_to_one_person(any_db: Database) -> None:
    first = register(any_db)
    second = register(
        any_db,
        surname="Shevchenko",
        given_names="Aleksandr",
        registering_state="DE",
        registration_date="2022-09-02",
    )
    third = register(
        any_db, surname="Мельник", given_names="Юлія", birth_date="2001-04-18", sex="F", document=None
    )
    document = {
        "clusters": [
            {
                "ids": [second, first],
                "probability": 0.999,
                "agreements": {"surname": "exact", "given_names": "phonetic", "registration": "other_state"},
            },
            {"ids": [third, "elsewhere-77"], "probability": 0.91, "agreements": {"birth_date": "exact"}},
        ],
        "pairs": 2,
    }
    with any_db.session() as session:
        assert service.do_enqueue_duplicates(session, OFFICER, document)["added"] == 2
    with any_db.session() as session:
        again = service.do_enqueue_duplicates(session, OFFICER, document)
    assert (again["added"], again["already_queued"]) == (0, 2)
    with any_db.session() as session:
        queue = service.review_queue(session, OFFICER)
        assert [item.probability for item in queue] == [0.999, 0.91]
        view = service.access_review_item(session, OFFICER, queue[0].id)
        persons_before = {row.id: row.person_id for row in view.registrations}
        rows = {row["field"]: row for row in view.rows}
        other = service.access_review_item(session, OFFICER, queue[1].id)
    assert rows["surname"]["agrees"] and rows["given_names_latin"]["label"] == "phonetic"
    assert not rows["registering_state"]["agrees"]
    assert other.missing == ["elsewhere-77"]
    assert len(set(persons_before.values())) == 2  # registered twice, two people in the registry
    with any_db.session() as session:
        service.do_review(session, OFFICER, queue[0].id, "confirmed", note="same passport")
    with pytest.raises(ReviewInvalid), any_db.session() as session:
        service.do_review(session, OFFICER, queue[0].id, "rejected")
    with any_db.session() as session:
        linked = ProtectionRepository(session).registrations_by_id([first, second])
        assert linked[first].person_id == linked[second].person_id == persons_before[first]
        assert service.review_counts(session, OFFICER) == {"pending": 1, "confirmed": 1, "rejected": 0}
    assert ("protection.review.decide", None, None) in audit_actions(any_db)


def test_a_malformed_dedupe_document_queues_nothing(any_db: Database) -> None:
    with pytest.raises(ReviewInvalid) as caught, any_db.session() as session:
        service.do_enqueue_duplicates(
            session,
            OFFICER,
            {"clusters": [{"ids": ["a", "b"], "probability": 0.9}, {"ids": ["c"], "probability": 0.8}]},
        )
    assert caught.value.field == "clusters[1].ids"
    with any_db.session() as session:
        assert service.review_counts(session, OFFICER)["pending"] == 0


def test_the_export_for_dedupe_has_the_contract_columns_and_is_audited(any_db: Database) -> None:
    register(any_db)
    register(
        any_db,
        surname="Hassan",
        given_names="Mariam",
        kind="asylum_application",
        activation=None,
        nationality=None,
        nationality_type="stateless",
        birth_date="1990-07-23",
        sex="F",
        document=None,
        registering_state="EL",
    )
    with any_db.session() as session:
        text = service.registrations_csv(session, OFFICER)
    lines = text.splitlines()
    assert lines[0].split(",") == [
        "id",
        "surname",
        "given_names",
        "birth_date",
        "sex",
        "nationality",
        "document_number",
        "document_country",
        "registering_state",
        "registration_date",
    ]
    assert any(",Шевченко,Олександр,1988-03-14,M,UA,FX123456,UA,PL,2022-03-20" in line for line in lines)
    assert any(",Hassan,Mariam,1990-07-23,F,STLS,,,EL," in line for line in lines)
    assert (
        "protection.registration.export",
        service.EXPORT_PURPOSE,
        service.REVIEW_LEGAL_BASIS,
    ) in audit_actions(any_db)
