"""The module's law and parameters as dated YAML data, and the functions that read them.

- ``directive_2001_55_durations.yaml`` — art. 4 durations (kernel parameter format)
- ``temporary_protection.yaml`` — activations of the Directive and the acts that set their ends
- ``rights.yaml`` — the rights a temporary-protection status gives, in ru, kk, en, with citations
- ``statuses.yaml`` — which of those rights each protection status of a registration carries
- ``burden_sharing.yaml`` — the weights of the burden-sharing keys and their sources
- ``scenarios/`` — input → expected output cases a lawyer can read and extend (kernel runner)

Reading a file is I/O, so it lives here and not in :mod:`qorgau.protection.domain`; the domain
builds its dataclasses from the mappings these functions read. A malformed file raises the
domain's errors (:class:`TemporaryProtectionError`, :class:`BurdenSharingError`) naming the field.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from qorgau.kernel.law import LawError, LocalizedText, ParameterSet, load_parameters
from qorgau.protection.domain.burden_sharing import KeyDefinition
from qorgau.protection.domain.errors import BurdenSharingError, TemporaryProtectionError
from qorgau.protection.domain.registration import PROTECTION_STATUSES, StatusRights
from qorgau.protection.domain.temporary_protection import (
    Activation,
    DurationRules,
    Right,
    activation_from_mapping,
    right_from_mapping,
    tp_end,
)

RULES_DIR = Path(__file__).resolve().parent
DURATIONS_FILE = RULES_DIR / "directive_2001_55_durations.yaml"
ACTIVATIONS_FILE = RULES_DIR / "temporary_protection.yaml"
RIGHTS_FILE = RULES_DIR / "rights.yaml"
KEYS_FILE = RULES_DIR / "burden_sharing.yaml"
STATUSES_FILE = RULES_DIR / "statuses.yaml"


@cache
def directive_parameters() -> ParameterSet:
    """The Directive's durations (art. 4) as dated parameters."""
    return load_parameters(DURATIONS_FILE)


def durations_on(day: date) -> DurationRules:
    """Art. 4(1) of the Directive as in force on ``day`` (the day an activation began)."""
    parameters = directive_parameters()
    try:
        return DurationRules(
            initial_months=int(parameters.value("initial_duration_months", day)),
            automatic_extension_months=int(parameters.value("automatic_extension_months", day)),
            automatic_extension_limit_months=int(parameters.value("automatic_extension_limit_months", day)),
            automatic_extension_citation=parameters.at("automatic_extension_months", day).citation,
        )
    except LawError as exc:
        raise TemporaryProtectionError(str(exc)) from exc


@cache
def load_activations(path: Path = ACTIVATIONS_FILE) -> Mapping[str, Activation]:
    """Every activation in the rules, keyed by its decision number (``"2022/382"``)."""
    raw = _read_yaml(path, TemporaryProtectionError)
    entries = raw.get("activations")
    if not isinstance(entries, Mapping) or not entries:
        raise TemporaryProtectionError(f"{path.name}: needs a mapping 'activations'")
    activations = {}
    for key, entry in entries.items():
        started = entry.get("started") if isinstance(entry, Mapping) else None
        if not isinstance(started, date):
            raise TemporaryProtectionError(f"{path.name}: activation {key}: 'started' must be a date")
        activations[str(key)] = activation_from_mapping(str(key), entry, durations_on(started))
    return activations


def tp_end_scenario(facts: Mapping[str, Any]) -> dict[str, Any]:
    """``{"activation": "2022/382", "on": "YYYY-MM-DD"}`` → the ``tp-end`` JSON document.

    The target of the YAML scenarios in ``rules/scenarios/`` (run by the kernel's scenario runner).
    """
    try:
        day = date.fromisoformat(str(facts["on"]))
    except (KeyError, ValueError) as exc:
        raise TemporaryProtectionError(f"scenario input needs 'on' as YYYY-MM-DD: {exc}") from exc
    return tp_end(activation(str(facts["activation"])), day).to_dict()


