"""``qorgau cases``: the electronic criminal case on the command line.

Without a database: ``assess`` (which forms of pre-trial proceedings and which procedural
agreements are open, with reasons) and ``verify`` (check an exported case bundle). On the store
(``--data-dir``): ``register``, ``add-material``, ``choose-form``, ``act``, ``export``,
``document``, ``show``, ``deadlines``, ``statistics``, ``search``, ``add-participant``,
``attach-correlation`` and ``rotate-key``. A CASE is
its id or its ERDR number.

Exit codes (DESIGN.md, "Contracts"): 0 success; 1 a bundle that fails verification; 2 bad input,
with one line on stderr.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from sqlalchemy.orm import Session

from qorgau.cases.documents import DOCUMENT_KINDS, render_case_document
from qorgau.cases.domain.assessment import assess
from qorgau.cases.domain.bundle import verify_bundle
from qorgau.cases.domain.checkpoint import Keyring
from qorgau.cases.domain.errors import CasesError
from qorgau.cases.domain.facts import parse_case_facts
from qorgau.cases.domain.registration import parse_moment
from qorgau.cases.rules import load_law
from qorgau.cases.service import (
    CaseArchive,
    CaseFileCorrupted,
    CaseNotFound,
    access_case,
    act_view,
    case_detail,
    check_registration,
    do_add_act,
    do_add_material,
    do_add_participant,
    do_attach_correlation,
    do_choose_form,
    do_register_case,
    due_soon,
    entry_view,
    export_case,
    format_number,
    overdue,
    search_materials,
    statistics,
)
from qorgau.cases.signing import SigningKeys
from qorgau.kernel.clitools import DataDirOption, JsonOption, emit_json, fail, read_json_file
from qorgau.kernel.context import cli_principal, open_database, settings_for
from qorgau.kernel.law import LawError, Reason

VERIFICATION_FAILED = 1

app = typer.Typer(
    name="cases", no_args_is_help=True, help="Electronic criminal cases: register, materials, export, verify."
)


@app.command("assess")
def assess_command(
    file: Annotated[
        Path, typer.Argument(help="JSON file with date, offences, persons, offender_identified.")
    ],
    json_output: JsonOption = False,
) -> None:
    """Say which forms of pre-trial proceedings and which agreements are open, and why."""
    document = read_json_file(file)
    try:
        result = assess(parse_case_facts(document), load_law())
    except (CasesError, LawError) as exc:
        fail(str(exc))
    if json_output:
        emit_json(result.to_dict())
        return
    for form in result.forms:
        _print_decision(form.form.value, form.allowed, form.decision.reasons)
    for agreement in result.agreements:
        _print_decision(f"agreement {agreement.kind.value}", agreement.allowed, agreement.decision.reasons)


def _print_decision(title: str, allowed: bool, reasons: tuple[Reason, ...]) -> None:
    typer.echo(f"{title}: {'allowed' if allowed else 'not allowed'}")
    for reason in reasons:
        mark = "+" if reason.supports else "-"
        flag = "" if reason.citation.verified else " [unverified]"
        typer.echo(f"  {mark} {reason.text.en} ({reason.citation.label()}{flag})")


@app.command("verify")
def verify_command(
    bundle: Annotated[Path, typer.Argument(help="A case bundle (.zip) written by `qorgau cases export`.")],
    trusted_key: Annotated[
        Path | None,
        typer.Option(
            "--trusted-key",
            help="Pin the signer: a file of verifier keys (<name>+<key id>+<base64 key>), one per line.",
        ),
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """Check a bundle against its signed checkpoint; name every changed, removed, added or moved material."""
    try:
        data = bundle.read_bytes()
    except FileNotFoundError:
        fail(f"{bundle}: no such file")
    except OSError as exc:
        fail(f"{bundle}: cannot read: {exc}")
    keyring = None
    if trusted_key is not None:
        try:
            keyring = Keyring.parse(trusted_key.read_text(encoding="utf-8"))
        except FileNotFoundError:
            fail(f"--trusted-key {trusted_key}: no such file")
        except (OSError, UnicodeDecodeError, CasesError) as exc:
            fail(f"--trusted-key {trusted_key}: {exc}")
    result = verify_bundle(data, keyring)
    if json_output:
        emit_json(result.to_dict())
    else:
        status = "OK" if result.ok else "FAILED"
        typer.echo(
            f"{status}: {result.entries} entries, signed by {result.key_name} (key id {result.key_id})"
        )
        for problem in result.problems:
            typer.echo(f"  {problem.code}: {problem.message}")
    if not result.ok:
        raise typer.Exit(VERIFICATION_FAILED)


# --- commands on the store -------------------------------------------------------------------------

CaseArgument = Annotated[str, typer.Argument(help="The case: its id or its ERDR number.")]


@contextmanager
def _store(data_dir: Path | None) -> Iterator[tuple[Session, CaseArchive]]:
    """A transaction on the data directory's store; domain errors end the command with exit 2."""
    database = open_database(data_dir)
    try:
        with database.session() as session:
            yield session, CaseArchive.under(database.settings.data_dir)
    except CaseNotFound as exc:
        fail(str(exc).strip("'\""))
    except CaseFileCorrupted as exc:
        fail(f"the case file does not match its log: {exc}", code=VERIFICATION_FAILED)
    except (ValueError, LookupError) as exc:
        fail(str(exc))
    finally:
        database.dispose()


