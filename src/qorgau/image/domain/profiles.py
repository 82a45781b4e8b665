"""Profiles of rated objects: means with bootstrap intervals, E/P/A scores, the distance D to the ideal.

For each object (the ideal, each leader) and scale the mean answer is taken over the respondents
who answered that scale (available-case means: a blank leaves that one mean, not the respondent).
Reversed scales are turned round first (``8 - x``), so 7 is always the "high" end.

* **D** (Osgood & Suci 1952): ``sqrt(sum_j (ideal_j - object_j)**2)`` over the scales.
* **Cronbach–Gleser split** (1953) of ``D**2`` into level, scatter and shape:
  ``D**2 = k*(mean_o - mean_i)**2 + (s_o - s_i)**2 + 2*s_o*s_i*(1 - r)``, where ``k`` is the number
  of scales, ``s`` the root of the sum of squared deviations of a profile from its own mean and
  ``r`` the correlation of the two profiles (0 shape part when either profile is flat).
* **E, P, A**: the mean of the scale means of each factor (from the scale file), or of the scales
  assigned by :func:`qorgau.image.domain.factors.extract_epa`.
* **Bootstrap** (Efron): respondents are resampled with replacement ``resamples`` times from a
  seeded ``numpy.random.default_rng``; each resample is a row of counts, so every mean, score and
  D of every resample comes from two matrix products. Intervals are percentile intervals.
  D is a length, so sampling noise only adds to it: with few respondents the interval of D can
  lie mostly above the D of the sample means. Read a small D with its interval, not alone.

>>> round(osgood_distance([7, 7, 7], [4, 3, 7]), 6)
5.0
>>> split = profile_split([6.0, 4.0, 2.0], [5.0, 3.0, 1.0])
>>> [round(part, 9) for part in (split.level, split.scatter, split.shape)]   # parallel: level only
[3.0, 0.0, 0.0]
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import numpy.typing as npt

from qorgau.image.domain.errors import NoRatedObjectsError, SurveyError
from qorgau.image.domain.factors import FactorSolution, extract_epa
from qorgau.image.domain.scales import FACTORS, HIGHEST_ANSWER, LOWEST_ANSWER, ScaleFile
from qorgau.image.domain.survey import Cell, Ratings

MISSING_POLICY = "available-case: each scale's mean uses the respondents who answered that scale"
DEFAULT_RESAMPLES = 1000
DEFAULT_CONFIDENCE = 0.95
MISSING_SEGMENT = "(missing)"
# Bound the count matrix of one batch of resamples to about this many cells (memory, not maths).
_BATCH_CELLS = 4_000_000

Progress = Callable[[int, int], None]


def osgood_distance(first: Sequence[float], second: Sequence[float]) -> float:
    """Osgood–Suci D between two profiles of equal length: the Euclidean distance."""
    if len(first) != len(second):
        raise ValueError("profiles must have the same scales")
    return math.sqrt(sum((a - b) ** 2 for a, b in zip(first, second, strict=True)))


@dataclass(frozen=True)
class ProfileSplit:
    """Cronbach–Gleser split of ``D**2`` into level (elevation), scatter and shape.

    The three parts add up to ``D**2``. ``profile_correlation`` is None when a profile is flat.
    """

    level: float
    scatter: float
    shape: float
    profile_correlation: float | None

    @property
    def total(self) -> float:
        return self.level + self.scatter + self.shape

    def to_dict(self) -> dict[str, float | None]:
        total = self.total
        return {
            "level": self.level,
            "scatter": self.scatter,
            "shape": self.shape,
            "d_squared": total,
            "level_share": self.level / total if total else None,
            "scatter_share": self.scatter / total if total else None,
            "shape_share": self.shape / total if total else None,
            "profile_correlation": self.profile_correlation,
        }


def profile_split(reference: Sequence[float], other: Sequence[float]) -> ProfileSplit:
    """Split the squared distance between ``other`` and ``reference`` (Cronbach & Gleser 1953)."""
    if len(reference) != len(other) or not reference:
        raise ValueError("profiles must be non-empty and have the same scales")
    k = len(reference)
    mean_reference = sum(reference) / k
    mean_other = sum(other) / k
    deviations_reference = [value - mean_reference for value in reference]
    deviations_other = [value - mean_other for value in other]
    scatter_reference = math.sqrt(sum(d * d for d in deviations_reference))
    scatter_other = math.sqrt(sum(d * d for d in deviations_other))
    level = k * (mean_other - mean_reference) ** 2
    scatter = (scatter_other - scatter_reference) ** 2
    if scatter_reference == 0 or scatter_other == 0:
        return ProfileSplit(level=level, scatter=scatter, shape=0.0, profile_correlation=None)
    correlation = sum(a * b for a, b in zip(deviations_reference, deviations_other, strict=True)) / (
        scatter_reference * scatter_other
    )
    correlation = max(-1.0, min(1.0, correlation))
    shape = 2 * scatter_reference * scatter_other * (1 - correlation)
    return ProfileSplit(level=level, scatter=scatter, shape=shape, profile_correlation=correlation)


@dataclass(frozen=True)
class ObjectProfile:
    """One object's profile: per-scale means and intervals, E/P/A, D to the ideal and its split."""

    name: str
    respondents: int
    means: dict[str, float]
    ci: dict[str, tuple[float, float]]
    answers: dict[str, int]
    epa: dict[str, float | None]
    epa_ci: dict[str, tuple[float, float] | None]
    d_to_ideal: float
    d_ci: tuple[float, float]
    gaps: dict[str, float]
    split: ProfileSplit

    def to_dict(self) -> dict[str, object]:
        return {
            "n": self.respondents,
            "means": self.means,
            "ci": {scale: list(interval) for scale, interval in self.ci.items()},
            "answers": self.answers,
            "epa": self.epa,
            "epa_ci": {f: list(interval) if interval else None for f, interval in self.epa_ci.items()},
            "d_to_ideal": self.d_to_ideal,
            "d_ci": list(self.d_ci),
            "gaps_to_ideal": self.gaps,
            "split": self.split.to_dict(),
        }


