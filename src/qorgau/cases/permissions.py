"""Permissions of the ``cases`` module, one per action, and the roles that hold them.

A permission says what a role may do at all; the object scope (``service.case_in_scope``) says on
which cases: the investigator their own, the prosecutor those under their supervision, the judge
those sent to court, the defender the client's. ``admin`` holds none of these: managing the system
is not a duty to read case materials.
"""

from qorgau.kernel.auth.domain import grant

CASES_READ = grant("cases.read", ["investigator", "prosecutor", "judge", "defender"])
CASES_REGISTER = grant("cases.register", ["investigator"])
CASES_EDIT = grant("cases.edit", ["investigator"])
CASES_ACTS = grant("cases.acts", ["investigator", "prosecutor"])
CASES_SUPERVISE = grant("cases.supervise", ["prosecutor"])
CASES_MATERIALS_READ = grant("cases.materials.read", ["investigator", "prosecutor", "judge", "defender"])
CASES_AGREEMENTS_PETITION = grant("cases.agreements.petition", ["investigator", "prosecutor", "defender"])
CASES_AGREEMENTS_DECIDE = grant("cases.agreements.decide", ["investigator", "prosecutor", "judge"])
CASES_EXPORT = grant("cases.export", ["investigator", "prosecutor", "judge", "defender"])
CASES_STATISTICS = grant("cases.statistics", ["investigator", "prosecutor", "judge", "analyst"])
