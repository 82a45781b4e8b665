"""Roles, permissions, principals and the login rate limiter: plain Python, no I/O."""

from qorgau.kernel.auth.domain.permissions import (
    ROLES,
    Permission,
    Principal,
    Role,
    grant,
    permissions_of,
    roles_with,
)
from qorgau.kernel.auth.domain.ratelimit import LoginRateLimiter

__all__ = [
    "ROLES",
    "LoginRateLimiter",
    "Permission",
    "Principal",
    "Role",
    "grant",
    "permissions_of",
    "roles_with",
]
