"""Text basics for ru, kk and en: clean-up, sentences, words, syllables, and the language check.

* **Words** are runs of letters, joined across inner hyphens and apostrophes (``кое-что``,
  ``по-моему``, ``don't`` are one word). Numbers are not words: the readability formulas were
  calibrated on words, and a number read aloud has syllables no letter count shows.
* **Sentences** end at ``.``, ``!``, ``?``, ``…`` (with closing quotes or brackets) followed by a
  space and a word that does not start in lower case, and at blank lines. A period after an
  initial (``А. С. Пушкин``) or after an abbreviation that cannot end a sentence (``им.``, ``ул.``,
  ``Dr.``; the list comes with the language's lexicon) is not an end.
* **Syllables**: Russian — one per vowel letter (а е ё и о у ы э ю я), as Oborneva's formula
  assumes; Kazakh — one per vowel letter (а ә е ё и о ө ұ ү ы і э ю я), and ``у`` only where
  neither neighbour is a vowel (``су`` has one syllable, ``тау`` and ``уақыт`` keep ``у`` as the
  consonant [w]); English — groups of vowel letters, less a silent final ``e`` and an ``-es`` or
  ``-ed`` that adds no syllable (a heuristic: "being" gets 1, not 2).

>>> split_sentences("А. С. Пушкин родился в Москве. Это было давно! Правда?")
['А. С. Пушкин родился в Москве.', 'Это было давно!', 'Правда?']
>>> words("По-моему, в 2024 году всё шло хорошо.")
['По-моему', 'в', 'году', 'всё', 'шло', 'хорошо']
>>> [count_syllables(w, "kk") for w in ("тау", "су", "уақыт", "университет")]
[1, 1, 2, 5]
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from qorgau.image.domain.errors import BinaryTextError, EmptyTextError, WrongLanguageError

SPEECH_LANGUAGES = ("ru", "kk", "en")
LANGUAGE_NAMES = {"ru": "Russian", "kk": "Kazakh", "en": "English"}

WORD_PATTERN = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*")
_TERMINATOR = re.compile(r"[.!?…]+[\"'»”’)\]]*(?=\s|$)")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t\r\f\v]*\n")
_OPENING = "«\"'([„“‘"
_INVISIBLE = str.maketrans("", "", "\u00ad\u0301\u200b\ufeff")

RUSSIAN_VOWELS = "аеёиоуыэюя"
KAZAKH_VOWELS = "аәеёиоөұүыіэюя"  # у is handled apart: vowel or [w]
KAZAKH_ONLY_LETTERS = frozenset("әғқңөұүһі")
_DELETE_RUSSIAN_VOWELS = str.maketrans("", "", RUSSIAN_VOWELS)

# Function words used only to tell the languages apart (not the category lexicons).
LANGUAGE_FUNCTION_WORDS: dict[str, frozenset[str]] = {
    "ru": frozenset(
        [
            "и",
            "в",
            "во",
            "не",
            "на",
            "что",
            "с",
            "со",
            "по",
            "это",
            "как",
            "для",
            "мы",
            "он",
            "она",
            "они",
            "а",
            "но",
            "я",
            "к",
            "из",
            "у",
            "от",
            "о",
            "об",
            "за",
            "то",
            "так",
            "все",
            "же",
            "бы",
            "или",
            "был",
            "была",
            "было",
            "его",
            "её",
            "ее",
            "их",
            "уже",
            "если",
            "только",
            "при",
            "этом",
            "также",
        ]
    ),
    "kk": frozenset(
        [
            "және",
            "мен",
            "бен",
            "пен",
            "бұл",
            "үшін",
            "да",
            "де",
            "та",
            "те",
            "біз",
            "бойынша",
            "болып",
            "деп",
            "еді",
            "емес",
            "бар",
            "жоқ",
            "осы",
            "сол",
            "ол",
            "оның",
            "барлық",
            "өз",
            "дейін",
            "кейін",
            "арқылы",
            "туралы",
            "бірақ",
            "тек",
            "енді",
            "ғана",
            "керек",
            "біздің",
            "олар",
            "сондай",
            "қазір",
            "әрі",
            "немесе",
        ]
    ),
    "en": frozenset(
        [
            "the",
            "and",
            "of",
            "to",
            "a",
            "an",
            "in",
            "is",
            "are",
            "was",
            "were",
            "that",
            "it",
            "for",
            "we",
            "you",
            "on",
            "with",
            "as",
            "be",
            "this",
            "not",
            "our",
            "by",
            "at",
            "from",
            "have",
            "has",
            "will",
            "they",
            "their",
            "which",
        ]
    ),
}


def clean_text(text: str) -> str:
    """NFC-normalise and drop soft hyphens, stress marks, zero-width spaces and BOMs.

    Raises :class:`BinaryTextError` when the text holds NUL bytes or many control characters
    (more than 1 in 1,000): it is a binary file read as text.
    """
    if "\x00" in text:
        raise BinaryTextError("the file is binary (it contains NUL bytes), not a text")
    control = sum(1 for ch in text if unicodedata.category(ch) == "Cc" and ch not in "\t\n\r\f\v")
    if control and control * 1000 > len(text):
        raise BinaryTextError(f"the file is binary ({control} control characters), not a text")
    return unicodedata.normalize("NFC", text).translate(_INVISIBLE)


def normalise_word(word: str) -> str:
    """The form words are counted and matched in: lower case, ё as е, ’ as '."""
    return word.lower().replace("ё", "е").replace("’", "'")


