"""Who may do what at the monitoring center: one permission per action (see MODULES.md).

- Probation officers keep the orders of their caseload (object scope ``order``: the supervising
  officer) and read those orders' tracks; they see the alerts of their caseload.
- Operators work alerts (acknowledge, dispatch a response group, resolve) and read tracks to do so.
- Investigators, prosecutors and judges ask correlation questions ("who was near this place"),
  read tracks and alibi reports, and put positions under legal hold for a case.
- Administrators manage devices and retention, and alone see *unassigned* fixes (from devices with
  no order in force), which exist for troubleshooting only and are never evaluated or correlated.
- Devices do not hold roles: they authenticate with their own token on the ingest route only.

Every read of location history additionally states a purpose and a legal basis and is audited.
"""

from __future__ import annotations

from qorgau.kernel.auth.domain import grant

ORDERS_READ = grant("monitoring.orders.read", ["probation_officer"])
ORDERS_WRITE = grant("monitoring.orders.write", ["probation_officer"])
DEVICES_MANAGE = grant("monitoring.devices.manage", ["admin", "probation_officer"])
UNASSIGNED_READ = grant("monitoring.unassigned.read", ["admin"])
ALERTS_READ = grant("monitoring.alerts.read", ["operator", "probation_officer"])
ALERTS_WORK = grant("monitoring.alerts.work", ["operator"])
TRACK_READ = grant(
    "monitoring.track.read", ["operator", "probation_officer", "investigator", "prosecutor", "judge"]
)
CORRELATION_QUERY = grant("monitoring.correlation.query", ["investigator", "prosecutor", "judge"])
ALIBI_REPORT = grant("monitoring.alibi.report", ["investigator", "prosecutor", "judge"])
LEGAL_HOLD = grant("monitoring.legal_hold.manage", ["investigator", "prosecutor", "judge"])
RETENTION_PURGE = grant("monitoring.retention.purge", ["admin"])
IMPORT_BUNDLE = grant("monitoring.import", ["admin", "probation_officer"])
FIXES_INGEST = grant("monitoring.fixes.ingest", [])
"""Held by no human role: fixes come from devices, authenticated by a device token."""
