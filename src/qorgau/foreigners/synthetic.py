"""Synthetic foreigners with border crossings, statuses and documents (seeded), for tests and the
overstay benchmark, and a bulk loader that fills the store with the stay index computed.

No real person is in here: names are drawn from short lists, every value is random under a fixed
seed. The population, as of a date ``on``:

- Citizenships: EAEU states 40 % (RU 25, KG 10, AM 3, BY 2), Uzbekistan 18, Tajikistan 7, China 8,
  Turkey 6, India 4, Germany 3, USA 3, Afghanistan 2, Ukraine 8, stateless 1.
- Statuses: visitors 91.5 %; temporary residents 5 % (a visitor first, then a permit on a ground of
  art. 6-1 covering one or two years, the status from the permit's first day); permanent residents
  1.5 % (an open-ended permit); refugees and asylum seekers 0.5 % each; stateless persons 1 % (half
  of them with a permanent residence permit). Half of the Chinese, Indian and US visitors hold a
  visa for one of their stays.
- Crossings: 3 to 18 stays a person (10 on average once stays after the date are cut), placed one
  after another up to about the date over at most four years (so stays entered before 27 January
  2023 meet the old rules): 60 % short (1–14 days), 25 % a month or so (15–45), 12 % long (46–100),
  3 % very long (101–300) — but 97 % of visitors keep each stay within their visa-free term (30
  days, 90 for EAEU citizens), so overstays come from the few who do not and from frequent
  travellers who break the 90-in-180 rule; gaps of 1–150 days, 3 % same-day exit and re-entry. A
  stay still going on the date has no exit (the person is present).
"""

from __future__ import annotations

import datetime as dt
import json
import random
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from qorgau.foreigners.domain.facts import Crossing, Permit, PermitKind
from qorgau.foreigners.domain.stay_index import first_unlawful_days, index_person
from qorgau.foreigners.rules import default_rulebook

CITIZENSHIPS: tuple[tuple[str, float], ...] = (
    ("RU", 25),
    ("KG", 10),
    ("AM", 3),
    ("BY", 2),
    ("UZ", 18),
    ("TJ", 7),
    ("CN", 8),
    ("TR", 6),
    ("IN", 4),
    ("DE", 3),
    ("US", 3),
    ("AF", 2),
    ("UA", 8),
    ("", 1),
)
GIVEN = ("Aleksei", "Timur", "Rustam", "Wei", "Mehmet", "Anna", "Gulnara", "Priya", "Lukas", "Olena", "Bakyt")
FAMILY = ("Ivanov", "Asanov", "Karimov", "Li", "Yilmaz", "Sharma", "Muller", "Smith", "Hakimi", "Melnyk")
BORDER_POINTS = (
    "Almaty airport",
    "Astana airport",
    "Khorgos",
    "Korday",
    "Zhibek Zholy",
    "Petropavlovsk (rail)",
)
GROUNDS = ("employment", "study", "family_reunification", "business")
VISA_STATES = frozenset({"CN", "IN", "US"})


@dataclass(frozen=True)
class SyntheticForeigner:
    """One person with everything the store keeps about them (``number`` is the row id, from 1)."""

    number: int
    person_id: str
    name: str
    birth_date: dt.date
    citizenships: tuple[str, ...]
    statuses: tuple[tuple[str, dt.date], ...]
    crossings: tuple[tuple[dt.date, dt.date | None, str], ...]
    permits: tuple[tuple[str, dt.date, dt.date | None, str | None], ...]

    def domain_crossings(self) -> tuple[Crossing, ...]:
        return tuple(
            Crossing(i, entry, exit_day) for i, (entry, exit_day, _point) in enumerate(self.crossings)
        )

    def domain_permits(self) -> tuple[Permit, ...]:
        return tuple(
            Permit(i, PermitKind(kind), start, until, ground)
            for i, (kind, start, until, ground) in enumerate(self.permits)
        )

    def stay_index(self) -> list[dt.date | None]:
        """``first_unlawful_day`` of each crossing, as the service stores it."""
        days = first_unlawful_days(
            index_person(self.citizenships),
            self.domain_crossings(),
            self.domain_permits(),
            default_rulebook(),
        )
        return [days[i] for i in range(len(self.crossings))]

    def status_on(self, on: dt.date) -> str:
        in_force = [status for status, start in self.statuses if start <= on]
        return in_force[-1] if in_force else self.statuses[0][0]


