"""Pages of the protection module: statistics dashboards, burden sharing, protection end dates,
registrations and the duplicate review queue.

Every figure comes from the store through ``protection.service`` (the same functions the API and
the command line use); every chart is drawn here as inline SVG (:mod:`.charts`) with the same
figures in a table beside it, so the pages need nothing from the internet. Registrations are read
under a stated purpose and legal basis (a form asks for them first), and the review queue records
each registration it shows.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Annotated, Any
from urllib.parse import urlencode

from babel import Locale
from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from qorgau.kernel import i18n
from qorgau.kernel.audit.service import MissingLegalBasis
from qorgau.kernel.auth.domain import Principal
from qorgau.kernel.i18n import gettext as _
from qorgau.kernel.i18n.terms import N_
from qorgau.kernel.people.domain.model import DOCUMENT_KINDS
from qorgau.kernel.web.deps import DbSession, require
from qorgau.kernel.web.templating import register_nav, render
from qorgau.protection import service
from qorgau.protection.domain.errors import ProtectionError, RecordInvalid
from qorgau.protection.domain.observations import DATASETS, REPORTING_COUNTRIES
from qorgau.protection.domain.registration import (
    KINDS,
    NATIONALITY_TYPES,
    OUTCOMES,
    RELATIONS,
    SEXES,
    agreeing_fields,
)
from qorgau.protection.domain.statistics import APPLICANT_TYPES
from qorgau.protection.domain.temporary_protection import EndStep
from qorgau.protection.permissions import (
    PROTECTION_REGISTRATIONS_READ,
    PROTECTION_REGISTRATIONS_WRITE,
    PROTECTION_REVIEW,
    PROTECTION_STATISTICS_IMPORT,
    PROTECTION_STATISTICS_READ,
)
from qorgau.protection.rules import load_activations, load_keys, status_rights
from qorgau.protection.web.charts import (
    TimelineSpan,
    bar_chart,
    grouped_bar_chart,
    line_chart,
    timeline,
)

router = APIRouter(prefix="/protection", include_in_schema=False)
register_nav("Protection", "/protection", PROTECTION_STATISTICS_READ, order=40)

Analyst = Annotated[Principal, Depends(require(PROTECTION_STATISTICS_READ))]
Importer = Annotated[Principal, Depends(require(PROTECTION_STATISTICS_IMPORT))]
Reader = Annotated[Principal, Depends(require(PROTECTION_REGISTRATIONS_READ))]
Writer = Annotated[Principal, Depends(require(PROTECTION_REGISTRATIONS_WRITE))]
Reviewer = Annotated[Principal, Depends(require(PROTECTION_REVIEW))]
MAX_UPLOAD = 200 * 1024 * 1024

# --- labels shown from data (English message ids, translated when shown) --------------------------------

KIND_LABELS = {
    "temporary_protection": N_("Temporary protection"),
    "asylum_application": N_("Asylum application"),
}
STATUS_LABELS = {
    "registered": N_("Registered, no decision yet"),
    "granted": N_("Temporary protection granted"),
    "excluded": N_("Excluded from temporary protection"),
    "ended": N_("Temporary protection ended"),
    "refugee_status": N_("Refugee status granted"),
    "subsidiary_protection": N_("Subsidiary protection granted"),
    "humanitarian_status": N_("Humanitarian status granted"),
    "rejected": N_("Application rejected"),
    "withdrawn": N_("Application withdrawn"),
}
OUTCOME_LABELS = {
    "granted": N_("grant temporary protection"),
    "excluded": N_("exclude (Directive art. 28)"),
    "ended": N_("end temporary protection"),
    "refugee_status": N_("grant refugee status"),
    "subsidiary_protection": N_("grant subsidiary protection"),
    "humanitarian_status": N_("grant humanitarian status"),
    "rejected": N_("reject the application"),
    "withdrawn": N_("record a withdrawal"),
}
REVIEW_LABELS = {
    "pending": N_("pending"),
    "confirmed": N_("confirmed: one person"),
    "rejected": N_("rejected: different people"),
}
FIELD_LABELS = {
    "surname": N_("Surname"),
    "surname_latin": N_("Surname in Latin letters"),
    "given_names": N_("Given names"),
    "given_names_latin": N_("Given names in Latin letters"),
    "birth_date": N_("Birth date"),
    "sex": N_("Sex"),
    "nationality": N_("Nationality"),
    "document_number": N_("Document number"),
    "document_country": N_("Issuing state"),
    "registering_state": N_("Registering state"),
    "registration_date": N_("Registration date"),
    "document": N_("Identity document"),
    "registration": N_("Registration"),
}
AGREEMENT_LABELS = {
    "exact": N_("exact"),
    "transliteration": N_("another transliteration"),
    "phonetic": N_("sounds alike"),
    "exchanged": N_("names exchanged"),
    "typo": N_("typing error"),
    "similar": N_("similar"),
    "different": N_("different"),
    "missing": N_("not recorded"),
    "day_month_swapped": N_("day and month swapped"),
    "day_typo": N_("day mistyped"),
    "year_typo": N_("year mistyped"),
    "same_year": N_("same year"),
    "same_number": N_("same number"),
    "same_state_same_day": N_("same state, same day"),
    "same_state": N_("same state"),
    "other_state": N_("another state"),
    "same": N_("same"),
}
RELATION_LABELS = {
    "parent": N_("parent"),
    "legal_guardian": N_("legal guardian"),
    "sibling": N_("brother or sister"),
    "grandparent": N_("grandparent"),
    "other_relative": N_("other relative"),
    "other_adult": N_("other adult"),
}
NATIONALITY_TYPE_LABELS = {
    "citizen": N_("citizen of the state named"),
    "stateless": N_("stateless"),
    "undetermined": N_("not determined"),
}
SEX_LABELS = {"F": N_("female"), "M": N_("male"), "X": N_("unspecified")}
DATASET_LABELS = {
    "migr_asyappctza": N_("Asylum applicants, annual"),
    "migr_asyappctzm": N_("Asylum applicants, monthly"),
    "migr_asydcfsta": N_("First-instance decisions on asylum applications, annual"),
    "migr_asytpfm": N_("Decisions granting temporary protection, monthly (a flow)"),
    "migr_asytpsm": N_("Beneficiaries of temporary protection at the end of the month (a stock)"),
}
APPLICANT_LABELS = {
    "FRST": N_("first-time applicants"),
    "TOTAL": N_("all applicants"),
    "SSEQ": N_("subsequent applicants"),
}
STEP_LABELS = {
    "activation": N_("Activation"),
    "automatic_extension": N_("Automatic extension"),
    "council_extension": N_("Council extension"),
}
AGGREGATE_NAMES = {
    "EU27_2020": N_("EU-27 (from 2020)"),
    "EU28": N_("EU-28"),
    "EU27_2007": N_("EU-27 (2007–2013)"),
    "EU": N_("European Union"),
    "TOTAL": N_("Total"),
}
SUM_OF_MEMBERS = "sum of member countries"
_ACT_NUMBER = re.compile(r"\d{4}/\d+")
# Eurostat writes Greece EL and the United Kingdom UK; ISO 3166 (and Babel) GR and GB.
_EUROSTAT_TO_ISO = {"EL": "GR", "UK": "GB"}


@cache
def _territories(language: str) -> Mapping[str, str]:
    return Locale.parse(language).territories


def country_name(code: str) -> str:
    """The name of a Eurostat country or citizenship code in the page's language."""
    if code in AGGREGATE_NAMES:
        return _(AGGREGATE_NAMES[code])
    if code == "STLS":
        return _("stateless")
    if code == "UNK":
        return _("unknown")
    name = _territories(i18n.current_language()).get(_EUROSTAT_TO_ISO.get(code, code))
    return str(name) if name else code


