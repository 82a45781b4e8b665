"""Transliteration-aware name search: transliteration, Latin variants, canonical form, phonetic keys (pure).

The registry stores a name in its original script and in Latin, and must find it from any spelling
a person, an officer or a foreign passport uses: Олександр, Oleksandr (Ukrainian national
transliteration), Aleksandr (Russian), Alexander (English); Григорій, Hryhorii, Grigorii, Grigoriy;
Қайрат, Kairat, Qairat. Three layers do it:

1. :func:`latin_variants` — every plausible Latin spelling of a Cyrillic name (one per scheme of
   :func:`transliterate`, below; together they carry the Ukrainian and the Russian readings of the
   ambiguous letters г, и, е), or the folded form (:func:`fold_latin`) of a Latin name.
2. :func:`canonical_latin` — one deterministic form (ICAO 9303, lowercased, folded), the form the
   protection module re-transliterates every registration into before comparing them.
3. :func:`name_key` — a coarse phonetic skeleton on which the spellings above collide, so that an
   index lookup finds them; :func:`name_similarity` then ranks the hits.

Searching: a stored person is indexed under :func:`name_search_keys` of its stored names (every
token, every variant); a query matches (:func:`matches`) when each of its tokens has a key among
them, whatever the order of surname, given name and patronymic.

The same functions serve the protection module's duplicate detection: re-transliterate each
registration with :func:`canonical_latin`, keep :func:`latin_variants` as the variant array, block
on :func:`name_key` and score pairs with :func:`name_similarity`.

Schemes (``scheme`` argument of :func:`transliterate`; all names in :data:`SCHEMES`):

``uk_national_2010``
    Ukrainian national transliteration, Cabinet of Ministers of Ukraine Resolution No. 55 of
    27 January 2010 "On the regulation of transliteration of the Ukrainian alphabet by means of the
    Latin alphabet": Г→h, Ґ→g, зг→zgh, Є/Ї/Й/Ю/Я → ye/yi/y/yu/ya at the start of a word and
    ie/i/i/iu/ia elsewhere, soft sign and apostrophe not rendered. Letters outside the Ukrainian
    alphabet (ё ъ ы э and the Kazakh letters) are not in the resolution; they get the values of the
    other tables below (project choice). Table written from the resolution's published table,
    checked against secondary copies, not the official gazette (``verified: false``).
``icao_9303``
    ICAO Doc 9303 "Machine Readable Travel Documents", Part 3, transliteration of Cyrillic
    characters (the table Russian, Ukrainian and Kazakh passports follow): Г→g, Х→kh, Ц→ts,
    Щ→shch, Ю→iu, Я→ia, Й→i, Ы→y, Ё→e, Ъ→ie, Є→ie, Ї→i, Ь not rendered. И→i (the table's general
    value; the Ukrainian exception И→y is the separate scheme ``icao_9303_uk``). The Kazakh letters
    are not in the ICAO table; they get their plain Latin letters (ә→a, ғ→g, қ→k, ң→n, ө→o, ұ→u,
    ү→u, һ→h, і→i) as Kazakhstan's documents render them (project choice). Checked against the
    table as reproduced by Russian regulations (FMS order No. 26 of 3 Feb 2010, readmission travel
    document order), not against the ICAO PDF (``verified: false``).
``icao_9303_uk``
    ICAO Doc 9303 with its Ukrainian exception И→y.
``ru_common``
    The Russian spelling people write and older passports used (modelled on the "simple
    substitution by English letters" of Russian passports before 16 March 2010): Александр →
    Aleksandr, Андрей → Andrey, Юрий → Yuriy, Фёдор → Fyodor, Евгений → Yevgeniy, Васильев →
    Vasilyev; Й→y, Ю→yu, Я→ya, Х→kh, Ц→ts, Щ→shch, Ж→zh; Е→ye and Ё→yo at the start of a word and
    after a vowel or a hard/soft sign. Not a standard: a description of practice.
``kk_latin_2021``
    The Kazakh Latin alphabet in the version the Government of Kazakhstan presented on
    28 January 2021: ә→ä, ғ→ğ, ж→j, и/й→i (capital İ), і→ı (capital I), қ→q, ң→ñ, ө→ö, у→u, ұ→ū,
    ү→ü, ш→ş, ы→y, х/һ→h. Letters the alphabet leaves out (ё ц ч щ ъ ь э ю я) get io, ts, ch, ş,
    -, -, e, iu, ia (project choice). Checked against secondary sources (Wikipedia, the
    qazlatyn-db table), ``verified: false``. Output is not ASCII.
``kk_plain``
    The same Kazakh Latin typed on a plain keyboard, the "plain Kazakh fallback": diacritics
    dropped (ä→a, ğ→g, ñ→n, ö→o, ū/ü→u, ı→i), ş→sh, and ж written zh as Kazakh passports do
    (Қайрат → Qairat, Жандос → Zhandos).

Every scheme keeps the case of its input (Юлія → Yuliia, ЮЛІЯ → YULIIA), leaves non-Cyrillic
characters as they are, and drops apostrophes (in Ukrainian the apostrophe is part of the word and
not rendered; in the Latin output it would only split names). Cyrillic letters the tables do not
know are reduced to their base letter when they have one (ӣ → и) and dropped otherwise, so
``icao_9303``, ``icao_9303_uk``, ``uk_national_2010``, ``ru_common`` and ``kk_plain`` turn any
Cyrillic text into ASCII.

The key folding classes (what :func:`name_key` treats as one sound, and why):

============================  ======  ==========================================================
letters (after folding)       symbol  why
============================  ======  ==========================================================
a e i o u y j (inside)        —       vowels differ between languages and schemes (Oleksandr /
                                      Aleksandr / Alexander, Dmytro / Dmitriy, и = y or i, Я = ya,
                                      ia or ja); they are dropped, but they still separate
                                      doubled letters (Nana ≠ Nan).
initial a, o, e, ye, ie, je   A       a word-initial vowel is kept as a class, so that a name does
                                      not collide with its own consonants (Ivan ≠ Van); О/А
                                      (Олександр/Александр, Олена/Елена) and Е/Є (Evgeniy /
                                      Yevhen / Ievgen) are one class
initial i, y + consonant      I       И, І (Ivan, Yvan, Iryna); kept apart from A so that Igor ≠
                                      Egor, Inna ≠ Anna, Ilya ≠ Alla
initial u                     U       У (Ulyana ≠ Alina)
initial yu, iu, ju, ya, ia,   Y       the iotated start of Ю, Я, Ё (Yulia, Iuliia, Julia)
ja, yo, io, jo
final -a                      A       feminine forms stay apart (Ivanov ≠ Ivanova, Aleksandr ≠
                                      Aleksandra) while ia/ya/ja endings agree (Yuliia, Yulia)
g, h, kh, gh                  G       Ukrainian Г is h, Russian Г is g, Х is kh or h, Kazakh ғ is
                                      gh or ğ (Hryhorii / Grigorii, Olha / Olga, Mykhailo / Mihail)
k, q, ck, c before a, o, u,   K       Kazakh қ is k or q (Kairat / Qairat); Victor / Viktor,
l, r, k or at the end                 Carl / Karl, Clara / Klara
x                             KS      Alexander / Aleksandr
ts, tz, tc, c before e/i/y    C       Ц is ts (ICAO), tc (Russian passports 2010–2014), tz or c
or another consonant                  (German, Polish, Czech, Serbian: Cvetkov, Cybulski)
ch, tch, tsch, cz (č ć ç),    Q       Ч in English, French, German, Polish, Czech spelling; a
final -ic                             final -ic is Serbian/Croatian -ić written without accents
sh, sch, sz, shch, szcz,      X       Ш and Щ: English, German, Polish spellings; Щ and Ш are
schtsch (š ş)                         merged because people write Щ as sh, sch or shh
zh (ž ż)                      J       Ж (Zhanna, Żanna)
v, w, f, ph                   V       German and Polish write в as w (Iwanow); final -в is written
                                      -ff (Smirnoff)
th                            T       English/German spelling of т
doubled symbols               once    Anna / Ana, Savva / Sava, Illia / Ilya
============================  ======  ==========================================================

Other consonants stand for themselves (B D L M N P R S T Z). Letters of other scripts are kept
as they are, so a name stored in Arabic script is still found from the same Arabic spelling.

Known limits: Kazakh Latin 2021 j (= ж: Jandos) reads as the y-glide in a Latin-only query (the
Cyrillic side of a stored name does carry the j spelling, so Жандос is still found from Jandos);
German ch for х (Michail) reads as ч; translations of a name (Mary / Maria, Hanna / Anna) are not
spellings and do not collide. Keys are coarse on purpose: some different names share one (Alina /
Alyona / Elena, Alla / Aliya); :func:`name_similarity` ranks such hits below the exact spelling.

Errors: :class:`TransliterationError` (a ``ValueError``) is the base; :class:`UnknownScheme` is
raised for a scheme name not in :data:`SCHEMES`. Nothing else is raised for any Unicode input.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

UK_NATIONAL_2010 = "uk_national_2010"
ICAO_9303 = "icao_9303"
ICAO_9303_UK = "icao_9303_uk"
RU_COMMON = "ru_common"
KK_LATIN_2021 = "kk_latin_2021"
KK_PLAIN = "kk_plain"

SCHEMES: tuple[str, ...] = (ICAO_9303, UK_NATIONAL_2010, ICAO_9303_UK, RU_COMMON, KK_LATIN_2021, KK_PLAIN)
"""Every scheme :func:`transliterate` knows; the first one (ICAO 9303) is the canonical scheme."""

CANONICAL_SCHEME = ICAO_9303
"""The scheme of :func:`canonical_latin`: what passports print, so most stored Latin names agree."""

ASCII_SCHEMES: tuple[str, ...] = (ICAO_9303, UK_NATIONAL_2010, ICAO_9303_UK, RU_COMMON, KK_PLAIN)
"""Schemes whose output for Cyrillic text is always ASCII."""

SCRIPTS = ("cyrillic", "latin", "mixed", "other")

APOSTROPHES = frozenset("'\u2019\u02bc`\u00b4\u02b9\u2018\u2032")
"""Apostrophe look-alikes found in names (Ukrainian м'ята, O'Neil): never a letter, never a split."""

HYPHENS = frozenset("-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe63\uff0d")
"""Hyphens and dashes that join the parts of a double name (Петров-Водкин)."""


class TransliterationError(ValueError):
    """Base of this module's errors."""


