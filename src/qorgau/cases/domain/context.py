"""What every eligibility rule reads: the facts, the offences with their categories, the law, the date.

Also the small helpers that name offences and persons in the three languages of the reasons.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from qorgau.cases.domain.categories import (
    CATEGORY_TITLES,
    CategoryThresholds,
    OffenceCategory,
    Sanction,
    derive_category,
)
from qorgau.cases.domain.errors import InvalidCaseInput
from qorgau.cases.domain.facts import CaseFacts, Offence, Person
from qorgau.cases.domain.law import CasesLaw
from qorgau.kernel.law import LawError, LocalizedText, Reason

NONE_LISTED = LocalizedText("—", "—", "—")
MISDEMEANOURS_SINCE = date(2015, 1, 1)


@dataclass(frozen=True)
class ClassifiedOffence:
    """An offence with its category, where the category came from and the reason that says so."""

    offence: Offence
    category: OffenceCategory
    source: Literal["given", "derived"]
    reason: Reason

    def label(self) -> LocalizedText:
        """The offence and its category: ``ст. 188 ч. 1 УК (преступление небольшой тяжести)``."""
        article, title = self.offence.label(), CATEGORY_TITLES[self.category]
        return LocalizedText(
            f"{article.ru} ({title.ru})", f"{article.kk} ({title.kk})", f"{article.en} ({title.en})"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "article": self.offence.article,
            "part": self.offence.part,
            "category": self.category.value,
            "category_source": self.source,
            "reasons": [self.reason.to_dict()],
        }


def classify_offence(offence: Offence, index: int, on: date, law: CasesLaw) -> ClassifiedOffence:
    """The category of ``offence``: as given, or derived from its sanction by the Code in force when
    it was committed (``committed_on``, else the assessment date ``on``)."""
    committed = offence.committed_on or on
    where = f"offences[{index}]"
    try:
        thresholds_version = law.parameter("crime_category_thresholds", committed)
    except LawError:
        raise InvalidCaseInput(
            f"{where}.committed_on", f"no Criminal Code version is encoded for {committed.isoformat()}"
        ) from None
    thresholds = CategoryThresholds.from_value(thresholds_version.value)
    if offence.category is not None:
        if offence.category is OffenceCategory.MISDEMEANOUR and not thresholds.misdemeanours:
            raise InvalidCaseInput(
                f"{where}.category",
                f"criminal misdemeanours exist only since {MISDEMEANOURS_SINCE.isoformat()} "
                f"(offence committed on {committed.isoformat()})",
            )
        reason = law.reason(
            "offence_category_given",
            committed,
            True,
            offence=offence.label(),
            category=CATEGORY_TITLES[offence.category],
        )
        return ClassifiedOffence(offence, offence.category, "given", reason)
    assert offence.sanction is not None  # the parser demands a category or a sanction
    category = derive_category(offence.sanction, thresholds)
    sanction = offence.sanction
    reason = law.reason(
        "offence_category_derived",
        committed,
        True,
        offence=offence.label(),
        category=CATEGORY_TITLES[category],
        intent=INTENT_TITLES[sanction.intent.value],
        penalty=penalty_label(sanction),
    )
    return ClassifiedOffence(offence, category, "derived", reason)


INTENT_TITLES = {
    "intentional": LocalizedText("умышленное", "қасақана", "intentional"),
    "negligent": LocalizedText("неосторожное", "абайсызда жасалған", "negligent"),
}


def penalty_label(sanction: Sanction) -> LocalizedText:
    """The strictest penalty of a sanction, as far as the category depends on it."""
    if sanction.life_imprisonment:
        return LocalizedText(
            "пожизненное лишение свободы или смертная казнь",
            "өмір бойына бас бостандығынан айыру немесе өлім жазасы",
            "life imprisonment or the death penalty",
        )
    years = sanction.max_imprisonment_years
    if years > 0:
        shown = format(years.normalize(), "f")
        return LocalizedText(
            f"до {shown} лет лишения свободы",
            f"{shown} жылға дейін бас бостандығынан айыру",
            f"up to {shown} years' imprisonment",
        )
    if sanction.restriction_of_liberty:
        return LocalizedText(
            "без лишения свободы, с ограничением свободы",
            "бас бостандығынан айырусыз, бас бостандығын шектеумен",
            "no imprisonment, restriction of liberty",
        )
    return LocalizedText("без лишения свободы", "бас бостандығынан айырусыз", "no imprisonment")


@dataclass(frozen=True)
class CaseContext:
    """The facts of one assessment with the law and date it is made under."""

    facts: CaseFacts
    offences: tuple[ClassifiedOffence, ...]
    law: CasesLaw

    @property
    def on(self) -> date:
        return self.facts.date

    @property
    def prosecuted(self) -> tuple[Person, ...]:
        return self.facts.prosecuted

    def reason(
        self, rule: str, met: bool, *, variant: str | None = None, **values: LocalizedText | str
    ) -> Reason:
        return self.law.reason(rule, self.on, met, variant=variant, **values)

    def category_rule(
        self, rule: str, *, set_aside: Iterable[OffenceCategory] = (), key: str = "categories"
    ) -> Reason:
        """Every offence is in the categories the provision lists (offences of ``set_aside``
        categories are judged by another rule and not counted here)."""
        allowed = {OffenceCategory(value) for value in self.law.provision_data(rule, self.on, key)}
        skipped = set(set_aside)
        judged = [o for o in self.offences if o.category not in skipped]
        outside = [o for o in judged if o.category not in allowed]
        return self.reason(
            rule,
            not outside,
            offences=offences_label(outside or judged),
            categories=categories_label(allowed),
        )

    def every_prosecuted(
        self, rule: str, fails: Callable[[Person], bool], *, offences: LocalizedText = NONE_LISTED
    ) -> Reason:
        """Met when no suspect or accused ``fails``; the ``no_suspect`` variant when none is named.

        The text names the failing persons (or, when met, all of them) and ``offences`` if given.
        """
        if not self.prosecuted:
            return self.reason(rule, False, variant="no_suspect", offences=offences)
        failing = [person for person in self.prosecuted if fails(person)]
        persons = persons_label(failing or self.prosecuted)
        return self.reason(rule, not failing, persons=persons, offences=offences)


def offences_label(offences: Sequence[ClassifiedOffence]) -> LocalizedText:
    return _join([offence.label() for offence in offences])


def persons_label(persons: Sequence[Person]) -> LocalizedText:
    """``№ 1, № 3`` / ``#1, #3``: persons by their position in the input."""
    if not persons:
        return NONE_LISTED
    ru = ", ".join(f"№ {person.number}" for person in persons)
    return LocalizedText(ru, ru, ", ".join(f"#{person.number}" for person in persons))


def categories_label(categories: Iterable[OffenceCategory]) -> LocalizedText:
    ordered = [category for category in OffenceCategory if category in set(categories)]
    return _join([CATEGORY_TITLES[category] for category in ordered])


def _join(texts: Sequence[LocalizedText]) -> LocalizedText:
    if not texts:
        return NONE_LISTED
    return LocalizedText(
        "; ".join(text.ru for text in texts),
        "; ".join(text.kk for text in texts),
        "; ".join(text.en for text in texts),
    )
