"""Pages of the foreigners module: the migration officer's worklist (due today, overstays), a
person's timeline with the assessment and the rights of the status, forms to add records, and the
CSV import of crossings with errors shown per line."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from qorgau.foreigners import service
from qorgau.foreigners.domain.facts import TEMPORARY_RESIDENCE_GROUNDS, PermitKind, Status
from qorgau.foreigners.imports import (
    ImportRejected,
    do_import_crossings,
    do_record_rejected_import,
    read_crossings_csv,
)
from qorgau.foreigners.permissions import (
    FOREIGNERS_IMPORT,
    FOREIGNERS_READ,
    FOREIGNERS_WORKLIST,
    FOREIGNERS_WRITE,
)
from qorgau.foreigners.rules import default_rulebook
from qorgau.foreigners.web.timeline import layout
from qorgau.kernel import i18n
from qorgau.kernel.audit.service import MissingLegalBasis
from qorgau.kernel.auth.domain import Principal
from qorgau.kernel.i18n import gettext as _
from qorgau.kernel.law import LawError
from qorgau.kernel.people.service import search_people
from qorgau.kernel.web.deps import DbSession, require
from qorgau.kernel.web.templating import register_nav, render

router = APIRouter(prefix="/foreigners", include_in_schema=False)
register_nav("Foreigners", "/foreigners", FOREIGNERS_READ, order=30)

Reader = Annotated[Principal, Depends(require(FOREIGNERS_READ))]
Writer = Annotated[Principal, Depends(require(FOREIGNERS_WRITE))]
Importer = Annotated[Principal, Depends(require(FOREIGNERS_IMPORT))]


def N_(message: str) -> str:
    """Marks a message for translation where it is defined; translated where it is shown."""
    return message


DUTY_LABELS = {
    "registration": N_("registration of the stay"),
    "host_notification": N_("host's notification"),
    "self_registration": N_("self-registration"),
    "re_registration": N_("re-registration after a change of address"),
}
PERFORMER_LABELS = {"foreigner": N_("the foreigner"), "host": N_("the host")}
GROUND_LABELS = {
    "family_reunification": N_("family reunification"),
    "employment": N_("employment"),
    "study": N_("study"),
    "treatment": N_("treatment"),
    "missionary_activity": N_("missionary activity"),
    "business": N_("business"),
    "atazholy": N_("Atazholy card"),
    "kandas": N_("kandas status"),
    "household_labour": N_("household labour"),
}
FORM_TITLES = {
    "crossings": N_("Add a crossing"),
    "exit": N_("Record an exit"),
    "registrations": N_("Add a registration"),
    "host-notifications": N_("Add a host's notification"),
    "address-changes": N_("Add a change of address"),
    "permits": N_("Add a visa or permit"),
    "statuses": N_("Record a status"),
}


# ----------------------------------------------------------------------------------- worklist


@router.get("")
def foreigners_page(
    request: Request, session: DbSession, principal: Reader, q: str = "", date: str = ""
) -> Response:
    day, date_error = _day(date)
    hits = search_people(session, principal, q, limit=20) if q.strip() else []
    due = overstays = None
    if principal.can(FOREIGNERS_WORKLIST):
        due = service.due_today(session, principal, day)
        overstays = service.overstays(session, principal, day, limit=500)
    return render(
        request,
        "foreigners/index.html",
        principal,
        q=q,
        hits=hits,
        day=day,
        date_error=date_error,
        due=due,
        overstays=overstays,
        duty_labels=DUTY_LABELS,
        performer_labels=PERFORMER_LABELS,
        status_name=_status_name,
        can_import=principal.can(FOREIGNERS_IMPORT),
    )


# ----------------------------------------------------------------------------------- person


@router.get("/people/{person_id}")
def person_page(
    request: Request,
    person_id: str,
    session: DbSession,
    principal: Reader,
    purpose: str = "",
    legal_basis: str = "",
    date: str = "",
    done: str = "",
) -> Response:
    if not purpose and not legal_basis:
        return render(request, "foreigners/purpose.html", principal, person_id=person_id, date=date)
    try:
        return _person_page(request, session, principal, person_id, purpose, legal_basis, date, done=done)
    except MissingLegalBasis as exc:
        return render(
            request,
            "foreigners/purpose.html",
            principal,
            status_code=422,
            person_id=person_id,
            date=date,
            error=_("State the purpose and the legal basis of this read."),
            field=exc.field,
            purpose=purpose,
            legal_basis=legal_basis,
        )


def _person_page(
    request: Request,
    session: Session,
    principal: Principal,
    person_id: str,
    purpose: str,
    legal_basis: str,
    date: str,
    *,
    done: str = "",
    error: Exception | None = None,
    form_kind: str = "",
    form: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    day, date_error = _day(date)
    timeline = service.timeline(
        session, principal, person_id, purpose=purpose, legal_basis=legal_basis, on=day
    )
    language = i18n.current_language()
    texts = default_rulebook().texts
    labels: dict[str, str] = {
        "lawful": _("lawful stay"),
        "unlawful": _("stay past the last lawful day"),
        "registration": _("registration"),
        "host_notification": _("host's notification"),
        "address_change": _("change of address"),
        "last_lawful_day": _("last lawful day"),
    }
    labels |= {status.value: texts[f"status_{status.value}"].get(language) for status in Status}
    labels |= {kind.value: texts[f"document_{kind.value}"].get(language) for kind in PermitKind}
    assessment = timeline.assessment
    return render(
        request,
        "foreigners/person.html",
        principal,
        status_code=status_code,
        t=timeline,
        a=assessment,
        day=day,
        date_error=date_error,
        purpose=purpose,
        legal_basis=legal_basis,
        query=urlencode({"purpose": purpose, "legal_basis": legal_basis, "date": day.isoformat()}),
        layout=layout(timeline, labels),
        labels=labels,
        reasons=[*assessment.stay.reasons, *assessment.registration.reasons],
        duty_labels=DUTY_LABELS,
        performer_labels=PERFORMER_LABELS,
        ground_labels=GROUND_LABELS,
        form_titles=FORM_TITLES,
        statuses=[s.value for s in Status],
        permit_kinds=[k.value for k in PermitKind],
        grounds=sorted(TEMPORARY_RESIDENCE_GROUNDS),
        can_write=principal.can(FOREIGNERS_WRITE),
        done=done,
        error=error,
        form_kind=form_kind,
        form=form or {},
    )


def _writer(
    kind: str, action: Callable[[Session, Principal, str, dict[str, Any]], object]
) -> Callable[..., Any]:
    async def handler(request: Request, person_id: str, session: DbSession, principal: Writer) -> Response:
        fields = {
            key: str(value).strip() for key, value in (await request.form()).items() if isinstance(value, str)
        }
        purpose, legal_basis, date = (
            fields.get("purpose", ""),
            fields.get("legal_basis", ""),
            fields.get("date", ""),
        )
        data: dict[str, Any] = {key: value or None for key, value in fields.items() if key not in _META}
        if "date_of_record" in data:  # "date" of the page is the date of the assessment shown
            data["date"] = data.pop("date_of_record")
        if "confirmed" in data:
            data["confirmed"] = {"yes": True, "no": False}.get(str(data["confirmed"]))
        try:
            action(session, principal, person_id, data)
        except (service.RecordRejected, ValueError) as exc:
            session.rollback()
            return _person_page(
                request,
                session,
                principal,
                person_id,
                purpose,
                legal_basis,
                date,
                error=exc,
                form_kind=kind,
                form=fields,
                status_code=422,
            )
        query = urlencode({"purpose": purpose, "legal_basis": legal_basis, "date": date, "done": kind})
        return RedirectResponse(f"/foreigners/people/{person_id}?{query}#records", status_code=303)

    handler.__name__ = f"add_{kind.replace('-', '_')}"
    return handler


_META = {"csrf_token", "purpose", "legal_basis", "date"}


def _exit(session: Session, principal: Principal, person_id: str, data: dict[str, Any]) -> object:
    try:
        crossing_id = int(str(data.pop("crossing_id", "") or ""))
    except ValueError:
        raise service.RecordRejected("crossing_id", _("Choose the stay to close.")) from None
    return service.do_record_exit(session, principal, person_id, crossing_id, data)


for _kind, _action in (
    ("crossings", service.do_add_crossing),
    ("exit", _exit),
    ("registrations", service.do_add_registration),
    ("host-notifications", service.do_add_host_notification),
    ("address-changes", service.do_add_address_change),
    ("permits", service.do_add_permit),
    ("statuses", service.do_set_status),
):
    router.add_api_route(f"/people/{{person_id}}/{_kind}", _writer(_kind, _action), methods=["POST"])


# ----------------------------------------------------------------------------------- import


@router.get("/import")
def import_form(request: Request, principal: Importer) -> Response:
    return render(request, "foreigners/import.html", principal, report=None)


@router.post("/import")
async def import_upload(request: Request, session: DbSession, principal: Importer) -> Response:
    form = await request.form()
    upload = form.get("file")
    skip_bad = form.get("skip_bad") == "yes"
    if upload is None or isinstance(upload, str):
        return render(
            request,
            "foreigners/import.html",
            principal,
            status_code=422,
            report=None,
            error=_("Choose a CSV file."),
        )
    content = await upload.read()
    try:
        lines, unreadable = read_crossings_csv(content)
    except UnicodeDecodeError:
        return render(
            request,
            "foreigners/import.html",
            principal,
            status_code=422,
            report=None,
            error=_("The file is not UTF-8 text."),
        )
    try:
        report = do_import_crossings(session, principal, lines, skip_bad=skip_bad, unreadable=unreadable)
    except ImportRejected as rejected:
        session.rollback()
        do_record_rejected_import(session, principal, rejected.report)
        report = rejected.report
    return render(
        request,
        "foreigners/import.html",
        principal,
        status_code=200 if report.committed else 422,
        report=report,
        filename=upload.filename,
        skip_bad=skip_bad,
    )


# ----------------------------------------------------------------------------------- helpers


def _day(value: str) -> tuple[dt.date, str | None]:
    if not value:
        return dt.date.today(), None
    try:
        return dt.date.fromisoformat(value), None
    except ValueError:
        return dt.date.today(), _("The date must be written as YYYY-MM-DD; today is shown.")


def _status_name(status: str) -> str:
    texts = default_rulebook().texts
    try:
        return texts[f"status_{status}"].get(i18n.current_language())
    except LawError:
        return status
