"""Eurostat statistics with Spark DataFrames equal the protection module's pure-Python figures on
the shipped extracts (annual flows, monthly flows, a monthly stock, rates per million)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from typer.testing import CliRunner

from qorgau.jobs.cli import app as jobs_cli
from qorgau.jobs.eurostat import eurostat_stats_on_spark
from qorgau.protection.cli import app as protection_cli
from qorgau.protection.domain.errors import StatisticsError
from qorgau.protection.domain.statistics import stats
from qorgau.protection.eurostat import (
    DATA_DIR,
    SHIPPED_EXTRACT,
    SHIPPED_POPULATION,
    read_observations,
    read_population,
)


@pytest.mark.parametrize(
    ("file", "dataset", "applicant", "year", "rates"),
    [
        (SHIPPED_EXTRACT.name, "migr_asyappctza", "FRST", 2022, True),
        (SHIPPED_EXTRACT.name, "migr_asyappctza", None, 2022, False),
        ("migr_asytpfm_2022.tsv", "migr_asytpfm", None, 2022, False),
        ("migr_asytpsm_2022_2023.tsv", "migr_asytpsm", None, 2023, False),
    ],
)
def test_spark_statistics_equal_the_pure_ones(
    spark: Any, file: str, dataset: str, applicant: str | None, year: int, rates: bool
) -> None:
    _, observations = read_observations(DATA_DIR / file, dataset)
    population = read_population(SHIPPED_POPULATION, year) if rates else None
    expected = stats(observations, dataset, applicant, year, population=population, top=3)
    got = eurostat_stats_on_spark(spark, observations, dataset, applicant, year, population=population, top=3)
    assert got == expected
    assert got["total"]  # not vacuous


# No such year; a year whose every figure is ':'; an applicant type the file does not have.
@pytest.mark.parametrize(("applicant", "year"), [(None, 2015), (None, 2021), ("SSEQ", 2022)])
def test_spark_statistics_fail_as_the_pure_ones_where_there_are_no_figures(
    spark: Any, applicant: str | None, year: int
) -> None:
    _, observations = read_observations(SHIPPED_EXTRACT, "migr_asyappctza")
    with pytest.raises(StatisticsError) as pure:
        stats(observations, "migr_asyappctza", applicant, year)
    with pytest.raises(StatisticsError) as on_spark:
        eurostat_stats_on_spark(spark, observations, "migr_asyappctza", applicant, year)
    assert str(on_spark.value) == str(pure.value)


def test_eurostat_command_prints_what_protection_stats_prints(spark: Any) -> None:
    arguments = [
        str(SHIPPED_EXTRACT),
        "--dataset",
        "migr_asyappctza",
        "--year",
        "2022",
        "--per-million",
        "--json",
    ]
    pure = CliRunner().invoke(protection_cli, ["stats", *arguments])
    on_spark = CliRunner().invoke(jobs_cli, ["eurostat", *arguments])
    assert pure.exit_code == 0 and on_spark.exit_code == 0, on_spark.output
    assert json.loads(on_spark.stdout) == json.loads(pure.stdout)