def generate(
    count: int, *, on: dt.date, seed: int = 7, first_number: int = 1
) -> Iterator[SyntheticForeigner]:
    """``count`` people numbered from ``first_number``; the same seed gives the same people."""
    rng = random.Random(seed * 1_000_003 + first_number)
    codes = [code for code, _weight in CITIZENSHIPS]
    weights = [weight for _code, weight in CITIZENSHIPS]
    for number in range(first_number, first_number + count):
        code = rng.choices(codes, weights)[0]
        citizenships = (code,) if code else ()
        yield _person(rng, number, citizenships, on)


def _person(
    rng: random.Random, number: int, citizenships: tuple[str, ...], on: dt.date
) -> SyntheticForeigner:
    roll = rng.random()
    # Most visitors keep to the visa-free term of their state (30 days, or 90 for the EAEU); 3 % do
    # not, and residents, refugees and stateless persons stay as long as they like.
    eaeu = bool(set(citizenships) & {"RU", "KG", "AM", "BY"})
    visitor = bool(citizenships) and roll >= 0.075
    cap = (90 if eaeu else 30) if visitor and rng.random() < 0.97 else None
    crossings = _crossings(rng, on, cap)
    first_entry = crossings[0][0]
    statuses: list[tuple[str, dt.date]] = []
    permits: list[tuple[str, dt.date, dt.date | None, str | None]] = []
    if not citizenships:
        statuses.append(("stateless", first_entry))
        if roll < 0.5:
            permits.append(
                ("permanent_residence", first_entry - dt.timedelta(days=rng.randint(0, 400)), None, None)
            )
    elif roll < 0.05:  # a temporary resident: a visitor first, then a permit
        stay = rng.choice(crossings)
        start = stay[0] + dt.timedelta(days=rng.randint(0, 20))
        until = start + dt.timedelta(days=rng.choice((364, 729)))
        permits.append(("temporary_residence", start, until, rng.choice(GROUNDS)))
        statuses += [("visitor", first_entry), ("temporary_resident", start)]
    elif roll < 0.065:
        start = first_entry - dt.timedelta(days=rng.randint(0, 300))
        permits.append(("permanent_residence", start, None, None))
        statuses.append(("permanent_resident", start))
    elif roll < 0.07:
        statuses.append(("refugee", first_entry))
    elif roll < 0.075:
        statuses.append(("asylum_seeker", first_entry))
    else:
        statuses.append(("visitor", first_entry))
        if citizenships[0] in VISA_STATES and rng.random() < 0.5:
            entry, _exit_day, _point = rng.choice(crossings)
            until = entry + dt.timedelta(days=rng.choice((30, 60, 90)))
            permits.append(("visa", entry - dt.timedelta(days=rng.randint(0, 10)), until, None))
    statuses.sort(key=lambda item: item[1])
    return SyntheticForeigner(
        number=number,
        person_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        name=f"{rng.choice(GIVEN)} {rng.choice(FAMILY)} {number}",
        birth_date=dt.date(1950, 1, 1) + dt.timedelta(days=rng.randint(0, 18_000)),
        citizenships=citizenships,
        statuses=tuple(statuses),
        crossings=tuple(crossings),
        permits=tuple(permits),
    )


def _crossings(rng: random.Random, on: dt.date, cap: int | None) -> list[tuple[dt.date, dt.date | None, str]]:
    count = rng.randint(3, 18)
    lengths = [_length(rng) if cap is None else min(_length(rng), cap) for _ in range(count)]
    # a same-day exit and re-entry (gap 0) only after a stay of two days or more: one entry a day
    gaps = [0 if rng.random() < 0.03 and length > 1 else rng.randint(1, 150) for length in lengths]
    span = sum(lengths) + sum(gaps)
    end = on + dt.timedelta(days=rng.randint(-300, 60))
    # the history begins at most four years back, and on or before the date (someone is never empty)
    day = min(max(end - dt.timedelta(days=span), on - dt.timedelta(days=4 * 365)), on)
    stays: list[tuple[dt.date, dt.date | None, str]] = []
    for length, gap in zip(lengths, gaps, strict=True):
        if day > on:
            break
        exit_day = day + dt.timedelta(days=length - 1)
        point = rng.choice(BORDER_POINTS)
        if exit_day > on:
            stays.append((day, None, point))
            break
        stays.append((day, exit_day, point))
        day = exit_day + dt.timedelta(days=gap)
    return stays


