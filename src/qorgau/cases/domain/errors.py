"""Named errors of the ``cases`` domain.

Every error the domain raises is a :class:`CasesError`, so a handler can map the whole family to
"bad input" at once and the narrower classes to their own answer::

    CasesError (ValueError)
    ├── InvalidCaseInput          a field of the case facts is missing or wrong; names the field
    ├── ErdrNumberError           an ERDR number does not parse or fails its check digit
    ├── DeadlineError             procedural acts that cannot be put on one clock
    ├── IllegalAgreementTransition  a procedural agreement asked to move where the law does not let it
    ├── MerkleError               a tree size, index or proof outside what the log can answer
    ├── CheckpointError           a checkpoint or signed note that does not parse, or a bad key
    └── BundleError               a case bundle that cannot be built from the entries given
"""

from __future__ import annotations


class CasesError(ValueError):
    """Base of every error raised by :mod:`qorgau.cases.domain`."""


class InvalidCaseInput(CasesError):
    """The case facts are malformed. ``field`` is the path of the offending value.

    >>> str(InvalidCaseInput("offences[0].category", "unknown value 'big'"))
    "offences[0].category: unknown value 'big'"
    """

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


class ErdrNumberError(CasesError):
    """An ERDR registration number that is malformed or whose check digit does not match."""


class DeadlineError(CasesError):
    """Procedural acts (suspensions, extensions) that are inconsistent with each other or the registration."""


class IllegalAgreementTransition(CasesError):
    """A procedural agreement cannot move from its current state to the one asked for."""

    def __init__(self, current: str, wanted: str, allowed: tuple[str, ...]) -> None:
        allowed_text = ", ".join(allowed) if allowed else "none: the state is final"
        super().__init__(f"agreement cannot move from {current!r} to {wanted!r} (allowed: {allowed_text})")
        self.current = current
        self.wanted = wanted
        self.allowed = allowed


class MerkleError(CasesError):
    """A request the Merkle log cannot answer: an index or size beyond the tree, or a malformed proof."""


class CheckpointError(CasesError):
    """A checkpoint, signed note or verifier key that does not parse, or a key that cannot sign."""


class BundleError(CasesError):
    """The entries given cannot be packed into a case bundle (bad name, naive time, ...)."""