class UnknownScheme(TransliterationError):
    """``scheme`` names no transliteration scheme; ``scheme`` is the name given."""

    def __init__(self, scheme: str) -> None:
        super().__init__(f"unknown transliteration scheme {scheme!r}; known: {', '.join(SCHEMES)}")
        self.scheme = scheme


# --- letter tables (lowercase Cyrillic → lowercase Latin) ---------------------------------------

# Letters whose value is the same in every ASCII scheme below.
_COMMON_LETTERS: dict[str, str] = {
    "а": "a",
    "б": "b",
    "в": "v",
    "д": "d",
    "ж": "zh",
    "з": "z",
    "к": "k",
    "л": "l",
    "м": "m",
    "н": "n",
    "о": "o",
    "п": "p",
    "р": "r",
    "с": "s",
    "т": "t",
    "у": "u",
    "ф": "f",
    "х": "kh",
    "ц": "ts",
    "ч": "ch",
    "ш": "sh",
    "щ": "shch",
    "ы": "y",
    "ь": "",
    "э": "e",
}

# The nine Kazakh letters outside the Russian alphabet, by their plain Latin letters.
_KAZAKH_PLAIN_LETTERS: dict[str, str] = {
    "ә": "a",
    "ғ": "g",
    "қ": "k",
    "ң": "n",
    "ө": "o",
    "ұ": "u",
    "ү": "u",
    "һ": "h",
    "і": "i",
}

