"""Use cases of the electronic criminal case: ``check_*`` validate, ``do_*`` change state (audited, in
the caller's transaction), ``access_*`` load with the permission and scope checks built in.

Who may do what (permissions in :mod:`qorgau.cases.permissions`, scope in :func:`case_in_scope`):

- the **investigator** registers cases and edits their own: form, materials, acts, defenders;
- the **prosecutor** supervises: reads the cases under their supervision (and the cases no
  prosecutor supervises yet), extends time limits, gives instructions, moves agreements, sends a
  completed case to court;
- the **judge** sees the cases sent to court and decides agreements in court;
- the **defender** reads the materials of the client's case and petitions for an agreement.

Every read of case materials (a material's bytes, an export, a search) states a purpose and a
legal basis (:func:`qorgau.kernel.audit.service.check_purpose`) and is audited with them. Reading a
case's record is audited with the case as its basis.

The case log: every uploaded material and every procedural act is appended to the case's
RFC 9162 Merkle log, and a new checkpoint signed with the data directory's Ed25519 key
(:mod:`qorgau.cases.signing`) is stored in the same transaction — a material that fails to store
leaves the log as it was.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import html
import io
import json
import mimetypes
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Integer, and_, cast, column, false, func, or_, select, true
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Session, defer
from sqlalchemy.sql.elements import ColumnElement

from qorgau.cases.domain.acts import (
    ACT_TITLES,
    PROSECUTOR_ACTS,
    ActKind,
    act_document,
    clock_acts,
    parse_act_kind,
    parse_term,
)
from qorgau.cases.domain.agreements import (
    AGREEMENT_TITLES,
    AgreementKind,
    AgreementProcess,
    AgreementState,
    AgreementStep,
    petition_forwarding_days,
)
from qorgau.cases.domain.assessment import Assessment, assess
from qorgau.cases.domain.bundle import build_bundle, canonical_leaf_data, make_record
from qorgau.cases.domain.checkpoint import Checkpoint
from qorgau.cases.domain.deadlines import DeadlineStatus, Term, compute_deadline
from qorgau.cases.domain.erdr import ErdrNumber
from qorgau.cases.domain.errors import (
    BundleError,
    CasesError,
    DeadlineError,
    ErdrNumberError,
    IllegalAgreementTransition,
    InvalidCaseInput,
)
from qorgau.cases.domain.facts import ROLE_TITLES, parse_case_facts
from qorgau.cases.domain.forms import FORM_TITLES, TIME_LIMIT_PARAMETERS, ProceedingForm
from qorgau.cases.domain.interpreters import (
    DEFAULT_LANGUAGE_OF_PROCEEDINGS,
    LANGUAGES_OF_PROCEEDINGS,
    InterpreterRequirement,
    apply_to_facts,
    interpreter_requirement,
)
from qorgau.cases.domain.merkle import CompactRange, leaf_hash
from qorgau.cases.domain.regions import REGIONS_BY_CODE, parse_region
from qorgau.cases.domain.registration import (
    REASON_TITLES,
    PersonIdentity,
    Registration,
    RegistrationReason,
    parse_new_participant,
    parse_registration,
)
from qorgau.cases.domain.search import KAZAKH_FOLD, fts5_query, normalise_text, query_stems, tsquery
from qorgau.cases.permissions import (
    CASES_ACTS,
    CASES_AGREEMENTS_DECIDE,
    CASES_AGREEMENTS_PETITION,
    CASES_EDIT,
    CASES_EXPORT,
    CASES_MATERIALS_READ,
    CASES_READ,
    CASES_REGISTER,
    CASES_STATISTICS,
    CASES_SUPERVISE,
)
from qorgau.cases.rules import load_law
from qorgau.cases.signing import SigningKeys
from qorgau.cases.store import (
    FTS_TABLE,
    INLINE_LIMIT,
    ActRow,
    AgreementRow,
    CaseRow,
    DefenderRow,
    EntryRow,
    EntrySearchRow,
    LogRow,
    MaterialFiles,
    OffenceRow,
    ParticipantRow,
    dialect,
    ensure_sqlite_fts,
    entries_of,
    lock_log,
    next_serial,
)
from qorgau.kernel.audit.service import check_purpose, do_record
from qorgau.kernel.auth.domain import Principal
from qorgau.kernel.auth.scopes import Forbidden, check_permission, check_scope, register_scope
from qorgau.kernel.auth.store import User, UserRepository
from qorgau.kernel.db import utcnow
from qorgau.kernel.law import LawError, LocalizedText, Reason
from qorgau.kernel.people.domain.model import PersonInvalid
from qorgau.kernel.people.service import do_add_person
from qorgau.kernel.people.store import PeopleRepository

#: Clocks run in the zone of registration: Kazakhstan's (UTC+5 since 1 March 2024).
CASE_TIMEZONE = ZoneInfo("Asia/Almaty")
ORIGIN_PREFIX = "qorgau.kz/cases/"
MAX_MATERIAL_BYTES = 100 * 1024 * 1024
MAX_TITLE = 300
MAX_FILENAME = 180
DEFAULT_REMINDER_WINDOW = dt.timedelta(days=3)

OPEN_STATUSES = ("registered", "investigating", "suspended")
STATUSES = (*OPEN_STATUSES, "completed", "sent_to_court")
STATUS_TITLES: dict[str, LocalizedText] = {
    "registered": LocalizedText("зарегистрировано", "тіркелді", "registered"),
    "investigating": LocalizedText("расследуется", "тергелуде", "under investigation"),
    "suspended": LocalizedText("приостановлено", "тоқтатыла тұрды", "suspended"),
    "completed": LocalizedText(
        "расследование завершено", "тергеп-тексеру аяқталды", "investigation completed"
    ),
    "sent_to_court": LocalizedText("направлено в суд", "сотқа жіберілді", "sent to court"),
}

# Who may move an agreement into each state (the command line, as data controller, may do any).
MOVE_ROLES: dict[AgreementState, frozenset[str]] = {
    AgreementState.PROSECUTOR_REVIEW: frozenset({"investigator", "prosecutor"}),
    AgreementState.NEGOTIATION: frozenset({"prosecutor"}),
    AgreementState.REFUSED: frozenset({"prosecutor"}),
    AgreementState.SIGNED: frozenset({"prosecutor"}),
    AgreementState.IN_COURT: frozenset({"prosecutor"}),
    AgreementState.ACCEPTED: frozenset({"judge"}),
    AgreementState.RETURNED: frozenset({"judge"}),
    AgreementState.RENEGOTIATION: frozenset({"judge"}),
}
AGREEMENT_STATE_TITLES: dict[AgreementState, LocalizedText] = {
    AgreementState.PETITION: LocalizedText("ходатайство", "өтінішхат", "petition"),
    AgreementState.PROSECUTOR_REVIEW: LocalizedText(
        "на рассмотрении прокурора", "прокурордың қарауында", "prosecutor's review"
    ),
    AgreementState.NEGOTIATION: LocalizedText("переговоры", "келіссөздер", "negotiation"),
    AgreementState.SIGNED: LocalizedText("подписано", "қол қойылды", "signed"),
    AgreementState.IN_COURT: LocalizedText("в суде", "сотта", "in court"),
    AgreementState.ACCEPTED: LocalizedText("утверждено судом", "сот бекітті", "accepted by the court"),
    AgreementState.RETURNED: LocalizedText(
        "дело возвращено прокурору", "іс прокурорға қайтарылды", "returned"
    ),
    AgreementState.RENEGOTIATION: LocalizedText(
        "возвращено для нового соглашения", "жаңа келісімге қайтарылды", "renegotiation"
    ),
    AgreementState.REFUSED: LocalizedText("отказано", "бас тартылды", "refused"),
}


# --- errors ----------------------------------------------------------------------------------------


class CaseNotFound(LookupError):
    """No case with that id or ERDR number."""


class EntryNotFound(LookupError):
    """No material (log entry) with that id in the case."""


class AgreementNotFound(LookupError):
    """No agreement with that id in the case."""


class FormNotAllowed(CasesError):
    """The assessment says the form is not open to the case; ``reasons`` are the obstacles."""

    def __init__(self, form: ProceedingForm, reasons: Sequence[Reason]) -> None:
        listed = "; ".join(reason.text.en for reason in reasons) or "not open to this case"
        super().__init__(f"form: {form.value} is not allowed: {listed}")
        self.field = "form"
        self.form = form
        self.reasons = tuple(reasons)


class AgreementNotAllowed(CasesError):
    """Arts. 612–613 do not open this kind of agreement to the case; ``reasons`` are the obstacles."""

    def __init__(self, kind: AgreementKind, reasons: Sequence[Reason]) -> None:
        listed = "; ".join(reason.text.en for reason in reasons) or "not open to this case"
        super().__init__(f"kind: a {kind.value} agreement is not allowed: {listed}")
        self.field = "kind"
        self.kind = kind
        self.reasons = tuple(reasons)


class CaseClosed(CasesError):
    """The case is no longer under investigation (completed or in court)."""

    def __init__(self, number: str, status: str) -> None:
        super().__init__(f"case: {format_number(number)} is {status}; the investigation can no longer change")
        self.field = "case"


class CaseFileCorrupted(RuntimeError):
    """The stored case file does not match its own log: an entry, its bytes or the checkpoint differ."""


# --- the data directory's part ---------------------------------------------------------------------


@dataclass(frozen=True)
class CaseArchive:
    """What a data directory keeps outside the database: the signing key and large materials."""

    keys: SigningKeys
    files: MaterialFiles

    @classmethod
    def under(cls, data_dir: Path) -> CaseArchive:
        return cls(SigningKeys.under(data_dir), MaterialFiles.under(data_dir))


# --- finding cases and scopes ----------------------------------------------------------------------


def format_number(digits: str) -> str:
    """``261103000001230`` → ``2611 0300 0001 230``."""
    return " ".join(digits[i : i + 4] for i in range(0, len(digits), 4))


def origin_of(case: CaseRow) -> str:
    return f"{ORIGIN_PREFIX}{case.number}"


def find_case(session: Session, reference: str | int) -> CaseRow | None:
    """A case by its id (``12``) or its ERDR number (with or without spaces)."""
    if isinstance(reference, int):
        return session.get(CaseRow, reference)
    text = str(reference).strip()
    digits = re.sub(r"[\s\-]", "", text)
    if digits.isdigit() and len(digits) < 10:
        return session.get(CaseRow, int(digits))
    try:
        number = ErdrNumber.parse(text)
    except ErdrNumberError:
        return None
    return session.scalar(select(CaseRow).where(CaseRow.number == number.digits))


def _sees(session: Session, principal: Principal, case: CaseRow) -> bool:
    if principal.via in ("cli", "system"):
        return True
    if principal.role == "investigator":
        return case.investigator_id == principal.user_id
    if principal.role == "prosecutor":
        return case.prosecutor_id is None or case.prosecutor_id == principal.user_id
    if principal.role == "judge":
        return case.sent_to_court_at is not None
    if principal.role == "defender":
        return _is_defender_of(session, principal, case.id)
    return False


def _is_defender_of(session: Session, principal: Principal, case_id: int) -> bool:
    return (
        session.scalar(
            select(DefenderRow.id).where(
                DefenderRow.case_id == case_id,
                DefenderRow.user_id == principal.user_id,
                DefenderRow.ended_at.is_(None),
            )
        )
        is not None
    )


def case_in_scope(session: Session, principal: Principal, case_id: str) -> bool:
    """The scope checker of object type ``case`` (see the module docstring for who sees what)."""
    case = session.get(CaseRow, int(case_id)) if str(case_id).isdigit() else None
    return case is not None and _sees(session, principal, case)


register_scope("case", case_in_scope)


def visible_cases(principal: Principal) -> ColumnElement[bool]:
    """The SQL condition of :func:`case_in_scope`, for lists, search and deadlines."""
    if principal.via in ("cli", "system"):
        return true()
    if principal.role == "investigator":
        return CaseRow.investigator_id == principal.user_id
    if principal.role == "prosecutor":
        return or_(CaseRow.prosecutor_id.is_(None), CaseRow.prosecutor_id == principal.user_id)
    if principal.role == "judge":
        return CaseRow.sent_to_court_at.is_not(None)
    if principal.role == "defender":
        return CaseRow.id.in_(
            select(DefenderRow.case_id).where(
                DefenderRow.user_id == principal.user_id, DefenderRow.ended_at.is_(None)
            )
        )
    return false()


def _load(session: Session, actor: Principal, reference: str | int) -> CaseRow:
    case = find_case(session, reference)
    if case is None:
        raise CaseNotFound(f"no case {reference!r}")
    check_scope(session, actor, "case", str(case.id))
    return case


def _is_cli(actor: Principal) -> bool:
    return actor.via in ("cli", "system")


def check_responsible_investigator(actor: Principal, case: CaseRow) -> None:
    """Only the case's own investigator edits it."""
    if _is_cli(actor):
        return
    if actor.role != "investigator" or case.investigator_id != actor.user_id:
        raise Forbidden(f"only the responsible investigator edits case {format_number(case.number)}")


