"""The errors of the image module: every one names what is wrong and where.

::

    ImageError                      anything the image module rejects (a ValueError)
    ├── ScaleFileError              the scale file is malformed (names the scale and field)
    ├── SurveyError                 the survey cannot be analysed
    │   ├── SurveyFormatError       the file cannot be read as a survey table
    │   ├── MissingColumnsError     columns named by the scale file are absent
    │   ├── InvalidAnswerError      an answer is not a whole number in 1..7 (names column and row)
    │   └── NoRatedObjectsError     no object has a single answer (or the ideal has none)
    ├── FactorAnalysisError         too few scales or answers to extract E, P, A from the data
    ├── SpeechError                 a speech cannot be analysed
    │   ├── EmptyTextError          the text has no words
    │   ├── BinaryTextError         the file is not text (NUL bytes, not UTF-8)
    │   └── WrongLanguageError      the text is in another language than asked
    ├── LexiconError                a category lexicon is malformed
    └── ReportError                 a report cannot be written (nothing partial is left behind)

The command line maps every :class:`ImageError` to exit code 2 with its message on one line.
"""

from __future__ import annotations


class ImageError(ValueError):
    """Base of every error the image module raises on bad input."""


class ScaleFileError(ImageError):
    """The scale file (YAML) does not follow the contract."""


class SurveyError(ImageError):
    """The survey table cannot be analysed."""


class SurveyFormatError(SurveyError):
    """The file cannot be read as a survey table (wrong format, empty, duplicate headers)."""


class MissingColumnsError(SurveyError):
    """Columns that the scale file names are not in the survey table."""

    def __init__(self, missing: list[str]) -> None:
        self.missing = tuple(missing)
        shown = "; ".join(missing[:8]) + (f"; and {len(missing) - 8} more" if len(missing) > 8 else "")
        super().__init__(f"missing column(s) in the survey: {shown}")


class InvalidAnswerError(SurveyError):
    """Answers that are not whole numbers from 1 to 7 (each problem names column and row)."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = tuple(problems)
        shown = "; ".join(problems[:5]) + (f"; and {len(problems) - 5} more" if len(problems) > 5 else "")
        super().__init__(f"invalid answer(s): {shown}")


class NoRatedObjectsError(SurveyError):
    """No object was rated by anyone, or the ideal (the reference object) has no answers."""


class FactorAnalysisError(ImageError):
    """E, P and A cannot be extracted from the data (too few scales or complete answers)."""


class SpeechError(ImageError):
    """A speech text cannot be analysed."""


class EmptyTextError(SpeechError):
    """The text is empty or holds no words."""


class BinaryTextError(SpeechError):
    """The file is not a UTF-8 text (NUL bytes, undecodable bytes, control characters)."""


class WrongLanguageError(SpeechError):
    """The text is written in another language than the one asked for."""

    def __init__(self, message: str, *, expected: str, detected: str) -> None:
        self.expected = expected
        self.detected = detected
        super().__init__(message)


class LexiconError(ImageError):
    """A category lexicon does not follow its format."""


class ReportError(ImageError):
    """A report cannot be produced; no partial file is left behind."""
