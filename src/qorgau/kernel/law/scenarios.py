"""YAML scenario tests for legal rules: input facts → expected decisions and cited rules.

A scenario file names the function under test and lists scenarios a lawyer can read::

    target: qorgau.cases.domain.assessment:assess_json   # a function(dict) -> dict
    scenarios:
      - name: accelerated form refused when the suspect denies guilt
        cites: UPK RK art. 190 part 1          # the provision the scenario exercises (required)
        input: {date: 2026-11-25, offences: [...], persons: [...]}
        expect:
          "forms[form=accelerated].allowed": false
          "forms[form=accelerated].reasons[*].rule": {contains: [suspect_admits_guilt]}

An ``expect`` key is a path into the output: ``a.b`` walks mappings, ``[3]`` indexes a list,
``[key=value]`` picks the one list item whose ``key`` equals ``value`` and ``[*]`` maps over a
list. An expected value is compared for equality, unless it is a mapping with one matcher:
``contains`` (all listed items are in the actual list), ``excludes`` (none are), ``approx`` (a number
within ``tolerance``, default 1e-6) or ``length``.
"""

from __future__ import annotations

import datetime as dt
import importlib
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from qorgau.kernel.law.model import LawError, load_yaml

_STEP = re.compile(r"([^.\[\]]+)|\[(\*|\d+|[^=\]]+=[^\]]+)\]")
_MATCHERS = {"contains", "excludes", "approx", "length"}


@dataclass(frozen=True)
class ScenarioFailure:
    """One expectation that did not hold."""

    file: str
    scenario: str
    path: str
    expected: Any
    actual: Any
    message: str

    def describe(self) -> str:
        return (
            f"{self.file} › {self.scenario}\n    {self.path}: {self.message}\n"
            f"      expected: {self.expected!r}\n      actual:   {self.actual!r}"
        )


@dataclass(frozen=True)
class ScenarioResult:
    file: str
    name: str
    cites: str
    failures: tuple[ScenarioFailure, ...]

    @property
    def ok(self) -> bool:
        return not self.failures


def scenario_files(path: Path) -> list[Path]:
    """Every ``*.yaml``/``*.yml`` scenario file under ``path`` (or ``path`` itself), sorted."""
    if path.is_file():
        return [path]
    if not path.exists():
        raise LawError(f"{path}: no such file or directory")
    return sorted(p for p in path.rglob("*.y*ml") if _is_scenario_file(p))


def _is_scenario_file(path: Path) -> bool:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError:
        return True  # reported as an error when run
    return isinstance(raw, Mapping) and "scenarios" in raw and "target" in raw


def load_scenarios(path: Path) -> tuple[Callable[[dict[str, Any]], Any], list[dict[str, Any]]]:
    """The target function and the raw scenarios of one file; :class:`LawError` when malformed."""
    raw = load_yaml(path)
    if not isinstance(raw, Mapping) or not isinstance(raw.get("scenarios"), list):
        raise LawError(f"{path}: needs 'target' and a list of 'scenarios'")
    target = raw.get("target")
    if not isinstance(target, str) or ":" not in target:
        raise LawError(f"{path}: 'target' must be 'package.module:function'")
    module_name, _, attribute = target.partition(":")
    try:
        function = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as exc:
        raise LawError(f"{path}: cannot load target {target!r}: {exc}") from exc
    scenarios = raw["scenarios"]
    for index, scenario in enumerate(scenarios):
        if not isinstance(scenario, Mapping):
            raise LawError(f"{path}: scenario #{index + 1} is not a mapping")
        for key in ("name", "cites", "input", "expect"):
            if key not in scenario:
                raise LawError(f"{path}: scenario #{index + 1} ({scenario.get('name', '?')}) lacks {key!r}")
        if not str(scenario["cites"]).strip():
            raise LawError(f"{path}: scenario #{index + 1} ({scenario['name']}) cites nothing")
    return function, scenarios


def run_file(path: Path) -> list[ScenarioResult]:
    function, scenarios = load_scenarios(path)
    return [run_scenario(function, scenario, file=str(path)) for scenario in scenarios]