def check_supervising_prosecutor(actor: Principal, case: CaseRow) -> None:
    """Only the case's supervising prosecutor acts for the prosecution; an unsupervised case is taken over."""
    if _is_cli(actor):
        return
    if actor.role != "prosecutor" or case.prosecutor_id not in (None, actor.user_id):
        raise Forbidden(f"case {format_number(case.number)} is supervised by another prosecutor")
    if case.prosecutor_id is None:
        case.prosecutor_id = actor.user_id


def check_open(case: CaseRow) -> None:
    if case.status not in OPEN_STATUSES:
        raise CaseClosed(case.number, case.status)


def access_case(
    session: Session,
    actor: Principal,
    reference: str | int,
    *,
    purpose: str | None = None,
    legal_basis: str | None = None,
) -> CaseRow:
    """Load a case for reading: permission and scope checked, the read audited.

    The case record names people, so the read is recorded with a purpose and basis; without them,
    "case work" under the ERDR number and the reader's role in the case.
    """
    check_permission(actor, CASES_READ)
    case = _load(session, actor, reference)
    do_record(
        session,
        actor,
        "case.read",
        "case",
        case.id,
        purpose=(purpose or "").strip() or "case work",
        legal_basis=(legal_basis or "").strip() or f"ERDR {format_number(case.number)} ({actor.role})",
    )
    return case


