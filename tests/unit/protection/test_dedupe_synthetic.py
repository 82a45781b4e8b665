"""The synthetic registrations: seeded, with known truth, with the noise the docstring promises."""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict

import pytest

from qorgau.kernel.people.domain.transliteration import detect_script
from qorgau.protection.domain.linkage import REGISTRATION_COLUMNS, parse_registration
from qorgau.protection.synthetic import generate_registrations, truth, write_csv


@pytest.fixture(scope="module")
def registrations() -> list:
    return generate_registrations(4000, seed=11)


def test_the_same_seed_gives_the_same_rows_and_another_seed_other_rows() -> None:
    assert generate_registrations(300, seed=5) == generate_registrations(300, seed=5)
    assert generate_registrations(300, seed=5) != generate_registrations(300, seed=6)


def test_every_row_is_a_valid_registration_with_a_unique_id(registrations: list) -> None:
    assert len(registrations) == 4000
    assert len({registration.id for registration in registrations}) == 4000
    for line, registration in enumerate(registrations, start=2):
        parse_registration(dict(zip(REGISTRATION_COLUMNS, registration.csv_row(), strict=True)), line)


def test_some_people_are_registered_in_two_or_three_different_states(registrations: list) -> None:
    states: dict[str, list[str]] = defaultdict(list)
    for registration in registrations:
        states[registration.person_id].append(registration.registering_state)
    sizes = Counter(len(found) for found in states.values())
    assert sizes[2] > 0.05 * len(states)
    assert sizes[3] > 0
    assert max(sizes) <= 3
    assert all(len(set(found)) == len(found) for found in states.values())


def test_names_come_in_cyrillic_and_in_latin(registrations: list) -> None:
    scripts = Counter(detect_script(registration.surname) for registration in registrations)
    assert scripts["cyrillic"] > 0.15 * len(registrations)
    assert scripts["latin"] > 0.6 * len(registrations)


def test_the_noise_model_is_applied(registrations: list) -> None:
    noise = Counter(tag for registration in registrations for tag in registration.noise)
    for tag in (
        "uk_national_2010",
        "icao_9303",
        "ru_common",
        "folk_spelling",
        "russian_form",
        "surname_typo",
        "given_names_typo",
        "day_month_swapped",
        "document_missing",
        "patronymic",
    ):
        assert noise[tag] > 0, tag


def test_a_swapped_birth_date_is_the_persons_date_with_day_and_month_exchanged(registrations: list) -> None:
    by_person: dict[str, list] = defaultdict(list)
    for registration in registrations:
        by_person[registration.person_id].append(registration)
    checked = 0
    for registration in registrations:
        if "day_month_swapped" not in registration.noise:
            continue
        clean = [
            other
            for other in by_person[registration.person_id]
            if not any(tag.startswith(("birth_date", "day_month")) for tag in other.noise)
        ]
        for other in clean:
            year, month, day = registration.birth_date.split("-")
            assert other.birth_date == f"{year}-{day}-{month}"
            checked += 1
    assert checked > 0


def test_relatives_share_a_surname_state_and_day_but_are_different_people(registrations: list) -> None:
    households: dict[str, set[str]] = defaultdict(set)
    for registration in registrations:
        households[registration.household_id].add(registration.person_id)
    families = [people for people in households.values() if len(people) >= 3]
    assert families
    by_person = {registration.person_id: registration for registration in registrations}
    same_day_and_state = 0
    for people in families:
        rows = [by_person[person] for person in people]
        if len({(row.registering_state, row.registration_date) for row in rows}) == 1:
            same_day_and_state += 1
    assert same_day_and_state > 0


def test_the_csv_has_the_contract_header_and_optionally_the_truth(registrations: list) -> None:
    stream = io.StringIO()
    write_csv(registrations[:10], stream, with_truth=True)
    rows = list(csv.DictReader(io.StringIO(stream.getvalue())))
    assert list(rows[0]) == [*REGISTRATION_COLUMNS, "person_id"]
    assert truth(registrations[:10]) == {row["id"]: row["person_id"] for row in rows}
