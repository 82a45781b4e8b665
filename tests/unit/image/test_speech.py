from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from qorgau.image.domain.errors import EmptyTextError, WrongLanguageError
from qorgau.image.domain.speech import DatedSpeech, analyse_speech, compare_speeches
from qorgau.image.importers import lexicon_index, read_speech


def fixture_speech(data_dir: Path, language: str):  # type: ignore[no-untyped-def]
    text = read_speech(data_dir / f"speech_{language}.txt")
    return analyse_speech(text, language, lexicon_index(language))


def test_russian_pronouns_are_counted_per_1000_words(data_dir: Path) -> None:
    analysis = fixture_speech(data_dir, "ru")
    # 55 words. I: я, Я. We: Мы, наша, нам, мы, наших, нас, мы. You: вас, Вы. They: они.
    assert analysis.words == 55
    assert analysis.pronoun_counts == {"i": 2, "we": 7, "you": 2, "they": 1}
    assert analysis.pronouns["we"] == pytest.approx(7 * 1000 / 55)
    assert analysis.sentences == 8


def test_russian_modality_markers_and_their_passages(data_dir: Path) -> None:
    analysis = fixture_speech(data_dir, "ru")
    # certainty: уверен, Конечно; tentative: Возможно, сомневались; obligation: нужно, должны.
    assert analysis.categories["certainty"].count == 2
    assert analysis.categories["tentative"].count == 2
    assert analysis.categories["obligation"].count == 2
    assert analysis.categories["certainty"].per_1000 == pytest.approx(2 * 1000 / 55)
    top_we = analysis.passages["pronouns"]["we"][0]  # type: ignore[index]
    assert top_we["sentence"] == 6 and top_we["hits"] == ["мы", "наших"]
    assert top_we["text"].startswith("Но мы должны защитить")


def test_kazakh_men_counts_as_i_only_at_the_start_of_a_clause(data_dir: Path) -> None:
    analysis = fixture_speech(data_dir, "kk")
    # "Мен еліміздің…" is I; "мұғалімдер мен дәрігерлердің" is "and". We: Біз, біз, бізге, Біз.
    assert analysis.pronoun_counts == {"i": 1, "we": 4, "you": 1, "they": 1}
    # Endings -мыз/-міз: еліміздің, азаматтарымызды, қорғауымыз, етуіміз, құрамыз + біз (×3).
    assert analysis.categories["first_person_plural_endings"].count == 8


def test_kazakh_men_after_a_comma_is_i() -> None:
    text = "Бұл маңызды мәселе, мен оны жақсы білемін. Қазақстан мен Ресей серіктес."
    analysis = analyse_speech(text, "kk", lexicon_index("kk"))
    assert analysis.pronoun_counts["i"] == 1


def test_english_pronouns_include_possessives(data_dir: Path) -> None:
    analysis = fixture_speech(data_dir, "en")
    # I: My, I, I. We: We, our, we, we, our, our, us, we. You: you, You. They: they.
    assert analysis.pronoun_counts == {"i": 3, "we": 8, "you": 2, "they": 1}


def test_key_terms_group_inflected_forms_under_the_most_frequent_one() -> None:
    text = (
        "Экономика растёт. Экономика меняется. Мы поддержим экономику. Рост экономики важен. "
        "Бюджет принят. Школа открыта."
    )
    analysis = analyse_speech(text, "ru", lexicon_index("ru"))
    top = analysis.key_terms[0]
    assert (top.term, top.count) == ("экономика", 4)
    assert set(top.forms) == {"экономика", "экономику", "экономики"}


def test_hardest_sentence_is_named_as_the_readability_passage() -> None:
    text = "Мы идём. Соотечественники, государственная модернизация продолжается. Всё хорошо."
    analysis = analyse_speech(text, "ru", lexicon_index("ru"))
    assert analysis.passages["readability"][0]["sentence"] == 2  # type: ignore[index]


def test_speech_in_another_language_is_an_error(data_dir: Path) -> None:
    text = read_speech(data_dir / "speech_kk.txt")
    with pytest.raises(WrongLanguageError):
        analyse_speech(text, "ru", lexicon_index("ru"))


def test_text_without_words_is_an_error() -> None:
    with pytest.raises(EmptyTextError):
        analyse_speech("  2024 — 100 %  ", "ru", lexicon_index("ru"))


def test_speeches_are_compared_in_date_order_with_undated_last(data_dir: Path) -> None:
    analysis = fixture_speech(data_dir, "ru")
    shorter = analyse_speech("Мы победим. Я уверен.", "ru", lexicon_index("ru"))
    comparison = compare_speeches(
        [
            DatedSpeech("b.txt", dt.date(2024, 5, 1), shorter),
            DatedSpeech("undated.txt", None, analysis),
            DatedSpeech("a.txt", dt.date(2023, 1, 1), analysis),
        ]
    )
    assert [s.label for s in comparison.speeches] == ["a.txt", "b.txt", "undated.txt"]
    assert comparison.changes["words"] == 0  # first and last are the same text
    assert comparison.series("words") == [55, 4, 55]  # "Мы победим. Я уверен." has 4 words


def test_comparison_keeps_only_measures_every_speech_has(data_dir: Path) -> None:
    comparison = compare_speeches(
        [
            DatedSpeech("ru.txt", dt.date(2024, 1, 1), fixture_speech(data_dir, "ru")),
            DatedSpeech("kk.txt", dt.date(2024, 2, 1), fixture_speech(data_dir, "kk")),
        ]
    )
    assert "flesch" in comparison.measures
    assert "flesch_kincaid_grade" not in comparison.measures
    assert "first_person_plural_endings" not in comparison.measures
