"""The pure parts of duplicate detection: rows, birth-date swaps, name forms, clusters, quality."""

from __future__ import annotations

import doctest
import importlib
import itertools
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qorgau.protection.domain.linkage import (
    COMPARISON_LEVELS,
    FEATURE_COLUMNS,
    REGISTRATION_COLUMNS,
    Link,
    RegistrationError,
    agreed_fields,
    agreement_label,
    build_clusters,
    candidate_features,
    canonical_document_number,
    check_header,
    clusters_from_assignments,
    connected_clusters,
    is_day_month_swap,
    name_forms,
    pairwise_quality,
    parse_date,
    parse_registration,
    summarise_cluster,
    swap_day_month,
    weakest_agreements,
)

ROW = {
    "id": "R1",
    "surname": "Шевченко",
    "given_names": "Олександр Петрович",
    "birth_date": "1985-07-03",
    "sex": "m",
    "nationality": "ua",
    "document_number": "ме 123-456",
    "document_country": "UA",
    "registering_state": "PL",
    "registration_date": "2022-03-10",
}


# --- rows ---------------------------------------------------------------------------------------


def test_a_valid_row_becomes_a_registration_with_codes_upper_case_and_a_canonical_document() -> None:
    registration = parse_registration(ROW, 2)
    assert registration.id == "R1"
    assert registration.birth_date == date(1985, 7, 3)
    assert registration.sex == "M"
    assert registration.nationality == "UA"
    assert registration.document_number == "ME123456"
    assert registration.line == 2


def test_empty_optional_cells_become_none() -> None:
    row = {
        **ROW,
        "birth_date": "",
        "sex": "",
        "nationality": "",
        "document_number": "",
        "registration_date": "",
    }
    registration = parse_registration(row, 3)
    assert registration.birth_date is None
    assert registration.sex is None
    assert registration.nationality is None
    assert registration.document_number is None


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        ("id", " ", "id is empty"),
        ("birth_date", "1985-02-30", "birth_date"),
        ("birth_date", "03/07/1985", "birth_date"),
        ("registration_date", "yesterday", "registration_date"),
        ("birth_date", "2023-01-01", "after registration_date"),
        ("sex", "male", "sex"),
        ("nationality", "Ukraine", "nationality"),
        ("surname", "123", "no letters"),
    ],
)
def test_a_broken_row_is_refused_naming_its_line_and_the_problem(
    column: str, value: str, reason: str
) -> None:
    with pytest.raises(RegistrationError) as raised:
        parse_registration({**ROW, column: value}, 17)
    assert raised.value.line == 17
    assert "line 17" in str(raised.value)
    assert reason in str(raised.value)


def test_a_row_without_any_name_is_refused() -> None:
    with pytest.raises(RegistrationError, match="both empty"):
        parse_registration({**ROW, "surname": "", "given_names": ""}, 5)


def test_a_row_with_missing_cells_is_refused() -> None:
    row: dict[str, str | None] = {**ROW, "registration_date": None}
    with pytest.raises(RegistrationError, match="cells"):
        parse_registration(row, 4)


def test_the_header_must_name_every_contract_column() -> None:
    check_header([*REGISTRATION_COLUMNS, "person_id"])
    with pytest.raises(RegistrationError, match="document_country") as raised:
        check_header([column for column in REGISTRATION_COLUMNS if column != "document_country"], "f.csv")
    assert raised.value.line == 1
    with pytest.raises(RegistrationError, match="empty"):
        check_header(None)


def test_dates_are_read_in_iso_and_dotted_european_form() -> None:
    assert parse_date("1985-07-03") == parse_date("03.07.1985") == date(1985, 7, 3)
    assert parse_date("") is None


# --- birth dates --------------------------------------------------------------------------------


def test_day_and_month_are_exchanged_when_the_day_can_be_a_month() -> None:
    assert swap_day_month(date(1985, 7, 3)) == date(1985, 3, 7)
    assert swap_day_month(date(1985, 7, 13)) is None
    assert swap_day_month(date(1985, 4, 4)) is None


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2030, 12, 31)))
def test_swapping_day_and_month_twice_gives_the_date_back(day: date) -> None:
    swapped = swap_day_month(day)
    if day.day <= 12 and day.day != day.month:
        assert swapped is not None
        assert swapped != day
        assert swap_day_month(swapped) == day
        assert is_day_month_swap(day, swapped)
        assert is_day_month_swap(swapped, day)
    else:
        assert swapped is None
    assert not is_day_month_swap(day, day)
    assert not is_day_month_swap(day, None)