# Letters of other Cyrillic alphabets, with the values of the ICAO 9303 table (Belarusian, Serbian,
# Macedonian) and of the pre-1918 Russian orthography; a name in any of them still gets a Latin form.
# ICAO's table prints Һ→C next to the Serbian letters; that is Serbian Ћ, so Һ keeps the Kazakh h.
_OTHER_CYRILLIC_LETTERS: dict[str, str] = {
    "ў": "u",
    "ѓ": "g",
    "ђ": "d",
    "ѕ": "dz",
    "ј": "j",
    "ќ": "k",
    "љ": "lj",
    "њ": "nj",
    "ћ": "c",
    "џ": "dz",
    "ѫ": "u",
    "ѵ": "y",
    "ѣ": "e",
    "ѳ": "f",
}

_ICAO_LETTERS: dict[str, str] = {
    **_OTHER_CYRILLIC_LETTERS,
    **_KAZAKH_PLAIN_LETTERS,
    **_COMMON_LETTERS,
    "г": "g",
    "ґ": "g",
    "е": "e",
    "ё": "e",
    "є": "ie",
    "и": "i",
    "і": "i",
    "ї": "i",
    "й": "i",
    "ъ": "ie",
    "ю": "iu",
    "я": "ia",
}

_ICAO_UK_LETTERS: dict[str, str] = {**_ICAO_LETTERS, "и": "y"}

_UK_NATIONAL_LETTERS: dict[str, str] = {
    **_OTHER_CYRILLIC_LETTERS,
    **_KAZAKH_PLAIN_LETTERS,
    **_COMMON_LETTERS,
    "г": "h",
    "ґ": "g",
    "е": "e",
    "є": "ie",
    "и": "y",
    "і": "i",
    "ї": "i",
    "й": "i",
    "ю": "iu",
    "я": "ia",
    # Outside the Ukrainian alphabet, by analogy with є/ю/я (project choice):
    "ё": "io",
    "ъ": "",
}
_UK_NATIONAL_WORD_INITIAL: dict[str, str] = {"є": "ye", "ї": "yi", "й": "y", "ю": "yu", "я": "ya", "ё": "yo"}

_RU_COMMON_LETTERS: dict[str, str] = {
    **_OTHER_CYRILLIC_LETTERS,
    **_KAZAKH_PLAIN_LETTERS,
    **_COMMON_LETTERS,
    "г": "g",
    "ґ": "g",
    "е": "e",
    "ё": "yo",
    "є": "ye",
    "и": "i",
    "і": "i",
    "ї": "yi",
    "й": "y",
    "ъ": "",
    "ю": "yu",
    "я": "ya",
}
# Е and Ё sound with a leading y at the start of a word and after a vowel or a sign, and people
# write that y (Yevgeniy, Sergeyev, Vasilyev).
_RU_COMMON_AFTER_VOWEL: dict[str, str] = {"е": "ye", "ё": "yo"}

