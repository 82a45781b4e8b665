"""Duplicate registrations on Splink's Spark backend: the same pairs and clusters as DuckDB."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from qorgau.jobs.cli import app as jobs_cli
from qorgau.jobs.dedupe import dedupe_registrations_on_spark
from qorgau.protection.dedupe import dedupe_registrations, read_registrations
from qorgau.protection.synthetic import generate_registrations, write_csv


@pytest.fixture(scope="module")
def registrations_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """150 synthetic registrations (fewer than the training minimum: both engines score with the
    module's starting m and u values, so every score must agree)."""
    path = tmp_path_factory.mktemp("dedupe") / "registrations.csv"
    write_csv(generate_registrations(150, seed=11), path)
    return path


def summary(document: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [
        (tuple(c["ids"]), round(c["probability"], 9), tuple(sorted(c["agreements"].items())))
        for c in document["clusters"]
    ]


def links(document: dict[str, Any]) -> list[tuple[Any, ...]]:
    return sorted(
        (tuple(link["ids"]), round(link["probability"], 9), tuple(sorted(link["agreements"].items())))
        for cluster in document["clusters"]
        for link in cluster["links"]
    )


def test_spark_backend_finds_the_pairs_and_clusters_duckdb_finds(
    spark: Any, registrations_file: Path
) -> None:
    """Through ``qorgau jobs dedupe --links --json`` (Splink on Spark) against the protection
    module's DuckDB run of the same file: same clusters, same scored pairs, same levels."""
    on_duckdb = dedupe_registrations(read_registrations(registrations_file), train=False).to_dict(
        with_links=True
    )
    result = CliRunner().invoke(jobs_cli, ["dedupe", str(registrations_file), "--links", "--json"])
    assert result.exit_code == 0, result.output
    on_spark = json.loads(result.stdout)
    assert on_duckdb["pairs"] > 3 and on_duckdb["clusters"]  # not vacuous
    assert (on_spark["records"], on_spark["pairs"]) == (150, on_duckdb["pairs"])
    assert summary(on_spark) == summary(on_duckdb)
    assert links(on_spark) == links(on_duckdb)  # every scored pair: ids, probability, levels


def test_dedupe_on_spark_refuses_a_threshold_outside_zero_to_one(spark: Any) -> None:
    with pytest.raises(ValueError, match="threshold"):
        dedupe_registrations_on_spark(spark, [], threshold=0.0)
