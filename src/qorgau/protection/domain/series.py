"""Figures over time and by citizenship, for the dashboards — the same selection rules as
:func:`~qorgau.protection.domain.statistics.stats`.

- :func:`period_series` — one point per period of the dataset (a year, or a month for monthly data):
  the EU aggregate row where the period has one with a value, else the sum of the member countries
  with a value (``source`` says which, ``countries`` how many went into a sum). A stock is a
  series of stocks (each month's own figure), never a running sum.
- :func:`country_series` — each member country's figure per period (for the stock beside the flow).
- :func:`by_citizenship` — the figure of each citizenship (members only: ``TOTAL``,
  ``EXT_EU27_2020`` and the other aggregates left out) for one year, at the EU row or a country;
  for a monthly flow the months of the year are added up, for a stock the last month is taken.

>>> from qorgau.protection.domain.observations import Observation
>>> rows = [Observation("migr_asyappctza", {"freq": "A", "unit": "PER", "citizen": "TOTAL", "sex": "T",
...     "age": "TOTAL", "applicant": "FRST", "geo": geo}, year, value) for geo, year, value in
...     [("EU27_2020", "2021", 537355), ("EU27_2020", "2022", 881220), ("DE", "2022", 217735)]]
>>> [(point.period, point.value, point.source) for point in period_series(rows, "migr_asyappctza", "FRST")]
[('2021', 537355, 'EU27_2020'), ('2022', 881220, 'EU27_2020')]
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from qorgau.protection.domain.errors import StatisticsError
from qorgau.protection.domain.observations import (
    DATASETS,
    EU_AGGREGATES,
    Number,
    Observation,
    is_aggregate,
)

# The selection of stats() (every dimension but geo, and here citizen, fixed at its TOTAL or asked
# code): reused so that a dashboard figure and the ``stats`` command always agree.
from qorgau.protection.domain.statistics import _select, chosen_codes


@dataclass(frozen=True)
class SeriesPoint:
    """One period's figure: ``source`` is the EU row used or ``"sum of member countries"``."""

    period: str
    value: Number
    source: str
    countries: int
    flags: str = ""

    def to_dict(self) -> dict[str, object]:
        return {
            "period": self.period,
            "value": self.value,
            "source": self.source,
            "countries": self.countries,
            "flags": self.flags,
        }


def period_series(
    observations: Iterable[Observation],
    dataset: str,
    applicant: str | None = None,
    *,
    decision: str | None = None,
) -> list[SeriesPoint]:
    """The dataset's total per period, oldest first (periods without any figure are left out)."""
    selected = _selection(observations, dataset, applicant, decision)
    by_period: dict[str, dict[str, tuple[Number | None, str]]] = defaultdict(dict)
    for observation in selected:
        by_period[observation.time_period][observation.dimensions["geo"]] = _add(
            by_period[observation.time_period].get(observation.dimensions["geo"]),
            observation.value,
            observation.flags,
        )
    points = []
    for period in sorted(by_period):
        figures = by_period[period]
        aggregate = next(
            (code for code in EU_AGGREGATES if code in figures and figures[code][0] is not None), None
        )
        if aggregate is not None:
            value, flags = figures[aggregate]
            assert value is not None
            points.append(SeriesPoint(period, value, aggregate, 0, flags))
            continue
        members = {
            geo: figure
            for geo, figure in figures.items()
            if not is_aggregate("geo", geo) and figure[0] is not None
        }
        if members:
            total = sum(figure[0] or 0 for figure in members.values())
            flags = "".join(sorted({flag for _, figure_flags in members.values() for flag in figure_flags}))
            points.append(SeriesPoint(period, total, "sum of member countries", len(members), flags))
    return points


def country_series(
    observations: Iterable[Observation],
    dataset: str,
    applicant: str | None = None,
    *,
    decision: str | None = None,
) -> dict[str, dict[str, Number | None]]:
    """``{geo: {period: value}}`` for every member country (``None`` where Eurostat prints ``:``)."""
    series: dict[str, dict[str, Number | None]] = defaultdict(dict)
    for observation in _selection(observations, dataset, applicant, decision):
        geo = observation.dimensions["geo"]
        if is_aggregate("geo", geo):
            continue
        previous = series[geo].get(observation.time_period)
        if observation.value is None:
            series[geo].setdefault(observation.time_period, None)
        else:
            series[geo][observation.time_period] = (previous or 0) + observation.value
    return {geo: dict(sorted(values.items())) for geo, values in sorted(series.items())}


def by_citizenship(
    observations: Iterable[Observation],
    dataset: str,
    year: int,
    applicant: str | None = None,
    *,
    decision: str | None = None,
    geo: str | None = None,
) -> dict[str, Number]:
    """The figure of each citizenship in ``year`` at ``geo`` (default: the EU row), largest first.

    Members only; a citizenship whose figures are all missing is left out. Raises
    :class:`StatisticsError` for an unknown dataset or one without a ``citizen`` dimension.
    """
    spec = DATASETS.get(dataset)
    if spec is None:
        raise StatisticsError(f"unknown dataset {dataset!r}; known: {', '.join(DATASETS)}")
    if "citizen" not in spec.dimensions:
        raise StatisticsError(f"{dataset} has no citizen dimension")
    chosen = chosen_codes(spec.dimensions, dataset, applicant, decision)
    chosen.pop("citizen", None)
    listed = [o for o in observations if o.dataset == dataset]
    selected, _ = _select(listed, chosen)
    in_year = [o for o in selected if o.year == year]
    places = {o.dimensions["geo"] for o in in_year}
    place = geo or next((code for code in EU_AGGREGATES if code in places), None)
    if place is None:
        return {}
    rows = [
        o
        for o in in_year
        if o.dimensions["geo"] == place and not is_aggregate("citizen", o.dimensions["citizen"])
    ]
    if spec.kind == "stock":
        months = sorted({o.time_period for o in rows if o.value is not None})
        rows = [o for o in rows if months and o.time_period == months[-1]]
    totals: dict[str, Number] = {}
    for observation in rows:
        if observation.value is not None:
            citizen = observation.dimensions["citizen"]
            totals[citizen] = totals.get(citizen, 0) + observation.value
    return dict(sorted(totals.items(), key=lambda item: (-item[1], item[0])))


def _selection(
    observations: Iterable[Observation], dataset: str, applicant: str | None, decision: str | None
) -> list[Observation]:
    spec = DATASETS.get(dataset)
    if spec is None:
        raise StatisticsError(f"unknown dataset {dataset!r}; known: {', '.join(DATASETS)}")
    chosen = chosen_codes(spec.dimensions, dataset, applicant, decision)
    listed = [o for o in observations if o.dataset == dataset]
    selected, _ = _select(listed, chosen)
    return selected


def _add(
    previous: tuple[Number | None, str] | None, value: Number | None, flags: str
) -> tuple[Number | None, str]:
    if previous is None:
        return value, flags
    total = previous[0] if value is None else (value if previous[0] is None else previous[0] + value)
    merged = previous[1] + "".join(flag for flag in flags if flag not in previous[1])
    return total, merged
