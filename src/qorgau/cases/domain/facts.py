"""The facts of a case that the eligibility rules read, and their strict parsing from JSON.

Input (the ``qorgau cases assess`` contract; optional fields in brackets, with their defaults)::

    {"date": "2026-11-25",                       the day the assessment is made (YYYY-MM-DD)
     "offences": [{"article": "188", ["part": "1"],
                   "category": "minor"           misdemeanour | minor | medium | grave | especially_grave,
                                                 or instead, to derive it from the sanction:
                   ["intent": "intentional" | "negligent", "max_imprisonment_years": 5,
                    "life_imprisonment": false, "restriction_of_liberty": false],
                   ["sanction_includes_fine": null],   true/false; null: not stated
                   ["committed_on": the assessment date]},   picks the Criminal Code version
                  ...],                          at least one offence
     "persons": [{"role": "suspect",             suspect | accused | victim | witness | defender |
                                                 interpreter | legal_representative
                  "age": 34,                     required for a suspect or accused
                  ["has_defender": false], ["speaks_language_of_proceedings": true],
                  ["immunity": null],            null | mp | constitutional_court_judge | judge |
                                                 prosecutor_general | diplomat
                  ["admits_guilt": false], ["disputes_damage": false],
                  ["disputes_qualification": false], ["mentally_ill": false],
                  ["can_defend_himself_alone": null],   for a minor: true only if he can
                  ["disputed_offences": []]},    indexes into "offences" he does not agree with
                 ...],
     ["offender_identified": false],             evidence establishes the offence and its author
     ["cooperation_purpose": null],              criminal_group | especially_grave_crimes_of_others |
                                                 extremist_or_terrorist_crimes
     ["illegally_acquired_assets": false],       assets to return exist (asset-return agreement)
     ["affects_rights_of_others": false]}        a plea agreement would affect non-parties' rights

Every problem raises :class:`InvalidCaseInput` naming the field, e.g.
``offences[0].category: unknown value 'big'``. Unknown fields are refused, so a typo does not
silently become a default — except the registration fields (``region``, ``reason``, …) that
``qorgau cases register`` adds to the same document.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any, TypeVar

from qorgau.cases.domain.categories import Intent, OffenceCategory, Sanction
from qorgau.cases.domain.errors import InvalidCaseInput
from qorgau.kernel.law import LocalizedText

E = TypeVar("E", bound=StrEnum)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ARTICLE = re.compile(r"\d{1,3}(-\d{1,2})?")
_PART = re.compile(r"\d{1,2}(-\d{1,2})?")
MAJORITY_AGE = 18

#: Fields of the registration document that assessment reads past (``qorgau cases register``).
REGISTRATION_FIELDS = frozenset(
    {
        "region",
        "reason",
        "registered_at",
        "authority",
        "unit",
        "investigator",
        "prosecutor",
        "number",
        "title",
        "language_of_proceedings",
    }
)


class Role(StrEnum):
    SUSPECT = "suspect"
    ACCUSED = "accused"
    VICTIM = "victim"
    WITNESS = "witness"
    DEFENDER = "defender"
    INTERPRETER = "interpreter"
    LEGAL_REPRESENTATIVE = "legal_representative"


PROSECUTED_ROLES = frozenset({Role.SUSPECT, Role.ACCUSED})

ROLE_TITLES: dict[str, LocalizedText] = {
    "suspect": LocalizedText("подозреваемый", "күдікті", "suspect"),
    "accused": LocalizedText("обвиняемый", "айыпталушы", "accused"),
    "victim": LocalizedText("потерпевший", "жәбірленуші", "victim"),
    "witness": LocalizedText("свидетель", "куә", "witness"),
    "defender": LocalizedText("защитник", "қорғаушы", "defender"),
    "interpreter": LocalizedText("переводчик", "аудармашы", "interpreter"),
    "legal_representative": LocalizedText("законный представитель", "заңды өкіл", "legal representative"),
}


class Immunity(StrEnum):
    MP = "mp"
    CONSTITUTIONAL_COURT_JUDGE = "constitutional_court_judge"
    JUDGE = "judge"
    PROSECUTOR_GENERAL = "prosecutor_general"
    DIPLOMAT = "diplomat"


IMMUNITY_TITLES: dict[Immunity, LocalizedText] = {
    Immunity.MP: LocalizedText("депутат Парламента", "Парламент депутаты", "member of Parliament"),
    Immunity.CONSTITUTIONAL_COURT_JUDGE: LocalizedText(
        "судья Конституционного Суда", "Конституциялық Сот судьясы", "judge of the Constitutional Court"
    ),
    Immunity.JUDGE: LocalizedText("судья", "судья", "judge"),
    Immunity.PROSECUTOR_GENERAL: LocalizedText("Генеральный Прокурор", "Бас Прокурор", "Prosecutor General"),
    Immunity.DIPLOMAT: LocalizedText("дипломат", "дипломат", "diplomat"),
}


class CooperationPurpose(StrEnum):
    """What a cooperation agreement's suspect helps uncover (UPK RK art. 612 part 1 p. 2)."""

    CRIMINAL_GROUP = "criminal_group"
    ESPECIALLY_GRAVE_CRIMES_OF_OTHERS = "especially_grave_crimes_of_others"
    EXTREMIST_OR_TERRORIST_CRIMES = "extremist_or_terrorist_crimes"