def source_name(source: str, countries: int | None = None) -> str:
    """An EU row by name; a sum of member countries with how many went into it."""
    if source != SUM_OF_MEMBERS:
        return country_name(source)
    if countries:
        return _("sum, countries: %(count)s") % {"count": countries}
    return _("sum of the countries in the data")


def number(value: float | None, digits: int | None = None) -> str:
    return "" if value is None else i18n.format_number(value, digits)


def percent(value: float | None) -> str:
    return "" if value is None else f"{i18n.format_number(value, 1)} %"


def label(mapping: Mapping[str, str], code: str | None) -> str:
    if code is None:
        return ""
    return _(mapping[code]) if code in mapping else code


def _common(principal: Principal) -> dict[str, Any]:
    return {
        "can_import": principal.can(PROTECTION_STATISTICS_IMPORT),
        "can_read_registrations": principal.can(PROTECTION_REGISTRATIONS_READ),
        "can_write_registrations": principal.can(PROTECTION_REGISTRATIONS_WRITE),
        "can_review": principal.can(PROTECTION_REVIEW),
        "country_name": country_name,
        "source_name": source_name,
        "number": number,
        "percent": percent,
        "label": label,
        "labels": {
            "kind": KIND_LABELS,
            "status": STATUS_LABELS,
            "outcome": OUTCOME_LABELS,
            "review": REVIEW_LABELS,
            "field": FIELD_LABELS,
            "agreement": AGREEMENT_LABELS,
            "relation": RELATION_LABELS,
            "nationality_type": NATIONALITY_TYPE_LABELS,
            "sex": SEX_LABELS,
            "dataset": DATASET_LABELS,
            "applicant": APPLICANT_LABELS,
            "step": STEP_LABELS,
        },
    }