def list_cases(
    session: Session,
    actor: Principal,
    *,
    status: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[CaseRow]:
    """The cases the actor works on (their scope), newest registration first."""
    check_permission(actor, CASES_READ)
    query = select(CaseRow).where(visible_cases(actor))
    if status:
        if status not in STATUSES:
            raise InvalidCaseInput("status", f"unknown status {status!r} (one of: {', '.join(STATUSES)})")
        query = query.where(CaseRow.status == status)
    query = query.order_by(CaseRow.registered_at.desc(), CaseRow.id.desc()).limit(limit).offset(offset)
    return list(session.scalars(query))


# --- the case log ----------------------------------------------------------------------------------


_UNSAFE_NAME = re.compile(r"[/\\\x00-\x1f\x7f]")


def safe_filename(name: str | None, default: str = "material") -> str:
    """The last path component, without control characters or slashes, at most 180 characters."""
    base = re.split(r"[/\\]", name or "")[-1]
    base = _UNSAFE_NAME.sub("_", unicodedata.normalize("NFC", base)).strip()
    if base in ("", ".", ".."):
        base = default
    if len(base) > MAX_FILENAME:
        stem, dot, extension = base.rpartition(".")
        if dot and 0 < len(extension) <= 10:
            base = stem[: MAX_FILENAME - len(extension) - 1] + "." + extension
        else:
            base = base[:MAX_FILENAME]
    return base


def check_title(title: Any, field: str = "title") -> str:
    if not isinstance(title, str) or not title.strip():
        raise InvalidCaseInput(field, "required: one line of text")
    cleaned = " ".join(title.split())
    if len(cleaned) > MAX_TITLE:
        raise InvalidCaseInput(field, f"at most {MAX_TITLE} characters")
    return cleaned


_TAG = re.compile(r"<[^>]+>")
_SCRIPT = re.compile(r"<(script|style)\b.*?</\1>", re.IGNORECASE | re.DOTALL)


def extract_text(media_type: str, content: bytes) -> str | None:
    """The searchable text of a material: text, HTML (tags dropped) and JSON; None for other types.

    Text is read as UTF-8, else as Windows-1251 (common in Russian-language documents).
    """
    kind = media_type.split(";")[0].strip().lower()
    if not (kind.startswith("text/") or kind in ("application/json", "application/xml")):
        return None
    try:
        decoded = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        decoded = content.decode("cp1251", errors="replace")
    if kind in ("text/html", "application/xml", "text/xml"):
        decoded = html.unescape(_TAG.sub(" ", _SCRIPT.sub(" ", decoded)))
    return decoded


def _append_entry(
    session: Session,
    actor: Principal,
    case: CaseRow,
    archive: CaseArchive,
    *,
    kind: str,
    title: str,
    filename: str,
    media_type: str,
    content: bytes,
    text: str | None,
    at: dt.datetime,
) -> EntryRow:
    """Append one entry to the case log and sign the new checkpoint, all in the caller's transaction."""
    log = lock_log(session, case.id)
    index = log.size
    try:
        record = make_record(index, filename, content, {"title": title, "kind": kind, "time": at})
    except BundleError as exc:
        raise InvalidCaseInput("file", str(exc)) from None
    storage_path = None
    inline: bytes | None = bytes(content)
    if len(content) > INLINE_LIMIT:
        storage_path = archive.files.write(case.id, record.sha256, bytes(content))
        inline = None
    compact = CompactRange(log.size, [bytes.fromhex(value) for value in log.frontier])
    compact.append_leaf_hash(record.leaf_hash())
    search_text = normalise_text(f"{title} {text or ''}")
    entry = EntryRow(
        case_id=case.id,
        leaf_index=index,
        kind=kind,
        title=title,
        filename=filename,
        media_type=media_type,
        size=record.size,
        sha256=record.sha256,
        content=inline,
        storage_path=storage_path,
        leaf_time=record.time or "",
        leaf_hash=record.leaf_hash().hex(),
        text=text,
        search_text=search_text,
        added_at=at,
        added_by=actor.username,
    )
    session.add(entry)
    if dialect(session) == "postgresql":
        session.flush()
        session.add(
            EntrySearchRow(
                entry_id=entry.id,
                case_id=case.id,
                search_vector=func.to_tsvector(sql_text("'simple'::regconfig"), search_text),
            )
        )
    checkpoint = Checkpoint(origin_of(case), compact.size, compact.root())
    log.checkpoint = checkpoint.sign([archive.keys.signer()])
    log.size = compact.size
    log.frontier = [value.hex() for value in compact.frontier]
    log.updated_at = utcnow()
    session.flush()
    return entry


def _log_act(
    session: Session,
    actor: Principal,
    case: CaseRow,
    archive: CaseArchive,
    kind: ActKind,
    *,
    at: dt.datetime,
    text: str,
    data: Mapping[str, Any] | None = None,
) -> ActRow:
    """Record a procedural act and append its JSON record to the case log."""
    payload = dict(data or {})
    document = act_document(
        kind, case_number=case.number, at=at, author=actor.username, text=text, data=payload
    )
    act = ActRow(case_id=case.id, kind=kind.value, at=at, author=actor.username, text=text, data=payload)
    session.add(act)
    session.flush()
    entry = _append_entry(
        session,
        actor,
        case,
        archive,
        kind=kind.value,
        title=ACT_TITLES[kind].ru,
        filename=f"act-{act.id:06d}-{kind.value}.json",
        media_type="application/json",
        content=document,
        text=text,
        at=at,
    )
    act.entry_id = entry.id
    return act


def _now(now: dt.datetime | None) -> dt.datetime:
    moment = now or utcnow()
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidCaseInput("at", "needs a date-time with a UTC offset")
    return moment


# --- registration ----------------------------------------------------------------------------------


def _user(session: Session, username: str, role: str, field: str) -> User:
    user = UserRepository(session).by_username(username)
    if user is None or not user.active:
        raise InvalidCaseInput(field, f"no active user {username!r}")
    if user.role != role:
        raise InvalidCaseInput(field, f"{username!r} is a {user.role}, not a {role}")
    return user


def _link_person(
    session: Session, actor: Principal, identity: PersonIdentity | None, where: str
) -> tuple[str | None, str | None]:
    """The people-registry id and name of a participant: an existing person by ``person_id``, or a
    new one added from the name and details; ``(None, None)`` without an identity."""
    if identity is not None and identity.person_id:
        known = PeopleRepository(session).get(identity.person_id)
        if known is None:
            raise InvalidCaseInput(f"{where}.person_id", f"no person {identity.person_id!r} in the registry")
        return known.id, known.name
    if identity is not None and identity.name:
        try:
            added = do_add_person(session, actor, identity.person_data())
        except PersonInvalid as exc:
            raise InvalidCaseInput(f"{where}.{exc.field}", exc.message) from None
        return added.id, added.name
    return None, None


def check_registration(document: Any) -> Registration:
    """Validate a registration document without the store (the parts that need no user or person
    lookups); :class:`InvalidCaseInput` names the field."""
    registration = parse_registration(document, default_timezone=CASE_TIMEZONE)
    assess(registration.facts, load_law())
    return registration


def do_register_case(
    session: Session,
    actor: Principal,
    document: Any,
    archive: CaseArchive,
    *,
    now: dt.datetime | None = None,
) -> CaseRow:
    """Register a case in the register (see :mod:`qorgau.cases.domain.registration` for the input).

    Allocates the ERDR number (per year, region, authority and unit), stores offences and
    participants — a participant given by name is added to the people registry — and opens the
    case log with the registration as its first entry. The registration moment starts every clock.
    Raises :class:`InvalidCaseInput` naming the field.
    """
    check_permission(actor, CASES_REGISTER)
    registration = parse_registration(document, default_timezone=CASE_TIMEZONE)
    assessment = assess(registration.facts, load_law())
    registered_at = registration.registered_at or _now(now)
    registered_on = registered_at.astimezone(CASE_TIMEZONE).date()

    investigator_id = None
    if registration.investigator:
        investigator_id = _user(session, registration.investigator, "investigator", "investigator").id
    elif actor.role == "investigator" and not _is_cli(actor):
        investigator_id = actor.user_id
    prosecutor_id = None
    if registration.prosecutor:
        prosecutor_id = _user(session, registration.prosecutor, "prosecutor", "prosecutor").id

    if registration.number is not None:
        number = registration.number
        if session.scalar(select(CaseRow.id).where(CaseRow.number == number.digits)) is not None:
            raise InvalidCaseInput("number", f"{number.format()} is already registered")
        next_serial(
            session, number.year, number.region, number.authority, number.unit, at_least=number.serial
        )
    else:
        key = (registered_on.year, registration.region.code, registration.authority, registration.unit)
        try:
            ErdrNumber(*key, serial=1)
        except ErdrNumberError as exc:
            raise InvalidCaseInput("registered_at", str(exc)) from None
        number = ErdrNumber(*key, serial=next_serial(session, *key))

    offences = assessment.offences
    title = registration.title or "; ".join(item.offence.label().ru for item in offences)
    case = CaseRow(
        number=number.digits,
        year=number.year,
        region=number.region,
        authority=number.authority,
        unit=number.unit,
        serial=number.serial,
        registered_at=registered_at,
        registered_on=registered_on,
        reason=registration.reason.value,
        title=title[:MAX_TITLE],
        facts=registration.facts_document,
        investigator_id=investigator_id,
        prosecutor_id=prosecutor_id,
        status="registered",
        created_by=actor.username,
    )
    session.add(case)
    session.flush()
    for position, classified in enumerate(offences, start=1):
        session.add(
            OffenceRow(
                case_id=case.id,
                position=position,
                article=classified.offence.article,
                part=classified.offence.part,
                category=classified.category.value,
                category_source=classified.source,
            )
        )
    identities = {identity.position: identity for identity in registration.identities}
    persons = registration.facts_document.get("persons", [])
    for person in registration.facts.persons:
        identity = identities.get(person.number)
        where = f"persons[{person.number - 1}]"
        person_id, name = _link_person(session, actor, identity, where)
        session.add(
            ParticipantRow(
                case_id=case.id,
                position=person.number,
                role=person.role.value,
                person_id=person_id,
                name=name,
                facts=dict(persons[person.number - 1]),
                added_at=registered_at,
            )
        )
        if identity is not None and identity.username and person.role.value == "defender":
            defender = _user(session, identity.username, "defender", f"{where}.username")
            session.add(
                DefenderRow(
                    case_id=case.id,
                    user_id=defender.id,
                    client_position=None,
                    assigned_at=registered_at,
                    assigned_by=actor.username,
                )
            )
    session.add(LogRow(case_id=case.id, size=0, frontier=[], checkpoint=None, updated_at=utcnow()))
    session.flush()
    reason = registration.reason
    _log_act(
        session,
        actor,
        case,
        archive,
        ActKind.REGISTRATION,
        at=registered_at,
        text=(
            f"Зарегистрировано в ЕРДР под № {number.format()}. Повод: {REASON_TITLES[reason].ru}. "
            f"{registration.region.title.ru}. {title}."
        ),
        data={
            "number": number.digits,
            "region": registration.region.code,
            "authority": number.authority,
            "unit": number.unit,
            "reason": reason.value,
            "registered_at": registered_at.isoformat(),
            "offences": [item.to_dict() | {"reasons": None} for item in offences],
        },
    )
    do_record(session, actor, "case.register", "case", case.id, details={"number": number.digits})
    return case


def case_assessment(case: CaseRow, interpreters: Sequence[InterpreterRequirement] = ()) -> Assessment:
    """The forms and agreements open to the case, on its stored facts and their date.

    With ``interpreters`` (:func:`interpreter_requirements`), a linked person whose recorded languages
    exclude the language of proceedings counts as not speaking it (:func:`apply_to_facts`).
    """
    facts = apply_to_facts(case.facts, interpreters) if interpreters else case.facts
    return assess(parse_case_facts(facts), load_law())


# --- the form --------------------------------------------------------------------------------------


def parse_form(value: Any) -> ProceedingForm:
    try:
        return ProceedingForm(value)
    except (ValueError, TypeError):
        choices = ", ".join(form.value for form in ProceedingForm)
        raise InvalidCaseInput("form", f"unknown form {value!r} (one of: {choices})") from None


def do_choose_form(
    session: Session,
    actor: Principal,
    reference: str | int,
    archive: CaseArchive,
    *,
    form: str,
    motivation: str,
    now: dt.datetime | None = None,
) -> ActRow:
    """Choose the form of pre-trial proceedings by a motivated decision (an act in the case file).

    Raises :class:`FormNotAllowed` (field ``form``) when the assessment closes the form, with its
    obstacles; :class:`InvalidCaseInput` for an unknown form or an empty motivation.
    """
    check_permission(actor, CASES_EDIT)
    case = _load(session, actor, reference)
    check_responsible_investigator(actor, case)
    check_open(case)
    chosen = parse_form(form)
    if not isinstance(motivation, str) or len(motivation.strip()) < 10:
        raise InvalidCaseInput(
            "motivation", "a decision on the form must state its reasons (10 characters at least)"
        )
    interpreters = interpreter_requirements(
        session,
        actor,
        case,
        purpose="decision on the form of pre-trial proceedings",
        legal_basis=f"ERDR {format_number(case.number)}",
    )
    assessment = case_assessment(case, interpreters).form(chosen)
    if not assessment.allowed:
        raise FormNotAllowed(chosen, assessment.decision.obstacles)
    at = _now(now)
    case.form = chosen.value
    case.form_decided_at = at
    case.form_motivation = motivation.strip()
    if case.status == "registered":
        case.status = "investigating"
    act = _log_act(
        session,
        actor,
        case,
        archive,
        ActKind.FORM_DECISION,
        at=at,
        text=motivation.strip(),
        data={
            "form": chosen.value,
            "title": FORM_TITLES[chosen].to_dict(),
            "reasons": [reason.to_dict() for reason in assessment.decision.reasons],
            "time_limit": assessment.time_limit.to_dict() if assessment.time_limit else None,
        },
    )
    do_record(session, actor, "case.form", "case", case.id, details={"form": chosen.value})
    return act


# --- materials -------------------------------------------------------------------------------------


def do_add_material(
    session: Session,
    actor: Principal,
    reference: str | int,
    archive: CaseArchive,
    *,
    title: str,
    filename: str,
    content: bytes,
    media_type: str | None = None,
    text: str | None = None,
    now: dt.datetime | None = None,
) -> EntryRow:
    """Add a material to the case file: a new leaf and a new signed checkpoint, in one transaction.

    ``text`` is the material's searchable text when it cannot be read from the bytes (a scan's
    OCR, say). If storing fails (the file cannot be written, the database refuses), the caller's
    transaction rolls back and the log is as it was.
    """
    check_permission(actor, CASES_EDIT)
    case = _load(session, actor, reference)
    check_responsible_investigator(actor, case)
    check_open(case)
    checked_title = check_title(title)
    name = safe_filename(filename)
    if not isinstance(content, bytes | bytearray):
        raise InvalidCaseInput("file", "must be bytes")
    if not content:
        raise InvalidCaseInput("file", "is empty")
    if len(content) > MAX_MATERIAL_BYTES:
        raise InvalidCaseInput("file", f"larger than {MAX_MATERIAL_BYTES // (1024 * 1024)} MiB")
    kind = (media_type or mimetypes.guess_type(name)[0] or "application/octet-stream").strip()[:100]
    searchable = text if text and text.strip() else extract_text(kind, bytes(content))
    entry = _append_entry(
        session,
        actor,
        case,
        archive,
        kind="material",
        title=checked_title,
        filename=name,
        media_type=kind,
        content=bytes(content),
        text=searchable,
        at=_now(now),
    )
    do_record(
        session,
        actor,
        "case.material.add",
        "case",
        case.id,
        details={"entry": entry.leaf_index, "sha256": entry.sha256, "title": checked_title},
    )
    return entry


def read_entry_bytes(entry: EntryRow, archive: CaseArchive) -> bytes:
    """The bytes of an entry, checked against the SHA-256 the log committed to."""
    if entry.content is not None:
        content = bytes(entry.content)
    elif entry.storage_path:
        try:
            content = archive.files.read(entry.storage_path)
        except OSError as exc:
            raise CaseFileCorrupted(
                f"entry {entry.leaf_index} ({entry.filename!r}): cannot be read: {exc}"
            ) from None
    else:
        raise CaseFileCorrupted(f"entry {entry.leaf_index} ({entry.filename!r}) has no bytes")
    if hashlib.sha256(content).hexdigest() != entry.sha256:
        raise CaseFileCorrupted(
            f"entry {entry.leaf_index} ({entry.filename!r}): the stored bytes differ from the logged SHA-256"
        )
    return content


def access_material(
    session: Session,
    actor: Principal,
    reference: str | int,
    entry_id: int,
    archive: CaseArchive,
    *,
    purpose: str | None,
    legal_basis: str | None,
) -> tuple[EntryRow, bytes]:
    """A material's bytes, for a stated purpose under a stated basis (audited)."""
    check_permission(actor, CASES_MATERIALS_READ)
    purpose, legal_basis = check_purpose(purpose, legal_basis)
    case = _load(session, actor, reference)
    entry = session.get(EntryRow, entry_id)
    if entry is None or entry.case_id != case.id:
        raise EntryNotFound(f"no material {entry_id} in case {format_number(case.number)}")
    content = read_entry_bytes(entry, archive)
    do_record(
        session,
        actor,
        "case.material.read",
        "case",
        case.id,
        purpose=purpose,
        legal_basis=legal_basis,
        details={"entry": entry.leaf_index, "title": entry.title},
    )
    return entry, content


# --- procedural acts and the clock -----------------------------------------------------------------


def do_add_act(
    session: Session,
    actor: Principal,
    reference: str | int,
    archive: CaseArchive,
    *,
    kind: str,
    text: str,
    data: Mapping[str, Any] | None = None,
    at: dt.datetime | None = None,
) -> ActRow:
    """Record a procedural act: ``suspension``, ``resumption``, ``extension`` (``data.term``),
    ``instruction``, ``procedural_act`` or ``completion_report``.

    The supervising prosecutor records extensions and instructions; the responsible investigator
    the others. Acts that do not fit the clock (a resumption of a case that is not suspended, an
    act before registration) are refused naming the field.
    """
    check_permission(actor, CASES_ACTS)
    act_kind = parse_act_kind(kind)
    case = _load(session, actor, reference)
    if act_kind in PROSECUTOR_ACTS:
        check_supervising_prosecutor(actor, case)
    else:
        check_responsible_investigator(actor, case)
    check_open(case)
    if not isinstance(text, str) or not text.strip():
        raise InvalidCaseInput("text", "required: what was decided or done, and why")
    moment = _now(at)
    if moment < case.registered_at:
        raise InvalidCaseInput("at", "an act cannot precede the registration")
    payload: dict[str, Any] = {}
    raw = dict(data or {})
    if act_kind is ActKind.EXTENSION:
        term = parse_term(raw.get("term"), "data.term")
        payload["term"] = {"amount": term.amount, "unit": term.unit}
    if raw.get("basis"):
        payload["basis"] = str(raw["basis"])[:500]
    if act_kind in (ActKind.SUSPENSION, ActKind.RESUMPTION, ActKind.EXTENSION):
        history = [(ActKind(row.kind), row.at, row.data) for row in _clock_rows(session, case.id)]
        try:
            clock_acts([*history, (act_kind, moment, payload)])
        except DeadlineError as exc:
            raise InvalidCaseInput("kind", str(exc)) from None
    if act_kind is ActKind.COMPLETION_REPORT and not case.form:
        raise InvalidCaseInput(
            "kind", "choose the form of pre-trial proceedings before completing the investigation"
        )
    act = _log_act(session, actor, case, archive, act_kind, at=moment, text=text.strip(), data=payload)
    if act_kind is ActKind.SUSPENSION:
        case.status = "suspended"
    elif act_kind is ActKind.RESUMPTION:
        case.status = "investigating"
    elif act_kind is ActKind.COMPLETION_REPORT:
        case.status, case.completed_at = "completed", moment
    do_record(session, actor, f"case.act.{act_kind.value}", "case", case.id, details={"act": act.id})
    return act


def _clock_rows(session: Session, case_id: int) -> list[ActRow]:
    kinds = (ActKind.SUSPENSION.value, ActKind.RESUMPTION.value, ActKind.EXTENSION.value)
    return list(
        session.scalars(
            select(ActRow)
            .where(ActRow.case_id == case_id, ActRow.kind.in_(kinds))
            .order_by(ActRow.at, ActRow.id)
        )
    )


def list_acts(session: Session, actor: Principal, reference: str | int) -> list[ActRow]:
    check_permission(actor, CASES_READ)
    case = _load(session, actor, reference)
    return list(
        session.scalars(select(ActRow).where(ActRow.case_id == case.id).order_by(ActRow.at, ActRow.id))
    )


def case_term(case: CaseRow) -> tuple[ProceedingForm, Term, Any]:
    """The form whose clock runs (the chosen one; preliminary investigation until one is chosen),
    its time limit and the parameter version, as in force on the registration date."""
    form = ProceedingForm(case.form) if case.form else ProceedingForm.INVESTIGATION
    # Writ proceedings have no clock of their own: the investigation they follow keeps its own.
    name = TIME_LIMIT_PARAMETERS.get(form, TIME_LIMIT_PARAMETERS[ProceedingForm.INVESTIGATION])
    version = load_law().parameter(name, case.registered_on)
    return form, Term.from_value(version.value), version


def case_deadline(case: CaseRow, acts: Iterable[ActRow]) -> DeadlineStatus | None:
    """Where the case's clock stands; None once the investigation is completed or in court."""
    if case.status not in OPEN_STATUSES:
        return None
    _form, term, version = case_term(case)
    clock = clock_acts([(ActKind(row.kind), row.at, row.data) for row in acts])
    registered = case.registered_at.astimezone(CASE_TIMEZONE)
    return compute_deadline(registered, term, clock, citation=version.citation)


@dataclass(frozen=True)
class DeadlineItem:
    case: CaseRow
    status: DeadlineStatus

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.case.id,
            "number": self.case.number,
            "title": self.case.title,
        } | self.status.to_dict()


