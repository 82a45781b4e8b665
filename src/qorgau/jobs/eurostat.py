"""The protection module's Eurostat statistics computed with Spark DataFrames.

:func:`eurostat_stats_on_spark` answers what :func:`qorgau.protection.domain.statistics.stats`
answers — same selection, totals, countries, growth, top, rates and notes — but the observations
live in a Spark DataFrame and every step over them (choosing the codes, the periods of the year,
the per-country sums with their missing months and flags, the ranking) is a DataFrame query. The
files are read and checked by the protection module's own reader
(:func:`qorgau.protection.eurostat.read_observations`), so a bad file fails the same way, naming
its line. The shipped extracts are small; the point is that the same figures come out when the
full bulk files of every dataset and year are loaded on a cluster.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from qorgau.protection.domain.errors import StatisticsError
from qorgau.protection.domain.observations import (
    AGGREGATES,
    DATASETS,
    EU_AGGREGATES,
    TOTAL_CODES,
    Number,
    Observation,
)
from qorgau.protection.domain.statistics import chosen_codes, growth_percent, per_million

_GEO_AGGREGATES = AGGREGATES["geo"]


def observations_frame(spark: Any, observations: Iterable[Observation], dimensions: tuple[str, ...]) -> Any:
    """A DataFrame with a column per dimension, ``time_period``, ``whole`` (integer values),
    ``fraction`` (decimal values), ``flags`` and ``ordinal`` (file order, for the order of flags)."""
    from pyspark.sql import types as T

    schema = T.StructType(
        [
            *(T.StructField(name, T.StringType(), True) for name in dimensions),
            T.StructField("time_period", T.StringType(), False),
            T.StructField("whole", T.LongType(), True),
            T.StructField("fraction", T.DoubleType(), True),
            T.StructField("flags", T.StringType(), False),
            T.StructField("ordinal", T.LongType(), False),
        ]
    )
    rows = [
        (
            *(o.dimensions.get(name) for name in dimensions),
            o.time_period,
            o.value if isinstance(o.value, int) else None,
            o.value if isinstance(o.value, float) else None,
            o.flags,
            number,
        )
        for number, o in enumerate(observations)
    ]
    return spark.createDataFrame(rows, schema)


def _select(frame: Any, chosen: Mapping[str, str]) -> tuple[Any | None, list[str]]:
    from pyspark.sql import functions as F

    summed_over: list[str] = []
    for name, code in chosen.items():
        present = {row[0] for row in frame.select(name).distinct().collect()}
        if code in present:
            frame = frame.where(F.col(name) == code)
        elif TOTAL_CODES.get(name) == code and present - {None}:
            aggregates = sorted(AGGREGATES.get(name, frozenset()))
            frame = frame.where(~F.coalesce(F.col(name), F.lit("")).isin(aggregates))
            summed_over.append(name)
        else:
            return None, summed_over
    return frame, summed_over


def _values_by_geo(frame: Any, periods: set[str]) -> dict[str, tuple[Number | None, str, bool]]:
    """geo → (value, flags in order of first appearance, some period missing) over ``periods``."""
    from pyspark.sql import functions as F

    if not periods:
        return {}
    ordered_flags = F.array_sort(F.collect_list(F.struct("ordinal", "flags")))
    grouped = (
        frame.where(F.col("time_period").isin(sorted(periods)))
        .groupBy("geo")
        .agg(
            F.sum("whole").alias("whole"),
            F.sum("fraction").alias("fraction"),
            F.count("whole").alias("wholes"),
            F.count("fraction").alias("fractions"),
            F.max(F.col("whole").isNull() & F.col("fraction").isNull()).alias("incomplete"),
            F.array_join(
                F.array_distinct(
                    F.flatten(F.transform(ordered_flags, lambda item: F.split(item["flags"], "(?!^)")))
                ),
                "",
            ).alias("flags"),
        )
    )
    values: dict[str, tuple[Number | None, str, bool]] = {}
    for row in grouped.collect():
        value: Number | None = None
        if row.wholes:
            value = int(row.whole)
        if row.fractions:
            value = float(row.fraction) + (value or 0)
        values[row.geo] = (value, row.flags, bool(row.incomplete))
    return values


def eurostat_stats_on_spark(
    spark: Any,
    observations: Iterable[Observation],
    dataset: str,
    applicant: str | None,
    year: int,
    *,
    decision: str | None = None,
    population: Mapping[str, Number] | None = None,
    top: int = 5,
) -> dict[str, Any]:
    """:func:`~qorgau.protection.domain.statistics.stats` computed with Spark DataFrames: the same
    arguments, the same document, the same :class:`StatisticsError` s."""
    from pyspark.sql import functions as F

    spec = DATASETS.get(dataset)
    if spec is None:
        raise StatisticsError(f"unknown dataset {dataset!r}; known: {', '.join(DATASETS)}")
    chosen = chosen_codes(DATASETS[dataset].dimensions, dataset, applicant, decision)
    listed = list(observations)
    foreign = next((o for o in listed if o.dataset != dataset), None)
    if foreign is not None:
        raise StatisticsError(f"observations of {foreign.dataset} cannot answer for {dataset}")
    frame = observations_frame(spark, listed, spec.dimensions).cache()
    try:
        selected, summed_over = _select(frame, chosen)
        has_value = F.col("whole").isNotNull() | F.col("fraction").isNotNull()
        current_periods: set[str] = set()
        previous_periods: set[str] = set()
        as_of = None
        if selected is not None and spec.frequency == "A":
            present = {row[0] for row in selected.select("time_period").distinct().collect()}
            current_periods, previous_periods = {str(year)} & present, {str(year - 1)}
        elif selected is not None:
            months = {
                row[0]
                for row in selected.where(F.substring("time_period", 1, 4) == str(year))
                .where(has_value)
                .select("time_period")
                .distinct()
                .collect()
            }
            if months and spec.kind == "stock":
                as_of = max(months)
                current_periods, previous_periods = {as_of}, {f"{year - 1}{as_of[4:]}"}
            elif months:
                current_periods = months
                previous_periods = {f"{year - 1}{month[4:]}" for month in months}
        described = ", ".join(f"{name}={code}" for name, code in chosen.items())
        if selected is None or not current_periods:
            years = (
                sorted(
                    {
                        int(row[0])
                        for row in selected.select(F.substring("time_period", 1, 4)).distinct().collect()
                    }
                )
                if selected is not None
                else []
            )
            raise StatisticsError(
                f"{dataset}: no figures for {year} with {described}; years in the file: "
                + (", ".join(map(str, years)) or "none")
            )
        current = _values_by_geo(selected, current_periods)
        previous = _values_by_geo(selected, previous_periods)
    finally:
        frame.unpersist()
    if all(value is None for value, _, _ in current.values()):
        raise StatisticsError(f"{dataset}: every figure for {year} with {described} is missing (':')")

    members = {geo: entry for geo, entry in current.items() if geo not in _GEO_AGGREGATES}
    by_geo: dict[str, Number] = {}
    for geo in sorted(members):
        value = members[geo][0]
        if value is not None:
            by_geo[geo] = value
    missing = sorted(geo for geo, entry in members.items() if entry[0] is None)
    incomplete = sorted(geo for geo, entry in current.items() if entry[2] and entry[0] is not None)
    flags = {geo: current[geo][1] for geo in sorted(current) if current[geo][1]}
    aggregate = next(
        (code for code in EU_AGGREGATES if code in current and current[code][0] is not None), None
    )
    notes: list[str] = []
    total: Number | None
    previous_total: Number | None
    if aggregate is not None:
        total, total_source = current[aggregate][0], aggregate
        previous_total = previous[aggregate][0] if aggregate in previous else None
    else:
        total, total_source = (
            sum(value for value in by_geo.values() if value is not None),
            "sum of member countries",
        )
        lacking = [geo for geo in by_geo if geo not in previous or previous[geo][0] is None]
        if lacking:
            previous_total = None
            notes.append(f"no {year - 1} figure for {', '.join(lacking)}: growth not computed")
        else:
            previous_total = sum(previous[geo][0] or 0 for geo in by_geo)
    if previous_total is None and not notes:
        notes.append(f"no {year - 1} figure for {total_source}: growth not computed")
    ranked = (
        spark.createDataFrame(
            [(geo, float(value)) for geo, value in by_geo.items()], "geo string, value double"
        )
        .orderBy(F.desc("value"), F.asc("geo"))
        .limit(max(top, 0))
        .collect()
        if by_geo and top > 0
        else []
    )
    result: dict[str, Any] = {
        "dataset": dataset,
        "year": year,
        "selection": dict(chosen),
        "total": total,
        "total_source": total_source,
        "by_geo": by_geo,
        "previous_total": previous_total,
        "growth_pct": growth_percent(total, previous_total),
        "top": [[row.geo, by_geo[row.geo]] for row in ranked],
        "missing": missing,
        "flags": flags,
        "summed_over": summed_over,
    }
    if spec.frequency == "M":
        result["months"] = sorted(current_periods)
        if incomplete:
            notes.append(f"months without a figure were skipped for {', '.join(incomplete)}")
    if spec.kind == "stock":
        result["as_of"] = as_of
    if population is not None:
        rates = {
            geo: per_million(value, population[geo]) for geo, value in by_geo.items() if geo in population
        }
        lacking_population = sorted(set(by_geo) - set(population))
        if lacking_population:
            notes.append(f"no population figure for {', '.join(lacking_population)}: no rate per million")
        total_rate = None
        if total is None:
            pass
        elif total_source in population:
            total_rate = per_million(total, population[total_source])
        elif not lacking_population and by_geo:
            total_rate = per_million(total, sum(population[geo] for geo in by_geo))
        else:
            notes.append(f"no population figure for {total_source}: no total rate per million")
        result.update({"per_million": rates, "total_per_million": total_rate})
    result["notes"] = notes
    return result
