"""The survey table and the ratings cube built from it with a scale file.

A :class:`SurveyTable` is what every importer returns (LimeSurvey CSV, SPSS ``.sav``, KoboToolbox
CSV or XLSX): a header and rows of raw cells. :func:`build_ratings` validates the cells the scale
file names and returns :class:`Ratings`, a ``respondents × objects × scales`` array with reversed
scales already turned round and missing answers as NaN.

Row numbers are *data row numbers*: 1 is the first respondent after the header, in every format.

>>> from qorgau.image.domain.scales import parse_scale_file
>>> scales = parse_scale_file({"objects": ["ideal", "leader"], "scales": [
...     {"id": "strong", "left": "weak", "right": "strong", "factor": "P",
...      "columns": {"ideal": "Q1[SQ001]", "leader": "Q2[SQ001]"}}]})
>>> table = SurveyTable(columns=("Q1_SQ001", "Q2_SQ001"), rows=(("7", "3"), ("6", "")))
>>> ratings = build_ratings(table, scales)       # the SPSS spelling Q1_SQ001 is found too
>>> ratings.values[:, 1, 0].tolist()
[3.0, nan]
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from qorgau.image.domain.errors import (
    InvalidAnswerError,
    MissingColumnsError,
    NoRatedObjectsError,
    SurveyFormatError,
)
from qorgau.image.domain.scales import HIGHEST_ANSWER, LOWEST_ANSWER, ScaleFile

Cell = str | int | float | None
_BRACKETS = re.compile(r"\[([^\]]*)\]")
_MISSING_MARKERS = frozenset({"", "na", "n/a", "nan", "-", "--", ".", "none", "null"})


def spss_column_name(name: str) -> str:
    """The name SPSS ``.sav`` exports give a LimeSurvey array column: ``Q1[SQ001]`` → ``Q1_SQ001``.

    >>> spss_column_name("Q1[SQ001]")
    'Q1_SQ001'
    """
    return _BRACKETS.sub(r"_\1", name)


@dataclass(frozen=True)
class SurveyTable:
    """A survey as a header and rows of raw cells (text, numbers or None), as an importer read it.

    ``source`` says what was read (e.g. ``"LimeSurvey CSV (';')"``); ``column_labels`` holds the
    question texts when the format keeps them (SPSS).
    """

    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    source: str = ""
    column_labels: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        duplicates = sorted({name for name in self.columns if self.columns.count(name) > 1})
        if duplicates:
            raise SurveyFormatError(f"the survey names column(s) {', '.join(duplicates)} more than once")
        for number, row in enumerate(self.rows, start=1):
            if len(row) != len(self.columns):
                raise SurveyFormatError(
                    f"row {number} has {len(row)} cells but the header has {len(self.columns)} columns"
                )

    def find_column(self, name: str) -> int | None:
        """The index of column ``name``; also finds the SPSS spelling ``Q1_SQ001`` of ``Q1[SQ001]``."""
        for candidate in (name, spss_column_name(name)):
            if candidate in self.columns:
                return self.columns.index(candidate)
        return None

    def column_values(self, name: str) -> list[Cell]:
        """All cells of column ``name`` (raises :class:`MissingColumnsError` if it is absent)."""
        index = self.find_column(name)
        if index is None:
            raise MissingColumnsError([name])
        return [row[index] for row in self.rows]


@dataclass(frozen=True)
class Ratings:
    """Answers as a ``respondents × objects × scales`` float array (NaN = missing).

    Reversed scales are already turned round (``8 - x``). ``row_numbers`` are the data row numbers
    of the respondents kept (rows with no rating at all are dropped and listed in ``empty_rows``).
    ``straight_lining`` maps each object to the rows that gave the same raw answer on every scale.
    """

    objects: tuple[str, ...]
    scales: tuple[str, ...]
    values: npt.NDArray[np.float64]
    row_numbers: tuple[int, ...]
    empty_rows: tuple[int, ...] = ()
    straight_lining: dict[str, tuple[int, ...]] = field(default_factory=dict)

    @property
    def respondents(self) -> int:
        return int(self.values.shape[0])

    def answered(self) -> npt.NDArray[np.bool_]:
        return ~np.isnan(self.values)

    def rated_objects(self) -> tuple[str, ...]:
        """Objects with at least one answer."""
        answered_any = np.asarray(self.answered().any(axis=(0, 2))).tolist()
        return tuple(name for name, rated in zip(self.objects, answered_any, strict=True) if rated)

    def subset(self, keep: npt.NDArray[np.bool_]) -> Ratings:
        """The ratings of the respondents where ``keep`` is true (flags restricted to them)."""
        kept_rows = tuple(row for row, flag in zip(self.row_numbers, keep.tolist(), strict=True) if flag)
        kept = set(kept_rows)
        return Ratings(
            objects=self.objects,
            scales=self.scales,
            values=self.values[keep],
            row_numbers=kept_rows,
            empty_rows=(),
            straight_lining={
                name: tuple(row for row in rows if row in kept) for name, rows in self.straight_lining.items()
            },
        )


def parse_answer(cell: Cell) -> float | None:
    """A cell as an answer: None when blank (or NA), the number otherwise.

    Raises ValueError for text that is not a number. ``"5"``, ``"5.0"``, ``"5,0"`` and ``5`` are 5.
    """
    if cell is None:
        return None
    if isinstance(cell, bool):
        raise ValueError(f"{cell!r} is not a number")
    if isinstance(cell, int | float):
        return None if math.isnan(cell) else float(cell)
    text = str(cell).strip()
    if text.lower() in _MISSING_MARKERS:
        return None
    return float(text.replace(",", "."))


def build_ratings(table: SurveyTable, scale_file: ScaleFile) -> Ratings:
    """Validate the columns the scale file names and return the ratings cube.

    Every problem is collected before raising, so one run reports them all:

    * :class:`MissingColumnsError` lists every column that is absent (with scale and object);
    * :class:`InvalidAnswerError` lists cells that are not whole numbers in 1..7 with column and
      data row number (1 = first row after the header);
    * :class:`NoRatedObjectsError` when the table has no rows or no object has any answer.
    """
    missing = [
        f"{column} (scale {scale.id}, object {name})"
        for scale in scale_file.scales
        for name, column in scale.columns
        if table.find_column(column) is None
    ]
    if missing:
        raise MissingColumnsError(missing)
    if not table.rows:
        raise NoRatedObjectsError("the survey has no respondents (no data rows after the header)")

    respondent_count = len(table.rows)
    raw = np.full((respondent_count, len(scale_file.objects), len(scale_file.scales)), np.nan)
    problems: list[str] = []
    for scale_index, scale in enumerate(scale_file.scales):
        for object_index, (_, column) in enumerate(scale.columns):
            column_index = table.find_column(column)
            assert column_index is not None  # checked above
            for row_index, row in enumerate(table.rows):
                cell = row[column_index]
                try:
                    answer = parse_answer(cell)
                except ValueError:
                    problems.append(f"column {column}, row {row_index + 1}: {cell!r} is not a number")
                    continue
                if answer is None:
                    continue
                if answer != int(answer) or not LOWEST_ANSWER <= answer <= HIGHEST_ANSWER:
                    shown = int(answer) if answer == int(answer) else answer
                    problems.append(
                        f"column {column}, row {row_index + 1}: {shown} is outside "
                        f"{LOWEST_ANSWER}..{HIGHEST_ANSWER}"
                    )
                    continue
                raw[row_index, object_index, scale_index] = answer
    if problems:
        raise InvalidAnswerError(problems)

    answered = ~np.isnan(raw)
    has_any = answered.any(axis=(1, 2))
    if not has_any.any():
        raise NoRatedObjectsError(
            f"no rated objects: none of the {respondent_count} respondents answered any scale column"
        )
    row_numbers = np.arange(1, respondent_count + 1)

    # Same raw answer on every scale of an object (all scales answered): the respondent did not
    # read the poles. Checked before reversal, where the answers are what the respondent ticked.
    straight_lining: dict[str, tuple[int, ...]] = {}
    if len(scale_file.scales) >= 2:
        complete = answered.all(axis=2)
        spread = np.nanmax(np.where(answered, raw, -np.inf), axis=2) - np.nanmin(
            np.where(answered, raw, np.inf), axis=2
        )
        flat = complete & (spread == 0)
        for object_index, name in enumerate(scale_file.objects):
            rows = row_numbers[flat[:, object_index]]
            if rows.size:
                straight_lining[name] = tuple(int(row) for row in rows)

    values = raw.copy()
    for scale_index, scale in enumerate(scale_file.scales):
        if scale.reversed:
            values[:, :, scale_index] = LOWEST_ANSWER + HIGHEST_ANSWER - values[:, :, scale_index]
    return Ratings(
        objects=scale_file.objects,
        scales=scale_file.scale_ids,
        values=values[has_any],
        row_numbers=tuple(int(row) for row in row_numbers[has_any]),
        empty_rows=tuple(int(row) for row in row_numbers[~has_any]),
        straight_lining=straight_lining,
    )