def deadlines(session: Session, actor: Principal) -> list[DeadlineItem]:
    """The clocks of every open case in the actor's scope, soonest first (suspended ones last)."""
    check_permission(actor, CASES_READ)
    cases = list(
        session.scalars(select(CaseRow).where(visible_cases(actor), CaseRow.status.in_(OPEN_STATUSES)))
    )
    by_case: dict[int, list[ActRow]] = {case.id: [] for case in cases}
    if cases:
        kinds = (ActKind.SUSPENSION.value, ActKind.RESUMPTION.value, ActKind.EXTENSION.value)
        for row in session.scalars(
            select(ActRow)
            .where(ActRow.case_id.in_(list(by_case)), ActRow.kind.in_(kinds))
            .order_by(ActRow.at)
        ):
            by_case[row.case_id].append(row)
    items = []
    for case in cases:
        status = case_deadline(case, by_case[case.id])
        if status is not None:
            items.append(DeadlineItem(case, status))
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    items.sort(key=lambda item: (item.status.due_at or far, item.case.id))
    return items


def due_soon(
    session: Session, actor: Principal, *, now: dt.datetime, within: dt.timedelta = DEFAULT_REMINDER_WINDOW
) -> list[DeadlineItem]:
    """Open cases whose time limit ends within ``within`` of ``now`` (not yet overdue)."""
    return [item for item in deadlines(session, actor) if item.status.is_due_within(now, within)]


def overdue(session: Session, actor: Principal, *, now: dt.datetime) -> list[DeadlineItem]:
    """Open cases whose time limit ended at or before ``now``."""
    return [item for item in deadlines(session, actor) if item.status.is_overdue(now)]


# --- defenders and court ---------------------------------------------------------------------------


