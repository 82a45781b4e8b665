"""Pages of the monitoring center: the live map, the alert queue, an order with track playback, the
zone editor; the live channel (Server-Sent Events), the alert sound, and the ingest counters.

Each route states its permission; the pages call the service (and :mod:`..live` for what the live
map starts from) and hand JSON to ``/static/monitoring/monitoring.js``, which talks to the API
(``/api/v1/monitoring/…``) with the session's ``X-CSRF-Token``. Every string the script shows is
translated here, in the templates, and passed to it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
import math
import struct
import wave
from collections.abc import AsyncIterator
from functools import cache
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response, StreamingResponse
from sqlalchemy import select

from qorgau.kernel.auth.domain import Principal
from qorgau.kernel.auth.scopes import check_permission, check_scope
from qorgau.kernel.db import utcnow
from qorgau.kernel.i18n import gettext
from qorgau.kernel.i18n.terms import N_
from qorgau.kernel.web.deps import DbSession, database, require, settings_of
from qorgau.kernel.web.errors import problem
from qorgau.kernel.web.templating import register_nav, render
from qorgau.monitoring import service
from qorgau.monitoring.domain.alerts import OUTCOMES
from qorgau.monitoring.domain.orders import ORDER_KINDS
from qorgau.monitoring.live import (
    EVENT_KINDS,
    LiveHub,
    active_orders,
    caseload,
    live_overview,
    person_name,
)
from qorgau.monitoring.permissions import (
    ALERTS_READ,
    ALERTS_WORK,
    DEVICES_MANAGE,
    ORDERS_READ,
    ORDERS_WRITE,
    TRACK_READ,
)
from qorgau.monitoring.store import OrderRow

router = APIRouter()
register_nav(N_("Monitoring"), "/monitoring", ALERTS_READ, order=10)

OPEN_STATUSES = ("new", "acknowledged", "dispatched")
RESOLVED_SHOWN = 20

# Message ids of what the pages and the script show; translated per request by script_strings().
LABELS: dict[str, dict[str, str]] = {
    "alert_types": {
        "inclusion_zone_violation": N_("Inclusion zone violation"),
        "exclusion_zone_violation": N_("Exclusion zone violation"),
        "victim_proximity": N_("Too close to the protected person"),
        "tamper": N_("Tampering with the device"),
        "device_off": N_("Device switched off or power cut"),
        "low_battery": N_("Low battery"),
        "signal_loss": N_("Signal lost"),
    },
    "statuses": {
        "new": N_("New"),
        "acknowledged": N_("Acknowledged"),
        "dispatched": N_("Group dispatched"),
        "resolved": N_("Resolved"),
    },
    "outcomes": {
        "violation_confirmed": N_("Violation confirmed"),
        "false_alarm": N_("False alarm"),
        "technical_fault": N_("Technical fault"),
        "person_contacted": N_("Person contacted"),
        "person_detained": N_("Person detained"),
        "other": N_("Other"),
    },
    "zone_kinds": {"inclusion": N_("inclusion zone"), "exclusion": N_("exclusion zone")},
    "order_kinds": {
        "probation": N_("probation"),
        "conditional_sentence": N_("conditional sentence"),
        "restriction_of_liberty": N_("restriction of liberty"),
        "house_arrest": N_("house arrest"),
        "pretrial_restraint": N_("pre-trial restraint"),
    },
}
MESSAGES: dict[str, str] = {
    "acknowledge": N_("Acknowledge"),
    "dispatch": N_("Dispatch a group…"),
    "resolve": N_("Resolve…"),
    "overdue": N_("Overdue"),
    "escalated": N_("Escalated"),
    "new_alert": N_("New alert"),
    "alert_changed": N_("Alert updated"),
    "live_connected": N_("Live: connected"),
    "live_connecting": N_("Live: reconnecting…"),
    "live_resync": N_("Live: reloading the queue…"),
    "plain_background": N_("Plain background: no tile server configured"),
    "failed": N_("The request failed"),
    "sound_blocked": N_("The browser blocked the sound: click anywhere on the page to allow it."),
    "no_position": N_("no position yet"),
    "km_h": N_("km/h"),
    "battery": N_("battery"),
    "last_fix": N_("last fix"),
    "track_empty": N_("No positions in this window."),
    "track_loaded": N_("Track loaded: %(count)s positions."),
    "zone_saved": N_("Zone saved."),
    "zone_deleted": N_("Zone deleted."),
    "circle_center": N_("Click the centre of the circle."),
    "circle_radius": N_("Click a point on the circle's edge, or type the radius."),
    "polygon_point": N_("Click the corners of the polygon; finish with the button or Enter."),
    "polygon_short": N_("A polygon needs at least three corners."),
    "corridor_point": N_("Click the points of the route in order; finish with the button or Enter."),
    "corridor_short": N_("A corridor needs at least two points."),
    "corridor_width": N_("Give the width of the corridor in metres."),
    "corridor_label": N_("corridor %(width)s m wide"),
    "shape_missing": N_("Draw a circle or a polygon first."),
    "delete": N_("Delete"),
    "always": N_("always"),
    "order": N_("Order"),
    "open_order": N_("Open the order"),
    "zone": N_("zone"),
    "play": N_("Play"),
    "pause": N_("Pause"),
    "event": N_("event"),
    "confirm_delete": N_("Delete this zone?"),
}


def script_strings() -> dict[str, Any]:
    """:data:`LABELS` and :data:`MESSAGES` in the request's language, for the templates and script."""
    strings: dict[str, Any] = {
        name: {k: gettext(v) for k, v in group.items()} for name, group in LABELS.items()
    }
    strings.update({key: gettext(message) for key, message in MESSAGES.items()})
    return strings


