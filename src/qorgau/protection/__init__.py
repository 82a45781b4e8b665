"""Asylum and temporary protection in the EU: statistics, protection periods, burden sharing.

The module serves migration authorities and analysts (DESIGN.md, module ``protection``). On
files, without a database:

- **Eurostat statistics** — :func:`read_observations` reads the bulk TSV, SDMX-CSV or JSON-stat
  files of ``migr_asyappctza``, ``migr_asyappctzm``, ``migr_asydcfsta``, ``migr_asytpfm`` and
  ``migr_asytpsm`` (format from the content, the dataset checked); :func:`stats` gives totals,
  countries, growth on the previous year, rates per million and top countries. A real extract
  of the 23 March 2023 release ships in ``data/`` with its vintage and sources.
- **Temporary protection** — :func:`tp_end` says when protection under an activation of
  Directive 2001/55/EC ends as things stood on a day; the acts that set the end are dated data
  in ``rules/temporary_protection.yaml``; :func:`load_rights` lists the status's rights in ru,
  kk and en with their articles.
- **Burden sharing** — :func:`fair_share` applies the 2015 relocation key or the 50/50
  reference key and measures the gap between what states took and their key's share.

With the store (:mod:`qorgau.protection.service`, tables in :mod:`qorgau.protection.store`):

- **Stored statistics** — ``import-eurostat`` keeps a file as one import (dataset, vintage, who and
  when; one transaction, a failed import stores nothing); the statistics and the dashboards read it.
- **Registrations** of asylum applications and temporary protection with the fields of the EU
  Temporary Protection Platform (:func:`check_registration`), decisions, and the rights of each
  status (:func:`status_rights`), every read under a stated purpose and audited.
- **Duplicate review** — the clusters of ``dedupe`` become a queue a migration officer works.

Command line: :data:`qorgau.protection.cli.app` (``qorgau protection stats|import-eurostat|
tp-end|fair-share|dedupe|…``); API under ``/api/v1/protection`` and pages under ``/protection``,
mounted by :func:`register`. Every bad input raises a :class:`ProtectionError` subclass (tree in
:mod:`qorgau.protection.domain.errors`).
"""

from typing import Any as _Any

from qorgau.protection.domain import (
    DATASETS,
    Activation,
    BurdenSharingError,
    DatasetError,
    KeyDefinition,
    Observation,
    ProtectionEnd,
    ProtectionError,
    StateIndicators,
    StatisticsError,
    TemporaryProtectionError,
    distribution_key,
    fair_share,
    largest_remainder,
    parse_indicators_csv,
    stats,
    tp_end,
)
from qorgau.protection.domain.errors import DecisionInvalid, RegistrationInvalid, ReviewInvalid
from qorgau.protection.domain.registration import StatusRights, check_registration
from qorgau.protection.eurostat import (
    SHIPPED_EXTRACT,
    SHIPPED_POPULATION,
    parse_observations,
    read_observations,
    read_population,
)
from qorgau.protection.rules import (
    activation,
    load_activations,
    load_keys,
    load_rights,
    load_status_rights,
    status_rights,
)


def register(app: _Any = None, cli: _Any = None) -> None:
    """Mount the protection API (under ``/api/v1``), its pages and stylesheet on ``app``.

    ``cli`` is unused: the root command mounts :data:`qorgau.protection.cli.app` itself.
    """
    if app is None:
        return
    from pathlib import Path

    from fastapi.staticfiles import StaticFiles

    from qorgau.protection import api
    from qorgau.protection.web import routes

    app.include_router(api.router, prefix="/api/v1")
    app.include_router(routes.router)
    static = Path(__file__).parent / "web" / "static"
    app.mount("/static/protection", StaticFiles(directory=static), name="static-protection")


__all__ = [
    "DATASETS",
    "SHIPPED_EXTRACT",
    "SHIPPED_POPULATION",
    "Activation",
    "BurdenSharingError",
    "DatasetError",
    "DecisionInvalid",
    "KeyDefinition",
    "Observation",
    "ProtectionEnd",
    "ProtectionError",
    "RegistrationInvalid",
    "ReviewInvalid",
    "StateIndicators",
    "StatisticsError",
    "StatusRights",
    "TemporaryProtectionError",
    "activation",
    "check_registration",
    "distribution_key",
    "fair_share",
    "largest_remainder",
    "load_activations",
    "load_keys",
    "load_rights",
    "load_status_rights",
    "parse_indicators_csv",
    "parse_observations",
    "read_observations",
    "read_population",
    "register",
    "stats",
    "status_rights",
    "tp_end",
]