def words(text: str) -> list[str]:
    """The words of ``text`` in their original spelling (see the module docstring)."""
    return WORD_PATTERN.findall(text)


def _is_abbreviation(chunk: str, previous: str, abbreviations: frozenset[str]) -> bool:
    """Whether the period after ``chunk`` belongs to an abbreviation or an initial."""
    bare = chunk.lstrip(_OPENING)
    if len(bare) == 1 and bare.isalpha() and bare.isupper():
        return True  # an initial: А. С. Пушкин, J. F. Kennedy
    if normalise_word(bare) in abbreviations:
        # "5 млн. Мы…": after a number the abbreviation closes the number and may end a sentence.
        return not previous[:1].isdigit()
    return False


def split_sentences(text: str, abbreviations: Iterable[str] = ()) -> list[str]:
    """Sentences of ``text`` (see the module docstring); ``abbreviations`` are lower case, no dot.

    Only pieces that hold at least one word are sentences, so a line of dashes is not one.
    """
    known = frozenset(normalise_word(item).rstrip(".") for item in abbreviations)
    sentences: list[str] = []
    for paragraph in _PARAGRAPH_BREAK.split(text):
        start = 0
        for match in _TERMINATOR.finditer(paragraph):
            rest = paragraph[match.end() :].lstrip()
            if rest and rest[0].islower():
                continue  # "т. е. всё", "и т. д. и" — the sentence goes on
            if match.group().startswith(".") and not match.group().startswith(".."):
                chunks = paragraph[start : match.start()].split()
                chunk = chunks[-1] if chunks else ""
                previous = chunks[-2] if len(chunks) > 1 else ""
                if chunk and _is_abbreviation(chunk, previous, known):
                    continue
            sentences.append(paragraph[start : match.end()].strip())
            start = match.end()
        sentences.append(paragraph[start:].strip())
    return [" ".join(sentence.split()) for sentence in sentences if WORD_PATTERN.search(sentence)]


def _english_syllables(word: str) -> int:
    word = word.replace("'", "")
    groups = len(re.findall(r"[aeiouy]+", word))
    if len(word) > 2 and word.endswith("e") and not word.endswith(("ee", "ye")):
        if not (word.endswith("le") and len(word) > 2 and word[-3] not in "aeiouy"):
            groups -= 1  # silent final e: make, time (but table, people keep it)
    elif len(word) > 3 and word.endswith("ed") and word[-3] not in "td" and word[-3] not in "aeiouy":
        groups -= 1  # jumped, called; wanted, needed keep it
    elif len(word) > 3 and word.endswith("es") and word[-3] not in "sxzhgc" and word[-3] not in "aeiouy":
        groups -= 1  # likes, makes; boxes, wishes, pages keep it
    return max(1, groups)


def _kazakh_syllables(word: str) -> int:
    count = 0
    for index, ch in enumerate(word):
        if ch in KAZAKH_VOWELS:
            count += 1
        elif ch == "у":
            before = word[index - 1] if index else ""
            after = word[index + 1] if index + 1 < len(word) else ""
            # у next to a vowel is the consonant [w] (тау, уақыт); elsewhere the vowel [uw] (су, оқу)
            if not (before and before in KAZAKH_VOWELS) and not (after and after in KAZAKH_VOWELS):
                count += 1
    return count