@app.command("register")
def register_command(
    file: Annotated[
        Path, typer.Argument(help="JSON: the assess input plus region, reason (and optional fields).")
    ],
    data_dir: DataDirOption = None,
    json_output: JsonOption = False,
) -> None:
    """Register a case in the ERDR; prints its id and number."""
    document = read_json_file(file)
    try:
        check_registration(document)  # bad input fails before a data directory is touched
    except (CasesError, LawError) as exc:
        fail(str(exc))
    with _store(data_dir) as (session, archive):
        case = do_register_case(session, cli_principal(), document, archive)
        result = {"id": case.id, "number": case.number}
    if json_output:
        emit_json(result)
    else:
        typer.echo(f"{result['id']}\t{format_number(case.number)}")


@app.command("add-material")
def add_material_command(
    case: CaseArgument,
    path: Annotated[Path, typer.Argument(help="The file to add to the case file.")],
    title: Annotated[str, typer.Option("--title", help="What the material is (one line).")],
    media_type: Annotated[
        str | None, typer.Option("--media-type", help="Default: from the file name.")
    ] = None,
    data_dir: DataDirOption = None,
    json_output: JsonOption = False,
) -> None:
    """Append a material to the case log (a new leaf and a new signed checkpoint)."""
    try:
        content = path.read_bytes()
    except FileNotFoundError:
        fail(f"{path}: no such file")
    except OSError as exc:
        fail(f"{path}: cannot read: {exc}")
    with _store(data_dir) as (session, archive):
        entry = do_add_material(
            session,
            cli_principal(),
            case,
            archive,
            title=title,
            filename=path.name,
            content=content,
            media_type=media_type,
        )
        result = entry_view(entry)
    if json_output:
        emit_json(result)
    else:
        typer.echo(f"entry {result['index']}: {result['filename']} sha256 {result['sha256']}")


@app.command("add-participant")
def add_participant_command(
    case: CaseArgument,
    file: Annotated[
        Path,
        typer.Argument(help="JSON: one persons[] entry of the registration (role, …, person_id or name)."),
    ],
    data_dir: DataDirOption = None,
    json_output: JsonOption = False,
) -> None:
    """Add a participant linked to a person to a registered case (a procedural act in its log)."""
    document = read_json_file(file)
    with _store(data_dir) as (session, archive):
        row = do_add_participant(session, cli_principal(), case, archive, participant=document)
        result = {"position": row.position, "role": row.role, "person_id": row.person_id, "name": row.name}
    if json_output:
        emit_json(result)
    else:
        typer.echo(f"participant {result['position']}: {result['role']} {result['name'] or ''}".rstrip())


@app.command("attach-correlation")
def attach_correlation_command(
    case: CaseArgument,
    lat: Annotated[float, typer.Option("--lat", help="Latitude of the place (WGS 84).")],
    lon: Annotated[float, typer.Option("--lon", help="Longitude of the place (WGS 84).")],
    radius_m: Annotated[float, typer.Option("--radius-m", help="Radius around the place, metres.")],
    start: Annotated[str, typer.Option("--from", help="Start of the window (ISO 8601 with offset).")],
    end: Annotated[str, typer.Option("--to", help="End of the window (ISO 8601 with offset).")],
    purpose: Annotated[str, typer.Option("--purpose", help="Why the positions are read (audited).")],
    basis: Annotated[str, typer.Option("--basis", help="Legal basis of the read (audited).")],
    person: Annotated[
        str | None, typer.Option("--person", help="An alibi report (PDF) of this person instead.")
    ] = None,
    data_dir: DataDirOption = None,
    json_output: JsonOption = False,
) -> None:
    """File a monitoring correlation report in the case; its positions go under legal hold."""
    window_start = _moment_option(start, "--from")
    window_end = _moment_option(end, "--to")
    with _store(data_dir) as (session, archive):
        attached = do_attach_correlation(
            session,
            cli_principal(),
            case,
            archive,
            lat=lat,
            lon=lon,
            radius_m=radius_m,
            start=window_start,
            end=window_end,
            purpose=purpose,
            legal_basis=basis,
            person=person,
        )
        result = attached.to_dict()
    if json_output:
        emit_json(result)
    else:
        holds = ", ".join(str(hold) for hold in result["legal_holds"]) or "none"
        typer.echo(f"entry {result['index']}: {result['title']} (legal holds: {holds})")


