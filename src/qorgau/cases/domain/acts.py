"""Procedural acts of a case and how each becomes an entry of the case log.

Every act — the registration itself, the decision on the form, a suspension, an extension, the
report on completion, a move of a procedural agreement — is written to the case's Merkle log as a
small JSON document (:func:`act_document`), so the tamper-evident file holds the acts as well as
the uploaded materials. The document is canonical (sorted keys, UTF-8), so its SHA-256 is stable.

Which acts change the clock (:mod:`.deadlines`): ``suspension`` stops it, ``resumption`` restarts
it, ``extension`` moves the due moment; ``completion_report`` (the investigator's report on
completion of the pre-trial investigation, since Law No. 88-VII of 27 Dec 2021) and
``sent_to_court`` end it.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Any

from qorgau.cases.domain.deadlines import Extension, Suspension, Term
from qorgau.cases.domain.errors import DeadlineError, InvalidCaseInput
from qorgau.kernel.law import LocalizedText

ACT_FORMAT = "qorgau-case-act/1"


class ActKind(StrEnum):
    REGISTRATION = "registration"
    FORM_DECISION = "form_decision"
    PARTICIPANT_ADDED = "participant_added"
    DEFENDER_ADMITTED = "defender_admitted"
    SUSPENSION = "suspension"
    RESUMPTION = "resumption"
    EXTENSION = "extension"
    INSTRUCTION = "instruction"
    PROCEDURAL_ACT = "procedural_act"
    COMPLETION_REPORT = "completion_report"
    SENT_TO_COURT = "sent_to_court"
    AGREEMENT = "agreement"


#: Acts a user records directly (``do_add_act``); the others follow from their own use case.
RECORDABLE_ACTS = frozenset(
    {
        ActKind.SUSPENSION,
        ActKind.RESUMPTION,
        ActKind.EXTENSION,
        ActKind.INSTRUCTION,
        ActKind.PROCEDURAL_ACT,
        ActKind.COMPLETION_REPORT,
    }
)
#: Acts the supervising prosecutor records; the investigator records the rest.
PROSECUTOR_ACTS = frozenset({ActKind.EXTENSION, ActKind.INSTRUCTION})

ACT_TITLES: dict[ActKind, LocalizedText] = {
    ActKind.REGISTRATION: LocalizedText("Регистрация в ЕРДР", "СДТБТ-да тіркеу", "Registration in the ERDR"),
    ActKind.FORM_DECISION: LocalizedText(
        "Постановление о форме досудебного производства",
        "Сотқа дейінгі іс жүргізу нысаны туралы қаулы",
        "Decision on the form of pre-trial proceedings",
    ),
    ActKind.PARTICIPANT_ADDED: LocalizedText(
        "Привлечение участника процесса", "Процеске қатысушыны тарту", "Participant added"
    ),
    ActKind.DEFENDER_ADMITTED: LocalizedText("Допуск защитника", "Қорғаушыны жіберу", "Defender admitted"),
    ActKind.SUSPENSION: LocalizedText(
        "Постановление о приостановлении досудебного расследования",
        "Сотқа дейінгі тергеп-тексеруді тоқтата тұру туралы қаулы",
        "Decision to suspend the pre-trial investigation",
    ),
    ActKind.RESUMPTION: LocalizedText(
        "Постановление о возобновлении досудебного расследования",
        "Сотқа дейінгі тергеп-тексеруді қайта бастау туралы қаулы",
        "Decision to resume the pre-trial investigation",
    ),
    ActKind.EXTENSION: LocalizedText(
        "Продление срока досудебного расследования",
        "Сотқа дейінгі тергеп-тексеру мерзімін ұзарту",
        "Extension of the time limit",
    ),
    ActKind.INSTRUCTION: LocalizedText(
        "Указание прокурора", "Прокурордың нұсқауы", "Prosecutor's instruction"
    ),
    ActKind.PROCEDURAL_ACT: LocalizedText("Процессуальное действие", "Процестік әрекет", "Procedural act"),
    ActKind.COMPLETION_REPORT: LocalizedText(
        "Отчёт о завершении досудебного расследования",
        "Сотқа дейінгі тергеп-тексерудің аяқталғаны туралы есеп",
        "Report on completion of the pre-trial investigation",
    ),
    ActKind.SENT_TO_COURT: LocalizedText("Направление дела в суд", "Істі сотқа жіберу", "Case sent to court"),
    ActKind.AGREEMENT: LocalizedText(
        "Процессуальное соглашение", "Процестік келісім", "Procedural agreement"
    ),
}


def parse_act_kind(value: Any, *, recordable_only: bool = True) -> ActKind:
    allowed = RECORDABLE_ACTS if recordable_only else set(ActKind)
    choices = ", ".join(sorted(kind.value for kind in allowed))
    try:
        kind = ActKind(value)
    except (ValueError, TypeError):
        raise InvalidCaseInput("kind", f"unknown act {value!r} (one of: {choices})") from None
    if kind not in allowed:
        raise InvalidCaseInput("kind", f"{kind.value!r} is recorded by its own action (one of: {choices})")
    return kind


def act_document(
    kind: ActKind,
    *,
    case_number: str,
    at: dt.datetime,
    author: str,
    text: str,
    data: Mapping[str, Any] | None = None,
) -> bytes:
    """The canonical JSON of an act, as logged (sorted keys, no spaces, UTF-8)."""
    document = {
        "format": ACT_FORMAT,
        "act": kind.value,
        "case": case_number,
        "at": at.astimezone(dt.UTC).isoformat(),
        "author": author,
        "text": text,
        "data": dict(data or {}),
    }
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def parse_term(value: Any, field: str = "term") -> Term:
    """``{"amount": 1, "unit": "months"}`` → :class:`Term`, naming ``field`` when malformed."""
    if not isinstance(value, Mapping):
        raise InvalidCaseInput(field, 'expected {"amount": N, "unit": "days" | "months"}')
    amount, unit = value.get("amount"), value.get("unit")
    if isinstance(amount, bool) or not isinstance(amount, int) or amount < 1:
        raise InvalidCaseInput(f"{field}.amount", f"{amount!r} must be a whole number of at least 1")
    if unit not in ("days", "months"):
        raise InvalidCaseInput(f"{field}.unit", f"{unit!r} must be days or months")
    return Term(amount, unit)


def clock_acts(
    acts: Iterable[tuple[ActKind, dt.datetime, Mapping[str, Any]]],
) -> list[Suspension | Extension]:
    """The suspensions (paired with their resumptions) and extensions among ``(kind, at, data)`` acts.

    Raises :class:`DeadlineError` for a resumption without a suspension, or a suspension while one
    is open.
    """
    result: list[Suspension | Extension] = []
    open_since: dt.datetime | None = None
    open_basis = ""
    for kind, at, data in sorted(acts, key=lambda act: act[1]):
        if kind is ActKind.SUSPENSION:
            if open_since is not None:
                raise DeadlineError(f"suspension at {at.isoformat()} while the case is already suspended")
            open_since, open_basis = at, str(data.get("basis", ""))
        elif kind is ActKind.RESUMPTION:
            if open_since is None:
                raise DeadlineError(f"resumption at {at.isoformat()} of a case that is not suspended")
            result.append(Suspension(open_since, at, open_basis))
            open_since = None
        elif kind is ActKind.EXTENSION:
            term = data.get("term", {})
            result.append(Extension(at, Term(int(term["amount"]), term["unit"]), str(data.get("basis", ""))))
    if open_since is not None:
        result.append(Suspension(open_since, None, open_basis))
    return result
