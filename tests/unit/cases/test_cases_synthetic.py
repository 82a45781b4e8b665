"""The benchmarks' synthetic registers and materials: reproducible, valid, and in both languages."""

from __future__ import annotations

import itertools

from qorgau.cases.domain.erdr import ErdrNumber
from qorgau.cases.domain.search import normalise_text
from qorgau.cases.synthetic import (
    CASE_COLUMNS,
    MaterialGenerator,
    agreement_rows,
    case_row,
    copy_text,
    generate_cases,
    vocabulary,
)


def test_the_vocabulary_comes_from_the_projects_own_russian_and_kazakh_texts() -> None:
    words = vocabulary()
    assert len(words["ru"]) > 500 and len(words["kk"]) > 500
    kazakh_letters = set("әғқңөұүһі")
    assert any(set(word) & kazakh_letters for word in words["kk"])
    assert all(word == word.lower() and len(word) >= 3 for word in words["ru"])


def test_materials_are_reproducible_from_the_seed_and_mix_the_languages() -> None:
    first = [MaterialGenerator(3).material() for _ in range(1)]
    again = [MaterialGenerator(3).material() for _ in range(1)]
    assert first == again
    generator = MaterialGenerator(4)
    materials = [generator.material() for _ in range(400)]
    languages = [language for _title, _text, language in materials]
    assert 0.15 < languages.count("kk") / len(languages) < 0.45
    assert all(12 <= len(normalise_text(text).split()) <= 80 for _title, text, _language in materials)


def test_common_words_are_far_more_frequent_than_rare_ones() -> None:
    generator = MaterialGenerator(5)
    ranked = generator.ranked("ru")
    drawn = generator.words("ru", 50_000)
    assert drawn.count(ranked[0]) > 20 * max(1, drawn.count(ranked[-1]))


def test_synthetic_cases_carry_valid_unique_erdr_numbers_and_agreements() -> None:
    cases = list(generate_cases(3_000, seed=2))
    numbers = [case.number.digits for case in cases]
    assert len(set(numbers)) == len(numbers)
    assert all(ErdrNumber.parse(number) == case.number for number, case in zip(numbers, cases, strict=True))
    rows = list(agreement_rows(cases))
    assert rows and len({row[0] for row in rows}) == len(rows)
    assert {case.form for case in cases} >= {"investigation", "accelerated", None}
    lines = copy_text(case_row(case) for case in itertools.islice(cases, 5)).splitlines()
    assert all(len(line.split("\t")) == len(CASE_COLUMNS.split(", ")) for line in lines)