@app.command("choose-form")
def choose_form_command(
    case: CaseArgument,
    form: Annotated[str, typer.Argument(help="investigation, inquiry, accelerated, protocol or writ.")],
    motivation: Annotated[str, typer.Option("--motivation", help="The reasons of the decision.")],
    data_dir: DataDirOption = None,
    json_output: JsonOption = False,
) -> None:
    """Choose the form of pre-trial proceedings (refused when the assessment closes it)."""
    with _store(data_dir) as (session, archive):
        act = do_choose_form(session, cli_principal(), case, archive, form=form, motivation=motivation)
        result = act_view(act)
    if json_output:
        emit_json(result)
    else:
        typer.echo(f"form chosen: {form} (act {result['id']})")


@app.command("act")
def act_command(
    case: CaseArgument,
    kind: Annotated[
        str,
        typer.Argument(
            help="suspension, resumption, extension, instruction, procedural_act, completion_report."
        ),
    ],
    text: Annotated[str, typer.Option("--text", help="What was decided or done, and why.")],
    term: Annotated[
        str | None, typer.Option("--term", help="For an extension: e.g. '1 months' or '10 days'.")
    ] = None,
    data_dir: DataDirOption = None,
    json_output: JsonOption = False,
) -> None:
    """Record a procedural act (it becomes an entry of the case log)."""
    data: dict[str, Any] = {}
    if term:
        amount, _, unit = term.strip().partition(" ")
        data["term"] = {"amount": int(amount) if amount.isdigit() else amount, "unit": unit.strip()}
    with _store(data_dir) as (session, archive):
        act = do_add_act(session, cli_principal(), case, archive, kind=kind, text=text, data=data)
        result = act_view(act)
    if json_output:
        emit_json(result)
    else:
        typer.echo(f"act {result['id']}: {kind}")


@app.command("export")
def export_command(
    case: CaseArgument,
    out: Annotated[Path, typer.Option("--out", help="Where to write the bundle (.zip).")],
    purpose: Annotated[
        str, typer.Option(help="Why the materials are read (audited).")
    ] = "export of the case file",
    basis: Annotated[
        str, typer.Option(help="Legal basis of the read (audited).")
    ] = "data controller, local access",
    data_dir: DataDirOption = None,
    json_output: JsonOption = False,
) -> None:
    """Write the case bundle: materials, manifest, signed checkpoint, proofs and keys."""
    with _store(data_dir) as (session, archive):
        bundle = export_case(session, cli_principal(), case, archive, purpose=purpose, legal_basis=basis)
    try:
        out.write_bytes(bundle)
    except OSError as exc:
        fail(f"--out {out}: cannot write: {exc}")
    if json_output:
        emit_json({"out": str(out), "bytes": len(bundle)})
    else:
        typer.echo(f"{out}: {len(bundle)} bytes")


@app.command("document")
def document_command(
    case: CaseArgument,
    kind: Annotated[str, typer.Argument(help=f"One of: {', '.join(DOCUMENT_KINDS)}.")],
    out: Annotated[Path, typer.Option("--out", help="Where to write the PDF.")],
    lang: Annotated[str, typer.Option("--lang", help="ru or kk.")] = "ru",
    agreement: Annotated[
        int | None, typer.Option("--agreement", help="The agreement's id (default: the latest).")
    ] = None,
    data_dir: DataDirOption = None,
) -> None:
    """Render a procedural document of the case as PDF (ru or kk), with its citations."""
    with _store(data_dir) as (session, _archive):
        pdf = render_case_document(session, cli_principal(), case, kind, lang, agreement_id=agreement)
    try:
        out.write_bytes(pdf)
    except OSError as exc:
        fail(f"--out {out}: cannot write: {exc}")
    typer.echo(f"{out}: {len(pdf)} bytes")


