"""Transliteration-aware name search: variants, canonical form, keys, matching and similarity."""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from qorgau.kernel.people.domain.transliteration import (
    SCHEMES,
    canonical_latin,
    jaro_winkler,
    latin_variants,
    matches,
    name_key,
    name_query_key_sets,
    name_search_keys,
    name_similarity,
    name_tokens,
    transliterate,
)

RUSSIAN = "абвгдеёжзийклмнопрстуфхцчшщъыьэюя"
UKRAINIAN_ONLY = "ґєії"
KAZAKH_ONLY = "әғқңөұүһі"
NAME_LETTERS = RUSSIAN + UKRAINIAN_ONLY + KAZAKH_ONLY

cyrillic_word = st.text(alphabet=NAME_LETTERS + NAME_LETTERS.upper(), min_size=1, max_size=12)
cyrillic_name = st.lists(cyrillic_word, min_size=1, max_size=3).map(" ".join)
cyrillic_name_with_separators = st.text(alphabet=NAME_LETTERS + NAME_LETTERS.upper() + "  -'’", max_size=30)


# --- the examples, both directions ---------------------------------------------------------

SAME_NAME_SPELLINGS = [
    ["Олександр", "Александр", "Oleksandr", "Aleksandr", "Alexander", "Alexandr"],
    ["Григорій", "Григорий", "Hryhorii", "Grigorii", "Gryhorii", "Grigoriy", "Grigory"],
    ["Юлія", "Юлия", "Yuliia", "Julia", "Yulia", "Iuliia", "Yuliya"],
    ["Дмитро", "Дмитрий", "Dmytro", "Dmitriy", "Dmitry", "Dmitrii"],
    ["Щербак", "Shcherbak", "Szczerbak", "Scherbak", "Schtscherbak"],
    ["Қайрат", "Kairat", "Qairat", "Kayrat", "Qaırat"],
    ["Евгений", "Євген", "Yevgeniy", "Evgeniy", "Yevhen", "Ievgen", "Jewgenij"],
    ["Шевченко", "Shevchenko", "Ševčenko", "Schewtschenko", "Szewczenko"],
    ["Иванов", "Ivanov", "Iwanow", "Ivanoff"],
    ["Ольга", "Olha", "Olga"],
    ["Олена", "Елена", "Olena", "Yelena", "Elena", "Jelena"],
    ["Іван", "Иван", "Ivan", "Iwan", "Yvan"],
    ["Михайло", "Михаил", "Mykhailo", "Mikhail", "Mihail"],
    ["Цветков", "Tsvetkov", "Tcvetkov", "Cvetkov"],
    ["Петрович", "Petrovich", "Petrović", "Petrovic"],
    ["Нұрсұлтан", "Nursultan", "Nūrsūltan"],
]


@pytest.mark.parametrize("spellings", SAME_NAME_SPELLINGS, ids=lambda spellings: spellings[2])
def test_spellings_of_one_name_share_one_key(spellings: list[str]) -> None:
    assert len({name_key(spelling) for spelling in spellings}) == 1


@pytest.mark.parametrize("spellings", SAME_NAME_SPELLINGS, ids=lambda spellings: spellings[2])
def test_each_spelling_finds_each_stored_spelling(spellings: list[str]) -> None:
    for stored in spellings:
        for query in spellings:
            assert matches(query, [stored]), (query, stored)


def test_name_stored_in_cyrillic_is_found_from_its_latin_forms() -> None:
    stored = ["Шевченко Олександр Григорович"]
    for query in ("Oleksandr Shevchenko", "Aleksandr Shevchenko", "shevchenko hryhorovych", "Alexander"):
        assert matches(query, stored), query


def test_name_stored_in_latin_is_found_from_cyrillic_input() -> None:
    stored = ["Oleksandr Hryhorovych Shevchenko"]
    for query in ("Олександр Шевченко", "Александр Шевченко", "Шевченко Григорович", "ШЕВЧЕНКО"):
        assert matches(query, stored), query