@given(st.dates(min_value=date(1900, 1, 1)), st.dates(min_value=date(1900, 1, 1)))
def test_a_swap_keeps_the_year_and_exchanges_exactly_day_and_month(first: date, second: date) -> None:
    if is_day_month_swap(first, second):
        assert (first.year, first.day, first.month) == (second.year, second.month, second.day)


# --- names and documents ------------------------------------------------------------------------


def test_a_cyrillic_name_and_its_ukrainian_and_russian_latin_spellings_meet() -> None:
    cyrillic = name_forms("Олександр")
    ukrainian = name_forms("Oleksandr")
    russian = name_forms("ALEKSANDR")
    english = name_forms("Alexander")
    assert cyrillic.canonical == ukrainian.canonical == "oleksandr"
    assert set(cyrillic.variants) & set(ukrainian.variants)
    assert cyrillic.key == ukrainian.key == russian.key == english.key
    assert cyrillic.script == "cyrillic"
    assert ukrainian.script == "latin"


def test_the_ukrainian_national_spelling_is_among_the_variants_of_a_cyrillic_name() -> None:
    assert "hryhorii" in name_forms("Григорій").variants
    assert "hryhorii" not in name_forms("Grigorii").variants
    assert name_forms("Григорій").key == name_forms("Grigoriy").key == name_forms("Hryhorii").key


def test_only_the_first_given_name_gives_key_and_variants_so_a_patronymic_does_not_matter() -> None:
    with_patronymic = name_forms("Олександр Петрович")
    assert with_patronymic.canonical == "oleksandr petrovich"
    assert with_patronymic.first == "oleksandr"
    assert with_patronymic.key == name_forms("Oleksandr").key


def test_feminine_and_masculine_surnames_keep_different_keys() -> None:
    assert name_forms("Іванов").key != name_forms("Іванова").key


def test_document_numbers_written_with_cyrillic_look_alikes_and_separators_meet() -> None:
    assert canonical_document_number("КВ 123456") == canonical_document_number("KB-123456") == "KB123456"
    assert canonical_document_number(" fa123456 ") == "FA123456"


@given(st.text(alphabet="АВЕКМНОРСТХІ0123456789 -abcdefghkmoptx", max_size=14))
def test_a_canonical_document_number_stays_as_it_is_when_written_again(number: str) -> None:
    once = canonical_document_number(number)
    assert canonical_document_number(once) == once
    assert once == once.upper()
    assert once.isalnum() or once == ""


def test_candidate_features_fill_every_model_column() -> None:
    features = candidate_features(parse_registration(ROW, 2))
    assert set(features) == set(FEATURE_COLUMNS)
    assert features["surname"] == "shevchenko"
    assert features["given_first"] == "oleksandr"
    assert features["birth_date_swapped"] == "1985-03-07"
    assert features["birth_year"] == 1985
    assert "shevchenko" in features["surname_variants"]


# --- comparison levels --------------------------------------------------------------------------


def test_splink_comparison_values_map_to_level_labels_from_the_top() -> None:
    for name, levels in COMPARISON_LEVELS.items():
        top = len(levels) - 1
        assert agreement_label(name, top) == levels[0]
        assert agreement_label(name, 0) == levels[-1]
        assert levels[-1] == ("other_state" if name == "registration" else "different")
        assert agreement_label(name, -1) == "missing"
        with pytest.raises(ValueError):
            agreement_label(name, top + 1)


def test_the_weakest_level_of_each_field_describes_a_cluster() -> None:
    weakest = weakest_agreements(
        [
            {"surname": "exact", "birth_date": "exact", "document": "missing"},
            {"surname": "transliteration", "birth_date": "day_month_swapped", "document": "different"},
        ]
    )
    assert weakest == {
        "surname": "transliteration",
        "birth_date": "day_month_swapped",
        "document": "different",
    }
    assert agreed_fields(weakest) == ["surname", "birth_date"]


# --- clusters -----------------------------------------------------------------------------------


def test_clusters_are_connected_components_of_links_at_or_above_the_threshold() -> None:
    links = [Link("a", "b", 0.99), Link("b", "c", 0.9), Link("d", "e", 0.89), Link("f", "g", 0.95)]
    assert connected_clusters(links, 0.9) == [("a", "b", "c"), ("f", "g")]
    assert connected_clusters(links, 0.5) == [("a", "b", "c"), ("d", "e"), ("f", "g")]


