"""Burden-sharing keys: who should take what share of a number of people in need of protection.

A key gives every state a share (the shares add up to 1); applied to a total it gives quotas.

- **2015 relocation key** (European Agenda on Migration, COM(2015) 240, Annex): 40% the state's
  share of the population, 40% its share of total GDP, 10% the *inverse* share of its past
  asylum effort (spontaneous applications plus resettled refugees per million inhabitants,
  2010–2014) and 10% the inverse share of its unemployment rate. The inverse share of a
  quantity ``A`` is ``(1/A_i) / Σ_j (1/A_j)``: the more a state already did, the less it gets.
  Worked example (ERR News, on the Commission's figures): Estonia, 64 applications per million,
  with the 28 states' inverses adding up to 0.14940961, gets (1/64) / 0.14940961 = 10.46%.
- **The two corrective factors capped at 30% of the population-and-GDP effect.** How the
  Commission applied the cap was not verified. Implemented reading: the weight the corrective
  factors carry together may not exceed 30% of the weight carried by population and GDP,
  ``w_asylum + w_unemployment ≤ 0.30 × (w_population + w_gdp)``; weights over the cap are scaled
  down to it and the freed weight returns to population and GDP in proportion. With the 2015
  weights (20 against 80 = 25%) the cap does not bind, which agrees with the Estonian share of
  the resettlement key (0.4·0.26% + 0.4·0.14% + 0.1·10.46% + 0.1·4.22% ≈ 1.63%); a per-state cap
  of 30% of each state's population-and-GDP effect would have cut it to about 0.2%.
- **Reference key** 50% population + 50% GDP: Dublin IV proposal COM(2016) 270 and the Pact on
  Migration and Asylum, Regulation (EU) 2024/1351 (annual solidarity pool).
- **Measures** (where the actual number received is known): per 1,000 inhabitants; per unit of
  GDP per capita (UNHCR's "per USD of GDP (PPP) per capita", in the units of the ``gdp``
  column); the fair-share gap ``actual − key × total`` and the ratio ``actual / (key × total)``.

Quotas are whole people: :func:`largest_remainder` rounds ``key × total`` so that they add up to
exactly ``total`` (Hamilton's method; ties go to the state listed first by code).

The key is unchanged when population or GDP is given in other units (thousands, millions of
euro): every component is a share.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from qorgau.kernel.law import Citation, LawError
from qorgau.protection.domain.errors import BurdenSharingError


@dataclass(frozen=True)
class StateIndicators:
    """One row of the input CSV: a state and the quantities the keys use.

    ``population`` in persons (any unit works: the key uses shares), ``gdp`` total GDP in any
    currency unit, ``unemployment_rate`` in percent, ``asylum_per_million`` past applications plus
    resettled refugees per million inhabitants, ``actual`` the number the state really took.
    """

    geo: str
    population: float
    gdp: float
    unemployment_rate: float | None = None
    asylum_per_million: float | None = None
    actual: float | None = None
    line: int | None = None


@dataclass(frozen=True)
class KeyWeights:
    """The weights of a key's four components; ``corrective_cap`` bounds the last two (see above)."""

    population: float
    gdp: float
    past_asylum_effort: float = 0.0
    unemployment: float = 0.0
    corrective_cap: float | None = None

    @property
    def corrective(self) -> float:
        return self.past_asylum_effort + self.unemployment

    def effective(self) -> KeyWeights:
        """The weights after the cap on the corrective factors, normalised to add up to 1."""
        weights = self
        if self.corrective_cap is not None and self.corrective > self.corrective_cap * (
            self.population + self.gdp
        ):
            scale = self.corrective_cap * (self.population + self.gdp) / self.corrective
            weights = replace(
                self,
                past_asylum_effort=self.past_asylum_effort * scale,
                unemployment=self.unemployment * scale,
            )
        total = weights.population + weights.gdp + weights.corrective
        if (
            total <= 0
            or min(weights.population, weights.gdp, weights.past_asylum_effort, weights.unemployment) < 0
        ):
            raise BurdenSharingError("key weights must be non-negative and not all zero")
        return replace(
            weights,
            population=weights.population / total,
            gdp=weights.gdp / total,
            past_asylum_effort=weights.past_asylum_effort / total,
            unemployment=weights.unemployment / total,
        )