# --- the dashboard ------------------------------------------------------------------------------------


def _applications(session: Session, principal: Principal, applicant: str, year: int | None) -> dict[str, Any]:
    found = service.applications_overview(session, principal, applicant, year)
    if found is None:
        return {"available": False}
    periods = [point.period for point in found.points]
    what = _(APPLICANT_LABELS[applicant])
    figures = found.stats
    if "no_population" in found.notes and "notes" in figures:
        figures["notes"].append(
            _("No population table for %(year)s: no rates per million.") % {"year": found.year}
        )
    result: dict[str, Any] = {
        "available": True,
        "import": found.dataset,
        "points": found.points,
        "year": found.year,
        "years": sorted({int(period[:4]) for period in periods} | {found.year}, reverse=True),
        "stats": figures,
        "citizens": found.citizens,
        "chart": line_chart(
            "applications-over-time",
            _("Asylum applications per year: %(what)s") % {"what": what},
            _("Columns per year; the figures are in the table beside the chart."),
            periods,
            {what: [point.value for point in found.points]},
            format_value=number,
            bars=True,
            height=260,
        ),
    }
    if figures.get("top"):
        result["countries_chart"] = bar_chart(
            "applications-by-country",
            _("Asylum applications by country, %(year)s") % {"year": found.year},
            _("The member countries with the most applicants; the table beside gives the figures."),
            [country_name(geo) for geo, _value in figures["top"]],
            [value for _geo, value in figures["top"]],
            format_value=number,
        )
    if found.citizens:
        top_citizens = list(found.citizens.items())[:10]
        result["citizens_chart"] = bar_chart(
            "applications-by-citizenship",
            _("Asylum applications by citizenship, %(year)s") % {"year": found.year},
            _("The main citizenships of applicants in the EU; the table beside gives the figures."),
            [country_name(code) for code, _value in top_citizens],
            [value for _code, value in top_citizens],
            format_value=number,
            colour="#047857",
        )
    return result


def _temporary_protection(session: Session, principal: Principal) -> dict[str, Any]:
    flow = service.series_from_store(session, principal, "migr_asytpfm")
    stock = service.series_from_store(session, principal, "migr_asytpsm")
    result: dict[str, Any] = {"flow": None, "stock": None}
    if flow is not None and flow.points:
        periods = [point.period for point in flow.points]
        result["flow"] = {
            "import": flow.dataset,
            "points": flow.points,
            "periods": periods,
            "countries": flow.countries,
            "chart": line_chart(
                "tp-decisions",
                _("Decisions granting temporary protection per month"),
                _("A flow: the decisions of each month, which may be added up. Columns per month."),
                periods,
                {_("decisions"): [point.value for point in flow.points]},
                format_value=number,
                bars=True,
                height=260,
            ),
        }
    if stock is not None and stock.points:
        periods = sorted({period for values in stock.countries.values() for period in values})
        series = {
            country_name(geo): [values.get(period) for period in periods]
            for geo, values in stock.countries.items()
            if any(value is not None for value in values.values())
        }
        result["stock"] = {
            "import": stock.dataset,
            "points": stock.points,
            "periods": periods,
            "countries": stock.countries,
            "chart": line_chart(
                "tp-beneficiaries",
                _("Beneficiaries of temporary protection at the end of the month"),
                _("A stock: the people holding protection at the end of each month, never added up."),
                periods,
                series,
                format_value=number,
                height=260,
            )
            if series
            else None,
        }
    return result


