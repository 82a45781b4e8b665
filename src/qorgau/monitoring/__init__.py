"""Remote monitoring: the monitoring center for court-ordered electronic monitoring (issue 3).

Public surface (other modules import only these names):

* ingest — :func:`do_ingest` (every source: device listeners, the batch API, imports),
  :func:`do_run_timers`, :data:`alert_listeners` (called after commit with an :class:`AlertRecord`),
  :data:`position_listeners` (called after commit with each fix stored under an order, as the live
  map shows it), :class:`IngestResult`, and :class:`DecodedFix` (what decoders produce);
* import — :func:`do_import_bundle` (the bundle of the issue's contract);
* correlation — :func:`find_near` (who was near a place, under a legal basis) and
  :func:`do_place_legal_hold` (keep positions for a case);
* the web — :func:`register` mounts the API under ``/api/v1/monitoring``.

The command group is ``qorgau.monitoring.cli.app`` (``qorgau monitoring …``). Names are loaded on
first use, so that the pure domain (``qorgau.monitoring.domain``) imports without the database.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "AlertRecord": "qorgau.monitoring.center",
    "IngestResult": "qorgau.monitoring.center",
    "alert_listeners": "qorgau.monitoring.center",
    "position_listeners": "qorgau.monitoring.center",
    "PositionListener": "qorgau.monitoring.center",
    "DecodedFix": "qorgau.monitoring.domain.protocols",
    "do_ingest": "qorgau.monitoring.service",
    "do_run_timers": "qorgau.monitoring.service",
    "do_import_bundle": "qorgau.monitoring.service",
    "do_place_legal_hold": "qorgau.monitoring.service",
    "find_near": "qorgau.monitoring.service",
}

__all__ = [*sorted(_EXPORTS), "register"]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


def register(app: Any = None, cli: Any = None) -> None:
    """Mount the monitoring API (``/api/v1/monitoring/…``) on ``app``.

    ``cli`` is unused: the root command mounts ``qorgau.monitoring.cli.app`` itself.
    """
    if app is None:
        return
    from qorgau.monitoring import api
    from qorgau.monitoring.listeners import install

    app.include_router(api.router, prefix="/api/v1")
    install(app)  # pages, /static/monitoring, device listeners and live push on start-up
