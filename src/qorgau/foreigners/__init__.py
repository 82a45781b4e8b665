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

Every decision carries reasons with citations (act, article, version date, ``verified``).
"""

from qorgau.foreigners.domain.assessment import Assessment, assess, assess_json
from qorgau.foreigners.domain.errors import ForeignersError, InvalidInputError, RulesUnavailableError
from qorgau.foreigners.domain.facts import PersonFacts, Status
from qorgau.foreigners.domain.participants import ParticipantRequirements, participant_requirements
from qorgau.foreigners.domain.status_rights import StatusItem, StatusRights, rights_and_restrictions
from qorgau.foreigners.rules import default_rulebook

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
    "rights_and_restrictions",
]
