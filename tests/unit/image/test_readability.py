"""Every readability formula on a small text whose counts are stated and checked by hand."""

from __future__ import annotations

import math

import pytest

from qorgau.image.domain.readability import TextCounts, readability
from qorgau.image.domain.speech import analyse_speech
from qorgau.image.importers import lexicon_index


def test_oborneva_flesch_on_a_hand_counted_russian_text() -> None:
    # "Мама мыла раму. Папа читал газету." — 2 sentences, 6 words,
    # syllables ма-ма 2 + мы-ла 2 + ра-му 2 + па-па 2 + чи-тал 2 + га-зе-ту 3 = 13.
    analysis = analyse_speech("Мама мыла раму. Папа читал газету.", "ru", lexicon_index("ru"))
    assert (analysis.sentences, analysis.words, analysis.syllables) == (2, 6, 13)
    assert analysis.readability["flesch"] == pytest.approx(206.835 - 1.3 * 6 / 2 - 60.1 * 13 / 6)
    assert analysis.readability["flesch_kincaid_grade"] == pytest.approx(0.5 * 6 / 2 + 8.4 * 13 / 6 - 15.59)
    assert analysis.readability["lix"] == pytest.approx(6 / 2 + 100 * 0 / 6)  # no word over 6 letters


def test_english_flesch_and_flesch_kincaid_on_a_hand_counted_text() -> None:
    # "The cat sat on the mat. It was happy." — 2 sentences, 9 words,
    # syllables: 8 one-syllable words + hap-py 2 = 10; no word of 3+ syllables.
    analysis = analyse_speech("The cat sat on the mat. It was happy.", "en", lexicon_index("en"))
    assert (analysis.sentences, analysis.words, analysis.syllables) == (2, 9, 10)
    assert analysis.readability["flesch"] == pytest.approx(206.835 - 1.015 * 9 / 2 - 84.6 * 10 / 9)
    assert analysis.readability["flesch_kincaid_grade"] == pytest.approx(0.39 * 9 / 2 + 11.8 * 10 / 9 - 15.59)
    assert analysis.readability["smog"] == pytest.approx(1.043 * math.sqrt(0 * 30 / 2) + 3.1291)


def test_kazakh_flesch_uses_oborneva_coefficients_on_kazakh_syllables() -> None:
    # "Біз бірге жұмыс істейміз. Еліміз өседі." — 2 sentences, 6 words,
    # syllables біз 1 + бір-ге 2 + жұ-мыс 2 + іс-тей-міз 3 + е-лі-міз 3 + ө-се-ді 3 = 14;
    # long words (> 6 letters): істейміз = 1.
    analysis = analyse_speech("Біз бірге жұмыс істейміз. Еліміз өседі.", "kk", lexicon_index("kk"))
    assert (analysis.sentences, analysis.words, analysis.syllables) == (2, 6, 14)
    assert analysis.readability["flesch"] == pytest.approx(206.835 - 1.3 * 6 / 2 - 60.1 * 14 / 6)
    assert analysis.readability["lix"] == pytest.approx(6 / 2 + 100 * 1 / 6)
    assert "flesch_kincaid_grade" not in analysis.readability
    assert analysis.to_dict()["readability_calibrated"] is False


def test_smog_counts_words_of_three_or_more_syllables() -> None:
    counts = TextCounts(sentences=3, words=30, syllables=45, letters=150, long_words=4, polysyllables=5)
    assert readability(counts, "en")["smog"] == pytest.approx(1.043 * math.sqrt(5 * 30 / 3) + 3.1291)


def test_readability_needs_words_and_sentences() -> None:
    with pytest.raises(ValueError, match="at least one word"):
        readability(TextCounts(0, 0, 0, 0, 0, 0), "ru")
