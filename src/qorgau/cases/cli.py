"""``qorgau cases``: the electronic criminal case on the command line.

Commands here need no database: ``assess`` (which forms of pre-trial proceedings and which
procedural agreements are open, with reasons) and ``verify`` (check an exported case bundle).
``register``, ``add-material`` and ``export`` join them with the store.

Exit codes (DESIGN.md, "Contracts"): 0 success; 1 a bundle that fails verification; 2 bad input,
with one line on stderr.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from qorgau.cases.domain.assessment import assess
from qorgau.cases.domain.bundle import verify_bundle
from qorgau.cases.domain.checkpoint import Keyring
from qorgau.cases.domain.errors import CasesError
from qorgau.cases.domain.facts import parse_case_facts
from qorgau.cases.rules import load_law
from qorgau.kernel.clitools import JsonOption, emit_json, fail, read_json_file
from qorgau.kernel.law import LawError, Reason

VERIFICATION_FAILED = 1

app = typer.Typer(name="cases", no_args_is_help=True, help="Electronic criminal cases: assess, verify.")


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
