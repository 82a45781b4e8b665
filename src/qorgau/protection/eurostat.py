"""Reading Eurostat files: the bulk TSV, SDMX-CSV and JSON-stat 2.0, told apart by their content.

:func:`read_observations` reads a file a user downloaded (plain or gzip-compressed, as the bulk
download serves it) and returns :class:`~qorgau.protection.domain.observations.Observation` s;
:func:`parse_observations` does the same for text. The three formats:

- **Bulk TSV** — ``freq,unit,citizen,sex,age,applicant,geo\\TIME_PERIOD`` then one tab-separated
  column per period; each cell a number, or ``:`` for not available, followed by flags
  (``217735 p``, ``: c``).
- **SDMX-CSV** — columns ``DATAFLOW`` (``ESTAT:MIGR_ASYAPPCTZA(1.0)``), ``LAST UPDATE``, the
  dimensions, ``TIME_PERIOD``, ``OBS_VALUE``, ``OBS_FLAG`` (SDMX-CSV 2.0's ``STRUCTURE``,
  ``STRUCTURE_ID`` and ``CONF_STATUS`` are understood too).
- **JSON-stat 2.0** — the statistics API's answer: ``id``, ``size``, ``dimension``, ``value``,
  ``status`` and Eurostat's ``extension.id``.

**The dataset check.** A file must be the dataset it is read as: its dimensions must be the
dataset's, its periods of the dataset's frequency, and where the file names its dataset (the
``DATAFLOW`` column, JSON-stat's ``extension.id``) the name must match. A bulk TSV does not name
its dataset, so ``migr_asytpfm`` and ``migr_asytpsm`` (same dimensions, both monthly) cannot be
told apart from a TSV alone: the caller's word is taken. Every code must be in the dataset's code
list, every value a number or ``:``; a row that breaks a rule raises a
:class:`~qorgau.protection.domain.errors.DatasetError` naming its line, and nothing is returned.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Literal

from qorgau.protection.domain.errors import (
    BrokenRowError,
    DatasetError,
    FormatError,
    UnknownCodeError,
    WrongDatasetError,
)
from qorgau.protection.domain.observations import (
    DATASETS,
    DatasetSpec,
    Number,
    Observation,
    check_flags,
    duplicate_of,
    is_known_code,
    normalise_time_period,
    parse_number,
    parse_value_cell,
)

Format = Literal["tsv", "sdmx-csv", "json-stat"]

DATA_DIR = Path(__file__).resolve().parent / "data"
SHIPPED_EXTRACT = DATA_DIR / "migr_asyappctza_2021_2022.tsv"
"""EU-27 and leading countries, asylum applicants 2021–2022 (Eurostat release of 23 March 2023)."""
SHIPPED_POPULATION = DATA_DIR / "population_2022.csv"
"""Population on 1 January 2022 for the countries of the extract (Eurostat demo_pjan)."""
SHIPPED_DATASETS: tuple[tuple[Path, str], ...] = (
    (SHIPPED_EXTRACT, "migr_asyappctza"),
    (DATA_DIR / "migr_asytpfm_2022.tsv", "migr_asytpfm"),
    (DATA_DIR / "migr_asytpsm_2022_2023.tsv", "migr_asytpsm"),
)
"""Every shipped Eurostat extract with its dataset (vintages and sources in ``data/sources.yaml``)."""

_SDMX_COLUMNS = frozenset(
    {"DATAFLOW", "LAST UPDATE", "STRUCTURE", "STRUCTURE_ID", "STRUCTURE_NAME", "ACTION", "CONF_STATUS"}
)
_TIME_DIMENSIONS = ("time", "TIME_PERIOD")
_DATAFLOW = re.compile(r"(?:[A-Za-z0-9_.]+:)?(?P<code>[A-Za-z0-9_]+)(?:\([^)]*\))?")


def read_observations(path: Path | str, dataset: str) -> tuple[Format, list[Observation]]:
    """Read ``path`` as ``dataset``: the format found and the observations.

    Raises :class:`DatasetError` (with the file's name and the line) on any problem, including a
    file that cannot be read.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise FormatError(f"cannot read: {exc.strerror or exc}", source=str(path)) from None
    return read_observations_bytes(raw, dataset, source=str(path))


def read_observations_bytes(raw: bytes, dataset: str, *, source: str) -> tuple[Format, list[Observation]]:
    """Read the content of a file (plain or gzip-compressed, as uploaded) as ``dataset``.

    ``source`` names the file in error messages. Raises :class:`DatasetError` on any problem.
    """
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise FormatError(f"broken gzip file: {exc}", source=source) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise FormatError("not UTF-8 text", line=line, source=source) from None
    return parse_observations(text, dataset, source=source)


def detect_format(text: str, *, source: str | None = None) -> Format:
    """Which of the three formats ``text`` is, from its first characters and first line."""
    stripped = text.lstrip()
    if stripped.startswith("{"):
        return "json-stat"
    first_line = stripped.splitlines()[0] if stripped else ""
    first_cell = first_line.split("\t", 1)[0]
    if "\t" in first_line and "\\" in first_cell:
        return "tsv"
    header = next(csv.reader([first_line]), [])
    if header and header[0].strip().upper() in ("DATAFLOW", "STRUCTURE"):
        return "sdmx-csv"
    raise FormatError(
        "not a Eurostat bulk TSV ('...,geo\\TIME_PERIOD' header), SDMX-CSV ('DATAFLOW' column) "
        "or JSON-stat document",
        line=1,
        source=source,
    )


def parse_observations(
    text: str, dataset: str, *, source: str | None = None
) -> tuple[Format, list[Observation]]:
    """Parse ``text`` (any of the three formats) as ``dataset``; see the module docstring."""
    spec = DATASETS.get(dataset)
    if spec is None:
        raise WrongDatasetError(f"unknown dataset {dataset!r}; known: {', '.join(DATASETS)}", source=source)
    found = detect_format(text, source=source)
    if found == "tsv":
        observations = _parse_tsv(text, spec, source)
    elif found == "sdmx-csv":
        observations = _parse_sdmx_csv(text, spec, source)
    else:
        observations = _parse_json_stat(text, spec, source)
    if not observations:
        raise FormatError(f"no observations of {dataset} in the file", source=source)
    repeated = duplicate_of(observations)
    if repeated is not None:
        again, first = repeated
        raise BrokenRowError(
            f"the figure for {_key_text(again)} {again.time_period} is given twice "
            f"(first on line {first.line})",
            line=again.line,
            source=source,
        )
    return found, observations


# --- bulk TSV -----------------------------------------------------------------------------------------
def _parse_tsv(text: str, spec: DatasetSpec, source: str | None) -> list[Observation]:
    lines = text.splitlines()
    header = lines[0].split("\t")
    dimension_part, _, time_name = header[0].partition("\\")
    dimensions = tuple(name.strip() for name in dimension_part.split(","))
    if time_name.strip() not in ("TIME_PERIOD", "time"):
        raise FormatError(
            f"the first header cell must end in '\\TIME_PERIOD', not {header[0]!r}", line=1, source=source
        )
    _check_dimensions(dimensions, spec, 1, source)
    periods = [_period(cell, spec, 1, source, f"column {index + 2}") for index, cell in enumerate(header[1:])]
    observations = []
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        cells = line.split("\t")
        if len(cells) != len(header):
            raise BrokenRowError(
                f"expected {len(header)} tab-separated cells, found {len(cells)}", line=number, source=source
            )
        codes = [code.strip() for code in cells[0].split(",")]
        if len(codes) != len(dimensions):
            raise BrokenRowError(
                f"expected {len(dimensions)} comma-separated codes ({','.join(dimensions)}), "
                f"found {len(codes)}",
                line=number,
                source=source,
            )
        key = _checked_key(dict(zip(dimensions, codes, strict=True)), spec, number, source)
        for period, cell in zip(periods, cells[1:], strict=True):
            try:
                value, flags = parse_value_cell(cell)
            except ValueError as exc:
                raise BrokenRowError(f"period {period}: {exc}", line=number, source=source) from None
            observations.append(Observation(spec.code, key, period, value, flags, number))
    return observations


# --- SDMX-CSV -----------------------------------------------------------------------------------------
def _parse_sdmx_csv(text: str, spec: DatasetSpec, source: str | None) -> list[Observation]:
    reader = csv.reader(io.StringIO(text))
    rows = _numbered_rows(reader)
    header_line, header = next(rows)
    columns = [cell.strip().split(":", 1)[0].strip() for cell in header]
    for required in ("TIME_PERIOD", "OBS_VALUE"):
        if required not in columns:
            raise FormatError(f"SDMX-CSV without a {required} column", line=header_line, source=source)
    dataflow_column = next((name for name in ("DATAFLOW", "STRUCTURE_ID") if name in columns), None)
    if dataflow_column is None:
        raise FormatError(
            "SDMX-CSV without a DATAFLOW (or STRUCTURE_ID) column", line=header_line, source=source
        )
    dimensions = tuple(
        name for name in columns if name not in _SDMX_COLUMNS | {"TIME_PERIOD", "OBS_VALUE", "OBS_FLAG"}
    )
    _check_dimensions(dimensions, spec, header_line, source)
    observations = []
    for number, cells in rows:
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(columns):
            raise BrokenRowError(
                f"expected {len(columns)} cells, found {len(cells)}", line=number, source=source
            )
        record = dict(zip(columns, (cell.strip() for cell in cells), strict=True))
        _check_dataflow(record[dataflow_column], spec, number, source)
        codes = {name: record[name].split(":", 1)[0].strip() for name in dimensions}
        key = _checked_key(codes, spec, number, source)
        period = _period(record["TIME_PERIOD"], spec, number, source, "TIME_PERIOD")
        value: Number | None = None
        if record["OBS_VALUE"] not in ("", ":"):
            try:
                value = parse_number(record["OBS_VALUE"])
            except ValueError as exc:
                raise BrokenRowError(f"OBS_VALUE: {exc}", line=number, source=source) from None
        flags = record.get("OBS_FLAG", "").replace(":", "").replace(" ", "")
        try:
            check_flags(flags)
        except ValueError as exc:
            raise BrokenRowError(f"OBS_FLAG: {exc}", line=number, source=source) from None
        observations.append(Observation(spec.code, key, period, value, flags, number))
    return observations


def _numbered_rows(reader: Any) -> Iterator[tuple[int, list[str]]]:
    previous_end = 0
    for cells in reader:
        # csv counts physical lines; a quoted cell may span several, the row starts after the last.
        yield previous_end + 1, cells
        previous_end = reader.line_num


def _check_dataflow(value: str, spec: DatasetSpec, line: int, source: str | None) -> None:
    match = _DATAFLOW.fullmatch(value)
    if not match:
        raise BrokenRowError(
            f"dataflow {value!r} is not of the form ESTAT:CODE(version)", line=line, source=source
        )
    if match.group("code").lower() != spec.code:
        raise WrongDatasetError(
            f"dataflow {value} is not {spec.code}: this file holds another dataset", line=line, source=source
        )


# --- JSON-stat 2.0 ------------------------------------------------------------------------------------
def _parse_json_stat(text: str, spec: DatasetSpec, source: str | None) -> list[Observation]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FormatError(
            f"invalid JSON: {exc.msg} (column {exc.colno})", line=exc.lineno, source=source
        ) from None
    if not isinstance(document, dict) or document.get("class") != "dataset":
        raise FormatError(
            'JSON that is not a JSON-stat dataset (no "class": "dataset")', line=1, source=source
        )
    if not str(document.get("version", "")).startswith("2"):
        raise FormatError(
            f"JSON-stat version {document.get('version')!r}; 2.0 is read", line=1, source=source
        )
    extension = document.get("extension")
    named = extension.get("id") if isinstance(extension, dict) else None
    if named and str(named).lower() != spec.code:
        raise WrongDatasetError(
            f"extension.id {named} is not {spec.code}: this file holds another dataset",
            line=_line_of(text, f'"{named}"'),
            source=source,
        )
    ids, sizes, dimension = document.get("id"), document.get("size"), document.get("dimension")
    if not (isinstance(ids, list) and isinstance(sizes, list) and isinstance(dimension, dict)) or len(
        ids
    ) != len(sizes):
        raise FormatError(
            "JSON-stat without matching 'id', 'size' and 'dimension'",
            line=_line_of(text, '"id"'),
            source=source,
        )
    time_names = [name for name in ids if name in _TIME_DIMENSIONS]
    if len(time_names) != 1:
        raise WrongDatasetError(
            f"expected one time dimension (time), found {time_names or 'none'}", line=1, source=source
        )
    _check_dimensions(
        tuple(name for name in ids if name not in _TIME_DIMENSIONS), spec, _line_of(text, '"id"'), source
    )
    categories: list[list[str]] = []
    for name, size in zip(ids, sizes, strict=True):
        codes = _category_codes(dimension.get(name), name, text, source)
        if len(codes) != size:
            raise FormatError(
                f"dimension {name} has {len(codes)} categories but size {size}",
                line=_line_of(text, f'"{name}"'),
                source=source,
            )
        if name in _TIME_DIMENSIONS:
            codes = [
                _period(code, spec, _line_of(text, f'"{code}"'), source, "time category") for code in codes
            ]
        else:
            for code in codes:
                if not is_known_code(name, code):
                    raise UnknownCodeError(
                        f"unknown {name} code {code!r}", line=_category_line(text, name, code), source=source
                    )
                if name == "freq" and code != spec.frequency:
                    raise WrongDatasetError(
                        f"freq {code} in a {_frequency_name(spec)} dataset: this file is not {spec.code}",
                        line=_category_line(text, name, code),
                        source=source,
                    )
        categories.append(codes)
    values = _indexed(document.get("value"), "value", text, source)
    raw_status = document.get("status")
    # A single string is the status of every cell (JSON-stat 2.0, section "status").
    statuses = (
        dict.fromkeys(values, raw_status)
        if isinstance(raw_status, str)
        else _indexed(raw_status, "status", text, source)
    )
    total = 1
    for size in sizes:
        total *= size
    observations = []
    for index in sorted(set(values) | set(statuses)):
        if not 0 <= index < total:
            raise BrokenRowError(
                f"value index {index} is outside the cube ({total} cells)",
                line=_line_of(text, '"value"'),
                source=source,
            )
        raw_value = values.get(index)
        if raw_value is not None and (isinstance(raw_value, bool) or not isinstance(raw_value, int | float)):
            raise BrokenRowError(
                f"value {raw_value!r} at index {index} is not a number",
                line=_line_of(text, '"value"'),
                source=source,
            )
        flags = str(statuses.get(index) or "").replace(":", "").strip()
        try:
            check_flags(flags)
        except ValueError as exc:
            raise BrokenRowError(
                f"status at index {index}: {exc}", line=_line_of(text, '"status"'), source=source
            ) from None
        coordinates = []
        remainder = index
        for size in reversed(sizes):
            remainder, position = divmod(remainder, size)
            coordinates.append(position)
        coordinates.reverse()
        cell_codes = {
            name: categories[axis][position]
            for axis, (name, position) in enumerate(zip(ids, coordinates, strict=True))
        }
        period = next(cell_codes.pop(name) for name in time_names)
        observations.append(Observation(spec.code, cell_codes, period, raw_value, flags, None))
    return observations


def _category_codes(entry: Any, name: str, text: str, source: str | None) -> list[str]:
    category = entry.get("category") if isinstance(entry, dict) else None
    index = category.get("index") if isinstance(category, dict) else None
    if isinstance(index, dict):
        ordered = sorted(index.items(), key=lambda item: item[1])
        return [str(code) for code, _ in ordered]
    if isinstance(index, list):
        return [str(code) for code in index]
    labels = category.get("label") if isinstance(category, dict) else None
    if isinstance(labels, dict) and len(labels) == 1:
        return [str(next(iter(labels)))]
    raise FormatError(
        f"dimension {name} has no category index", line=_line_of(text, f'"{name}"'), source=source
    )


def _indexed(raw: Any, name: str, text: str, source: str | None) -> dict[int, Any]:
    if raw is None:
        return {}
    if isinstance(raw, list):
        # A dense list names every cell: null is a figure that is not available, kept as missing.
        return dict(enumerate(raw))
    if isinstance(raw, dict):
        try:
            return {int(key): item for key, item in raw.items()}
        except ValueError:
            raise FormatError(
                f"'{name}' keys must be cell indices", line=_line_of(text, f'"{name}"'), source=source
            ) from None
    raise FormatError(
        f"'{name}' must be a list or an object", line=_line_of(text, f'"{name}"'), source=source
    )


def _line_of(text: str, needle: str, start: int = 0) -> int | None:
    position = text.find(needle, start)
    return None if position < 0 else text.count("\n", 0, position) + 1


def _category_line(text: str, dimension: str, code: str) -> int | None:
    start = text.find(f'"{dimension}"', text.find('"dimension"'))
    return _line_of(text, f'"{code}"', max(start, 0)) or _line_of(text, f'"{dimension}"')


# --- shared checks ------------------------------------------------------------------------------------
def _check_dimensions(
    found: tuple[str, ...], spec: DatasetSpec, line: int | None, source: str | None
) -> None:
    if set(found) != set(spec.dimensions) or len(found) != len(spec.dimensions):
        hint = " (the 'asyl_app' dimension of older files is now 'applicant')" if "asyl_app" in found else ""
        raise WrongDatasetError(
            f"dimensions {','.join(found)} are not those of {spec.code} ({','.join(spec.dimensions)}): "
            f"this file is not {spec.code}{hint}",
            line=line,
            source=source,
        )


def _checked_key(
    codes: Mapping[str, str], spec: DatasetSpec, line: int, source: str | None
) -> dict[str, str]:
    for name in spec.dimensions:
        code = codes[name]
        if not code:
            raise BrokenRowError(f"empty {name} code", line=line, source=source)
        if not is_known_code(name, code):
            raise UnknownCodeError(f"unknown {name} code {code!r}", line=line, source=source)
        if name == "freq" and code != spec.frequency:
            raise WrongDatasetError(
                f"freq {code} in a {_frequency_name(spec)} dataset: this file is not {spec.code}",
                line=line,
                source=source,
            )
    return {name: codes[name] for name in spec.dimensions}


def _period(text: str, spec: DatasetSpec, line: int | None, source: str | None, where: str) -> str:
    period = normalise_time_period(text, spec.frequency)
    if period is not None:
        return period
    other = "M" if spec.frequency == "A" else "A"
    if normalise_time_period(text, other) is not None:
        raise WrongDatasetError(
            f"{where} {text.strip()!r} is a {'monthly' if other == 'M' else 'annual'} period: "
            f"this file is not {spec.code} ({_frequency_name(spec)})",
            line=line,
            source=source,
        )
    raise BrokenRowError(f"{where} {text.strip()!r} is not a period", line=line, source=source)


def _frequency_name(spec: DatasetSpec) -> str:
    return "annual" if spec.frequency == "A" else "monthly"


def _key_text(observation: Observation) -> str:
    return ",".join(observation.dimensions.values())


# --- population table ---------------------------------------------------------------------------------
def read_population(path: Path | str, year: int) -> dict[str, int]:
    """The population on 1 January of ``year`` by geo code, from a CSV ``geo,year,population``.

    Raises :class:`DatasetError` naming the line for a broken row or an unknown geo code, and when
    the table has no figures for ``year``.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise FormatError(f"cannot read: {exc}", source=str(path)) from None
    rows = _numbered_rows(csv.reader(io.StringIO(text)))
    header_line, header = next(rows, (1, []))
    columns = [cell.strip() for cell in header]
    if columns[:3] != ["geo", "year", "population"]:
        raise FormatError(
            "a population table starts with the columns geo,year,population",
            line=header_line,
            source=str(path),
        )
    found: dict[str, int] = {}
    years = set()
    for number, cells in rows:
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(columns):
            raise BrokenRowError(
                f"expected {len(columns)} cells, found {len(cells)}", line=number, source=str(path)
            )
        geo, row_year, population = (cell.strip() for cell in cells[:3])
        if not is_known_code("geo", geo):
            raise UnknownCodeError(f"unknown geo code {geo!r}", line=number, source=str(path))
        if (
            not re.fullmatch(r"\d{4}", row_year)
            or not re.fullmatch(r"\d+", population)
            or int(population) <= 0
        ):
            raise BrokenRowError(
                "year must be YYYY and population a positive whole number", line=number, source=str(path)
            )
        years.add(int(row_year))
        if int(row_year) == year:
            if geo in found:
                raise BrokenRowError(f"{geo} {year} is given twice", line=number, source=str(path))
            found[geo] = int(population)
    if not found:
        raise DatasetError(
            f"no population on 1 January {year}; the table has "
            + (", ".join(map(str, sorted(years))) or "no rows"),
            source=str(path),
        )
    return found
