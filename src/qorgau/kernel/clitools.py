"""Shared helpers for every module's command line: one JSON document on stdout, one line on stderr.

Contract (DESIGN.md, "Contracts"): exit 0 on success; exit 2 on bad input with the reason on one
line of stderr; ``--json`` prints exactly one JSON document on stdout.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Mapping
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

BAD_INPUT = 2

JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout.")]
DataDirOption = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        envvar="QORGAU_DATA_DIR",
        help="Data directory (default ./var).",
        show_default=False,
    ),
]


def fail(message: str, *, code: int = BAD_INPUT) -> NoReturn:
    """Print ``message`` as one line on stderr and exit with ``code`` (2: bad input)."""
    typer.echo(f"error: {' '.join(str(message).split())}", err=True)
    raise typer.Exit(code)


def to_jsonable(value: Any) -> Any:
    """Dates, datetimes, decimals, enums, paths, sets and dataclass-like ``to_dict`` become JSON."""
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Path):
        return str(value)
    if hasattr(value, "to_dict") and callable(value.to_dict):
        return to_jsonable(value.to_dict())
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_jsonable(v) for v in value]
    return value


def emit_json(document: Any) -> None:
    """Write ``document`` as one JSON document (UTF-8, not ASCII-escaped) on stdout."""
    sys.stdout.write(json.dumps(to_jsonable(document), ensure_ascii=False, indent=2) + "\n")
    sys.stdout.flush()


def read_json_file(path: Path) -> Any:
    """Load a JSON input file or :func:`fail` with one line naming the problem."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        fail(f"{path}: no such file")
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"{path}: cannot read: {exc}")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        fail(f"{path}: invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}")