_KK_LATIN_2021_LETTERS: dict[str, str] = {
    **_OTHER_CYRILLIC_LETTERS,
    "а": "a",
    "ә": "ä",
    "б": "b",
    "в": "v",
    "г": "g",
    "ғ": "ğ",
    "д": "d",
    "е": "e",
    "ж": "j",
    "з": "z",
    "и": "i",
    "й": "i",
    "к": "k",
    "қ": "q",
    "л": "l",
    "м": "m",
    "н": "n",
    "ң": "ñ",
    "о": "o",
    "ө": "ö",
    "п": "p",
    "р": "r",
    "с": "s",
    "т": "t",
    "у": "u",
    "ұ": "ū",
    "ү": "ü",
    "ф": "f",
    "х": "h",
    "һ": "h",
    "ш": "ş",
    "ы": "y",
    "і": "ı",
    # Not letters of the 2021 alphabet; written as Kazakh spelling of loanwords does (project choice):
    "ё": "io",
    "ц": "ts",
    "ч": "ch",
    "щ": "ş",
    "ъ": "",
    "ь": "",
    "э": "e",
    "ю": "iu",
    "я": "ia",
    # Ukrainian letters, for a Ukrainian name met in a Kazakh register:
    "є": "ie",
    "ї": "i",
    "ґ": "g",
}

_KK_PLAIN_LETTERS: dict[str, str] = {
    **{
        letter: value.translate(str.maketrans("äğñöūü", "agnouu"))
        for letter, value in _KK_LATIN_2021_LETTERS.items()
    },
    "ж": "zh",
    "ш": "sh",
    "щ": "shch",
    "і": "i",
}

_VOWELS_CYRILLIC = frozenset("аеёиоуыэюяіїєәөұү")
_SIBILANTS_CYRILLIC = frozenset("жчшщ")


def _uk_national_context(previous: str, letter: str, following: str) -> str | None:
    # Resolution No. 55: "зг" is written "zgh" so that it is not read as "zh" (Згорани → Zghorany).
    if letter == "г" and previous == "з":
        return "gh"
    return None


def _ru_common_context(previous: str, letter: str, following: str) -> str | None:
    if letter == "ё" and previous in _SIBILANTS_CYRILLIC:
        return "e"  # Горбачёв → Gorbachev, as the name is known
    if letter in _RU_COMMON_AFTER_VOWEL and (previous in _VOWELS_CYRILLIC or previous in "ъь"):
        return _RU_COMMON_AFTER_VOWEL[letter]
    if letter == "ь" and following == "и":
        return "y"  # Ильич → Ilyich
    return None


@dataclass(frozen=True)
class _Scheme:
    name: str
    letters: Mapping[str, str]
    word_initial: Mapping[str, str] = field(default_factory=dict)
    context: Callable[[str, str, str], str | None] | None = None
    dotted_capital_i: bool = False  # Kazakh Latin: и → i/İ, і → ı/I


_SCHEME_TABLES: dict[str, _Scheme] = {
    ICAO_9303: _Scheme(ICAO_9303, _ICAO_LETTERS),
    ICAO_9303_UK: _Scheme(ICAO_9303_UK, _ICAO_UK_LETTERS),
    UK_NATIONAL_2010: _Scheme(
        UK_NATIONAL_2010, _UK_NATIONAL_LETTERS, _UK_NATIONAL_WORD_INITIAL, _uk_national_context
    ),
    RU_COMMON: _Scheme(RU_COMMON, _RU_COMMON_LETTERS, {**_RU_COMMON_AFTER_VOWEL}, _ru_common_context),
    KK_LATIN_2021: _Scheme(KK_LATIN_2021, _KK_LATIN_2021_LETTERS, dotted_capital_i=True),
    KK_PLAIN: _Scheme(KK_PLAIN, _KK_PLAIN_LETTERS),
}

_CYRILLIC_RANGES = (
    (0x0400, 0x052F),  # Cyrillic, Cyrillic Supplement
    (0x1C80, 0x1C8F),  # Cyrillic Extended-C
    (0x2DE0, 0x2DFF),  # Cyrillic Extended-A (combining)
    (0xA640, 0xA69F),  # Cyrillic Extended-B
    (0x1E030, 0x1E08F),  # Cyrillic Extended-D
)


def is_cyrillic(character: str) -> bool:
    """Whether one character lies in a Unicode Cyrillic block."""
    code = ord(character)
    return any(low <= code <= high for low, high in _CYRILLIC_RANGES)


def has_cyrillic(text: str) -> bool:
    """Whether any character of ``text`` is Cyrillic."""
    return any(is_cyrillic(character) for character in text)