def _length(rng: random.Random) -> int:
    roll = rng.random()
    if roll < 0.60:
        return rng.randint(1, 14)
    if roll < 0.85:
        return rng.randint(15, 45)
    if roll < 0.97:
        return rng.randint(46, 100)
    return rng.randint(101, 300)


# --------------------------------------------------------------------------------------- loading


@dataclass
class LoadCounts:
    people: int = 0
    crossings: int = 0
    permits: int = 0
    statuses: int = 0


def load(connection: object, foreigners: Iterable[SyntheticForeigner], *, dialect: str) -> LoadCounts:
    """Insert ``foreigners`` with their stay index into a migrated store, bypassing the service
    (no audit entries: this is test and benchmark data). ``connection`` is a psycopg connection on
    PostgreSQL (rows are streamed with COPY) or a DB-API connection on SQLite."""
    counts, tables = table_rows(foreigners)
    if dialect == "postgresql":
        copy(connection, {table: (columns, copy_text(rows)) for table, columns, rows in tables})
    else:
        cursor = connection.cursor()  # type: ignore[attr-defined]
        for table, columns, rows in tables:
            marks = ", ".join("?" for _ in columns.split(","))
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)
    return counts


Rows = list[tuple[object, ...]]


def table_rows(foreigners: Iterable[SyntheticForeigner]) -> tuple[LoadCounts, list[tuple[str, str, Rows]]]:
    """The rows of each table for ``foreigners``, with the stay index computed (the costly part)."""
    counts = LoadCounts()
    people: Rows = []
    persons: Rows = []
    statuses: Rows = []
    crossings: Rows = []
    permits: Rows = []
    now = dt.datetime.now(dt.UTC).isoformat()
    for person in foreigners:
        counts.people += 1
        people.append(
            (person.person_id, person.name, person.name, person.birth_date.isoformat(),
             json.dumps(list(person.citizenships)), "[]", now, now)
        )  # fmt: skip
        persons.append((person.number, person.person_id, bool(person.permits), now))
        for status, start in person.statuses:
            statuses.append((person.number, status, start.isoformat(), now))
        for (entry, exit_day, point), first_unlawful in zip(
            person.crossings, person.stay_index(), strict=True
        ):
            crossings.append(
                (person.number, entry.isoformat(), exit_day.isoformat() if exit_day else None, point,
                 None, "import", first_unlawful.isoformat() if first_unlawful else None, now)
            )  # fmt: skip
        for kind, start, until, ground in person.permits:
            permits.append(
                (person.number, kind, start.isoformat(), until.isoformat() if until else None, ground, now)
            )
    counts.crossings, counts.permits, counts.statuses = len(crossings), len(permits), len(statuses)
    tables = [
        (
            "people",
            "id, name, latin_name, birth_date, citizenships, languages, created_at, updated_at",
            people,
        ),
        ("foreigners_persons", "id, person_id, has_permits, created_at", persons),
        ("foreigners_statuses", "foreigner_id, status, valid_from, created_at", statuses),
        (
            "foreigners_crossings",
            "foreigner_id, entry, exit, entry_border_point, exit_border_point, source, first_unlawful_day, "
            "created_at",
            crossings,
        ),
        ("foreigners_permits", "foreigner_id, kind, valid_from, valid_until, ground, created_at", permits),
    ]
    return counts, tables


def copy_text(rows: Rows) -> str:
    """Rows in PostgreSQL's COPY text format."""
    return "".join("\t".join(_copy_value(value) for value in row) + "\n" for row in rows)


def copy(connection: object, buffers: dict[str, tuple[str, str]]) -> None:
    """Stream ``{table: (columns, COPY text)}`` into PostgreSQL (tables in the order given)."""
    cursor = connection.cursor()  # type: ignore[attr-defined]
    for table, (columns, text) in buffers.items():
        with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as stream:
            stream.write(text)


def _copy_value(value: object) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    return str(value).replace("\\", "\\\\").replace("\t", " ").replace("\n", " ")


def reset_sequences(connection: object) -> None:
    """On PostgreSQL, move the id sequences past the loaded rows (so the service can insert after)."""
    cursor = connection.cursor()  # type: ignore[attr-defined]
    for table in ("foreigners_persons", "foreigners_statuses", "foreigners_crossings", "foreigners_permits"):
        sequence = f"pg_get_serial_sequence('{table}', 'id')"
        cursor.execute(f"SELECT setval({sequence}, COALESCE((SELECT MAX(id) FROM {table}), 1))")
