"""The one place a SparkSession is made: master URL, memory, scratch directories, quiet logs.

``QORGAU_SPARK_MASTER`` names the cluster (``spark://host:7077``, ``yarn``, ``k8s://…``); the default
``local[*]`` runs Spark inside this process's JVM on every core. Nothing is downloaded: no
``spark.jars.packages``, only the jars inside the ``pyspark`` wheel. Scratch data (shuffle files,
spilled blocks) goes under ``<data dir>/spark`` rather than ``/tmp``, so one disk budget holds it.

The similarity functions Splink's Spark backend needs come from the jar inside the ``splink``
wheel (:func:`splink_similarity_jar`), put on the class path as a local file.

Driver memory is set before the JVM starts (it cannot change afterwards): 4 GiB by default, enough to
plan jobs over years of partitions and collect correlation answers, small beside a 24 GiB machine
that also runs PostgreSQL and the workers (``QORGAU_SPARK_DRIVER_MEMORY`` overrides it).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

DEFAULT_MASTER = "local[*]"
DEFAULT_DRIVER_MEMORY = "4g"


def spark_master() -> str:
    """The master URL in force: ``QORGAU_SPARK_MASTER`` or ``local[*]``."""
    return os.environ.get("QORGAU_SPARK_MASTER", "").strip() or DEFAULT_MASTER


def spark_available() -> str | None:
    """``None`` if Spark can run here, else why not (no pyspark, or no Java on the PATH)."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return "pip package pyspark is not installed"
    java_home = os.environ.get("JAVA_HOME")
    if java_home and Path(java_home, "bin", "java").exists():
        return None
    if any(Path(p, "java").exists() for p in os.environ.get("PATH", "").split(os.pathsep) if p):
        return None
    return "no java on the PATH (Spark needs Java 17)"


def spark_session(
    data_dir: Path,
    *,
    master: str | None = None,
    app_name: str = "qorgau",
    ui: bool = False,
    shuffle_partitions: int | None = None,
    extra: dict[str, str] | None = None,
) -> Any:
    """A SparkSession for Qorgau's jobs (the running one, if this process already has one).

    ``shuffle_partitions`` defaults to four per local core (200, Spark's default, is tuned for
    clusters and makes every small local job run 200 tasks); on a cluster Spark's adaptive execution
    coalesces it. The session time zone is UTC, the storage zone of the whole product.
    """
    from pyspark.sql import SparkSession

    master = master or spark_master()
    scratch = (Path(data_dir) / "spark").resolve()
    scratch.mkdir(parents=True, exist_ok=True)
    if shuffle_partitions is None:
        shuffle_partitions = 4 * (os.cpu_count() or 2) if master.startswith("local") else 64
    # The executors' Python must be the one that has qorgau installed (it runs the domain functions).
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    builder = (
        SparkSession.builder.master(master)
        .appName(app_name)
        .config("spark.ui.enabled", "true" if ui else "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.memory", os.environ.get("QORGAU_SPARK_DRIVER_MEMORY", DEFAULT_DRIVER_MEMORY))
        .config("spark.local.dir", str(scratch))
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", str(shuffle_partitions))
        .config("spark.sql.adaptive.enabled", "true")
        .config("spark.sql.sources.partitionOverwriteMode", "dynamic")
        .config("spark.sql.parquet.compression.codec", "zstd")
        .config(
            "spark.driver.extraJavaOptions",
            f"-Djava.io.tmpdir={scratch} -Dderby.system.home={scratch} "
            f"-Dlog4j2.configurationFile={_quiet_log_config(scratch)}",
        )
        .config("spark.sql.warehouse.dir", str(scratch / "warehouse"))
    )
    jar = splink_similarity_jar()
    if jar is not None:
        builder = builder.config("spark.jars", jar)
    for key, value in (extra or {}).items():
        builder = builder.config(key, value)
    if master.startswith("local"):
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")  # no address lookup, no warning about it
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    session.sparkContext.setCheckpointDir(str(scratch / "checkpoints"))
    return session


_LOG4J2 = """\
# Written by qorgau.jobs.spark: Spark's own messages at ERROR only, on stderr.
rootLogger.level = error
rootLogger.appenderRef.stderr.ref = stderr
appender.console.type = Console
appender.console.name = stderr
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{HH:mm:ss} %p %c{1}: %m%n%ex
"""


def _quiet_log_config(scratch: Path) -> Path:
    """A log4j2 configuration that keeps Spark's start-up warnings off the terminal."""
    path = scratch / "log4j2.properties"
    if not path.exists() or path.read_text(encoding="utf-8") != _LOG4J2:
        path.write_text(_LOG4J2, encoding="utf-8")
    return path


def splink_similarity_jar() -> str | None:
    """The similarity functions (``jaro_winkler``, ``damerau_levenshtein`` …) that Splink's Spark
    backend calls, as the jar inside the ``splink`` wheel — a local file: nothing is downloaded.
    ``None`` if splink or the jar is not there (deduplication on Spark then cannot run)."""
    import importlib.util

    spec = importlib.util.find_spec("splink")
    if spec is None or spec.origin is None:
        return None
    import pyspark

    major = pyspark.__version__.split(".", 1)[0]
    jar = (
        Path(spec.origin).parent
        / "internals"
        / "files"
        / "spark_jars"
        / f"scala-udf-similarity-0.2.2_spark{major}.jar"
    )
    return str(jar) if jar.is_file() else None
