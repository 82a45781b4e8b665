"""``qorgau monitoring``: import bundles, correlation, alerts, positions, tracks, alibi reports,
legal holds, timers and retention.

Contracts (``issues show 3``): ``import FILE.json``; ``near --lat --lon --radius-m --from --to
--purpose --basis --json`` → ``{"matches": [...]}``; ``alerts [--status S] --json`` →
``{"alerts": [...]}``; ``positions --device ID [--from --to] --json`` → ``{"positions": [...]}``.
Every data command takes ``--data-dir``; bad input exits 2 with one line on stderr. The command
line acts as the data controller's local tool (``cli:<user>``), and every read of location history
is still audited with a purpose and a basis: ``positions`` has defaults that say so.
"""

from __future__ import annotations

import datetime as dt
import json as jsonlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar
from zoneinfo import ZoneInfo

import typer

from qorgau.kernel.clitools import DataDirOption, JsonOption, emit_json, fail, read_json_file
from qorgau.kernel.context import cli_principal, open_database
from qorgau.monitoring import service

app = typer.Typer(
    name="monitoring",
    help="The monitoring center: orders, alerts, correlation, alibi reports, retention.",
    no_args_is_help=True,
)

DISPLAY_ZONE = ZoneInfo("Asia/Almaty")
T = TypeVar("T")

FromOption = Annotated[str | None, typer.Option("--from", help="ISO 8601 time with offset.")]
ToOption = Annotated[str | None, typer.Option("--to", help="ISO 8601 time with offset.")]
PurposeOption = Annotated[str, typer.Option("--purpose", help="Why the data are read (audited).")]
BasisOption = Annotated[
    str, typer.Option("--basis", help="Legal basis: court order, case number, sanction (audited).")
]


def _bad(error: Exception) -> NoReturn:
    field = getattr(error, "field", None)
    message = str(error)
    if field and not message.startswith(str(field)):
        message = f"{field}: {message}"
    fail(message)


@contextmanager
def _errors() -> Iterator[None]:
    """Domain errors become one line on stderr and exit code 2 (bad input)."""
    try:
        yield
    except (ValueError, LookupError, PermissionError) as error:
        _bad(error)


def _run(data_dir: Path | None, work: Callable[[Any], T]) -> T:
    database = open_database(data_dir)
    try:
        with _errors(), database.session() as session:
            return work(session)
    finally:
        database.dispose()


def _time(value: str | None, option: str) -> dt.datetime | None:
    with _errors():
        return service.parse_time_option(value, option)


def _required(value: str | None, option: str) -> dt.datetime:
    moment = _time(value, option)
    if moment is None:
        fail(f"{option}: is required (ISO 8601 with offset, e.g. 2026-02-01T21:00:00+05:00)")
    return moment


def _local(text: str) -> str:
    return dt.datetime.fromisoformat(text).astimezone(DISPLAY_ZONE).isoformat(timespec="seconds")


@app.command("import")
def import_bundle(
    file: Annotated[Path, typer.Argument(help="The bundle: people, orders, fixes (JSON).")],
    timers_until: Annotated[
        str | None,
        typer.Option(help="Run timers up to this time (default: the last fix plus one day, not past now)."),
    ] = None,
    data_dir: DataDirOption = None,
    json: JsonOption = False,
) -> None:
    """Load a bundle through the same rule pipeline as live ingest (idempotent)."""
    doc = read_json_file(file)
    until = _time(timers_until, "--timers-until")
    database = open_database(data_dir)
    try:
        with _errors():
            report = service.do_import_bundle(database, cli_principal(), doc, timers_until=until)
    finally:
        database.dispose()
    summary = report.to_dict()
    if json:
        emit_json(summary)
        return
    fixes = summary["fixes"]
    typer.echo(
        f"people: {summary['people']['created']} new, {summary['people']['existing']} known; "
        f"orders: {summary['orders']['created']} new, {summary['orders']['existing']} known; "
        f"fixes: {fixes['accepted']} stored, {fixes['duplicates']} duplicate, "
        f"{sum(fixes['rejected'].values())} rejected; alerts: {summary['alerts']}"
    )


@app.command("near")
def near(
    lat: Annotated[float, typer.Option(help="Latitude of the place.")],
    lon: Annotated[float, typer.Option(help="Longitude of the place.")],
    radius_m: Annotated[float, typer.Option("--radius-m", help="Radius in metres.")],
    purpose: PurposeOption,
    basis: BasisOption,
    from_: FromOption = None,
    to: ToOption = None,
    data_dir: DataDirOption = None,
    json: JsonOption = False,
) -> None:
    """Who, under an order in force, was within the radius between two times (closest approach)."""
    start, end = _required(from_, "--from"), _required(to, "--to")
    rows = _run(
        data_dir,
        lambda session: [
            row.to_dict()
            for row in service.find_near(
                session, cli_principal(), lat, lon, radius_m, start, end, purpose=purpose, legal_basis=basis
            )
        ],
    )
    if json:
        emit_json({"matches": rows})
        return
    for row in rows:
        typer.echo(
            f"{row['distance_m']:>9.1f} m  {_local(row['time'])}  {row['kind']:<12}  "
            f"person {row['person']}  order {row['order']}  device {row['device']}"
        )
    if not rows:
        typer.echo("nobody under an order in force was there", err=True)