@app.command("show")
def show_command(
    case: CaseArgument,
    data_dir: DataDirOption = None,
    json_output: JsonOption = False,
) -> None:
    """One case: offences, participants, assessment, deadline, acts, materials, agreements."""
    with _store(data_dir) as (session, _archive):
        row = access_case(session, cli_principal(), case)
        detail = case_detail(session, row, actor=cli_principal())
    if json_output:
        emit_json(detail)
        return
    typer.echo(f"{detail['number_formatted']}  {detail['title']}")
    typer.echo(
        f"  status {detail['status']}, form {detail['form'] or '—'}, registered {detail['registered_at']}"
    )
    if detail["deadline"]:
        typer.echo(f"  due {detail['deadline']['due_at'] or '— (suspended)'}")
    for material in detail["materials"]:
        typer.echo(
            f"  [{material['index']}] {material['kind']}: {material['title']} ({material['filename']})"
        )


@app.command("deadlines")
def deadlines_command(
    now: Annotated[
        str | None, typer.Option(help="As of this moment (ISO 8601 with offset); default now.")
    ] = None,
    within_days: Annotated[int, typer.Option("--within-days", min=0, help="Due-soon window.")] = 3,
    data_dir: DataDirOption = None,
    json_output: JsonOption = False,
) -> None:
    """Open cases that are overdue or due soon."""
    moment = _moment_option(now, "--now")
    with _store(data_dir) as (session, _archive):
        late = [item.to_dict() for item in overdue(session, cli_principal(), now=moment)]
        soon = [
            item.to_dict()
            for item in due_soon(session, cli_principal(), now=moment, within=dt.timedelta(days=within_days))
        ]
    if json_output:
        emit_json({"now": moment.isoformat(), "overdue": late, "due_soon": soon})
        return
    for label, items in (("overdue", late), ("due soon", soon)):
        for item in items:
            typer.echo(f"{label:9} {format_number(item['number'])}  due {item['due_at']}  {item['title']}")


@app.command("statistics")
def statistics_command(
    by: Annotated[str, typer.Option(help="form, agreement, region, period, reason or status.")] = "form",
    region: Annotated[str | None, typer.Option(help="Region code or name.")] = None,
    period: Annotated[str | None, typer.Option(help="YYYY, YYYY-Qn or YYYY-MM.")] = None,
    csv_output: Annotated[bool, typer.Option("--csv", help="Print CSV.")] = False,
    lang: Annotated[str, typer.Option("--lang", help="Language of the labels.")] = "ru",
    data_dir: DataDirOption = None,
    json_output: JsonOption = False,
) -> None:
    """Counts and shares of registered cases."""
    with _store(data_dir) as (session, _archive):
        result = statistics(session, cli_principal(), by=by, region=region, period=period)
    if json_output:
        emit_json(result.to_dict())
    elif csv_output:
        typer.echo(result.to_csv(lang), nl=False)
    else:
        for row in result.rows:
            typer.echo(f"{row.label.get(lang):<50} {row.count:>8} {row.percent:>6.1f}%")
        typer.echo(f"{'total':<50} {result.total:>8}")


@app.command("search")
def search_command(
    query: Annotated[str, typer.Argument(help="Words to find in the materials (Russian or Kazakh).")],
    purpose: Annotated[str, typer.Option(help="Why the materials are searched (audited).")] = "case work",
    basis: Annotated[
        str, typer.Option(help="Legal basis of the search (audited).")
    ] = "data controller, local access",
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 50,
    data_dir: DataDirOption = None,
    json_output: JsonOption = False,
) -> None:
    """Full-text search over the materials and acts of every case."""
    with _store(data_dir) as (session, _archive):
        hits = [
            hit.to_dict()
            for hit in search_materials(
                session, cli_principal(), query, purpose=purpose, legal_basis=basis, limit=limit
            )
        ]
    if json_output:
        emit_json({"query": query, "hits": hits})
        return
    for hit in hits:
        where = f"{format_number(hit['case']['number'])} [{hit['entry']['index']}]"
        typer.echo(f"{where} {hit['entry']['title']}: {hit['snippet']}")


@app.command("rotate-key")
def rotate_key_command(data_dir: DataDirOption = None, json_output: JsonOption = False) -> None:
    """Replace the checkpoint signing key; the old verifier key stays in the keyring (see ``signing``)."""
    settings = settings_for(data_dir)
    old, new = SigningKeys.under(settings.data_dir).rotate()
    result = {"retired": old.encode(), "active": new.encode()}
    if json_output:
        emit_json(result)
    else:
        typer.echo(f"retired {result['retired']}\nactive  {result['active']}")


def _moment_option(value: str | None, option: str) -> dt.datetime:
    if value is None:
        return dt.datetime.now(dt.UTC)
    try:
        return parse_moment(value, option)
    except CasesError as exc:
        fail(str(exc))
