"""Citations, localized texts, reasons, decisions and dated parameters.

All types are immutable and carry no I/O except :func:`load_parameters`, which reads one YAML file.

>>> c = Citation(code="UPK RK", article="190", part="1", version_date=date(2014, 7, 4))
>>> c.label()
'UPK RK art. 190 part 1 (version 2014-07-04)'
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

LANGUAGES = ("ru", "kk", "en")


class LawError(ValueError):
    """A parameter or rule file is malformed, or a parameter has no value on the date asked."""


@dataclass(frozen=True)
class LocalizedText:
    """One text in the three working languages of Qorgau."""

    ru: str
    kk: str
    en: str

    @classmethod
    def from_mapping(cls, value: Mapping[str, str], *, where: str = "text") -> LocalizedText:
        missing = [lang for lang in LANGUAGES if not value.get(lang)]
        if missing:
            raise LawError(f"{where}: missing translation(s): {', '.join(missing)}")
        return cls(ru=value["ru"], kk=value["kk"], en=value["en"])

    def get(self, language: str) -> str:
        """The text in ``language`` (ru, kk or en); English for any other code."""
        return {"ru": self.ru, "kk": self.kk}.get(language, self.en)

    def format(self, **values: Any) -> LocalizedText:
        """Fill ``{placeholders}`` in all three texts; a :class:`LocalizedText` value fills each
        language with its own wording (a status name, a regime), any other value is used as is.

        >>> LocalizedText("{n} дн.", "{n} күн", "{n} days").format(n=5).kk
        '5 күн'
        >>> LocalizedText("статус: {s}", "мәртебе: {s}", "status: {s}").format(
        ...     s=LocalizedText("беженец", "босқын", "refugee")).ru
        'статус: беженец'
        """

        def fill(language: str, template: str) -> str:
            resolved = {k: v.get(language) if isinstance(v, LocalizedText) else v for k, v in values.items()}
            return template.format(**resolved)

        return LocalizedText(fill("ru", self.ru), fill("kk", self.kk), fill("en", self.en))

    def to_dict(self) -> dict[str, str]:
        return {"ru": self.ru, "kk": self.kk, "en": self.en}


@dataclass(frozen=True)
class Citation:
    """Where a rule comes from.

    ``code`` is the act (``"UPK RK"``, ``"Directive 2001/55/EC"``, ``"Law No. 2337"``); ``article``,
    ``part`` and ``point`` locate the provision; ``version_date`` is the version of the act applied;
    ``source`` is an address where the text can be read; ``verified`` says whether the wording was
    checked against the official publication (False: encoded from a secondary source or the seed).
    """

    code: str
    article: str | None = None
    part: str | None = None
    point: str | None = None
    version_date: date | None = None
    source: str | None = None
    verified: bool = False
    note: str | None = None

    def label(self) -> str:
        """A short human label: ``"UPK RK art. 613 part 2 p. 1 (version 2016-07-07)"``."""
        parts = [self.code]
        if self.article:
            parts.append(f"art. {self.article}")
        if self.part:
            parts.append(f"part {self.part}")
        if self.point:
            parts.append(f"p. {self.point}")
        text = " ".join(parts)
        if self.version_date:
            text += f" (version {self.version_date.isoformat()})"
        return text

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "article": self.article,
            "part": self.part,
            "point": self.point,
            "version_date": self.version_date.isoformat() if self.version_date else None,
            "source": self.source,
            "verified": self.verified,
            "label": self.label(),
            "note": self.note,
        }

    @classmethod
    def from_mapping(cls, value: Mapping[str, Any], *, where: str = "citation") -> Citation:
        if not isinstance(value, Mapping) or not value.get("code"):
            raise LawError(f"{where}: a citation needs at least 'code'")
        unknown = set(value) - {
            "code",
            "article",
            "part",
            "point",
            "version_date",
            "source",
            "verified",
            "note",
        }
        if unknown:
            raise LawError(f"{where}: unknown citation field(s): {', '.join(sorted(unknown))}")
        return cls(
            code=str(value["code"]),
            article=_optional_str(value.get("article")),
            part=_optional_str(value.get("part")),
            point=_optional_str(value.get("point")),
            version_date=_optional_date(value.get("version_date"), where=f"{where}.version_date"),
            source=_optional_str(value.get("source")),
            verified=bool(value.get("verified", False)),
            note=_optional_str(value.get("note")),
        )


@dataclass(frozen=True)
class Reason:
    """One step of a decision: which rule, whether its condition held, why, and under which law.

    ``supports`` is True when the reason speaks for the decision's outcome being allowed (a
    condition that is met), False when it is an obstacle (a condition that fails).
    """

    rule: str
    supports: bool
    citation: Citation
    text: LocalizedText

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape used in every module's output."""
        return {
            "rule": self.rule,
            "met": self.supports,
            "citation": self.citation.label(),
            "source": self.citation.source,
            "verified": self.citation.verified,
            "text": self.text.to_dict(),
        }


