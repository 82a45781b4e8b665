"""Pages of the electronic case: my cases, registration, the case page, statistics, search.

Each page calls the same service functions as the API; a refused action re-renders the page with
the reason (naming the field) and status 422, a successful one redirects back (303).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from qorgau.cases.documents import DOCUMENT_KINDS, render_case_document
from qorgau.cases.domain.acts import ACT_TITLES, PROSECUTOR_ACTS, RECORDABLE_ACTS, ActKind
from qorgau.cases.domain.agreements import AGREEMENT_TITLES, AgreementKind
from qorgau.cases.domain.categories import CATEGORY_TITLES, OffenceCategory
from qorgau.cases.domain.errors import CasesError
from qorgau.cases.domain.facts import ROLE_TITLES, Immunity
from qorgau.cases.domain.forms import FORM_TITLES, ProceedingForm
from qorgau.cases.domain.interpreters import LANGUAGE_TITLES
from qorgau.cases.domain.regions import REGIONS, REGIONS_BY_CODE
from qorgau.cases.domain.registration import REASON_TITLES, RegistrationReason
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
from qorgau.cases.service import (
    AGREEMENT_STATE_TITLES,
    CASE_TIMEZONE,
    DIMENSIONS,
    MOVE_ROLES,
    STATUS_TITLES,
    CaseArchive,
    CaseFileCorrupted,
    access_case,
    access_material,
    case_detail,
    deadlines,
    do_add_act,
    do_add_material,
    do_add_participant,
    do_advance_agreement,
    do_assign_defender,
    do_choose_form,
    do_petition,
    do_register_case,
    do_send_to_court,
    export_case,
    format_number,
    list_cases,
    search_materials,
    statistics,
)
from qorgau.cases.web.charts import bar_chart
from qorgau.kernel.audit.service import MissingLegalBasis
from qorgau.kernel.auth.domain import Principal
from qorgau.kernel.i18n import current_language
from qorgau.kernel.i18n import gettext as _
from qorgau.kernel.people.domain.model import PersonInvalid
from qorgau.kernel.web.deps import DbSession, require, settings_of
from qorgau.kernel.web.templating import register_nav, render

router = APIRouter(prefix="/cases", include_in_schema=False)
register_nav("Cases", "/cases", CASES_READ, order=20)
register_nav("Case statistics", "/cases/statistics", CASES_STATISTICS, order=21)
register_nav("Search materials", "/cases/search", CASES_MATERIALS_READ, order=22)

SOON = dt.timedelta(days=3)


def N_(message: str) -> str:
    """Marks a message for translation where it is defined; ``_`` translates it where it is shown."""
    return message


DIMENSION_LABELS = {
    "form": N_("form of proceedings"),
    "agreement": N_("procedural agreement"),
    "region": N_("region"),
    "period": N_("quarter"),
    "reason": N_("reason for registration"),
    "status": N_("status"),
}
REFUSED = (CasesError, PersonInvalid, MissingLegalBasis)


def _archive(request: Request) -> CaseArchive:
    return CaseArchive.under(settings_of(request).data_dir)


async def _fields(request: Request) -> dict[str, str]:
    form = await request.form()
    return {key: str(value).strip() for key, value in form.items() if isinstance(value, str)}


def _titles() -> dict[str, Any]:
    """Label tables the templates pick from in the request's language."""
    return {
        "form_titles": FORM_TITLES,
        "act_titles": ACT_TITLES,
        "agreement_titles": AGREEMENT_TITLES,
        "state_titles": AGREEMENT_STATE_TITLES,
        "status_titles": STATUS_TITLES,
        "role_titles": ROLE_TITLES,
        "reason_titles": REASON_TITLES,
        "category_titles": CATEGORY_TITLES,
        "regions": REGIONS_BY_CODE,
    }


def _deadline_badge(status: Any, now: dt.datetime) -> tuple[str, str, dt.datetime | None]:
    if status is None:
        return "", "", None
    if status.suspended:
        return "warn", _("suspended"), None
    if status.is_overdue(now):
        return "bad", _("overdue"), status.due_at
    if status.is_due_within(now, SOON):
        return "warn", _("due soon"), status.due_at
    return "ok", _("on time"), status.due_at


# --- my cases --------------------------------------------------------------------------------------