@app.command("alerts")
def alerts(
    status: Annotated[str | None, typer.Option(help="new, acknowledged, dispatched or resolved.")] = None,
    order: Annotated[str | None, typer.Option(help="Only this order (id or imported id).")] = None,
    limit: Annotated[int, typer.Option(min=1, help="At most this many, newest first.")] = 100_000,
    data_dir: DataDirOption = None,
    json: JsonOption = False,
) -> None:
    """The alerts, newest first."""
    records = _run(
        data_dir,
        lambda session: service.list_alerts(
            session, cli_principal(), status=status, order_id=order, limit=limit
        ),
    )
    if json:
        emit_json(
            {
                "alerts": [
                    {
                        "id": r.id,
                        "type": r.type,
                        "person": r.person,
                        "order": r.order,
                        "device": r.device,
                        "time": r.time.isoformat(),
                        "status": r.status,
                        "zone": r.zone,
                        "escalated": r.escalated,
                    }
                    for r in records
                ]
            }
        )
        return
    for r in records:
        flag = " ESCALATED" if r.escalated and r.status == "new" else ""
        typer.echo(
            f"#{r.id:<6} {_local(r.time.isoformat())}  {r.type:<26} {r.status:<12}{flag}  "
            f"person {r.person}  order {r.order}  device {r.device}"
        )


@app.command("alert")
def alert(
    alert_id: Annotated[int, typer.Argument(help="The alert's id.")],
    to: Annotated[str, typer.Option(help="acknowledged, dispatched or resolved.")],
    group: Annotated[str | None, typer.Option(help="Response group sent (dispatch).")] = None,
    outcome: Annotated[str | None, typer.Option(help="How it ended (resolve).")] = None,
    note: Annotated[str | None, typer.Option(help="A note for the record.")] = None,
    data_dir: DataDirOption = None,
    json: JsonOption = False,
) -> None:
    """Move an alert along its workflow (audited)."""
    record = _run(
        data_dir,
        lambda session: service.do_transition_alert(
            session, cli_principal(), alert_id, to, response_group=group, note=note, outcome=outcome
        ),
    )
    if json:
        emit_json(record.to_dict())
    else:
        typer.echo(f"alert {record.id}: {record.status}")


@app.command("positions")
def positions(
    device: Annotated[str, typer.Option(help="The device's identifier (IMEI).")],
    from_: FromOption = None,
    to: ToOption = None,
    purpose: PurposeOption = "device data check from the command line",
    basis: BasisOption = "data controller, local access",
    data_dir: DataDirOption = None,
    json: JsonOption = False,
) -> None:
    """A device's stored positions (audited with the purpose and basis given or defaulted)."""
    start, end = _time(from_, "--from"), _time(to, "--to")
    rows = _run(
        data_dir,
        lambda session: [
            service.position_detail(p)
            for p in service.read_positions(
                session, cli_principal(), device, start, end, purpose=purpose, legal_basis=basis
            )
        ],
    )
    if json:
        emit_json({"positions": rows})
        return
    for row in rows:
        where = f"{row['lat']:.6f}, {row['lon']:.6f}" if row["lat"] is not None else "no position"
        typer.echo(f"{_local(row['time'])}  {where}  {row['speed_kmh'] or 0:.1f} km/h  {row['event'] or ''}")


@app.command("track")
def track(
    person: Annotated[str, typer.Option(help="Person id or imported id.")],
    purpose: PurposeOption,
    basis: BasisOption,
    from_: FromOption = None,
    to: ToOption = None,
    fmt: Annotated[str, typer.Option("--format", help="geojson or gpx.")] = "geojson",
    out: Annotated[Path | None, typer.Option(help="Write to this file instead of stdout.")] = None,
    data_dir: DataDirOption = None,
) -> None:
    """A person's track between two times as GeoJSON or GPX."""
    from qorgau.monitoring.domain.tracks import geojson, gpx

    if fmt not in ("geojson", "gpx"):
        fail("--format: geojson or gpx")
    start, end = _time(from_, "--from"), _time(to, "--to")
    tracks = _run(
        data_dir,
        lambda session: service.read_track(
            session, cli_principal(), person, start, end, purpose=purpose, legal_basis=basis
        ),
    )
    text = gpx(tracks) if fmt == "gpx" else jsonlib.dumps(geojson(tracks), ensure_ascii=False, indent=2)
    if out is None:
        typer.echo(text)
    else:
        out.write_text(text, encoding="utf-8")
        typer.echo(f"written {out}", err=True)


