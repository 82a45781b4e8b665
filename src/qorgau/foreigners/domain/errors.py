"""Errors of the foreigners module.

::

    ForeignersError (ValueError)          every error this module raises on purpose
    ├── InvalidInputError                 a record of the input is wrong; the message names it:
    │                                     "crossings[1]: exit 2026-07-01 is before entry 2026-07-20"
    └── RulesUnavailableError (LawError)  no rule or calendar covers the date asked
                                          ("no holiday calendar for 2031 (covered: 2019-2027)")

Callers map :class:`InvalidInputError` to "bad input" (CLI exit 2, HTTP 422) and
:class:`RulesUnavailableError` to "cannot decide on this date" (also bad input for the caller).
"""

from __future__ import annotations

from qorgau.kernel.law import LawError


class ForeignersError(ValueError):
    """Base class of the foreigners module's errors."""


class InvalidInputError(ForeignersError):
    """A record of the input is malformed or contradicts another; ``record`` names it (``crossings[1]``)."""

    def __init__(self, record: str, message: str) -> None:
        self.record = record
        self.reason = message
        super().__init__(f"{record}: {message}" if record else message)


class RulesUnavailableError(ForeignersError, LawError):
    """The rulebook has no rule, parameter or holiday calendar for the date asked."""
