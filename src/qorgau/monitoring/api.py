"""Monitoring API under ``/api/v1/monitoring``: thin handlers over :mod:`.service`.

Reads of location history take ``purpose`` and ``legal_basis`` as query parameters (or the headers
``X-Purpose`` / ``X-Legal-Basis``); without them the answer is a 422 problem naming the missing one.
Devices post fixes to ``/monitoring/fixes`` with their own token (``Authorization: Bearer …``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from qorgau.kernel.auth.domain import Principal
from qorgau.kernel.web.deps import DbSession, NotAuthenticated, ReadBasis, database, require
from qorgau.monitoring import service
from qorgau.monitoring.domain.orders import OrderInvalid, check_fix
from qorgau.monitoring.domain.tracks import geojson, gpx
from qorgau.monitoring.permissions import (
    ALERTS_READ,
    ALERTS_WORK,
    ALIBI_REPORT,
    CORRELATION_QUERY,
    DEVICES_MANAGE,
    IMPORT_BUNDLE,
    LEGAL_HOLD,
    ORDERS_READ,
    ORDERS_WRITE,
    RETENTION_PURGE,
    TRACK_READ,
    UNASSIGNED_READ,
)

router = APIRouter(prefix="/monitoring", tags=["monitoring"])

MAX_BATCH = 10_000

From = Annotated[str | None, Query(alias="from", description="ISO 8601 with offset")]
To = Annotated[str | None, Query(alias="to", description="ISO 8601 with offset")]


def _time(value: str | None, field: str) -> dt.datetime | None:
    return service.parse_time_option(value, field)


def _required_time(value: str | None, field: str) -> dt.datetime:
    moment = _time(value, field)
    if moment is None:
        raise OrderInvalid(field, "is required")
    return moment


# --- device authentication -------------------------------------------------------------------------


@dataclass(frozen=True)
class DeviceIdentity:
    id: int
    identifier: str


def device_principal(request: Request) -> DeviceIdentity:
    """The device whose token is in ``Authorization: Bearer …`` (401 otherwise)."""
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("bearer "):
        raise NotAuthenticated()
    with database(request).session() as session:
        device = service.device_for_token(session, header[7:].strip())
        if device is None:
            raise NotAuthenticated()
        return DeviceIdentity(device.id, device.identifier)


device_principal.qorgau_device = True  # type: ignore[attr-defined]


@router.post("/fixes")
def post_fixes(
    request: Request,
    device: Annotated[DeviceIdentity, Depends(device_principal)],
    body: Annotated[dict[str, Any] | list[Any], Body(description='{"fixes": [...]} or a list of fixes')],
) -> dict[str, Any]:
    """A batch of the device's own fixes: ``time`` (ISO 8601 with offset), ``lat``, ``lon``,
    ``speed_kmh``, ``course``, ``battery``, ``event`` (null, ``tamper``, ``power_off``…),
    ``attributes``. Malformed input is a 422 problem naming the field; implausible fixes are
    counted as rejected; a re-sent fix is a duplicate, stored once."""
    items = body.get("fixes") if isinstance(body, dict) else body
    if not isinstance(items, list):
        raise OrderInvalid("fixes", "expected a list of fixes")
    if len(items) > MAX_BATCH:
        raise OrderInvalid("fixes", f"at most {MAX_BATCH} fixes per request")
    fixes = [check_fix(item, f"fixes[{index}]", device=device.identifier) for index, item in enumerate(items)]
    result = service.do_ingest(database(request), fixes, "api")
    return {
        "received": result.received,
        "accepted": result.accepted,
        "duplicates": result.duplicates,
        "rejected": [
            {"index": index, "reason": outcome.split(":", 1)[1]}
            for index, outcome in enumerate(result.outcomes)
            if outcome.startswith("rejected:")
        ],
        "alerts": len(result.alerts),
    }


# --- orders ----------------------------------------------------------------------------------------


@router.get("/orders")
def list_orders(
    session: DbSession,
    principal: Annotated[Principal, Depends(require(ORDERS_READ))],
    active_at: Annotated[str | None, Query(description="Only orders in force at this time")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    rows = service.list_orders(
        session, principal, active_at=_time(active_at, "active_at"), limit=limit, offset=offset
    )
    return {"orders": [service.order_detail(session, row) for row in rows]}


@router.post("/orders", status_code=201)
def create_order(
    session: DbSession,
    principal: Annotated[Principal, Depends(require(ORDERS_WRITE))],
    body: Annotated[dict[str, Any], Body(description="An order in the import bundle's form")],
) -> dict[str, Any]:
    row = service.do_create_order(session, principal, body)
    return service.order_detail(session, row)


@router.get("/orders/{order_id}")
def show_order(
    order_id: str, session: DbSession, principal: Annotated[Principal, Depends(require(ORDERS_READ))]
) -> dict[str, Any]:
    return service.order_detail(session, service.access_order(session, principal, order_id))


@router.patch("/orders/{order_id}")
def update_order(
    order_id: str,
    session: DbSession,
    principal: Annotated[Principal, Depends(require(ORDERS_WRITE))],
    body: Annotated[dict[str, Any], Body()],
) -> dict[str, Any]:
    return service.order_detail(session, service.do_update_order(session, principal, order_id, body))


@router.delete("/orders/{order_id}", status_code=204)
def delete_order(
    order_id: str, session: DbSession, principal: Annotated[Principal, Depends(require(ORDERS_WRITE))]
) -> Response:
    service.do_delete_order(session, principal, order_id)
    return Response(status_code=204)


class AssignmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    device: str = Field(min_length=1, max_length=64)
    start: dt.datetime | None = None
    end: dt.datetime | None = None


@router.post("/orders/{order_id}/devices", status_code=201)
def assign_device(
    order_id: str,
    body: AssignmentIn,
    session: DbSession,
    principal: Annotated[Principal, Depends(require(ORDERS_WRITE))],
) -> dict[str, Any]:
    for field, value in (("start", body.start), ("end", body.end)):
        if value is not None and value.tzinfo is None:
            raise OrderInvalid(field, "the time needs an offset")
    assignment = service.do_assign_device(
        session, principal, order_id, body.device, start=body.start, end=body.end
    )
    return {"id": assignment.id, "device": body.device, "start": assignment.start_at.isoformat()}


@router.delete("/orders/{order_id}/devices/{device}", status_code=204)
def end_device(
    order_id: str,
    device: str,
    session: DbSession,
    principal: Annotated[Principal, Depends(require(ORDERS_WRITE))],
    at: Annotated[str | None, Query(description="When the device was removed (default now)")] = None,
) -> Response:
    service.do_end_device(session, principal, order_id, device, _time(at, "at"))
    return Response(status_code=204)


@router.get("/orders/{order_id}/zones")
def list_zones(
    order_id: str, session: DbSession, principal: Annotated[Principal, Depends(require(ORDERS_READ))]
) -> dict[str, Any]:
    return {"zones": [service.zone_detail(z) for z in service.list_zones(session, principal, order_id)]}


@router.post("/orders/{order_id}/zones", status_code=201)
def add_zone(
    order_id: str,
    session: DbSession,
    principal: Annotated[Principal, Depends(require(ORDERS_WRITE))],
    body: Annotated[dict[str, Any], Body(description='{"id"?, "kind", "shape", "schedule"}')],
) -> dict[str, Any]:
    return service.zone_detail(service.do_put_zone(session, principal, order_id, body))


@router.put("/orders/{order_id}/zones/{zone_id}")
def put_zone(
    order_id: str,
    zone_id: str,
    session: DbSession,
    principal: Annotated[Principal, Depends(require(ORDERS_WRITE))],
    body: Annotated[dict[str, Any], Body()],
) -> dict[str, Any]:
    return service.zone_detail(service.do_put_zone(session, principal, order_id, {**body, "id": zone_id}))


@router.delete("/orders/{order_id}/zones/{zone_id}", status_code=204)
def delete_zone(
    order_id: str,
    zone_id: str,
    session: DbSession,
    principal: Annotated[Principal, Depends(require(ORDERS_WRITE))],
) -> Response:
    service.do_delete_zone(session, principal, order_id, zone_id)
    return Response(status_code=204)


# --- devices ---------------------------------------------------------------------------------------


class DeviceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    identifier: str = Field(min_length=1, max_length=64, description="IMEI or the id the app reports")
    protocol: Literal["osmand", "h02", "gt06", "api", "unknown"] = "unknown"
    label: str | None = Field(default=None, max_length=200)
    holder_person: str | None = Field(default=None, description="A protected person carrying it")


@router.post("/devices", status_code=201)
def register_device(
    body: DeviceIn, session: DbSession, principal: Annotated[Principal, Depends(require(DEVICES_MANAGE))]
) -> dict[str, Any]:
    device = service.do_register_device(
        session,
        principal,
        body.identifier,
        protocol=body.protocol,
        label=body.label,
        holder_person=body.holder_person,
    )
    return {"id": device.id, "identifier": device.identifier, "protocol": device.protocol}


@router.post("/devices/{identifier}/token", status_code=201)
def issue_device_token(
    identifier: str, session: DbSession, principal: Annotated[Principal, Depends(require(DEVICES_MANAGE))]
) -> dict[str, Any]:
    """A new token for the batch API; shown once."""
    return {"device": identifier, "token": service.do_issue_device_token(session, principal, identifier)}


# --- alerts ----------------------------------------------------------------------------------------


@router.get("/alerts")
def list_alerts(
    session: DbSession,
    principal: Annotated[Principal, Depends(require(ALERTS_READ))],
    status: Annotated[str | None, Query(description="new, acknowledged, dispatched or resolved")] = None,
    order: Annotated[str | None, Query(description="An order id or reference")] = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
) -> dict[str, Any]:
    records = service.list_alerts(session, principal, status=status, order_id=order, limit=limit)
    return {"alerts": [record.to_dict() for record in records]}


@router.get("/alerts/{alert_id}")
def show_alert(
    alert_id: int, session: DbSession, principal: Annotated[Principal, Depends(require(ALERTS_READ))]
) -> dict[str, Any]:
    row = service.access_alert(session, principal, alert_id)
    record = service.describe_alerts(session, [row])[0]
    return record.to_dict() | {
        "note": row.note,
        "transitions": service.alert_transitions(session, principal, alert_id),
    }


class TransitionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    to: Literal["acknowledged", "dispatched", "resolved"]
    response_group: str | None = Field(default=None, max_length=200)
    note: str | None = Field(default=None, max_length=5000)
    outcome: str | None = Field(default=None, max_length=40)


@router.post("/alerts/{alert_id}/transitions")
def transition_alert(
    alert_id: int,
    body: TransitionIn,
    session: DbSession,
    principal: Annotated[Principal, Depends(require(ALERTS_WORK))],
) -> dict[str, Any]:
    record = service.do_transition_alert(
        session,
        principal,
        alert_id,
        body.to,
        response_group=body.response_group,
        note=body.note,
        outcome=body.outcome,
    )
    return record.to_dict()


# --- location history under a legal basis ---------------------------------------------------------


@router.get("/positions")
def positions(
    session: DbSession,
    principal: Annotated[Principal, Depends(require(TRACK_READ))],
    stated: ReadBasis,
    device: Annotated[str, Query(min_length=1, max_length=64)],
    from_: From = None,
    to: To = None,
) -> dict[str, Any]:
    """A device's positions under orders (unassigned ones: ``/monitoring/unassigned``)."""
    why, basis = stated.purpose, stated.legal_basis
    rows = service.read_positions(
        session, principal, device, _time(from_, "from"), _time(to, "to"), purpose=why, legal_basis=basis
    )
    return {"positions": [service.position_detail(row) for row in rows if row.order_id is not None]}


