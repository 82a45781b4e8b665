"""Category lexicons: pronouns, modality, emotion, drives and topics for one language.

A lexicon is a YAML file per language in ``qorgau/image/lexicons/`` (loaded by
:func:`qorgau.image.importers.load_lexicon`; how each was made is in that folder's README).
Entries are lower case; ``ё`` is read as ``е``. An entry is matched as:

* ``word`` — the exact word form;
* ``stem*`` — any word starting with ``stem`` (Russian and Kazakh inflect, so stems carry most
  entries);
* ``*ending`` — any word ending in ``ending`` (Kazakh person endings such as ``*мыз``).

Pronouns are exact forms only. ``clause_initial_only`` lists pronoun forms that are counted only
as the first word of a clause: Kazakh ``мен`` is "I" there, and the conjunction "and" elsewhere.

>>> lexicon = parse_lexicon({"language": "ru", "version": 1, "pronouns": {"i": ["я"], "we": ["мы"],
...     "you": ["вы"], "they": ["они"]}, "categories": {"certainty": {"group": "modality",
...     "description": "sure", "words": ["конечно", "уверен*"]}}})
>>> index = LexiconIndex(lexicon)
>>> index.categories_of("уверенность")
('certainty',)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from qorgau.image.domain.errors import LexiconError
from qorgau.image.domain.text import SPEECH_LANGUAGES, normalise_word

PRONOUN_KEYS = ("i", "we", "you", "they")


@dataclass(frozen=True)
class Category:
    """One category: exact forms, stems (``stem*``) and endings (``*ending``)."""

    name: str
    group: str
    description: str
    words: frozenset[str]
    prefixes: tuple[str, ...]
    suffixes: tuple[str, ...]

    @property
    def size(self) -> int:
        """Number of entries (forms + stems + endings)."""
        return len(self.words) + len(self.prefixes) + len(self.suffixes)

    def matches(self, word: str) -> bool:
        """Whether the normalised ``word`` belongs to the category."""
        return (
            word in self.words
            or (bool(self.prefixes) and word.startswith(self.prefixes))
            or (bool(self.suffixes) and word.endswith(self.suffixes))
        )


@dataclass(frozen=True)
class Lexicon:
    """Everything language-specific the speech analysis needs."""

    language: str
    version: int
    pronouns: dict[str, frozenset[str]]
    clause_initial_only: frozenset[str]
    categories: tuple[Category, ...]
    stopwords: frozenset[str]
    abbreviations: frozenset[str]
    stem_endings: tuple[str, ...]
    stem_rounds: int
    stem_min_length: int
    key_term_min_length: int

    @property
    def size(self) -> int:
        """All category and pronoun entries."""
        return sum(category.size for category in self.categories) + sum(
            len(v) for v in self.pronouns.values()
        )

    def stem(self, word: str) -> str:
        """A crude stem for grouping key terms: strip the longest listed ending, ``stem_rounds`` times.

        An ending is stripped only if at least ``stem_min_length`` letters remain. This groups
        ``экономика``/``экономики``/``экономику``; it is not a morphological analysis.
        """
        for _ in range(self.stem_rounds):
            for ending in self.stem_endings:
                if word.endswith(ending) and len(word) - len(ending) >= self.stem_min_length:
                    word = word[: -len(ending)]
                    break
            else:
                break
        return word


def _entries(raw: Any, where: str) -> list[str]:
    if not isinstance(raw, list) or not raw:
        raise LexiconError(f"{where}: give a non-empty list of words")
    entries = []
    for entry in raw:
        if not isinstance(entry, str) or not entry.strip() or entry.strip() == "*":
            raise LexiconError(
                f"{where}: {entry!r} is not a word, stem* or *ending (quote yes/no/on/off in YAML)"
            )
        entries.append(normalise_word(entry.strip()))
    duplicates = sorted({entry for entry in entries if entries.count(entry) > 1})
    if duplicates:
        raise LexiconError(f"{where}: listed twice: {', '.join(duplicates)}")
    return entries


def _category(name: str, raw: Any) -> Category:
    where = f"category {name!r}"
    if not isinstance(raw, Mapping):
        raise LexiconError(f"{where}: give group, description and words")
    entries = _entries(raw.get("words"), where)
    return Category(
        name=name,
        group=str(raw.get("group", "other")),
        description=str(raw.get("description", "")),
        words=frozenset(e for e in entries if "*" not in e),
        prefixes=tuple(e[:-1] for e in entries if e.endswith("*") and not e.startswith("*")),
        suffixes=tuple(e[1:] for e in entries if e.startswith("*") and not e.endswith("*")),
    )


def parse_lexicon(document: Any) -> Lexicon:
    """Validate a loaded lexicon mapping; raises :class:`LexiconError` naming the faulty part."""
    if not isinstance(document, Mapping):
        raise LexiconError("a lexicon must be a mapping")
    language = document.get("language")
    if language not in SPEECH_LANGUAGES:
        raise LexiconError(f"lexicon language must be one of {', '.join(SPEECH_LANGUAGES)}, not {language!r}")
    pronouns_raw = document.get("pronouns")
    if not isinstance(pronouns_raw, Mapping) or set(pronouns_raw) != set(PRONOUN_KEYS):
        raise LexiconError("pronouns must give exactly i, we, you, they")
    pronouns = {key: frozenset(_entries(pronouns_raw[key], f"pronouns.{key}")) for key in PRONOUN_KEYS}
    if any("*" in entry for forms in pronouns.values() for entry in forms):
        raise LexiconError("pronouns are exact forms: no * patterns")
    categories_raw = document.get("categories")
    if not isinstance(categories_raw, Mapping) or not categories_raw:
        raise LexiconError("categories must map each category name to its words")
    optional = {
        key: frozenset(_entries(document[key], key)) if document.get(key) else frozenset()
        for key in ("clause_initial_only", "stopwords", "abbreviations")
    }
    endings = _entries(document["stem_endings"], "stem_endings") if document.get("stem_endings") else []
    try:
        version = int(document.get("version", 1))
        stem_rounds = int(document.get("stem_rounds", 1))
        stem_min_length = int(document.get("stem_min_length", 4))
        key_term_min_length = int(document.get("key_term_min_length", 4))
    except (TypeError, ValueError) as error:
        raise LexiconError(f"version, stem_rounds and the lengths must be whole numbers: {error}") from error
    return Lexicon(
        language=str(language),
        version=version,
        pronouns=pronouns,
        clause_initial_only=optional["clause_initial_only"],
        categories=tuple(_category(str(name), raw) for name, raw in categories_raw.items()),
        stopwords=optional["stopwords"],
        abbreviations=optional["abbreviations"],
        stem_endings=tuple(sorted(endings, key=len, reverse=True)),
        stem_rounds=stem_rounds,
        stem_min_length=stem_min_length,
        key_term_min_length=key_term_min_length,
    )


class LexiconIndex:
    """Look-ups on a lexicon with a cache per word form (a speech repeats its words)."""

    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        self._categories: dict[str, tuple[str, ...]] = {}
        self._pronoun_of = {form: key for key, forms in lexicon.pronouns.items() for form in forms}

    def categories_of(self, word: str) -> tuple[str, ...]:
        """Names of the categories the normalised ``word`` belongs to (cached)."""
        found = self._categories.get(word)
        if found is None:
            found = tuple(category.name for category in self.lexicon.categories if category.matches(word))
            self._categories[word] = found
        return found

    def pronoun_of(self, word: str) -> str | None:
        """``i``, ``we``, ``you``, ``they`` or None for the normalised ``word``."""
        return self._pronoun_of.get(word)