@router.get("")
def dashboard(
    request: Request, session: DbSession, principal: Analyst, applicant: str = "FRST", year: int | None = None
) -> Response:
    applicant = applicant.upper() if applicant.upper() in APPLICANT_TYPES else "FRST"
    context = _common(principal) | {
        "applicant": applicant,
        "applicant_types": APPLICANT_TYPES,
        "applications": _applications(session, principal, applicant, year),
        "tp": _temporary_protection(session, principal),
        "datasets": service.list_datasets(session, principal),
    }
    if principal.can(PROTECTION_REVIEW):
        context["review_counts"] = service.review_counts(session, principal)
    return render(request, "protection/dashboard.html", principal, **context)


# --- datasets -----------------------------------------------------------------------------------------


@router.get("/datasets")
def datasets_page(
    request: Request, session: DbSession, principal: Analyst, imported: int | None = None
) -> Response:
    messages = []
    if imported is not None:
        messages.append(("ok", _("The file is stored as import #%(id)s.") % {"id": imported}))
    return render(
        request,
        "protection/datasets.html",
        principal,
        messages=messages,
        datasets=service.list_datasets(session, principal),
        codes=list(DATASETS),
        **_common(principal),
    )


@router.post("/datasets")
async def import_dataset_page(request: Request, session: DbSession, principal: Importer) -> Response:
    form = await request.form()
    upload = form.get("file")
    dataset = str(form.get("dataset") or "")
    error: str | None = None
    if upload is None or isinstance(upload, str) or not upload.filename:
        error = _("Choose a file to import.")
    else:
        raw = await upload.read(MAX_UPLOAD + 1)
        if len(raw) > MAX_UPLOAD:
            error = _("The file is too large.")
        else:
            try:
                report = service.do_import_eurostat_bytes(
                    session, principal, raw, dataset, source=upload.filename, vintage=upload.filename
                )
            except ProtectionError as exc:
                session.rollback()
                error = str(exc)
            else:
                return RedirectResponse(
                    f"/protection/datasets?imported={report['dataset_id']}", status_code=303
                )
    return render(
        request,
        "protection/datasets.html",
        principal,
        status_code=422,
        messages=[("error", _("Nothing was stored: %(reason)s") % {"reason": error})],
        datasets=service.list_datasets(session, principal),
        codes=list(DATASETS),
        chosen=dataset,
        **_common(principal),
    )


# --- burden sharing -----------------------------------------------------------------------------------


@router.get("/fair-share")
def fair_share_page(request: Request, principal: Analyst) -> Response:
    return render(
        request, "protection/fair_share.html", principal, keys=load_keys(), form={}, **_common(principal)
    )