@dataclass(frozen=True)
class ProfileAnalysis:
    """Everything the ``profile`` command reports for one group of respondents."""

    respondents: int
    ideal: str
    scales: tuple[str, ...]
    objects: dict[str, ObjectProfile]
    unrated_objects: tuple[str, ...]
    straight_lining: dict[str, tuple[int, ...]]
    empty_rows: tuple[int, ...]
    epa_source: str
    factor_solution: FactorSolution | None
    resamples: int
    seed: int
    confidence: float
    segments: dict[str, ProfileAnalysis] = field(default_factory=dict)
    segment_column: str | None = None
    skipped_segments: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, object]:
        flagged = sorted({row for rows in self.straight_lining.values() for row in rows})
        document: dict[str, object] = {
            "n": self.respondents,
            "ideal": self.ideal,
            "scales": list(self.scales),
            "objects": {name: profile.to_dict() for name, profile in self.objects.items()},
            "unrated_objects": list(self.unrated_objects),
            "flags": {
                "straight_lining": flagged,
                "straight_lining_by_object": {k: list(v) for k, v in self.straight_lining.items()},
                "empty_rows": list(self.empty_rows),
                "row_numbering": "data rows, 1 = first row after the header",
            },
            "missing": MISSING_POLICY,
            "epa_source": self.epa_source,
            "factor_analysis": self.factor_solution.to_dict() if self.factor_solution else None,
            "bootstrap": {
                "resamples": self.resamples,
                "seed": self.seed,
                "confidence": self.confidence,
                "interval": "percentile",
            },
        }
        if self.segment_column is not None:
            document["segment_column"] = self.segment_column
            document["segments"] = {value: seg.to_dict() for value, seg in self.segments.items()}
            document["skipped_segments"] = self.skipped_segments
        return document


def _epa_weights(
    scale_file: ScaleFile, solution: FactorSolution | None
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], list[str]]:
    """Weights ``W`` (scales × factors) and offsets ``c`` such that ``scores = means @ W + c``."""
    scale_ids = scale_file.scale_ids
    weights = np.zeros((len(scale_ids), len(FACTORS)))
    offsets = np.zeros(len(FACTORS))
    for j, factor in enumerate(FACTORS):
        if solution is None:
            members = [(scale.id, 1) for scale in scale_file.scales if scale.factor == factor]
        else:
            members = [(s, sign) for s, (f, sign) in solution.assignment.items() if f == factor]
        for scale_id, sign in members:
            i = scale_ids.index(scale_id)
            weights[i, j] = sign / len(members)
            if sign < 0:  # a scale loading negatively enters turned round: 8 - mean
                offsets[j] += (LOWEST_ANSWER + HIGHEST_ANSWER) / len(members)
    present = [factor for j, factor in enumerate(FACTORS) if np.any(weights[:, j])]
    return weights, offsets, present


