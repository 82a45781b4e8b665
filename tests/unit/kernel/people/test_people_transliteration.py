"""Transliteration tables, script detection and Latin folding of the people registry."""

from __future__ import annotations

import doctest

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qorgau.kernel.people.domain import transliteration
from qorgau.kernel.people.domain.transliteration import (
    ASCII_SCHEMES,
    SCHEMES,
    UnknownScheme,
    detect_script,
    fold_latin,
    transliterate,
)

# Every character of the Unicode Cyrillic and Cyrillic Supplement blocks (letters, marks, signs),
# with the separators names carry.
any_cyrillic_text = st.text(
    alphabet=st.one_of(st.characters(min_codepoint=0x0400, max_codepoint=0x052F), st.sampled_from(" -'’ʼ")),
    max_size=40,
)


def test_module_examples_run_as_doctests() -> None:
    assert doctest.testmod(transliteration).failed == 0


# Examples printed in the table of Cabinet of Ministers of Ukraine Resolution No. 55 of 27 Jan 2010.
@pytest.mark.parametrize(
    ("cyrillic", "latin"),
    [
        ("Алушта", "Alushta"),
        ("Гадяч", "Hadiach"),
        ("Ґалаґан", "Galagan"),
        ("Згорани", "Zghorany"),
        ("Розгон", "Rozghon"),
        ("Єнакієве", "Yenakiieve"),
        ("Їжакевич", "Yizhakevych"),
        ("Кадиївка", "Kadyivka"),
        ("Йосипівка", "Yosypivka"),
        ("Стрий", "Stryi"),
        ("Олексій", "Oleksii"),
        ("Юрій", "Yurii"),
        ("Корюківка", "Koriukivka"),
        ("Яготин", "Yahotyn"),
        ("Костянтин", "Kostiantyn"),
        ("Знам'янка", "Znamianka"),
        ("Феодосія", "Feodosiia"),
        ("Щербухи", "Shcherbukhy"),
        ("Короп’є", "Koropie"),
        ("Рівне", "Rivne"),
    ],
)
def test_ukrainian_national_2010_follows_the_resolution_table(cyrillic: str, latin: str) -> None:
    assert transliterate(cyrillic, "uk_national_2010") == latin


def test_ukrainian_national_2010_writes_iotated_letters_by_position_in_each_word() -> None:
    assert transliterate("Юлія Ярославівна Яковенко-Юрченко", "uk_national_2010") == (
        "Yuliia Yaroslavivna Yakovenko-Yurchenko"
    )


@pytest.mark.parametrize(
    ("cyrillic", "latin"),
    [
        ("АЛЕКСАНДР", "ALEKSANDR"),
        ("Андрей", "Andrei"),
        ("Юрий", "Iurii"),
        ("Щукин", "Shchukin"),
        ("Хабибуллин", "Khabibullin"),
        ("Цой", "Tsoi"),
        ("Фёдор", "Fedor"),
        ("Подъячев", "Podieiachev"),
        ("Рыжий", "Ryzhii"),
        ("Григорій", "Grigorii"),
        ("Євгенія", "Ievgeniia"),
        ("Эмма", "Emma"),
    ],
)
def test_icao_9303_follows_the_cyrillic_table(cyrillic: str, latin: str) -> None:
    assert transliterate(cyrillic, "icao_9303") == latin


def test_icao_9303_ukrainian_exception_writes_y_for_ukrainian_i() -> None:
    assert transliterate("Дмитро Григорович", "icao_9303_uk") == "Dmytro Grygorovych"


@pytest.mark.parametrize(
    ("cyrillic", "latin"),
    [
        ("Александр", "Aleksandr"),
        ("Андрей", "Andrey"),
        ("Юрий", "Yuriy"),
        ("Щукин", "Shchukin"),
        ("Жуков", "Zhukov"),
        ("Хабибуллин", "Khabibullin"),
        ("Евгений", "Yevgeniy"),
        ("Сергеев", "Sergeyev"),
        ("Васильев", "Vasilyev"),
        ("Фёдор", "Fyodor"),
        ("Горбачёв", "Gorbachev"),
        ("Ильич", "Ilyich"),
        ("Наталья", "Natalya"),
    ],
)
def test_ru_common_writes_names_as_people_spell_them(cyrillic: str, latin: str) -> None:
    assert transliterate(cyrillic, "ru_common") == latin