@router.get("")
def cases_page(
    request: Request,
    session: DbSession,
    principal: Annotated[Principal, Depends(require(CASES_READ))],
    status: str = "",
) -> Response:
    now = dt.datetime.now(dt.UTC)
    cases = list_cases(session, principal, status=status or None, limit=200)
    clocks = {item.case.id: item.status for item in deadlines(session, principal)}
    rows = [(case, _deadline_badge(clocks.get(case.id), now)) for case in cases]
    return render(
        request,
        "cases/list.html",
        principal,
        rows=rows,
        status=status,
        format_number=format_number,
        **_titles(),
    )


# --- registration ----------------------------------------------------------------------------------


def registration_document(fields: dict[str, str]) -> dict[str, Any]:
    """The registration document (as ``POST /api/v1/cases`` takes it) from the page's form fields."""
    registered_at = None
    if fields.get("registered_at"):
        try:
            moment = dt.datetime.fromisoformat(fields["registered_at"])
        except ValueError:
            registered_at = fields["registered_at"]  # the service names the field
        else:
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=CASE_TIMEZONE)
            registered_at = moment.isoformat()
    when = (
        dt.datetime.fromisoformat(registered_at)
        if isinstance(registered_at, str) and "T" in registered_at
        else None
    )
    on = (when or dt.datetime.now(CASE_TIMEZONE)).astimezone(CASE_TIMEZONE).date().isoformat()
    offences = []
    for number in range(1, 4):
        article = fields.get(f"article_{number}", "")
        if article:
            offence: dict[str, Any] = {
                "article": article,
                "category": fields.get(f"category_{number}") or None,
            }
            if fields.get(f"part_{number}"):
                offence["part"] = fields[f"part_{number}"]
            if fields.get(f"fine_{number}"):
                offence["sanction_includes_fine"] = fields[f"fine_{number}"] == "yes"
            offences.append(offence)
    persons: list[dict[str, Any]] = []
    if fields.get("suspect_name") or fields.get("suspect_age"):
        suspect: dict[str, Any] = {
            "role": "suspect",
            "admits_guilt": fields.get("admits_guilt") == "on",
            "disputes_damage": fields.get("disputes_damage") == "on",
            "speaks_language_of_proceedings": fields.get("speaks_language") == "on",
            "has_defender": fields.get("has_defender") == "on",
            "immunity": fields.get("immunity") or None,
        }
        if fields.get("suspect_name"):
            suspect["name"] = fields["suspect_name"]
        age = fields.get("suspect_age", "")
        if age:
            suspect["age"] = int(age) if age.isdigit() else age
        if fields.get("suspect_birth_date"):
            suspect["birth_date"] = fields["suspect_birth_date"]
        persons.append(suspect)
    if fields.get("victim_name"):
        persons.append({"role": "victim", "name": fields["victim_name"]})
    document: dict[str, Any] = {
        "date": on,
        "offences": offences,
        "persons": persons,
        "offender_identified": fields.get("offender_identified") == "on",
        "region": fields.get("region") or None,
        "reason": fields.get("reason") or None,
    }
    for key in ("title", "prosecutor"):
        if fields.get(key):
            document[key] = fields[key]
    if registered_at:
        document["registered_at"] = registered_at
    return document


def participant_document(fields: dict[str, str]) -> dict[str, Any]:
    """One ``persons`` entry (as ``POST /api/v1/cases/{case}/participants`` takes it) from the case
    page's "add a participant" form: a person of the registry (``person_id``) or a new one by name."""
    person: dict[str, Any] = {"role": fields.get("role", "")}
    for key in ("person_id", "name", "birth_date"):
        if fields.get(key):
            person[key] = fields[key]
    for key in ("citizenships", "languages"):
        codes = [code.strip() for code in fields.get(key, "").replace(";", ",").split(",") if code.strip()]
        if codes:
            person[key] = [code.upper() if key == "citizenships" else code.lower() for code in codes]
    age = fields.get("age", "")
    if age:
        person["age"] = int(age) if age.isdigit() else age
    if person["role"] in ("suspect", "accused"):
        person["speaks_language_of_proceedings"] = fields.get("speaks_language") == "on"
        person["admits_guilt"] = fields.get("admits_guilt") == "on"
        person["has_defender"] = fields.get("has_defender") == "on"
    return person


def _new_page(request: Request, principal: Principal, **context: Any) -> Response:
    return render(
        request,
        "cases/new.html",
        principal,
        regions=REGIONS,
        reasons=list(RegistrationReason),
        categories=list(OffenceCategory),
        immunities=list(Immunity),
        reason_titles=REASON_TITLES,
        category_titles=CATEGORY_TITLES,
        **context,
    )