@app.command("alibi")
def alibi(
    person: Annotated[str, typer.Option(help="Person id or imported id.")],
    lat: Annotated[float, typer.Option(help="Latitude of the place.")],
    lon: Annotated[float, typer.Option(help="Longitude of the place.")],
    purpose: PurposeOption,
    basis: BasisOption,
    out: Annotated[Path, typer.Option(help="Where to write the PDF.")],
    radius_m: Annotated[float, typer.Option("--radius-m", help="Radius in metres.")] = 100.0,
    from_: FromOption = None,
    to: ToOption = None,
    data_dir: DataDirOption = None,
    json: JsonOption = False,
) -> None:
    """An alibi report (PDF) for one person, place and period."""
    from qorgau.monitoring.reports import alibi_pdf

    start, end = _required(from_, "--from"), _required(to, "--to")

    def work(session: Any) -> tuple[dict[str, Any], bytes]:
        report = service.do_alibi_report(
            session,
            cli_principal(),
            person,
            lat,
            lon,
            radius_m,
            start,
            end,
            purpose=purpose,
            legal_basis=basis,
        )
        return service.alibi_detail(report), alibi_pdf(report)

    detail, pdf = _run(data_dir, work)
    try:
        out.write_bytes(pdf)
    except OSError as error:
        fail(f"--out: cannot write {out}: {error}")
    if json:
        emit_json(detail | {"pdf": str(out)})
    else:
        typer.echo(f"{detail['conclusion']}; report written to {out}")


@app.command("hold")
def hold(
    case: Annotated[str, typer.Option(help="The case the positions are kept for.")],
    reason: Annotated[str, typer.Option(help="Why they are kept.")],
    from_: FromOption = None,
    to: ToOption = None,
    order: Annotated[str | None, typer.Option(help="Order id or imported id.")] = None,
    device: Annotated[str | None, typer.Option(help="Device identifier.")] = None,
    data_dir: DataDirOption = None,
    json: JsonOption = False,
) -> None:
    """Put positions under legal hold for a case (they outlive retention)."""
    start, end = _required(from_, "--from"), _required(to, "--to")
    detail = _run(
        data_dir,
        lambda session: service.hold_detail(
            service.do_place_legal_hold(
                session,
                cli_principal(),
                case,
                start=start,
                end=end,
                reason=reason,
                order=order,
                device=device,
            )
        ),
    )
    if json:
        emit_json(detail)
    else:
        typer.echo(f"legal hold {detail['id']} for case {detail['case']}")


@app.command("device-token")
def device_token(
    device: Annotated[str, typer.Argument(help="The device's identifier (registered if new).")],
    data_dir: DataDirOption = None,
    json: JsonOption = False,
) -> None:
    """Issue a token for the device's batch API calls (shown once)."""

    def work(session: Any) -> str:
        service.do_register_device(session, cli_principal(), device)
        return service.do_issue_device_token(session, cli_principal(), device)

    token = _run(data_dir, work)
    if json:
        emit_json({"device": device, "token": token})
    else:
        typer.echo(token)


@app.command("timers")
def timers(
    now: Annotated[str | None, typer.Option(help="Evaluate up to this time (default: now).")] = None,
    data_dir: DataDirOption = None,
    json: JsonOption = False,
) -> None:
    """Run the timers once: signal loss, schedule windows, escalation of unacknowledged alerts."""
    moment = _time(now, "--now")
    database = open_database(data_dir)
    try:
        with _errors():
            records = service.do_run_timers(database, moment)
    finally:
        database.dispose()
    if json:
        emit_json({"alerts": [r.to_dict() for r in records]})
    else:
        typer.echo(f"{len(records)} alert(s) raised or escalated")


@app.command("purge")
def purge(
    now: Annotated[str | None, typer.Option(help="Purge as of this time (default: now).")] = None,
    data_dir: DataDirOption = None,
    json: JsonOption = False,
) -> None:
    """Delete positions past retention (order end + retention days), except under legal hold."""
    moment = _time(now, "--now")
    summary = _run(data_dir, lambda session: service.do_purge(session, cli_principal(), moment))
    if json:
        emit_json(summary)
    else:
        typer.echo(
            f"deleted {summary['positions_deleted']} position(s) "
            f"({summary['unassigned_deleted']} unassigned); "
            f"{summary['kept_under_legal_hold']} kept under legal hold"
        )
