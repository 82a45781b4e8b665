"""Eurostat asylum and temporary-protection observations, the datasets they belong to, their codes.

One :class:`Observation` is one cell of a Eurostat dataset, whatever file format it came from:
its dimension codes (``{"geo": "DE", "applicant": "FRST", ...}``), its time period (``"2022"`` or
``"2022-01"``), its value (``None`` where Eurostat prints ``:``) and its flags (``"p"``
provisional, ``"b"`` break in series, ``"e"`` estimated, ...).

The five datasets the module reads (:data:`DATASETS`):

=================== ======== ====== ==============================================================
code                 period   kind   content
=================== ======== ====== ==============================================================
``migr_asyappctza``  annual   flow   asylum applicants (``applicant``: TOTAL, FRST, SSEQ)
``migr_asyappctzm``  monthly  flow   asylum applicants, monthly
``migr_asydcfsta``   annual   flow   first-instance decisions (``decision``: TOTAL, POS, NEG, ...)
``migr_asytpfm``     monthly  flow   decisions granting temporary protection
``migr_asytpsm``     monthly  stock  beneficiaries of temporary protection at the end of the month
=================== ======== ====== ==============================================================

Aggregate codes (``TOTAL``, ``EU27_2020``, ``EXT_EU27_2020``, ``T`` for sex, ``Y_LT18``, ...) are
kept as observations but :func:`is_aggregate` tells them apart, so that statistics exclude them
before summing members: a sum that included ``EU27_2020`` beside ``DE`` would count Germany twice.

>>> is_aggregate("geo", "EU27_2020"), is_aggregate("geo", "EE"), is_aggregate("citizen", "STLS")
(True, False, False)
>>> normalise_time_period("2022M03", "M")
'2022-03'
>>> parse_value_cell("123 p")
(123, 'p')
>>> parse_value_cell(": c")
(None, 'c')
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

Number = int | float


@dataclass(frozen=True)
class DatasetSpec:
    """What a dataset looks like: its dimensions (time excluded), frequency and kind of figure.

    ``kind`` is ``"flow"`` for counts over a period (applications, decisions), which may be summed
    over months, and ``"stock"`` for counts at a moment (beneficiaries at the end of a month),
    which must never be summed over months.
    """

    code: str
    dimensions: tuple[str, ...]
    frequency: Literal["A", "M"]
    kind: Literal["flow", "stock"]
    title: str


_COMMON = ("freq", "unit", "citizen", "sex", "age")

DATASETS: Mapping[str, DatasetSpec] = MappingProxyType(
    {
        "migr_asyappctza": DatasetSpec(
            "migr_asyappctza",
            (*_COMMON, "applicant", "geo"),
            "A",
            "flow",
            "Asylum applicants by type of applicant, citizenship, age and sex - annual aggregated data",
        ),
        "migr_asyappctzm": DatasetSpec(
            "migr_asyappctzm",
            (*_COMMON, "applicant", "geo"),
            "M",
            "flow",
            "Asylum applicants by type of applicant, citizenship, age and sex - monthly data",
        ),
        "migr_asydcfsta": DatasetSpec(
            "migr_asydcfsta",
            (*_COMMON, "decision", "geo"),
            "A",
            "flow",
            "First instance decisions on applications by citizenship, age and sex - annual aggregated data",
        ),
        "migr_asytpfm": DatasetSpec(
            "migr_asytpfm",
            (*_COMMON, "geo"),
            "M",
            "flow",
            "Decisions granting temporary protection by citizenship, age and sex - monthly data",
        ),
        "migr_asytpsm": DatasetSpec(
            "migr_asytpsm",
            (*_COMMON, "geo"),
            "M",
            "stock",
            "Beneficiaries of temporary protection at the end of the month by citizenship, age and sex",
        ),
    }
)


@dataclass(frozen=True, slots=True)
class Observation:
    """One cell of a Eurostat dataset.

    ``dimensions`` holds every dimension except time; ``time_period`` is ``YYYY`` for annual data
    and ``YYYY-MM`` for monthly data; ``value`` is ``None`` where the figure is not available;
    ``flags`` are Eurostat's observation flags in the order given (``""`` when none); ``line`` is
    the line of the source file the value was read from, when it has one.
    """

    dataset: str
    dimensions: Mapping[str, str]
    time_period: str
    value: Number | None
    flags: str = ""
    line: int | None = field(default=None, compare=False)

    def code(self, dimension: str) -> str:
        return self.dimensions[dimension]

    @property
    def year(self) -> int:
        return int(self.time_period[:4])

    def to_dict(self) -> dict[str, object]:
        return {
            "dataset": self.dataset,
            "dimensions": dict(self.dimensions),
            "time_period": self.time_period,
            "value": self.value,
            "flags": self.flags,
        }


# --- code lists -------------------------------------------------------------------------------------
# Countries that report asylum statistics to Eurostat: the EU-27 (Eurostat writes Greece EL), the
# EFTA states and the United Kingdom (until 2019).
MEMBER_STATES = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "CY",
        "CZ",
        "DE",
        "DK",
        "EE",
        "EL",
        "ES",
        "FI",
        "FR",
        "HR",
        "HU",
        "IE",
        "IT",
        "LT",
        "LU",
        "LV",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SE",
        "SI",
        "SK",
    ]
)
REPORTING_COUNTRIES = MEMBER_STATES | frozenset({"CH", "IS", "LI", "NO", "UK"})

GEO_AGGREGATES = frozenset(
    {
        "TOTAL",
        "EU27_2020",
        "EU28",
        "EU27_2007",
        "EU25",
        "EU15",
        "EU",
        "EA",
        "EA11",
        "EA12",
        "EA13",
        "EA15",
        "EA16",
        "EA17",
        "EA18",
        "EA19",
        "EA20",
        "EFTA",
        "EEA",
    }
)
"""Aggregates of ``geo``; the EU ones, in order of preference, are :data:`EU_AGGREGATES`."""

EU_AGGREGATES = ("EU27_2020", "EU28", "EU27_2007", "EU")
"""The EU rows a file may carry; the first present is the EU total (EU-27 since 2020 comes first)."""

CITIZEN_AGGREGATES = frozenset(
    {
        "TOTAL",
        "EXT_EU27_2020",
        "EXT_EU28",
        "EU27_2020_FOR",
        "EU28_FOR",
        "EU27_2020",
        "EU28",
        "EFTA",
        "EUR",
        "EUR_OTH",
        "EUR_NEU27_2020",
        "AFR",
        "AMR",
        "AME",
        "ASI",
        "OCE",
        "OTH",
    }
)
"""Aggregates of ``citizen`` (``EXT_EU27_2020``: non-EU citizens, ...)."""

CITIZEN_CATEGORIES = frozenset({"UNK", "STLS", "RNC"})
"""Citizenships that are not countries but are members, not aggregates: unknown, stateless,
recognised non-citizens. They are counted when members are summed."""

_COUNTRY_CODE = re.compile(r"[A-Z]{2}")

CODE_LISTS: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "freq": frozenset({"A", "M"}),
        "unit": frozenset({"PER"}),
        "sex": frozenset({"T", "M", "F", "UNK"}),
        "age": frozenset(
            {"TOTAL", "Y_LT14", "Y14-17", "Y_LT18", "Y18-34", "Y35-64", "Y_GE65", "Y_GE18", "UNK"}
        ),
        "applicant": frozenset({"TOTAL", "FRST", "SSEQ"}),
        # POS_* and NEG per the current list; GENCONV ... REJECTED are the codes of earlier releases.
        "decision": frozenset(
            {
                "TOTAL",
                "POS",
                "POS_RFG",
                "POS_SPROT",
                "POS_HUM",
                "NEG",
                "TOTAL_POS",
                "GENCONV",
                "SUB_PROT",
                "HUMSTAT",
                "TEMP_PROT",
                "REJECTED",
            }
        ),
    }
)

AGGREGATES: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "geo": GEO_AGGREGATES,
        "citizen": CITIZEN_AGGREGATES,
        "sex": frozenset({"T"}),
        # Y_LT18 and Y_GE18 overlap the finer age bands: summing them with the bands double-counts.
        "age": frozenset({"TOTAL", "Y_LT18", "Y_GE18"}),
        "applicant": frozenset({"TOTAL"}),
        "decision": frozenset({"TOTAL", "POS", "TOTAL_POS"}),
    }
)

TOTAL_CODES: Mapping[str, str] = MappingProxyType(
    {"citizen": "TOTAL", "sex": "T", "age": "TOTAL", "applicant": "TOTAL", "decision": "TOTAL"}
)
"""The code of each summable dimension that stands for "all of them"."""

OBSERVATION_FLAGS = frozenset("bcdefnprsuz")
"""Eurostat observation flags: b break in series, c confidential, d definition differs,
e estimated, f forecast, n not significant, p provisional, r revised, s Eurostat estimate,
u low reliability, z not applicable."""


def is_known_code(dimension: str, code: str) -> bool:
    """Whether ``code`` belongs to ``dimension``'s code list.

    ``geo`` admits the reporting countries and the geo aggregates; ``citizen`` any two-letter
    country code (Eurostat uses ISO 3166 with EL and UK) plus its aggregates and categories.
    A dimension without a list here (none of the five datasets has one) admits any code.
    """
    if dimension == "geo":
        return code in REPORTING_COUNTRIES or code in GEO_AGGREGATES
    if dimension == "citizen":
        return bool(_COUNTRY_CODE.fullmatch(code)) or code in CITIZEN_AGGREGATES or code in CITIZEN_CATEGORIES
    known = CODE_LISTS.get(dimension)
    return True if known is None else code in known


def is_aggregate(dimension: str, code: str) -> bool:
    """Whether ``code`` sums other codes of ``dimension`` (to be left out when members are summed)."""
    return code in AGGREGATES.get(dimension, frozenset())


_ANNUAL = re.compile(r"(\d{4})")
_MONTHLY = re.compile(r"(\d{4})(?:-|M)(\d{2})")


def normalise_time_period(text: str, frequency: str) -> str | None:
    """``YYYY`` for annual data, ``YYYY-MM`` for monthly (from ``YYYY-MM`` or ``YYYYMmm``).

    Returns ``None`` when ``text`` is not a period of that frequency.
    """
    text = text.strip()
    if frequency == "A":
        return text if _ANNUAL.fullmatch(text) else None
    match = _MONTHLY.fullmatch(text)
    if not match or not 1 <= int(match.group(2)) <= 12:
        return None
    return f"{match.group(1)}-{match.group(2)}"


_VALUE_CELL = re.compile(r"(?P<value>:|-?\d+(?:\.\d+)?)\s*(?P<flags>[a-z]*)")


def parse_number(text: str) -> Number:
    """``"123"`` → 123, ``"1.5"`` → 1.5; :class:`ValueError` otherwise."""
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    if re.fullmatch(r"-?\d+\.\d+", text):
        return float(text)
    raise ValueError(f"{text!r} is not a number")


def parse_value_cell(cell: str) -> tuple[Number | None, str]:
    """Split a bulk-TSV cell (``"123 p"``, ``":"``, ``": c"``, ``"4.5"``) into value and flags.

    Raises :class:`ValueError` when the cell is not a number or ``:`` followed by known flags.
    """
    match = _VALUE_CELL.fullmatch(cell.strip())
    if not match:
        raise ValueError(f"{cell.strip()!r} is not a value (a number or ':' followed by flags)")
    flags = match.group("flags")
    check_flags(flags)
    raw = match.group("value")
    return (None if raw == ":" else parse_number(raw)), flags


def check_flags(flags: str) -> None:
    """:class:`ValueError` when ``flags`` holds a letter that is not a Eurostat observation flag."""
    unknown = sorted(set(flags) - OBSERVATION_FLAGS)
    if unknown:
        raise ValueError(
            f"unknown observation flag(s) {''.join(unknown)!r} (known: {''.join(sorted(OBSERVATION_FLAGS))})"
        )


def duplicate_of(observations: list[Observation]) -> tuple[Observation, Observation] | None:
    """The first observation that repeats an earlier one's dimensions and period, with that one."""
    seen: dict[tuple[tuple[tuple[str, str], ...], str], Observation] = {}
    for observation in observations:
        key = (tuple(sorted(observation.dimensions.items())), observation.time_period)
        if key in seen:
            return observation, seen[key]
        seen[key] = observation
    return None


def summarise(observations: list[Observation]) -> dict[str, object]:
    """Counts that tell whether a file was read as expected (for ``import-eurostat``)."""
    periods = sorted({o.time_period for o in observations})
    geos = {o.dimensions.get("geo", "") for o in observations}
    return {
        "observations": len(observations),
        "with_value": sum(1 for o in observations if o.value is not None),
        "missing": sum(1 for o in observations if o.value is None),
        "flagged": sum(1 for o in observations if o.flags),
        "first_period": periods[0] if periods else None,
        "last_period": periods[-1] if periods else None,
        "countries": len({geo for geo in geos if geo and not is_aggregate("geo", geo)}),
        "aggregates": sorted(geo for geo in geos if is_aggregate("geo", geo)),
    }