@router.get("/new")
def new_case_form(
    request: Request, principal: Annotated[Principal, Depends(require(CASES_REGISTER))]
) -> Response:
    return _new_page(request, principal, form={"speaks_language": "on", "offender_identified": "on"})


@router.post("/new")
async def register_case(
    request: Request, session: DbSession, principal: Annotated[Principal, Depends(require(CASES_REGISTER))]
) -> Response:
    fields = await _fields(request)
    try:
        case = do_register_case(session, principal, registration_document(fields), _archive(request))
    except REFUSED as exc:
        session.rollback()
        return _new_page(request, principal, status_code=422, form=fields, error=exc)
    return RedirectResponse(f"/cases/{case.id}?done=registered", status_code=303)


# --- statistics and search (before /{case}) --------------------------------------------------------


@router.get("/statistics")
def statistics_page(
    request: Request,
    session: DbSession,
    principal: Annotated[Principal, Depends(require(CASES_STATISTICS))],
    by: str = "form",
    region: str = "",
    period: str = "",
) -> Response:
    language = current_language()
    try:
        result = statistics(session, principal, by=by, region=region or None, period=period or None)
    except REFUSED as exc:
        session.rollback()
        return render(
            request,
            "cases/statistics.html",
            principal,
            status_code=422,
            error=exc,
            result=None,
            by=by,
            region=region,
            period=period,
            dimensions=DIMENSIONS,
            dimension_labels=DIMENSION_LABELS,
            regions=REGIONS,
        )
    chart = bar_chart(
        [(row.label.get(language), row.count, row.share) for row in result.rows],
        title=_("Registered cases by %(dimension)s") % {"dimension": _(DIMENSION_LABELS.get(by, by))},
    )
    query = urlencode({"by": by, "region": region, "period": period, "lang": language})
    return render(
        request,
        "cases/statistics.html",
        principal,
        result=result,
        chart=chart,
        csv_href=f"/cases/statistics.csv?{query}",
        by=by,
        region=region,
        period=period,
        dimensions=DIMENSIONS,
        dimension_labels=DIMENSION_LABELS,
        regions=REGIONS,
    )


@router.get("/statistics.csv")
def statistics_csv(
    session: DbSession,
    principal: Annotated[Principal, Depends(require(CASES_STATISTICS))],
    by: str = "form",
    region: str = "",
    period: str = "",
    lang: str = "ru",
) -> Response:
    result = statistics(session, principal, by=by, region=region or None, period=period or None)
    return Response(
        result.to_csv(lang),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="cases-by-{result.by}.csv"'},
    )


@router.get("/search")
def search_page(
    request: Request,
    session: DbSession,
    principal: Annotated[Principal, Depends(require(CASES_MATERIALS_READ))],
    q: str = "",
    purpose: str = "",
    legal_basis: str = "",
) -> Response:
    context: dict[str, Any] = {"q": q, "purpose": purpose, "legal_basis": legal_basis, "hits": None}
    if q:
        try:
            context["hits"] = search_materials(
                session, principal, q, purpose=purpose, legal_basis=legal_basis
            )
        except REFUSED as exc:
            session.rollback()
            return render(request, "cases/search.html", principal, status_code=422, error=exc, **context)
    return render(request, "cases/search.html", principal, format_number=format_number, **context)


# --- the case page ---------------------------------------------------------------------------------

DONE_MESSAGES = {
    "registered": N_("The case is registered."),
    "form": N_("The decision on the form is in the case file."),
    "material": N_("The material is in the case file."),
    "act": N_("The act is in the case file."),
    "agreement": N_("The agreement is updated."),
    "defender": N_("The defender is admitted."),
    "participant": N_("The participant is added to the case."),
    "court": N_("The case is sent to court."),
}