@router.get("/unassigned")
def unassigned_positions(
    session: DbSession,
    principal: Annotated[Principal, Depends(require(UNASSIGNED_READ))],
    stated: ReadBasis,
    device: Annotated[str, Query(min_length=1, max_length=64)],
    from_: From = None,
    to: To = None,
) -> dict[str, Any]:
    """Fixes of a device with no order in force (for troubleshooting devices; administrators)."""
    rows = service.read_positions(
        session,
        principal,
        device,
        _time(from_, "from"),
        _time(to, "to"),
        purpose=stated.purpose,
        legal_basis=stated.legal_basis,
    )
    return {"positions": [service.position_detail(row) for row in rows if row.order_id is None]}


@router.get("/track", response_model=None)
def track(
    session: DbSession,
    principal: Annotated[Principal, Depends(require(TRACK_READ))],
    stated: ReadBasis,
    person: Annotated[str, Query(min_length=1, max_length=100, description="Person id or imported id")],
    from_: From = None,
    to: To = None,
    format: Annotated[Literal["geojson", "gpx"], Query()] = "geojson",
) -> Response | dict[str, Any]:
    why, basis = stated.purpose, stated.legal_basis
    tracks = service.read_track(
        session, principal, person, _time(from_, "from"), _time(to, "to"), purpose=why, legal_basis=basis
    )
    if format == "gpx":
        return Response(gpx(tracks), media_type="application/gpx+xml")
    return geojson(tracks)