@lru_cache(maxsize=1 << 17)
def count_syllables(word: str, language: str) -> int:
    """Syllables in one word (normalised form, see :func:`normalise_word`).

    Russian and Kazakh words without a vowel (``в``, ``с``) have 0 syllables; English words at
    least 1.
    """
    if language == "ru":
        return len(word) - len(word.translate(_DELETE_RUSSIAN_VOWELS))
    if language == "kk":
        return _kazakh_syllables(word)
    if language == "en":
        return _english_syllables(word)
    raise ValueError(f"unknown language {language!r}")


@dataclass(frozen=True)
class LanguageGuess:
    """What a text looks like: its script shares and the language that fits it best."""

    language: str | None
    letters: int
    latin_share: float
    cyrillic_share: float
    kazakh_letter_share: float
    function_word_hits: dict[str, int]

    def describe(self) -> str:
        return (
            f"{self.latin_share:.0%} Latin letters, {self.cyrillic_share:.0%} Cyrillic, "
            f"{self.kazakh_letter_share:.1%} of the Cyrillic ones Kazakh-only (әғқңөұүһі)"
        )


def guess_language(text: str) -> LanguageGuess:
    """Guess ru, kk or en from the script and from common function words.

    Cyrillic text with at least 2 % Kazakh-only letters, or with more Kazakh than Russian function
    words (at least 3), is Kazakh; other Cyrillic text is Russian. Latin text is English only when
    English function words make at least 5 % of its words (French or Kazakh Latin is not). None
    when the text is too short (fewer than 20 letters) or its script is mixed or unknown.
    """
    latin = cyrillic = kazakh_only = letters = 0
    for ch in text:
        if not ch.isalpha():
            continue
        letters += 1
        low = ch.lower()
        if "a" <= low <= "z":
            latin += 1
        elif "\u0400" <= low <= "\u04ff":
            cyrillic += 1
            if low in KAZAKH_ONLY_LETTERS:
                kazakh_only += 1
    tokens = [normalise_word(word) for word in words(text)]
    hits = {
        lang: sum(1 for token in tokens if token in vocabulary)
        for lang, vocabulary in LANGUAGE_FUNCTION_WORDS.items()
    }
    latin_share = latin / letters if letters else 0.0
    cyrillic_share = cyrillic / letters if letters else 0.0
    kazakh_share = kazakh_only / cyrillic if cyrillic else 0.0
    language: str | None = None
    if letters >= 20:
        if cyrillic_share >= 0.6:
            kazakh = kazakh_share >= 0.02 or (hits["kk"] >= 3 and hits["kk"] > hits["ru"])
            language = "kk" if kazakh else "ru"
        elif latin_share >= 0.6:
            language = "en" if tokens and hits["en"] >= 0.05 * len(tokens) else "other-latin"
    return LanguageGuess(
        language=language,
        letters=letters,
        latin_share=latin_share,
        cyrillic_share=cyrillic_share,
        kazakh_letter_share=kazakh_share,
        function_word_hits=hits,
    )


def check_language(text: str, expected: str) -> LanguageGuess:
    """Raise :class:`WrongLanguageError` unless ``text`` is in ``expected`` (ru, kk or en).

    Texts too short to tell (under 20 letters) pass. Raises :class:`EmptyTextError` for a text
    without letters and ValueError for an unknown language code.
    """
    if expected not in SPEECH_LANGUAGES:
        raise ValueError(f"unknown language {expected!r}: use ru, kk or en")
    guess = guess_language(text)
    if guess.letters == 0:
        raise EmptyTextError("the text has no words")
    if guess.letters < 20 or guess.language == expected:
        return guess
    if guess.language is None:
        detected, what = "mixed", "mixed-script"
    elif guess.language == "other-latin":
        detected, what = "other-latin", "a Latin-script language other than English"
    else:
        detected, what = guess.language, f"{LANGUAGE_NAMES[guess.language]} ({guess.language})"
    raise WrongLanguageError(
        f"the text looks {what}, not {LANGUAGE_NAMES[expected]} ({expected}) as asked: {guess.describe()}",
        expected=expected,
        detected=detected,
    )
