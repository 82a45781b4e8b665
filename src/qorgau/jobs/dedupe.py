"""Duplicate registrations on Splink's Spark backend: the protection module's model, another engine.

:func:`dedupe_registrations_on_spark` runs :func:`qorgau.protection.dedupe.dedupe_registrations`'s
pipeline — the same candidate features (:func:`~qorgau.protection.domain.linkage.candidate_features`),
the same comparisons, levels and starting m/u values (:func:`qorgau.protection.dedupe.comparisons`),
the same blocking rules, prior, threshold and cluster summaries — with ``splink.SparkAPI`` instead
of DuckDB, so a register too big for one machine is scored on a cluster.

The similarity functions (``jaro_winkler``, ``damerau_levenshtein``) are Splink's own Scala UDFs from
the jar shipped inside the ``splink`` wheel, which :func:`qorgau.jobs.spark.spark_session` puts on
the class path (no download); they are registered by ``SparkAPI``. Nothing had to be replaced by a
native Spark SQL function.

Two adaptations, both outside the model:

- The protection module writes its custom SQL levels in DuckDB's dialect (``"surname_key_l"`` is a
  column there, a string literal in Spark SQL). Each ``CustomLevel`` is marked as DuckDB SQL
  (``base_dialect_str``), so Splink translates it with sqlglot for Spark. (The one-line change in
  the protection module — ``base_dialect_str="duckdb"`` where the levels are made — would make this
  unnecessary.)
- Training samples (u by random pairs, EM on a hash-chosen share of blocks) use Spark's own random
  and hash functions, so a trained Spark model differs from a trained DuckDB one by sampling noise
  (as two DuckDB runs with different seeds do); an untrained run — what a file of fewer than
  :data:`~qorgau.protection.dedupe.MINIMUM_TRAINING_RECORDS` registrations gets — scores every pair
  exactly as DuckDB does, which the tests check.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from typing import Any

from qorgau.protection.dedupe import (
    DEFAULT_THRESHOLD,
    DETERMINISTIC_RECALL,
    EM_BLOCKS,
    EM_MINIMUM_PAIRS,
    EM_TARGET_PAIRS,
    MINIMUM_TRAINING_RECORDS,
    U_SAMPLE_PAIRS,
    DedupeResult,
    ProgressReporter,
    blocking_rules,
    comparisons,
    starting_prior,
)
from qorgau.protection.domain.linkage import (
    COMPARISON_LEVELS,
    FEATURE_COLUMNS,
    Link,
    Registration,
    agreement_label,
    candidate_features,
    clusters_from_assignments,
)

_ARRAY_COLUMNS = frozenset({"surname_variants", "given_variants"})


class _Silent:
    def stage(self, description: str, total: int | None = None) -> None:
        return None

    def advance(self, amount: int = 1) -> None:
        return None


def spark_settings(prior: float) -> Any:
    """The protection module's Splink settings, with its DuckDB-dialect custom levels marked as such."""
    import splink.comparison_level_library as cll
    from splink import SettingsCreator

    prepared = comparisons()
    for comparison in prepared:
        # CustomComparison keeps its levels in ``_comparison_levels`` (Splink 4.0); fail loudly if not.
        levels = comparison._comparison_levels
        for level in levels:
            if isinstance(level, cll.CustomLevel) and level.base_dialect_str is None:
                level.base_dialect_str = "duckdb"
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        probability_two_random_records_match=prior,
        comparisons=prepared,
        blocking_rules_to_generate_predictions=blocking_rules(),
        retain_matching_columns=True,
        retain_intermediate_calculation_columns=False,
    )


def registrations_frame(spark: Any, registrations: Sequence[Registration], reporter: ProgressReporter) -> Any:
    """The candidate features as a Spark DataFrame (variant lists as arrays, birth year an integer)."""
    from pyspark.sql import types as T

    fields = []
    for name in FEATURE_COLUMNS:
        if name in _ARRAY_COLUMNS:
            fields.append(T.StructField(name, T.ArrayType(T.StringType()), True))
        elif name == "birth_year":
            fields.append(T.StructField(name, T.IntegerType(), True))
        else:
            fields.append(T.StructField(name, T.StringType(), True))
    reporter.stage("preparing names (canonical Latin, variants, keys)", len(registrations))
    rows = []
    for registration in registrations:
        features = candidate_features(registration)
        row = []
        for name in FEATURE_COLUMNS:
            value = features[name]
            if name in _ARRAY_COLUMNS:
                value = list(value) if value else None
            elif name == "birth_year":
                value = int(value) if value not in (None, "") else None
            row.append(value)
        rows.append(tuple(row))
        if len(rows) % 10_000 == 0:
            reporter.advance(10_000)
    reporter.advance(len(rows) % 10_000)
    return spark.createDataFrame(rows, T.StructType(fields))