@dataclass(frozen=True)
class Decision:
    """The result of a rule: allowed or not, with every reason that led there.

    A decision is allowed when no reason is an obstacle; build one with :meth:`from_reasons`.
    """

    allowed: bool
    reasons: tuple[Reason, ...] = ()

    @classmethod
    def from_reasons(cls, reasons: Iterable[Reason]) -> Decision:
        listed = tuple(reasons)
        return cls(allowed=all(r.supports for r in listed), reasons=listed)

    @property
    def obstacles(self) -> tuple[Reason, ...]:
        return tuple(r for r in self.reasons if not r.supports)

    def cited_rules(self) -> list[str]:
        return [r.rule for r in self.reasons]

    def to_dict(self) -> dict[str, Any]:
        return {"allowed": self.allowed, "reasons": [r.to_dict() for r in self.reasons]}


@dataclass(frozen=True)
class ParameterValue:
    """A parameter's value from ``effective_from`` (inclusive) until the next value takes over."""

    effective_from: date
    value: Any
    citation: Citation


@dataclass(frozen=True)
class Parameter:
    """A value that changes by date, each value with its citation."""

    name: str
    description: LocalizedText | None
    unit: str | None
    values: tuple[ParameterValue, ...] = field(default=())

    def at(self, on: date) -> ParameterValue:
        """The value in force on ``on``.

        Raises :class:`LawError` when ``on`` is before the first effective date.
        """
        current: ParameterValue | None = None
        for value in self.values:
            if value.effective_from <= on:
                current = value
            else:
                break
        if current is None:
            first = self.values[0].effective_from.isoformat() if self.values else "never"
            raise LawError(f"parameter {self.name!r} has no value on {on.isoformat()} (first: {first})")
        return current

    def value_at(self, on: date) -> Any:
        return self.at(on).value


@dataclass(frozen=True)
class ParameterSet:
    """Named parameters loaded from one YAML file."""

    parameters: Mapping[str, Parameter]

    def __getitem__(self, name: str) -> Parameter:
        try:
            return self.parameters[name]
        except KeyError:
            raise LawError(f"unknown parameter {name!r}") from None

    def at(self, name: str, on: date) -> ParameterValue:
        return self[name].at(on)

    def value(self, name: str, on: date) -> Any:
        return self[name].at(on).value


def load_parameters(path: Path | str) -> ParameterSet:
    """Read a parameter file.

    The file maps a parameter name to ``description`` (ru/kk/en), an optional ``unit`` and
    ``values``: a mapping from effective date (``YYYY-MM-DD``) to ``{value, citation}``::

        accelerated_investigation_days:
          description: {ru: ..., kk: ..., en: ...}
          unit: days
          values:
            2015-01-01:
              value: 15
              citation: {code: UPK RK, article: "191", verified: false, source: ...}
    """
    path = Path(path)
    raw = load_yaml(path)
    if not isinstance(raw, Mapping):
        raise LawError(f"{path}: expected a mapping of parameter names")
    parameters: dict[str, Parameter] = {}
    for name, spec in raw.items():
        if str(name).startswith("x-"):
            continue  # shared YAML anchors, not parameters
        where = f"{path.name}:{name}"
        if not isinstance(spec, Mapping) or not isinstance(spec.get("values"), Mapping):
            raise LawError(f"{where}: needs 'values' keyed by effective date")
        values = []
        for effective, entry in spec["values"].items():
            effective_date = _optional_date(effective, where=f"{where}.values")
            if effective_date is None or not isinstance(entry, Mapping) or "value" not in entry:
                raise LawError(f"{where}.values.{effective}: needs a date key and 'value'")
            citation = Citation.from_mapping(entry.get("citation") or {}, where=f"{where}.{effective}")
            values.append(ParameterValue(effective_date, entry["value"], citation))
        values.sort(key=lambda v: v.effective_from)
        description = spec.get("description")
        parameters[str(name)] = Parameter(
            name=str(name),
            description=LocalizedText.from_mapping(description, where=f"{where}.description")
            if description
            else None,
            unit=_optional_str(spec.get("unit")),
            values=tuple(values),
        )
    return ParameterSet(parameters)


class _StrictLoader(yaml.SafeLoader):
    """A safe loader that refuses duplicate keys: PyYAML would silently keep the last one, so an
    expectation or a dated value written twice would test or apply nothing."""


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _value_node in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            continue  # keys merged from an anchor may be overridden: that is what merging is for
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise LawError(f"duplicate key {key!r} at line {key_node.start_mark.line + 1}")
        seen.add(key)
    loader.flatten_mapping(node)
    return dict(loader.construct_pairs(node, deep=deep))


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_yaml(path: Path) -> Any:
    """Read a rules or scenario file: safe YAML, duplicate keys refused, errors name the file."""
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_StrictLoader)  # a SafeLoader subclass
    except LawError as exc:
        raise LawError(f"{path}: {exc}") from None
    except yaml.YAMLError as exc:
        raise LawError(f"{path}: not valid YAML: {exc}") from exc


def _optional_str(value: Any) -> str | None:
    return None if value is None else str(value)


def _optional_date(value: Any, *, where: str) -> date | None:
    if value is None or (isinstance(value, date) and not isinstance(value, dt.datetime)):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise LawError(f"{where}: {value!r} is not a date (YYYY-MM-DD)") from None