@router.get("/near")
def near(
    session: DbSession,
    principal: Annotated[Principal, Depends(require(CORRELATION_QUERY))],
    stated: ReadBasis,
    lat: Annotated[float, Query(ge=-90, le=90)],
    lon: Annotated[float, Query(ge=-180, le=180)],
    radius_m: Annotated[float, Query(gt=0)],
    from_: From = None,
    to: To = None,
) -> dict[str, Any]:
    """Who, under an order in force, was within ``radius_m`` of the place between two times."""
    why, basis = stated.purpose, stated.legal_basis
    rows = service.find_near(
        session,
        principal,
        lat,
        lon,
        radius_m,
        _required_time(from_, "from"),
        _required_time(to, "to"),
        purpose=why,
        legal_basis=basis,
    )
    return {"matches": [row.to_dict() for row in rows]}


@router.get("/alibi", response_model=None)
def alibi(
    session: DbSession,
    principal: Annotated[Principal, Depends(require(ALIBI_REPORT))],
    stated: ReadBasis,
    person: Annotated[str, Query(min_length=1, max_length=100)],
    lat: Annotated[float, Query(ge=-90, le=90)],
    lon: Annotated[float, Query(ge=-180, le=180)],
    radius_m: Annotated[float, Query(gt=0)],
    from_: From = None,
    to: To = None,
    format: Annotated[Literal["pdf", "json"], Query()] = "pdf",
) -> Response | dict[str, Any]:
    """An alibi report for one person, place and period (PDF, or its facts as JSON)."""
    from qorgau.monitoring.reports import alibi_pdf

    why, basis = stated.purpose, stated.legal_basis
    report = service.do_alibi_report(
        session,
        principal,
        person,
        lat,
        lon,
        radius_m,
        _required_time(from_, "from"),
        _required_time(to, "to"),
        purpose=why,
        legal_basis=basis,
    )
    if format == "json":
        return service.alibi_detail(report)
    return Response(
        alibi_pdf(report),
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="alibi-{report.audit_seq}.pdf"'},
    )


