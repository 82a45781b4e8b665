"""Translations for ru, kk and en, and localised dates and numbers.

Message ids are English; each package may ship ``locales/<lang>/LC_MESSAGES/*.po`` catalogs
(Babel/gettext format), all of which are merged per language at start-up. The current language
lives in a context variable set per request (or per command), so templates and code call
``gettext`` without passing it around.
"""

from __future__ import annotations

import datetime as dt
import gettext as gettext_module
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date as babel_format_date
from babel.dates import format_datetime as babel_format_datetime
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

LANGUAGES: tuple[str, ...] = ("ru", "kk", "en")
LANGUAGE_NAMES = {"ru": "Русский", "kk": "Қазақша", "en": "English"}
PACKAGE_ROOT = Path(__file__).resolve().parents[2]

_current_language: ContextVar[str] = ContextVar("qorgau_language", default="ru")


@dataclass
class Catalog:
    """Merged messages of one language; plural forms evaluated with the catalog's rule."""

    language: str
    messages: dict[str, str | tuple[str, ...]] = field(default_factory=dict)
    plural: Any = None

    def gettext(self, message: str) -> str:
        value = self.messages.get(message)
        if isinstance(value, str) and value:
            return value
        return message

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        value = self.messages.get(singular)
        if isinstance(value, tuple) and self.plural is not None:
            index = self.plural(n)
            if 0 <= index < len(value) and value[index]:
                return value[index]
        return singular if n == 1 else plural


def catalog_files(language: str) -> list[Path]:
    return sorted(PACKAGE_ROOT.glob(f"**/locales/{language}/LC_MESSAGES/*.po"))


@cache
def catalog(language: str) -> Catalog:
    merged = Catalog(language)
    for path in catalog_files(language):
        with path.open("rb") as handle:
            po = read_po(handle, locale=language)
        if merged.plural is None and po.plural_expr:
            merged.plural = gettext_module.c2py(po.plural_expr)
        for message in po:
            if not message.id or message.fuzzy:
                continue
            key = message.id[0] if isinstance(message.id, tuple | list) else message.id
            value = tuple(message.string) if isinstance(message.string, tuple | list) else message.string
            if value:
                merged.messages[key] = value
    return merged


def current_language() -> str:
    return _current_language.get()


def set_language(language: str) -> None:
    _current_language.set(language if language in LANGUAGES else "ru")


@contextmanager
def language(code: str) -> Iterator[None]:
    token = _current_language.set(code if code in LANGUAGES else "ru")
    try:
        yield
    finally:
        _current_language.reset(token)


def gettext(message: str) -> str:
    return catalog(current_language()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return catalog(current_language()).ngettext(singular, plural, n)


_ = gettext


def negotiate(accept_language: str | None, default: str = "ru") -> str:
    """The best of ru/kk/en for an ``Accept-Language`` header."""
    if not accept_language:
        return default
    weighted: list[tuple[float, str]] = []
    for part in accept_language.split(","):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        weighted.append((quality, tag.strip().lower().split("-")[0]))
    for _quality, tag in sorted(weighted, key=lambda item: -item[0]):
        if tag in LANGUAGES:
            return tag
    return default


def format_datetime(value: dt.datetime | None, timezone: str = "Asia/Almaty", form: str = "medium") -> str:
    """A datetime in the current language, shown in ``timezone`` (storage is UTC)."""
    if value is None:
        return "—"
    return babel_format_datetime(
        value, form, tzinfo=ZoneInfo(timezone), locale=Locale.parse(current_language())
    )


def format_date(value: dt.date | None, form: str = "medium") -> str:
    if value is None:
        return "—"
    return babel_format_date(value, form, locale=Locale.parse(current_language()))


def format_number(value: float | int | None, digits: int | None = None) -> str:
    if value is None:
        return "—"
    pattern = None if digits is None else "#,##0." + "0" * digits if digits else "#,##0"
    return format_decimal(value, format=pattern, locale=Locale.parse(current_language()))
