"""Fixtures for the case tests: staff principals backed by real users, a data directory's archive."""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from qorgau.cases.service import CaseArchive
from qorgau.kernel.auth.domain import Principal
from qorgau.kernel.db import Database

ALMATY = dt.timezone(dt.timedelta(hours=5))
REGISTERED_AT = dt.datetime(2026, 11, 25, 10, 30, tzinfo=ALMATY)

CASE_DOCUMENT: dict[str, Any] = {
    "date": "2026-11-25",
    "offences": [{"article": "188", "part": "1", "category": "minor"}],
    "persons": [
        {
            "role": "suspect",
            "age": 34,
            "has_defender": True,
            "speaks_language_of_proceedings": True,
            "immunity": None,
            "admits_guilt": True,
            "disputes_damage": False,
            "mentally_ill": False,
            "name": "Қайрат Нұрланұлы Сәрсенбаев",
            "birth_date": "1992-06-30",
            "citizenships": ["KZ"],
        },
        {"role": "victim", "name": "Айгерім Жұмабекова"},
    ],
    "offender_identified": True,
    "region": "zhambyl",
    "reason": "statement",
    "registered_at": REGISTERED_AT.isoformat(),
}


def case_document(**changes: Any) -> dict[str, Any]:
    document = copy.deepcopy(CASE_DOCUMENT)
    document.update(changes)
    return document


@dataclass
class Team:
    """Real users (one per role, two investigators and two prosecutors) as principals."""

    investigator: Principal
    other_investigator: Principal
    prosecutor: Principal
    other_prosecutor: Principal
    judge: Principal
    defender: Principal
    analyst: Principal


def make_team(database: Database) -> Team:
    """Users inserted directly: these tests never sign in, and argon2 hashing would cost seconds."""
    from qorgau.kernel.auth.store import User, UserRepository

    people = {}
    with database.session() as session:
        for name, role in (
            ("investigator", "investigator"),
            ("other_investigator", "investigator"),
            ("prosecutor", "prosecutor"),
            ("other_prosecutor", "prosecutor"),
            ("judge", "judge"),
            ("defender", "defender"),
            ("analyst", "analyst"),
        ):
            user = UserRepository(session).add(User(username=f"t_{name}", password_hash="-", role=role))
            people[name] = Principal(user.id, user.username, role, via="token")  # type: ignore[arg-type]
    return Team(**people)


@pytest.fixture
def team(any_db: Database) -> Team:
    return make_team(any_db)


@pytest.fixture
def archive(tmp_path: Path) -> CaseArchive:
    return CaseArchive.under(tmp_path / "data")
