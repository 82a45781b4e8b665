"""The interpreter requirement of a case participant (переводчик / аудармашы), and what it does to
the assessment.

The judgement whether a person speaks the language of proceedings — and which procedural rights a
foreign participant has — belongs to the ``foreigners`` module
(:func:`qorgau.foreigners.participant_requirements_for`, reading the people registry and the
migration records). This module only combines its answer with the rule of issue 4:

- a participant who **does not speak the language of proceedings** gets an interpreter
  (``basis = "language"``; foreigners: CPC art. 30 part 3) — also when the registry does not record
  the person's languages (``"languages_unknown"``: an interpreter until someone asks), unless the
  case itself states that he speaks it (the investigator's statement at registration stands in for
  the missing record; a recorded language list always wins over it);
- a **foreign citizen** (a citizenship other than Kazakhstan's, and not also a citizen of
  Kazakhstan, whose foreign citizenship is not recognised) is offered an interpreter even when the
  registry says he speaks the language (``"foreign_citizen"``): the right to testify in one's own
  language and to a free interpreter is explained to him and honoured on request;
- for the eligibility rules (the accelerated investigation needs every suspect to speak the
  language), a linked person whose *recorded* languages do not include the language of proceedings
  counts as not speaking it, whatever the registration form said (:func:`apply_to_facts`).
  Unknown languages do not close a form: that would punish a missing record.

>>> requirement = interpreter_requirement(
...     position=1, role="suspect", person_id="p1", language="ru",
...     interpreter_needed=False, languages=("ru", "uz"), citizenships=("UZ",))
>>> requirement.required, requirement.basis, requirement.speaks_language
(True, 'foreign_citizen', True)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from qorgau.cases.domain.errors import InvalidCaseInput
from qorgau.kernel.law import LocalizedText, Reason

#: The languages a criminal case may be conducted in (UPK RK art. 30 part 1: the state language;
#: Russian is officially used on a par with it). The register's default is Russian.
LANGUAGES_OF_PROCEEDINGS = ("kk", "ru")
DEFAULT_LANGUAGE_OF_PROCEEDINGS = "ru"
LANGUAGE_TITLES: dict[str, LocalizedText] = {
    "kk": LocalizedText("казахский", "қазақ тілі", "Kazakh"),
    "ru": LocalizedText("русский", "орыс тілі", "Russian"),
}
KAZAKHSTAN = "KZ"

Basis = Literal["language", "languages_unknown", "foreign_citizen"]

BASIS_TITLES: dict[str, LocalizedText] = {
    "language": LocalizedText(
        "не владеет языком судопроизводства: переводчик обязателен",
        "іс жүргізу тілін білмейді: аудармашы міндетті",
        "does not speak the language of proceedings: an interpreter is required",
    ),
    "languages_unknown": LocalizedText(
        "языки лица не записаны: переводчик до выяснения",
        "адамның тілдері жазылмаған: анықталғанға дейін аудармашы",
        "the person's languages are not recorded: an interpreter until it is found out",
    ),
    "foreign_citizen": LocalizedText(
        "иностранный гражданин: разъяснить право на бесплатного переводчика и предоставить по просьбе",
        "шетел азаматы: тегін аудармашыға құқығын түсіндіру және өтініші бойынша беру",
        "foreign citizen: explain the right to a free interpreter and provide one on request",
    ),
}


@dataclass(frozen=True)
class InterpreterRequirement:
    """What the case owes participant ``position`` for language, on the ``foreigners`` answer."""

    position: int
    role: str
    person_id: str
    language: str
    required: bool
    basis: Basis | None
    speaks_language: bool | None
    foreign_citizen: bool
    consular_notification_due: bool = False
    reasons: tuple[Reason, ...] = field(default=())
    procedural_rights: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {
            "position": self.position,
            "role": self.role,
            "person_id": self.person_id,
            "language_of_proceedings": self.language,
            "interpreter_required": self.required,
            "basis": self.basis,
            "basis_text": BASIS_TITLES[self.basis].to_dict() if self.basis else None,
            "speaks_language": self.speaks_language,
            "foreign_citizen": self.foreign_citizen,
            "consular_notification_due": self.consular_notification_due,
            "procedural_rights": list(self.procedural_rights),
            "reasons": [reason.to_dict() for reason in self.reasons],
        }


def is_foreign_citizen(citizenships: Iterable[str]) -> bool:
    """A citizen of another state and not of Kazakhstan (whose other citizenship is not recognised)."""
    codes = {code.strip().upper() for code in citizenships if code and code.strip()}
    return bool(codes) and KAZAKHSTAN not in codes


def interpreter_requirement(
    *,
    position: int,
    role: str,
    person_id: str,
    language: str,
    interpreter_needed: bool,
    languages: Sequence[str],
    citizenships: Sequence[str],
    consular_notification_due: bool = False,
    reasons: Sequence[Reason] = (),
    procedural_rights: Sequence[str] = (),
    stated_speaks: bool | None = None,
) -> InterpreterRequirement:
    """Combine the ``foreigners`` answer (``interpreter_needed``, its reasons) with the person's
    recorded ``languages`` and ``citizenships`` into the requirement the case shows.

    ``stated_speaks`` is what the case says (``speaks_language_of_proceedings`` of the participant):
    it decides only when the registry records no languages."""
    recorded = tuple(code.strip().lower() for code in languages if code and code.strip())
    speaks: bool | None = None if not recorded else not interpreter_needed
    foreign = is_foreign_citizen(citizenships)
    basis: Basis | None
    if not recorded and stated_speaks is not None:
        speaks = stated_speaks
    if interpreter_needed and not recorded and stated_speaks is True:
        basis = "foreign_citizen" if foreign else None
    elif interpreter_needed or (not recorded and stated_speaks is False):
        basis = "language" if recorded or stated_speaks is False else "languages_unknown"
    elif foreign:
        basis = "foreign_citizen"
    else:
        basis = None
    return InterpreterRequirement(
        position=position,
        role=role,
        person_id=person_id,
        language=language,
        required=basis is not None,
        basis=basis,
        speaks_language=speaks,
        foreign_citizen=foreign,
        consular_notification_due=consular_notification_due,
        reasons=tuple(reasons),
        procedural_rights=tuple(procedural_rights),
    )


def apply_to_facts(
    facts_document: Mapping[str, Any], requirements: Iterable[InterpreterRequirement]
) -> dict[str, Any]:
    """The assessment input with ``speaks_language_of_proceedings: false`` for every person whose
    recorded languages exclude the language of proceedings (a copy; the input is unchanged)."""
    silent = {item.position for item in requirements if item.speaks_language is False}
    persons = facts_document.get("persons", [])
    if not silent or not isinstance(persons, list):
        return dict(facts_document)
    adjusted = [
        {**person, "speaks_language_of_proceedings": False}
        if position in silent and isinstance(person, Mapping)
        else person
        for position, person in enumerate(persons, start=1)
    ]
    return {**facts_document, "persons": adjusted}


def parse_language_of_proceedings(value: Any, field: str = "language_of_proceedings") -> str:
    """``"kk"`` or ``"ru"`` (None: the default, Russian); :class:`InvalidCaseInput` otherwise."""
    if value is None:
        return DEFAULT_LANGUAGE_OF_PROCEEDINGS
    if not isinstance(value, str) or value.strip().lower() not in LANGUAGES_OF_PROCEEDINGS:
        raise InvalidCaseInput(field, f"{value!r} is not a language of proceedings (one of: kk, ru)")
    return value.strip().lower()