def transliterate(text: str, scheme: str) -> str:
    """Write the Cyrillic letters of ``text`` in Latin by ``scheme`` (one of :data:`SCHEMES`).

    Case is kept (a capital letter gives a capitalised or, inside an all-capital word, an all-capital
    value), non-Cyrillic characters pass unchanged, apostrophes are dropped. Raises
    :class:`UnknownScheme` for an unknown scheme, nothing else.

    >>> transliterate("Олександр Григорій", "uk_national_2010")
    'Oleksandr Hryhorii'
    >>> transliterate("Юлія Згурська", "uk_national_2010")
    'Yuliia Zghurska'
    >>> transliterate("ЩЕРБАК Юрий", "icao_9303")
    'SHCHERBAK Iurii'
    >>> transliterate("Андрей Фёдорович", "ru_common")
    'Andrey Fyodorovich'
    >>> transliterate("Қайрат Әлиұлы", "kk_latin_2021")
    'Qairat Äliūly'
    """
    try:
        table = _SCHEME_TABLES[scheme]
    except (KeyError, TypeError):
        raise UnknownScheme(str(scheme)) from None
    text = unicodedata.normalize("NFC", text)
    pieces: list[str] = []
    last = len(text) - 1
    for index, character in enumerate(text):
        if character in APOSTROPHES:
            continue
        if not is_cyrillic(character):
            pieces.append(character)
            continue
        lower = character.lower()
        previous_character = text[index - 1] if index > 0 else ""
        following_character = text[index + 1] if index < last else ""
        value = _letter_value(table, lower, previous_character, following_character)
        if value is None:
            base = unicodedata.normalize("NFD", lower)[:1]
            # A Cyrillic mark, or a letter with no Latin value in any table, is dropped.
            value = table.letters[base] if base != lower and base in table.letters else ""
        if value and character != lower:
            value = _capitalised(value, previous_character, following_character, table.dotted_capital_i)
        pieces.append(value)
    return "".join(pieces)


def _letter_value(
    table: _Scheme, letter: str, previous_character: str, following_character: str
) -> str | None:
    if letter not in table.letters:
        return None
    previous = previous_character.lower()
    if table.context is not None:
        contextual = table.context(previous, letter, following_character.lower())
        if contextual is not None:
            return contextual
    if letter in table.word_initial and not (
        previous_character.isalpha() or previous_character in APOSTROPHES
    ):
        return table.word_initial[letter]
    return table.letters[letter]


def _capitalised(
    value: str, previous_character: str, following_character: str, dotted_capital_i: bool
) -> str:
    # A capital inside an all-capital word (ЩЕРБАК) gives SHCH, otherwise Shch. The neighbour that
    # decides is the next letter, or the previous one at the end of a word.
    neighbour = following_character if following_character.isalpha() else previous_character
    all_capitals = neighbour.isalpha() and neighbour.isupper()
    if dotted_capital_i:
        # Kazakh Latin pairs i with İ and ı with I; str.upper() would merge them.
        value = value.replace("i", "İ") if all_capitals else ("İ" + value[1:] if value[0] == "i" else value)
    return value.upper() if all_capitals else value[:1].upper() + value[1:]


# --- script detection ------------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def _script_of_letter(character: str) -> str:
    if is_cyrillic(character):
        return "cyrillic"
    if character.isascii() or unicodedata.name(character, "").startswith("LATIN"):
        return "latin"
    return "other"


def detect_script(text: str) -> str:
    """The script of the letters of ``text``: "cyrillic", "latin", "mixed" or "other".

    Only letters count (spaces, digits, hyphens and apostrophes do not). "mixed" means letters of
    more than one script (Cyrillic with Latin, or either with a third script); "other" means no
    letters at all, or letters of one script that is neither Cyrillic nor Latin.

    >>> detect_script("Қайрат"), detect_script("Müller"), detect_script("Ivаn"), detect_script("42")
    ('cyrillic', 'latin', 'mixed', 'other')
    """
    seen: set[str] = set()
    for character in text:
        if character.isalpha() and character not in APOSTROPHES:
            seen.add(_script_of_letter(character))
            if len(seen) > 1:
                return "mixed"
    return seen.pop() if seen else "other"


# --- folding of Latin ------------------------------------------------------------------------------

# Latin letters that Unicode decomposition does not reduce, or reduces to the wrong sound for a name
# that came from Cyrillic: the caron and cedilla letters of Czech, Slovak, Croatian, Lithuanian,
# Turkish, Romanian and of Kazakh Latin (2021) stand for ш, ч, ж, so they fold to sh, ch, zh
# (Ševčenko = Shevchenko = Шевченко); Polish ż is ж and ć is ч (Petrović = Петрович).
_SPECIAL_FOLDS: dict[str, str] = {
    "š": "sh",
    "ş": "sh",
    "ș": "sh",
    "č": "ch",
    "ç": "ch",
    "ć": "ch",
    "ž": "zh",
    "ż": "zh",
    "ß": "ss",
    "æ": "ae",
    "œ": "oe",
    "ø": "o",
    "ł": "l",
    "đ": "d",
    "ð": "d",
    "þ": "th",
    "ħ": "h",
    "ı": "i",
    "ŋ": "ng",
    "ĸ": "q",
}


