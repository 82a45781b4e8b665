"""The law kernel: citations, dated parameters, rules that decide with reasons, scenario tests.

Every module that applies law builds on these few types (in the manner of OpenFisca and Catala):

- :class:`Citation` names the source of a rule: code, article, part, point, the law's version by
  date, the source address and whether the text was checked against the official publication.
- :class:`Parameter` is a value that changes by date (a deadline, a threshold), loaded from YAML and
  keyed by effective date; each value carries its citation.
- A rule is a plain function that returns a :class:`Decision`: ``allowed`` plus the
  :class:`Reason` list that explains it in Russian, Kazakh and English.
- :mod:`qorgau.kernel.law.scenarios` runs YAML scenario files (input facts → expected output) that
  a lawyer can read and extend.
"""

from qorgau.kernel.law.model import (
    LANGUAGES,
    Citation,
    Decision,
    LawError,
    LocalizedText,
    Parameter,
    ParameterSet,
    ParameterValue,
    Reason,
    load_parameters,
    load_yaml,
)

__all__ = [
    "LANGUAGES",
    "Citation",
    "Decision",
    "LawError",
    "LocalizedText",
    "Parameter",
    "ParameterSet",
    "ParameterValue",
    "Reason",
    "load_parameters",
    "load_yaml",
]
