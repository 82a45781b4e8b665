"""Demo data of the foreigners module, dated relative to today so that the worklists are never empty:
someone overstaying the 90-in-180 limit, someone past a 30-day stay, a self-registration and a host
notification due today, residents and a refugee who are lawfully present, a past visitor.

Uses the kernel demo's people where they exist (found by name) and adds a few more.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from qorgau.foreigners import service
from qorgau.foreigners.rules import default_rulebook
from qorgau.foreigners.store import ForeignersRepository
from qorgau.kernel.context import cli_principal
from qorgau.kernel.db import Database
from qorgau.kernel.people.service import do_add_person, search_people
from qorgau.kernel.people.store import PersonRow


def run(database: Database, *, today: dt.date | None = None) -> None:
    """Fill the foreigners tables once (does nothing when they already hold someone)."""
    actor = cli_principal()
    day = today or dt.date.today()

    def ago(days: int) -> str:
        return (day - dt.timedelta(days=days)).isoformat()

    with database.session() as session:
        if ForeignersRepository(session).count() > 0:
            return

        def person(data: dict[str, Any]) -> str:
            hits = search_people(
                session, actor, str(data["name"]), purpose="demo data", legal_basis="demo of the platform"
            )
            found: PersonRow | None = next((h.person for h in hits if h.person.name == data["name"]), None)
            return found.id if found is not None else do_add_person(session, actor, data).id

        # Overstays 90 days in 180 (EAEU citizen): 20 + 26 days before, in the country for 61 days.
        ivanov = person(
            {
                "name": "Дмитрий Александрович Иванов",
                "birth_date": "1985-09-09",
                "sex": "M",
                "citizenships": ["RU"],
                "languages": ["ru"],
            }
        )
        for entry, exit_day, point in ((200, 160, "Petropavlovsk (rail)"), (120, 95, "Almaty airport")):
            service.do_add_crossing(
                session,
                actor,
                ivanov,
                {
                    "entry": ago(entry),
                    "exit": ago(exit_day),
                    "entry_border_point": point,
                    "exit_border_point": point,
                },
            )
        service.do_add_crossing(
            session, actor, ivanov, {"entry": ago(60), "entry_border_point": "Almaty airport"}
        )
        service.do_add_registration(
            session,
            actor,
            ivanov,
            {"date": ago(45), "address": "Almaty, Abay ave. 52, apt. 14", "confirmed": True},
        )

        # Self-registration due today (EAEU citizen, 30 calendar days after entry from 1 July 2026).
        asanov = person(
            {
                "name": "Бакыт Асанов",
                "birth_date": "1990-12-05",
                "sex": "M",
                "citizenships": ["KG"],
                "languages": ["ky"],
            }
        )
        service.do_add_crossing(session, actor, asanov, {"entry": ago(30), "entry_border_point": "Korday"})

        # Beyond 30 days per stay (visa-free, not EAEU); the host never notified.
        yilmaz = person(
            {
                "name": "Mehmet Yılmaz",
                "birth_date": "1983-07-27",
                "sex": "M",
                "citizenships": ["TR"],
                "languages": ["tr"],
            }
        )
        service.do_add_crossing(
            session, actor, yilmaz, {"entry": ago(45), "entry_border_point": "Almaty airport"}
        )

        # The host's notification is due today (three working days after entry).
        shevchenko = person(
            {
                "name": "Олександр Шевченко",
                "birth_date": "1988-03-14",
                "sex": "M",
                "citizenships": ["UA"],
                "languages": ["uk", "ru"],
            }
        )
        service.do_add_crossing(
            session,
            actor,
            shevchenko,
            {"entry": _three_working_days_before(day), "entry_border_point": "Astana airport"},
        )

        # A student with a temporary residence permit (art. 6-1: study), lawfully present.
        melnyk = person(
            {
                "name": "Юлія Мельник",
                "birth_date": "2001-04-18",
                "sex": "F",
                "citizenships": ["UA"],
                "languages": ["uk"],
            }
        )
        service.do_add_crossing(
            session, actor, melnyk, {"entry": ago(200), "entry_border_point": "Astana airport"}
        )
        service.do_add_permit(
            session,
            actor,
            melnyk,
            {
                "kind": "temporary_residence",
                "ground": "study",
                "number": "TR-2026-00417",
                "valid_from": ago(195),
                "valid_until": (day + dt.timedelta(days=170)).isoformat(),
            },
        )
        service.do_set_status(
            session,
            actor,
            melnyk,
            {"status": "temporary_resident", "valid_from": ago(195), "note": "permit TR-2026-00417"},
        )

        # A visa holder: host notified in time.
        li = person(
            {
                "name": "李伟",
                "latin_name": "Li Wei",
                "birth_date": "1979-02-03",
                "sex": "M",
                "citizenships": ["CN"],
            }
        )
        service.do_add_permit(
            session,
            actor,
            li,
            {
                "kind": "visa",
                "category": "business (B2)",
                "number": "V-88120",
                "valid_from": ago(20),
                "valid_until": (day + dt.timedelta(days=10)).isoformat(),
            },
        )
        service.do_add_crossing(session, actor, li, {"entry": ago(20), "entry_border_point": "Khorgos"})
        service.do_add_host_notification(
            session, actor, li, {"date": ago(19), "host_name": "TOO Silk Road Logistics", "address": "Almaty"}
        )

        # A past visitor: left in time.
        karimova = person(
            {"name": "Гульнара Каримова", "birth_date": "1994-10-12", "sex": "F", "citizenships": ["UZ"]}
        )
        service.do_add_crossing(
            session,
            actor,
            karimova,
            {
                "entry": ago(70),
                "exit": ago(50),
                "entry_border_point": "Zhibek Zholy",
                "exit_border_point": "Zhibek Zholy",
            },
        )
        service.do_add_host_notification(
            session, actor, karimova, {"date": ago(69), "host_name": "Karimov R."}
        )

        # A recognised refugee (lawful by status) and a stateless person holding a permanent residence permit.
        hakimi = person(
            {
                "name": "Abdullah Hakimi",
                "birth_date": "1987-05-30",
                "sex": "M",
                "citizenships": ["AF"],
                "languages": ["fa"],
            }
        )
        service.do_set_status(
            session,
            actor,
            hakimi,
            {"status": "refugee", "valid_from": ago(380), "note": "refugee certificate 0112"},
        )
        service.do_add_crossing(
            session, actor, hakimi, {"entry": ago(400), "entry_border_point": "Almaty airport"}
        )
        petrov = person(
            {"name": "Николай Петров", "birth_date": "1969-01-15", "sex": "M", "citizenships": []}
        )
        service.do_add_permit(
            session,
            actor,
            petrov,
            {
                "kind": "permanent_residence",
                "number": "PR-0098231",
                "valid_from": ago(2000),
                "valid_until": None,
            },
        )
        service.do_add_crossing(
            session, actor, petrov, {"entry": ago(900), "entry_border_point": "Kairak (road)"}
        )


def _three_working_days_before(day: dt.date) -> str:
    """An entry whose three-working-day notice deadline is ``day`` (or the nearest one after it)."""
    calendar = default_rulebook().calendar
    candidate = day - dt.timedelta(days=3)
    for back in range(1, 12):
        entry = day - dt.timedelta(days=back)
        if calendar.covers(entry) and calendar.covers(day) and calendar.add_working_days(entry, 3) >= day:
            candidate = entry
    return candidate.isoformat()
