"""Every UI string is translated into Russian and Kazakh; dates and numbers follow the language."""

from __future__ import annotations

import datetime as dt

import pytest

from qorgau.kernel import i18n
from qorgau.kernel.i18n.extract import messages, missing


def test_extraction_finds_the_shell_strings() -> None:
    found = {text for text, _file, _line in messages()}
    assert {"Sign in", "People", "Purpose of access"} <= found


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_every_ui_string_is_translated(language: str) -> None:
    untranslated = missing(language)
    assert not untranslated, "\n".join(f"{f}:{line}: {text}" for text, f, line in untranslated[:30])


def test_placeholders_survive_translation() -> None:
    for language in ("ru", "kk"):
        with i18n.language(language):
            assert "%(name)s" in i18n.gettext("Welcome, %(name)s")


def test_dates_and_numbers_are_localised() -> None:
    moment = dt.datetime(2026, 11, 25, 7, 0, tzinfo=dt.UTC)
    with i18n.language("kk"):
        assert "қар" in i18n.format_datetime(moment)
        assert "12:00" in i18n.format_datetime(moment)  # shown in Asia/Almaty (UTC+5)
    with i18n.language("en"):
        assert i18n.format_number(1234567.891, 2) == "1,234,567.89"
    with i18n.language("ru"):
        assert i18n.format_number(1234567.891, 2) == "1\xa0234\xa0567,89"


def test_accept_language_negotiation_prefers_the_highest_quality_supported() -> None:
    assert i18n.negotiate("de-DE,kk;q=0.8,ru;q=0.5") == "kk"
    assert i18n.negotiate("fr") == "ru"
    assert i18n.negotiate(None, "en") == "en"
