"""Roles and a permission per action.

A permission is a dotted name, ``<area>.<action>`` (``people.read``, ``monitoring.alerts.work``).
The kernel and each module :func:`grant` their permissions to roles at import time; a route
declares the one permission it needs, and the route-table test checks every route against every
role. ``admin`` manages users and the system; it does not implicitly read case materials or
location history — those need a role with the duty to read them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

Role = Literal[
    "admin",
    "operator",
    "probation_officer",
    "investigator",
    "prosecutor",
    "judge",
    "defender",
    "migration_officer",
    "analyst",
]
ROLES: tuple[Role, ...] = (
    "admin",
    "operator",
    "probation_officer",
    "investigator",
    "prosecutor",
    "judge",
    "defender",
    "migration_officer",
    "analyst",
)
Permission = str

_GRANTS: dict[Permission, set[Role]] = {}


def grant(permission: Permission, roles: Iterable[Role]) -> Permission:
    """Give ``permission`` to ``roles`` (cumulative); returns the permission for use as a constant."""
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown role(s) {sorted(unknown)} for {permission}")
    _GRANTS.setdefault(permission, set()).update(roles)
    return permission


def roles_with(permission: Permission) -> frozenset[Role]:
    """The roles holding ``permission``; a permission nobody was granted is held by nobody."""
    return frozenset(_GRANTS.get(permission, ()))


def permissions_of(role: Role) -> frozenset[Permission]:
    return frozenset(p for p, roles in _GRANTS.items() if role in roles)


def all_permissions() -> dict[Permission, frozenset[Role]]:
    return {p: frozenset(r) for p, r in sorted(_GRANTS.items())}


@dataclass(frozen=True)
class Principal:
    """Who acts: a signed-in user (web session or API token) or a device (ingest only)."""

    user_id: int
    username: str
    role: Role
    language: str = "ru"
    via: Literal["session", "token", "cli", "system"] = "session"
    csrf_token: str | None = field(default=None, repr=False)

    def can(self, permission: Permission) -> bool:
        # The command line runs with local access to the store (the data controller's own tool);
        # its actions are still audited under the operating-system user's name.
        if self.via in ("cli", "system"):
            return True
        return self.role in roles_with(permission)


SYSTEM = Principal(user_id=0, username="system", role="admin", via="system")

ALL_STAFF: tuple[Role, ...] = ROLES

# The kernel's own permissions.
PEOPLE_READ = grant(
    "people.read",
    ["admin", "operator", "probation_officer", "investigator", "prosecutor", "judge", "migration_officer"],
)
PEOPLE_WRITE = grant("people.write", ["admin", "probation_officer", "investigator", "migration_officer"])
USERS_MANAGE = grant("users.manage", ["admin"])
AUDIT_READ = grant("audit.read", ["admin"])
SHELL_VIEW = grant("shell.view", ALL_STAFF)
