from __future__ import annotations

import doctest
import importlib
import inspect

import pytest

import qorgau.image

MODULES = [
    "qorgau.image.domain.scales",
    "qorgau.image.domain.survey",
    "qorgau.image.domain.profiles",
    "qorgau.image.domain.text",
    "qorgau.image.domain.readability",
    "qorgau.image.domain.diversity",
    "qorgau.image.domain.lexicon",
]


def test_public_surface_is_exactly_what_all_lists() -> None:
    exported = set(qorgau.image.__all__)
    public = {
        name
        for name, value in vars(qorgau.image).items()
        if not name.startswith("_") and not inspect.ismodule(value)  # submodules appear once imported
    }
    assert exported == public
    for name in exported:
        assert getattr(qorgau.image, name) is not None


def test_cli_app_is_a_typer_group_named_image() -> None:
    from qorgau.image.cli import app

    assert app.info.name == "image"
    assert {command.name for command in app.registered_commands} == {
        "profile",
        "speech",
        "speeches",
        "report",
    }


@pytest.mark.parametrize("module_name", MODULES)
def test_docstring_examples_run(module_name: str) -> None:
    module = importlib.import_module(module_name)
    failures, tried = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert tried > 0 and failures == 0