@router.post("/fair-share")
async def fair_share_result(request: Request, principal: Analyst) -> Response:
    form = await request.form()
    upload = form.get("file")
    key = str(form.get("key") or "")
    total_text = str(form.get("total") or "").strip()
    fields = {"key": key, "total": total_text}
    error: str | None = None
    result: dict[str, Any] | None = None
    if upload is None or isinstance(upload, str) or not upload.filename:
        error = _("Choose a CSV file with the indicators.")
    elif total_text and not total_text.isdigit():
        error = _("The number of people to share must be a whole number.")
    else:
        try:
            text = (await upload.read(MAX_UPLOAD)).decode("utf-8-sig")
            result = service.fair_share_answer(principal, text, key, int(total_text) if total_text else None)
        except UnicodeDecodeError:
            error = _("The file is not UTF-8 text.")
        except ProtectionError as exc:
            error = str(exc)
    context: dict[str, Any] = {"keys": load_keys(), "form": fields, "result": result}
    if error is not None:
        context["messages"] = [("error", error)]
    if result is not None:
        states = sorted(result["shares"], key=lambda geo: -result["shares"][geo])
        names = [country_name(geo) for geo in states]
        series: dict[str, list[float | None]] = {
            _("share under the key"): [result["shares"][geo] * 100 for geo in states]
        }
        actual = result.get("actual")
        if actual:
            taken = sum(actual.values()) or 1
            series[_("share actually taken")] = [
                (actual[geo] / taken * 100) if geo in actual else None for geo in states
            ]
        context["states"] = states
        context["chart"] = grouped_bar_chart(
            "fair-share",
            _("Shares under the %(key)s key") % {"key": key},
            _("Each state's share under the key and, where given, the share it actually took (per cent)."),
            names,
            series,
            format_value=lambda value: percent(value),
        )
    return render(
        request,
        "protection/fair_share.html",
        principal,
        status_code=422 if error else 200,
        **context,
        **_common(principal),
    )


# --- temporary-protection end dates ---------------------------------------------------------------------


def _spans(steps: Sequence[EndStep], asked: dt.date, started: dt.date) -> list[TimelineSpan]:
    spans = []
    start = started
    for step in steps:
        name = _(STEP_LABELS.get(step.kind, step.kind))
        act = _ACT_NUMBER.search(step.citation.code)
        if step.kind == "automatic_extension":
            text = f"{name} ({_('art. %(articles)s') % {'articles': '4(1)'}})"
        else:
            text = f"{name}: {act.group(0)}" if act else name
        spans.append(TimelineSpan(start, step.sets_end, text, step.kind, later=step.counts_from > asked))
        start = step.sets_end + dt.timedelta(days=1)
    return spans


@router.get("/tp-end")
def tp_end_page(request: Request, principal: Analyst, activation: str = "2022/382", on: str = "") -> Response:
    activations = load_activations()
    messages = []
    day = dt.date.today()
    if on:
        try:
            day = dt.date.fromisoformat(on)
        except ValueError:
            messages.append(("error", _("Give the day as YYYY-MM-DD.")))
    if activation not in activations:
        messages.append(("error", _("Unknown activation.")))
        activation = next(iter(activations))
    chosen = activations[activation]
    context: dict[str, Any] = {
        "activations": activations,
        "activation_key": activation,
        "activation": chosen,
        "day": day,
        "messages": messages,
    }
    try:
        answer = service.tp_end_answer(principal, activation, day)
    except ProtectionError as exc:
        context["messages"] = [*messages, ("error", str(exc))]
        answer = None
    if answer is not None:
        latest_act = max([chosen.decision.adopted, *(act.adopted for act in chosen.extensions)])
        everything = service.tp_end_answer(
            principal, activation, max(latest_act, day) + dt.timedelta(days=3660)
        )
        language = i18n.current_language()
        context.update(
            answer=answer,
            everything=everything,
            title_text=chosen.title.get(language) if chosen.title else activation,
            covered=chosen.persons_covered.get(language) if chosen.persons_covered else None,
            rights=status_rights("temporary_protection_beneficiary"),
            language=language,
            chart=timeline(
                "tp-timeline",
                _("When temporary protection under %(activation)s ends") % {"activation": activation},
                _(
                    "Each bar is a stretch of protection set by one act or by an automatic extension; "
                    "hollow bars were not yet adopted or begun on the day asked."
                ),
                _spans(everything.steps, day, chosen.started),
                marker=day,
                marker_label=_("as things stood on %(day)s") % {"day": i18n.format_date(day)},
                format_date=i18n.format_date,
            ),
        )
    return render(request, "protection/tp_end.html", principal, **context, **_common(principal))


# --- registrations ----------------------------------------------------------------------------------------


