"""``qorgau protection``: Eurostat statistics, temporary-protection end dates, burden-sharing keys.

Contracts (exit 0 on success; 2 on bad input with one line on stderr; ``--json`` prints one JSON
document on stdout):

- ``stats FILE --dataset CODE [--applicant FRST|TOTAL|SSEQ] --year YYYY --json`` →
  ``{"total": N, "by_geo": {...}, "previous_total": N, "growth_pct": x.x, "top": [["DE", N], ...]}``
  (and the fields :func:`qorgau.protection.domain.statistics.stats` documents). Reads the file
  directly; ``--per-million`` adds rates from the shipped population table (or ``--population``).
- ``import-eurostat FILE --dataset CODE`` — reads and validates the file and prints its counts.
  Nothing is stored yet: persistence (one transaction per import) comes with the module's store.
- ``tp-end --activation 2022/382 --on DATE --json`` → ``{"end": "YYYY-MM-DD", "acts": [...]}``.
- ``fair-share FILE.csv --key relocation2015|reference50 [--total N] --json`` →
  ``{"shares": {...}, "quotas": {...}}``, with ``gap`` and ``ratio`` when the CSV has ``actual``.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from qorgau.kernel.clitools import DataDirOption, JsonOption, emit_json, fail
from qorgau.protection.domain.burden_sharing import fair_share, parse_indicators_csv
from qorgau.protection.domain.errors import ProtectionError
from qorgau.protection.domain.observations import DATASETS, summarise
from qorgau.protection.domain.statistics import APPLICANT_TYPES, stats
from qorgau.protection.domain.temporary_protection import tp_end
from qorgau.protection.eurostat import SHIPPED_POPULATION, read_observations, read_population
from qorgau.protection.rules import activation as find_activation
from qorgau.protection.rules import load_keys

app = typer.Typer(
    name="protection",
    no_args_is_help=True,
    help="Asylum and temporary protection: Eurostat statistics, protection end dates, burden-sharing keys.",
)

FileArgument = Annotated[Path, typer.Argument(help="The file to read.", show_default=False)]
DatasetOption = Annotated[
    str, typer.Option("--dataset", help=f"Eurostat dataset code: {', '.join(DATASETS)}.", show_default=False)
]


@app.command("stats")
def stats_command(
    file: FileArgument,
    dataset: DatasetOption,
    year: Annotated[str, typer.Option("--year", help="The year (YYYY).", show_default=False)],
    applicant: Annotated[
        str | None,
        typer.Option("--applicant", help="FRST, TOTAL or SSEQ (applicant datasets; default TOTAL)."),
    ] = None,
    decision: Annotated[
        str | None, typer.Option("--decision", help="Decision code for migr_asydcfsta (default TOTAL).")
    ] = None,
    per_million: Annotated[
        bool,
        typer.Option("--per-million", help="Add rates per million inhabitants (shipped population table)."),
    ] = False,
    population: Annotated[
        Path | None,
        typer.Option("--population", help="Population CSV (geo,year,population); implies --per-million."),
    ] = None,
    top: Annotated[int, typer.Option("--top", help="How many countries to rank.")] = 5,
    json_output: JsonOption = False,
) -> None:
    """Totals, countries, growth on the previous year and top countries of one dataset and year."""
    _check_dataset(dataset)
    wanted_year = _year(year)
    if applicant is not None and applicant.upper() not in APPLICANT_TYPES:
        fail(f"--applicant must be one of {', '.join(APPLICANT_TYPES)}, not {applicant!r}")
    try:
        _, observations = read_observations(file, dataset)
        rates = None
        if per_million or population is not None:
            rates = read_population(population or SHIPPED_POPULATION, wanted_year)
        result = stats(
            observations,
            dataset,
            applicant.upper() if applicant else None,
            wanted_year,
            decision=decision.upper() if decision else None,
            population=rates,
            top=top,
        )
    except ProtectionError as exc:
        fail(str(exc))
    if json_output:
        emit_json(result)
        return
    _print_stats(result)


@app.command("import-eurostat")
def import_eurostat(
    file: FileArgument,
    dataset: DatasetOption,
    data_dir: DataDirOption = None,
    json_output: JsonOption = False,
) -> None:
    """Read and validate a Eurostat file (TSV, SDMX-CSV or JSON-stat) and print its counts.

    Persistence is not there yet: the file is checked as a whole and nothing is stored.
    """
    _check_dataset(dataset)
    try:
        found, observations = read_observations(file, dataset)
    except ProtectionError as exc:
        fail(str(exc))
    report: dict[str, Any] = {
        "dataset": dataset,
        "file": str(file),
        "format": found,
        **summarise(observations),
    }
    report["stored"] = False
    if json_output:
        emit_json(report)
        return
    typer.echo(
        f"{dataset} ({found}): {report['observations']} observations, {report['with_value']} with a value, "
        f"{report['missing']} missing, {report['flagged']} flagged; "
        f"{report['first_period']}–{report['last_period']}; "
        f"{report['countries']} countries; aggregates {', '.join(report['aggregates']) or 'none'}. "
        "Validated; not stored."
    )


@app.command("tp-end")
def tp_end_command(
    activation: Annotated[
        str, typer.Option("--activation", help="The implementing decision, e.g. 2022/382.")
    ],
    on: Annotated[str, typer.Option("--on", help="The day to answer for (YYYY-MM-DD).", show_default=False)],
    json_output: JsonOption = False,
) -> None:
    """When temporary protection ends, as things stood on a day (acts adopted by then)."""
    try:
        day = date.fromisoformat(on)
    except ValueError:
        fail(f"--on: {on!r} is not a date (YYYY-MM-DD)")
    try:
        answer = tp_end(find_activation(activation), day)
    except ProtectionError as exc:
        fail(str(exc))
    if json_output:
        emit_json(answer)
        return
    state = "runs until" if answer.in_force else "ended on"
    typer.echo(
        f"Temporary protection under {answer.activation}, as things stood on {day.isoformat()}, "
        f"{state} {answer.end.isoformat()}."
    )
    for step in answer.steps:
        verified = "" if step.citation.verified else " (not verified)"
        typer.echo(
            f"  from {step.counts_from.isoformat()}: {step.citation.label()} "
            f"→ {step.sets_end.isoformat()}{verified}"
        )


@app.command("fair-share")
def fair_share_command(
    file: Annotated[
        Path, typer.Argument(help="CSV: geo,population,gdp,unemployment_rate,asylum_per_million[,actual].")
    ],
    key: Annotated[str, typer.Option("--key", help="relocation2015 or reference50.", show_default=False)],
    total: Annotated[
        str | None, typer.Option("--total", help="People to share (default: the sum of 'actual').")
    ] = None,
    json_output: JsonOption = False,
) -> None:
    """Shares and quotas under a burden-sharing key; with 'actual', the fair-share gap and ratio."""
    keys = load_keys()
    if key not in keys:
        fail(f"--key must be one of {', '.join(keys)}, not {key!r}")
    people: int | None = None
    if total is not None:
        if not re.fullmatch(r"\d+", total.strip()):
            fail(f"--total must be a whole non-negative number, not {total!r}")
        people = int(total)
    try:
        text = file.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        fail(f"{file}: no such file")
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"{file}: cannot read: {exc}")
    try:
        result = fair_share(parse_indicators_csv(text), keys[key], people)
    except ProtectionError as exc:
        fail(f"{file}: {exc}")
    if json_output:
        emit_json(result)
        return
    typer.echo(f"{key}: {result['total']} people")
    for geo, share in sorted(result["shares"].items(), key=lambda item: -item[1]):
        line = f"  {geo:<10} {share:8.4%}  {result['quotas'][geo]:>10}"
        if "gap" in result:
            line += f"  gap {result['gap'][geo]:>+12.1f}  ratio {result['ratio'][geo]}"
        typer.echo(line)


def _check_dataset(dataset: str) -> None:
    if dataset not in DATASETS:
        fail(f"--dataset must be one of {', '.join(DATASETS)}, not {dataset!r}")


def _year(text: str) -> int:
    if not re.fullmatch(r"\d{4}", text.strip()):
        fail(f"--year must be a year (YYYY), not {text!r}")
    return int(text)


def _print_stats(result: dict[str, Any]) -> None:
    selection = ", ".join(f"{name}={code}" for name, code in result["selection"].items())
    typer.echo(f"{result['dataset']} {result['year']} ({selection})")
    typer.echo(
        f"  total {result['total']} ({result['total_source']}); "
        f"previous year {result['previous_total'] if result['previous_total'] is not None else 'n/a'}; "
        f"growth {str(result['growth_pct']) + '%' if result['growth_pct'] is not None else 'n/a'}"
    )
    if result.get("total_per_million") is not None:
        typer.echo(f"  total per million inhabitants {result['total_per_million']}")
    for geo, value in result["top"]:
        rate = result.get("per_million", {}).get(geo)
        typer.echo(f"  {geo:<10} {value:>12}" + (f"  {rate} per million" if rate is not None else ""))
    for note in result["notes"]:
        typer.echo(f"  note: {note}")