def test_a_cluster_probability_is_the_weakest_link_of_its_maximum_spanning_tree() -> None:
    links = [Link("a", "b", 0.99), Link("b", "c", 0.91), Link("a", "c", 0.97), Link("c", "x", 0.999)]
    cluster = summarise_cluster(["a", "b", "c"], links)
    assert cluster.probability == 0.97
    assert [(link.left, link.right) for link in cluster.links] == [("a", "b"), ("a", "c"), ("b", "c")]
    assert summarise_cluster(["a", "b", "z"], links).probability == 0.0


def test_clusters_from_splink_assignments_match_the_union_find_clusters() -> None:
    links = [
        Link("a", "b", 0.99, {"sex": "exact"}),
        Link("b", "c", 0.93, {"sex": "missing"}),
        Link("d", "e", 0.95, {"sex": "exact"}),
    ]
    assignments = {"a": "1", "b": "1", "c": "1", "d": "4", "e": "4", "f": "6"}
    from_assignments = clusters_from_assignments(assignments, links)
    assert from_assignments == build_clusters(links, 0.9)
    assert [cluster.ids for cluster in from_assignments] == [("a", "b", "c"), ("d", "e")]
    assert from_assignments[0].agreements == {"sex": "missing"}
    assert from_assignments[0].to_dict()["probability"] == 0.93
    assert "links" in from_assignments[0].to_dict(with_links=True)


_ids = st.sampled_from([f"r{index}" for index in range(12)])


@given(st.lists(st.tuples(_ids, _ids, st.floats(0, 1)), max_size=30), st.floats(0.01, 1))
def test_union_find_clusters_equal_a_brute_force_closure(
    edges: list[tuple[str, str, float]], threshold: float
) -> None:
    links = [Link(left, right, probability) for left, right, probability in edges if left != right]
    reach: dict[str, set[str]] = {}
    for link in links:
        if link.probability >= threshold:
            reach.setdefault(link.left, {link.left}).add(link.right)
            reach.setdefault(link.right, {link.right}).add(link.left)
    changed = True
    while changed:
        changed = False
        for node, group in reach.items():
            grown = set().union(*(reach[member] for member in group))
            if grown != group:
                reach[node] = grown
                changed = True
    expected = sorted(
        {tuple(sorted(group)) for group in reach.values() if len(group) > 1}, key=lambda g: g[0]
    )
    assert connected_clusters(links, threshold) == expected


# --- quality ------------------------------------------------------------------------------------


@given(
    st.dictionaries(_ids, st.sampled_from(["p1", "p2", "p3", "p4"]), min_size=1),
    st.lists(st.lists(_ids, min_size=2, max_size=4, unique=True), max_size=4),
)
def test_pairwise_quality_counts_the_same_pairs_as_enumeration(
    truth: dict[str, str], raw_clusters: list[list[str]]
) -> None:
    used: set[str] = set()
    clusters = []
    for cluster in raw_clusters:
        members = [record for record in cluster if record not in used]
        used.update(members)
        if len(members) > 1:
            clusters.append(members)
    predicted = {frozenset(pair) for cluster in clusters for pair in itertools.combinations(cluster, 2)}
    actual = {frozenset((a, b)) for a, b in itertools.combinations(sorted(truth), 2) if truth[a] == truth[b]}
    quality = pairwise_quality(clusters, truth)
    assert quality.predicted_pairs == len(predicted)
    assert quality.true_pairs == len(actual)
    assert quality.true_positive_pairs == len(predicted & actual)
    assert 0.0 <= quality.precision <= 1.0
    assert 0.0 <= quality.recall <= 1.0


def test_perfect_clusters_have_precision_recall_and_f1_of_one() -> None:
    quality = pairwise_quality(
        [["a", "b"], ["c", "d", "e"]], {"a": "1", "b": "1", "c": "2", "d": "2", "e": "2"}
    )
    assert (quality.precision, quality.recall, quality.f1) == (1.0, 1.0, 1.0)


@pytest.mark.parametrize("module", ["qorgau.protection.domain.linkage", "qorgau.protection.dedupe"])
def test_docstring_examples_run(module: str) -> None:
    result = doctest.testmod(importlib.import_module(module))
    assert result.failed == 0
    assert result.attempted > 0