@dataclass(frozen=True)
class Offence:
    """One offence of the case: an article (and part) of the Criminal Code."""

    article: str
    part: str | None = None
    category: OffenceCategory | None = None
    sanction: Sanction | None = None
    sanction_includes_fine: bool | None = None
    committed_on: dt.date | None = None

    def label(self) -> LocalizedText:
        """``ст. 188 ч. 1 УК`` / ``ҚК 188-бабының 1-бөлігі`` / ``CC art. 188 part 1``."""
        if self.part:
            return LocalizedText(
                f"ст. {self.article} ч. {self.part} УК",
                f"ҚК {self.article}-бабының {self.part}-бөлігі",
                f"CC art. {self.article} part {self.part}",
            )
        return LocalizedText(f"ст. {self.article} УК", f"ҚК {self.article}-бабы", f"CC art. {self.article}")


@dataclass(frozen=True)
class Person:
    """A participant; ``number`` is the 1-based position in the input, used to name him in texts."""

    number: int
    role: Role
    age: int | None = None
    has_defender: bool = False
    speaks_language_of_proceedings: bool = True
    immunity: Immunity | None = None
    admits_guilt: bool = False
    disputes_damage: bool = False
    disputes_qualification: bool = False
    mentally_ill: bool = False
    can_defend_himself_alone: bool | None = None
    disputed_offences: tuple[int, ...] = ()

    @property
    def is_prosecuted(self) -> bool:
        """A suspect or an accused: the person the proceedings are against."""
        return self.role in PROSECUTED_ROLES

    @property
    def is_minor(self) -> bool:
        return self.age is not None and self.age < MAJORITY_AGE


@dataclass(frozen=True)
class CaseFacts:
    """Everything the form and agreement rules read."""

    date: dt.date
    offences: tuple[Offence, ...]
    persons: tuple[Person, ...] = ()
    offender_identified: bool = False
    cooperation_purpose: CooperationPurpose | None = None
    illegally_acquired_assets: bool = False
    affects_rights_of_others: bool = False

    @property
    def prosecuted(self) -> tuple[Person, ...]:
        """Every suspect and accused, in input order."""
        return tuple(person for person in self.persons if person.is_prosecuted)


_TOP_FIELDS = {
    "date",
    "offences",
    "persons",
    "offender_identified",
    "cooperation_purpose",
    "illegally_acquired_assets",
    "affects_rights_of_others",
}
_OFFENCE_FIELDS = {
    "article",
    "part",
    "category",
    "intent",
    "max_imprisonment_years",
    "life_imprisonment",
    "restriction_of_liberty",
    "sanction_includes_fine",
    "committed_on",
}
_PERSON_FIELDS = {
    "role",
    "age",
    "has_defender",
    "speaks_language_of_proceedings",
    "immunity",
    "admits_guilt",
    "disputes_damage",
    "disputes_qualification",
    "mentally_ill",
    "can_defend_himself_alone",
    "disputed_offences",
}


