"""Permissions of the protection module, one per action (granted to roles at import).

- ``protection.statistics.read`` — Eurostat datasets and the statistics made from them, the
  temporary-protection end dates and rights (law, not personal data), burden-sharing keys: the
  analyst, the migration officer and the administrator.
- ``protection.statistics.import`` — storing a Eurostat file as a dataset (replacing an earlier
  import of the same vintage): the analyst and the administrator, who keep the figures.
- ``protection.registrations.read`` — registrations of asylum applications and temporary protection
  and their decisions, read under a stated purpose and legal basis (audited): the migration officer.
- ``protection.registrations.write`` — registering, deciding: the migration officer.
- ``protection.review.work`` — the queue of likely duplicate registrations across states
  (confirm or reject; a confirmed duplicate joins the registrations to one person): the
  migration officer.
"""

from __future__ import annotations

from qorgau.kernel.auth.domain import grant

PROTECTION_STATISTICS_READ = grant("protection.statistics.read", ["analyst", "migration_officer", "admin"])
PROTECTION_STATISTICS_IMPORT = grant("protection.statistics.import", ["analyst", "admin"])
PROTECTION_REGISTRATIONS_READ = grant("protection.registrations.read", ["migration_officer"])
PROTECTION_REGISTRATIONS_WRITE = grant("protection.registrations.write", ["migration_officer"])
PROTECTION_REVIEW = grant("protection.review.work", ["migration_officer"])