def test_stored_cyrillic_and_latin_names_are_searched_together() -> None:
    stored = ["Қайрат Нұрсұлтанұлы", "Kairat Nursultanuly"]
    assert matches("Qairat", stored)
    assert matches("Кайрат нурсултанулы", stored)


def test_kazakh_latin_2021_j_finds_the_stored_cyrillic_zhe() -> None:
    assert matches("Jandos", ["Жандос"])
    assert matches("Zhandos", ["Жандос"])


def test_query_with_mixed_case_and_extra_spaces_matches() -> None:
    assert matches("   hRyHoRiI     SHEVchenko  ", ["Шевченко Григорій"])
    assert matches("\tолЕКСАНДР\n", ["OLEKSANDR SHEVCHENKO"])


def test_query_words_match_in_any_order() -> None:
    stored = ["Шевченко Тарас Григорович"]
    assert matches("Taras Shevchenko", stored)
    assert matches("Hryhorovych Shevchenko Taras", stored)


def test_kazakh_letters_are_found_from_plain_and_kazakh_latin_spellings() -> None:
    stored = ["Өмірзақ Ғалымжан Жаңабайұлы"]
    for query in ("Omirzaq", "Omirzak", "Ömırzaq", "Galymzhan", "Ğalymjan", "Zhanabaiuly", "Janabaiuly"):
        assert matches(query, stored), query


def test_latin_names_with_diacritics_fold_to_plain_forms() -> None:
    assert matches("Lucja Walesa", ["Łucja Wałęsa"])
    assert matches("Jurgen Muller", ["Jürgen Müller"])
    assert matches("Müller", ["Mueller"])
    assert canonical_latin("Łucja Wałęsa") == "lucja walesa"


# --- negatives -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "stored"),
    [
        ("Иван", "Пётр"),
        ("Ivan", "Пётр"),
        ("Oleksandr", "Olena"),
        ("Олександр", "Олена"),
        ("Ivanova", "Иванов"),
        ("Aleksandra", "Александр"),
        ("Мария", "Марк"),
        ("Сергей", "Семён"),
        ("Игорь", "Егор"),
        ("Inna", "Анна"),
        ("Ilya", "Алла"),
        ("Ulyana", "Алина"),
        ("Oleksandr Petrenko", "Олександр Шевченко"),
    ],
)
def test_clearly_different_names_do_not_match(query: str, stored: str) -> None:
    assert not matches(query, [stored])
    assert not matches(stored, [query])


def test_query_without_letters_matches_nothing() -> None:
    assert not matches("  - 42 ", ["Иван Петров"])
    assert not matches("", ["Иван Петров"])


def test_every_query_word_must_be_found() -> None:
    assert not matches("Taras Shevchenko Petrenko", ["Шевченко Тарас Григорович"])


# --- variants, canonical form, keys ---------------------------------------------------------------


def test_latin_variants_of_cyrillic_carry_ukrainian_and_russian_readings() -> None:
    variants = latin_variants("Григорій Олексійович")
    assert "hryhorii oleksiiovych" in variants  # Ukrainian national: г = h, и = y
    assert "grigorii oleksiiovich" in variants  # ICAO: г = g, и = i
    assert "grigoriy oleksiyovich" in variants  # common Russian spelling


def test_latin_variants_of_latin_is_the_folded_input() -> None:
    assert latin_variants("  Qaırat   ŞYÑĞYS ") == {"qairat shyngys"}


def test_canonical_latin_is_icao_9303_lowercased_with_spaces_normalised() -> None:
    assert canonical_latin("  ЩЕРБАК   Юлія  ") == "shcherbak iuliia"
    assert canonical_latin("Қайрат") == "kairat"
    assert canonical_latin("Anna  -  Maria") == "anna-maria"


def test_name_key_is_one_key_per_word_in_order() -> None:
    assert name_key("Щербак Юлія") == "XRBK YLA"
    assert name_key("  ") == ""


def test_name_search_keys_index_every_word_of_every_variant() -> None:
    keys = name_search_keys("Жандос Әлиұлы")
    assert {"JNDS", "YNDS", "ALL"} <= keys


