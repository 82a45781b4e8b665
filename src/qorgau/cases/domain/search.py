"""Text normalisation for full-text search over case materials in Russian and Kazakh.

Both stores index the same normalised text with a plain word tokenizer (SQLite FTS5 ``unicode61``,
PostgreSQL ``to_tsvector('simple', …)``), so a query finds the same materials on either:

- case is folded and ``ё`` becomes ``е``;
- the nine Kazakh letters are folded to the Russian letters people type for them on a Russian
  keyboard (``ә→а, ғ→г, қ→к, ң→н, ө→о, ұ→у, ү→у, һ→х, і→и``), so ``Қазақстан`` and ``Казакстан`` match;
- everything that is not a letter or digit separates words.

A query word is cut to a stem by stripping one common Russian or Kazakh ending and matched as a
prefix: ``кражи`` finds ``кража`` and ``кражу``; ``қылмыстың`` finds ``қылмыс`` and ``қылмыстар``.
This is deliberately crude (no dictionary); it keeps both stores identical and needs no data.

>>> normalise_text("Қазақстан Республикасы, 2026-ж.")
'казакстан республикасы 2026 ж'
>>> query_stems("Кражи телефонов")
['краж', 'телефон']
"""

from __future__ import annotations

import re

KAZAKH_FOLD = str.maketrans(
    {"ә": "а", "ғ": "г", "қ": "к", "ң": "н", "ө": "о", "ұ": "у", "ү": "у", "һ": "х", "і": "и", "ё": "е"}
)
_NON_WORD = re.compile(r"[\W_]+")
MIN_STEM = 4
MAX_QUERY_WORDS = 8

# One ending is stripped, the longest that leaves a stem of at least MIN_STEM letters. Russian
# case and number endings, then Kazakh plural and case suffixes (already folded: ы/и, н for ң …).
_RUSSIAN_ENDINGS = """
    иями ями ами ого его ому ему ыми ими ией ием ов ев ей ам ям ах ях ом ем ой ый ий ая яя ое ее ую юю
    ия ие ию ы и а я о е у ю ь
"""
_KAZAKH_ENDINGS = """
    лардын лердин тардын тердин дардын дердин ларга лерге тарга терге дарга дерге лары лери тары тери
    дары дери нын нин дын дин тын тин лар лер тар тер дар дер да де та те га ге ка ке на не ны ни ды ди
    ты ти
"""
ENDINGS: tuple[str, ...] = tuple(
    sorted(set(_RUSSIAN_ENDINGS.split()) | set(_KAZAKH_ENDINGS.split()), key=len, reverse=True)
)


def normalise_text(text: str) -> str:
    """Fold case, ``ё`` and Kazakh letters; keep letters and digits separated by single spaces."""
    folded = text.casefold().translate(KAZAKH_FOLD)
    return " ".join(_NON_WORD.split(folded)).strip()


def stem(word: str) -> str:
    """``word`` (normalised) without its longest known ending, if a stem of ``MIN_STEM`` letters remains."""
    if word.isdigit():
        return word
    for ending in ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= MIN_STEM:
            return word[: -len(ending)]
    return word


def query_stems(query: str) -> list[str]:
    """The prefixes a query looks for: each word normalised and stemmed, duplicates dropped, at most 8."""
    stems: list[str] = []
    for word in normalise_text(query).split():
        stemmed = stem(word)
        if stemmed not in stems:
            stems.append(stemmed)
    return stems[:MAX_QUERY_WORDS]


def fts5_query(stems: list[str]) -> str:
    """An FTS5 MATCH expression: every stem as a quoted prefix (``"краж"* "телефон"*``)."""
    return " ".join(f'"{word}"*' for word in stems)


def tsquery(stems: list[str]) -> str:
    """A PostgreSQL ``to_tsquery('simple', …)`` text: every stem as a prefix (``краж:* & телефон:*``)."""
    return " & ".join(f"{word}:*" for word in stems)
