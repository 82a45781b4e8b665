"""``qorgau law test PATH``: run YAML scenario files and report failures readably."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from qorgau.kernel.clitools import JsonOption, emit_json, fail
from qorgau.kernel.law.model import LawError
from qorgau.kernel.law.scenarios import run_file, scenario_files

app = typer.Typer(name="law", help="Legal rules: scenario tests.", no_args_is_help=True)


@app.command("test")
def test_scenarios(
    path: Annotated[Path, typer.Argument(help="A scenario file or a folder of them.")],
    json: JsonOption = False,
) -> None:
    """Run every scenario; exit 1 when any fails, 2 when a file is malformed."""
    try:
        files = scenario_files(path)
        results = [result for file in files for result in run_file(file)]
    except LawError as exc:
        fail(str(exc))
    failed = [r for r in results if not r.ok]
    if json:
        emit_json(
            {
                "scenarios": len(results),
                "passed": len(results) - len(failed),
                "failed": [
                    {
                        "file": r.file,
                        "name": r.name,
                        "cites": r.cites,
                        "failures": [
                            {"path": f.path, "expected": f.expected, "actual": f.actual, "message": f.message}
                            for f in r.failures
                        ],
                    }
                    for r in failed
                ],
            }
        )
    else:
        for result in failed:
            for failure in result.failures:
                typer.echo("FAIL " + failure.describe(), err=True)
        typer.echo(f"{len(results) - len(failed)} passed, {len(failed)} failed ({len(files)} files)")
    if failed:
        raise typer.Exit(1)
    if not results:
        fail(f"{path}: no scenarios found")
