"""Asylum and temporary protection in the EU: statistics, protection periods, burden sharing.

The module serves migration authorities and analysts (DESIGN.md, module ``protection``). This
part works on files and needs no database:

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

Command line: :data:`qorgau.protection.cli.app` (``qorgau protection stats|import-eurostat|
tp-end|fair-share``). Every bad input raises a :class:`ProtectionError` subclass (tree in
:mod:`qorgau.protection.domain.errors`).
"""

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
from qorgau.protection.eurostat import (
    SHIPPED_EXTRACT,
    SHIPPED_POPULATION,
    parse_observations,
    read_observations,
    read_population,
)
from qorgau.protection.rules import activation, load_activations, load_keys, load_rights

__all__ = [
    "DATASETS",
    "SHIPPED_EXTRACT",
    "SHIPPED_POPULATION",
    "Activation",
    "BurdenSharingError",
    "DatasetError",
    "KeyDefinition",
    "Observation",
    "ProtectionEnd",
    "ProtectionError",
    "StateIndicators",
    "StatisticsError",
    "TemporaryProtectionError",
    "activation",
    "distribution_key",
    "fair_share",
    "largest_remainder",
    "load_activations",
    "load_keys",
    "load_rights",
    "parse_indicators_csv",
    "parse_observations",
    "read_observations",
    "read_population",
    "stats",
    "tp_end",
]
