"""The errors of the protection module: each one says what is wrong and, for files, on which line.

::

    ProtectionError                 anything the protection module rejects (a ValueError)
    ├── DatasetError                a statistics file cannot be read as the dataset it claims to be
    │   ├── FormatError             not a Eurostat bulk TSV, SDMX-CSV or JSON-stat 2.0 document
    │   ├── WrongDatasetError       a readable file of another dataset than the one named
    │   ├── UnknownCodeError        a code that is not in the dataset's code list
    │   └── BrokenRowError          a row that cannot be parsed (cells missing, value not a number)
    ├── StatisticsError             the observations cannot answer the question asked
    ├── TemporaryProtectionError    an unknown activation, or a date before it was adopted
    ├── BurdenSharingError          key inputs that cannot be used (missing column, zero population)
    └── RecordInvalid               a registration, decision or review input with a bad field
        ├── RegistrationInvalid     a registration field is missing or malformed
        ├── DecisionInvalid         a decision that the registration cannot take
        └── ReviewInvalid           a review decision or a duplicate-detection document that is malformed

    LookupError (404 through the web layer; not input errors)
    ├── DatasetNotFound             no stored import of that dataset
    ├── RegistrationNotFound        no registration with that id
    └── ReviewItemNotFound          no review item with that id

Every file error carries ``line`` (1-based, ``None`` when the problem has no line) and puts
``line N`` into its message, so the command line can print it as the one line it needs.
The command line maps every :class:`ProtectionError` to exit code 2.
"""

from __future__ import annotations


class ProtectionError(ValueError):
    """Base of every error the protection module raises on bad input."""


class DatasetError(ProtectionError):
    """A statistics file cannot be read as the dataset it claims to be.

    ``source`` names the file (or ``"<text>"``) and ``line`` the 1-based line of the problem.
    """

    def __init__(self, message: str, *, line: int | None = None, source: str | None = None) -> None:
        self.line = line
        self.source = source
        self.reason = message
        where = ":".join(part for part in (source, f"line {line}" if line else None) if part)
        super().__init__(f"{where}: {message}" if where else message)


class FormatError(DatasetError):
    """The content is neither a Eurostat bulk TSV, an SDMX-CSV nor a JSON-stat 2.0 document."""


class WrongDatasetError(DatasetError):
    """The file is readable but holds another dataset than the one it was given as."""


class UnknownCodeError(DatasetError):
    """A dimension code that is not in the dataset's code list."""


class BrokenRowError(DatasetError):
    """A row whose cells are missing or whose value is not a number with flags."""


class StatisticsError(ProtectionError):
    """The observations cannot answer the question (no such year, no such dimension)."""


class TemporaryProtectionError(ProtectionError):
    """An activation that is not in the rules, or a date before its implementing decision."""


class BurdenSharingError(ProtectionError):
    """Inputs to a burden-sharing key that cannot be used; ``line`` names the CSV line if any."""

    def __init__(self, message: str, *, line: int | None = None) -> None:
        self.line = line
        super().__init__(f"line {line}: {message}" if line else message)


class RecordInvalid(ProtectionError):
    """A field of a registration, decision or review input is wrong; ``field`` names it (dotted path).

    The web layer turns it into a 422 problem document naming the field.
    """

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


class RegistrationInvalid(RecordInvalid):
    """A registration field is missing or malformed."""


class DecisionInvalid(RecordInvalid):
    """A decision the registration cannot take (unknown outcome, date before registration, already final)."""


class ReviewInvalid(RecordInvalid):
    """A review decision on an item that is no longer pending, or a malformed duplicate-detection document."""


class DatasetNotFound(LookupError):
    """No stored import of the dataset (or no import with that id)."""


class RegistrationNotFound(LookupError):
    """No registration with that id."""


class ReviewItemNotFound(LookupError):
    """No review item with that id."""