@router.get("/registrations")
def registrations_page(
    request: Request,
    session: DbSession,
    principal: Reader,
    q: str = "",
    registering_state: str = "",
    kind: str = "",
    status: str = "",
    page: int = 1,
) -> Response:
    page = max(page, 1)
    rows = service.search_registrations(
        session,
        principal,
        q,
        registering_state=registering_state or None,
        kind=kind if kind in KINDS else None,
        status=status or None,
        limit=50,
        offset=(page - 1) * 50,
    )
    return render(
        request,
        "protection/registrations.html",
        principal,
        rows=rows,
        q=q,
        registering_state=registering_state,
        kind=kind,
        status=status,
        page=page,
        kinds=KINDS,
        statuses=["registered", *dict.fromkeys(o for outcomes in OUTCOMES.values() for o in outcomes)],
        states=sorted(REPORTING_COUNTRIES),
        **_common(principal),
    )


def _registration_form(request: Request, principal: Principal, **context: Any) -> Response:
    return render(
        request,
        "protection/registration_new.html",
        principal,
        kinds=KINDS,
        sexes=SEXES,
        nationality_types=NATIONALITY_TYPES,
        relations=RELATIONS,
        document_kinds=DOCUMENT_KINDS,
        states=sorted(REPORTING_COUNTRIES),
        activations=list(load_activations()),
        **context,
        **_common(principal),
    )


@router.get("/registrations/new")
def new_registration_form(request: Request, principal: Writer, adult: str = "") -> Response:
    return _registration_form(request, principal, form={"accompanying_adult_id": adult})


@router.post("/registrations/new")
async def add_registration(request: Request, session: DbSession, principal: Writer) -> Response:
    form = await request.form()
    fields = {key: str(value).strip() for key, value in form.items() if isinstance(value, str)}
    data: dict[str, Any] = {
        key: fields.get(key) or None
        for key in (
            "kind",
            "surname",
            "given_names",
            "surname_latin",
            "given_names_latin",
            "birth_date",
            "birth_place",
            "nationality",
            "nationality_type",
            "sex",
            "activation",
            "registering_state",
            "registration_date",
            "accompanying_adult_id",
            "relation_to_adult",
            "person_id",
        )
    }
    data["earlier_names"] = fields.get("earlier_names", "")
    data["aliases"] = fields.get("aliases", "")
    data["unaccompanied"] = fields.get("unaccompanied") == "on"
    if data["kind"] != "temporary_protection":
        data["activation"] = None
    if fields.get("document_number"):
        data["document"] = {
            "kind": fields.get("document_kind"),
            "number": fields.get("document_number"),
            "issuing_country": fields.get("document_country") or None,
            "issued_on": fields.get("document_issued_on") or None,
            "expires_on": fields.get("document_expires_on") or None,
        }
    try:
        row = service.do_register(session, principal, data)
    except RecordInvalid as exc:
        session.rollback()
        return _registration_form(request, principal, form=fields, error=exc, status_code=422)
    except ValueError as exc:  # a field the kernel's people registry refused (PersonInvalid)
        session.rollback()
        return _registration_form(
            request,
            principal,
            form=fields,
            error=RecordInvalid(getattr(exc, "field", "person"), str(exc)),
            status_code=422,
        )
    query = urlencode(
        {
            "purpose": _("registration entered"),
            "legal_basis": _("registration duty (Directive 2001/55/EC art. 10)"),
            "done": "registered",
        }
    )
    return RedirectResponse(f"/protection/registrations/{row.id}?{query}", status_code=303)


DONE_MESSAGES = {
    "registered": N_("The registration is stored."),
    "decided": N_("The decision is recorded."),
}


@router.get("/registrations/{registration_id}")
def registration_page(
    request: Request,
    registration_id: str,
    session: DbSession,
    principal: Reader,
    purpose: str = "",
    legal_basis: str = "",
    done: str = "",
) -> Response:
    if not purpose and not legal_basis:
        return render(
            request,
            "protection/purpose.html",
            principal,
            registration_id=registration_id,
            **_common(principal),
        )
    try:
        row = service.access_registration(
            session, principal, registration_id, purpose=purpose, legal_basis=legal_basis
        )
    except MissingLegalBasis as exc:
        return render(
            request,
            "protection/purpose.html",
            principal,
            status_code=422,
            registration_id=registration_id,
            error=_("State the purpose and the legal basis of this read."),
            field=exc.field,
            purpose=purpose,
            legal_basis=legal_basis,
            **_common(principal),
        )
    return _registration_detail(request, principal, session, row, purpose, legal_basis, done=done)