def parse_case_facts(document: Any) -> CaseFacts:
    """Validate and read the assessment input; :class:`InvalidCaseInput` names the first bad field."""
    if not isinstance(document, Mapping):
        raise InvalidCaseInput("(document)", "expected a JSON object")
    _refuse_unknown(document, _TOP_FIELDS | REGISTRATION_FIELDS, "")
    on = parse_iso_date(_required(document, "date", ""), "date")
    raw_offences = _required(document, "offences", "")
    if not isinstance(raw_offences, list):
        raise InvalidCaseInput("offences", "expected a list")
    if not raw_offences:
        raise InvalidCaseInput("offences", "at least one offence is required")
    offences = tuple(_parse_offence(item, f"offences[{i}]") for i, item in enumerate(raw_offences))
    raw_persons = document.get("persons", [])
    if not isinstance(raw_persons, list):
        raise InvalidCaseInput("persons", "expected a list")
    persons = tuple(_parse_person(item, i, len(offences)) for i, item in enumerate(raw_persons))
    return CaseFacts(
        date=on,
        offences=offences,
        persons=persons,
        offender_identified=_boolean(document, "offender_identified", "", default=False),
        cooperation_purpose=_enum_or_none(document, "cooperation_purpose", "", CooperationPurpose),
        illegally_acquired_assets=_boolean(document, "illegally_acquired_assets", "", default=False),
        affects_rights_of_others=_boolean(document, "affects_rights_of_others", "", default=False),
    )