def _percentile_interval(samples: npt.NDArray[np.float64], confidence: float) -> npt.NDArray[np.float64]:
    tail = (1 - confidence) / 2 * 100
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.asarray(np.nanpercentile(samples, [tail, 100 - tail], axis=0))


def _means(
    counts: npt.NDArray[np.float64], values: npt.NDArray[np.float64], answered: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """Available-case means for each row of respondent weights in ``counts``."""
    sums = counts @ values
    answers = counts @ answered
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(answers > 0, sums / np.where(answers > 0, answers, 1), np.nan)


def analyse_profiles(
    ratings: Ratings,
    scale_file: ScaleFile,
    ideal: str,
    *,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = 0,
    confidence: float = DEFAULT_CONFIDENCE,
    factor_solution: FactorSolution | None = None,
    progress: Progress | None = None,
) -> ProfileAnalysis:
    """Profiles of every rated object against ``ideal`` with bootstrap intervals.

    ``factor_solution`` is used when the scale file assigns no factors; when it is None and the
    file assigns none, it is extracted from these ratings. Objects nobody rated are left out and
    listed in ``unrated_objects``. Raises :class:`NoRatedObjectsError` when ``ideal`` is not an
    object or has no answers, :class:`SurveyError` when a rated object has a scale nobody
    answered (no mean, so no D), ValueError for a bad ``resamples`` or ``confidence``.
    """
    if ideal not in ratings.objects:
        raise NoRatedObjectsError(
            f"--ideal {ideal!r} is not an object of the scale file ({', '.join(ratings.objects)})"
        )
    if resamples < 1:
        raise ValueError("resamples must be at least 1")
    if not 0 < confidence < 1:
        raise ValueError("confidence must be between 0 and 1, e.g. 0.95")
    rated = ratings.rated_objects()
    if not rated:
        raise NoRatedObjectsError("no rated objects: nobody answered any scale")
    if ideal not in rated:
        raise NoRatedObjectsError(f"the ideal {ideal!r} has no answers: nothing to compare with")
    scale_ids = ratings.scales
    answered = ratings.answered()
    for object_index, name in enumerate(ratings.objects):
        if name not in rated:
            continue
        empty = [
            f"{scale_id} (column {scale_file.scales[j].column_for(name)})"
            for j, scale_id in enumerate(scale_ids)
            if not answered[:, object_index, j].any()
        ]
        if empty:
            raise SurveyError(f"object {name!r} has no answers on scale(s) {', '.join(empty)}: no mean, no D")

    epa_source = "scale file"
    if not scale_file.epa_given:
        epa_source = "factor analysis"
        if factor_solution is None:
            stacked = ratings.values.reshape(-1, len(scale_ids))
            complete = stacked[~np.isnan(stacked).any(axis=1)]
            factor_solution = extract_epa(complete, scale_ids)
    else:
        factor_solution = None
    weights, offsets, present = _epa_weights(scale_file, factor_solution)

    respondents = ratings.respondents
    object_count, scale_count = len(ratings.objects), len(scale_ids)
    flat_values = np.nan_to_num(ratings.values).reshape(respondents, object_count * scale_count)
    flat_answered = answered.reshape(respondents, object_count * scale_count).astype(np.float64)
    ideal_index = ratings.objects.index(ideal)

    point_means = _means(np.ones((1, respondents)), flat_values, flat_answered).reshape(
        object_count, scale_count
    )
    rng = np.random.default_rng(seed)
    batch = max(1, _BATCH_CELLS // max(respondents, 1))
    boot_means = np.empty((resamples, object_count, scale_count))
    done = 0
    while done < resamples:
        size = min(batch, resamples - done)
        # Resample respondent indices once per resample and turn them into counts per respondent.
        drawn = rng.integers(0, respondents, size=(size, respondents))
        flat_index = (drawn + np.arange(size)[:, None] * respondents).ravel()
        counts = np.bincount(flat_index, minlength=size * respondents).reshape(size, respondents)
        boot_means[done : done + size] = _means(
            counts.astype(np.float64), flat_values, flat_answered
        ).reshape(size, object_count, scale_count)
        done += size
        if progress is not None:
            progress(done, resamples)

    means_ci = _percentile_interval(boot_means, confidence)  # (2, objects, scales)
    boot_distance = np.sqrt(
        np.sum((boot_means - boot_means[:, ideal_index : ideal_index + 1, :]) ** 2, axis=2)
    )
    distance_ci = _percentile_interval(boot_distance, confidence)  # (2, objects)
    point_epa = point_means @ weights + offsets
    boot_epa = boot_means @ weights + offsets
    epa_ci = _percentile_interval(boot_epa, confidence)  # (2, objects, factors)

    profiles: dict[str, ObjectProfile] = {}
    ideal_profile = [float(v) for v in point_means[ideal_index]]
    for object_index, name in enumerate(ratings.objects):
        if name not in rated:
            continue
        means = [float(v) for v in point_means[object_index]]
        profiles[name] = ObjectProfile(
            name=name,
            respondents=int(answered[:, object_index, :].any(axis=1).sum()),
            means=dict(zip(scale_ids, means, strict=True)),
            ci={
                scale_id: (float(means_ci[0, object_index, j]), float(means_ci[1, object_index, j]))
                for j, scale_id in enumerate(scale_ids)
            },
            answers={
                scale_id: int(answered[:, object_index, j].sum()) for j, scale_id in enumerate(scale_ids)
            },
            epa={
                f: (float(point_epa[object_index, j]) if f in present else None)
                for j, f in enumerate(FACTORS)
            },
            epa_ci={
                f: (float(epa_ci[0, object_index, j]), float(epa_ci[1, object_index, j]))
                if f in present
                else None
                for j, f in enumerate(FACTORS)
            },
            d_to_ideal=osgood_distance(ideal_profile, means),
            d_ci=(float(distance_ci[0, object_index]), float(distance_ci[1, object_index])),
            gaps={scale_id: means[j] - ideal_profile[j] for j, scale_id in enumerate(scale_ids)},
            split=profile_split(ideal_profile, means),
        )
    return ProfileAnalysis(
        respondents=respondents,
        ideal=ideal,
        scales=scale_ids,
        objects=profiles,
        unrated_objects=tuple(name for name in ratings.objects if name not in rated),
        straight_lining={name: rows for name, rows in ratings.straight_lining.items() if rows},
        empty_rows=ratings.empty_rows,
        epa_source=epa_source,
        factor_solution=factor_solution,
        resamples=resamples,
        seed=seed,
        confidence=confidence,
    )


def segment_label(cell: Cell) -> str:
    """How a segment value is shown: ``3.0`` → ``"3"``, blank → ``"(missing)"``."""
    if cell is None or (isinstance(cell, float) and math.isnan(cell)) or str(cell).strip() == "":
        return MISSING_SEGMENT
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()


def analyse_segments(
    ratings: Ratings,
    scale_file: ScaleFile,
    ideal: str,
    segment_column: str,
    segment_cells: Sequence[Cell],
    *,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = 0,
    confidence: float = DEFAULT_CONFIDENCE,
    progress: Progress | None = None,
) -> ProfileAnalysis:
    """The overall analysis plus one per value of ``segment_column`` (age group, region, …).

    ``segment_cells`` holds the column's cell for every data row of the table (row 1 first). The
    E/P/A assignment found for the whole sample is kept in every segment, so the scores compare.
    A segment whose respondents did not rate the ideal (or left a scale blank) is listed in
    ``skipped_segments`` with the reason.
    """
    overall = analyse_profiles(
        ratings, scale_file, ideal, resamples=resamples, seed=seed, confidence=confidence, progress=progress
    )
    labels = np.array([segment_label(segment_cells[row - 1]) for row in ratings.row_numbers], dtype=object)
    segments: dict[str, ProfileAnalysis] = {}
    skipped: dict[str, str] = {}
    for value in sorted(set(labels.tolist()), key=str):
        subset = ratings.subset(labels == value)
        try:
            segments[value] = analyse_profiles(
                subset,
                scale_file,
                ideal,
                resamples=resamples,
                seed=seed,
                confidence=confidence,
                factor_solution=overall.factor_solution,
            )
        except SurveyError as error:
            skipped[value] = str(error)
    return replace(overall, segments=segments, segment_column=segment_column, skipped_segments=skipped)
