"""Normalisation and stemming for full-text search in Russian and Kazakh."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from qorgau.cases.domain.search import MIN_STEM, fts5_query, normalise_text, query_stems, stem, tsquery


def test_case_yo_and_kazakh_letters_are_folded() -> None:
    assert normalise_text("ҚАЗАҚСТАН Ёлка әңгіме ұлы үй һ") == "казакстан елка ангиме улы уй х"


def test_punctuation_separates_words() -> None:
    assert normalise_text("ст. 188 ч.1 — «кража»; e-mail_x") == "ст 188 ч 1 кража e mail x"


def test_one_ending_is_stripped_leaving_a_stem_of_four_letters() -> None:
    assert stem("кражи") == "краж"
    assert stem("телефонов") == "телефон"
    assert stem(normalise_text("қылмыстың")) == "кылмыс"
    assert stem("дела") == "дела"  # "дел" would be too short a prefix
    assert stem("2026") == "2026"


def test_query_stems_drop_duplicates_and_cap_the_words() -> None:
    assert query_stems("Кража, КРАЖИ и кражу") == ["краж", "и"]
    assert len(query_stems(" ".join(f"слово{i}" for i in range(20)))) == 8


def test_both_query_languages_quote_every_stem_as_a_prefix() -> None:
    assert fts5_query(["краж", "телефон"]) == '"краж"* "телефон"*'
    assert tsquery(["краж", "телефон"]) == "краж:* & телефон:*"


@given(st.text(max_size=200))
def test_normalised_text_is_words_of_letters_and_digits(text: str) -> None:
    normalised = normalise_text(text)
    assert normalised == normalise_text(normalised)
    for word in normalised.split():
        assert all(character.isalnum() for character in word)
        assert stem(word) == word or (word.startswith(stem(word)) and len(stem(word)) >= MIN_STEM)