def parse_iso_date(value: Any, field: str) -> dt.date:
    """A ``YYYY-MM-DD`` date (only that form: not ``20261125``, not a date-time)."""
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        raise InvalidCaseInput(field, f"{value!r} is not a date in the form YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidCaseInput(field, f"{value!r} is not a valid calendar date") from None


def _parse_offence(item: Any, where: str) -> Offence:
    if not isinstance(item, Mapping):
        raise InvalidCaseInput(where, "expected an object")
    _refuse_unknown(item, _OFFENCE_FIELDS, where)
    article = _code_number(_required(item, "article", where), f"{where}.article", _ARTICLE)
    part = item.get("part")
    part = None if part is None else _code_number(part, f"{where}.part", _PART)
    category = _enum_or_none(item, "category", where, OffenceCategory)
    sanction = _parse_sanction(item, where)
    if category is None and sanction is None:
        raise InvalidCaseInput(
            f"{where}.category",
            "required, unless 'intent' and 'max_imprisonment_years' are given to derive it",
        )
    committed = item.get("committed_on")
    return Offence(
        article=article,
        part=part,
        category=category,
        sanction=sanction,
        sanction_includes_fine=_boolean_or_none(item, "sanction_includes_fine", where),
        committed_on=None if committed is None else parse_iso_date(committed, f"{where}.committed_on"),
    )


def _parse_sanction(item: Mapping[str, Any], where: str) -> Sanction | None:
    given = [key for key in ("intent", "max_imprisonment_years") if key in item]
    extras = [key for key in ("life_imprisonment", "restriction_of_liberty") if key in item]
    if not given and not extras:
        return None
    if len(given) < 2:
        missing = "max_imprisonment_years" if "intent" in item else "intent"
        raise InvalidCaseInput(f"{where}.{missing}", "required to derive the category from the sanction")
    intent = _enum_or_none(item, "intent", where, Intent)
    years = item["max_imprisonment_years"]
    if isinstance(years, bool) or not isinstance(years, int | float | str):
        raise InvalidCaseInput(f"{where}.max_imprisonment_years", f"{years!r} is not a number of years")
    try:
        amount = Decimal(str(years))
    except InvalidOperation:
        raise InvalidCaseInput(
            f"{where}.max_imprisonment_years", f"{years!r} is not a number of years"
        ) from None
    if not amount.is_finite() or not 0 <= amount <= 30:
        raise InvalidCaseInput(f"{where}.max_imprisonment_years", f"{years!r} must be between 0 and 30")
    assert intent is not None  # "intent" is present, so the enum parse returned a value or raised
    return Sanction(
        intent=intent,
        max_imprisonment_years=amount,
        life_imprisonment=_boolean(item, "life_imprisonment", where, default=False),
        restriction_of_liberty=_boolean(item, "restriction_of_liberty", where, default=False),
    )


def _parse_person(item: Any, index: int, offence_count: int) -> Person:
    where = f"persons[{index}]"
    if not isinstance(item, Mapping):
        raise InvalidCaseInput(where, "expected an object")
    _refuse_unknown(item, _PERSON_FIELDS, where)
    role = _enum_or_none(item, "role", where, Role)
    if role is None:
        raise InvalidCaseInput(f"{where}.role", "required")
    age = item.get("age")
    if age is None and role in PROSECUTED_ROLES:
        raise InvalidCaseInput(f"{where}.age", f"required for a {role.value}")
    if age is not None and (isinstance(age, bool) or not isinstance(age, int) or not 0 <= age <= 130):
        raise InvalidCaseInput(f"{where}.age", f"{age!r} is not an age in whole years (0–130)")
    disputed = item.get("disputed_offences", [])
    if not isinstance(disputed, list) or any(
        isinstance(i, bool) or not isinstance(i, int) or not 0 <= i < offence_count for i in disputed
    ):
        raise InvalidCaseInput(
            f"{where}.disputed_offences", f"expected a list of offence indexes 0–{offence_count - 1}"
        )
    return Person(
        number=index + 1,
        role=role,
        age=age,
        has_defender=_boolean(item, "has_defender", where, default=False),
        speaks_language_of_proceedings=_boolean(item, "speaks_language_of_proceedings", where, default=True),
        immunity=_enum_or_none(item, "immunity", where, Immunity),
        admits_guilt=_boolean(item, "admits_guilt", where, default=False),
        disputes_damage=_boolean(item, "disputes_damage", where, default=False),
        disputes_qualification=_boolean(item, "disputes_qualification", where, default=False),
        mentally_ill=_boolean(item, "mentally_ill", where, default=False),
        can_defend_himself_alone=_boolean_or_none(item, "can_defend_himself_alone", where),
        disputed_offences=tuple(sorted(set(disputed))),
    )


def _field(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _refuse_unknown(item: Mapping[str, Any], known: set[str] | frozenset[str], where: str) -> None:
    unknown = sorted(str(key) for key in item if key not in known)
    if unknown:
        raise InvalidCaseInput(_field(where, unknown[0]), "unknown field")


def _required(item: Mapping[str, Any], key: str, where: str) -> Any:
    if key not in item or item[key] is None:
        raise InvalidCaseInput(_field(where, key), "required")
    return item[key]


def _code_number(value: Any, field: str, pattern: re.Pattern[str]) -> str:
    text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
    if not isinstance(text, str) or not pattern.fullmatch(text):
        raise InvalidCaseInput(field, f"{value!r} is not an article or part number (like '188' or '629-1')")
    return text


def _boolean(item: Mapping[str, Any], key: str, where: str, *, default: bool) -> bool:
    value = item.get(key, default)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise InvalidCaseInput(_field(where, key), f"{value!r} is not true or false")
    return value


def _boolean_or_none(item: Mapping[str, Any], key: str, where: str) -> bool | None:
    value = item.get(key)
    if value is not None and not isinstance(value, bool):
        raise InvalidCaseInput(_field(where, key), f"{value!r} is not true, false or null")
    return value


def _enum_or_none(item: Mapping[str, Any], key: str, where: str, kind: type[E]) -> E | None:
    value = item.get(key)
    if value is None:
        return None
    try:
        return kind(value)
    except (ValueError, TypeError):
        choices = ", ".join(member.value for member in kind)
        raise InvalidCaseInput(_field(where, key), f"unknown value {value!r} (one of: {choices})") from None
