"""The law the ``cases`` rules apply: dated provisions (texts + citations) and dated parameters.

Both come from YAML in :mod:`qorgau.cases.rules` and are handed to the rules as a
:class:`CasesLaw`, so the rules stay pure functions of facts and law.

A *provision* is a kernel :class:`~qorgau.kernel.law.Parameter` whose value maps a *variant*
(``met``, ``not_met`` or a rule-specific one such as ``no_suspect``) to a text in ru/kk/en with
``{placeholders}``; its citation is the citation of the reason. A *parameter* is a plain dated
value (a threshold, a time limit, a list of categories).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from qorgau.kernel.law import Citation, LawError, LocalizedText, ParameterSet, ParameterValue, Reason
from qorgau.kernel.law.model import LANGUAGES

TextValue = LocalizedText | str


def fill(template: LocalizedText, values: Mapping[str, TextValue]) -> LocalizedText:
    """Fill ``{placeholders}`` language by language: a :class:`LocalizedText` value gives each
    language its own word, a plain string is the same in all three."""
    texts = {}
    for language in LANGUAGES:
        per_language = {
            key: value.get(language) if isinstance(value, LocalizedText) else value
            for key, value in values.items()
        }
        try:
            texts[language] = template.get(language).format(**per_language)
        except (KeyError, IndexError) as exc:
            raise LawError(f"text {template.get(language)!r} needs a value for {exc}") from None
    return LocalizedText(**texts)


@dataclass(frozen=True)
class CasesLaw:
    """Provisions and parameters of the ``cases`` module, selected by date."""

    provisions: ParameterSet
    parameters: ParameterSet

    def in_force(self, rule: str, on: date) -> bool:
        """True when ``rule`` has a text in force on ``on``."""
        values = self.provisions[rule].values
        return bool(values) and values[0].effective_from <= on

    def first_citation(self, rule: str) -> Citation:
        """The citation of the earliest version of ``rule`` (the act that introduced it)."""
        return self.provisions[rule].values[0].citation

    def reason(
        self, rule: str, on: date, met: bool, *, variant: str | None = None, **values: TextValue
    ) -> Reason:
        """The reason for ``rule`` on ``on``: its citation and the ``variant`` text (default
        ``met``/``not_met``) filled with ``values``."""
        version = self.provisions.at(rule, on)
        return Reason(
            rule=rule,
            supports=met,
            citation=version.citation,
            text=self._text(rule, version, variant or ("met" if met else "not_met"), values),
        )

    def not_in_force_reason(self, rule: str, on: date) -> Reason:
        """An obstacle: ``rule`` (and the institution it belongs to) did not exist yet on ``on``."""
        first = self.provisions[rule].values[0]
        values = {"since": first.effective_from.isoformat(), "date": on.isoformat()}
        return Reason(
            rule=f"{rule}_in_force",
            supports=False,
            citation=first.citation,
            text=self._text(rule, first, "not_in_force", values),
        )

    def provision_data(self, rule: str, on: date, key: str) -> Any:
        """A datum stored beside the texts of ``rule`` (e.g. the ``categories`` a form covers)."""
        version = self.provisions.at(rule, on)
        if not isinstance(version.value, Mapping) or key not in version.value:
            raise LawError(f"provision {rule!r} has no {key!r} on {version.effective_from.isoformat()}")
        return version.value[key]

    def parameter(self, name: str, on: date) -> ParameterValue:
        return self.parameters.at(name, on)

    def value(self, name: str, on: date) -> object:
        return self.parameters.value(name, on)

    @staticmethod
    def _text(
        rule: str, version: ParameterValue, variant: str, values: Mapping[str, TextValue]
    ) -> LocalizedText:
        texts = version.value
        if not isinstance(texts, Mapping) or variant not in texts:
            raise LawError(
                f"provision {rule!r} has no {variant!r} text on {version.effective_from.isoformat()}"
            )
        template = LocalizedText.from_mapping(texts[variant], where=f"{rule}.{variant}")
        return fill(template, values)
