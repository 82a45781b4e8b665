"""``qorgau demo``: a realistic starting point — a user per role, people in several scripts, module data.

Demo users share one password: ``QORGAU_DEMO_PASSWORD`` or one generated and printed once. Each
module may add a ``demo`` module with ``run(database)`` that fills its own part.
"""

from __future__ import annotations

import os
import secrets

import typer
from rich.console import Console
from rich.progress import Progress

from qorgau.kernel.auth.domain import ROLES
from qorgau.kernel.auth.service import do_create_user
from qorgau.kernel.auth.store import UserRepository
from qorgau.kernel.context import cli_principal
from qorgau.kernel.db import Database
from qorgau.kernel.people.service import do_add_person
from qorgau.kernel.people.store import PeopleRepository
from qorgau.kernel.registry import optional_module
from qorgau.modules import MODULES

DEMO_PEOPLE: list[dict[str, object]] = [
    {
        "name": "Олександр Шевченко",
        "birth_date": "1988-03-14",
        "sex": "M",
        "citizenships": ["UA"],
        "languages": ["uk", "ru"],
        "documents": [{"kind": "passport", "number": "FX123456", "issuing_country": "UA"}],
    },
    {
        "name": "Григорій Коваленко",
        "birth_date": "1979-11-02",
        "sex": "M",
        "citizenships": ["UA"],
        "languages": ["uk"],
    },
    {
        "name": "Қайрат Нұрланұлы Сәрсенбаев",
        "birth_date": "1992-06-30",
        "sex": "M",
        "citizenships": ["KZ"],
        "languages": ["kk", "ru"],
        "documents": [{"kind": "id_card", "number": "041234567", "issuing_country": "KZ"}],
    },
    {
        "name": "Айгерім Жұмабекова",
        "birth_date": "1995-01-21",
        "sex": "F",
        "citizenships": ["KZ"],
        "languages": ["kk", "ru", "en"],
    },
    {
        "name": "Дмитрий Александрович Иванов",
        "birth_date": "1985-09-09",
        "sex": "M",
        "citizenships": ["RU"],
        "languages": ["ru"],
    },
    {
        "name": "Юлія Мельник",
        "birth_date": "2001-04-18",
        "sex": "F",
        "citizenships": ["UA"],
        "languages": ["uk"],
    },
    {
        "name": "Бакыт Асанов",
        "birth_date": "1990-12-05",
        "sex": "M",
        "citizenships": ["KG"],
        "languages": ["ky", "ru"],
    },
    {
        "name": "Mehmet Yılmaz",
        "birth_date": "1983-07-27",
        "sex": "M",
        "citizenships": ["TR"],
        "languages": ["tr"],
    },
    {
        "name": "Наталья Сергеевна Ким",
        "birth_date": "1976-02-11",
        "sex": "F",
        "citizenships": ["KZ"],
        "languages": ["ru", "ko"],
    },
    {
        "name": "Жасұлан Оспанов",
        "birth_date": "1999-08-03",
        "sex": "M",
        "citizenships": ["KZ"],
        "languages": ["kk"],
        "immunity": None,
    },
]


def run_demo(database: Database, *, if_empty: bool = False) -> None:
    console = Console(stderr=True)
    actor = cli_principal()
    with database.session() as session:
        if if_empty and PeopleRepository(session).count() > 0:
            console.print("demo: the store already holds data; nothing added")
            return
    password = os.environ.get("QORGAU_DEMO_PASSWORD") or secrets.token_urlsafe(10)
    created_users = []
    modules = [m for m in (optional_module(f"qorgau.{name}.demo") for name in MODULES) if m is not None]
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("demo data", total=len(ROLES) + len(DEMO_PEOPLE) + len(modules))
        with database.session() as session:
            users = UserRepository(session)
            for role in ROLES:
                username = "demo_admin" if role == "admin" else role
                if users.by_username(username) is None:
                    do_create_user(session, actor, username, password, role, display_name=f"Demo {role}")
                    created_users.append(username)
                progress.advance(task)
            for person in DEMO_PEOPLE:
                do_add_person(session, actor, person)
                progress.advance(task)
        for module in modules:
            module.run(database)
            progress.advance(task)
    if created_users:
        typer.echo(f"demo users: {', '.join(created_users)}")
        if not os.environ.get("QORGAU_DEMO_PASSWORD"):
            typer.echo(f"demo password (shown once): {password}")
    console.print(f"demo: {len(DEMO_PEOPLE)} people added")
