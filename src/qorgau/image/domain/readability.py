"""Readability formulas for ru, kk and en on counted words, sentences and syllables.

Every formula is written out here once; :data:`FORMULAS` gives the text that reports print.

* **Russian Flesch** (Oborneva 2006, the adaptation the issue fixes):
  ``206.835 - 1.3 * words/sentences - 60.1 * syllables/words``, one syllable per vowel letter.
* **Russian Flesch–Kincaid grade** (Oborneva's coefficients): ``0.5 * ASL + 8.4 * ASW - 15.59``.
* **English Flesch Reading Ease** (Flesch 1948): ``206.835 - 1.015 * ASL - 84.6 * ASW``.
* **English Flesch–Kincaid grade** (Kincaid et al. 1975): ``0.39 * ASL + 11.8 * ASW - 15.59``.
* **English SMOG** (McLaughlin 1969): ``1.043 * sqrt(polysyllables * 30 / sentences) + 3.1291``,
  polysyllables = words of 3+ syllables.
* **Kazakh**: no Kazakh calibration of Flesch could be checked, so ``flesch`` for kk applies
  Oborneva's Russian coefficients to Kazakh syllable counts (Kazakh Cyrillic marks every syllable
  with a vowel letter, as Russian does). It ranks Kazakh texts against each other; it is not on
  the scale of Russian or English norms, and the output says ``calibrated: false``.
* **LIX** (Björnsson 1968), for every language, built to compare across languages:
  ``words/sentences + 100 * long_words/words``, long = more than 6 letters.

ASL = average sentence length in words; ASW = average syllables per word.

>>> counts = TextCounts(sentences=2, words=10, syllables=20, letters=50, long_words=2, polysyllables=3)
>>> round(oborneva_flesch(counts), 3)   # 206.835 - 1.3 * 5 - 60.1 * 2
80.135
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class TextCounts:
    """The counts every formula needs. ``long_words``: more than 6 letters; ``polysyllables``: 3+."""

    sentences: int
    words: int
    syllables: int
    letters: int
    long_words: int
    polysyllables: int

    @property
    def words_per_sentence(self) -> float:
        return self.words / self.sentences

    @property
    def syllables_per_word(self) -> float:
        return self.syllables / self.words


def oborneva_flesch(counts: TextCounts) -> float:
    """Russian Flesch reading ease after Oborneva: 206.835 − 1.3·ASL − 60.1·ASW."""
    return 206.835 - 1.3 * counts.words_per_sentence - 60.1 * counts.syllables_per_word


def oborneva_flesch_kincaid_grade(counts: TextCounts) -> float:
    """Russian Flesch–Kincaid grade with Oborneva's coefficients: 0.5·ASL + 8.4·ASW − 15.59."""
    return 0.5 * counts.words_per_sentence + 8.4 * counts.syllables_per_word - 15.59


def english_flesch(counts: TextCounts) -> float:
    """English Flesch reading ease: 206.835 − 1.015·ASL − 84.6·ASW."""
    return 206.835 - 1.015 * counts.words_per_sentence - 84.6 * counts.syllables_per_word


def english_flesch_kincaid_grade(counts: TextCounts) -> float:
    """English Flesch–Kincaid grade: 0.39·ASL + 11.8·ASW − 15.59."""
    return 0.39 * counts.words_per_sentence + 11.8 * counts.syllables_per_word - 15.59


def english_smog(counts: TextCounts) -> float:
    """SMOG grade: 1.043·sqrt(polysyllables·30/sentences) + 3.1291."""
    return 1.043 * math.sqrt(counts.polysyllables * 30 / counts.sentences) + 3.1291


def lix(counts: TextCounts) -> float:
    """LIX: words/sentences + 100·long words/words (long = more than 6 letters)."""
    return counts.words_per_sentence + 100 * counts.long_words / counts.words


FORMULAS: dict[str, dict[str, str]] = {
    "ru": {
        "flesch": "Oborneva: 206.835 - 1.3*words/sentences - 60.1*syllables/words (syllable = vowel letter)",
        "flesch_kincaid_grade": "Oborneva: 0.5*words/sentences + 8.4*syllables/words - 15.59",
        "lix": "Björnsson: words/sentences + 100*long words (>6 letters)/words",
    },
    "kk": {
        "flesch": "Oborneva's Russian coefficients on Kazakh syllables (not calibrated for Kazakh): "
        "206.835 - 1.3*words/sentences - 60.1*syllables/words",
        "lix": "Björnsson: words/sentences + 100*long words (>6 letters)/words",
    },
    "en": {
        "flesch": "Flesch: 206.835 - 1.015*words/sentences - 84.6*syllables/words",
        "flesch_kincaid_grade": "Kincaid: 0.39*words/sentences + 11.8*syllables/words - 15.59",
        "smog": "McLaughlin: 1.043*sqrt(polysyllables*30/sentences) + 3.1291",
        "lix": "Björnsson: words/sentences + 100*long words (>6 letters)/words",
    },
}

CALIBRATED = {"ru": True, "kk": False, "en": True}


def readability(counts: TextCounts, language: str) -> dict[str, float]:
    """Every readability measure of ``language`` (keys as in :data:`FORMULAS`).

    Raises ValueError for an unknown language or a text with no words or sentences.
    """
    if counts.words == 0 or counts.sentences == 0:
        raise ValueError("readability needs at least one word and one sentence")
    if language == "ru":
        return {
            "flesch": oborneva_flesch(counts),
            "flesch_kincaid_grade": oborneva_flesch_kincaid_grade(counts),
            "lix": lix(counts),
        }
    if language == "kk":
        return {"flesch": oborneva_flesch(counts), "lix": lix(counts)}
    if language == "en":
        return {
            "flesch": english_flesch(counts),
            "flesch_kincaid_grade": english_flesch_kincaid_grade(counts),
            "smog": english_smog(counts),
            "lix": lix(counts),
        }
    raise ValueError(f"unknown language {language!r}")


def sentence_flesch(words: int, syllables: int, language: str) -> float:
    """Flesch of one sentence (ASL = its word count): which sentences pull the score down."""
    counts = TextCounts(
        sentences=1, words=words, syllables=syllables, letters=0, long_words=0, polysyllables=0
    )
    return english_flesch(counts) if language == "en" else oborneva_flesch(counts)
