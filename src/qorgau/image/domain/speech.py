"""Psycholinguistic analysis of a leader's speech, and comparison of speeches over time.

:func:`analyse_speech` takes one text and a :class:`~qorgau.image.domain.lexicon.LexiconIndex` of
its language and returns a :class:`SpeechAnalysis`: counts, readability, lexical diversity, the
rates of I / we / you / they and of every lexicon category per 1,000 words, key terms, and the
passages (sentences) that drive each score. Rates are per 1,000 *words* as defined in
:mod:`qorgau.image.domain.text` (numbers are not words).

:func:`compare_speeches` lines analyses up by date for the time series and the report.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from qorgau.image.domain.diversity import mtld, ttr
from qorgau.image.domain.errors import EmptyTextError
from qorgau.image.domain.lexicon import PRONOUN_KEYS, LexiconIndex
from qorgau.image.domain.readability import CALIBRATED, FORMULAS, TextCounts, readability, sentence_flesch
from qorgau.image.domain.text import (
    WORD_PATTERN,
    LanguageGuess,
    check_language,
    clean_text,
    count_syllables,
    guess_language,
    normalise_word,
    split_sentences,
)

LONG_WORD_LETTERS = 6  # LIX: a long word has more than 6 letters
POLYSYLLABLE = 3  # SMOG: a polysyllable has 3 or more syllables
PASSAGE_CHARACTERS = 300
_CLAUSE_MARKS = frozenset(',;:—–-(«"“„')


@dataclass(frozen=True)
class Passage:
    """A sentence that drives a score: its number (1 = first), text, value and the words that hit."""

    sentence: int
    text: str
    value: float
    hits: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, object]:
        return {"sentence": self.sentence, "text": self.text, "value": self.value, "hits": list(self.hits)}


@dataclass(frozen=True)
class CategoryScore:
    name: str
    group: str
    count: int
    per_1000: float

    def to_dict(self) -> dict[str, object]:
        return {"group": self.group, "count": self.count, "per_1000": self.per_1000}


@dataclass(frozen=True)
class KeyTerm:
    """A frequent content word; ``forms`` are the word forms grouped under it."""

    term: str
    count: int
    per_1000: float
    forms: tuple[str, ...]

    def to_dict(self) -> dict[str, object]:
        return {"term": self.term, "count": self.count, "per_1000": self.per_1000, "forms": list(self.forms)}


@dataclass(frozen=True)
class SpeechAnalysis:
    """Everything the ``speech`` command reports for one text."""

    language: str
    sentences: int
    words: int
    syllables: int
    types: int
    readability: dict[str, float]
    ttr: float
    mtld: float
    pronouns: dict[str, float]
    pronoun_counts: dict[str, int]
    categories: dict[str, CategoryScore]
    key_terms: tuple[KeyTerm, ...]
    passages: dict[str, object]
    language_check: LanguageGuess
    lexicon_version: int

    def measures(self) -> dict[str, float]:
        """The numeric measures, flat (``flesch``, ``mtld``, ``we``, ``certainty`` …), for comparison."""
        flat: dict[str, float] = {"sentences": self.sentences, "words": self.words}
        flat.update(self.readability)
        flat.update({"ttr": self.ttr, "mtld": self.mtld})
        flat.update(self.pronouns)
        flat.update({name: score.per_1000 for name, score in self.categories.items()})
        return flat

    def to_dict(self) -> dict[str, object]:
        return {
            "language": self.language,
            "sentences": self.sentences,
            "words": self.words,
            "syllables": self.syllables,
            "types": self.types,
            "readability": self.readability,
            "readability_formulas": FORMULAS[self.language],
            "readability_calibrated": CALIBRATED[self.language],
            "ttr": self.ttr,
            "mtld": self.mtld,
            "pronouns": self.pronouns,
            "pronoun_counts": self.pronoun_counts,
            "rates": "per 1,000 words",
            "categories": {name: score.to_dict() for name, score in self.categories.items()},
            "key_terms": [term.to_dict() for term in self.key_terms],
            "passages": self.passages,
            "language_check": {
                "detected": self.language_check.language,
                "latin_share": self.language_check.latin_share,
                "cyrillic_share": self.language_check.cyrillic_share,
                "kazakh_letter_share": self.language_check.kazakh_letter_share,
            },
            "lexicon": {"language": self.language, "version": self.lexicon_version},
        }


def _clause_initial(sentence: str, word: str) -> list[bool]:
    """For each occurrence of ``word`` in the normalised ``sentence``: is it first in its clause?"""
    flags = []
    previous_end = 0
    for number, match in enumerate(WORD_PATTERN.finditer(sentence)):
        if match.group() == word:
            between = sentence[previous_end : match.start()]
            flags.append(number == 0 or any(mark in _CLAUSE_MARKS for mark in between))
        previous_end = match.end()
    return flags


def _top_passages(
    per_sentence: dict[int, list[str]], sentences: list[str], limit: int
) -> list[dict[str, object]]:
    ranked = sorted(per_sentence.items(), key=lambda item: (-len(item[1]), item[0]))[:limit]
    return [
        Passage(
            sentence=index + 1,
            text=sentences[index][:PASSAGE_CHARACTERS],
            value=float(len(hits)),
            hits=tuple(dict.fromkeys(hits)),
        ).to_dict()
        for index, hits in ranked
    ]


def analyse_speech(
    text: str,
    language: str,
    index: LexiconIndex,
    *,
    check: bool = True,
    passages: int = 3,
    key_terms: int = 15,
    mtld_min_factor_length: int = 0,
) -> SpeechAnalysis:
    """Analyse one speech written in ``language`` (ru, kk, en) with the lexicon of that language.

    Raises :class:`~qorgau.image.domain.errors.BinaryTextError` for binary content,
    :class:`EmptyTextError` for a text without words, and (when ``check``)
    :class:`~qorgau.image.domain.errors.WrongLanguageError` when the text is in another language.
    """
    lexicon = index.lexicon
    if lexicon.language != language:
        raise ValueError(f"the lexicon is for {lexicon.language}, the text is asked as {language}")
    text = clean_text(text)
    if not WORD_PATTERN.search(text):
        raise EmptyTextError("the text is empty: it has no words")
    guess = check_language(text, language) if check else guess_language(text)
    sentences = split_sentences(text, lexicon.abbreviations)

    tokens: list[str] = []
    syllables = letters = long_words = polysyllables = 0
    pronoun_counts: Counter[str] = Counter()
    category_counts: Counter[str] = Counter()
    pronoun_sentences: dict[str, dict[int, list[str]]] = defaultdict(lambda: defaultdict(list))
    category_sentences: dict[str, dict[int, list[str]]] = defaultdict(lambda: defaultdict(list))
    sentence_scores: list[tuple[float, int]] = []
    content_forms: Counter[str] = Counter()
    clause_only = lexicon.clause_initial_only
    stopwords = lexicon.stopwords
    for sentence_index, sentence in enumerate(sentences):
        normalised = normalise_word(sentence)
        sentence_tokens = WORD_PATTERN.findall(normalised)
        initial_flags: dict[str, list[bool]] = {
            word: _clause_initial(normalised, word) for word in clause_only if word in sentence_tokens
        }
        sentence_syllables = 0
        for token in sentence_tokens:
            token_syllables = count_syllables(token, language)
            sentence_syllables += token_syllables
            token_letters = len(token) - token.count("-") - token.count("'")
            letters += token_letters
            if token_letters > LONG_WORD_LETTERS:
                long_words += 1
            if token_syllables >= POLYSYLLABLE:
                polysyllables += 1
            pronoun = index.pronoun_of(token)
            if pronoun is not None and (token not in initial_flags or initial_flags[token].pop(0)):
                pronoun_counts[pronoun] += 1
                pronoun_sentences[pronoun][sentence_index].append(token)
            for category in index.categories_of(token):
                category_counts[category] += 1
                category_sentences[category][sentence_index].append(token)
            if token_letters >= lexicon.key_term_min_length and token not in stopwords:
                content_forms[token] += 1
        syllables += sentence_syllables
        tokens.extend(sentence_tokens)
        sentence_scores.append(
            (sentence_flesch(len(sentence_tokens), sentence_syllables, language), sentence_index)
        )

    word_count = len(tokens)
    counts = TextCounts(
        sentences=len(sentences),
        words=word_count,
        syllables=syllables,
        letters=letters,
        long_words=long_words,
        polysyllables=polysyllables,
    )
    per_1000 = 1000 / word_count

    grouped: dict[str, Counter[str]] = defaultdict(Counter)
    for form, count in content_forms.items():
        grouped[lexicon.stem(form)][form] = count
    ranked_terms = sorted(
        grouped.values(), key=lambda forms: (-sum(forms.values()), forms.most_common(1)[0][0])
    )
    terms = tuple(
        KeyTerm(
            term=forms.most_common(1)[0][0],
            count=sum(forms.values()),
            per_1000=sum(forms.values()) * per_1000,
            forms=tuple(form for form, _ in forms.most_common()),
        )
        for forms in ranked_terms[:key_terms]
    )

    hardest = sorted(sentence_scores)[:passages]
    passage_document: dict[str, object] = {
        "readability": [
            Passage(sentence=i + 1, text=sentences[i][:PASSAGE_CHARACTERS], value=score).to_dict()
            for score, i in hardest
        ],
        "pronouns": {
            key: _top_passages(pronoun_sentences[key], sentences, passages)
            for key in PRONOUN_KEYS
            if pronoun_counts[key]
        },
        "categories": {
            category.name: _top_passages(category_sentences[category.name], sentences, passages)
            for category in lexicon.categories
            if category_counts[category.name]
        },
    }
    return SpeechAnalysis(
        language=language,
        sentences=len(sentences),
        words=word_count,
        syllables=syllables,
        types=len(set(tokens)),
        readability=readability(counts, language),
        ttr=ttr(tokens),
        mtld=mtld(tokens, min_factor_length=mtld_min_factor_length),
        pronouns={key: pronoun_counts[key] * per_1000 for key in PRONOUN_KEYS},
        pronoun_counts={key: pronoun_counts[key] for key in PRONOUN_KEYS},
        categories={
            category.name: CategoryScore(
                name=category.name,
                group=category.group,
                count=category_counts[category.name],
                per_1000=category_counts[category.name] * per_1000,
            )
            for category in lexicon.categories
        },
        key_terms=terms,
        passages=passage_document,
        language_check=guess,
        lexicon_version=lexicon.version,
    )


@dataclass(frozen=True)
class DatedSpeech:
    """One analysed speech with its label (file name) and date, when known."""

    label: str
    date: dt.date | None
    analysis: SpeechAnalysis


@dataclass(frozen=True)
class SpeechComparison:
    """Speeches in time order with their flat measures, and each measure's first-to-last change."""

    speeches: tuple[DatedSpeech, ...]
    measures: tuple[str, ...]
    changes: dict[str, float] = field(default_factory=dict)

    def series(self, measure: str) -> list[float]:
        return [speech.analysis.measures()[measure] for speech in self.speeches]

    def to_dict(self) -> dict[str, object]:
        return {
            "speeches": [
                {
                    "label": speech.label,
                    "date": speech.date.isoformat() if speech.date else None,
                    "language": speech.analysis.language,
                    "measures": speech.analysis.measures(),
                }
                for speech in self.speeches
            ],
            "measures": list(self.measures),
            "change_first_to_last": self.changes,
            "order": "by date (undated speeches last, by label)",
        }


def compare_speeches(speeches: Sequence[DatedSpeech]) -> SpeechComparison:
    """Order speeches by date (undated last, then by label) and compute first-to-last changes.

    Only measures every speech has are compared (a Kazakh speech has no Flesch–Kincaid grade).
    """
    ordered = tuple(sorted(speeches, key=lambda s: (s.date is None, s.date or dt.date.min, s.label)))
    if not ordered:
        return SpeechComparison(speeches=(), measures=())
    common = [
        name for name in ordered[0].analysis.measures() if all(name in s.analysis.measures() for s in ordered)
    ]
    first, last = ordered[0].analysis.measures(), ordered[-1].analysis.measures()
    return SpeechComparison(
        speeches=ordered,
        measures=tuple(common),
        changes={name: last[name] - first[name] for name in common} if len(ordered) > 1 else {},
    )
