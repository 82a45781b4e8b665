"""Duplicate registrations across states (record linkage): the pure parts.

A person fleeing a war may register for temporary protection in two or three member states; the EU
Temporary Protection Platform exists to find such double registrations (Annex II fields: name,
birth date, nationality, sex, identity document and its issuing state, registering state and date).
This module holds everything about that comparison that needs no database and no Splink:

- :class:`Registration` and :func:`parse_registration` — one row of the registrations CSV
  (:data:`REGISTRATION_COLUMNS`), checked, with the line it came from; bad rows raise
  :class:`RegistrationError` naming the line.
- **Canonical forms** — :func:`name_forms` re-transliterates a name in any script into the
  canonical Latin (ICAO 9303, via the kernel's
  :func:`~qorgau.kernel.people.domain.transliteration.canonical_latin`),
  keeps every plausible Latin variant (Ukrainian national 2010, ICAO, Russian, Kazakh spellings)
  and a phonetic key; :func:`canonical_document_number` writes a document number one way
  (Cyrillic look-alike letters of Ukrainian and Russian series become Latin).
- **Birth dates** — :func:`swap_day_month` and :func:`is_day_month_swap`: 03.07.1985 keyed as
  07.03.1985 is the commonest date error between registration systems.
- **Candidate features** — :func:`candidate_features` flattens a registration into the columns the
  linkage model compares and blocks on (:data:`FEATURE_COLUMNS`).
- **Comparison levels** — :data:`COMPARISON_LEVELS` names, for each compared field, its levels
  from the strongest agreement down; a Splink comparison vector value (gamma) maps back to a
  label with :func:`agreement_label`, and :func:`weakest_agreements` says which fields agreed on
  every link of a cluster.
- **Clusters** — :func:`connected_clusters` (union–find over links at or above a threshold),
  :func:`summarise_cluster` (the cluster's probability: the weakest link of its maximum spanning
  tree, i.e. the highest threshold at which it still holds together) and :func:`pairwise_quality`
  (precision and recall of clusters against known truth, counted over pairs of records).

Splink itself (training by EM, scoring, Splink's connected components) lives in
:mod:`qorgau.protection.dedupe`.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from qorgau.kernel.people.domain.transliteration import (
    canonical_latin,
    detect_script,
    latin_variants,
    name_key,
)
from qorgau.protection.domain.errors import ProtectionError

REGISTRATION_COLUMNS: tuple[str, ...] = (
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
)
"""The columns of the registrations CSV (``qorgau protection dedupe``); extra columns are ignored."""

SEXES: dict[str, str | None] = {"M": "M", "F": "F", "X": "X", "U": None, "": None}
"""Accepted ``sex`` cells (case-insensitive): male, female, unspecified (ICAO ``X``), unknown/empty."""

_COUNTRY_CODE = re.compile(r"^[A-Z]{2,4}$")  # ISO 3166 alpha-2/alpha-3, Eurostat codes such as STLS
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_DOTTED_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_LETTER = re.compile(r"[^\W\d_]")
_NOT_LETTER_OR_DIGIT = re.compile(r"[\W_]+")


class RegistrationError(ProtectionError):
    """A registrations file or row that cannot be used; ``line`` is the 1-based CSV line (or None).

    The message reads ``FILE: line N: reason`` so the command line prints it as its one line.
    """

    def __init__(self, message: str, *, line: int | None = None, source: str | None = None) -> None:
        self.line = line
        self.source = source
        self.reason = message
        where = ":".join(part for part in (source, f"line {line}" if line else None) if part)
        super().__init__(f"{where}: {message}" if where else message)


@dataclass(frozen=True, slots=True)
class Registration:
    """One temporary-protection (or asylum) registration as the dedupe input carries it.

    Names are as registered, in any script; codes are upper case; ``None`` means not recorded.
    ``line`` is the CSV line the row came from (0 when built in code).
    """

    id: str
    surname: str
    given_names: str
    birth_date: date | None
    sex: str | None
    nationality: str | None
    document_number: str | None
    document_country: str | None
    registering_state: str | None
    registration_date: date | None
    line: int = 0


@lru_cache(maxsize=131_072)
def parse_date(text: str) -> date | None:
    """A date written ``YYYY-MM-DD`` or ``DD.MM.YYYY``; empty text gives ``None``.

    Raises :class:`ValueError` for anything else, including impossible dates (31.02.1990).

    >>> parse_date("1985-07-03"), parse_date("3.7.1985"), parse_date(" ")
    (datetime.date(1985, 7, 3), datetime.date(1985, 7, 3), None)

    Cached: a register holds a few tens of thousands of distinct dates in a million rows.
    """
    text = text.strip()
    if not text:
        return None
    if match := _ISO_DATE.match(text):
        year, month, day = (int(part) for part in match.groups())
    elif match := _DOTTED_DATE.match(text):
        day, month, year = (int(part) for part in match.groups())
    else:
        raise ValueError(f"{text!r} is not a date (YYYY-MM-DD or DD.MM.YYYY)")
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueError(f"{text!r} is not a date that exists") from None


@lru_cache(maxsize=4096)
def _country_code(value: str) -> str | None:
    code = value.strip().upper()
    if code and not _COUNTRY_CODE.match(code):
        raise ValueError(value)
    return code or None


def _code(value: str, column: str, line: int) -> str | None:
    try:
        return _country_code(value)
    except ValueError:
        raise RegistrationError(
            f"{column}: {value!r} is not a country code (2–4 letters)", line=line
        ) from None


def parse_registration(row: Mapping[str, str | None], line: int) -> Registration:
    """Check one CSV row (a mapping from :data:`REGISTRATION_COLUMNS` to cells) and build its record.

    Rules: ``id`` and at least one of ``surname`` / ``given_names`` are required; dates are
    ``YYYY-MM-DD`` or ``DD.MM.YYYY`` (empty allowed) and a birth date may not lie after the
    registration date; ``sex`` is M, F, X, U or empty; codes are 2–4 letters. Raises
    :class:`RegistrationError` with ``line`` on the first problem. Names are kept as written.
    """
    cells = {column: (row.get(column) or "") for column in REGISTRATION_COLUMNS}
    if any(value is None for value in row.values()) or None in row:
        raise RegistrationError(
            f"expected {len(REGISTRATION_COLUMNS)} cells, found a different number", line=line
        )
    identifier = cells["id"].strip()
    if not identifier:
        raise RegistrationError("id is empty", line=line)
    surname = " ".join(cells["surname"].split())
    given_names = " ".join(cells["given_names"].split())
    if not surname and not given_names:
        raise RegistrationError("surname and given_names are both empty", line=line)
    for column, value in (("surname", surname), ("given_names", given_names)):
        if value and not _LETTER.search(value):
            raise RegistrationError(f"{column}: {value!r} has no letters", line=line)
    try:
        birth_date = parse_date(cells["birth_date"])
    except ValueError as exc:
        raise RegistrationError(f"birth_date: {exc}", line=line) from None
    try:
        registration_date = parse_date(cells["registration_date"])
    except ValueError as exc:
        raise RegistrationError(f"registration_date: {exc}", line=line) from None
    if birth_date and registration_date and birth_date > registration_date:
        raise RegistrationError(
            f"birth_date {birth_date.isoformat()} is after registration_date {registration_date.isoformat()}",
            line=line,
        )
    sex_cell = cells["sex"].strip().upper()
    if sex_cell not in SEXES:
        raise RegistrationError(f"sex: {cells['sex']!r} is not M, F, X, U or empty", line=line)
    document_number = canonical_document_number(cells["document_number"]) or None
    return Registration(
        id=identifier,
        surname=surname,
        given_names=given_names,
        birth_date=birth_date,
        sex=SEXES[sex_cell],
        nationality=_code(cells["nationality"], "nationality", line),
        document_number=document_number,
        document_country=_code(cells["document_country"], "document_country", line),
        registering_state=_code(cells["registering_state"], "registering_state", line),
        registration_date=registration_date,
        line=line,
    )


def check_header(columns: Sequence[str] | None, source: str | None = None) -> None:
    """Raise :class:`RegistrationError` (line 1) unless the header has all :data:`REGISTRATION_COLUMNS`."""
    if not columns:
        raise RegistrationError("the file is empty (no header line)", line=1, source=source)
    present = {column.strip().lower() for column in columns}
    missing = [column for column in REGISTRATION_COLUMNS if column not in present]
    if missing:
        raise RegistrationError(f"header lacks column(s) {', '.join(missing)}", line=1, source=source)


# --- birth dates --------------------------------------------------------------------------------


def swap_day_month(day: date) -> date | None:
    """The date with day and month exchanged, or ``None`` when that is no different or no date.

    >>> swap_day_month(date(1985, 7, 3))
    datetime.date(1985, 3, 7)
    >>> swap_day_month(date(1985, 7, 13)) is None, swap_day_month(date(1985, 5, 5)) is None
    (True, True)
    """
    if day.day > 12 or day.day == day.month:
        return None
    try:
        return date(day.year, day.day, day.month)
    except ValueError:  # pragma: no cover - a month number ≤ 12 always has day ≤ 12
        return None


def is_day_month_swap(first: date | None, second: date | None) -> bool:
    """Whether ``second`` is ``first`` with day and month exchanged (and the two differ).

    >>> is_day_month_swap(date(1985, 7, 3), date(1985, 3, 7))
    True
    >>> is_day_month_swap(date(1985, 7, 3), date(1985, 7, 3))
    False
    """
    if first is None or second is None:
        return False
    return swap_day_month(first) == second


# --- documents ----------------------------------------------------------------------------------

# Cyrillic letters that look like Latin ones: the series of Ukrainian and Soviet-style internal
# passports (МЕ 123456, КВ 123456) is typed in either script by different registration systems.
_LOOKALIKES = str.maketrans(
    {
        "А": "A",
        "В": "B",
        "Е": "E",
        "Ё": "E",
        "К": "K",
        "М": "M",
        "Н": "H",
        "О": "O",
        "Р": "P",
        "С": "C",
        "Т": "T",
        "У": "Y",
        "Х": "X",
        "І": "I",
        "Ї": "I",
    }
)


def canonical_document_number(text: str) -> str:
    """A document number in one form: upper case, Cyrillic look-alikes as Latin, letters and digits only.

    >>> canonical_document_number(" ме 123-456 "), canonical_document_number("ME123456")
    ('ME123456', 'ME123456')
    """
    return _NOT_LETTER_OR_DIGIT.sub("", text.upper().translate(_LOOKALIKES))


# --- names --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NameForms:
    """A name's comparison forms (all lower-case ASCII for Cyrillic or Latin input).

    ``canonical`` is the whole name in the canonical Latin (ICAO 9303, folded); ``first`` the first
    word of it; ``key`` the phonetic key of the first word; ``variants`` every Latin spelling of the
    first word under the transliteration schemes (it always contains ``first``); ``script`` the
    script the name was written in.
    """

    canonical: str
    first: str
    key: str
    variants: tuple[str, ...]
    script: str


_EMPTY_FORMS = NameForms("", "", "", (), "other")


@lru_cache(maxsize=262_144)
def name_forms(name: str) -> NameForms:
    """The :class:`NameForms` of ``name`` in any script (cached: registers repeat names a lot).

    Only the first word gives the key and the variants: a patronymic or a second given name that
    one registration adds and another leaves out then does not stop the two from agreeing.

    >>> forms = name_forms("Олександр Петрович")
    >>> forms.canonical, forms.first, forms.key
    ('oleksandr petrovich', 'oleksandr', 'ALKSNDR')
    >>> "aleksandr" in name_forms("Александр").variants, name_forms("Oleksandr").variants
    (True, ('oleksandr',))
    """
    canonical = canonical_latin(name)
    first_token = next(
        (word for word in name.replace(",", " ").split() if any(c.isalpha() for c in word)), ""
    )
    if not canonical or not first_token:
        return _EMPTY_FORMS
    first = canonical_latin(first_token)
    variants = latin_variants(first_token) | {first}
    variants.discard("")
    return NameForms(
        canonical=canonical,
        first=first,
        key=name_key(first_token),
        variants=tuple(sorted(variants)),
        script=detect_script(name),
    )


# Ukrainian and Russian forms of one given name that are translations rather than spellings, so no
# transliteration or phonetic key brings them together (Катерина / Екатерина, Микола / Николай).
# Forms that differ only in spelling (Олександр / Александр, Андрій / Андрей) need no entry: their
# keys already agree. A registration may carry either form: the person's passport has the Ukrainian
# one, a Russian speaker gives the Russian one.
GIVEN_NAME_EQUIVALENTS: tuple[tuple[str, ...], ...] = (
    ("Катерина", "Екатерина"),
    ("Надія", "Надежда"),
    ("Дарина", "Дарья"),
    ("Христина", "Кристина"),
    ("Микола", "Николай"),
    ("Ганна", "Анна"),
    ("Костянтин", "Константин"),
    ("Василина", "Василиса"),
    ("Омелян", "Емельян"),
    ("Явдоха", "Евдокия"),
    ("Параска", "Прасковья"),
    ("Хома", "Фома"),
    ("Панас", "Афанасий"),
    ("Гнат", "Игнат"),
    ("Левко", "Лев"),
)


@lru_cache(maxsize=1)
def _equivalent_keys() -> dict[str, str]:
    keys: dict[str, str] = {}
    for forms in GIVEN_NAME_EQUIVALENTS:
        first = name_key(forms[0])
        for form in forms:
            keys[name_key(form)] = first
    return keys


def equivalent_given_name_key(key: str) -> str:
    """The phonetic key of a given name, with the Russian form's key mapped to the Ukrainian form's.

    >>> equivalent_given_name_key(name_forms("Yekaterina").key) == name_forms("Kateryna").key
    True
    """
    return _equivalent_keys().get(key, key)


# --- candidate features -------------------------------------------------------------------------

FEATURE_COLUMNS: tuple[str, ...] = (
    "unique_id",
    "surname",
    "surname_key",
    "surname_initial",
    "surname_variants",
    "given_names",
    "given_first",
    "given_key",
    "given_initial",
    "given_variants",
    "birth_date",
    "birth_date_swapped",
    "birth_year",
    "sex",
    "nationality",
    "document_number",
    "document_country",
    "registering_state",
    "registration_date",
)
"""The columns of the table the linkage model reads, in order (see :func:`candidate_features`)."""


@lru_cache(maxsize=262_144)
def _surname_features(surname: str) -> tuple[str | None, str | None, str | None, tuple[str, ...] | None]:
    forms = name_forms(surname) if surname else _EMPTY_FORMS
    return forms.canonical or None, forms.key or None, forms.key[:1] or None, forms.variants or None


@lru_cache(maxsize=262_144)
def _given_features(
    given_names: str,
) -> tuple[str | None, str | None, str | None, str | None, tuple[str, ...] | None]:
    forms = name_forms(given_names) if given_names else _EMPTY_FORMS
    key = equivalent_given_name_key(forms.key)
    return forms.canonical or None, forms.first or None, key or None, key[:1] or None, forms.variants or None


@lru_cache(maxsize=65_536)
def _birth_features(birth: date | None) -> tuple[str | None, str | None, int | None]:
    if birth is None:
        return None, None, None
    swapped = swap_day_month(birth)
    return birth.isoformat(), swapped.isoformat() if swapped else None, birth.year


def candidate_features(registration: Registration) -> dict[str, Any]:
    """The comparison and blocking columns of one registration (:data:`FEATURE_COLUMNS`).

    ``surname`` and ``given_names`` are canonical Latin, ``given_first`` the first given name;
    ``*_key`` phonetic keys (the given name's mapped by :data:`GIVEN_NAME_EQUIVALENTS`) and
    ``*_initial`` their first symbols (blocking keys that no comparison reads); ``*_variants``
    tuples of Latin spellings; dates are ISO strings, ``birth_date_swapped`` the birth date with
    day and month exchanged (``None`` where that is not a different date). Missing values are ``None``.
    Names and dates repeat a lot in a register, so their features are computed once per value.
    """
    surname, surname_key, surname_initial, surname_variants = _surname_features(registration.surname)
    given_names, given_first, given_key, given_initial, given_variants = _given_features(
        registration.given_names
    )
    birth_date, birth_date_swapped, birth_year = _birth_features(registration.birth_date)
    registered = registration.registration_date
    return {
        "unique_id": registration.id,
        "surname": surname,
        "surname_key": surname_key,
        "surname_initial": surname_initial,
        "surname_variants": surname_variants,
        "given_names": given_names,
        "given_first": given_first,
        "given_key": given_key,
        "given_initial": given_initial,
        "given_variants": given_variants,
        "birth_date": birth_date,
        "birth_date_swapped": birth_date_swapped,
        "birth_year": birth_year,
        "sex": registration.sex,
        "nationality": registration.nationality,
        "document_number": registration.document_number,
        "document_country": registration.document_country,
        "registering_state": registration.registering_state,
        "registration_date": registered.isoformat() if registered else None,
    }


# --- comparison levels --------------------------------------------------------------------------

MISSING = "missing"
DIFFERENT = "different"

COMPARISON_LEVELS: dict[str, tuple[str, ...]] = {
    "surname": ("exact", "transliteration", "phonetic", "exchanged", "typo", DIFFERENT),
    "given_names": ("exact", "transliteration", "phonetic", "exchanged", "typo", "similar", DIFFERENT),
    "birth_date": ("exact", "day_month_swapped", "day_typo", "year_typo", "same_year", DIFFERENT),
    "sex": ("exact", DIFFERENT),
    "nationality": ("exact", DIFFERENT),
    "document": ("exact", "same_number", "typo", DIFFERENT),
    "registration": ("same_state_same_day", "same_state", "other_state"),
}
"""For each compared field, its agreement levels from the strongest down to ``different``.

Every field also has a ``missing`` level (either side not recorded), which is neither agreement nor
disagreement. The meaning of the name levels (surname; for given names the first given name):
``exact`` the canonical forms are equal; ``transliteration`` some Latin spelling of one equals some
spelling of the other (Олександр / Oleksandr); ``phonetic`` the phonetic keys agree (Hryhorii /
Grigoriy, Olexandr / Oleksandr; for given names also a Russian and a Ukrainian form of one name,
:data:`GIVEN_NAME_EQUIVALENTS`); ``exchanged`` surname and given name were entered the other way
round (each one's key equals the other's; weighed once, in the surname comparison); ``typo``
Jaro–Winkler similarity ≥ 0.9 (surname) or ≥ 0.88 (given name); ``similar`` (given name)
Jaro–Winkler ≥ 0.7. Birth date: ``day_month_swapped`` 03.07 / 07.03 of one year; ``day_typo`` one
edit in the day (same year and month); ``year_typo`` one edit in the year (same day and month);
``same_year`` anything else within the year. Document: ``exact`` number and issuing state;
``same_number`` number only (state missing or different); ``typo`` one edit in the number.

``registration`` is context, not identity: ``same_state_same_day`` is what relatives who register
together share and one person almost never does (it counts against a match), ``other_state`` is
what a duplicate across states looks like. :data:`IDENTITY_FIELDS` leaves it out.
"""

IDENTITY_FIELDS: tuple[str, ...] = ("surname", "given_names", "birth_date", "sex", "nationality", "document")
"""The compared fields that describe the person (the ones :func:`agreed_fields` reports)."""


def agreement_label(field_name: str, gamma: int | None) -> str:
    """The label of a Splink comparison vector value for ``field_name``.

    Splink numbers levels from the bottom: ``-1`` is the null level, ``0`` the last level
    (``different``) and the highest value the first level of :data:`COMPARISON_LEVELS`.

    >>> agreement_label("birth_date", 4), agreement_label("birth_date", 0), agreement_label("sex", -1)
    ('day_month_swapped', 'different', 'missing')
    """
    levels = COMPARISON_LEVELS[field_name]
    if gamma is None or gamma < 0:
        return MISSING
    if gamma >= len(levels):
        raise ValueError(f"{field_name}: comparison value {gamma} beyond its {len(levels)} levels")
    return levels[len(levels) - 1 - gamma]


def _strength(field_name: str, label: str) -> float:
    levels = COMPARISON_LEVELS[field_name]
    if label == MISSING:
        return 0.5  # weaker than any agreement, stronger than a disagreement
    return float(len(levels) - 1 - levels.index(label))


def weakest_agreements(field_name_labels: Iterable[Mapping[str, str]]) -> dict[str, str]:
    """For each field, the weakest label over the given links (``missing`` ranks just above ``different``).

    >>> links = [{"sex": "exact", "birth_date": "exact"}, {"sex": "missing", "birth_date": "same_year"}]
    >>> weakest_agreements(links)
    {'sex': 'missing', 'birth_date': 'same_year'}
    """
    weakest: dict[str, str] = {}
    for labels in field_name_labels:
        for name, label in labels.items():
            current = weakest.get(name)
            if current is None or _strength(name, label) < _strength(name, current):
                weakest[name] = label
    return weakest


def agreed_fields(agreements: Mapping[str, str]) -> list[str]:
    """The identity fields whose label is an agreement (neither ``different`` nor ``missing``), in order."""
    return [name for name in IDENTITY_FIELDS if agreements.get(name, MISSING) not in (MISSING, DIFFERENT)]


# --- links and clusters -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Link:
    """A scored pair of registrations: ``probability`` of being one person, labels per field."""

    left: str
    right: str
    probability: float
    agreements: Mapping[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "ids": [self.left, self.right],
            "probability": round(self.probability, 6),
            "agreements": dict(self.agreements),
        }


@dataclass(frozen=True, slots=True)
class Cluster:
    """Registrations taken to be one person.

    ``probability`` is the weakest link of the cluster's maximum spanning tree: every member is
    joined to the others through links at least this probable, so the cluster holds together at
    any threshold up to it. ``agreements`` gives, per field, the weakest level over the links
    inside the cluster; ``links`` are those links (the strongest first).
    """

    ids: tuple[str, ...]
    probability: float
    agreements: Mapping[str, str]
    links: tuple[Link, ...] = ()

    def to_dict(self, *, with_links: bool = False) -> dict[str, Any]:
        document: dict[str, Any] = {
            "ids": list(self.ids),
            "probability": round(self.probability, 6),
            "agreements": dict(self.agreements),
        }
        if with_links:
            document["links"] = [link.to_dict() for link in self.links]
        return document


class _DisjointSets:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, item: str) -> str:
        parent = self.parent.setdefault(item, item)
        if parent != item:
            root = self.find(parent)
            self.parent[item] = root
            return root
        return item

    def union(self, first: str, second: str) -> bool:
        first_root, second_root = self.find(first), self.find(second)
        if first_root == second_root:
            return False
        if second_root < first_root:
            first_root, second_root = second_root, first_root
        self.parent[second_root] = first_root
        return True


def connected_clusters(links: Iterable[Link], threshold: float) -> list[tuple[str, ...]]:
    """Groups of ids joined by links with probability at or above ``threshold`` (connected components).

    Only groups of two or more ids are returned; ids are sorted inside a group and groups by their
    first id, so the answer does not depend on the order of ``links``.

    >>> connected_clusters([Link("a", "b", 0.99), Link("b", "c", 0.95), Link("d", "e", 0.4)], 0.9)
    [('a', 'b', 'c')]
    """
    sets = _DisjointSets()
    for link in links:
        if link.probability >= threshold:
            sets.union(link.left, link.right)
    groups: dict[str, list[str]] = defaultdict(list)
    for item in list(sets.parent):
        groups[sets.find(item)].append(item)
    return sorted(
        (tuple(sorted(members)) for members in groups.values() if len(members) > 1), key=lambda g: g[0]
    )


def summarise_cluster(ids: Iterable[str], links: Iterable[Link]) -> Cluster:
    """The :class:`Cluster` of ``ids`` from the links among them (links to outside ids are ignored).

    The probability is the bottleneck of the maximum spanning tree (Kruskal, strongest links
    first); if the links do not join all ``ids``, the cluster's probability is 0.0.

    >>> links = [Link("a", "b", 0.99), Link("b", "c", 0.93), Link("a", "c", 0.95)]
    >>> summarise_cluster(["a", "b", "c"], links).probability
    0.95
    """
    members = tuple(sorted(set(ids)))
    inside = set(members)
    own = sorted(
        (link for link in links if link.left in inside and link.right in inside),
        key=lambda link: (-link.probability, link.left, link.right),
    )
    sets = _DisjointSets()
    joined = 0
    bottleneck = 1.0
    for link in own:
        if sets.union(link.left, link.right):
            joined += 1
            bottleneck = min(bottleneck, link.probability)
    probability = bottleneck if joined == len(members) - 1 and members else 0.0
    return Cluster(
        ids=members,
        probability=probability,
        agreements=weakest_agreements(link.agreements for link in own),
        links=tuple(own),
    )


def build_clusters(links: Iterable[Link], threshold: float) -> list[Cluster]:
    """Clusters of two or more ids from ``links`` at ``threshold`` (connected components), summarised.

    Sorted by descending size, then descending probability, then first id.
    """
    kept = [link for link in links if link.probability >= threshold]
    return _summaries(connected_clusters(kept, threshold), kept)


def clusters_from_assignments(assignments: Mapping[str, str], links: Iterable[Link]) -> list[Cluster]:
    """Clusters from a record → cluster-id assignment (e.g. Splink's connected components), summarised.

    Only clusters of two or more ids are kept; sorted as :func:`build_clusters` sorts.
    """
    groups: dict[str, list[str]] = defaultdict(list)
    for record, cluster_id in assignments.items():
        groups[cluster_id].append(record)
    return _summaries([tuple(sorted(group)) for group in groups.values() if len(group) > 1], links)


def _summaries(groups: Sequence[tuple[str, ...]], links: Iterable[Link]) -> list[Cluster]:
    owner = {record: index for index, group in enumerate(groups) for record in group}
    by_group: dict[int, list[Link]] = defaultdict(list)
    for link in links:
        index = owner.get(link.left)
        if index is not None and owner.get(link.right) == index:
            by_group[index].append(link)
    clusters = [summarise_cluster(group, by_group[index]) for index, group in enumerate(groups)]
    return sorted(clusters, key=lambda cluster: (-len(cluster.ids), -cluster.probability, cluster.ids[0]))


# --- quality against known truth ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Quality:
    """Pairwise precision, recall and F1 of predicted clusters against true persons.

    A pair of registrations counts as predicted when both are in one predicted cluster and as true
    when both belong to one person; singletons contribute no pairs.
    """

    true_positive_pairs: int
    predicted_pairs: int
    true_pairs: int

    @property
    def precision(self) -> float:
        return self.true_positive_pairs / self.predicted_pairs if self.predicted_pairs else 1.0

    @property
    def recall(self) -> float:
        return self.true_positive_pairs / self.true_pairs if self.true_pairs else 1.0

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0


def _pairs(size: int) -> int:
    return size * (size - 1) // 2


def pairwise_quality(predicted: Iterable[Iterable[str]], truth: Mapping[str, str]) -> Quality:
    """Compare predicted clusters with ``truth`` (registration id → person id), pair by pair.

    Ids missing from ``truth`` are their own persons. Clusters are counted, not enumerated, so a
    million registrations take a second.

    >>> quality = pairwise_quality([["a", "b", "c"]], {"a": "p1", "b": "p1", "c": "p2", "d": "p2"})
    >>> quality.true_positive_pairs, quality.predicted_pairs, quality.true_pairs
    (1, 3, 2)
    """
    true_sizes: dict[str, int] = defaultdict(int)
    for person in truth.values():
        true_sizes[person] += 1
    predicted_pairs = 0
    true_positive = 0
    for cluster in predicted:
        members = list(cluster)
        predicted_pairs += _pairs(len(members))
        per_person: dict[str, int] = defaultdict(int)
        for record in members:
            per_person[truth.get(record, f"\x00{record}")] += 1
        true_positive += sum(_pairs(count) for count in per_person.values())
    true_pairs = sum(_pairs(size) for size in true_sizes.values())
    return Quality(true_positive_pairs=true_positive, predicted_pairs=predicted_pairs, true_pairs=true_pairs)