def run_scenario(
    function: Callable[[dict[str, Any]], Any], scenario: Mapping[str, Any], *, file: str
) -> ScenarioResult:
    name = str(scenario["name"])
    facts = _jsonable(scenario["input"])
    failures: list[ScenarioFailure] = []
    try:
        output = function(facts)
    except Exception as exc:  # a rule that raises is a failing scenario, reported, not a crash
        expected_error = (
            scenario.get("expect", {}).get("error") if isinstance(scenario["expect"], Mapping) else None
        )
        if expected_error and str(expected_error) in str(exc):
            return ScenarioResult(file, name, str(scenario["cites"]), ())
        failure = ScenarioFailure(file, name, "<call>", "a result", f"{type(exc).__name__}: {exc}", "raised")
        return ScenarioResult(file, name, str(scenario["cites"]), (failure,))
    for path, expected in dict(scenario["expect"]).items():
        if path == "error":
            failures.append(ScenarioFailure(file, name, "error", expected, "no error", "expected an error"))
            continue
        try:
            actual = resolve(output, str(path))
        except LookupError as exc:
            failures.append(ScenarioFailure(file, name, str(path), expected, None, str(exc)))
            continue
        message = _compare(_jsonable(expected), actual)
        if message:
            failures.append(ScenarioFailure(file, name, str(path), expected, actual, message))
    return ScenarioResult(file, name, str(scenario["cites"]), tuple(failures))


def resolve(document: Any, path: str) -> Any:
    """Follow ``path`` (see the module docstring) into ``document``; :class:`LookupError` if absent."""
    values: list[Any] = [document]
    mapped = False
    position = 0
    for match in _STEP.finditer(path):
        if match.start() != position and path[position : match.start()] != ".":
            raise LookupError(f"cannot parse path at {path[position:]!r}")
        position = match.end()
        key, selector = match.group(1), match.group(2)
        next_values: list[Any] = []
        for value in values:
            if key is not None:
                if not isinstance(value, Mapping) or key not in value:
                    raise LookupError(f"no key {key!r}")
                next_values.append(value[key])
            elif selector == "*":
                if not isinstance(value, list):
                    raise LookupError("[*] needs a list")
                next_values.extend(value)
                mapped = True
            elif selector.isdigit():
                if not isinstance(value, list) or int(selector) >= len(value):
                    raise LookupError(f"no item [{selector}]")
                next_values.append(value[int(selector)])
            else:
                field_name, _, wanted = selector.partition("=")
                hits = [
                    item
                    for item in (value if isinstance(value, list) else [])
                    if isinstance(item, Mapping) and str(item.get(field_name)) == wanted
                ]
                if len(hits) != 1:
                    raise LookupError(f"[{selector}] matched {len(hits)} items, expected one")
                next_values.append(hits[0])
        values = next_values
    if position != len(path):
        raise LookupError(f"cannot parse path at {path[position:]!r}")
    return values if mapped else values[0]


def _compare(expected: Any, actual: Any) -> str | None:
    if isinstance(expected, Mapping) and len(expected) in (1, 2) and set(expected) & _MATCHERS:
        if "contains" in expected:
            items = expected["contains"] if isinstance(expected["contains"], list) else [expected["contains"]]
            missing = [item for item in items if item not in (actual or [])]
            return f"missing {missing!r}" if missing else None
        if "excludes" in expected:
            items = expected["excludes"] if isinstance(expected["excludes"], list) else [expected["excludes"]]
            present = [item for item in items if item in (actual or [])]
            return f"unexpected {present!r}" if present else None
        if "approx" in expected:
            tolerance = float(expected.get("tolerance", 1e-6))
            if (
                not isinstance(actual, int | float)
                or abs(float(actual) - float(expected["approx"])) > tolerance
            ):
                return f"not within {tolerance} of {expected['approx']}"
            return None
        if "length" in expected:
            return None if len(actual) == expected["length"] else f"length {len(actual)}"
    return None if expected == actual else "differs"


def _jsonable(value: Any) -> Any:
    """YAML turns ``2026-11-25`` into a date; rules take JSON-like input, so dates become strings."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    return value


def iter_results(paths: list[Path]) -> Iterator[ScenarioResult]:
    for file in paths:
        yield from run_file(file)
