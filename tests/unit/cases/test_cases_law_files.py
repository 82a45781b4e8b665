"""The law data of ``cases`` is complete: three languages, citations with sources, placeholders filled."""

from __future__ import annotations

import re
import string
from collections.abc import Mapping

import qorgau.cases
from qorgau.cases.domain.law import CasesLaw
from qorgau.cases.rules import load_law
from qorgau.kernel.law import LocalizedText

PLACEHOLDERS = {"offences", "persons", "categories", "immunity", "purpose", "offence", "category", "intent"}
PLACEHOLDERS |= {"penalty", "since", "date"}
_CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)
_KAZAKH_LETTERS = re.compile(r"[әғқңөұүһі]", re.IGNORECASE)


def law() -> CasesLaw:
    return load_law()


def test_every_provision_text_exists_in_russian_kazakh_and_english() -> None:
    for name, provision in law().provisions.parameters.items():
        for version in provision.values:
            texts = {key: value for key, value in version.value.items() if key != "categories"}
            assert "met" in texts or "mandatory" in texts, name
            for variant, text in texts.items():
                localized = LocalizedText.from_mapping(text, where=f"{name}.{variant}")
                assert _CYRILLIC.search(localized.ru) and _CYRILLIC.search(localized.kk), f"{name}.{variant}"
                assert not _CYRILLIC.search(localized.en), f"{name}.{variant}: English text has Cyrillic"


def test_kazakh_texts_are_kazakh_not_copies_of_the_russian() -> None:
    for name, provision in law().provisions.parameters.items():
        for version in provision.values:
            for variant, text in version.value.items():
                if variant == "categories":
                    continue
                assert text["kk"] != text["ru"], f"{name}.{variant}"
                assert _KAZAKH_LETTERS.search(text["kk"]), f"{name}.{variant}: no Kazakh letters"


def test_placeholders_are_the_ones_the_rules_fill() -> None:
    for name, provision in law().provisions.parameters.items():
        for version in provision.values:
            for variant, text in version.value.items():
                if variant == "categories":
                    continue
                for language in ("ru", "kk", "en"):
                    used = {field for _, field, _, _ in string.Formatter().parse(text[language]) if field}
                    assert used <= PLACEHOLDERS, f"{name}.{variant}.{language}: {used - PLACEHOLDERS}"


def test_every_citation_names_its_source_and_unverified_ones_say_why() -> None:
    sets = (law().provisions.parameters, law().parameters.parameters)
    for parameters in sets:
        for name, parameter in parameters.items():
            for version in parameter.values:
                citation = version.citation
                assert citation.source, name
                assert citation.version_date is not None, name
                if not citation.verified:
                    assert citation.note or "seed" in citation.source, f"{name}: unverified without a note"


def test_seed_rules_are_marked_unverified_and_cite_the_seed() -> None:
    seed_rules = [
        "accelerated_no_especially_grave",
        "accelerated_minor_defends_himself",
        "accelerated_language_of_proceedings",
        "accelerated_no_immunity",
        "accelerated_suspects_admit_guilt",
    ]
    for rule in seed_rules:
        citation = law().provisions[rule].values[-1].citation
        assert citation.verified is False and "seed" in (citation.source or ""), rule


def test_scope_categories_are_known_categories() -> None:
    known = {category.value for category in qorgau.cases.OffenceCategory}
    for name, provision in law().provisions.parameters.items():
        for version in provision.values:
            if isinstance(version.value, Mapping) and "categories" in version.value:
                assert set(version.value["categories"]) <= known, name


def test_public_surface_is_explicit_and_importable() -> None:
    for name in qorgau.cases.__all__:
        assert hasattr(qorgau.cases, name), name
    assert sorted(qorgau.cases.__all__) == qorgau.cases.__all__
