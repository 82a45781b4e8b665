"""Import of border crossings from a CSV file, all or nothing unless bad rows may be skipped.

The file (UTF-8, a header row, comma or semicolon separated) has these columns; a person is named
either by ``person_id`` or by ``name`` + ``birth_date`` + ``citizenship``:

============================  ============================================================================
``person_id``                 the person's id in the people registry, or empty
``name``                      the name as written in the passport (any script), when no ``person_id``
``birth_date``                YYYY-MM-DD, with ``name``
``citizenship``               ISO 3166-1 alpha-2; several separated by spaces (``RU KG``); empty: stateless
``status``                    optional; only for a person new to the migration service (``visitor`` …);
                              otherwise presumed from the citizenship
``entry``                     the day of entry, YYYY-MM-DD (required)
``exit``                      the day of exit, YYYY-MM-DD, or empty while the person is in the country
``entry_border_point``        optional, e.g. ``Khorgos``, ``Almaty airport``
``exit_border_point``         optional
============================  ============================================================================

A named person is matched in the people registry (same birth date, the citizenship among the
person's, the name alike in any script); one match is used, several are a bad row (ambiguous), none
creates the person (``qorgau.kernel.people.service.do_add_person``). A row whose person already has a
stay with the same entry is a duplicate when it says nothing new (the file imported twice), and
records the exit when that stay is still open.

Rows are checked first, each against the person's stored stays and the rows accepted before it
(the same errors as a single record: an exit before its entry, overlapping stays, an unknown country
or status). Every bad row is reported with its line number. Then, in the caller's one transaction:
with bad rows and without ``skip_bad``, :class:`ImportRejected` is raised and nothing is written;
otherwise the good rows are written and the bad ones listed in the :class:`ImportReport`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from qorgau.foreigners.domain.errors import InvalidInputError
from qorgau.foreigners.domain.facts import PersonFacts, Status, parse_crossings, parse_date
from qorgau.foreigners.domain.stay_index import first_unlawful_days, index_person
from qorgau.foreigners.permissions import FOREIGNERS_IMPORT
from qorgau.foreigners.rules import default_rulebook
from qorgau.foreigners.service import presumed_status, refresh_stay_index
from qorgau.foreigners.store import (
    BorderCrossingRow,
    ForeignerRow,
    ForeignersRepository,
    ForeignerStatusRow,
    Records,
)
from qorgau.kernel.audit.service import do_record
from qorgau.kernel.auth.domain import Principal
from qorgau.kernel.auth.scopes import check_permission
from qorgau.kernel.people.domain.model import PersonInvalid
from qorgau.kernel.people.domain.transliteration import name_similarity
from qorgau.kernel.people.service import do_add_person, search_people
from qorgau.kernel.people.store import PeopleRepository, PersonRow

COLUMNS = (
    "person_id",
    "name",
    "birth_date",
    "citizenship",
    "status",
    "entry",
    "exit",
    "entry_border_point",
    "exit_border_point",
)
MATCH_THRESHOLD = 0.85
IMPORT_PURPOSE = "import of border crossings"
IMPORT_BASIS = "Law No. 477-IV 'On migration of population' (registration of immigrants)"

Progress = Callable[[str, int, int], None]  # (stage, done, total)


@dataclass(frozen=True)
class CrossingLine:
    """One data row of the file (``line`` counts the header as line 1)."""

    line: int
    person_id: str | None
    name: str | None
    birth_date: dt.date | None
    citizenships: tuple[str, ...]
    status: str | None
    entry: dt.date
    exit: dt.date | None
    entry_border_point: str | None
    exit_border_point: str | None


@dataclass(frozen=True)
class BadRow:
    line: int
    field: str
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"line": self.line, "field": self.field, "message": self.message}

    def describe(self) -> str:
        return f"line {self.line}: {self.field}: {self.message}"


@dataclass
class ImportReport:
    """What an import did (or would have done): counts and every bad row."""

    rows: int = 0
    imported: int = 0
    exits_recorded: int = 0
    duplicates: int = 0
    people_matched: int = 0
    people_created: int = 0
    foreigners_registered: int = 0
    bad_rows: list[BadRow] = field(default_factory=list)
    committed: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "imported": self.imported,
            "exits_recorded": self.exits_recorded,
            "duplicates": self.duplicates,
            "people_matched": self.people_matched,
            "people_created": self.people_created,
            "foreigners_registered": self.foreigners_registered,
            "bad_rows": [bad.to_dict() for bad in self.bad_rows],
            "committed": self.committed,
        }


class ImportRejected(ValueError):
    """The file has bad rows and skipping them was not asked: nothing was imported."""

    field = "file"

    def __init__(self, report: ImportReport) -> None:
        self.report = report
        count = len(report.bad_rows)
        first = report.bad_rows[0].describe() if report.bad_rows else ""
        super().__init__(f"{count} bad row(s), nothing imported; first: {first}")


def read_crossings_csv(content: str | bytes) -> tuple[list[CrossingLine], list[BadRow]]:
    """Parse the file into rows, and the rows that cannot even be read (bad dates, missing columns).

    A missing ``entry`` column or a file without a header is one bad row at line 1.
    """
    text = content.decode("utf-8-sig") if isinstance(content, bytes) else content.removeprefix("\ufeff")
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [name.strip().lower() for name in (reader.fieldnames or [])]
    if "entry" not in header:
        return [], [
            BadRow(1, "entry", "the header has no 'entry' column (columns: " + ", ".join(COLUMNS) + ")")
        ]
    if "person_id" not in header and "name" not in header:
        return [], [
            BadRow(1, "person_id", "the header needs 'person_id' or 'name', 'birth_date', 'citizenship'")
        ]
    reader.fieldnames = header
    lines: list[CrossingLine] = []
    bad: list[BadRow] = []
    for row in reader:
        number = reader.line_num
        values = {key: (value or "").strip() for key, value in row.items() if key is not None}
        if not any(values.values()):
            continue  # blank line
        try:
            lines.append(_line(number, values))
        except _Bad as exc:
            bad.append(BadRow(number, exc.field, exc.message))
    return lines, bad


def do_import_crossings(
    session: Session,
    actor: Principal,
    lines: Sequence[CrossingLine],
    *,
    skip_bad: bool = False,
    unreadable: Sequence[BadRow] = (),
    progress: Progress | None = None,
) -> ImportReport:
    """Check every row, then write the good ones in the caller's transaction (see the module docstring).

    Raises :class:`ImportRejected` when a row is bad (including the ``unreadable`` ones from
    :func:`read_crossings_csv`) and ``skip_bad`` is false.
    """
    check_permission(actor, FOREIGNERS_IMPORT)
    report = ImportReport(rows=len(lines) + len(unreadable), bad_rows=list(unreadable))
    plan = _Plan(session, actor, report)
    total = len(lines)
    for done, line in enumerate(lines, start=1):
        try:
            plan.check(line)
        except _Bad as exc:
            report.bad_rows.append(BadRow(line.line, exc.field, exc.message))
        if progress is not None:
            progress("checking", done, total)
    report.bad_rows.sort(key=lambda bad: bad.line)
    if report.bad_rows and not skip_bad:
        raise ImportRejected(report)
    plan.write(progress)
    report.committed = True
    do_record(
        session,
        actor,
        "foreigners.crossings.import",
        "person",
        "*",
        purpose=IMPORT_PURPOSE,
        legal_basis=IMPORT_BASIS,
        details={k: v for k, v in report.to_dict().items() if k != "bad_rows"}
        | {"bad_lines": [bad.line for bad in report.bad_rows]},
    )
    return report


def do_record_rejected_import(session: Session, actor: Principal, report: ImportReport) -> None:
    """Audit an import refused for bad rows (called in a new transaction after the rollback)."""
    do_record(
        session,
        actor,
        "foreigners.crossings.import_rejected",
        "person",
        "*",
        purpose=IMPORT_PURPOSE,
        legal_basis=IMPORT_BASIS,
        details={"rows": report.rows, "bad_lines": [bad.line for bad in report.bad_rows]},
    )


# ------------------------------------------------------------------------------------ internals


class _Bad(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def _line(number: int, values: dict[str, str]) -> CrossingLine:
    def day(key: str) -> dt.date | None:
        raw = values.get(key, "")
        if not raw:
            return None
        try:
            return parse_date(raw, key)
        except InvalidInputError:
            raise _Bad(key, f"{raw!r} is not a date (YYYY-MM-DD)") from None

    entry = day("entry")
    if entry is None:
        raise _Bad("entry", "required (YYYY-MM-DD)")
    person_id = values.get("person_id") or None
    name = " ".join(values.get("name", "").split()) or None
    birth_date = day("birth_date")
    if person_id is None:
        if name is None:
            raise _Bad("person_id", "give person_id, or name with birth_date and citizenship")
        if birth_date is None:
            raise _Bad("birth_date", "required with a name (YYYY-MM-DD)")
    citizenships = tuple(
        code.upper() for code in values.get("citizenship", "").replace(";", " ").replace(",", " ").split()
    )
    return CrossingLine(
        line=number,
        person_id=person_id,
        name=name,
        birth_date=birth_date,
        citizenships=citizenships,
        status=values.get("status") or None,
        entry=entry,
        exit=day("exit"),
        entry_border_point=values.get("entry_border_point") or None,
        exit_border_point=values.get("exit_border_point") or None,
    )


@dataclass
class _Person:
    """A person of the import: known in the registry (``row``) or to be created (``data``)."""

    key: str
    row: PersonRow | None
    data: dict[str, Any] | None
    citizenships: tuple[str, ...]
    foreigner: ForeignerRow | None
    records: Records | None
    status: Status
    crossings: list[dict[str, Any]]  # stored stays and accepted rows: {"entry", "exit", "line", "row"?}
    accepted: list[tuple[CrossingLine, str]] = field(default_factory=list)  # (line, "add" | "exit")


class _Plan:
    def __init__(self, session: Session, actor: Principal, report: ImportReport) -> None:
        self.session = session
        self.actor = actor
        self.report = report
        self.repository = ForeignersRepository(session)
        self.people: dict[str, _Person] = {}
        self.book = default_rulebook()
        self.current_line = 0

    # --------------------------------------------------------------------------- checking

    def check(self, line: CrossingLine) -> None:
        self.current_line = line.line
        person = self._person(line)
        same_entry = next((c for c in person.crossings if c["entry"] == line.entry), None)
        if same_entry is not None:
            if same_entry["exit"] == line.exit or line.exit is None:
                self.report.duplicates += 1
                return
            if same_entry["exit"] is not None:
                raise _Bad(
                    "exit",
                    f"{self._label(same_entry)} has exit {same_entry['exit'].isoformat()}, "
                    f"this row says {line.exit.isoformat()}",
                )
            candidate = [c if c is not same_entry else {**c, "exit": line.exit} for c in person.crossings]
            action = "exit"
        else:
            candidate = [*person.crossings, {"entry": line.entry, "exit": line.exit, "line": line.line}]
            action = "add"
        try:
            parsed = parse_crossings([{"entry": c["entry"], "exit": c["exit"]} for c in candidate])
            first_unlawful_days(index_person(person.citizenships), parsed, (), self.book)
        except InvalidInputError as exc:
            raise _Bad(_field(exc), _message(exc, candidate, self._label)) from None
        person.crossings = candidate
        person.accepted.append((line, action))

    def _person(self, line: CrossingLine) -> _Person:
        if line.person_id is not None:
            key = f"id:{line.person_id}"
            if key not in self.people:
                row = PeopleRepository(self.session).get(line.person_id)
                if row is None:
                    raise _Bad("person_id", f"no person with id {line.person_id!r} in the people registry")
                self.people[key] = self._known(key, row, line)
                self.report.people_matched += 1
            return self._checked_status(self.people[key], line)
        assert line.name is not None and line.birth_date is not None
        key = (
            f"name:{line.name.casefold()}|{line.birth_date.isoformat()}|{' '.join(sorted(line.citizenships))}"
        )
        if key not in self.people:
            facts = self._facts(line.status, line.citizenships)
            match = self._match(line)
            if match is not None and f"id:{match.id}" in self.people:
                self.people[key] = self.people[f"id:{match.id}"]  # the same person named both ways
            elif match is not None:
                self.people[key] = self.people[f"id:{match.id}"] = self._known(key, match, line)
                self.report.people_matched += 1
            elif (pending := self._pending_match(line)) is not None:
                self.people[key] = pending  # written in another script on an earlier row
            else:
                self.people[key] = _Person(
                    key=key,
                    row=None,
                    data={
                        "name": line.name,
                        "birth_date": line.birth_date.isoformat(),
                        "citizenships": list(line.citizenships),
                    },
                    citizenships=line.citizenships,
                    foreigner=None,
                    records=None,
                    status=facts.status,
                    crossings=[],
                )
        return self._checked_status(self.people[key], line)

    def _known(self, key: str, row: PersonRow, line: CrossingLine) -> _Person:
        citizenships = tuple(row.citizenships or [])
        foreigner = self.repository.by_person(row.id)
        records = self.repository.records(foreigner) if foreigner is not None else None
        if records is not None and records.statuses:
            status = Status(records.statuses[-1].status)
        else:
            status = self._facts(line.status, citizenships).status
        return _Person(
            key=key,
            row=row,
            data=None,
            citizenships=citizenships,
            foreigner=foreigner,
            records=records,
            status=status,
            crossings=[
                {"entry": c.entry, "exit": c.exit, "row": c} for c in (records.crossings if records else [])
            ],
        )

    def _checked_status(self, person: _Person, line: CrossingLine) -> _Person:
        if line.status is not None and person.records is None:
            self._facts(line.status, person.citizenships)  # a bad status is this row's error
        return person

    def _facts(self, raw_status: str | None, citizenships: Sequence[str]) -> PersonFacts:
        status = raw_status or presumed_status(citizenships).value
        try:
            return PersonFacts.from_mapping(
                {"status": status, "citizenships": list(citizenships)}, countries=self.book.countries
            )
        except InvalidInputError as exc:
            path = exc.record.removeprefix("person.")
            column = "status" if path == "status" else "citizenship"
            raise _Bad(column, exc.reason) from None

    def _match(self, line: CrossingLine) -> PersonRow | None:
        assert line.name is not None
        hits = search_people(
            self.session,
            self.actor,
            line.name,
            purpose=IMPORT_PURPOSE,
            legal_basis=IMPORT_BASIS,
            limit=50,
        )
        matches = [
            hit.person
            for hit in hits
            if hit.score >= MATCH_THRESHOLD
            and hit.person.birth_date == line.birth_date
            and set(line.citizenships) <= set(hit.person.citizenships or [])
        ]
        if len(matches) > 1:
            raise _Bad(
                "name",
                f"{len(matches)} people in the registry match {line.name!r} born {line.birth_date}; "
                "give person_id",
            )
        return matches[0] if matches else None

    def _pending_match(self, line: CrossingLine) -> _Person | None:
        """A person first named on an earlier row of this file, alike in name (any script)."""
        assert line.name is not None and line.birth_date is not None
        for person in self.people.values():
            data = person.data
            if (
                data is not None
                and data["birth_date"] == line.birth_date.isoformat()
                and set(line.citizenships) == set(person.citizenships)
                and name_similarity(line.name, str(data["name"])) >= MATCH_THRESHOLD
            ):
                return person
        return None

    def _label(self, crossing: dict[str, Any]) -> str:
        row = crossing.get("row")
        span = (
            f"{crossing['entry'].isoformat()} – {crossing['exit'].isoformat() if crossing['exit'] else '…'}"
        )
        if row is not None:
            return f"stored crossing #{row.id} ({span})"
        if crossing["line"] == self.current_line:
            return f"this row ({span})"
        return f"the row of line {crossing['line']} ({span})"

    # --------------------------------------------------------------------------- writing

    def write(self, progress: Progress | None) -> None:
        total = sum(len(person.accepted) for person in {id(p): p for p in self.people.values()}.values())
        done = 0
        unique = {id(person): person for person in self.people.values()}
        for person in unique.values():
            if not person.accepted:
                continue
            row = person.row
            if row is None:
                assert person.data is not None
                try:
                    row = do_add_person(self.session, self.actor, person.data)
                except PersonInvalid as exc:  # checked above; the registry's own rules still apply
                    raise ValueError(f"people registry refused {person.data['name']!r}: {exc}") from exc
                self.report.people_created += 1
            foreigner = person.foreigner
            if foreigner is None:
                first_entry = min(line.entry for line, _action in person.accepted)
                foreigner = self.repository.add_foreigner(row.id)
                self.repository.add(
                    ForeignerStatusRow(
                        foreigner_id=foreigner.id,
                        status=person.status.value,
                        valid_from=first_entry,
                        note="recorded by the import of crossings",
                    )
                )
                self.report.foreigners_registered += 1
            stored = {c.entry: c for c in (person.records.crossings if person.records else [])}
            added, closed = [], []
            for line, action in person.accepted:
                if action == "exit":
                    crossing = stored[line.entry]
                    crossing.exit = line.exit
                    crossing.exit_border_point = line.exit_border_point or crossing.exit_border_point
                    closed.append(line.line)
                    self.report.exits_recorded += 1
                else:
                    self.session.add(
                        BorderCrossingRow(
                            foreigner_id=foreigner.id,
                            entry=line.entry,
                            exit=line.exit,
                            entry_border_point=line.entry_border_point,
                            exit_border_point=line.exit_border_point,
                            source="import",
                        )
                    )
                    added.append(line.line)
                    self.report.imported += 1
                done += 1
                if progress is not None:
                    progress("importing", done, total)
            self.session.flush()
            records = self.repository.records(foreigner)
            refresh_stay_index(row, records)
            do_record(
                self.session,
                self.actor,
                "foreigners.crossing.import",
                "person",
                row.id,
                details={"lines_added": added, "lines_exit": closed},
            )
        self.session.flush()


def _field(exc: InvalidInputError) -> str:
    if exc.record.endswith(".exit") or exc.reason.startswith("exit "):
        return "exit"
    return "entry"


def _message(
    exc: InvalidInputError, candidate: list[dict[str, Any]], label: Callable[[dict[str, Any]], str]
) -> str:
    def name(match: re.Match[str]) -> str:
        index = int(match.group(1))
        return label(candidate[index]) if index < len(candidate) else match.group(0)

    return re.sub(r"crossings\[(\d+)\]", name, str(exc))
