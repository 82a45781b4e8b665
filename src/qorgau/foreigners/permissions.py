"""Permissions of the foreigners module, one per action (granted to roles at import).

- ``foreigners.records.read`` — a person's timeline and assessment, read under a stated purpose and
  legal basis: the migration officer, and the investigator, prosecutor and judge when a case needs
  the stay record of a participant (the read names the case in its legal basis and is audited).
- ``foreigners.records.write`` — adding crossings, notifications, registrations, address changes,
  permits, visas and status changes: the migration officer only.
- ``foreigners.crossings.import`` — importing border crossings from a CSV file: the migration officer.
- ``foreigners.worklist.read`` — the lists of what is due today and who overstays: the migration
  officer's work, not a search tool for others.
"""

from __future__ import annotations

from qorgau.kernel.auth.domain import grant

FOREIGNERS_READ = grant(
    "foreigners.records.read", ["migration_officer", "investigator", "prosecutor", "judge"]
)
FOREIGNERS_WRITE = grant("foreigners.records.write", ["migration_officer"])
FOREIGNERS_IMPORT = grant("foreigners.crossings.import", ["migration_officer"])
FOREIGNERS_WORKLIST = grant("foreigners.worklist.read", ["migration_officer"])
