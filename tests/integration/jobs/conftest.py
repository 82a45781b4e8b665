"""One SparkSession (``local[2]``) for every jobs test: starting a JVM costs seconds."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.components import unavailable


@pytest.fixture(scope="session")
def spark(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from qorgau.jobs.spark import spark_available, spark_session

    missing = spark_available()
    if missing:
        unavailable("Spark", missing)
    session = spark_session(
        Path(tmp_path_factory.mktemp("spark-data")), master="local[2]", shuffle_partitions=4
    )
    yield session
    session.stop()
