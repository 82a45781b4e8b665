"""Synthetic case registers and case materials for the benchmarks (``bench/cases_search.py``,
``bench/cases_stats.py``) — generated, never copied from real cases.

Material texts are drawn from a vocabulary built from the project's own Russian and Kazakh text:
the ``msgstr`` lines of every module's ``ru`` and ``kk`` catalogs and the ``ru:``/``kk:`` lines of the
YAML rule and template files shipped in the package. Words are given Zipf-like frequencies (the
``r``-th word of a seeded shuffle has weight ``1 / r``), as words of a language have, so a query
meets both very common and rare words. Nothing here is a fact about a real person or case.

Rows come out as tuples in the column order of the ``*_COLUMNS`` strings, ready for PostgreSQL's
``COPY … FROM STDIN`` (:func:`copy_text`).

>>> words = vocabulary()
>>> len(words["ru"]) > 500 and len(words["kk"]) > 500
True
>>> generator = MaterialGenerator(seed=1)
>>> title, text, language = generator.material()
>>> language in ("ru", "kk") and len(text.split()) >= 12
True
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import random
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from qorgau.cases.domain.agreements import AgreementKind
from qorgau.cases.domain.erdr import ErdrNumber
from qorgau.cases.domain.forms import ProceedingForm
from qorgau.cases.domain.regions import REGIONS
from qorgau.cases.domain.registration import RegistrationReason

PACKAGE = Path(__file__).resolve().parents[1]
_WORD = re.compile(r"[а-яёәғқңөұүһі]{3,}")
_YAML_TEXT = re.compile(r"^\s*(ru|kk):\s*(.+)$")
LANGUAGES = ("ru", "kk")

CASE_COLUMNS = (
    "id, number, year, region, authority, unit, serial, registered_at, registered_on, reason, title, "
    "facts, form, form_decided_at, status, completed_at, sent_to_court_at, created_by, created_at"
)
AGREEMENT_COLUMNS = (
    "id, case_id, kind, state, participant_position, forwarding_days, history, created_at, updated_at"
)
ENTRY_COLUMNS = (
    "id, case_id, leaf_index, kind, title, filename, media_type, size, sha256, storage_path, leaf_time, "
    "leaf_hash, text, search_text, added_at, added_by"
)

# Shares seen in practice are not published per form; these only make every row of the statistics
# non-empty and uneven (the seed's Zhambyl share of accelerated cases, 19.6 %, among them).
FORM_WEIGHTS: dict[str | None, float] = {
    ProceedingForm.INVESTIGATION.value: 0.30,
    ProceedingForm.INQUIRY.value: 0.20,
    ProceedingForm.ACCELERATED.value: 0.196,
    ProceedingForm.PROTOCOL.value: 0.15,
    ProceedingForm.WRIT.value: 0.05,
    None: 0.104,
}
AGREEMENT_SHARE = 0.18
SECOND_AGREEMENT_SHARE = 0.1
MATERIAL_TITLES = {
    "ru": (
        "Протокол допроса свидетеля",
        "Протокол допроса потерпевшего",
        "Протокол осмотра места происшествия",
        "Заключение эксперта",
        "Рапорт об обнаружении признаков правонарушения",
        "Заявление потерпевшего",
        "Справка о стоимости имущества",
        "Протокол выемки",
    ),
    "kk": (
        "Куәдан жауап алу хаттамасы",
        "Жәбірленушіден жауап алу хаттамасы",
        "Оқиға орнын қарау хаттамасы",
        "Сарапшының қорытындысы",
        "Құқық бұзушылық белгілерін анықтау туралы баянат",
        "Жәбірленушінің арызы",
        "Мүліктің құны туралы анықтама",
        "Алу хаттамасы",
    ),
}


def _texts_of(path: Path) -> Iterator[tuple[str, str]]:
    """``(language, text)`` of the Russian and Kazakh lines of a catalog or a YAML file."""
    if path.suffix == ".po":
        language = path.parts[-3]
        if language not in LANGUAGES:
            return
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith("msgstr") or (line.startswith('"') and not line.startswith('""')):
                yield language, line
    else:
        for line in path.read_text(encoding="utf-8").splitlines():
            match = _YAML_TEXT.match(line)
            if match:
                yield match.group(1), match.group(2)


@cache
def vocabulary(root: Path = PACKAGE) -> dict[str, tuple[str, ...]]:
    """The distinct words (3 letters or more, lower case) of the project's ru and kk texts, sorted."""
    words: dict[str, set[str]] = {language: set() for language in LANGUAGES}
    paths = sorted([*root.rglob("*.po"), *root.rglob("*.yaml")])
    for path in paths:
        for language, text in _texts_of(path):
            words[language].update(_WORD.findall(text.lower()))
    return {language: tuple(sorted(found)) for language, found in words.items()}


def _zipf(words: Sequence[str], rng: random.Random) -> tuple[list[str], list[float]]:
    ordered = list(words)
    rng.shuffle(ordered)
    return ordered, list(itertools.accumulate(1.0 / rank for rank in range(1, len(ordered) + 1)))


