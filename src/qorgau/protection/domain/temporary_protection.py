"""When temporary protection ends, as things stood on a given day — end dates as dated data.

Council Directive 2001/55/EC, art. 4(1): temporary protection lasts one year and, unless ended
under art. 6(1)(b), is extended automatically by six-month periods for at most one year;
art. 4(2): the Council may extend it by up to one more year. The plain reading caps it at three
years, yet the Council has extended the Ukraine activation (Implementing Decision (EU) 2022/382)
year after year, so the end is not computed from a cap: each activation lists the acts that set
its end, and :func:`tp_end` takes the latest end set by acts adopted by the day asked.

An automatic extension is no act of anyone: it counts only once it has begun, on the day after
the end it extends. On 4 March 2023 protection under 2022/382 still ended that day; on 5 March
2023 the first six-month period had begun and it ended on 4 September 2023.

>>> from qorgau.kernel.law import Citation
>>> act = ProtectionAct("Decision X", date(2022, 3, 4), date(2023, 3, 4), Citation(code="X"), "activation")
>>> durations = DurationRules(12, 6, 12, Citation(code="D", article="4", part="1"))
>>> activation = Activation("X", None, date(2022, 3, 4), act, (), durations)
>>> tp_end(activation, date(2023, 3, 5)).end
datetime.date(2023, 9, 4)
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal

from qorgau.kernel.law import Citation, LawError, LocalizedText
from qorgau.protection.domain.errors import TemporaryProtectionError

StepKind = Literal["activation", "automatic_extension", "council_extension"]


def add_months(day: date, months: int) -> date:
    """``day`` moved by ``months`` calendar months; the day is clamped to the month's length.

    >>> add_months(date(2023, 3, 4), 6), add_months(date(2024, 8, 31), 6)
    (datetime.date(2023, 9, 4), datetime.date(2025, 2, 28))
    """
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


@dataclass(frozen=True)
class DurationRules:
    """Directive 2001/55/EC art. 4(1) as in force when an activation began (in months)."""

    initial_months: int
    automatic_extension_months: int
    automatic_extension_limit_months: int
    automatic_extension_citation: Citation

    def __post_init__(self) -> None:
        if self.initial_months <= 0 or self.automatic_extension_months <= 0:
            raise TemporaryProtectionError("durations must be positive numbers of months")
        if self.automatic_extension_limit_months % self.automatic_extension_months:
            raise TemporaryProtectionError("the automatic extension limit must be whole extension periods")


@dataclass(frozen=True)
class ProtectionAct:
    """A Council act that sets when protection ends: the activating decision or an extension."""

    name: str
    adopted: date
    sets_end: date
    citation: Citation
    kind: Literal["activation", "council_extension"]


@dataclass(frozen=True)
class Activation:
    """One activation of the Directive: its decision, the day protection began, its extensions."""

    key: str
    title: LocalizedText | None
    started: date
    decision: ProtectionAct
    extensions: tuple[ProtectionAct, ...]
    durations: DurationRules
    persons_covered: LocalizedText | None = None
    persons_covered_citation: Citation | None = None

    def automatic_extensions(self) -> list[tuple[date, date]]:
        """Each automatic period of art. 4(1) as (first day, last day).

        Period k ends k × six months after the initial end, counted from that end rather than
        from the previous period's, so that a clamped month end (29 August → 28 February) does
        not shorten the periods after it.
        """
        periods = []
        start_after = self.decision.sets_end
        step = self.durations.automatic_extension_months
        for index in range(1, self.durations.automatic_extension_limit_months // step + 1):
            period_end = add_months(self.decision.sets_end, index * step)
            periods.append((start_after + timedelta(days=1), period_end))
            start_after = period_end
        return periods


@dataclass(frozen=True)
class EndStep:
    """One act or automatic period that counted on the day asked, and the end it set."""

    kind: StepKind
    counts_from: date
    sets_end: date
    citation: Citation

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.citation.to_dict(),
            "step": self.kind,
            "counts_from": self.counts_from.isoformat(),
            "sets_end": self.sets_end.isoformat(),
        }


@dataclass(frozen=True)
class ProtectionEnd:
    """The answer of :func:`tp_end`: the end, whether protection is still running, and why."""

    activation: str
    on: date
    end: date
    steps: tuple[EndStep, ...]

    @property
    def in_force(self) -> bool:
        return self.on <= self.end

    def to_dict(self) -> dict[str, Any]:
        """The command-line contract: ``{"end": "YYYY-MM-DD", "acts": [citations], ...}``."""
        return {
            "activation": self.activation,
            "on": self.on.isoformat(),
            "end": self.end.isoformat(),
            "in_force": self.in_force,
            "acts": [step.to_dict() for step in self.steps],
        }


def tp_end(activation: Activation, on: date) -> ProtectionEnd:
    """When protection under ``activation`` ends, as things stood on ``on``.

    The latest end set by the activating decision, by the Council extensions adopted on or
    before ``on`` and by the automatic six-month extensions that had begun by ``on``. ``steps``
    lists everything that counted, in the order it began to count; the last one sets the end.
    Raises :class:`TemporaryProtectionError` when ``on`` precedes the activating decision.
    """
    decision = activation.decision
    if on < decision.adopted:
        raise TemporaryProtectionError(
            f"{decision.name} was adopted on {decision.adopted.isoformat()}: "
            f"there was no temporary protection under {activation.key} on {on.isoformat()}"
        )
    steps = [EndStep("activation", decision.adopted, decision.sets_end, decision.citation)]
    for first_day, last_day in activation.automatic_extensions():
        if first_day <= on:
            steps.append(
                EndStep(
                    "automatic_extension",
                    first_day,
                    last_day,
                    activation.durations.automatic_extension_citation,
                )
            )
    for act in activation.extensions:
        if act.adopted <= on:
            steps.append(EndStep("council_extension", act.adopted, act.sets_end, act.citation))
    steps.sort(key=lambda step: (step.counts_from, step.sets_end))
    end = max(step.sets_end for step in steps)
    return ProtectionEnd(activation.key, on, end, tuple(steps))


def activation_from_mapping(key: str, raw: Mapping[str, Any], durations: DurationRules) -> Activation:
    """Build an :class:`Activation` from its YAML entry (see ``rules/temporary_protection.yaml``).

    Raises :class:`TemporaryProtectionError` naming the field when the entry is malformed.
    """
    where = f"activation {key}"
    if not isinstance(raw, Mapping):
        raise TemporaryProtectionError(f"{where}: expected a mapping")
    started = _date(raw.get("started"), f"{where}.started")
    decision_raw = raw.get("decision")
    if not isinstance(decision_raw, Mapping):
        raise TemporaryProtectionError(f"{where}: needs 'decision'")
    decision = ProtectionAct(
        name=_text(decision_raw.get("name"), f"{where}.decision.name"),
        adopted=_date(decision_raw.get("adopted"), f"{where}.decision.adopted"),
        sets_end=add_months(started, durations.initial_months)
        if "end" not in decision_raw
        else _date(decision_raw["end"], f"{where}.decision.end"),
        citation=_citation(decision_raw.get("citation"), f"{where}.decision.citation"),
        kind="activation",
    )
    extensions = []
    for index, entry in enumerate(raw.get("extensions") or []):
        place = f"{where}.extensions[{index}]"
        if not isinstance(entry, Mapping):
            raise TemporaryProtectionError(f"{place}: expected a mapping")
        act = ProtectionAct(
            name=_text(entry.get("name"), f"{place}.name"),
            adopted=_date(entry.get("adopted"), f"{place}.adopted"),
            sets_end=_date(entry.get("end"), f"{place}.end"),
            citation=_citation(entry.get("citation"), f"{place}.citation"),
            kind="council_extension",
        )
        if act.adopted < decision.adopted:
            raise TemporaryProtectionError(f"{place}: adopted before the activating decision")
        extensions.append(act)
    title = raw.get("title")
    covered = raw.get("persons_covered") or {}
    try:
        localized = LocalizedText.from_mapping(title, where=f"{where}.title") if title else None
        covered_text = (
            LocalizedText.from_mapping(covered["text"], where=f"{where}.persons_covered.text")
            if covered.get("text")
            else None
        )
    except LawError as exc:
        raise TemporaryProtectionError(str(exc)) from exc
    covered_citation = (
        _citation(covered["citation"], f"{where}.persons_covered.citation")
        if covered.get("citation")
        else None
    )
    return Activation(
        key,
        localized,
        started,
        decision,
        tuple(sorted(extensions, key=lambda act: act.adopted)),
        durations,
        covered_text,
        covered_citation,
    )


@dataclass(frozen=True)
class Right:
    """A right (or an obligation, or an exclusion ground) that a protection status carries."""

    identifier: str
    articles: tuple[str, ...]
    text: LocalizedText
    citation: Citation

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.identifier,
            "articles": list(self.articles),
            "text": self.text.to_dict(),
            "citation": self.citation.to_dict(),
        }


def right_from_mapping(raw: Mapping[str, Any], where: str) -> Right:
    """A :class:`Right` from its YAML entry; :class:`TemporaryProtectionError` naming the field."""
    if not isinstance(raw, Mapping) or not raw.get("id"):
        raise TemporaryProtectionError(f"{where}: needs 'id'")
    where = f"{where} ({raw['id']})"
    try:
        text = LocalizedText.from_mapping(raw.get("text") or {}, where=f"{where}.text")
    except LawError as exc:
        raise TemporaryProtectionError(str(exc)) from exc
    articles = raw.get("articles") or []
    if not isinstance(articles, list) or not articles:
        raise TemporaryProtectionError(f"{where}: needs a list of 'articles'")
    return Right(
        str(raw["id"]),
        tuple(str(a) for a in articles),
        text,
        _citation(raw.get("citation"), f"{where}.citation"),
    )


def _date(value: Any, where: str) -> date:
    if isinstance(value, date) and not isinstance(value, dt.datetime):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise TemporaryProtectionError(f"{where}: {value!r} is not a date (YYYY-MM-DD)") from None


def _text(value: Any, where: str) -> str:
    if not value:
        raise TemporaryProtectionError(f"{where}: missing")
    return str(value)


def _citation(value: Any, where: str) -> Citation:
    try:
        return Citation.from_mapping(value or {}, where=where)
    except LawError as exc:
        raise TemporaryProtectionError(str(exc)) from exc
