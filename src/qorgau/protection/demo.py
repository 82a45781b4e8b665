"""Demo data of the protection module: the shipped real Eurostat extracts, a few registrations of
temporary protection and asylum (a family with a child, an unaccompanied minor, decisions), and a
person registered in two states under two spellings of his name, so that the duplicate review
queue is not empty.

The registrations are run through the module's duplicate detection (``qorgau protection dedupe``)
and its clusters queued, as an officer would do; the demo person of the kernel (Олександр
Шевченко) is the one registered twice.
"""

from __future__ import annotations

import datetime as dt
import logging
import tempfile
from pathlib import Path
from typing import Any

from qorgau.kernel.context import cli_principal
from qorgau.kernel.db import Database
from qorgau.kernel.people.service import search_people
from qorgau.protection import service
from qorgau.protection.eurostat import SHIPPED_DATASETS
from qorgau.protection.store import ProtectionRepository

log = logging.getLogger(__name__)

TP_BASIS = "Implementing Decision (EU) 2022/382, art. 2(1)"

# Registrations in the order they are made; "adult" names the key of the accompanying adult's one,
# "decision" a decision taken on it.
REGISTRATIONS: list[dict[str, Any]] = [
    {
        "key": "shevchenko_pl",
        "kind": "temporary_protection",
        "activation": "2022/382",
        "surname": "Шевченко",
        "given_names": "Олександр",
        "birth_date": "1988-03-14",
        "birth_place": "Kharkiv",
        "sex": "M",
        "nationality": "UA",
        "document": {"kind": "passport", "number": "FX123456", "issuing_country": "UA"},
        "registering_state": "PL",
        "registration_date": "2022-03-20",
        "decision": {"outcome": "granted", "decided_on": "2022-03-21", "legal_basis": TP_BASIS},
        "kernel_person": "Олександр Шевченко",
    },
    {
        "key": "shevchenko_de",
        "kind": "temporary_protection",
        "activation": "2022/382",
        "surname": "Shevchenko",
        "given_names": "Aleksandr",
        "birth_date": "1988-03-14",
        "sex": "M",
        "nationality": "UA",
        "document": {"kind": "passport", "number": "FX 123456", "issuing_country": "UA"},
        "registering_state": "DE",
        "registration_date": "2022-09-02",
    },
    {
        "key": "kovalenko_mother",
        "kind": "temporary_protection",
        "activation": "2022/382",
        "surname": "Коваленко",
        "given_names": "Ірина",
        "birth_date": "1985-06-02",
        "birth_place": "Mariupol",
        "sex": "F",
        "nationality": "UA",
        "document": {"kind": "id_card", "number": "004512873", "issuing_country": "UA"},
        "registering_state": "CZ",
        "registration_date": "2022-03-12",
        "decision": {"outcome": "granted", "decided_on": "2022-03-12", "legal_basis": TP_BASIS},
    },
    {
        "key": "kovalenko_son",
        "kind": "temporary_protection",
        "activation": "2022/382",
        "surname": "Коваленко",
        "given_names": "Марко",
        "birth_date": "2015-09-01",
        "sex": "M",
        "nationality": "UA",
        "registering_state": "CZ",
        "registration_date": "2022-03-12",
        "adult": "kovalenko_mother",
        "relation_to_adult": "parent",
        "decision": {"outcome": "granted", "decided_on": "2022-03-12", "legal_basis": TP_BASIS},
    },
    {
        "key": "bondar",
        "kind": "temporary_protection",
        "activation": "2022/382",
        "surname": "Бондар",
        "given_names": "Денис",
        "birth_date": "2007-05-05",
        "sex": "M",
        "nationality": "UA",
        "registering_state": "SK",
        "registration_date": "2022-04-01",
        "unaccompanied": True,
    },
    {
        "key": "melnyk",
        "kind": "temporary_protection",
        "activation": "2022/382",
        "surname": "Мельник",
        "given_names": "Юлія",
        "birth_date": "2001-04-18",
        "sex": "F",
        "nationality": "UA",
        "document": {"kind": "passport", "number": "GB778812", "issuing_country": "UA"},
        "registering_state": "PT",
        "registration_date": "2022-03-28",
        "decision": {"outcome": "granted", "decided_on": "2022-03-29", "legal_basis": TP_BASIS},
    },
    {
        "key": "karimi",
        "kind": "asylum_application",
        "surname": "کریمی",
        "given_names": "احمد",
        "surname_latin": "Karimi",
        "given_names_latin": "Ahmad",
        "aliases": ["Ahmed Karimy"],
        "birth_date": "1995-01-10",
        "birth_place": "Herat",
        "sex": "M",
        "nationality": "AF",
        "registering_state": "DE",
        "registration_date": "2022-11-03",
        "decision": {
            "outcome": "subsidiary_protection",
            "decided_on": "2023-05-16",
            "legal_basis": "Directive 2011/95/EU, art. 15(c)",
        },
    },
    {
        "key": "hassan",
        "kind": "asylum_application",
        "surname": "Hassan",
        "given_names": "Mariam",
        "birth_date": "1990-07-23",
        "sex": "F",
        "nationality_type": "stateless",
        "registering_state": "EL",
        "registration_date": "2023-02-14",
    },
]


def run(database: Database) -> None:
    """Import the shipped extracts (again: the same vintage replaces itself), then, once, the
    registrations and the review queue."""
    actor = cli_principal()
    for path, dataset in SHIPPED_DATASETS:
        with database.session() as session:
            service.do_import_eurostat(session, actor, path, dataset)
    with database.session() as session:
        if ProtectionRepository(session).count_registrations() > 0:
            return
        made: dict[str, str] = {}
        for entry in REGISTRATIONS:
            data = {
                key: value
                for key, value in entry.items()
                if key not in ("key", "adult", "decision", "kernel_person")
            }
            if "adult" in entry:
                data["accompanying_adult_id"] = made[entry["adult"]]
            if "kernel_person" in entry:
                data["person_id"] = _kernel_person(session, actor, entry["kernel_person"])
            row = service.do_register(session, actor, data)
            made[entry["key"]] = row.id
            if "decision" in entry:
                service.do_decide(session, actor, row.id, entry["decision"])
        csv_text = service.registrations_csv(session, actor)
    document = _duplicates(csv_text)
    if document is not None:
        with database.session() as session:
            service.do_enqueue_duplicates(session, actor, document, source="demo: qorgau protection dedupe")


def _kernel_person(session: Any, actor: Any, name: str) -> str | None:
    hits = search_people(session, actor, name, purpose="demo data", legal_basis="demo of the platform")
    return next((hit.person.id for hit in hits if hit.person.name == name), None)


def _duplicates(csv_text: str) -> dict[str, Any] | None:
    """The ``dedupe --json`` document for the demo registrations, or ``None`` if it cannot run here."""
    try:
        from qorgau.protection.dedupe import dedupe_file
    except ImportError as exc:  # Splink is an optional heavy dependency of the dedupe command
        log.warning("protection demo: duplicate detection unavailable (%s); review queue left empty", exc)
        return None
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"registrations-{dt.date.today().isoformat()}.csv"
        path.write_text(csv_text, encoding="utf-8")
        result = dedupe_file(path, threshold=0.5)
    document: dict[str, Any] = result.to_dict()
    return document