@pytest.mark.parametrize(
    ("cyrillic", "latin_2021", "plain"),
    [
        ("Қайрат", "Qairat", "Qairat"),
        ("Әлия", "Äliia", "Aliia"),
        ("Ғалым", "Ğalym", "Galym"),
        ("Ұлан", "Ūlan", "Ulan"),
        ("Өмірзақ", "Ömırzaq", "Omirzaq"),
        ("Үкібай", "Ükıbai", "Ukibai"),
        ("Жаңабаев", "Jañabaev", "Zhanabaev"),
        ("Шыңғыс", "Şyñğys", "Shyngys"),
        ("Һәкім", "Häkım", "Hakim"),
        ("ІҢКӘР", "IÑKÄR", "INKAR"),
        ("ИСА", "İSA", "ISA"),
    ],
)
def test_kazakh_letters_in_kazakh_latin_2021_and_the_plain_fallback(
    cyrillic: str, latin_2021: str, plain: str
) -> None:
    assert transliterate(cyrillic, "kk_latin_2021") == latin_2021
    assert transliterate(cyrillic, "kk_plain") == plain


def test_kazakh_letters_get_plain_latin_letters_in_icao_and_ukrainian_schemes() -> None:
    assert (
        transliterate("Қайрат Әлиұлы Ғабдуллин Жаңабаев", "icao_9303") == "Kairat Aliuly Gabdullin Zhanabaev"
    )
    assert transliterate("Қайрат", "uk_national_2010") == "Kairat"


def test_transliteration_keeps_latin_digits_and_spaces_and_drops_apostrophes() -> None:
    assert transliterate("Мар'яна  Smith 2", "uk_national_2010") == "Mariana  Smith 2"


def test_unknown_scheme_is_refused_with_its_name() -> None:
    with pytest.raises(UnknownScheme) as raised:
        transliterate("Иван", "gost_1876")
    assert raised.value.scheme == "gost_1876"
    assert isinstance(raised.value, ValueError)


@given(any_cyrillic_text, st.sampled_from(ASCII_SCHEMES))
def test_ascii_schemes_turn_any_cyrillic_text_into_ascii(text: str, scheme: str) -> None:
    assert transliterate(text, scheme).isascii()


@given(st.text(), st.sampled_from(SCHEMES))
def test_transliteration_never_raises_on_any_unicode(text: str, scheme: str) -> None:
    assert isinstance(transliterate(text, scheme), str)


@given(st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x24F), max_size=30))
def test_transliteration_leaves_text_without_cyrillic_or_apostrophes_unchanged(text: str) -> None:
    expected = "".join(character for character in text if character not in transliteration.APOSTROPHES)
    assert transliterate(text, "icao_9303") == expected


@pytest.mark.parametrize(
    ("text", "script"),
    [
        ("Олександр Шевченко", "cyrillic"),
        ("Қайрат Әлиұлы", "cyrillic"),
        ("Мар’яна", "cyrillic"),
        ("Oleksandr Shevchenko", "latin"),
        ("Łucja Müller-Ševčenko", "latin"),
        ("Qaırat", "latin"),
        ("Олександр Shevchenko", "mixed"),
        ("Ivаn", "mixed"),  # Cyrillic а inside a Latin word
        ("محمد", "other"),
        ("", "other"),
        (" - 42 ", "other"),
    ],
)
def test_detect_script_names_the_script_of_the_letters(text: str, script: str) -> None:
    assert detect_script(text) == script


@given(st.text())
def test_detect_script_answers_one_of_four_values_for_any_unicode(text: str) -> None:
    assert detect_script(text) in transliteration.SCRIPTS


@pytest.mark.parametrize(
    ("latin", "folded"),
    [
        ("Qaırat Şyñğys Ömır Ūlan Äliia Ükı", "qairat shyngys omir ulan aliia uki"),
        ("Łucja Wałęsa Żaneta Ćwik Szczęsny", "lucja walesa zhaneta chwik szczesny"),
        ("Jürgen Groß Müller", "jurgen gross muller"),
        ("Ševčenko Žukov", "shevchenko zhukov"),
        ("  ANNA -- maria   O'Neil  ", "anna-maria oneil"),
        ("Petrov, Ivan.", "petrov ivan"),
    ],
)
def test_fold_latin_folds_diacritics_case_and_separators(latin: str, folded: str) -> None:
    assert fold_latin(latin) == folded


@given(st.text())
def test_fold_latin_is_idempotent(text: str) -> None:
    once = fold_latin(text)
    assert fold_latin(once) == once