def test_name_tokens_split_on_spaces_hyphens_and_punctuation_only() -> None:
    assert name_tokens("Петров-Водкин,  Кузьма Мар'янович") == ["Петров", "Водкин", "Кузьма", "Мар'янович"]


# --- similarity ------------------------------------------------------------------------------------


def test_jaro_winkler_gives_the_published_values() -> None:
    # Winkler (1990) examples.
    assert jaro_winkler("martha", "marhta") == pytest.approx(0.9611, abs=1e-4)
    assert jaro_winkler("dwayne", "duane") == pytest.approx(0.84, abs=1e-4)
    assert jaro_winkler("dixon", "dicksonx") == pytest.approx(0.8133, abs=1e-4)
    assert jaro_winkler("", "") == 1.0
    assert jaro_winkler("abc", "") == 0.0


def test_similarity_is_complete_for_the_same_name_in_two_scripts() -> None:
    assert name_similarity("Шевченко Олександр", "Oleksandr Shevchenko") == 1.0


def test_similarity_ranks_a_spelling_above_a_different_name() -> None:
    spelling = name_similarity("Aleksandr Shevchenko", "Олександр Шевченко")
    other_given_name = name_similarity("Olena Shevchenko", "Олександр Шевченко")
    other_person = name_similarity("Ivan Petrenko", "Олександр Шевченко")
    assert spelling > other_given_name > other_person


def test_similarity_of_a_name_without_letters_is_zero() -> None:
    assert name_similarity("", "Иван") == 0.0
    assert name_similarity("--", "") == 0.0


# --- properties ------------------------------------------------------------------------------------


@given(cyrillic_name_with_separators)
def test_name_key_agrees_with_the_key_of_the_canonical_form(name: str) -> None:
    assert name_key(canonical_latin(name)) == name_key(name)


@given(st.text())
def test_canonical_latin_is_idempotent_on_any_unicode(text: str) -> None:
    once = canonical_latin(text)
    assert canonical_latin(once) == once


@given(cyrillic_name, st.sampled_from(SCHEMES))
def test_cyrillic_name_is_found_from_its_transliteration_in_every_scheme(name: str, scheme: str) -> None:
    query = transliterate(name, scheme)
    assume(name_query_key_sets(query))
    assert matches(query, [name])
    # The other way round needs every word to have a Latin spelling in this scheme (ъ alone has none).
    assume(len(name_query_key_sets(query)) == len(name_tokens(name)))
    assert matches(name, [query])


@given(cyrillic_name)
def test_cyrillic_name_is_found_from_itself_in_other_case(name: str) -> None:
    assume(name_query_key_sets(name))
    assert matches(name.upper(), [name.lower()])


@given(st.text(), st.text())
def test_similarity_is_symmetric_and_between_zero_and_one(first: str, second: str) -> None:
    forward = name_similarity(first, second)
    assert forward == name_similarity(second, first)
    assert 0.0 <= forward <= 1.0


@given(cyrillic_name, cyrillic_name)
def test_similarity_of_cyrillic_names_is_symmetric_and_between_zero_and_one(first: str, second: str) -> None:
    forward = name_similarity(first, second)
    assert forward == name_similarity(second, first)
    assert 0.0 <= forward <= 1.0


@given(st.text(), st.text())
def test_jaro_winkler_is_symmetric_and_between_zero_and_one(first: str, second: str) -> None:
    forward = jaro_winkler(first, second)
    assert forward == jaro_winkler(second, first)
    assert 0.0 <= forward <= 1.0


@given(st.text(), st.lists(st.text(), max_size=3))
def test_name_functions_never_raise_on_any_unicode(text: str, stored: list[str]) -> None:
    assert isinstance(latin_variants(text), set)
    assert isinstance(canonical_latin(text), str)
    assert isinstance(name_key(text), str)
    assert isinstance(name_search_keys(text), set)
    assert isinstance(matches(text, stored), bool)


@given(st.text())
def test_any_name_with_letters_matches_itself(text: str) -> None:
    assume(name_query_key_sets(text))
    assert matches(text, [text])
