"""Who may run the history-wide jobs (see MODULES.md: one permission per action).

Exporting the location history is a bulk read of every person's positions: an administrator's job
(the data controller's technical staff), always with a purpose and a legal basis, always audited.
Correlation over the exported history asks the same question as the SQL path and needs the same
permission, :data:`qorgau.monitoring.permissions.CORRELATION_QUERY`. Deduplication and statistics
read registrations and public statistics under the protection module's own permissions.
"""

from __future__ import annotations

from qorgau.kernel.auth.domain import grant

HISTORY_EXPORT = grant("jobs.history.export", ["admin"])
