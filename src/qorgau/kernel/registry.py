"""Discovery of the kernel's and modules' parts, so that no list of modules is kept twice."""

from __future__ import annotations

import importlib
from types import ModuleType

from qorgau.modules import MODULES

KERNEL_STORES = ("qorgau.kernel.auth.store", "qorgau.kernel.audit.store", "qorgau.kernel.people.store")


def optional_module(name: str) -> ModuleType | None:
    """Import ``name`` if it exists (a module that has not landed a part yet simply lacks it)."""
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name and (name == exc.name or name.startswith(exc.name + ".")):
            return None
        raise


def import_all_models() -> None:
    """Import every ``store`` so that ``Base.metadata`` knows every table (for Alembic)."""
    for name in KERNEL_STORES:
        importlib.import_module(name)
    for module in MODULES:
        optional_module(f"qorgau.{module}.store")