def _case_page(
    request: Request,
    session: Session,
    principal: Principal,
    reference: str,
    *,
    error: Exception | None = None,
    status_code: int = 200,
    done: str = "",
) -> Response:
    case = access_case(session, principal, reference)
    detail = case_detail(session, case, actor=principal)
    now = dt.datetime.now(dt.UTC)
    clock = next((item.status for item in deadlines(session, principal) if item.case.id == case.id), None)
    messages = [("ok", _(DONE_MESSAGES[done]))] if done in DONE_MESSAGES else []
    if error is not None:
        messages.append(("error", _error_text(error)))
    return render(
        request,
        "cases/show.html",
        principal,
        status_code=status_code,
        case=case,
        detail=detail,
        badge=_deadline_badge(clock, now),
        messages=messages,
        error_field=getattr(error, "field", None),
        error_reasons=getattr(error, "reasons", ()),
        recordable_acts=[
            kind
            for kind in ActKind
            if kind in RECORDABLE_ACTS and (kind in PROSECUTOR_ACTS) == (principal.role == "prosecutor")
        ],
        my_moves=[state.value for state, roles in MOVE_ROLES.items() if principal.role in roles],
        agreement_kinds=list(AgreementKind),
        forms=list(ProceedingForm),
        document_kinds=DOCUMENT_KINDS,
        default_basis=f"ERDR {format_number(case.number)}",
        can_edit=principal.can(CASES_EDIT) and (case.investigator_id == principal.user_id),
        can_act=principal.can(CASES_ACTS),
        can_petition=principal.can(CASES_AGREEMENTS_PETITION) and case.sent_to_court_at is None,
        can_decide=principal.can(CASES_AGREEMENTS_DECIDE),
        can_supervise=principal.can(CASES_SUPERVISE) and case.status == "completed",
        can_read_materials=principal.can(CASES_MATERIALS_READ),
        can_export=principal.can(CASES_EXPORT),
        moment=dt.datetime.fromisoformat,
        interpreters_by_position={item["position"]: item for item in detail["interpreters"]},
        language_titles=LANGUAGE_TITLES,
        **_titles(),
    )


def _error_text(error: Exception) -> str:
    field = getattr(error, "field", None)
    text = str(error)
    if field and text.startswith(f"{field}: "):
        text = text[len(field) + 2 :]
    return _("Refused (%(field)s): %(reason)s") % {"field": field or "—", "reason": text}


@router.get("/{case}")
def case_page(
    request: Request,
    case: str,
    session: DbSession,
    principal: Annotated[Principal, Depends(require(CASES_READ))],
    done: str = "",
) -> Response:
    return _case_page(request, session, principal, case, done=done)


async def _act_on(
    request: Request, session: Session, principal: Principal, case: str, done: str, action: Any
) -> Response:
    """Run ``action(fields)``; on a refusal re-render the case page with the reason (422)."""
    fields = await _fields(request)
    try:
        await action(fields)
    except REFUSED as exc:
        session.rollback()
        return _case_page(request, session, principal, case, error=exc, status_code=422)
    return RedirectResponse(f"/cases/{quote(case)}?done={done}", status_code=303)


@router.post("/{case}/form")
async def choose_form(
    request: Request,
    case: str,
    session: DbSession,
    principal: Annotated[Principal, Depends(require(CASES_EDIT))],
) -> Response:
    async def action(fields: dict[str, str]) -> None:
        do_choose_form(
            session,
            principal,
            case,
            _archive(request),
            form=fields.get("form", ""),
            motivation=fields.get("motivation", ""),
        )

    return await _act_on(request, session, principal, case, "form", action)


@router.post("/{case}/materials")
async def add_material(
    request: Request,
    case: str,
    session: DbSession,
    principal: Annotated[Principal, Depends(require(CASES_EDIT))],
) -> Response:
    form = await request.form()
    upload = form.get("file")

    async def action(fields: dict[str, str]) -> None:
        if not isinstance(upload, UploadFile):
            raise InvalidUpload()
        content = await upload.read()
        do_add_material(
            session,
            principal,
            case,
            _archive(request),
            title=fields.get("title", ""),
            filename=upload.filename or "material",
            content=content,
            media_type=upload.content_type,
            text=fields.get("text") or None,
        )

    return await _act_on(request, session, principal, case, "material", action)


class InvalidUpload(CasesError):
    def __init__(self) -> None:
        super().__init__("file: choose a file to upload")
        self.field = "file"


@router.get("/{case}/materials/{entry_id}")
def material(
    request: Request,
    case: str,
    entry_id: int,
    session: DbSession,
    principal: Annotated[Principal, Depends(require(CASES_MATERIALS_READ))],
    purpose: str = "",
    legal_basis: str = "",
) -> Response:
    try:
        entry, content = access_material(
            session, principal, case, entry_id, _archive(request), purpose=purpose, legal_basis=legal_basis
        )
    except (MissingLegalBasis, CaseFileCorrupted) as exc:
        session.rollback()
        return _case_page(request, session, principal, case, error=exc, status_code=422)
    disposition = (
        "inline" if entry.media_type.startswith(("text/", "image/", "application/pdf")) else "attachment"
    )
    return Response(
        content,
        media_type=entry.media_type,
        headers={"Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(entry.filename)}"},
    )


