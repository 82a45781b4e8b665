from __future__ import annotations

import re
from importlib import resources
from typing import Any

import pytest

from qorgau.image.domain.errors import LexiconError
from qorgau.image.domain.lexicon import LexiconIndex, parse_lexicon
from qorgau.image.importers import lexicon_index, load_lexicon

LANGUAGES = ("ru", "kk", "en")


def readme_table() -> dict[str, dict[str, int | None]]:
    text = resources.files("qorgau.image.lexicons").joinpath("README.md").read_text(encoding="utf-8")
    rows: dict[str, dict[str, int | None]] = {}
    for line in text.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 4 and re.fullmatch(r"\d+|—", cells[1]):
            name = cells[0].strip("*")
            rows[name] = {
                lang: None if cell == "—" else int(cell)
                for lang, cell in zip(LANGUAGES, cells[1:], strict=True)
            }
    return rows


def test_every_shipped_lexicon_parses_with_the_same_core_categories() -> None:
    names = {lang: [c.name for c in load_lexicon(lang).categories] for lang in LANGUAGES}
    core = [name for name in names["ru"]]
    assert names["en"] == core
    assert [name for name in names["kk"] if name != "first_person_plural_endings"] == core


def test_readme_sizes_match_the_yaml_files() -> None:
    table = readme_table()
    for lang in LANGUAGES:
        lexicon = load_lexicon(lang)
        for category in lexicon.categories:
            assert table[category.name][lang] == category.size, (lang, category.name)
        assert table["all categories"][lang] == sum(c.size for c in lexicon.categories)
        assert table["pronoun forms (i, we, you, they)"][lang] == sum(
            len(v) for v in lexicon.pronouns.values()
        )
        assert table["stop words"][lang] == len(lexicon.stopwords)


@pytest.mark.parametrize(
    ("language", "word", "category", "expected"),
    [
        ("kk", "қауіпсіздігін", "anxiety", False),
        ("kk", "қауіпсіздігін", "security", True),
        ("kk", "қауіпті", "anxiety", True),
        ("kk", "орында", "achievement", False),  # locative "in the place"
        ("kk", "орындалды", "achievement", True),
        ("kk", "алаңда", "anxiety", True),
        ("kk", "алаңы", "anxiety", False),  # "its square"
        ("kk", "табысы", "economy", True),
        ("kk", "табысты", "achievement", True),
        ("kk", "еліміздің", "first_person_plural_endings", True),
        ("ru", "долг", "obligation", False),
        ("ru", "уверенность", "certainty", True),
        ("ru", "экономического", "economy", True),
        ("en", "have", "obligation", False),
        ("en", "securing", "security", True),
    ],
)
def test_stems_catch_their_words_and_not_the_look_alikes(
    language: str, word: str, category: str, expected: bool
) -> None:
    assert (category in lexicon_index(language).categories_of(word)) is expected


def test_ambiguous_russian_forms_are_not_counted_as_they() -> None:
    index = lexicon_index("ru")
    assert index.pronoun_of("им") is None and index.pronoun_of("ним") is None
    assert index.pronoun_of("они") == "they"


def minimal(**changes: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "language": "ru",
        "pronouns": {"i": ["я"], "we": ["мы"], "you": ["вы"], "they": ["они"]},
        "categories": {"certainty": {"group": "modality", "words": ["конечно", "уверен*", "*ённо"]}},
    }
    document.update(changes)
    return document


def test_entries_are_exact_forms_stems_or_endings_and_yo_reads_as_ye() -> None:
    index = LexiconIndex(parse_lexicon(minimal()))
    assert index.categories_of("конечно") == ("certainty",)
    assert index.categories_of("уверена") == ("certainty",)
    assert index.categories_of("определенно") == ("certainty",)  # *ённо normalised to *енно
    assert index.categories_of("конечный") == ()


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (minimal(language="de"), "language"),
        (minimal(pronouns={"i": ["я"]}), "i, we, you, they"),
        (minimal(pronouns={"i": ["я*"], "we": ["мы"], "you": ["вы"], "they": ["они"]}), "exact forms"),
        (minimal(categories={"c": {"words": ["да", "да"]}}), "listed twice"),
        (minimal(categories={"c": {"words": [True]}}), "quote yes/no"),
        (minimal(categories={"c": {"words": []}}), "non-empty list"),
        (minimal(categories={}), "categories"),
    ],
)
def test_malformed_lexicon_names_the_problem(document: dict[str, Any], message: str) -> None:
    with pytest.raises(LexiconError, match=message):
        parse_lexicon(document)


def test_key_term_stems_group_inflected_forms() -> None:
    russian = load_lexicon("ru")
    assert {russian.stem(w) for w in ("экономика", "экономики", "экономику", "экономикой")} == {"экономик"}
    kazakh = load_lexicon("kk")
    assert {kazakh.stem(w) for w in ("экономика", "экономикасы", "экономиканың")} == {"экономика"}
    assert load_lexicon("en").stem("nations") == load_lexicon("en").stem("nation")