def do_assign_defender(
    session: Session,
    actor: Principal,
    reference: str | int,
    archive: CaseArchive,
    *,
    username: str,
    client_position: int | None = None,
    now: dt.datetime | None = None,
) -> DefenderRow:
    """Admit a defender (a user with the ``defender`` role) to the case: they may then read its materials."""
    check_permission(actor, CASES_EDIT)
    case = _load(session, actor, reference)
    check_responsible_investigator(actor, case)
    defender = _user(session, username, "defender", "username")
    if client_position is not None:
        _participant(session, case, client_position, "client")
    at = _now(now)
    row = DefenderRow(
        case_id=case.id,
        user_id=defender.id,
        client_position=client_position,
        assigned_at=at,
        assigned_by=actor.username,
    )
    session.add(row)
    _log_act(
        session,
        actor,
        case,
        archive,
        ActKind.DEFENDER_ADMITTED,
        at=at,
        text=f"Допущен защитник {defender.display_name or defender.username}.",
        data={"defender": defender.username, "client": client_position},
    )
    do_record(session, actor, "case.defender", "case", case.id, details={"defender": defender.username})
    return row


def _participant(session: Session, case: CaseRow, position: int, field: str) -> ParticipantRow:
    row = session.scalar(
        select(ParticipantRow).where(ParticipantRow.case_id == case.id, ParticipantRow.position == position)
    )
    if row is None:
        raise InvalidCaseInput(field, f"no participant № {position} in the case")
    return row


def participants_of(session: Session, case: CaseRow) -> list[ParticipantRow]:
    return list(
        session.scalars(
            select(ParticipantRow).where(ParticipantRow.case_id == case.id).order_by(ParticipantRow.position)
        )
    )


def _send_to_court(
    session: Session, actor: Principal, case: CaseRow, archive: CaseArchive, at: dt.datetime, text: str
) -> None:
    case.status, case.sent_to_court_at = "sent_to_court", at
    _log_act(session, actor, case, archive, ActKind.SENT_TO_COURT, at=at, text=text)


def do_send_to_court(
    session: Session,
    actor: Principal,
    reference: str | int,
    archive: CaseArchive,
    *,
    text: str = "",
    now: dt.datetime | None = None,
) -> CaseRow:
    """The supervising prosecutor sends a completed case to court (the judge then sees it)."""
    check_permission(actor, CASES_SUPERVISE)
    case = _load(session, actor, reference)
    check_supervising_prosecutor(actor, case)
    if case.status != "completed":
        raise InvalidCaseInput("case", "only a case with a report on completion goes to court")
    _send_to_court(
        session, actor, case, archive, _now(now), text.strip() or "Уголовное дело направлено в суд."
    )
    do_record(session, actor, "case.court", "case", case.id)
    return case


# --- procedural agreements -------------------------------------------------------------------------


def parse_agreement_kind(value: Any) -> AgreementKind:
    try:
        return AgreementKind(value)
    except (ValueError, TypeError):
        choices = ", ".join(kind.value for kind in AgreementKind)
        raise InvalidCaseInput("kind", f"unknown agreement {value!r} (one of: {choices})") from None


def agreement_process(row: AgreementRow) -> AgreementProcess:
    steps = tuple(
        AgreementStep(
            AgreementState(step["state"]), dt.datetime.fromisoformat(step["at"]), step.get("note", "")
        )
        for step in row.history
    )
    return AgreementProcess(AgreementKind(row.kind), steps, row.forwarding_days)


def do_petition(
    session: Session,
    actor: Principal,
    reference: str | int,
    archive: CaseArchive,
    *,
    kind: str,
    participant: int | None = None,
    note: str = "",
    now: dt.datetime | None = None,
) -> AgreementRow:
    """A petition for a procedural agreement (art. 615), or the prosecutor's offer.

    Filed by the responsible investigator or an admitted defender on behalf of a suspect or accused
    (``participant``: their position; default the first); offered by the supervising prosecutor,
    when it starts in negotiation. Refused with :class:`AgreementNotAllowed` when arts. 612–613
    close that kind to the case.
    """
    check_permission(actor, CASES_AGREEMENTS_PETITION)
    case = _load(session, actor, reference)
    if not _is_cli(actor):
        if actor.role == "prosecutor":
            check_supervising_prosecutor(actor, case)
        elif actor.role == "investigator":
            check_responsible_investigator(actor, case)
    if case.sent_to_court_at is not None:
        raise InvalidCaseInput("case", "the case is in court: the court decides on agreements there")
    agreement_kind = parse_agreement_kind(kind)
    assessment = case_assessment(case).agreement(agreement_kind)
    if not assessment.allowed:
        raise AgreementNotAllowed(agreement_kind, assessment.decision.obstacles)
    prosecuted = [row for row in participants_of(session, case) if row.role in ("suspect", "accused")]
    if participant is None:
        chosen = prosecuted[0] if prosecuted else None
    else:
        chosen = _participant(session, case, participant, "participant")
        if chosen.role not in ("suspect", "accused"):
            raise InvalidCaseInput("participant", "an agreement is made with a suspect or an accused")
    position = chosen.position if chosen else None
    open_same = session.scalar(
        select(AgreementRow.id).where(
            AgreementRow.case_id == case.id,
            AgreementRow.kind == agreement_kind.value,
            AgreementRow.participant_position.is_(None)
            if position is None
            else AgreementRow.participant_position == position,
            AgreementRow.state.not_in(
                [s.value for s in (AgreementState.ACCEPTED, AgreementState.RETURNED, AgreementState.REFUSED)]
            ),
        )
    )
    if open_same is not None:
        raise InvalidCaseInput(
            "kind", f"a {agreement_kind.value} agreement for this person is already in progress"
        )
    at = _now(now)
    law = load_law()
    days = petition_forwarding_days(law, at.astimezone(CASE_TIMEZONE).date())
    if actor.role == "prosecutor" and not _is_cli(actor):
        process = AgreementProcess.offered_by_prosecutor(agreement_kind, at, note=note)
    else:
        process = AgreementProcess.petition(agreement_kind, at, forwarding_days=days, note=note)
    row = AgreementRow(
        case_id=case.id,
        kind=agreement_kind.value,
        state=process.state.value,
        participant_position=position,
        forwarding_days=days,
        history=[_step_dict(step, actor) for step in process.history],
        created_at=at,
        updated_at=at,
    )
    session.add(row)
    session.flush()
    _log_act(
        session,
        actor,
        case,
        archive,
        ActKind.AGREEMENT,
        at=at,
        text=_agreement_text(agreement_kind, process.state, note),
        data={
            "agreement": row.id,
            "kind": agreement_kind.value,
            "state": process.state.value,
            "participant": position,
        },
    )
    do_record(
        session,
        actor,
        "case.agreement.petition",
        "case",
        case.id,
        details={"agreement": row.id, "kind": row.kind},
    )
    return row


def _agreement_text(kind: AgreementKind, state: AgreementState, note: str) -> str:
    return f"{AGREEMENT_TITLES[kind].ru}: {AGREEMENT_STATE_TITLES[state].ru}. {note}".strip()


def _step_dict(step: AgreementStep, actor: Principal) -> dict[str, Any]:
    return {"state": step.state.value, "at": step.at.isoformat(), "note": step.note, "by": actor.username}


def do_advance_agreement(
    session: Session,
    actor: Principal,
    reference: str | int,
    agreement_id: int,
    archive: CaseArchive,
    *,
    to: str,
    note: str = "",
    now: dt.datetime | None = None,
) -> AgreementRow:
    """Move an agreement along its lifecycle (arts. 615, 623); each move is an act in the case file.

    The investigator forwards a petition to the prosecutor; the prosecutor reviews, negotiates,
    signs or refuses, and takes the signed agreement to court (the case goes with it); the judge
    accepts it, returns the case, or asks for a new agreement.
    """
    check_permission(actor, CASES_AGREEMENTS_DECIDE)
    case = _load(session, actor, reference)
    row = session.get(AgreementRow, agreement_id)
    if row is None or row.case_id != case.id:
        raise AgreementNotFound(f"no agreement {agreement_id} in case {format_number(case.number)}")
    process = agreement_process(row)
    try:
        target = AgreementState(to)
    except ValueError:
        allowed = ", ".join(state.value for state in process.allowed_moves()) or "none"
        raise InvalidCaseInput("to", f"unknown state {to!r} (allowed now: {allowed})") from None
    if not _is_cli(actor):
        if actor.role not in MOVE_ROLES.get(target, frozenset()):
            raise Forbidden(f"a {actor.role} cannot move an agreement to {target.value}")
        if actor.role == "prosecutor":
            check_supervising_prosecutor(actor, case)
        elif actor.role == "investigator":
            check_responsible_investigator(actor, case)
    at = _now(now)
    try:
        moved = process.advance(target, at, note)
    except (IllegalAgreementTransition, DeadlineError) as exc:
        raise InvalidCaseInput("to", str(exc)) from None
    row.state = moved.state.value
    row.history = [*row.history, _step_dict(moved.history[-1], actor)]
    row.updated_at = at
    title = AGREEMENT_TITLES[AgreementKind(row.kind)].ru
    _log_act(
        session,
        actor,
        case,
        archive,
        ActKind.AGREEMENT,
        at=at,
        text=f"{title}: {AGREEMENT_STATE_TITLES[moved.state].ru}. {note}".strip(),
        data={"agreement": row.id, "kind": row.kind, "state": moved.state.value},
    )
    if target is AgreementState.IN_COURT and case.sent_to_court_at is None:
        # Art. 623: the case goes to court with the agreement, without an indictment.
        _send_to_court(
            session, actor, case, archive, at, "Уголовное дело направлено в суд с процессуальным соглашением."
        )
    do_record(
        session,
        actor,
        "case.agreement.move",
        "case",
        case.id,
        details={"agreement": row.id, "to": target.value},
    )
    return row


