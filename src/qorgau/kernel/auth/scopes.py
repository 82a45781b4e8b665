"""Permission checks and the hook for object scopes that modules fill.

A scope answers "may this principal see this object?" beyond the role's permission: an officer
sees the orders of their caseload, an investigator their own cases, a defender the client's case.
Modules register one checker per object type; ``check_scope`` calls it. An object type with no
registered checker is open to everyone holding the permission.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from qorgau.kernel.auth.domain import Permission, Principal

ScopeChecker = Callable[[Session, Principal, str], bool]
_SCOPES: dict[str, ScopeChecker] = {}


class Forbidden(PermissionError):
    """The principal lacks the permission or the object is outside their scope."""

    def __init__(self, message: str, permission: str | None = None) -> None:
        super().__init__(message)
        self.permission = permission


def check_permission(principal: Principal, permission: Permission) -> None:
    if not principal.can(permission):
        raise Forbidden(f"role {principal.role!r} lacks permission {permission!r}", permission)


def register_scope(object_type: str, checker: ScopeChecker) -> None:
    """Install the scope checker for ``object_type`` (one per type; a module owns its types)."""
    _SCOPES[object_type] = checker


def check_scope(session: Session, principal: Principal, object_type: str, object_id: str) -> None:
    checker = _SCOPES.get(object_type)
    if checker is not None and not checker(session, principal, object_id):
        raise Forbidden(f"{object_type} {object_id} is outside the scope of {principal.username}")
