"""Foreigners in Kazakhstan: stays, registration and permits, and the rights of each status, by date.

The migration officer's tool and the service every other module asks about a foreign person
(DESIGN.md, module ``foreigners``). Public surface:

- :func:`assess` / :func:`assess_json` — stay limits (90 in any 180 days, 30 per stay), overstay and the
  last lawful day, the registration duty of the current stay and its deadline, and the rights,
  restrictions and duties of the person's status on a date (``qorgau foreigners assess``).
- :func:`participant_requirements` — for ``cases`` and ``protection``: does a participant need an
  interpreter, is consular notification due, which rights apply.
- :func:`rights_and_restrictions` — the items of a status on a date, with citations, in ru/kk/en.
- :func:`default_rulebook` — the dated legal rules shipped in ``qorgau/foreigners/rules``.
- :func:`participant_requirements_for` — the same answer for a person of the people registry, with
  the status from the migration service's records (``cases`` calls it with a session).
- :func:`register` — mounts the API (``/api/v1/foreigners``) and the pages (``/foreigners``).

The migration officer's records, worklists and import live in :mod:`.service`, :mod:`.imports`
(CSV columns), :mod:`.api` and :mod:`.web`; other modules use only the names above.

Every decision carries reasons with citations (act, article, version date, ``verified``).
"""

from typing import Any

from qorgau.foreigners.domain.assessment import Assessment, assess, assess_json
from qorgau.foreigners.domain.errors import ForeignersError, InvalidInputError, RulesUnavailableError
from qorgau.foreigners.domain.facts import PersonFacts, Status
from qorgau.foreigners.domain.participants import ParticipantRequirements, participant_requirements
from qorgau.foreigners.domain.status_rights import StatusItem, StatusRights, rights_and_restrictions
from qorgau.foreigners.rules import default_rulebook
from qorgau.foreigners.service import participant_requirements_for

__all__ = [
    "Assessment",
    "ForeignersError",
    "InvalidInputError",
    "ParticipantRequirements",
    "PersonFacts",
    "RulesUnavailableError",
    "Status",
    "StatusItem",
    "StatusRights",
    "assess",
    "assess_json",
    "default_rulebook",
    "participant_requirements",
    "participant_requirements_for",
    "register",
    "rights_and_restrictions",
]


def register(app: Any = None, cli: Any = None) -> None:
    """Mount the module: API under ``/api/v1``, pages, static files; the command group on ``cli``."""
    if app is not None:
        from pathlib import Path

        from fastapi.staticfiles import StaticFiles

        from qorgau.foreigners import api
        from qorgau.foreigners.web import routes

        app.include_router(api.router, prefix="/api/v1")
        app.include_router(routes.router)
        static = Path(__file__).parent / "web" / "static"
        app.mount("/static/foreigners", StaticFiles(directory=static), name="static-foreigners")
    if cli is not None:
        from qorgau.foreigners.cli import app as commands

        cli.add_typer(commands, name="foreigners")
