"""Reading what analysts already have: survey exports, scale files, speeches, and the lexicons.

Survey formats (all return a :class:`~qorgau.image.domain.survey.SurveyTable`):

* **LimeSurvey CSV** — UTF-8 with a BOM, every value quoted, ``;`` or ``,`` between values; array
  questions are columns like ``Q1[SQ001]``. The separator is found from the header line.
* **KoboToolbox CSV** — ``;`` by default (``,`` also read); repeat groups are not in the CSV.
* **SPSS .sav** (pip ``pyreadstat``) — LimeSurvey's SPSS export renames ``Q1[SQ001]`` to
  ``Q1_SQ001``; the scale file may keep the bracket spelling, both are found. Question texts are
  kept as ``column_labels``.
* **XLSX** (KoboToolbox, or any spreadsheet; ``openpyxl``) — the first sheet (Kobo's main table;
  the other sheets hold repeat groups) or the sheet named; the first row is the header.

Every problem raises a :class:`~qorgau.image.domain.errors.ImageError` subclass with one clear line.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from qorgau.image.domain.errors import (
    BinaryTextError,
    EmptyTextError,
    LexiconError,
    ScaleFileError,
    SurveyFormatError,
)
from qorgau.image.domain.lexicon import Lexicon, LexiconIndex, parse_lexicon
from qorgau.image.domain.scales import ScaleFile, parse_scale_file
from qorgau.image.domain.survey import Cell, SurveyTable
from qorgau.image.domain.text import SPEECH_LANGUAGES

SURVEY_SUFFIXES = {
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "csv",
    ".sav": "sav",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
}
_DATE_IN_NAME = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def _read_bytes(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise SurveyFormatError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise SurveyFormatError(f"{path}: is a directory, not a {what}") from None
    except OSError as error:
        raise SurveyFormatError(f"{path}: cannot read: {error.strerror or error}") from None


def _header_delimiter(text: str) -> str:
    """The separator of a CSV export: the most frequent of ``;``, ``,``, tab outside quotes in line 1."""
    counts = {";": 0, ",": 0, "\t": 0}
    quoted = False
    for ch in text:
        if ch == '"':
            quoted = not quoted
        elif ch in "\r\n" and not quoted:
            break
        elif ch in counts and not quoted:
            counts[ch] += 1
    best = max(counts, key=lambda key: counts[key])
    return best if counts[best] else ","


def read_csv_survey(path: Path, *, delimiter: str | None = None) -> SurveyTable:
    """Read a LimeSurvey or KoboToolbox CSV export (UTF-8, with or without BOM, ``;`` or ``,``)."""
    data = _read_bytes(path, "CSV file")
    if not data.strip():
        raise SurveyFormatError(f"{path}: the file is empty")
    if b"\x00" in data:
        raise SurveyFormatError(f"{path}: the file is binary, not a CSV export")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise SurveyFormatError(
            f"{path}: not UTF-8 text (byte {error.start}); export the survey as UTF-8 CSV"
        ) from None
    separator = delimiter or _header_delimiter(text)
    try:
        records = [
            record for record in csv.reader(io.StringIO(text, newline=""), delimiter=separator) if record
        ]
    except csv.Error as error:
        raise SurveyFormatError(f"{path}: malformed CSV: {error}") from None
    header = tuple(name.strip() for name in records[0])
    rows: list[tuple[Cell, ...]] = []
    for number, record in enumerate(records[1:], start=1):
        if len(record) != len(header):
            raise SurveyFormatError(
                f"{path}: data row {number} has {len(record)} values, the header has {len(header)} columns "
                f"(separator {separator!r})"
            )
        rows.append(tuple(record))
    shown = {";": "';'", ",": "','", "\t": "tab"}.get(separator, repr(separator))
    return SurveyTable(columns=header, rows=tuple(rows), source=f"CSV ({shown})")


def _plain(value: Any) -> Cell:
    """A spreadsheet or SPSS value as a survey cell: NaN is blank, dates become ISO text."""
    if value is None:
        return None
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if isinstance(value, int | str):
        return value
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return str(value)


def read_xlsx_survey(path: Path, *, sheet: str | None = None) -> SurveyTable:
    """Read an XLSX export: the first sheet (KoboToolbox's main table) or ``sheet``."""
    import zipfile

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    _read_bytes(path, "spreadsheet")  # clear errors for a missing file or a directory
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as error:
        raise SurveyFormatError(f"{path}: not a readable XLSX workbook ({error})") from None
    try:
        if sheet is not None and sheet not in workbook.sheetnames:
            raise SurveyFormatError(f"{path}: no sheet {sheet!r} (sheets: {', '.join(workbook.sheetnames)})")
        worksheet = workbook[sheet] if sheet is not None else workbook.worksheets[0]
        raw_rows = [tuple(_plain(value) for value in row) for row in worksheet.iter_rows(values_only=True)]
    finally:
        workbook.close()
    while raw_rows and all(value is None or value == "" for value in raw_rows[-1]):
        raw_rows.pop()
    if not raw_rows:
        raise SurveyFormatError(f"{path}: the sheet {worksheet.title!r} is empty")
    header_cells = list(raw_rows[0])
    while header_cells and header_cells[-1] in (None, ""):
        header_cells.pop()
    width = len(header_cells)
    blank = [index + 1 for index, name in enumerate(header_cells) if name in (None, "")]
    if blank:
        raise SurveyFormatError(f"{path}: header cell(s) in column(s) {blank} are empty")
    header = tuple(str(name).strip() for name in header_cells)
    rows = []
    for row in raw_rows[1:]:
        cells = tuple(row[:width]) + (None,) * max(0, width - len(row))
        rows.append(cells)
    sheet_note = f", sheet {worksheet.title!r}"
    if len(workbook.sheetnames) > 1 and sheet is None:
        sheet_note += f" (of {len(workbook.sheetnames)}; other sheets are repeat groups, not read)"
    return SurveyTable(columns=header, rows=tuple(rows), source=f"XLSX{sheet_note}")


def read_spss_survey(path: Path) -> SurveyTable:
    """Read an SPSS ``.sav`` export with pyreadstat (no pandas needed); keeps question labels."""
    import pyreadstat

    _read_bytes(path, "SPSS file")
    try:
        columns, metadata = pyreadstat.read_sav(str(path), output_format="dict")
    except Exception as error:  # pyreadstat raises its own error types for every bad file
        raise SurveyFormatError(f"{path}: not a readable SPSS .sav file ({error})") from None
    names = tuple(metadata.column_names)
    values = [
        [_plain(value.item() if hasattr(value, "item") else value) for value in columns[name]]
        for name in names
    ]
    rows = tuple(zip(*values, strict=True)) if names else ()
    labels = {name: label for name, label in (metadata.column_names_to_labels or {}).items() if label}
    return SurveyTable(columns=names, rows=rows, source="SPSS .sav", column_labels=labels)


def read_survey(path: Path, *, sheet: str | None = None, delimiter: str | None = None) -> SurveyTable:
    """Read a survey export, choosing the reader from the file's suffix (.csv, .sav, .xlsx)."""
    kind = SURVEY_SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise SurveyFormatError(
            f"{path}: unknown survey format {path.suffix or '(no suffix)'}; use .csv, .sav or .xlsx"
        )
    if kind == "sav":
        return read_spss_survey(path)
    if kind == "xlsx":
        return read_xlsx_survey(path, sheet=sheet)
    return read_csv_survey(path, delimiter=delimiter)


def load_scale_file(path: Path) -> ScaleFile:
    """Load and validate a scale file (YAML, see :mod:`qorgau.image.domain.scales`)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ScaleFileError(f"{path}: no such scale file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ScaleFileError(f"{path}: cannot read the scale file: {error}") from None
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise ScaleFileError(f"{path}: invalid YAML{where}") from None
    try:
        return parse_scale_file(document)
    except ScaleFileError as error:
        raise ScaleFileError(f"{path}: {error}") from None


@cache
def load_lexicon(language: str) -> Lexicon:
    """The shipped lexicon of ``language`` (ru, kk, en) from ``qorgau/image/lexicons/``."""
    if language not in SPEECH_LANGUAGES:
        raise LexiconError(f"no lexicon for {language!r}: use ru, kk or en")
    text = resources.files("qorgau.image.lexicons").joinpath(f"{language}.yaml").read_text(encoding="utf-8")
    return parse_lexicon(yaml.safe_load(text))


@cache
def lexicon_index(language: str) -> LexiconIndex:
    """A shared, cached index of the shipped lexicon (its word cache grows across speeches)."""
    return LexiconIndex(load_lexicon(language))


def read_speech(path: Path) -> str:
    """The text of a speech file (UTF-8, BOM allowed).

    Raises :class:`EmptyTextError` for an empty (or whitespace-only) file and
    :class:`BinaryTextError` for a binary or non-UTF-8 one.
    """
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise EmptyTextError(f"{path}: no such file") from None
    except OSError as error:
        raise EmptyTextError(f"{path}: cannot read: {error.strerror or error}") from None
    if not data.strip():
        raise EmptyTextError(f"{path}: the file is empty")
    if b"\x00" in data:
        raise BinaryTextError(f"{path}: the file is binary (NUL bytes), not a text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise BinaryTextError(f"{path}: not a UTF-8 text (undecodable byte at {error.start})") from None


def speech_date(path: Path) -> dt.date | None:
    """The date in a speech's file name (``2024-03-01_astana.txt``), or None."""
    match = _DATE_IN_NAME.search(path.stem)
    if not match:
        return None
    try:
        return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None


def speech_files(directory: Path) -> list[Path]:
    """The ``.txt`` files of a speech directory, sorted by name.

    Raises :class:`EmptyTextError` when the directory is missing or holds no ``.txt`` file.
    """
    if not directory.is_dir():
        raise EmptyTextError(f"{directory}: not a directory of speeches")
    files = sorted(path for path in directory.iterdir() if path.suffix.lower() == ".txt" and path.is_file())
    if not files:
        raise EmptyTextError(f"{directory}: no .txt speeches in it")
    return files
