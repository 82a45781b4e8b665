"""Spark jobs over the whole history (issue 8): what one process cannot do in reasonable time.

Public surface:

* :func:`spark_session` — the session factory (``QORGAU_SPARK_MASTER``, default ``local[*]``);
* :func:`export_history` — positions under orders to Parquet, partitioned by UTC day and H3 cell;
* :func:`find_near_in_history` — crime-scene correlation over that history, with the answers of
  :func:`qorgau.monitoring.service.find_near`;
* :func:`dedupe_registrations_on_spark` — the protection module's duplicate detection on Splink's
  Spark backend;
* :func:`eurostat_stats_on_spark` — the protection module's Eurostat statistics as Spark DataFrames.

The command group is ``qorgau.jobs.cli.app`` (``qorgau jobs …``). Names load on first use, so that
importing the package (and the CLI) does not start or even import Spark.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "spark_session": "qorgau.jobs.spark",
    "export_history": "qorgau.jobs.history",
    "find_near_in_history": "qorgau.jobs.correlation",
    "dedupe_registrations_on_spark": "qorgau.jobs.dedupe",
    "eurostat_stats_on_spark": "qorgau.jobs.eurostat",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
