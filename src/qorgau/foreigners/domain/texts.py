"""Localized explanation templates (``rules/texts.yaml``) filled per language.

>>> texts = Texts({"greeting": LocalizedText("Привет, {who}", "Сәлем, {who}", "Hello, {who}")})
>>> texts.render("greeting", who=LocalizedText("мир", "әлем", "world")).en
'Hello, world'
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from qorgau.kernel.law import LawError, LocalizedText


@dataclass(frozen=True)
class Texts:
    """Named templates; a value filled into one may itself be a :class:`LocalizedText` (per language)."""

    templates: Mapping[str, LocalizedText]

    def __getitem__(self, key: str) -> LocalizedText:
        try:
            return self.templates[key]
        except KeyError:
            raise LawError(f"texts: no template {key!r}") from None

    def render(self, key: str, **values: Any) -> LocalizedText:
        """Template ``key`` with ``values``; dates become ISO strings, ``None`` becomes ``—``."""
        template = self[key]
        filled = {}
        for language in ("ru", "kk", "en"):
            plain = {name: _plain(value, language) for name, value in values.items()}
            filled[language] = template.get(language).format(**plain)
        return LocalizedText(ru=filled["ru"], kk=filled["kk"], en=filled["en"])


def _plain(value: Any, language: str) -> Any:
    if isinstance(value, LocalizedText):
        return value.get(language)
    if isinstance(value, date):
        return value.isoformat()
    if value is None:
        return "—"
    return value
