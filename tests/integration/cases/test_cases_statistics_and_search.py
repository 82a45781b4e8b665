"""Statistics (the seed's Zhambyl figure from generated cases) and full-text search, on both stores."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from qorgau.cases.domain.errors import InvalidCaseInput
from qorgau.cases.service import (
    CaseArchive,
    do_add_material,
    do_choose_form,
    do_petition,
    do_register_case,
    search_materials,
    statistics,
)
from qorgau.kernel.audit.service import MissingLegalBasis
from qorgau.kernel.context import cli_principal
from qorgau.kernel.db import Database
from tests.integration.cases.conftest import Team, case_document

ALMATY_ZONE = ZoneInfo("Asia/Almaty")
PURPOSE = {"purpose": "searching the evidence", "legal_basis": "ERDR cases in my work"}


def generated_case(rng: random.Random, region: str, start: dt.date, days: int) -> dict[str, Any]:
    """A plausible registration: a minor or medium offence, one suspect who admits guilt."""
    on = start + dt.timedelta(days=rng.randrange(days))
    moment = dt.datetime.combine(on, dt.time(rng.randrange(8, 20), rng.randrange(60)), tzinfo=ALMATY_ZONE)
    article, category = rng.choice([("188", "minor"), ("190", "medium"), ("191", "minor"), ("293", "medium")])
    return {
        "date": on.isoformat(),
        "registered_at": moment.isoformat(),
        "offences": [{"article": article, "part": "1", "category": category}],
        "persons": [{"role": "suspect", "age": rng.randrange(18, 70), "admits_guilt": True}],
        "offender_identified": True,
        "region": region,
        "reason": rng.choice(["statement", "report", "official_report"]),
    }


def test_the_zhambyl_first_quarter_of_2020_gives_115_of_588_in_the_accelerated_form(
    any_db: Database, archive: CaseArchive
) -> None:
    """Seed: Zhambyl region, Q1 2020 — 588 cases, 115 of them in the abbreviated order = 19.6%."""
    rng = random.Random(2020)
    actor = cli_principal()
    q1 = dt.date(2020, 1, 1)
    forms = ["accelerated"] * 115 + ["investigation"] * 300 + ["inquiry"] * 120 + [None] * 53
    rng.shuffle(forms)
    plea_cases = set(rng.sample([i for i, form in enumerate(forms) if form != "accelerated"], 6))
    with any_db.session() as session:
        for number, form in enumerate(forms):
            case = do_register_case(session, actor, generated_case(rng, "zhambyl", q1, 91), archive)
            if form:
                do_choose_form(
                    session, actor, case.id, archive, form=form, motivation="Решение по материалам дела."
                )
            if number in plea_cases:
                do_petition(session, actor, case.id, archive, kind="plea")
        # Cases that must not count: another quarter, another region.
        for region, start in (("zhambyl", dt.date(2020, 4, 1)), ("almaty", q1)):
            for _ in range(40):
                case = do_register_case(session, actor, generated_case(rng, region, start, 90), archive)
                do_choose_form(
                    session, actor, case.id, archive, form="accelerated", motivation="Вина признана."
                )
    with any_db.session() as session:
        by_form = statistics(session, actor, by="form", region="zhambyl", period="2020-Q1")
        by_agreement = statistics(session, actor, by="agreement", region=31, period="2020-Q1")
        by_period = statistics(session, actor, by="period", region="Жамбылская область")
        by_region = statistics(session, actor, by="region", period="2020-Q1")
    accelerated = by_form.row("accelerated")
    assert by_form.total == 588 and accelerated is not None
    assert accelerated.count == 115 and accelerated.percent == 19.6
    assert abs(accelerated.share - 115 / 588) < 1e-12
    assert sum(row.count for row in by_form.rows) == 588
    assert by_agreement.row("plea").count == 6 and by_agreement.row("none").count == 582  # type: ignore[union-attr]
    assert [(row.key, row.count) for row in by_period.rows] == [("2020-Q1", 588), ("2020-Q2", 40)]
    assert {row.key: row.count for row in by_region.rows} == {"zhambyl": 588, "almaty": 40}
    csv_text = by_form.to_csv("ru")
    assert "accelerated,ускоренное досудебное расследование,115,19.6" in csv_text


def test_statistics_refuse_an_unknown_dimension_or_period(any_db: Database) -> None:
    with pytest.raises(InvalidCaseInput) as caught, any_db.session() as session:
        statistics(session, cli_principal(), by="colour")
    assert caught.value.field == "by"
    with pytest.raises(InvalidCaseInput) as caught, any_db.session() as session:
        statistics(session, cli_principal(), period="2020-Q5")
    assert caught.value.field == "period"


MATERIALS = [
    ("Протокол допроса свидетеля", "Свидетель показал, что видел кражу телефона у остановки «Самал»."),
    ("Заявление потерпевшей", "Прошу найти лицо, похитившее мой кошелёк и документы."),
    ("Күдіктінің түсініктемесі", "Мен телефонды ұрладым. Қылмыстың мән-жайын толық мойындаймын."),
    ("Справка ЖКХ", "Квартира по адресу ул. Абая, 10 принадлежит заявителю."),
]


@pytest.fixture
def searchable(any_db: Database, team: Team, archive: CaseArchive) -> dict[str, int]:
    ids = {}
    with any_db.session() as session:
        case = do_register_case(session, team.investigator, case_document(), archive)
        other = do_register_case(session, team.other_investigator, case_document(), archive)
        for title, text in MATERIALS:
            entry = do_add_material(
                session,
                team.investigator,
                case.id,
                archive,
                title=title,
                filename="m.txt",
                content=text.encode(),
            )
            ids[title] = entry.id
        do_add_material(
            session,
            team.other_investigator,
            other.id,
            archive,
            title="Чужой протокол",
            filename="m.txt",
            content="Кража телефона в другом деле.".encode(),
        )
    return ids


@pytest.mark.parametrize(
    ("query", "titles"),
    [
        ("кражи телефонов", {"Протокол допроса свидетеля"}),  # Russian endings are stripped
        (
            "ТЕЛЕФОН",
            {"Протокол допроса свидетеля", "Күдіктінің түсініктемесі"},
        ),  # case, and Kazakh "телефонды"
        ("қылмыстың", {"Күдіктінің түсініктемесі"}),  # Kazakh genitive finds the stem
        ("кылмыс", {"Күдіктінің түсініктемесі"}),  # typed without Kazakh letters
        ("кошелек", {"Заявление потерпевшей"}),  # ё folded
        ("ЖКХ Абая", {"Справка ЖКХ"}),  # every word must match
        ("кража автомобиля", set()),
    ],
)
def test_full_text_search_finds_russian_and_kazakh_words_on_both_stores(
    any_db: Database, team: Team, searchable: dict[str, int], query: str, titles: set[str]
) -> None:
    with any_db.session() as session:
        hits = search_materials(session, team.investigator, query, **PURPOSE)
        found = {hit.entry.title for hit in hits if hit.entry.kind == "material"}
    assert found == titles
    # Another investigator's case is out of scope.
    assert "Чужой протокол" not in found


def test_search_states_its_purpose_and_stays_in_scope(
    any_db: Database, team: Team, searchable: dict[str, int]
) -> None:
    with pytest.raises(MissingLegalBasis), any_db.session() as session:
        search_materials(session, team.investigator, "телефон", purpose="", legal_basis="")
    with any_db.session() as session:
        other = {
            hit.entry.title
            for hit in search_materials(session, team.other_investigator, "телефон", **PURPOSE)
        }
        assert other == {"Чужой протокол"}
        assert search_materials(session, team.judge, "телефон", **PURPOSE) == []
        hits = search_materials(session, team.investigator, "остановки", **PURPOSE)
        assert hits[0].snippet.startswith("Свидетель") and "остановки" in hits[0].snippet
    with pytest.raises(InvalidCaseInput) as caught, any_db.session() as session:
        search_materials(session, team.investigator, "  ,, ", **PURPOSE)
    assert caught.value.field == "q"
