"""Jinja2 templates of the kernel and every module, translated per request.

Each package's templates live in its ``web/templates`` folder, under a sub-folder named after the
package (``people/list.html``, ``monitoring/map.html``), so names never collide. Navigation
entries are registered by the kernel and by each module, each with the permission that shows it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse

from qorgau.kernel import i18n
from qorgau.kernel.auth.domain import Principal

PACKAGE_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class NavItem:
    label: str  # an English message id, translated at render time
    href: str
    permission: str
    order: int = 100


_NAV: list[NavItem] = []


def register_nav(label: str, href: str, permission: str, order: int = 100) -> None:
    if all(item.href != href for item in _NAV):
        _NAV.append(NavItem(label, href, permission, order))
        _NAV.sort(key=lambda item: (item.order, item.label))


def nav_for(principal: Principal | None) -> list[NavItem]:
    if principal is None:
        return []
    return [item for item in _NAV if principal.can(item.permission)]


def template_dirs() -> list[str]:
    return [str(p) for p in sorted(PACKAGE_ROOT.glob("**/web/templates"))]


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(template_dirs()),
        autoescape=jinja2.select_autoescape(["html", "xml", "svg"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.filters["datetime"] = i18n.format_datetime
    env.filters["date"] = i18n.format_date
    env.filters["number"] = i18n.format_number
    env.globals["languages"] = i18n.LANGUAGE_NAMES
    return env


ENVIRONMENT = _environment()


def render(
    request: Request,
    template: str,
    principal: Principal | None = None,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    """Render ``template`` in the request's language with the shell's context."""
    html = ENVIRONMENT.get_template(template).render(
        request=request,
        principal=principal,
        nav=nav_for(principal),
        lang=i18n.current_language(),
        csrf_token=principal.csrf_token if principal else None,
        path=request.url.path,
        **context,
    )
    return HTMLResponse(html, status_code=status_code)