def _em_blocking_rule(spark: Any, table: str, columns: Sequence[str], target_pairs: int) -> tuple[str, int]:
    """:func:`qorgau.protection.dedupe._em_blocking_rule` in Spark SQL (``pmod``: Spark's hash is signed)."""
    grouped = ", ".join(columns)
    present = " AND ".join(f"{column} IS NOT NULL" for column in columns)
    row = spark.sql(
        f"SELECT coalesce(sum(n * (n - 1) / 2), 0) FROM "
        f"(SELECT count(*) AS n FROM {table} WHERE {present} GROUP BY {grouped})"
    ).first()
    pairs = int(row[0]) if row else 0
    modulus = max(1, math.ceil(pairs / target_pairs))
    condition = " AND ".join(f"l.{column} = r.{column}" for column in columns)
    if modulus > 1:
        condition += f" AND pmod(hash(l.{columns[0]}), {modulus}) = 0"
    return condition, pairs // modulus


def _train(
    linker: Any, spark: Any, table: str, records: int, seed: int, reporter: ProgressReporter
) -> dict[str, Any]:
    from splink import block_on

    model: dict[str, Any] = {"trained": True, "skipped": [], "em_rules": []}
    try:
        linker.training.estimate_probability_two_random_records_match(
            [
                block_on("surname", "given_first", "birth_date"),
                block_on("document_number", "document_country"),
            ],
            recall=DETERMINISTIC_RECALL,
        )
    except Exception as exc:  # Splink raises plain exceptions when a rule finds no pair
        model["skipped"].append(f"prior: {exc}")
    reporter.advance()
    linker.training.estimate_u_using_random_sampling(
        max_pairs=min(U_SAMPLE_PAIRS, max(records * (records - 1) // 2, 1)), seed=seed
    )
    reporter.advance()
    for columns in EM_BLOCKS:
        rule, pairs = _em_blocking_rule(spark, table, columns, EM_TARGET_PAIRS)
        if pairs < EM_MINIMUM_PAIRS:
            model["skipped"].append(f"EM on {rule}: about {pairs} pairs, fewer than {EM_MINIMUM_PAIRS}")
            continue
        model["em_rules"].append(rule)
        linker.training.estimate_parameters_using_expectation_maximisation(rule)
        reporter.advance()
    return model


def dedupe_registrations_on_spark(
    spark: Any,
    registrations: Sequence[Registration],
    *,
    threshold: float = DEFAULT_THRESHOLD,
    progress: ProgressReporter | None = None,
    seed: int = 42,
    train: bool = True,
) -> DedupeResult:
    """:func:`qorgau.protection.dedupe.dedupe_registrations` on Splink's Spark backend (see the
    module docstring): the same :class:`DedupeResult`. Raises ``ValueError`` for a threshold
    outside (0, 1]."""
    if not 0.0 < threshold <= 1.0 or math.isnan(threshold):
        raise ValueError(f"threshold must be in (0, 1], not {threshold}")
    from splink import Linker, SparkAPI

    from qorgau.protection.dedupe import _quiet_splink

    reporter = progress or _Silent()
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    records = len(registrations)
    if records < 2:
        return DedupeResult([], 0, threshold, records, None, seconds)
    frame = registrations_frame(spark, registrations, reporter)
    seconds["features"] = round(time.perf_counter() - started, 3)
    started = time.perf_counter()
    with _quiet_splink():
        api = SparkAPI(spark_session=spark)
        linker = Linker(frame, spark_settings(starting_prior(records)), api, set_up_basic_logging=False)
        model: dict[str, Any] = {"trained": False}
        if train and records >= MINIMUM_TRAINING_RECORDS:
            reporter.stage("training the model on Spark (prior, u sampling, EM)", 4)
            frame.createOrReplaceTempView("qorgau_registrations")
            model = _train(linker, spark, "qorgau_registrations", records, seed, reporter)
            seconds["training"] = round(time.perf_counter() - started, 3)
            started = time.perf_counter()
        reporter.stage("scoring candidate pairs on Spark", None)
        predictions = linker.inference.predict(threshold_match_probability=threshold)
        seconds["predict"] = round(time.perf_counter() - started, 3)
        gamma_columns = [f"gamma_{name}" for name in COMPARISON_LEVELS]
        rows = (
            predictions.as_spark_dataframe()
            .select("unique_id_l", "unique_id_r", "match_probability", *gamma_columns)
            .collect()
        )
        seconds["scoring"] = round(time.perf_counter() - started, 3)
        started = time.perf_counter()
        reporter.stage("clustering on Spark", None)
        clustered = linker.clustering.cluster_pairwise_predictions_at_threshold(
            predictions, threshold_match_probability=threshold
        )
        members = clustered.as_spark_dataframe().select("unique_id", "cluster_id")
        sizes = members.groupBy("cluster_id").count().where("count > 1")
        assignments = {
            str(row.unique_id): str(row.cluster_id) for row in members.join(sizes, "cluster_id").collect()
        }
    links = [
        Link(
            str(row.unique_id_l),
            str(row.unique_id_r),
            float(row.match_probability),
            {name: agreement_label(name, row[f"gamma_{name}"]) for name in COMPARISON_LEVELS},
        )
        for row in rows
    ]
    clusters = clusters_from_assignments(assignments, links)
    seconds["clustering"] = round(time.perf_counter() - started, 3)
    return DedupeResult(
        clusters=clusters,
        pairs=len(links),
        threshold=threshold,
        records=records,
        candidate_pairs=None,
        seconds=seconds,
        model=model,
    )
