"""The pure core of the protection module: no files, no database, no web.

- :mod:`.observations` — Eurostat observations, datasets, code lists, aggregates
- :mod:`.statistics` — totals, countries, growth, rates per million, top countries
- :mod:`.temporary_protection` — when temporary protection ends, from dated acts
- :mod:`.burden_sharing` — relocation and reference keys, quotas, the fair-share gap
- :mod:`.errors` — the module's error tree
"""

from qorgau.protection.domain.burden_sharing import (
    KeyDefinition,
    KeyWeights,
    StateIndicators,
    distribution_key,
    fair_share,
    inverse_shares,
    largest_remainder,
    parse_indicators_csv,
    proportional_shares,
)
from qorgau.protection.domain.errors import (
    BrokenRowError,
    BurdenSharingError,
    DatasetError,
    FormatError,
    ProtectionError,
    StatisticsError,
    TemporaryProtectionError,
    UnknownCodeError,
    WrongDatasetError,
)
from qorgau.protection.domain.observations import (
    DATASETS,
    DatasetSpec,
    Observation,
    is_aggregate,
    is_known_code,
)
from qorgau.protection.domain.statistics import growth_percent, per_million, stats
from qorgau.protection.domain.temporary_protection import (
    Activation,
    DurationRules,
    ProtectionAct,
    ProtectionEnd,
    activation_from_mapping,
    add_months,
    tp_end,
)

__all__ = [
    "DATASETS",
    "Activation",
    "BrokenRowError",
    "BurdenSharingError",
    "DatasetError",
    "DatasetSpec",
    "DurationRules",
    "FormatError",
    "KeyDefinition",
    "KeyWeights",
    "Observation",
    "ProtectionAct",
    "ProtectionEnd",
    "ProtectionError",
    "StateIndicators",
    "StatisticsError",
    "TemporaryProtectionError",
    "UnknownCodeError",
    "WrongDatasetError",
    "activation_from_mapping",
    "add_months",
    "distribution_key",
    "fair_share",
    "growth_percent",
    "inverse_shares",
    "is_aggregate",
    "is_known_code",
    "largest_remainder",
    "parse_indicators_csv",
    "per_million",
    "proportional_shares",
    "stats",
    "tp_end",
]