@lru_cache(maxsize=8192)
def _fold_character(character: str) -> str:
    if character in APOSTROPHES:
        return ""
    if character in HYPHENS:
        return "-"
    if character.isspace():
        return " "
    lower = character.lower()
    if lower in _SPECIAL_FOLDS:
        return _SPECIAL_FOLDS[lower]
    if character.isascii():
        return lower if character.isalpha() else " "
    if unicodedata.category(character).startswith("M"):
        return ""  # a combining accent left over: it belongs to the letter before it
    if not character.isalpha():
        return " "  # digits, punctuation and symbols separate names
    kept = [
        _SPECIAL_FOLDS.get(part, part)
        for part in unicodedata.normalize("NFKD", lower).lower()
        if part.isalpha() and part not in APOSTROPHES
    ]
    return "".join(kept)


def normalise_separators(text: str) -> str:
    """Join words by one space, or by one hyphen where a hyphen stood between them; trim the ends.

    >>> normalise_separators("  Anna -- Maria   Petrova- ")
    'Anna-Maria Petrova'
    """
    pieces: list[str] = []
    space_pending = hyphen_pending = False
    for character in text:
        if character == "-":
            hyphen_pending = True
        elif character.isspace():
            space_pending = True
        else:
            if pieces and (hyphen_pending or space_pending):
                pieces.append("-" if hyphen_pending else " ")
            space_pending = hyphen_pending = False
            pieces.append(character)
    return "".join(pieces)


def fold_latin(text: str) -> str:
    """Lowercase ``text`` and fold its Latin letters to plain ASCII, keeping the word structure.

    Diacritics go (ä→a, ñ→n, ū→u, ı→i, ğ→g); letters that stand for Cyrillic ш ч ж fold to sh ch zh
    (š ş ș → sh, č ç ć → ch, ž ż → zh); ß → ss, ł → l, ø → o, æ → ae. Apostrophes and combining
    marks are dropped, dashes become one hyphen, any other non-letter becomes a space, spaces are
    collapsed. Letters of other scripts are kept, lowercased and without accents. Cyrillic is not
    transliterated here: call :func:`transliterate` first.

    >>> fold_latin("  Şyñğys   QAIRATULY-Müller, O’Neil ")
    'shyngys qairatuly-muller oneil'
    """
    return normalise_separators("".join(_fold_character(character) for character in text))


# --- variants and canonical form -----------------------------------------------------------------


def latin_variants(name: str) -> set[str]:
    """Every plausible Latin spelling of ``name``, lowercased and folded (see :func:`fold_latin`).

    A name with Cyrillic letters gives one spelling per scheme of :data:`SCHEMES` (ICAO 9303 with
    and without its Ukrainian exception, Ukrainian national 2010, common Russian, Kazakh Latin 2021
    folded, plain Kazakh); Latin letters in it pass through. A Latin name gives its folded self.
    Empty spellings are left out, so a name without letters gives an empty set.

    >>> sorted(latin_variants("Григорій"))
    ['grigorii', 'grigoriy', 'grygorii', 'hryhorii']
    >>> sorted(latin_variants("Қайрат"))
    ['kairat', 'kayrat', 'qairat']
    >>> latin_variants("  Müller ")
    {'muller'}
    """
    text = unicodedata.normalize("NFKC", name)
    if not has_cyrillic(text):
        variants = {fold_latin(text)}
    else:
        variants = {fold_latin(transliterate(text, scheme)) for scheme in SCHEMES}
    variants.discard("")
    return variants


def canonical_latin(name: str) -> str:
    """The one canonical Latin form of ``name``: ICAO 9303, lowercased, folded, spaces normalised.

    Deterministic and idempotent (``canonical_latin(canonical_latin(x)) == canonical_latin(x)``);
    hyphens inside double names are kept, apostrophes dropped. ICAO 9303 is chosen because it is
    the spelling of Russian, Ukrainian-passport ICAO fields and Kazakh documents, so a stored Latin
    name usually equals it already.

    >>> canonical_latin("  ОЛЕКСАНДР   Петров-Водкін ")
    'oleksandr petrov-vodkin'
    >>> canonical_latin("Ševčenko, Łucja")
    'shevchenko lucja'
    """
    text = unicodedata.normalize("NFKC", name)
    return fold_latin(transliterate(text, CANONICAL_SCHEME))


# --- tokens --------------------------------------------------------------------------------------


def name_tokens(name: str) -> list[str]:
    """The words of ``name`` in their original script: split on spaces, hyphens and punctuation.

    Apostrophes and combining accents stay inside a word (Мар'яна, O'Neil).

    >>> name_tokens("Петров-Водкин,  Кузьма Мар'янович")
    ['Петров', 'Водкин', 'Кузьма', "Мар'янович"]
    """
    text = unicodedata.normalize("NFKC", name)
    tokens: list[str] = []
    current: list[str] = []
    for character in text:
        if character.isalpha() or character in APOSTROPHES or unicodedata.category(character).startswith("M"):
            current.append(character)
        elif current:
            tokens.append("".join(current))
            current = []
    if current:
        tokens.append("".join(current))
    return tokens