def page(request: Request, template: str, principal: Principal, **context: Any) -> Response:
    return render(request, template, principal, strings=script_strings(), **context)


# --- pages ----------------------------------------------------------------------------------------


@router.get("/monitoring", include_in_schema=False)
def live_map(
    request: Request, session: DbSession, principal: Annotated[Principal, Depends(require(ALERTS_READ))]
) -> Response:
    """The live map: zones, the latest positions of the orders in force, moving as fixes arrive."""
    overview = live_overview(session, principal, utcnow())
    recent = [
        record.to_dict() | {"order_id": record.order_id}
        for record in service.list_alerts(session, principal, limit=50)
        if record.status in OPEN_STATUSES
    ][:8]
    return page(
        request,
        "monitoring/map.html",
        principal,
        overview=overview,
        recent_alerts=recent,
        map_config=_map_config(request),
    )


@router.get("/monitoring/alerts", include_in_schema=False)
def alert_queue(
    request: Request, session: DbSession, principal: Annotated[Principal, Depends(require(ALERTS_READ))]
) -> Response:
    """The queue: open alerts oldest deadline first, the latest resolved ones below."""
    records = service.list_alerts(session, principal, limit=2000)
    open_alerts = [r.to_dict() | {"order_id": r.order_id} for r in records if r.status in OPEN_STATUSES]
    open_alerts.sort(key=lambda a: (a["status"] != "new", a["ack_deadline"], a["id"]))
    resolved = [r.to_dict() | {"order_id": r.order_id} for r in records if r.status == "resolved"]
    names = {order.order_id: order.name for order in active_orders(session, principal, utcnow())}
    for alert in (*open_alerts, *resolved):
        alert["name"] = names.get(alert["order_id"])
    return page(
        request,
        "monitoring/alerts.html",
        principal,
        open_alerts=open_alerts,
        resolved=resolved[:RESOLVED_SHOWN],
        names={str(k): v for k, v in names.items()},
        outcomes=OUTCOMES,
        can_work=principal.can(ALERTS_WORK),
        can_track=principal.can(TRACK_READ),
    )


def access_order_for_track(session: DbSession, actor: Principal, order_id: str) -> OrderRow:
    """An order whose track ``actor`` may replay: the track permission and the caseload scope."""
    check_permission(actor, TRACK_READ)
    order: OrderRow | None = None
    if order_id.isdigit():
        order = session.get(OrderRow, int(order_id))
    if order is None:
        order = session.scalar(select(OrderRow).where(OrderRow.external_ref == order_id))
    if order is None:
        raise service.NotFound(f"order {order_id}")
    check_scope(session, actor, "order", str(order.id))
    return order


@router.get("/monitoring/orders/{order_id}", include_in_schema=False)
def order_page(
    request: Request,
    order_id: str,
    session: DbSession,
    principal: Annotated[Principal, Depends(require(TRACK_READ))],
) -> Response:
    """An order: its terms and zones, and its track replayed once a purpose and basis are given."""
    order = access_order_for_track(session, principal, order_id)
    detail = service.order_detail(session, order)
    now = utcnow()
    default_from = max(order.start_at, now - dt.timedelta(hours=2))
    return page(
        request,
        "monitoring/order.html",
        principal,
        order=detail,
        person_name=person_name(session, order.person_id),
        default_from=_local_input(default_from),
        default_to=_local_input(min(order.end_at, now)),
        map_config=_map_config(request),
        can_edit=principal.can(ORDERS_WRITE) and principal.can(ORDERS_READ),
    )


@router.get("/monitoring/orders/{order_id}/zones", include_in_schema=False)
def zone_editor(
    request: Request,
    order_id: str,
    session: DbSession,
    principal: Annotated[Principal, Depends(require(ORDERS_WRITE))],
) -> Response:
    """Draw a circle or a polygon on the map and save it as a zone of the order."""
    order = service.access_order(session, principal, order_id)
    detail = service.order_detail(session, order)
    return page(
        request,
        "monitoring/zones.html",
        principal,
        order=detail,
        map_config=_map_config(request),
        kinds=sorted(ORDER_KINDS),
    )


