"""The dated rules the foreigners domain applies, gathered in one immutable value.

The domain functions take a :class:`Rulebook` (default: the one shipped in ``qorgau.foreigners.rules``,
see :func:`qorgau.foreigners.rules.default_rulebook`), so tests and other jurisdictions' data can
pass their own without touching files.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from qorgau.foreigners.domain.calendar import HolidayCalendar
from qorgau.foreigners.domain.errors import RulesUnavailableError
from qorgau.foreigners.domain.texts import Texts
from qorgau.kernel.law import LawError, LocalizedText, ParameterSet, ParameterValue


@dataclass(frozen=True)
class Rulebook:
    """Parameters (stay limits, registration, rights, participants), the holiday calendar,
    explanation texts and the ISO 3166-1 country list with names."""

    stay: ParameterSet
    registration: ParameterSet
    rights: ParameterSet
    participants: ParameterSet
    calendar: HolidayCalendar
    texts: Texts
    countries: Mapping[str, LocalizedText]

    def value(self, parameters: ParameterSet, name: str, on: date) -> ParameterValue:
        """The value of ``name`` in force on ``on``; :class:`RulesUnavailableError` when there is none."""
        try:
            return parameters.at(name, on)
        except LawError as exc:
            raise RulesUnavailableError(str(exc)) from exc