def agreements_of(session: Session, case: CaseRow) -> list[AgreementRow]:
    return list(
        session.scalars(select(AgreementRow).where(AgreementRow.case_id == case.id).order_by(AgreementRow.id))
    )


# --- export ----------------------------------------------------------------------------------------


def check_case_file(entries: Sequence[EntryRow], log: LogRow) -> None:
    """The stored entries give the stored log state: indexes 0…n-1, and each leaf hash recomputes.

    Raises :class:`CaseFileCorrupted` naming the first entry that does not.
    """
    if len(entries) != log.size:
        raise CaseFileCorrupted(f"the log holds {log.size} entries, the table {len(entries)}")
    compact = CompactRange()
    for position, entry in enumerate(entries):
        label = f"entry {entry.leaf_index} ({entry.filename!r})"
        if entry.leaf_index != position:
            raise CaseFileCorrupted(f"{label} is stored at position {position}")
        hashed = leaf_hash(
            canonical_leaf_data(
                entry.leaf_index,
                entry.filename,
                entry.title,
                entry.kind,
                entry.leaf_time or None,
                entry.sha256,
            )
        )
        if hashed.hex() != entry.leaf_hash:
            raise CaseFileCorrupted(f"{label}: its stored record no longer gives its logged leaf hash")
        compact.append_leaf_hash(hashed)
    if [value.hex() for value in compact.frontier] != list(log.frontier):
        raise CaseFileCorrupted("the entries do not give the stored log state")


def export_case(
    session: Session,
    actor: Principal,
    reference: str | int,
    archive: CaseArchive,
    *,
    purpose: str | None,
    legal_basis: str | None,
) -> bytes:
    """The case bundle (zip): every entry's bytes, the manifest, a freshly signed checkpoint, the
    inclusion proofs and a consistency proof from the stored checkpoint. Audited as a read of the
    materials. Raises :class:`CaseFileCorrupted` when the stored file does not match its log."""
    check_permission(actor, CASES_EXPORT)
    purpose, legal_basis = check_purpose(purpose, legal_basis)
    case = _load(session, actor, reference)
    entries = entries_of(session, case.id)
    log = session.get(LogRow, case.id)
    if log is None:
        raise CaseFileCorrupted(f"case {format_number(case.number)} has no log")
    check_case_file(entries, log)
    items = [
        (
            entry.filename,
            read_entry_bytes(entry, archive),
            {"title": entry.title, "kind": entry.kind, "time": entry.leaf_time},
        )
        for entry in entries
    ]
    try:
        bundle = build_bundle(
            items,
            archive.keys.signer(),
            origin=origin_of(case),
            earlier_checkpoints=[log.checkpoint] if log.checkpoint else [],
            earlier_keys=archive.keys.keyring().keys,
        )
    except BundleError as exc:
        raise CaseFileCorrupted(f"case {format_number(case.number)}: {exc}") from None
    do_record(
        session,
        actor,
        "case.export",
        "case",
        case.id,
        purpose=purpose,
        legal_basis=legal_basis,
        details={"entries": len(entries)},
    )
    return bundle


# --- statistics ------------------------------------------------------------------------------------

DIMENSIONS = ("form", "agreement", "region", "period", "reason", "status")
_PERIOD = re.compile(r"(\d{4})(?:-Q([1-4])|-(\d{2}))?")


def period_bounds(period: str) -> tuple[dt.date, dt.date]:
    """``2020``, ``2020-Q1`` or ``2020-03`` → the first and last day (inclusive)."""
    match = _PERIOD.fullmatch(period.strip())
    if not match:
        raise InvalidCaseInput("period", f"{period!r} is not YYYY, YYYY-Qn or YYYY-MM")
    year = int(match.group(1))
    if match.group(2):
        first_month = (int(match.group(2)) - 1) * 3 + 1
        start, months = dt.date(year, first_month, 1), 3
    elif match.group(3):
        month = int(match.group(3))
        if not 1 <= month <= 12:
            raise InvalidCaseInput("period", f"{period!r}: no month {month}")
        start, months = dt.date(year, month, 1), 1
    else:
        start, months = dt.date(year, 1, 1), 12
    month_index = start.month - 1 + months
    following = dt.date(start.year + month_index // 12, month_index % 12 + 1, 1)
    return start, following - dt.timedelta(days=1)


@dataclass(frozen=True)
class StatisticsRow:
    key: str
    label: LocalizedText
    count: int
    share: float

    @property
    def percent(self) -> float:
        return round(self.share * 100, 1)

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label.to_dict(),
            "count": self.count,
            "share": round(self.share, 6),
            "percent": self.percent,
        }


@dataclass(frozen=True)
class Statistics:
    by: str
    total: int
    rows: tuple[StatisticsRow, ...]
    filters: dict[str, Any] = field(default_factory=dict)

    def row(self, key: str) -> StatisticsRow | None:
        return next((row for row in self.rows if row.key == key), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "by": self.by,
            "total": self.total,
            "filters": self.filters,
            "rows": [r.to_dict() for r in self.rows],
        }

    def to_csv(self, language: str = "ru") -> str:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow([self.by, "label", "count", "share_percent"])
        for row in self.rows:
            writer.writerow([row.key, row.label.get(language), row.count, f"{row.percent:.1f}"])
        writer.writerow(["total", "", self.total, "100.0" if self.total else "0.0"])
        return buffer.getvalue()


_UNDECIDED = LocalizedText("форма не выбрана", "нысан таңдалмаған", "form not chosen")
_NO_AGREEMENT = LocalizedText("без соглашения", "келісімсіз", "no agreement")


def statistics(
    session: Session,
    actor: Principal,
    *,
    by: str = "form",
    region: Any = None,
    period: str | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> Statistics:
    """Counts and shares of registered cases by ``form``, ``agreement`` (kind), ``region``,
    ``period`` (quarter of registration), ``reason`` or ``status``, among the cases registered in
    ``period`` (``2020-Q1``) or between ``since`` and ``until``, in ``region``.

    Aggregates only (no person is named), computed in the database: one ``GROUP BY`` per call.
    Shares are of all cases matched (by agreement: a case with two kinds counts under each).
    """
    check_permission(actor, CASES_STATISTICS)
    if by not in DIMENSIONS:
        raise InvalidCaseInput("by", f"unknown dimension {by!r} (one of: {', '.join(DIMENSIONS)})")
    conditions: list[ColumnElement[bool]] = []
    filters: dict[str, Any] = {}
    if period:
        since, until = period_bounds(period)
        filters["period"] = period
    if since:
        conditions.append(CaseRow.registered_on >= since)
        filters["since"] = since.isoformat()
    if until:
        conditions.append(CaseRow.registered_on <= until)
        filters["until"] = until.isoformat()
    if region not in (None, ""):
        chosen = parse_region(region)
        conditions.append(CaseRow.region == chosen.code)
        filters["region"] = chosen.code
    where = and_(true(), *conditions)
    total = session.scalar(select(func.count()).select_from(CaseRow).where(where)) or 0
    counts: list[tuple[str, LocalizedText, int]] = []
    raw: Sequence[Any]
    if by == "form":
        raw = session.execute(select(CaseRow.form, func.count()).where(where).group_by(CaseRow.form)).all()
        found = {form: int(count) for form, count in raw}
        counts = [(form.value, FORM_TITLES[form], found.get(form.value, 0)) for form in ProceedingForm]
        counts.append(("undecided", _UNDECIDED, found.get(None, 0)))
    elif by == "agreement":
        raw = session.execute(
            select(AgreementRow.kind, func.count(func.distinct(AgreementRow.case_id)))
            .join(CaseRow, CaseRow.id == AgreementRow.case_id)
            .where(where)
            .group_by(AgreementRow.kind)
        ).all()
        found = {kind: int(count) for kind, count in raw}
        with_any = (
            session.scalar(
                select(func.count(func.distinct(AgreementRow.case_id)))
                .join(CaseRow, CaseRow.id == AgreementRow.case_id)
                .where(where)
            )
            or 0
        )
        counts = [(kind.value, AGREEMENT_TITLES[kind], found.get(kind.value, 0)) for kind in AgreementKind]
        counts.append(("none", _NO_AGREEMENT, total - with_any))
    elif by == "region":
        raw = session.execute(
            select(CaseRow.region, func.count()).where(where).group_by(CaseRow.region)
        ).all()
        for code, count in sorted(raw, key=lambda item: item[0]):
            known = REGIONS_BY_CODE.get(code)
            label = known.title if known else LocalizedText(str(code), str(code), str(code))
            counts.append((known.slug if known else str(code), label, int(count)))
    elif by == "period":
        year = cast(func.extract("year", CaseRow.registered_on), Integer)
        month = cast(func.extract("month", CaseRow.registered_on), Integer)
        quarter = (month + 2) // 3
        raw = session.execute(
            select(year, cast(quarter, Integer), func.count())
            .where(where)
            .group_by(year, cast(quarter, Integer))
        ).all()
        for year_value, quarter_value, count in sorted(raw, key=lambda item: (item[0], item[1])):
            key = f"{int(year_value)}-Q{int(quarter_value)}"
            counts.append((key, LocalizedText(key, key, key), int(count)))
    elif by == "reason":
        raw = session.execute(
            select(CaseRow.reason, func.count()).where(where).group_by(CaseRow.reason)
        ).all()
        found = {reason: int(count) for reason, count in raw}
        counts = [
            (reason.value, REASON_TITLES[reason], found.get(reason.value, 0)) for reason in RegistrationReason
        ]
    else:
        raw = session.execute(
            select(CaseRow.status, func.count()).where(where).group_by(CaseRow.status)
        ).all()
        found = {status: int(count) for status, count in raw}
        counts = [(status, STATUS_TITLES[status], found.get(status, 0)) for status in STATUSES]
    rows = tuple(
        StatisticsRow(key, label, count, count / total if total else 0.0) for key, label, count in counts
    )
    do_record(session, actor, "case.statistics", "case", "*", details={"by": by} | filters)
    return Statistics(by, total, rows, filters)


# --- full-text search ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SearchHit:
    entry: EntryRow
    case: CaseRow
    snippet: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "case": {"id": self.case.id, "number": self.case.number, "title": self.case.title},
            "entry": {
                "id": self.entry.id,
                "index": self.entry.leaf_index,
                "kind": self.entry.kind,
                "title": self.entry.title,
                "filename": self.entry.filename,
            },
            "snippet": self.snippet,
        }