def _registration_detail(
    request: Request,
    principal: Principal,
    session: Session,
    row: Any,
    purpose: str,
    legal_basis: str,
    *,
    done: str = "",
    error: RecordInvalid | None = None,
    form: Mapping[str, str] | None = None,
) -> Response:
    messages = [("ok", _(DONE_MESSAGES[done]))] if done in DONE_MESSAGES else []
    rights = service.status_rights_for(row)
    return render(
        request,
        "protection/registration.html",
        principal,
        status_code=422 if error else 200,
        messages=messages,
        row=row,
        rights=rights,
        language=i18n.current_language(),
        next_outcomes=service.next_outcomes(row),
        purpose=purpose,
        legal_basis=legal_basis,
        error=error,
        form=form or {},
        today=dt.date.today().isoformat(),
        **_common(principal),
    )


@router.post("/registrations/{registration_id}/decide")
async def decide(request: Request, registration_id: str, session: DbSession, principal: Writer) -> Response:
    form = await request.form()
    fields = {key: str(value).strip() for key, value in form.items() if isinstance(value, str)}
    purpose, legal_basis = fields.get("purpose", ""), fields.get("legal_basis", "")
    try:
        service.do_decide(
            session,
            principal,
            registration_id,
            {
                "outcome": fields.get("outcome"),
                "decided_on": fields.get("decided_on"),
                "legal_basis": fields.get("decision_basis"),
                "reasons": fields.get("reasons"),
            },
        )
    except RecordInvalid as exc:
        session.rollback()
        row = service.access_registration(
            session,
            principal,
            registration_id,
            purpose=purpose or _("decision"),
            legal_basis=legal_basis or _("decision"),
        )
        return _registration_detail(
            request, principal, session, row, purpose, legal_basis, error=exc, form=fields
        )
    query = urlencode(
        {"purpose": purpose or _("decision"), "legal_basis": legal_basis or _("decision"), "done": "decided"}
    )
    return RedirectResponse(f"/protection/registrations/{registration_id}?{query}", status_code=303)


# --- the review queue -------------------------------------------------------------------------------------


@router.get("/review")
def review_page(
    request: Request, session: DbSession, principal: Reviewer, status: str = "pending", done: str = ""
) -> Response:
    status = status if status in REVIEW_LABELS or status == "all" else "pending"
    items = service.review_queue(session, principal, None if status == "all" else status)
    messages = []
    if done in ("confirmed", "rejected"):
        messages.append(
            ("ok", _("The review is recorded: %(outcome)s.") % {"outcome": _(REVIEW_LABELS[done])})
        )
    return render(
        request,
        "protection/review.html",
        principal,
        messages=messages,
        items=items,
        status=status,
        counts=service.review_counts(session, principal),
        agreeing=agreeing_fields,
        **_common(principal),
    )


@router.get("/review/{item_id}")
def review_item_page(
    request: Request, item_id: int, session: DbSession, principal: Reviewer, error: str = ""
) -> Response:
    view = service.access_review_item(session, principal, item_id)
    return render(
        request,
        "protection/review_item.html",
        principal,
        view=view,
        agreeing=agreeing_fields(view.item.agreements),
        messages=[("error", error)] if error else [],
        **_common(principal),
    )


@router.post("/review/{item_id}")
async def review_decision(
    request: Request, item_id: int, session: DbSession, principal: Reviewer
) -> Response:
    form = await request.form()
    decision = str(form.get("decision") or "")
    note = str(form.get("note") or "")
    try:
        service.do_review(session, principal, item_id, decision, note=note)
    except RecordInvalid as exc:
        session.rollback()
        return RedirectResponse(
            f"/protection/review/{item_id}?{urlencode({'error': str(exc)})}", status_code=303
        )
    return RedirectResponse(f"/protection/review?done={decision}", status_code=303)