@lru_cache(maxsize=65536)
def _token_variants(token: str) -> frozenset[str]:
    return frozenset(latin_variants(token))


@lru_cache(maxsize=65536)
def _token_keys(token: str) -> frozenset[str]:
    return frozenset(_skeleton(variant) for variant in _token_variants(token))


# --- the phonetic key ----------------------------------------------------------------------------

_VOWEL_LETTERS = frozenset("aeiouyj")
_GLIDE_LETTERS = frozenset("yji")
_BACK_VOWELS = frozenset("aou")
_SOFTENING_VOWELS = frozenset("eiy")

# Letter sequences → key symbols, tried longest first at each position (grouped by first letter so
# that the scan looks at only a few candidates per character).
_SEQUENCES: dict[str, tuple[tuple[str, str], ...]] = {
    "s": (
        ("schtsch", "X"),
        ("shtsch", "X"),
        ("shch", "X"),
        ("szcz", "X"),
        ("sch", "X"),
        ("sh", "X"),
        ("sz", "X"),
        ("s", "S"),
    ),
    "t": (("tsch", "Q"), ("tch", "Q"), ("ts", "C"), ("tz", "C"), ("tc", "C"), ("th", "T"), ("t", "T")),
    "c": (("ch", "Q"), ("cz", "Q"), ("ck", "K")),
    "z": (("zh", "J"), ("z", "Z")),
    "k": (("kh", "G"), ("k", "K")),
    "g": (("gh", "G"), ("g", "G")),
    "h": (("h", "G"),),
    "q": (("q", "K"),),
    "x": (("x", "KS"),),
    "p": (("ph", "V"), ("p", "P")),
    "f": (("f", "V"),),
    "v": (("v", "V"),),
    "w": (("w", "V"),),
    "b": (("b", "B"),),
    "d": (("d", "D"),),
    "l": (("l", "L"),),
    "m": (("m", "M"),),
    "n": (("n", "N"),),
    "r": (("r", "R"),),
}


def _initial_vowel_symbol(word: str) -> str:
    first, second = word[0], word[1:2]
    if first in _GLIDE_LETTERS and second and second in _BACK_VOWELS:
        return "Y"  # Ю, Я, Ё: yu, iu, ju, ya, ia, ja
    if first in _GLIDE_LETTERS and second == "e":
        return "A"  # Е, Є: ye, ie, je are e
    if first in "aoe":
        return "A"
    if first == "u":
        return "U"
    return "I"  # i, y before a consonant (Иван in Ukrainian spelling is Yvan), yi, j


def _c_symbol(word: str, position: int) -> str:
    # A bare c is k in English and German spelling (Victor, Carl) but ц in Polish, Czech and Serbian
    # (Cvetkov, Cybulski) and ć at the end of Serbian and Croatian names written without accents
    # (Petrovic = Petrović = Петрович).
    following = word[position + 1] if position + 1 < len(word) else ""
    if following in _SOFTENING_VOWELS:
        return "C"
    if not following:
        return "Q" if position > 0 and word[position - 1] == "i" else "K"
    if following in _VOWEL_LETTERS or following in "lrk":
        return "K"
    return "C"


@lru_cache(maxsize=65536)
def _skeleton(word: str) -> str:
    """The key of one folded word (lowercase, no spaces); see the table in the module docstring."""
    word = word.replace("-", "")
    if not word:
        return ""
    symbols: list[str] = []
    if word[0] in _VOWEL_LETTERS:
        symbols.append(_initial_vowel_symbol(word))
    has_consonant = False
    last = symbols[0] if symbols else ""
    position = 0
    length = len(word)
    while position < length:
        letter = word[position]
        if letter in _VOWEL_LETTERS:
            last = ""  # a vowel separates two equal consonants: they are not a doubled letter
            position += 1
            continue
        produced = ""
        consumed = 1
        for sequence, symbol in _SEQUENCES.get(letter, ()):
            if word.startswith(sequence, position):
                produced, consumed = symbol, len(sequence)
                break
        else:
            # A letter of another script stands for itself.
            produced = _c_symbol(word, position) if letter == "c" else letter.upper()
        for symbol in produced:
            if symbol != last:
                symbols.append(symbol)
                last = symbol
        has_consonant = True
        position += consumed
    if has_consonant and word[-1] == "a":
        symbols.append("A")
    return "".join(symbols)


def name_key(name: str) -> str:
    """The phonetic skeleton key of ``name``: one key per word of its canonical form, space-joined.

    Spellings of one name in different schemes and languages give the same key; different names
    mostly do not (the folding classes and their reasons are in the module docstring).
    ``name_key(x) == name_key(canonical_latin(x))`` for every ``x``.

    >>> {name_key(n) for n in ("Олександр", "Александр", "Oleksandr", "Aleksandr", "Alexander")}
    {'ALKSNDR'}
    >>> {name_key(n) for n in ("Григорій", "Григорий", "Hryhorii", "Grigorii", "Gryhorii", "Grigoriy")}
    {'GRGR'}
    >>> name_key("Щербак Юлія"), name_key("Szczerbak Julia")
    ('XRBK YLA', 'XRBK YLA')
    """
    return " ".join(_skeleton(word) for word in canonical_latin(name).replace("-", " ").split())


