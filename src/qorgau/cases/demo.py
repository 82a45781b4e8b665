"""``qorgau demo`` for the cases module: a handful of realistic cases worked by the demo users.

The demo users are named after their roles (``investigator``, ``prosecutor``, ``judge``,
``defender``); each step runs as that user through the service, so the audit log, the case logs
and the scopes look as they would in use. Times are relative to now, so the deadline badges show
every state: on time, due soon, overdue, suspended, in court. A few dozen generated cases in
several regions and quarters give the statistics page something to draw.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from qorgau.cases.service import (
    CASE_TIMEZONE,
    CaseArchive,
    do_add_act,
    do_add_material,
    do_advance_agreement,
    do_assign_defender,
    do_choose_form,
    do_petition,
    do_register_case,
)
from qorgau.kernel.auth.domain import Principal
from qorgau.kernel.auth.store import UserRepository
from qorgau.kernel.context import cli_principal
from qorgau.kernel.db import Database
from qorgau.kernel.people.store import PersonRow

GENERATED = 40
CONTRACT = "Договор поставки цемента; предоплата 12 000 000 тенге перечислена, товар не поставлен."
OFFENCES = [
    {"article": "188", "part": "1", "category": "minor"},
    {"article": "190", "part": "1", "category": "medium"},
    {"article": "293", "part": "1", "category": "medium"},
]


def _actor(session: Session, username: str) -> Principal:
    user = UserRepository(session).by_username(username)
    if user is None:
        return cli_principal()
    return Principal(user.id, user.username, user.role, user.language, via="token")  # type: ignore[arg-type]


def _person(session: Session, name: str) -> str | None:
    return session.scalar(select(PersonRow.id).where(PersonRow.name == name).limit(1))


def _suspect(session: Session, name: str, **facts: Any) -> dict[str, Any]:
    person_id = _person(session, name)
    identity = {"person_id": person_id} if person_id else {"name": name}
    return {"role": "suspect", **identity, **facts}


def run(database: Database) -> None:
    """Register and work the demo cases (idempotent only in the sense that it adds new ones)."""
    archive = CaseArchive.under(database.settings.data_dir)
    now = dt.datetime.now(CASE_TIMEZONE).replace(second=0, microsecond=0)
    with database.session() as session:
        investigator = _actor(session, "investigator")
        prosecutor = _actor(session, "prosecutor")
        defender = _actor(session, "defender")
        prosecutor_name = prosecutor.username if prosecutor.via == "token" else None

        def register(document: dict[str, Any], days_ago: float) -> int:
            moment = now - dt.timedelta(days=days_ago)
            document = {
                **document,
                "registered_at": moment.isoformat(),
                "date": moment.date().isoformat(),
                **({"prosecutor": prosecutor_name} if prosecutor_name else {}),
            }
            return do_register_case(session, investigator, document, archive, now=moment).id

        def at(case_days_ago: float, hours: float) -> dt.datetime:
            return now - dt.timedelta(days=case_days_ago) + dt.timedelta(hours=hours)

        # 1. A phone theft in Taraz, accelerated; the suspect admits guilt and asks for a plea agreement.
        theft = register(
            {
                "offences": [{"article": "188", "part": "1", "category": "minor"}],
                "persons": [
                    _suspect(
                        session,
                        "Қайрат Нұрланұлы Сәрсенбаев",
                        age=34,
                        admits_guilt=True,
                        has_defender=True,
                        speaks_language_of_proceedings=True,
                    ),
                    {"role": "victim", "name": "Гульнара Ахметова", "birth_date": "1987-04-02"},
                ],
                "offender_identified": True,
                "region": "zhambyl",
                "reason": "statement",
                "title": "Кража мобильного телефона, г. Тараз",
            },
            days_ago=13,
        )
        do_choose_form(
            session,
            investigator,
            theft,
            archive,
            form="accelerated",
            motivation="Подозреваемый задержан с похищенным телефоном, вину признаёт, ущерб и квалификацию "
            "не оспаривает; доказательства устанавливают деяние и лицо.",
            now=at(13, 3),
        )
        do_add_material(
            session,
            investigator,
            theft,
            archive,
            title="Заявление потерпевшей",
            filename="zayavlenie.txt",
            content="Прошу привлечь к ответственности неизвестного, похитившего мой телефон Samsung "
            "в автобусе № 14 в г. Тараз.".encode(),
            now=at(13, 4),
        )
        do_add_material(
            session,
            investigator,
            theft,
            archive,
            title="Күдіктінің түсініктемесі",
            filename="tusindirme.txt",
            content="Мен автобуста телефонды ұрладым. Кінәмді толық мойындаймын, залалды өтеймін.".encode(),
            now=at(13, 6),
        )
        do_assign_defender(
            session, investigator, theft, archive, username="defender", client_position=1, now=at(12, 0)
        )
        plea = do_petition(
            session,
            defender,
            theft,
            archive,
            kind="plea",
            note="Подзащитный согласен с подозрением",
            now=at(11, 0),
        )
        do_advance_agreement(
            session, investigator, theft, plea.id, archive, to="prosecutor_review", now=at(9, 0)
        )

        # 2. Fraud with a foreign suspect who needs an interpreter: preliminary investigation, suspended.
        fraud = register(
            {
                "offences": [{"article": "190", "part": "2", "category": "medium"}],
                "persons": [
                    _suspect(
                        session,
                        "Mehmet Yılmaz",
                        age=43,
                        admits_guilt=False,
                        speaks_language_of_proceedings=False,
                    ),
                    {"role": "victim", "name": "Бауыржан Сейткали"},
                    {"role": "interpreter", "name": "Ерлан Касымов"},
                ],
                "offender_identified": True,
                "region": "shymkent",
                "reason": "report",
                "title": "Мошенничество при поставке стройматериалов",
            },
            days_ago=40,
        )
        do_choose_form(
            session,
            investigator,
            fraud,
            archive,
            form="investigation",
            motivation="Подозреваемый вину не признаёт и не владеет языком судопроизводства: ускоренное "
            "расследование невозможно.",
            now=at(40, 2),
        )
        do_add_material(
            session,
            investigator,
            fraud,
            archive,
            title="Договор поставки № 17",
            filename="dogovor.txt",
            content=CONTRACT.encode(),
            now=at(40, 5),
        )
        do_add_act(
            session,
            investigator,
            fraud,
            archive,
            kind="suspension",
            text="Подозреваемый выехал за пределы Республики Казахстан; объявлен розыск.",
            at=at(20, 0),
        )

        # 3. Hooliganism: completed, with a plea agreement that went to court.
        hooliganism = register(
            {
                "offences": [{"article": "293", "part": "1", "category": "medium"}],
                "persons": [
                    _suspect(session, "Жасұлан Оспанов", age=27, admits_guilt=True, has_defender=True),
                    {"role": "witness", "name": "Асель Нурпеисова"},
                ],
                "offender_identified": True,
                "region": "almaty",
                "reason": "official_report",
                "title": "Хулиганство в торговом центре",
            },
            days_ago=9,
        )
        do_choose_form(
            session,
            investigator,
            hooliganism,
            archive,
            form="accelerated",
            motivation="Деяние зафиксировано камерами, подозреваемый вину признаёт.",
            now=at(9, 2),
        )
        do_assign_defender(session, investigator, hooliganism, archive, username="defender", now=at(9, 3))
        agreement = do_petition(session, defender, hooliganism, archive, kind="plea", now=at(8, 0))
        for actor, state, hours in (
            (investigator, "prosecutor_review", 24),
            (prosecutor, "negotiation", 48),
            (prosecutor, "signed", 72),
            (prosecutor, "in_court", 96),
        ):
            do_advance_agreement(
                session, actor, hooliganism, agreement.id, archive, to=state, now=at(8, hours)
            )

        # 4. An overdue preliminary investigation (two months have passed).
        overdue_case = register(
            {
                "offences": [{"article": "106", "part": "1", "category": "grave"}],
                "persons": [_suspect(session, "Дмитрий Александрович Иванов", age=41, admits_guilt=False)],
                "offender_identified": False,
                "region": "karaganda",
                "reason": "report",
                "title": "Умышленное причинение тяжкого вреда здоровью",
            },
            days_ago=70,
        )
        do_choose_form(
            session,
            investigator,
            overdue_case,
            archive,
            form="investigation",
            motivation="Лицо не установлено доказательствами; тяжкое преступление.",
            now=at(70, 1),
        )

        # 5. A member of Parliament: a preliminary investigation is mandatory (UPK RK art. 547).
        register(
            {
                "offences": [{"article": "366", "part": "1", "category": "medium"}],
                "persons": [{"role": "suspect", "name": "Серик Байжанов", "age": 55, "immunity": "mp"}],
                "offender_identified": True,
                "region": "astana",
                "reason": "official_report",
                "title": "Получение неправомерного вознаграждения",
            },
            days_ago=1,
        )
        _generated(session, investigator, archive, now)


def _generated(session: Session, investigator: Principal, archive: CaseArchive, now: dt.datetime) -> None:
    """Plausible cases over the last year in several regions, for the statistics page."""
    rng = random.Random(7)
    regions = ["zhambyl", "almaty", "astana", "shymkent", "karaganda", "turkestan", "aktobe"]
    for _ in range(GENERATED):
        moment = now - dt.timedelta(days=rng.randrange(15, 360), hours=rng.randrange(24))
        admits = rng.random() < 0.6
        document = {
            "date": moment.date().isoformat(),
            "registered_at": moment.isoformat(),
            "offences": [rng.choice(OFFENCES)],
            "persons": [{"role": "suspect", "age": rng.randrange(18, 65), "admits_guilt": admits}],
            "offender_identified": True,
            "region": rng.choice(regions),
            "reason": rng.choice(["statement", "report", "official_report"]),
        }
        case = do_register_case(session, investigator, document, archive, now=moment)
        form = "accelerated" if admits and rng.random() < 0.4 else rng.choice(["investigation", "inquiry"])
        do_choose_form(
            session,
            investigator,
            case.id,
            archive,
            form=form,
            motivation="Решение по материалам проверки.",
            now=moment,
        )
        do_add_act(
            session,
            investigator,
            case.id,
            archive,
            kind="completion_report",
            text="Досудебное расследование завершено.",
            at=moment + dt.timedelta(days=rng.randrange(3, 14)),
        )
