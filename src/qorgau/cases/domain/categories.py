"""Categories of criminal offences and their derivation from the sanction of an article.

The 2014 Criminal Code (No. 226-V) knows criminal misdemeanours (*уголовные проступки*, art. 10
part 2: no imprisonment; fine, correctional labour, community service, arrest or expulsion) and
crimes of minor, medium gravity, grave and especially grave (art. 11). The repealed 1997 Code
(art. 10) had no misdemeanours. The thresholds, in years of imprisonment, are the dated parameter
``crime_category_thresholds``: the category of an offence follows the Code in force when it was
committed.

Derivation, for a sanction with at most ``years`` of imprisonment:

- life imprisonment or the death penalty in the sanction → especially grave;
- no imprisonment: misdemeanour where the Code has misdemeanours and the sanction has no
  restriction of liberty; otherwise a crime of minor gravity;
- intentional: ≤ ``intentional.minor`` minor, ≤ ``intentional.medium`` medium, ≤ ``intentional.grave``
  grave, above that especially grave;
- negligent: ≤ ``negligent.minor`` minor, above that medium (a negligent crime is never grave).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from qorgau.kernel.law import LawError, LocalizedText


class OffenceCategory(StrEnum):
    """The five categories, from the lightest."""

    MISDEMEANOUR = "misdemeanour"
    MINOR = "minor"
    MEDIUM = "medium"
    GRAVE = "grave"
    ESPECIALLY_GRAVE = "especially_grave"


CATEGORY_TITLES: dict[OffenceCategory, LocalizedText] = {
    OffenceCategory.MISDEMEANOUR: LocalizedText(
        "уголовный проступок", "қылмыстық теріс қылық", "criminal misdemeanour"
    ),
    OffenceCategory.MINOR: LocalizedText(
        "преступление небольшой тяжести", "онша ауыр емес қылмыс", "crime of minor gravity"
    ),
    OffenceCategory.MEDIUM: LocalizedText(
        "преступление средней тяжести", "ауырлығы орташа қылмыс", "crime of medium gravity"
    ),
    OffenceCategory.GRAVE: LocalizedText("тяжкое преступление", "ауыр қылмыс", "grave crime"),
    OffenceCategory.ESPECIALLY_GRAVE: LocalizedText(
        "особо тяжкое преступление", "аса ауыр қылмыс", "especially grave crime"
    ),
}


class Intent(StrEnum):
    """The form of guilt the article requires."""

    INTENTIONAL = "intentional"
    NEGLIGENT = "negligent"


@dataclass(frozen=True)
class Sanction:
    """What the article's sanction allows at most, as far as the category depends on it.

    ``max_imprisonment_years`` is 0 when the sanction has no imprisonment.
    """

    intent: Intent
    max_imprisonment_years: Decimal
    life_imprisonment: bool = False
    restriction_of_liberty: bool = False


@dataclass(frozen=True)
class CategoryThresholds:
    """The thresholds of one version of the Criminal Code, in years of imprisonment."""

    misdemeanours: bool
    intentional_minor: Decimal
    intentional_medium: Decimal
    intentional_grave: Decimal
    negligent_minor: Decimal

    @classmethod
    def from_value(cls, value: Any) -> CategoryThresholds:
        """Read the ``crime_category_thresholds`` parameter value."""
        try:
            intentional: Mapping[str, Any] = value["intentional"]
            negligent: Mapping[str, Any] = value["negligent"]
            return cls(
                misdemeanours=bool(value["misdemeanours"]),
                intentional_minor=Decimal(str(intentional["minor"])),
                intentional_medium=Decimal(str(intentional["medium"])),
                intentional_grave=Decimal(str(intentional["grave"])),
                negligent_minor=Decimal(str(negligent["minor"])),
            )
        except (KeyError, TypeError, ArithmeticError) as exc:
            raise LawError(f"crime_category_thresholds: malformed value ({exc})") from None


def derive_category(sanction: Sanction, thresholds: CategoryThresholds) -> OffenceCategory:
    """The category of an offence with ``sanction`` under ``thresholds`` (see the module docstring).

    >>> code_2014 = CategoryThresholds(True, Decimal(2), Decimal(5), Decimal(12), Decimal(5))
    >>> derive_category(Sanction(Intent.INTENTIONAL, Decimal(5)), code_2014)
    <OffenceCategory.MEDIUM: 'medium'>
    >>> derive_category(Sanction(Intent.INTENTIONAL, Decimal(0)), code_2014)
    <OffenceCategory.MISDEMEANOUR: 'misdemeanour'>
    """
    years = sanction.max_imprisonment_years
    if sanction.life_imprisonment:
        return OffenceCategory.ESPECIALLY_GRAVE
    if years <= 0:
        if thresholds.misdemeanours and not sanction.restriction_of_liberty:
            return OffenceCategory.MISDEMEANOUR
        return OffenceCategory.MINOR
    if sanction.intent is Intent.NEGLIGENT:
        return OffenceCategory.MINOR if years <= thresholds.negligent_minor else OffenceCategory.MEDIUM
    if years <= thresholds.intentional_minor:
        return OffenceCategory.MINOR
    if years <= thresholds.intentional_medium:
        return OffenceCategory.MEDIUM
    if years <= thresholds.intentional_grave:
        return OffenceCategory.GRAVE
    return OffenceCategory.ESPECIALLY_GRAVE