# --- legal holds, retention, import --------------------------------------------------------------


class LegalHoldIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    case: str = Field(min_length=1, max_length=100)
    order: str | None = None
    device: str | None = None
    from_: dt.datetime = Field(alias="from")
    to: dt.datetime
    reason: str = Field(min_length=3, max_length=2000)


@router.post("/legal-holds", status_code=201)
def place_legal_hold(
    body: LegalHoldIn, session: DbSession, principal: Annotated[Principal, Depends(require(LEGAL_HOLD))]
) -> dict[str, Any]:
    for field, value in (("from", body.from_), ("to", body.to)):
        if value.tzinfo is None:
            raise OrderInvalid(field, "the time needs an offset")
    hold = service.do_place_legal_hold(
        session,
        principal,
        body.case,
        start=body.from_,
        end=body.to,
        reason=body.reason,
        order=body.order,
        device=body.device,
    )
    return service.hold_detail(hold)


@router.get("/legal-holds")
def legal_holds(
    session: DbSession,
    principal: Annotated[Principal, Depends(require(LEGAL_HOLD))],
    case: Annotated[str | None, Query(max_length=100)] = None,
) -> dict[str, Any]:
    return {
        "legal_holds": [service.hold_detail(h) for h in service.list_legal_holds(session, principal, case)]
    }


@router.delete("/legal-holds/{hold_id}")
def release_legal_hold(
    hold_id: int,
    session: DbSession,
    principal: Annotated[Principal, Depends(require(LEGAL_HOLD))],
    reason: Annotated[str, Query(min_length=3, max_length=2000)],
) -> dict[str, Any]:
    return service.hold_detail(service.do_release_legal_hold(session, principal, hold_id, reason))


@router.post("/purge")
def purge(
    session: DbSession, principal: Annotated[Principal, Depends(require(RETENTION_PURGE))]
) -> dict[str, Any]:
    """Delete positions past retention (legal holds respected)."""
    return service.do_purge(session, principal)


@router.post("/import")
def import_bundle(
    request: Request,
    principal: Annotated[Principal, Depends(require(IMPORT_BUNDLE))],
    body: Annotated[dict[str, Any], Body(description="The import bundle: people, orders, fixes")],
) -> dict[str, Any]:
    return service.do_import_bundle(database(request), principal, body).to_dict()