def _local_input(moment: dt.datetime) -> str:
    """A value for ``<input type="datetime-local">`` in the display time zone."""
    from zoneinfo import ZoneInfo

    return moment.astimezone(ZoneInfo("Asia/Almaty")).strftime("%Y-%m-%dT%H:%M")


def _map_config(request: Request) -> dict[str, Any]:
    settings = settings_of(request)
    return {"tileUrl": settings.tile_url or None, "center": [43.2475, 76.9350], "zoom": 13}


# --- live channel ---------------------------------------------------------------------------------


def live_hub(request: Request) -> LiveHub | None:
    hub = getattr(request.app.state, "monitoring_live", None)
    return hub if isinstance(hub, LiveHub) else None


@router.get(
    "/monitoring/live",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}}},
    summary="Live alerts, alert transitions and positions (Server-Sent Events)",
)
async def live_events(
    request: Request,
    principal: Annotated[Principal, Depends(require(ALERTS_READ))],
    kinds: Annotated[
        str | None, Query(description="Comma-separated event kinds to receive (default: all)")
    ] = None,
) -> Response:
    """``text/event-stream`` of ``alert``, ``alert_update`` and ``position`` events (JSON data),
    with a heartbeat comment every 15 s; ``?kinds=alert,alert_update`` limits the kinds (the alert
    queue needs no positions). A probation officer receives their caseload only. A client that
    does not accept ``text/event-stream`` gets 406."""
    if "text/event-stream" not in request.headers.get("accept", ""):
        return problem(406, "Not acceptable", "this endpoint streams text/event-stream (EventSource)")
    wanted: frozenset[str] | None = None
    if kinds:
        wanted = frozenset(kind.strip() for kind in kinds.split(",") if kind.strip())
        unknown = wanted - EVENT_KINDS
        if unknown:
            return problem(422, "Invalid input", f"kinds: unknown {sorted(unknown)}", field="kinds")
    hub = live_hub(request)
    if hub is None:
        return problem(503, "Live channel not running", "the server started without the live hub")

    def scope() -> frozenset[int] | None:
        with database(request).session() as session:
            return caseload(session, principal)

    allowed = await run_in_threadpool(scope)
    subscription = hub.broker.subscribe(allowed, wanted)
    heartbeat_s = hub.settings.heartbeat_s

    async def stream() -> AsyncIterator[bytes]:
        try:
            yield b"retry: 3000\n: connected\n\n"
            while True:
                event = await subscription.next(heartbeat_s)
                if event is None:
                    if subscription.closed:
                        return
                    yield b": heartbeat\n\n"
                    continue
                yield event.encode()
        except asyncio.CancelledError:
            raise
        finally:
            hub.broker.unsubscribe(subscription)

    return StreamingResponse(
        stream(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


@cache
def beep_wav() -> bytes:
    """A short two-tone alert cue as a 16-bit mono WAV, made here (no audio file is shipped)."""
    rate = 16_000
    frames = bytearray()
    for frequency, duration in ((880.0, 0.14), (0.0, 0.05), (1320.0, 0.18)):
        count = int(rate * duration)
        for index in range(count):
            # 10 ms fade in and out: no click at the edges of each tone.
            envelope = min(1.0, index / (0.01 * rate), (count - index) / (0.01 * rate))
            value = 0.45 * envelope * math.sin(2 * math.pi * frequency * index / rate) if frequency else 0.0
            frames += struct.pack("<h", int(value * 32767))
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as output:
        output.setnchannels(1)
        output.setsampwidth(2)
        output.setframerate(rate)
        output.writeframes(bytes(frames))
    return buffer.getvalue()


@router.get("/monitoring/beep.wav", include_in_schema=False)
def alert_sound(principal: Annotated[Principal, Depends(require(ALERTS_READ))]) -> Response:
    return Response(beep_wav(), media_type="audio/wav", headers={"Cache-Control": "private, max-age=86400"})


# --- ingest counters ------------------------------------------------------------------------------


@router.get("/api/v1/monitoring/ingest/stats", tags=["monitoring"])
def ingest_stats(
    request: Request, principal: Annotated[Principal, Depends(require(DEVICES_MANAGE))]
) -> JSONResponse:
    """Counters of the device listeners since the server started: fixes accepted, duplicates,
    unassigned, rejected by reason, malformed frames by protocol, connections, store latency;
    and the live channel's subscribers and webhook deliveries."""
    listeners = getattr(request.app.state, "monitoring_listeners", None)
    if listeners is None:
        return JSONResponse({"running": False})
    return JSONResponse({"running": True, **listeners.stats()})