def activation(key: str) -> Activation:
    """The activation ``key``; :class:`TemporaryProtectionError` listing the known ones otherwise."""
    activations = load_activations()
    if key not in activations:
        raise TemporaryProtectionError(f"unknown activation {key!r}; known: {', '.join(sorted(activations))}")
    return activations[key]


@cache
def load_rights(path: Path = RIGHTS_FILE) -> tuple[Right, ...]:
    """The rights, obligations and exclusion grounds of temporary protection, in file order."""
    raw = _read_yaml(path, TemporaryProtectionError)
    rights: list[Right] = []
    for section in ("rights", "obligations_and_exclusions"):
        entries = raw.get(section) or []
        if not isinstance(entries, list):
            raise TemporaryProtectionError(f"{path.name}: '{section}' must be a list")
        rights.extend(
            right_from_mapping(entry, f"{path.name}:{section}[{i}]") for i, entry in enumerate(entries)
        )
    return tuple(rights)


@cache
def load_status_rights(path: Path = STATUSES_FILE) -> Mapping[str, StatusRights]:
    """Every protection status of a registration with the Directive rights it carries (in ru, kk, en).

    The rights are those of ``rights.yaml`` (and the file's own ``extra_rights``) named by id; a
    status of :data:`~qorgau.protection.domain.registration.PROTECTION_STATUSES` missing from the
    file, or an unknown right id, raises :class:`TemporaryProtectionError`.
    """
    raw = _read_yaml(path, TemporaryProtectionError)
    extra = raw.get("extra_rights") or []
    if not isinstance(extra, list):
        raise TemporaryProtectionError(f"{path.name}: 'extra_rights' must be a list")
    known = {right.identifier: right for right in load_rights()}
    for index, entry in enumerate(extra):
        right = right_from_mapping(entry, f"{path.name}:extra_rights[{index}]")
        known[right.identifier] = right
    entries = raw.get("statuses")
    if not isinstance(entries, Mapping):
        raise TemporaryProtectionError(f"{path.name}: needs a mapping 'statuses'")
    statuses: dict[str, StatusRights] = {}
    for key, entry in entries.items():
        where = f"{path.name}:statuses.{key}"
        if not isinstance(entry, Mapping):
            raise TemporaryProtectionError(f"{where}: must be a mapping")
        names = entry.get("rights") or []
        unknown = [name for name in names if name not in known]
        if unknown:
            raise TemporaryProtectionError(f"{where}: unknown right(s) {', '.join(map(str, unknown))}")
        try:
            title = LocalizedText.from_mapping(entry.get("title") or {}, where=f"{where}.title")
            note = (
                LocalizedText.from_mapping(entry["note"], where=f"{where}.note")
                if entry.get("note")
                else None
            )
        except LawError as exc:
            raise TemporaryProtectionError(str(exc)) from exc
        statuses[str(key)] = StatusRights(str(key), title, tuple(known[name] for name in names), note)
    missing = sorted(set(PROTECTION_STATUSES.values()) - set(statuses))
    if missing:
        raise TemporaryProtectionError(f"{path.name}: no entry for status(es) {', '.join(missing)}")
    return statuses


def status_rights(status: str) -> StatusRights:
    """The rights of one protection status; :class:`TemporaryProtectionError` for an unknown one."""
    statuses = load_status_rights()
    if status not in statuses:
        raise TemporaryProtectionError(f"unknown protection status {status!r}; known: {', '.join(statuses)}")
    return statuses[status]


@cache
def load_keys(path: Path = KEYS_FILE) -> Mapping[str, KeyDefinition]:
    """The burden-sharing keys by name (``relocation2015``, ``reference50``)."""
    raw = _read_yaml(path, BurdenSharingError)
    entries = raw.get("keys")
    if not isinstance(entries, Mapping) or not entries:
        raise BurdenSharingError(f"{path.name}: needs a mapping 'keys'")
    return {str(name): KeyDefinition.from_mapping(str(name), entry) for name, entry in entries.items()}


def _read_yaml(
    path: Path, error: type[TemporaryProtectionError] | type[BurdenSharingError]
) -> Mapping[str, Any]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise error(f"{path.name}: cannot read: {exc}") from exc
    if not isinstance(raw, Mapping):
        raise error(f"{path.name}: expected a mapping")
    return raw
