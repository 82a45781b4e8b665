"""Pure domain of the people registry: persons and transliteration-aware name search."""

from qorgau.kernel.people.domain.transliteration import (
    SCHEMES,
    TransliterationError,
    UnknownScheme,
    canonical_latin,
    detect_script,
    fold_latin,
    jaro_winkler,
    latin_variants,
    matches,
    name_key,
    name_query_key_sets,
    name_search_keys,
    name_similarity,
    name_tokens,
    transliterate,
)

__all__ = [
    "SCHEMES",
    "TransliterationError",
    "UnknownScheme",
    "canonical_latin",
    "detect_script",
    "fold_latin",
    "jaro_winkler",
    "latin_variants",
    "matches",
    "name_key",
    "name_query_key_sets",
    "name_search_keys",
    "name_similarity",
    "name_tokens",
    "transliterate",
]