def search_materials(
    session: Session,
    actor: Principal,
    query: str,
    *,
    purpose: str | None,
    legal_basis: str | None,
    limit: int = 50,
) -> list[SearchHit]:
    """Materials and acts of the cases in the actor's scope whose text holds every query word
    (stemmed, as a prefix; see :mod:`qorgau.cases.domain.search`), newest first, at most ``limit``.

    Newest first, on both stores, rather than by a relevance score: ranking has to score every
    match, and over 1,000,000 materials a query of two ordinary words matches ~10,000 of them —
    scoring those took ~300 ms a query on PostgreSQL, while newest-first lets PostgreSQL walk the
    entries backwards and stop at the ``limit``-th match (~10 ms), or use the GIN index when the
    words are rare (``bench/cases_search.py``). For case work the latest material is also the one
    usually wanted; both stores return the same hits.

    A search reads case materials, so it states a purpose and a legal basis and is audited with them.
    """
    check_permission(actor, CASES_MATERIALS_READ)
    purpose, legal_basis = check_purpose(purpose, legal_basis)
    stems = query_stems(query or "")
    if not stems:
        raise InvalidCaseInput("q", "enter at least one word to search for")
    base = select(EntryRow, CaseRow).join(CaseRow, CaseRow.id == EntryRow.case_id)
    if dialect(session) == "postgresql":
        # Match on the narrow ``cases_search`` rows; only the page of hits loads its entries.
        tsq = func.to_tsquery(sql_text("'simple'::regconfig"), tsquery(stems))
        newest = (
            select(EntrySearchRow.entry_id)
            .join(CaseRow, CaseRow.id == EntrySearchRow.case_id)
            .where(EntrySearchRow.search_vector.op("@@")(tsq), visible_cases(actor))
            .order_by(EntrySearchRow.entry_id.desc())
            .limit(limit)
            .subquery("newest")
        )
        statement = (
            base.join(newest, newest.c.entry_id == EntryRow.id)
            .order_by(EntryRow.id.desc())
            .options(defer(EntryRow.content))  # a hit shows text, never the bytes (up to 256 KiB inline)
        )
        rows = session.execute(statement).all()
    else:
        ensure_sqlite_fts(session)
        matches = (
            sql_text(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :match")
            .bindparams(match=fts5_query(stems))
            .columns(column("rowid", Integer))
            .subquery("matches")
        )
        statement = (
            base.join(matches, matches.c.rowid == EntryRow.id)
            .where(visible_cases(actor))
            .order_by(EntryRow.id.desc())
            .limit(limit)
            .options(defer(EntryRow.content))
        )
        rows = session.execute(statement).all()
    hits = [SearchHit(entry, case, snippet(entry.text or entry.title, stems)) for entry, case in rows]
    do_record(
        session,
        actor,
        "case.search",
        "case",
        "*",
        purpose=purpose,
        legal_basis=legal_basis,
        details={"query": " ".join(query.split())[:200], "results": len(hits)},
    )
    return hits


def snippet(text: str, stems: Sequence[str], width: int = 90) -> str:
    """The part of ``text`` around the first stem found (case and Kazakh letters folded)."""
    folded = text.lower().translate(KAZAKH_FOLD)
    if len(folded) != len(text):
        folded = text
    positions = [folded.find(stem) for stem in stems if folded.find(stem) >= 0]
    flat = " ".join(text.split())
    if not positions:
        return flat[: width * 2]
    at = min(positions)
    start = max(0, at - width)
    piece = " ".join(text[start : at + width].split())
    return ("…" if start > 0 else "") + piece + ("…" if at + width < len(text) else "")


# --- participants after registration, and the links to other modules --------------------------------


def language_of_proceedings(case: CaseRow) -> str:
    """The language the case is conducted in (``kk`` or ``ru``; Russian for cases registered without one)."""
    value = case.facts.get("language_of_proceedings") if isinstance(case.facts, Mapping) else None
    return value if value in LANGUAGES_OF_PROCEEDINGS else DEFAULT_LANGUAGE_OF_PROCEEDINGS


def interpreter_requirements(
    session: Session,
    actor: Principal,
    case: CaseRow,
    *,
    purpose: str | None = None,
    legal_basis: str | None = None,
    on: dt.date | None = None,
    positions: Iterable[int] | None = None,
) -> list[InterpreterRequirement]:
    """The interpreter requirement of every participant linked to a person (or of ``positions``).

    Asks :func:`qorgau.foreigners.participant_requirements_for` — the module that judges languages,
    status and procedural rights — with the case's language of proceedings on ``on`` (today in
    Kazakhstan by default); that read of personal data is audited there with ``purpose`` and
    ``legal_basis`` (default: case work under the ERDR number). A participant whose registry facts
    the foreigners rules refuse (say, an unknown country code) is left out rather than guessed.
    """
    from qorgau.foreigners import ForeignersError, participant_requirements_for

    language = language_of_proceedings(case)
    day = on or dt.datetime.now(CASE_TIMEZONE).date()
    purpose = (purpose or "").strip() or "case work"
    legal_basis = (legal_basis or "").strip() or f"ERDR {format_number(case.number)} ({actor.role})"
    wanted = set(positions) if positions is not None else None
    people = PeopleRepository(session)
    result: list[InterpreterRequirement] = []
    for row in participants_of(session, case):
        if not row.person_id or (wanted is not None and row.position not in wanted):
            continue
        person = people.get(row.person_id)
        if person is None:
            continue
        try:
            answer = participant_requirements_for(
                session,
                row.person_id,
                language,
                False,
                day,
                actor=actor,
                purpose=purpose,
                legal_basis=legal_basis,
            )
        except (ForeignersError, LookupError):
            continue
        result.append(
            interpreter_requirement(
                position=row.position,
                role=row.role,
                person_id=row.person_id,
                language=language,
                interpreter_needed=answer.interpreter_needed,
                languages=list(person.languages or []),
                citizenships=list(person.citizenships or []),
                consular_notification_due=answer.consular_notification_due,
                reasons=answer.reasons,
                procedural_rights=tuple(item.id for item in answer.procedural_rights),
                stated_speaks=_stated_speaks(row.facts),
            )
        )
    return result


def _stated_speaks(facts: Mapping[str, Any] | None) -> bool | None:
    """What the case file says of a participant's command of the language of proceedings."""
    value = (facts or {}).get("speaks_language_of_proceedings")
    return value if isinstance(value, bool) else None


def do_add_participant(
    session: Session,
    actor: Principal,
    reference: str | int,
    archive: CaseArchive,
    *,
    participant: Mapping[str, Any],
    now: dt.datetime | None = None,
) -> ParticipantRow:
    """Add a participant to a registered case, as a procedural act in the case log.

    ``participant`` is one ``persons`` entry of the registration document (``role`` and the
    assessment fields) and must be linked to a person: ``person_id`` of the people registry, or a
    ``name`` (with ``latin_name``, ``birth_date``, ``citizenships``, ``languages`` …) to add one.
    Validated as registration validates (:func:`~qorgau.cases.domain.registration.parse_new_participant`);
    the case's facts gain the person, so the assessment sees him. A defender with a ``username`` is
    admitted to the case. The act records the interpreter requirement the ``foreigners`` module gives.
    The responsible investigator acts on an open case. Raises :class:`InvalidCaseInput` naming the field.
    """
    check_permission(actor, CASES_EDIT)
    case = _load(session, actor, reference)
    check_responsible_investigator(actor, case)
    check_open(case)
    added = parse_new_participant(participant, case.facts)
    at = _now(now)
    if at < case.registered_at:
        raise InvalidCaseInput("at", "a participant cannot be added before the registration")
    position = added.person.number
    where = f"persons[{position - 1}]"
    person_id, name = _link_person(session, actor, added.identity, where)
    row = ParticipantRow(
        case_id=case.id,
        position=position,
        role=added.person.role.value,
        person_id=person_id,
        name=name,
        facts=dict(added.person_document),
        added_at=at,
    )
    session.add(row)
    username = added.identity.username
    if username and added.person.role.value == "defender":
        defender = _user(session, username, "defender", f"{where}.username")
        session.add(
            DefenderRow(
                case_id=case.id,
                user_id=defender.id,
                client_position=None,
                assigned_at=at,
                assigned_by=actor.username,
            )
        )
    case.facts = dict(added.facts_document)
    session.flush()
    interpreters = interpreter_requirements(
        session,
        actor,
        case,
        purpose="participant added to the case",
        legal_basis=f"ERDR {format_number(case.number)}",
        on=at.astimezone(CASE_TIMEZONE).date(),
        positions=[position],
    )
    interpreter = interpreters[0] if interpreters else None
    role_title = ROLE_TITLES[row.role]
    _log_act(
        session,
        actor,
        case,
        archive,
        ActKind.PARTICIPANT_ADDED,
        at=at,
        text=f"Привлечён к участию в деле: {role_title.ru} {name or ''}".strip() + ".",
        data={
            "position": position,
            "role": row.role,
            "person_id": person_id,
            "name": name,
            "interpreter_required": interpreter.required if interpreter else None,
            "interpreter_basis": interpreter.basis if interpreter else None,
        },
    )
    do_record(
        session,
        actor,
        "case.participant.add",
        "case",
        case.id,
        details={"position": position, "role": row.role, "person": person_id},
    )
    return row


@dataclass(frozen=True)
class CorrelationAttachment:
    """A monitoring correlation report filed as a material, and the legal holds on its positions."""

    entry: EntryRow
    holds: tuple[int, ...]
    persons: int

    def to_dict(self) -> dict[str, Any]:
        return entry_view(self.entry) | {"legal_holds": list(self.holds), "persons": self.persons}


def do_attach_correlation(
    session: Session,
    actor: Principal,
    reference: str | int,
    archive: CaseArchive,
    *,
    lat: float,
    lon: float,
    radius_m: float,
    start: dt.datetime,
    end: dt.datetime,
    purpose: str | None,
    legal_basis: str | None,
    person: str | None = None,
    now: dt.datetime | None = None,
) -> CorrelationAttachment:
    """File a monitoring correlation report in the case and put the positions it rests on under legal hold.

    Without ``person``: the answer of :func:`qorgau.monitoring.find_near` (who, under an order in force,
    came within ``radius_m`` of the place between ``start`` and ``end``) as a JSON material. With
    ``person``: the alibi report of that person (:func:`qorgau.monitoring.service.do_alibi_report`) as
    its PDF (:func:`qorgau.monitoring.reports.alibi_pdf`). Either way the monitoring module checks the
    request (radius, window) and audits the location read with ``purpose`` and ``legal_basis``; then
    every order and device the report relies on is held for the case by
    :func:`qorgau.monitoring.do_place_legal_hold` over the window widened by the interpolation margin
    (the fixes just outside the window that the report's movements are computed from), so retention
    cannot purge them. One transaction: a refused request leaves neither material nor hold.
    """
    from qorgau.monitoring import do_place_legal_hold, find_near
    from qorgau.monitoring.domain.spacetime import INTERPOLATION_MAX_GAP_S

    check_permission(actor, CASES_EDIT)
    case = _load(session, actor, reference)
    check_responsible_investigator(actor, case)
    check_open(case)
    purpose, legal_basis = check_purpose(purpose, legal_basis)
    at = _now(now)
    number = format_number(case.number)
    margin = dt.timedelta(seconds=INTERPOLATION_MAX_GAP_S)
    place = {"lat": lat, "lon": lon, "radius_m": radius_m, "from": start.isoformat(), "to": end.isoformat()}
    targets: list[tuple[int | str | None, str | None]]
    if person:
        from qorgau.monitoring.reports import alibi_pdf
        from qorgau.monitoring.service import alibi_detail, do_alibi_report

        report = do_alibi_report(
            session, actor, person, lat, lon, radius_m, start, end, purpose=purpose, legal_basis=legal_basis
        )
        detail = alibi_detail(report)
        content = alibi_pdf(report)
        title = f"Справка о местонахождении (алиби): {report.person}"
        filename = f"alibi-{report.person_id}.pdf"
        media_type = "application/pdf"
        searchable = (
            f"Справка о местонахождении лица {report.person_name} ({report.person}). "
            f"Заключение: {detail['conclusion']}. Предписания: {', '.join(report.orders)}."
        )
        targets = [(order, None) for order in report.orders]
        found = 1
    else:
        rows = find_near(
            session, actor, lat, lon, radius_m, start, end, purpose=purpose, legal_basis=legal_basis
        )
        document = {
            "format": "qorgau-correlation-report/1",
            "case": case.number,
            "request": place
            | {"purpose": purpose, "legal_basis": legal_basis, "requested_by": actor.username},
            "requested_at": at.isoformat(),
            "rows": [row.to_dict() for row in rows],
        }
        content = json.dumps(document, ensure_ascii=False, sort_keys=True, indent=1).encode("utf-8")
        title = f"Отчёт о корреляции местоположений: {len(rows)} лиц в радиусе {radius_m:g} м"
        filename = f"correlation-{start:%Y%m%dT%H%M}-{lat:.5f}-{lon:.5f}.json"
        media_type = "application/json"
        searchable = (
            f"Отчёт о корреляции местоположений. Место {lat:.6f}, {lon:.6f}, радиус {radius_m:g} м. "
            + " ".join(f"{row.person} ({row.order}, {row.kind}, {row.distance_m:.0f} м)." for row in rows)
        )
        targets = sorted(
            {(row.order_id, row.device) for row in rows}, key=lambda item: (str(item[0]), str(item[1]))
        )
        found = len(rows)
    entry = _append_entry(
        session,
        actor,
        case,
        archive,
        kind="correlation_report",
        title=check_title(title[:MAX_TITLE]),
        filename=safe_filename(filename),
        media_type=media_type,
        content=content,
        text=searchable,
        at=at,
    )
    holds = [
        do_place_legal_hold(
            session,
            actor,
            number,
            start=start - margin,
            end=end + margin,
            reason=f"correlation report, case {number}, entry {entry.leaf_index}",
            order=order,
            device=device,
        ).id
        for order, device in targets
    ]
    do_record(
        session,
        actor,
        "case.correlation.attach",
        "case",
        case.id,
        purpose=purpose,
        legal_basis=legal_basis,
        details=place | {"entry": entry.leaf_index, "legal_holds": holds, "person": person},
    )
    return CorrelationAttachment(entry, tuple(holds), found)


# --- views -----------------------------------------------------------------------------------------


def case_summary(case: CaseRow) -> dict[str, Any]:
    return {
        "id": case.id,
        "number": case.number,
        "number_formatted": format_number(case.number),
        "title": case.title,
        "registered_at": case.registered_at.isoformat(),
        "region": case.region,
        "reason": case.reason,
        "form": case.form,
        "status": case.status,
        "investigator_id": case.investigator_id,
        "prosecutor_id": case.prosecutor_id,
        "sent_to_court_at": case.sent_to_court_at.isoformat() if case.sent_to_court_at else None,
    }


def entry_view(entry: EntryRow) -> dict[str, Any]:
    return {
        "id": entry.id,
        "index": entry.leaf_index,
        "kind": entry.kind,
        "title": entry.title,
        "filename": entry.filename,
        "media_type": entry.media_type,
        "size": entry.size,
        "sha256": entry.sha256,
        "leaf_hash": entry.leaf_hash,
        "time": entry.leaf_time,
        "added_by": entry.added_by,
    }


def act_view(act: ActRow) -> dict[str, Any]:
    return {
        "id": act.id,
        "kind": act.kind,
        "title": ACT_TITLES[ActKind(act.kind)].to_dict(),
        "at": act.at.isoformat(),
        "author": act.author,
        "text": act.text,
        "data": act.data,
        "entry_id": act.entry_id,
    }


def agreement_view(row: AgreementRow, now: dt.datetime | None = None) -> dict[str, Any]:
    process = agreement_process(row)
    return process.to_dict() | {
        "id": row.id,
        "participant": row.participant_position,
        "allowed_moves": [state.value for state in process.allowed_moves()],
        "forwarding_overdue": process.forwarding_overdue(now or utcnow()),
        "history": row.history,
    }


def case_detail(
    session: Session,
    case: CaseRow,
    *,
    now: dt.datetime | None = None,
    actor: Principal | None = None,
    purpose: str | None = None,
    legal_basis: str | None = None,
) -> dict[str, Any]:
    """Everything the case page and ``GET /cases/{id}`` show (not the materials' bytes).

    With ``actor``, the interpreter requirement of every participant linked to a person is asked of
    ``foreigners`` (audited with ``purpose`` and ``legal_basis``), listed under ``interpreters`` and
    applied to the assessment (which lists them too).
    """
    interpreters = (
        interpreter_requirements(session, actor, case, purpose=purpose, legal_basis=legal_basis)
        if actor is not None
        else []
    )
    acts = list(
        session.scalars(select(ActRow).where(ActRow.case_id == case.id).order_by(ActRow.at, ActRow.id))
    )
    try:
        deadline = case_deadline(
            case, [act for act in acts if act.kind in ("suspension", "resumption", "extension")]
        )
    except (DeadlineError, LawError):
        deadline = None
    log = session.get(LogRow, case.id)
    offences = session.scalars(
        select(OffenceRow).where(OffenceRow.case_id == case.id).order_by(OffenceRow.position)
    )
    return case_summary(case) | {
        "offences": [
            {
                "article": o.article,
                "part": o.part,
                "category": o.category,
                "category_source": o.category_source,
            }
            for o in offences
        ],
        "participants": [
            {
                "position": p.position,
                "role": p.role,
                "person_id": p.person_id,
                "name": p.name,
                "facts": p.facts,
            }
            for p in participants_of(session, case)
        ],
        "language_of_proceedings": language_of_proceedings(case),
        "interpreters": [item.to_dict() for item in interpreters],
        "assessment": case_assessment(case, interpreters).to_dict()
        | {"interpreters": [item.to_dict() for item in interpreters]},
        "form_motivation": case.form_motivation,
        "deadline": deadline.to_dict() if deadline else None,
        "acts": [act_view(act) for act in acts],
        "materials": [entry_view(entry) for entry in entries_of(session, case.id)],
        "agreements": [agreement_view(row, now) for row in agreements_of(session, case)],
        "log": {"size": log.size if log else 0, "checkpoint": log.checkpoint if log else None},
    }