def token_keys(token: str) -> frozenset[str]:
    """The keys of every Latin variant of one word (see :func:`latin_variants`)."""
    return _token_keys(token)


def name_search_keys(full_name: str) -> set[str]:
    """The index keys of a stored name: the keys of every variant of every word of ``full_name``.

    Index a person under the union of this set over their stored names (original script and
    Latin); a query matches when each of its words has a key in it (:func:`matches`).

    >>> sorted(name_search_keys("Шевченко Тарас Григорович"))
    ['GRGRVQ', 'TRS', 'XVQNK']
    """
    keys: set[str] = set()
    for token in name_tokens(full_name):
        keys |= _token_keys(token)
    return keys


def name_query_key_sets(query: str) -> list[frozenset[str]]:
    """For each word of ``query``, the set of keys any one of which satisfies that word.

    A store can turn this into one ``key IN (...)`` condition per word.
    """
    return [keys for keys in (_token_keys(token) for token in name_tokens(query)) if keys]


def matches(query: str, stored_names: Iterable[str]) -> bool:
    """Whether every word of ``query`` matches, by key, some word of one of ``stored_names``.

    ``stored_names`` are the stored forms of one person (say the Cyrillic name and its Latin
    name); words match in any order. A query without letters matches nothing.

    >>> matches("hryhorii shevchenko", ["Шевченко Григорій Іванович", "Shevchenko Hryhorii"])
    True
    >>> matches("Олена", ["Oleksandr Shevchenko"])
    False
    """
    wanted = name_query_key_sets(query)
    if not wanted:
        return False
    if isinstance(stored_names, str):
        stored_names = (stored_names,)
    available: set[str] = set()
    for stored in stored_names:
        available |= name_search_keys(stored)
    return all(not keys.isdisjoint(available) for keys in wanted)


# --- similarity ----------------------------------------------------------------------------------


def jaro_winkler(first: str, second: str) -> float:
    """Jaro–Winkler similarity of two strings, in [0, 1] (prefix scale 0.1, up to 4 letters).

    Symmetric by construction (the pair is ordered before comparing). Two empty strings are 1.0,
    one empty string against a non-empty one 0.0.

    >>> round(jaro_winkler("martha", "marhta"), 4)
    0.9611
    """
    if first > second:
        first, second = second, first
    if first == second:
        return 1.0
    if not first or not second:
        return 0.0
    first_length, second_length = len(first), len(second)
    window = max(max(first_length, second_length) // 2 - 1, 0)
    first_matched = [False] * first_length
    second_matched = [False] * second_length
    matched = 0
    for index, character in enumerate(first):
        for other in range(max(0, index - window), min(second_length, index + window + 1)):
            if not second_matched[other] and second[other] == character:
                first_matched[index] = second_matched[other] = True
                matched += 1
                break
    if matched == 0:
        return 0.0
    half_transpositions = 0
    other = 0
    for index in range(first_length):
        if first_matched[index]:
            while not second_matched[other]:
                other += 1
            if first[index] != second[other]:
                half_transpositions += 1
            other += 1
    jaro = (
        matched / first_length + matched / second_length + (matched - half_transpositions / 2) / matched
    ) / 3
    prefix = 0
    for left, right in zip(first[:4], second[:4], strict=False):
        if left != right:
            break
        prefix += 1
    return min(1.0, max(0.0, jaro + prefix * 0.1 * (1.0 - jaro)))


def _word_similarity(first: frozenset[str], second: frozenset[str]) -> float:
    return max(jaro_winkler(left, right) for left in first for right in second)


def name_similarity(first: str, second: str) -> float:
    """How alike two names are, in [0, 1], across scripts and spellings; symmetric.

    Each word is compared with each word of the other name by the best Jaro–Winkler similarity over
    their Latin variants; every word then takes its best partner, and the result is the mean over
    the words of both names (so word order does not matter, and a missing word lowers the score).
    A name without letters has nothing to compare and gives 0.0.

    >>> name_similarity("Шевченко Олександр", "Oleksandr Shevchenko")
    1.0
    >>> name_similarity("Иван", "Пётр") < 0.5
    True
    """
    first_words = [variants for variants in map(_token_variants, name_tokens(first)) if variants]
    second_words = [variants for variants in map(_token_variants, name_tokens(second)) if variants]
    if not first_words or not second_words:
        return 0.0
    scores = [[_word_similarity(left, right) for right in second_words] for left in first_words]
    best_for_first = sum(max(row) for row in scores)
    best_for_second = sum(max(column) for column in zip(*scores, strict=True))
    return min(1.0, (best_for_first + best_for_second) / (len(first_words) + len(second_words)))