@router.post("/{case}/acts")
async def add_act(
    request: Request,
    case: str,
    session: DbSession,
    principal: Annotated[Principal, Depends(require(CASES_ACTS))],
) -> Response:
    async def action(fields: dict[str, str]) -> None:
        data: dict[str, Any] = {}
        if fields.get("term_amount"):
            amount = fields["term_amount"]
            data["term"] = {
                "amount": int(amount) if amount.isdigit() else amount,
                "unit": fields.get("term_unit"),
            }
        do_add_act(
            session,
            principal,
            case,
            _archive(request),
            kind=fields.get("kind", ""),
            text=fields.get("text", ""),
            data=data,
        )

    return await _act_on(request, session, principal, case, "act", action)


@router.post("/{case}/agreements")
async def petition(
    request: Request,
    case: str,
    session: DbSession,
    principal: Annotated[Principal, Depends(require(CASES_AGREEMENTS_PETITION))],
) -> Response:
    async def action(fields: dict[str, str]) -> None:
        participant = fields.get("participant", "")
        do_petition(
            session,
            principal,
            case,
            _archive(request),
            kind=fields.get("kind", ""),
            participant=int(participant) if participant.isdigit() else None,
            note=fields.get("note", ""),
        )

    return await _act_on(request, session, principal, case, "agreement", action)


@router.post("/{case}/agreements/{agreement_id}/moves")
async def move_agreement(
    request: Request,
    case: str,
    agreement_id: int,
    session: DbSession,
    principal: Annotated[Principal, Depends(require(CASES_AGREEMENTS_DECIDE))],
) -> Response:
    async def action(fields: dict[str, str]) -> None:
        do_advance_agreement(
            session,
            principal,
            case,
            agreement_id,
            _archive(request),
            to=fields.get("to", ""),
            note=fields.get("note", ""),
        )

    return await _act_on(request, session, principal, case, "agreement", action)


@router.post("/{case}/defenders")
async def admit_defender(
    request: Request,
    case: str,
    session: DbSession,
    principal: Annotated[Principal, Depends(require(CASES_EDIT))],
) -> Response:
    async def action(fields: dict[str, str]) -> None:
        client = fields.get("client", "")
        do_assign_defender(
            session,
            principal,
            case,
            _archive(request),
            username=fields.get("username", ""),
            client_position=int(client) if client.isdigit() else None,
        )

    return await _act_on(request, session, principal, case, "defender", action)


@router.post("/{case}/participants")
async def add_participant(
    request: Request,
    case: str,
    session: DbSession,
    principal: Annotated[Principal, Depends(require(CASES_EDIT))],
) -> Response:
    async def action(fields: dict[str, str]) -> None:
        do_add_participant(
            session, principal, case, _archive(request), participant=participant_document(fields)
        )

    return await _act_on(request, session, principal, case, "participant", action)


@router.post("/{case}/court")
async def send_to_court(
    request: Request,
    case: str,
    session: DbSession,
    principal: Annotated[Principal, Depends(require(CASES_SUPERVISE))],
) -> Response:
    async def action(fields: dict[str, str]) -> None:
        do_send_to_court(session, principal, case, _archive(request), text=fields.get("text", ""))

    return await _act_on(request, session, principal, case, "court", action)


@router.get("/{case}/bundle")
def bundle(
    request: Request,
    case: str,
    session: DbSession,
    principal: Annotated[Principal, Depends(require(CASES_EXPORT))],
    purpose: str = "",
    legal_basis: str = "",
) -> Response:
    try:
        data = export_case(
            session, principal, case, _archive(request), purpose=purpose, legal_basis=legal_basis
        )
    except (MissingLegalBasis, CaseFileCorrupted) as exc:
        session.rollback()
        return _case_page(request, session, principal, case, error=exc, status_code=422)
    return Response(
        data,
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="case-{case}.zip"'},
    )


@router.get("/{case}/documents/{kind}")
def case_document(
    case: str,
    kind: str,
    session: DbSession,
    principal: Annotated[Principal, Depends(require(CASES_READ))],
    lang: str = "ru",
) -> Response:
    pdf = render_case_document(session, principal, case, kind, lang)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{kind}-{lang}.pdf"'},
    )
