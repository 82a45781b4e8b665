from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qorgau.image.domain.errors import BinaryTextError, EmptyTextError, WrongLanguageError
from qorgau.image.domain.text import (
    check_language,
    clean_text,
    count_syllables,
    guess_language,
    split_sentences,
    words,
)

RUSSIAN_ABBREVIATIONS = ("им", "ул", "т.е", "г", "млн", "д")


def test_sentences_end_at_terminal_punctuation_before_a_capital() -> None:
    text = "Мы победим! Разве нет? Конечно… Идём дальше."
    assert split_sentences(text) == ["Мы победим!", "Разве нет?", "Конечно…", "Идём дальше."]


def test_initials_and_abbreviations_do_not_end_a_sentence() -> None:
    text = "Доклад сделал А. С. Иванов. Университет им. Абая стоит на ул. Толе би, д. 5. Всё."
    assert split_sentences(text, RUSSIAN_ABBREVIATIONS) == [
        "Доклад сделал А. С. Иванов.",
        "Университет им. Абая стоит на ул. Толе би, д. 5.",
        "Всё.",
    ]


def test_abbreviation_after_a_number_may_end_a_sentence() -> None:
    text = "Помощь получили 2 млн. Мы продолжим. Город основан в 1854 г. Сейчас он растёт."
    assert len(split_sentences(text, RUSSIAN_ABBREVIATIONS)) == 4


def test_lower_case_after_a_period_continues_the_sentence() -> None:
    assert split_sentences("Это важно, т. е. необходимо. Дальше.") == [
        "Это важно, т. е. необходимо.",
        "Дальше.",
    ]


def test_closing_quotes_stay_with_their_sentence_and_blank_lines_split() -> None:
    text = "Он сказал: «Хватит!» Потом ушёл\n\nЗаголовок без точки\n\nКонец."
    assert split_sentences(text) == ["Он сказал: «Хватит!»", "Потом ушёл", "Заголовок без точки", "Конец."]


def test_pieces_without_words_are_not_sentences() -> None:
    assert split_sentences("— — —\n\n2024.\n\nДа.") == ["Да."]


def test_words_join_hyphens_and_apostrophes_and_skip_numbers() -> None:
    assert words("Кое-что в 2024-м году, don't panic, 5,1%!") == [
        "Кое-что",
        "в",
        "м",
        "году",
        "don't",
        "panic",
    ]


@given(
    st.text(
        alphabet=st.sampled_from(list('абвгдеАБВ ёйxyzXYZ.,!?…«»"-—\n ')),
        max_size=200,
    )
)
def test_sentence_splitting_never_loses_or_invents_a_word(text: str) -> None:
    assert words(" ".join(split_sentences(text, RUSSIAN_ABBREVIATIONS))) == words(text)


@pytest.mark.parametrize(
    ("word", "syllables"),
    [("мама", 2), ("газету", 3), ("в", 0), ("соотечественники", 7), ("ёлка", 2), ("эхо", 2)],
)
def test_russian_syllables_are_vowel_letters(word: str, syllables: int) -> None:
    assert count_syllables(word, "ru") == syllables


@given(st.text(alphabet=st.sampled_from(list("абвгдеёжзийклмнопрстуфхцчшщъыьэюя")), max_size=30))
def test_russian_syllable_count_equals_the_number_of_vowels(word: str) -> None:
    assert count_syllables(word, "ru") == sum(word.count(vowel) for vowel in "аеёиоуыэюя")


@pytest.mark.parametrize(
    ("word", "syllables"),
    [
        ("тау", 1),  # у after a vowel is [w]
        ("су", 1),  # у after a consonant is the vowel [uw]
        ("уақыт", 2),  # у before a vowel is [w]
        ("оқу", 2),
        ("университет", 5),
        ("ауыл", 2),
        ("бойынша", 3),
        ("істейміз", 3),
        ("өседі", 3),
    ],
)
def test_kazakh_syllables_treat_u_as_vowel_only_between_consonants(word: str, syllables: int) -> None:
    assert count_syllables(word, "kk") == syllables


@pytest.mark.parametrize(
    ("word", "syllables"),
    [
        ("cat", 1),
        ("make", 1),
        ("table", 2),
        ("people", 2),
        ("whale", 1),
        ("free", 1),
        ("jumped", 1),
        ("wanted", 2),
        ("likes", 1),
        ("boxes", 2),
        ("economy", 4),
        ("government", 3),
        ("happy", 2),
        ("the", 1),
    ],
)
def test_english_syllable_heuristic_on_common_words(word: str, syllables: int) -> None:
    assert count_syllables(word, "en") == syllables


def test_language_guess_reads_script_and_kazakh_letters() -> None:
    assert guess_language("Біз бірге жұмыс істейміз. Еліміз өседі және дамиды.").language == "kk"
    assert guess_language("Мы вместе работаем, и страна растёт и развивается.").language == "ru"
    assert guess_language("We work together and the country grows every year.").language == "en"
    assert (
        guess_language("Nous travaillons ensemble et le pays grandit chaque année.").language == "other-latin"
    )


@pytest.mark.parametrize(
    ("text", "asked", "detected"),
    [
        ("Мы вместе работаем, и страна растёт и развивается.", "kk", "ru"),
        ("Біз бірге жұмыс істейміз. Еліміз өседі және дамиды.", "ru", "kk"),
        ("We work together and the country grows every year.", "ru", "en"),
        ("Nous travaillons ensemble et le pays grandit chaque année.", "en", "other-latin"),
    ],
)
def test_text_in_another_language_than_asked_is_an_error(text: str, asked: str, detected: str) -> None:
    with pytest.raises(WrongLanguageError) as caught:
        check_language(text, asked)
    assert caught.value.detected == detected
    assert f"not {'Russian' if asked == 'ru' else 'Kazakh' if asked == 'kk' else 'English'}" in str(
        caught.value
    )


def test_russian_text_naming_a_kazakh_city_stays_russian() -> None:
    text = (
        "Президент посетил Қызылорду и встретился с жителями области, где обсудил развитие региона и дороги."
    )
    assert check_language(text, "ru").language == "ru"


def test_very_short_text_passes_the_language_check() -> None:
    assert check_language("Да!", "kk").letters == 2


def test_text_without_letters_is_empty() -> None:
    with pytest.raises(EmptyTextError):
        check_language("2024 — 5,1 %", "ru")


def test_binary_content_is_rejected() -> None:
    with pytest.raises(BinaryTextError, match="NUL"):
        clean_text("PK\x03\x04\x00\x00")
    with pytest.raises(BinaryTextError, match="control characters"):
        clean_text("\x01\x02\x03\x04abc")


def test_clean_text_drops_stress_marks_and_soft_hyphens() -> None:
    assert clean_text("за́мок госу\u00adдарство") == "замок государство"