class MaterialGenerator:
    """Titles and texts of case materials in Russian (70 %) and Kazakh (30 %), 12–60 words each."""

    def __init__(
        self, seed: int, *, kazakh_share: float = 0.3, words: Mapping[str, Sequence[str]] | None = None
    ) -> None:
        """``words``: the vocabulary by language (default :func:`vocabulary`). It changes whenever a
        catalog or rule text does, so a stored data set keeps the vocabulary it was generated from."""
        self.rng = random.Random(seed)
        self.kazakh_share = kazakh_share
        chosen = words if words is not None else vocabulary()
        self.pools = {language: _zipf(sorted(chosen[language]), self.rng) for language in LANGUAGES}

    def ranked(self, language: str) -> list[str]:
        """The language's words, most frequent first."""
        return self.pools[language][0]

    def words(self, language: str, count: int) -> list[str]:
        ordered, cumulative = self.pools[language]
        return self.rng.choices(ordered, cum_weights=cumulative, k=count)

    def material(self) -> tuple[str, str, str]:
        """``(title, text, language)`` of one material."""
        rng = self.rng
        language = "kk" if rng.random() < self.kazakh_share else "ru"
        title = rng.choice(MATERIAL_TITLES[language])
        sentences = []
        remaining = rng.randint(12, 60)
        while remaining > 0:
            length = min(remaining, rng.randint(5, 14))
            sentence = self.words(language, length)
            if rng.random() < 0.15:
                sentence.insert(rng.randrange(len(sentence)), str(rng.randint(1, 2026)))
            sentences.append(" ".join(sentence).capitalize() + ".")
            remaining -= length
        return title, " ".join(sentences), language


@dataclass(frozen=True)
class SyntheticCase:
    id: int
    number: ErdrNumber
    registered_at: dt.datetime
    reason: str
    form: str | None
    status: str
    agreements: tuple[str, ...]

    @property
    def registered_on(self) -> dt.date:
        return (self.registered_at + dt.timedelta(hours=5)).date()


def generate_cases(
    count: int, *, seed: int, first_year: int = 2021, years: int = 6
) -> Iterator[SyntheticCase]:
    """``count`` cases registered over ``years`` years from ``first_year``, in every region, with
    forms, statuses and agreements spread unevenly (see :data:`FORM_WEIGHTS`)."""
    rng = random.Random(seed)
    serials: dict[tuple[int, int, int], int] = {}
    forms = list(FORM_WEIGHTS)
    form_weights = list(FORM_WEIGHTS.values())
    region_weights = [1.0 + (index % 5) for index in range(len(REGIONS))]
    reasons = [reason.value for reason in RegistrationReason]
    kinds = [kind.value for kind in AgreementKind]
    start = dt.datetime(first_year, 1, 1, tzinfo=dt.UTC)
    span = int(dt.timedelta(days=365 * years).total_seconds())
    for case_id in range(1, count + 1):
        region = rng.choices(REGIONS, weights=region_weights)[0].code
        registered_at = start + dt.timedelta(seconds=rng.randrange(span))
        authority = rng.choice((1, 1, 1, 2, 3, 4, 5, 6))
        key = (registered_at.year, region, authority)
        serials[key] = serial = serials.get(key, 0) + 1
        unit = 0
        form = rng.choices(forms, weights=form_weights)[0]
        status = "registered" if form is None else rng.choice(("investigating", "completed", "sent_to_court"))
        agreements: tuple[str, ...] = ()
        if form is not None and rng.random() < AGREEMENT_SHARE:
            first = rng.choice(kinds)
            agreements = (first,)
            if rng.random() < SECOND_AGREEMENT_SHARE:
                agreements += (rng.choice([kind for kind in kinds if kind != first]),)
        yield SyntheticCase(
            case_id,
            ErdrNumber(registered_at.year, region, authority, unit, serial),
            registered_at,
            rng.choice(reasons),
            form,
            status,
            agreements,
        )


def case_row(case: SyntheticCase) -> tuple[object, ...]:
    """The ``cases_cases`` row (columns :data:`CASE_COLUMNS`)."""
    number = case.number
    moment = case.registered_at.isoformat()
    facts = json.dumps(
        {
            "date": case.registered_on.isoformat(),
            "offences": [{"article": "188", "part": "1", "category": "minor"}],
            "persons": [{"role": "suspect", "age": 30}],
        }
    )
    decided = (case.registered_at + dt.timedelta(days=2)).isoformat() if case.form else None
    done = case.status in ("completed", "sent_to_court")
    completed = (case.registered_at + dt.timedelta(days=20)).isoformat() if done else None
    in_court = (
        (case.registered_at + dt.timedelta(days=25)).isoformat() if case.status == "sent_to_court" else None
    )
    return (
        case.id,
        number.digits,
        number.year,
        number.region,
        number.authority,
        number.unit,
        number.serial,
        moment,
        case.registered_on.isoformat(),
        case.reason,
        "ст. 188 ч. 1 УК",
        facts,
        case.form,
        decided,
        case.status,
        completed,
        in_court,
        "bench",
        moment,
    )


def agreement_rows(cases: Iterable[SyntheticCase], first_id: int = 1) -> Iterator[tuple[object, ...]]:
    """The ``cases_agreements`` rows of ``cases`` (columns :data:`AGREEMENT_COLUMNS`)."""
    ids = itertools.count(first_id)
    for case in cases:
        for kind in case.agreements:
            moment = (case.registered_at + dt.timedelta(days=5)).isoformat()
            history = json.dumps([{"state": "petition", "at": moment, "note": ""}])
            yield (next(ids), case.id, kind, "petition", 1, 3, history, moment, moment)


def copy_text(rows: Iterable[Sequence[object]]) -> str:
    """Rows in PostgreSQL's COPY text format (``\\N`` for NULL; tabs, newlines and backslashes escaped)."""
    return "".join("\t".join(_copy_value(value) for value in row) + "\n" for row in rows)


def _copy_value(value: object) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    return str(value).replace("\\", "\\\\").replace("\t", " ").replace("\n", " ").replace("\r", " ")