@dataclass(frozen=True)
class KeyDefinition:
    """A named key: its weights and the acts it comes from."""

    name: str
    weights: KeyWeights
    citations: tuple[Citation, ...]

    @classmethod
    def from_mapping(cls, name: str, raw: Mapping[str, Any]) -> KeyDefinition:
        """From an entry of ``rules/burden_sharing.yaml``; :class:`BurdenSharingError` if malformed."""
        weights = raw.get("weights") if isinstance(raw, Mapping) else None
        if not isinstance(weights, Mapping):
            raise BurdenSharingError(f"key {name}: needs 'weights'")
        try:
            parsed = KeyWeights(
                population=float(weights["population"]),
                gdp=float(weights["gdp"]),
                past_asylum_effort=float(weights.get("past_asylum_effort", 0)),
                unemployment=float(weights.get("unemployment", 0)),
                corrective_cap=None if raw.get("corrective_cap") is None else float(raw["corrective_cap"]),
            )
            citations = tuple(
                Citation.from_mapping(entry, where=f"key {name}.citations[{index}]")
                for index, entry in enumerate(raw.get("citations") or [])
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise BurdenSharingError(f"key {name}: malformed weights ({exc})") from exc
        except LawError as exc:
            raise BurdenSharingError(str(exc)) from exc
        return cls(name, parsed, citations)


def proportional_shares(values: Mapping[str, float]) -> dict[str, float]:
    """Each value divided by their sum; :class:`BurdenSharingError` unless all are positive."""
    _check_positive(values, "value")
    total = math.fsum(values.values())
    return {key: value / total for key, value in values.items()}


def inverse_shares(values: Mapping[str, float]) -> dict[str, float]:
    """``(1/A_i) / Σ_j (1/A_j)``: the inverse share of each positive ``A_i``.

    >>> round(inverse_shares({"EE": 64, "REST": 1 / (0.14940961 - 1 / 64)})["EE"], 4)
    0.1046
    """
    _check_positive(values, "value")
    return proportional_shares({key: 1 / value for key, value in values.items()})


def distribution_key(states: Sequence[StateIndicators], weights: KeyWeights) -> dict[str, float]:
    """Each state's share under ``weights`` (after the corrective cap); the shares add up to 1.

    Raises :class:`BurdenSharingError` naming the line when a component the weights need is
    missing or not positive, or when a state is listed twice.
    """
    _check_states(states)
    effective = weights.effective()
    population = proportional_shares(_column(states, "population"))
    gdp = proportional_shares(_column(states, "gdp"))
    components = [(effective.population, population), (effective.gdp, gdp)]
    if effective.past_asylum_effort:
        components.append(
            (effective.past_asylum_effort, inverse_shares(_column(states, "asylum_per_million")))
        )
    if effective.unemployment:
        components.append((effective.unemployment, inverse_shares(_column(states, "unemployment_rate"))))
    return {
        state.geo: math.fsum(weight * shares[state.geo] for weight, shares in components) for state in states
    }


def largest_remainder(shares: Mapping[str, float], total: int) -> dict[str, int]:
    """Whole quotas that add up to exactly ``total``, each as close as can be to ``share × total``.

    Every state gets the whole part of its exact quota; the people left over go one each to the
    largest fractional parts (ties to the code that sorts first).

    >>> largest_remainder({"A": 0.5, "B": 0.25, "C": 0.25}, 3)
    {'A': 1, 'B': 1, 'C': 1}
    >>> largest_remainder({"A": 0.5, "B": 0.25, "C": 0.25}, 2)
    {'A': 1, 'B': 1, 'C': 0}
    """
    if total < 0:
        raise BurdenSharingError(f"the total must not be negative, got {total}")
    if not shares:
        raise BurdenSharingError("no states to share among")
    if any(share < 0 or not math.isfinite(share) for share in shares.values()):
        raise BurdenSharingError("shares must be finite and non-negative")
    sum_of_shares = math.fsum(shares.values())
    if sum_of_shares <= 0:
        raise BurdenSharingError("shares add up to zero")
    exact = {geo: share / sum_of_shares * total for geo, share in shares.items()}
    quotas = {geo: math.floor(value) for geo, value in exact.items()}
    order = sorted(exact, key=lambda geo: (-(exact[geo] - quotas[geo]), geo))
    left = total - sum(quotas.values())
    # Floating point can leave the floors one over or under; the loop settles either way.
    index = 0
    while left > 0:
        quotas[order[index % len(order)]] += 1
        left -= 1
        index += 1
    for geo in reversed(order):
        if left >= 0:
            break
        if quotas[geo] > 0:
            quotas[geo] -= 1
            left += 1
    return quotas


def fair_share(
    states: Sequence[StateIndicators], key: KeyDefinition, total: int | None = None
) -> dict[str, Any]:
    """Shares and quotas under ``key``; with an ``actual`` column, also the gap and the ratio.

    ``total`` defaults to the sum of ``actual``; without either, :class:`BurdenSharingError`.
    Output::

        {"key": "reference50", "total": N, "shares": {"DE": 0.2, ...}, "quotas": {"DE": N, ...},
         "gap": {"DE": actual - share × total, ...}, "ratio": {"DE": actual / (share × total), ...},
         "per_thousand_inhabitants": {...}, "per_gdp_per_capita": {...}, "citations": [...]}
    """
    shares = distribution_key(states, key.weights)
    has_actual = any(state.actual is not None for state in states)
    if has_actual:
        lacking = [state for state in states if state.actual is None]
        if lacking:
            raise BurdenSharingError(
                f"{lacking[0].geo}: 'actual' is empty (fill it for every state)", line=lacking[0].line
            )
    if total is None:
        if not has_actual:
            raise BurdenSharingError("give a total to share, or an 'actual' column to share its sum")
        actual_sum = math.fsum(state.actual or 0 for state in states)
        if actual_sum != int(actual_sum):
            raise BurdenSharingError(
                f"the 'actual' column adds up to {actual_sum}, not a whole number of people"
            )
        total = int(actual_sum)
    result: dict[str, Any] = {
        "key": key.name,
        "total": total,
        "shares": shares,
        "quotas": largest_remainder(shares, total),
        "weights": _weights_dict(key.weights.effective()),
        "citations": [citation.to_dict() for citation in key.citations],
    }
    if has_actual:
        gap, ratio, per_thousand, per_gdp = {}, {}, {}, {}
        for state in states:
            actual = state.actual or 0.0
            expected = shares[state.geo] * total
            gap[state.geo] = round(actual - expected, 3)
            ratio[state.geo] = round(actual / expected, 4) if expected > 0 else None
            per_thousand[state.geo] = round(actual / state.population * 1000, 4)
            per_gdp[state.geo] = actual / (state.gdp / state.population)
        result.update(gap=gap, ratio=ratio, per_thousand_inhabitants=per_thousand, per_gdp_per_capita=per_gdp)
    return result


# --- input ------------------------------------------------------------------------------------------
REQUIRED_COLUMNS = ("geo", "population", "gdp")
OPTIONAL_COLUMNS = ("unemployment_rate", "asylum_per_million", "actual", "name")


def parse_indicators_csv(text: str) -> list[StateIndicators]:
    """Read the fair-share CSV (``geo, population, gdp, unemployment_rate, asylum_per_million``,
    optional ``actual`` and ``name``); empty cells are missing values.

    Raises :class:`BurdenSharingError` naming the line for a missing or unknown column, a value
    that is not a number, a negative number or a state listed twice.
    """
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    rows = list(_numbered(reader))
    if not rows:
        raise BurdenSharingError("the file is empty", line=1)
    header_line, header = rows[0]
    columns = [cell.strip() for cell in header]
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        raise BurdenSharingError(f"missing column(s): {', '.join(missing)}", line=header_line)
    unknown = [name for name in columns if name not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    if unknown:
        allowed = ", ".join(REQUIRED_COLUMNS + OPTIONAL_COLUMNS)
        raise BurdenSharingError(
            f"unknown column(s): {', '.join(unknown)} (allowed: {allowed})", line=header_line
        )
    states = []
    for line, cells in rows[1:]:
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(columns):
            raise BurdenSharingError(f"expected {len(columns)} cells, found {len(cells)}", line=line)
        record = dict(zip(columns, (cell.strip() for cell in cells), strict=True))
        geo = record["geo"]
        if not geo:
            raise BurdenSharingError("'geo' is empty", line=line)
        numbers = {
            name: _number(record.get(name, ""), name, line) for name in columns if name not in ("geo", "name")
        }
        population, gdp = numbers.get("population"), numbers.get("gdp")
        if population is None or gdp is None:
            raise BurdenSharingError(f"{geo}: population and gdp are required", line=line)
        states.append(
            StateIndicators(
                geo=geo,
                population=population,
                gdp=gdp,
                unemployment_rate=numbers.get("unemployment_rate"),
                asylum_per_million=numbers.get("asylum_per_million"),
                actual=numbers.get("actual"),
                line=line,
            )
        )
    if not states:
        raise BurdenSharingError("no states in the file", line=header_line)
    _check_states(states)
    return states


def _numbered(reader: Iterable[list[str]]) -> Iterable[tuple[int, list[str]]]:
    line = 0
    for cells in reader:
        line = getattr(reader, "line_num", line + 1)
        yield line, cells


def _number(text: str, name: str, line: int) -> float | None:
    if text == "":
        return None
    try:
        value = float(text)
    except ValueError:
        raise BurdenSharingError(f"{name} {text!r} is not a number", line=line) from None
    if not math.isfinite(value) or value < 0:
        raise BurdenSharingError(f"{name} must be a finite non-negative number, got {text!r}", line=line)
    return value


def _check_states(states: Sequence[StateIndicators]) -> None:
    if not states:
        raise BurdenSharingError("no states to share among")
    seen: dict[str, int | None] = {}
    for state in states:
        if state.geo in seen:
            raise BurdenSharingError(
                f"{state.geo} is listed twice (first on line {seen[state.geo]})", line=state.line
            )
        seen[state.geo] = state.line


def _column(states: Sequence[StateIndicators], name: str) -> dict[str, float]:
    values = {}
    for state in states:
        value = getattr(state, name)
        if value is None or value <= 0:
            shown = "empty" if value is None else f"{value:g}"
            raise BurdenSharingError(
                f"{state.geo}: {name} must be a positive number for this key ({shown})", line=state.line
            )
        values[state.geo] = float(value)
    return values


def _check_positive(values: Mapping[str, float], what: str) -> None:
    if not values:
        raise BurdenSharingError("no states to share among")
    for key, value in values.items():
        if not value > 0 or not math.isfinite(value):
            raise BurdenSharingError(f"{key}: {what} must be positive and finite, got {value}")


def _weights_dict(weights: KeyWeights) -> dict[str, float]:
    return {
        "population": weights.population,
        "gdp": weights.gdp,
        "past_asylum_effort": weights.past_asylum_effort,
        "unemployment": weights.unemployment,
    }
