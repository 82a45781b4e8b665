"""Field parsers shared by the decoders: strict decimals, BCD digits, calendar times.

Each raises :class:`MalformedFrame` naming the field, never a bare ``ValueError``, so that a listener
can rely on catching :class:`ProtocolError` alone.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime

from .model import MalformedFrame

# Python's float() also takes "1_000", " 12 " and "infinity"; devices send none of these except by
# corruption, so the grammar is spelled out. NaN and Inf are accepted and left to validate_fix.
_DECIMAL = re.compile(
    r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|[+-]?(?:nan|inf|infinity)", re.IGNORECASE
)


def parse_decimal(text: str, field: str) -> float:
    """``text`` as a float; :class:`MalformedFrame` naming ``field`` if it is not a decimal number."""
    candidate = text.strip()
    if len(candidate) > 64 or not _DECIMAL.fullmatch(candidate):
        raise MalformedFrame(f"{field}: {text[:32]!r} is not a number", field=field)
    return float(candidate)


def is_finite_decimal(text: str) -> bool:
    """Whether ``text`` is a decimal number that is neither NaN nor infinite."""
    candidate = text.strip()
    return len(candidate) <= 64 and bool(_DECIMAL.fullmatch(candidate)) and math.isfinite(float(candidate))


def number_from_json(value: object, field: str) -> float | None:
    """A JSON number as float (``None`` for null); :class:`MalformedFrame` for any other type."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise MalformedFrame(f"{field}: expected a number, got {type(value).__name__}", field=field)
    try:
        return float(value)
    except OverflowError:
        raise MalformedFrame(f"{field}: number out of range", field=field) from None


def bcd_digits(data: bytes, field: str) -> str:
    """The decimal digits packed two per byte in ``data``; any nibble above 9 is malformed."""
    digits = data.hex()
    if not digits.isdigit():
        raise MalformedFrame(f"{field}: {digits!r} is not BCD", field=field)
    return digits


def utc_datetime(
    year: int, month: int, day: int, hour: int, minute: int, second: int, field: str
) -> datetime:
    """A UTC datetime, or :class:`MalformedFrame` naming ``field`` if the calendar rejects it."""
    try:
        return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except ValueError:
        stamp = f"{year:04d}-{month:02d}-{day:02d} {hour:02d}:{minute:02d}:{second:02d}"
        raise MalformedFrame(f"{field}: {stamp} is not a valid date and time", field=field) from None


def datetime_from_epoch(value: float, field: str) -> datetime:
    """UTC time from epoch seconds, or milliseconds when the value exceeds 2**31 - 1 (Traccar's rule)."""
    if not math.isfinite(value):
        raise MalformedFrame(f"{field}: {value} is not a time", field=field)
    seconds = value / 1000.0 if value >= 2**31 - 1 else value
    try:
        return datetime.fromtimestamp(seconds, tz=UTC)
    except (OverflowError, OSError, ValueError):
        raise MalformedFrame(f"{field}: {value} is outside the supported time range", field=field) from None
