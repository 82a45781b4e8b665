"""The examples in the foreigners module's docstrings run and hold."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "qorgau.foreigners.domain.calendar",
    "qorgau.foreigners.domain.texts",
    "qorgau.foreigners.domain.status_rights",
    "qorgau.foreigners.domain.participants",
    "qorgau.foreigners.domain.stay_index",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_hold(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name))
    assert result.attempted > 0 and result.failed == 0
