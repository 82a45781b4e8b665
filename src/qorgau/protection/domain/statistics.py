"""Totals, countries, growth on the previous year, rates per million and top countries.

:func:`stats` answers one question about one dataset and one year::

    {"total": 881220, "by_geo": {"DE": 217735, ...}, "previous_total": 537355,
     "growth_pct": 64.0, "top": [["DE", 217735], ["FR", 137510], ["ES", 116135]], ...}

How each figure is made (the contract the command line prints):

- **Selection.** Every dimension but ``geo`` and time is fixed: ``unit`` PER, ``freq`` the
  dataset's, ``applicant`` and ``decision`` as asked (default TOTAL). ``citizen``, ``sex``, ``age``
  (and ``applicant``/``decision`` when TOTAL is asked) take their TOTAL code when the file has it;
  a file without it has its member codes summed instead, aggregates left out (``summed_over``
  names such dimensions).
- **Total.** The EU aggregate row (``EU27_2020``, else ``EU28``, ``EU27_2007``, ``EU``) where the
  file has one with a value, else the sum of the member countries in ``by_geo``
  (``total_source`` says which). ``by_geo`` never holds aggregates.
- **Year of monthly data.** A flow (applications, decisions) is the sum of the months of the
  year present in the file (``months``). A **stock** (``migr_asytpsm``, beneficiaries at the end
  of a month) is never summed over months: the year's figure is the stock at the end of the last
  month of that year present in the file (``as_of``), and the previous year's is the stock at
  the end of the same month one year earlier.
- **Growth.** ``(total - previous_total) / previous_total × 100``, one decimal, against the same
  source (the same aggregate row, or the same member countries) one year earlier; ``None`` when
  the previous year is missing. The seed's "39% more" for 2022 divides the increase by the 2022
  figure; against 2021, as growth is measured, it is +64.0%.
- **Top.** Member countries by value, largest first (ties by code), at most ``top`` of them.
- **Per million.** With a population table (1 January of the year, as Eurostat computes it),
  ``per_million`` gives value / population × 1,000,000 for each country and the total, one
  decimal; countries without a population figure are left out and listed in ``notes``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from qorgau.protection.domain.errors import StatisticsError
from qorgau.protection.domain.observations import (
    DATASETS,
    EU_AGGREGATES,
    TOTAL_CODES,
    Number,
    Observation,
    is_aggregate,
)

APPLICANT_TYPES = ("TOTAL", "FRST", "SSEQ")


def growth_percent(current: Number | None, previous: Number | None) -> float | None:
    """Growth of ``current`` on ``previous`` in percent, one decimal; ``None`` if not computable.

    >>> growth_percent(881220, 537355)
    64.0
    """
    if current is None or previous is None or previous == 0:
        return None
    return round((current - previous) / previous * 100, 1)


def share_of_current_percent(current: Number, previous: Number) -> float:
    """The increase as a percentage of the *current* figure (the seed's mistaken "39% more").

    >>> share_of_current_percent(881220, 537355)
    39.0
    """
    return round((current - previous) / current * 100, 1)


def per_million(value: Number, population: Number) -> float:
    """``value`` per million inhabitants, one decimal.

    >>> per_million(881220, 446_700_000)
    1972.7
    """
    if population <= 0:
        raise StatisticsError(f"population must be positive, got {population}")
    return round(value / population * 1_000_000, 1)


def stats(
    observations: Iterable[Observation],
    dataset: str,
    applicant: str | None,
    year: int,
    *,
    decision: str | None = None,
    population: Mapping[str, Number] | None = None,
    top: int = 5,
) -> dict[str, Any]:
    """The figures for ``year`` of ``dataset`` (see the module docstring for each one).

    ``applicant`` is TOTAL, FRST or SSEQ for the applicant datasets (``None`` means TOTAL) and must
    be ``None`` for the others; ``decision`` likewise for ``migr_asydcfsta``. ``population`` maps
    geo codes to the population on 1 January of ``year``. Raises :class:`StatisticsError` when the
    observations belong to another dataset, a dimension is asked that the dataset lacks, or the
    year has no figures.
    """
    spec = DATASETS.get(dataset)
    if spec is None:
        raise StatisticsError(f"unknown dataset {dataset!r}; known: {', '.join(DATASETS)}")
    chosen = chosen_codes(spec.dimensions, dataset, applicant, decision)
    listed = list(observations)
    foreign = next((o for o in listed if o.dataset != dataset), None)
    if foreign is not None:
        raise StatisticsError(f"observations of {foreign.dataset} cannot answer for {dataset}")

    selected, summed_over = _select(listed, chosen)
    current_periods, previous_periods, as_of = _periods(selected, spec.frequency, spec.kind, year)
    if not current_periods:
        years = sorted({o.year for o in selected})
        raise StatisticsError(
            f"{dataset}: no figures for {year} with {_describe(chosen)}; years in the file: "
            + (", ".join(map(str, years)) or "none")
        )

    current = _values_by_geo(selected, current_periods)
    previous = _values_by_geo(selected, previous_periods)
    if all(v.value is None for v in current.values()):
        raise StatisticsError(f"{dataset}: every figure for {year} with {_describe(chosen)} is missing (':')")

    by_geo = {
        geo: v.value
        for geo, v in sorted(current.items())
        if not is_aggregate("geo", geo) and v.value is not None
    }
    missing = sorted(geo for geo, v in current.items() if not is_aggregate("geo", geo) and v.value is None)
    incomplete = sorted(geo for geo, v in current.items() if v.incomplete and v.value is not None)
    flags = {geo: v.flags for geo, v in sorted(current.items()) if v.flags}

    aggregate = next(
        (code for code in EU_AGGREGATES if code in current and current[code].value is not None), None
    )
    notes: list[str] = []
    if aggregate is not None:
        total: Number | None = current[aggregate].value
        total_source = aggregate
        previous_total = previous[aggregate].value if aggregate in previous else None
    else:
        total = sum(by_geo.values())
        total_source = "sum of member countries"
        lacking = [geo for geo in by_geo if geo not in previous or previous[geo].value is None]
        if lacking:
            previous_total = None
            notes.append(f"no {year - 1} figure for {', '.join(lacking)}: growth not computed")
        else:
            previous_total = sum(previous[geo].value or 0 for geo in by_geo)
    if previous_total is None and not notes:
        notes.append(f"no {year - 1} figure for {total_source}: growth not computed")

    ranked = sorted(by_geo.items(), key=lambda item: (-item[1], item[0]))
    result: dict[str, Any] = {
        "dataset": dataset,
        "year": year,
        "selection": dict(chosen),
        "total": total,
        "total_source": total_source,
        "by_geo": by_geo,
        "previous_total": previous_total,
        "growth_pct": growth_percent(total, previous_total),
        "top": [[geo, value] for geo, value in ranked[: max(top, 0)]],
        "missing": missing,
        "flags": flags,
        "summed_over": summed_over,
    }
    if spec.frequency == "M":
        result["months"] = sorted(current_periods)
        if incomplete:
            notes.append(f"months without a figure were skipped for {', '.join(incomplete)}")
    if spec.kind == "stock":
        result["as_of"] = as_of
    if population is not None:
        rates, rate_notes = _rates(by_geo, total, total_source, population)
        result.update(rates)
        notes.extend(rate_notes)
    result["notes"] = notes
    return result


class _GeoValue:
    """A country's (or aggregate's) figure for a set of periods, with what went into it."""

    __slots__ = ("flags", "incomplete", "value")

    def __init__(self) -> None:
        self.value: Number | None = None
        self.flags = ""
        self.incomplete = False

    def add(self, value: Number | None, flags: str) -> None:
        if value is None:
            self.incomplete = True
        else:
            self.value = value if self.value is None else self.value + value
        for flag in flags:
            if flag not in self.flags:
                self.flags += flag


def chosen_codes(
    dimensions: tuple[str, ...], dataset: str, applicant: str | None, decision: str | None
) -> dict[str, str]:
    """The code every dimension but ``geo`` is fixed to for a figure (the unit, the frequency, the
    applicant type and decision asked or their totals); :class:`StatisticsError` for a dimension the
    dataset does not have or an unknown applicant type. Shared by every engine that computes
    ``stats`` (the Spark job too)."""
    for name, asked in (("applicant", applicant), ("decision", decision)):
        if asked is not None and name not in dimensions:
            raise StatisticsError(f"{dataset} has no {name} dimension (dimensions: {', '.join(dimensions)})")
    if applicant is not None and applicant not in APPLICANT_TYPES:
        raise StatisticsError(f"applicant must be one of {', '.join(APPLICANT_TYPES)}, not {applicant!r}")
    chosen = {"unit": "PER", "freq": DATASETS[dataset].frequency}
    for name in dimensions:
        if name in ("geo", "unit", "freq"):
            continue
        if name == "applicant":
            chosen[name] = applicant or "TOTAL"
        elif name == "decision":
            chosen[name] = decision or "TOTAL"
        else:
            chosen[name] = TOTAL_CODES[name]
    return chosen


def _select(
    observations: list[Observation], chosen: Mapping[str, str]
) -> tuple[list[Observation], list[str]]:
    """Keep the observations of the chosen codes; sum members where a TOTAL code is absent."""
    selected = observations
    summed_over: list[str] = []
    for name, code in chosen.items():
        present = {o.dimensions.get(name) for o in selected}
        if code in present:
            selected = [o for o in selected if o.dimensions.get(name) == code]
        elif TOTAL_CODES.get(name) == code and present - {None}:
            # No row for "all of them": the members add up to it, aggregates would double-count.
            selected = [o for o in selected if not is_aggregate(name, o.dimensions.get(name, ""))]
            summed_over.append(name)
        else:
            return [], summed_over
    return selected, summed_over


def _periods(
    observations: list[Observation], frequency: str, kind: str, year: int
) -> tuple[set[str], set[str], str | None]:
    """The periods that make up ``year`` and the matching ones of the previous year."""
    if frequency == "A":
        present = {o.time_period for o in observations}
        current = {str(year)} & present
        return current, {str(year - 1)}, None
    months = {o.time_period for o in observations if o.year == year and o.value is not None}
    if not months:
        return set(), set(), None
    if kind == "stock":
        last = max(months)
        return {last}, {f"{year - 1}{last[4:]}"}, last
    return months, {f"{year - 1}{month[4:]}" for month in months}, None


def _values_by_geo(observations: list[Observation], periods: set[str]) -> dict[str, _GeoValue]:
    values: dict[str, _GeoValue] = defaultdict(_GeoValue)
    for observation in observations:
        if observation.time_period in periods:
            values[observation.dimensions["geo"]].add(observation.value, observation.flags)
    return dict(values)


def _rates(
    by_geo: Mapping[str, Number],
    total: Number | None,
    total_source: str,
    population: Mapping[str, Number],
) -> tuple[dict[str, Any], list[str]]:
    rates = {geo: per_million(value, population[geo]) for geo, value in by_geo.items() if geo in population}
    notes = []
    lacking = sorted(set(by_geo) - set(population))
    if lacking:
        notes.append(f"no population figure for {', '.join(lacking)}: no rate per million")
    if total is None:
        total_rate = None
    elif total_source in population:
        total_rate = per_million(total, population[total_source])
    elif not lacking and by_geo:
        total_rate = per_million(total, sum(population[geo] for geo in by_geo))
    else:
        total_rate = None
        notes.append(f"no population figure for {total_source}: no total rate per million")
    return {"per_million": rates, "total_per_million": total_rate}, notes


def _describe(chosen: Mapping[str, str]) -> str:
    return ", ".join(f"{name}={code}" for name, code in chosen.items())
