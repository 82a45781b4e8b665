"""The scale file: which bipolar scales exist, which survey column rates which object on each.

A scale file is YAML (loaded by :func:`qorgau.image.importers.load_scale_file`); this module turns
the loaded mapping into typed, validated objects::

    objects: [ideal, leader_a, leader_b]        # the names used in the output
    scales:
      - id: strong
        left:  {ru: слабый, kk: әлсіз, en: weak}
        right: {ru: сильный, kk: күшті, en: strong}
        factor: P                                 # E, P or A; omit on every scale to let the
                                                  # data decide (factor analysis)
        reversed: false                           # true: the left pole is the "high" end
        columns: {ideal: "Q1[SQ001]", leader_a: "Q2[SQ001]", leader_b: "Q3[SQ001]"}

Answers are coded 1..7 (1 = left pole, 7 = right pole). A reversed scale is turned round with
``8 - x`` before any mean, distance or factor score, so that 7 is always the "high" end.

>>> scale_file = parse_scale_file({
...     "objects": ["ideal", "leader"],
...     "scales": [{"id": "strong", "left": {"en": "weak"}, "right": {"en": "strong"}, "factor": "P",
...                 "columns": {"ideal": "Q1", "leader": "Q2"}}]})
>>> scale_file.scales[0].column_for("leader")
'Q2'
>>> scale_file.epa_given
True
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from qorgau.image.domain.errors import ScaleFileError

LANGUAGES = ("ru", "kk", "en")
FACTORS = ("E", "P", "A")
FACTOR_NAMES = {"E": "Evaluation", "P": "Potency", "A": "Activity"}
LOWEST_ANSWER = 1
HIGHEST_ANSWER = 7


def reverse_answer(value: float) -> float:
    """Turn a 1..7 answer round: 1 ↔ 7, 2 ↔ 6, 3 ↔ 5, 4 stays.

    >>> reverse_answer(2)
    6
    """
    return LOWEST_ANSWER + HIGHEST_ANSWER - value


@dataclass(frozen=True)
class PoleLabels:
    """The words at one end of a scale, in as many of ru, kk, en as the file gives."""

    labels: tuple[tuple[str, str], ...]

    def get(self, language: str) -> str:
        """The label in ``language``; English, then the first label given, if it is missing."""
        found = dict(self.labels)
        return found.get(language) or found.get("en") or self.labels[0][1]

    def to_dict(self) -> dict[str, str]:
        return dict(self.labels)


@dataclass(frozen=True)
class Scale:
    """One bipolar scale and the survey column that rates each object on it."""

    id: str
    left: PoleLabels
    right: PoleLabels
    factor: str | None
    reversed: bool
    columns: tuple[tuple[str, str], ...]

    def column_for(self, object_name: str) -> str:
        """The survey column rating ``object_name`` on this scale."""
        return dict(self.columns)[object_name]

    def high_pole(self, language: str) -> str:
        """The label of the end that scores 7 after reversal."""
        return (self.left if self.reversed else self.right).get(language)

    def low_pole(self, language: str) -> str:
        """The label of the end that scores 1 after reversal."""
        return (self.right if self.reversed else self.left).get(language)


@dataclass(frozen=True)
class ScaleFile:
    """All scales of one survey and the objects (the ideal, each leader) rated on them."""

    objects: tuple[str, ...]
    scales: tuple[Scale, ...]

    @property
    def scale_ids(self) -> tuple[str, ...]:
        return tuple(scale.id for scale in self.scales)

    @property
    def epa_given(self) -> bool:
        """True when every scale names its factor; False when none does (factor analysis decides)."""
        return all(scale.factor is not None for scale in self.scales)

    def scales_of_factor(self, factor: str) -> tuple[Scale, ...]:
        return tuple(scale for scale in self.scales if scale.factor == factor)


def _poles(value: Any, where: str) -> PoleLabels:
    if isinstance(value, str) and value.strip():
        return PoleLabels((("en", value.strip()),))
    if not isinstance(value, Mapping) or not value:
        raise ScaleFileError(f"{where}: give the pole's words as {{ru: …, kk: …, en: …}}")
    labels = []
    for language, label in value.items():
        if language not in LANGUAGES:
            raise ScaleFileError(f"{where}: unknown language {language!r} (use ru, kk, en)")
        if not isinstance(label, str) or not label.strip():
            raise ScaleFileError(f"{where}.{language}: the label must be non-empty text")
        labels.append((str(language), label.strip()))
    return PoleLabels(tuple(labels))


def _scale(raw: Any, index: int, objects: tuple[str, ...], seen: set[str]) -> Scale:
    where = f"scales[{index}]"
    if not isinstance(raw, Mapping):
        raise ScaleFileError(f"{where}: each scale must be a mapping with id, left, right, columns")
    scale_id = raw.get("id")
    if not isinstance(scale_id, str | int) or not str(scale_id).strip():
        raise ScaleFileError(f"{where}: missing 'id'")
    scale_id = str(scale_id).strip()
    where = f"scale {scale_id!r}"
    if scale_id in seen:
        raise ScaleFileError(f"{where}: the id is used twice")
    seen.add(scale_id)
    for required in ("left", "right", "columns"):
        if required not in raw:
            raise ScaleFileError(f"{where}: missing {required!r}")
    factor = raw.get("factor")
    if factor is not None:
        factor = str(factor).strip().upper()
        if factor not in FACTORS:
            raise ScaleFileError(f"{where}: factor must be E, P or A, not {raw.get('factor')!r}")
    reversed_flag = raw.get("reversed", False)
    if not isinstance(reversed_flag, bool):
        raise ScaleFileError(f"{where}: 'reversed' must be true or false")
    columns_raw = raw["columns"]
    if not isinstance(columns_raw, Mapping):
        raise ScaleFileError(f"{where}: 'columns' must map each object to a survey column")
    unknown = [str(name) for name in columns_raw if str(name) not in objects]
    if unknown:
        raise ScaleFileError(f"{where}: columns for unknown object(s) {', '.join(unknown)}")
    missing = [name for name in objects if name not in {str(key) for key in columns_raw}]
    if missing:
        raise ScaleFileError(f"{where}: no column for object(s) {', '.join(missing)}")
    columns = []
    for name in objects:
        column = next(value for key, value in columns_raw.items() if str(key) == name)
        if not isinstance(column, str) or not column.strip():
            raise ScaleFileError(f"{where}: the column for {name!r} must be a column name")
        columns.append((name, column.strip()))
    return Scale(
        id=scale_id,
        left=_poles(raw["left"], f"{where}.left"),
        right=_poles(raw["right"], f"{where}.right"),
        factor=factor,
        reversed=reversed_flag,
        columns=tuple(columns),
    )


def parse_scale_file(document: Any) -> ScaleFile:
    """Validate a loaded scale-file mapping and return the :class:`ScaleFile`.

    Raises :class:`ScaleFileError` naming the scale and field at fault: no objects, duplicate ids
    or objects, an object without a column, a factor other than E/P/A, or factors given on some
    scales but not on others (give a factor on every scale, or on none to let the data decide).
    """
    if not isinstance(document, Mapping):
        raise ScaleFileError("the scale file must be a mapping with 'objects' and 'scales'")
    raw_objects = document.get("objects")
    if not isinstance(raw_objects, list) or not raw_objects:
        raise ScaleFileError("'objects' must list the rated objects, e.g. [ideal, leader_a]")
    objects = tuple(str(name).strip() for name in raw_objects)
    if any(not name for name in objects):
        raise ScaleFileError("'objects' holds an empty name")
    duplicates = sorted({name for name in objects if objects.count(name) > 1})
    if duplicates:
        raise ScaleFileError(f"'objects' names {', '.join(duplicates)} more than once")
    raw_scales = document.get("scales")
    if not isinstance(raw_scales, list) or not raw_scales:
        raise ScaleFileError("'scales' must list at least one scale")
    seen: set[str] = set()
    scales = tuple(_scale(raw, index, objects, seen) for index, raw in enumerate(raw_scales))
    with_factor = [scale.id for scale in scales if scale.factor is not None]
    if with_factor and len(with_factor) != len(scales):
        without = [scale.id for scale in scales if scale.factor is None]
        raise ScaleFileError(
            f"factor given on some scales but not on {', '.join(without)}: give E/P/A on every scale, "
            "or on none to extract the factors from the data"
        )
    used: dict[str, str] = {}
    for scale in scales:
        for name, column in scale.columns:
            where = f"scale {scale.id!r}, object {name!r}"
            if column in used:
                raise ScaleFileError(f"{where}: column {column!r} is already used by {used[column]}")
            used[column] = where
    return ScaleFile(objects=objects, scales=scales)
