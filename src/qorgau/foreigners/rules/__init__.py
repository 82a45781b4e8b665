"""Dated legal rules of the foreigners module, as data, and the loader that reads them.

Files (each value carries its citation and ``verified`` flag):

- ``stay_limits.yaml`` — EAEU membership by date; visa-free stay limits (per stay, per 180 days).
- ``registration.yaml`` — registration duties of a visitor's stay by date and regime.
- ``rights.yaml`` — rights, restrictions and duties of each status, by date.
- ``participants.yaml`` — interpreter and consular notification rules for proceedings.
- ``holidays.yaml`` — public holidays, carryovers and transfers of days off, 2019–2027.
- ``texts.yaml`` — the explanations given with each decision, in ru, kk and en.
- ``countries.yaml`` — ISO 3166-1 alpha-2 codes with names (generated from CLDR via Babel).
- ``scenarios/*.yaml`` — scenario tests a lawyer can read and extend
  (run with :func:`qorgau.kernel.law.scenarios.run_file`).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from qorgau.foreigners.domain.calendar import Holiday, HolidayCalendar, Transfer
from qorgau.foreigners.domain.rulebook import Rulebook
from qorgau.foreigners.domain.texts import Texts
from qorgau.kernel.law import Citation, LawError, LocalizedText, load_parameters

RULES_DIRECTORY = Path(str(resources.files(__name__)))
SCENARIOS_DIRECTORY = RULES_DIRECTORY / "scenarios"


@functools.cache
def default_rulebook() -> Rulebook:
    """The rulebook shipped with Qorgau (read once per process)."""
    return load_rulebook(RULES_DIRECTORY)


def load_rulebook(directory: Path) -> Rulebook:
    """Read every rules file from ``directory``; :class:`LawError` names the malformed file."""
    return Rulebook(
        stay=load_parameters(directory / "stay_limits.yaml"),
        registration=load_parameters(directory / "registration.yaml"),
        rights=load_parameters(directory / "rights.yaml"),
        participants=load_parameters(directory / "participants.yaml"),
        calendar=load_holiday_calendar(directory / "holidays.yaml"),
        texts=load_texts(directory / "texts.yaml"),
        countries=load_countries(directory / "countries.yaml"),
    )


def load_holiday_calendar(path: Path) -> HolidayCalendar:
    """Read ``holidays.yaml`` (format described in the file) into a :class:`HolidayCalendar`."""
    raw = _read(path)
    kinds = raw.get("holidays")
    years = raw.get("years")
    if not isinstance(kinds, Mapping) or not isinstance(years, Mapping):
        raise LawError(f"{path.name}: needs 'holidays' and 'years'")
    for key, spec in raw.get("legal_basis", {}).items():
        Citation.from_mapping(spec, where=f"{path.name}:legal_basis.{key}")
    for key, spec in kinds.items():
        LocalizedText.from_mapping(spec.get("name") or {}, where=f"{path.name}:holidays.{key}.name")
    holidays: list[Holiday] = []
    transfers: list[Transfer] = []
    for year, spec in years.items():
        where = f"{path.name}:years.{year}"
        for day, key in (spec.get("dates") or {}).items():
            if not isinstance(day, date) or day.year != int(year):
                raise LawError(f"{where}.dates: {day!r} is not a date of {year}")
            if key not in kinds:
                raise LawError(f"{where}.dates.{day}: unknown holiday {key!r}")
            holidays.append(Holiday(day=day, key=str(key), carries_over=bool(kinds[key].get("carries_over"))))
        for i, item in enumerate(spec.get("transfers") or []):
            working_day, day_off = item.get("working_day"), item.get("day_off")
            if not isinstance(working_day, date) or not isinstance(day_off, date):
                raise LawError(f"{where}.transfers[{i}]: needs 'working_day' and 'day_off' dates")
            citation = Citation.from_mapping(item["citation"], where=f"{where}.transfers[{i}]")
            transfers.append(Transfer(working_day=working_day, day_off=day_off, citation=citation))
        for i, source in enumerate(spec.get("sources") or []):
            Citation.from_mapping(source, where=f"{where}.sources[{i}]")
    return HolidayCalendar.build(holidays=holidays, transfers=transfers, years=[int(y) for y in years])


def load_texts(path: Path) -> Texts:
    raw = _read(path)
    return Texts(
        {
            str(key): LocalizedText.from_mapping(value, where=f"{path.name}:{key}")
            for key, value in raw.items()
        }
    )


def load_countries(path: Path) -> dict[str, LocalizedText]:
    raw = _read(path)
    countries = raw.get("countries")
    if not isinstance(countries, Mapping):
        raise LawError(f"{path.name}: needs 'countries'")
    return {
        str(code): LocalizedText.from_mapping(names, where=f"{path.name}:{code}")
        for code, names in countries.items()
    }


def _read(path: Path) -> Mapping[str, Any]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise LawError(f"{path.name}: not valid YAML: {exc}") from exc
    if not isinstance(raw, Mapping):
        raise LawError(f"{path.name}: expected a mapping")
    return raw


__all__ = ["RULES_DIRECTORY", "SCENARIOS_DIRECTORY", "default_rulebook", "load_rulebook"]
