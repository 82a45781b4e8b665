"""Rights, restrictions and duties of a status on a date, each with its citation, in ru, kk and en.

The items are dated parameters in ``rules/rights.yaml``. For a foreign status every item also
carries the constitutional clause in force on the date (``equal_rights_clause``: the Constitution
of 1995 art. 12 part 4 until 30 June 2026, the Constitution of 2026 from 1 July 2026, unverified)
as a further citation, because that clause is what makes the citizens' rights the foreigners' too.

>>> from qorgau.foreigners.rules import default_rulebook
>>> result = rights_and_restrictions("visitor", date(2025, 5, 1), rulebook=default_rulebook())
>>> [item.id for item in result.restrictions][:2]
['no_elections', 'no_referendum']
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from qorgau.foreigners.domain.errors import InvalidInputError
from qorgau.foreigners.domain.facts import FOREIGN_STATUSES, Status, parse_date
from qorgau.foreigners.domain.rulebook import Rulebook
from qorgau.kernel.law import Citation, LawError, LocalizedText

KINDS = ("right", "restriction", "duty")
CONSTITUTIONAL_CLAUSE = "equal_rights_clause"


@dataclass(frozen=True)
class StatusItem:
    """One right, restriction or duty: ``citation`` is its primary source, ``basis`` further sources."""

    id: str
    kind: str
    text: LocalizedText
    citation: Citation
    effective_from: date
    procedural: bool = False
    basis: tuple[Citation, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The contract shape ``{"id", "citation", "verified", "text"}`` plus sources and all citations."""
        return {
            "id": self.id,
            "kind": self.kind,
            "citation": self.citation.label(),
            "verified": self.citation.verified,
            "source": self.citation.source,
            "text": self.text.to_dict(),
            "effective_from": self.effective_from.isoformat(),
            "procedural": self.procedural,
            "citations": [self.citation.to_dict(), *(c.to_dict() for c in self.basis)],
        }


@dataclass(frozen=True)
class StatusRights:
    status: Status
    on: date
    rights: tuple[StatusItem, ...]
    restrictions: tuple[StatusItem, ...]
    duties: tuple[StatusItem, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status.value,
            "date": self.on.isoformat(),
            "rights": [item.to_dict() for item in self.rights],
            "restrictions": [item.to_dict() for item in self.restrictions],
            "duties": [item.to_dict() for item in self.duties],
        }


def rights_and_restrictions(
    status: Status | str, on: date, *, rulebook: Rulebook | None = None
) -> StatusRights:
    """The items of ``status`` in force on ``on``, in the order of ``rights.yaml``.

    Raises :class:`InvalidInputError` for an unknown status.
    """
    book = rulebook or _default()
    parsed = parse_status(status)
    clause = _clause(book, on) if parsed in FOREIGN_STATUSES else None
    grouped: dict[str, list[StatusItem]] = {kind: [] for kind in KINDS}
    for name, parameter in book.rights.parameters.items():
        try:
            value = parameter.at(on)
        except LawError:
            continue  # not yet in force on this date
        spec = value.value
        if not isinstance(spec, Mapping) or "kind" not in spec:
            continue  # ended (null) or an act-in-force record, not an item
        if parsed.value not in spec.get("statuses", []):
            continue
        kind = str(spec["kind"])
        if kind not in grouped:
            raise LawError(f"rights.yaml:{name}: unknown kind {kind!r}")
        basis = (clause,) if clause is not None and name != CONSTITUTIONAL_CLAUSE else ()
        grouped[kind].append(
            StatusItem(
                id=name,
                kind=kind,
                text=LocalizedText.from_mapping(spec.get("text") or {}, where=f"rights.yaml:{name}"),
                citation=value.citation,
                effective_from=value.effective_from,
                procedural=bool(spec.get("procedural", False)),
                basis=basis,
            )
        )
    return StatusRights(
        status=parsed,
        on=on,
        rights=tuple(grouped["right"]),
        restrictions=tuple(grouped["restriction"]),
        duties=tuple(grouped["duty"]),
    )


def rights_json(document: Mapping[str, Any]) -> dict[str, Any]:
    """Scenario and CLI entry point: ``{"status", "date"}`` → :meth:`StatusRights.to_dict`."""
    on = parse_date(document.get("date"), "date")
    return rights_and_restrictions(str(document.get("status")), on).to_dict()


def parse_status(value: Status | str) -> Status:
    if isinstance(value, Status):
        return value
    try:
        return Status(str(value).strip())
    except ValueError:
        expected = ", ".join(s.value for s in Status)
        raise InvalidInputError("status", f"unknown status {value!r} (expected one of: {expected})") from None


def _clause(book: Rulebook, on: date) -> Citation | None:
    try:
        return book.rights.at(CONSTITUTIONAL_CLAUSE, on).citation
    except LawError:
        return None


def _default() -> Rulebook:
    from qorgau.foreigners.rules import (
        default_rulebook,
    )  # the shipped data; imported late to keep the domain pure

    return default_rulebook()
