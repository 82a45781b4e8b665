"""Fixtures of the image tests: the shipped fixture files and a small scale file in code."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from qorgau.image.domain.scales import ScaleFile, parse_scale_file

DATA = Path(__file__).parent / "data"


@pytest.fixture
def data_dir() -> Path:
    return DATA


@pytest.fixture
def scale_file() -> ScaleFile:
    """The fixture scale file (3 objects, 4 scales; ``honest`` is reversed)."""
    from qorgau.image.importers import load_scale_file

    return load_scale_file(DATA / "scales.yaml")


def two_object_scales(*, reversed_second: bool = False, factors: bool = True) -> dict[str, Any]:
    """A scale-file mapping with objects ideal/leader and three scales on columns I1..I3, L1..L3."""
    scales = []
    for number, (scale_id, factor) in enumerate((("good", "E"), ("strong", "P"), ("active", "A")), start=1):
        scale: dict[str, Any] = {
            "id": scale_id,
            "left": {"en": f"not {scale_id}"},
            "right": {"en": scale_id},
            "reversed": reversed_second and number == 2,
            "columns": {"ideal": f"I{number}", "leader": f"L{number}"},
        }
        if factors:
            scale["factor"] = factor
        scales.append(scale)
    return {"objects": ["ideal", "leader"], "scales": scales}


@pytest.fixture
def small_scales() -> ScaleFile:
    return parse_scale_file(two_object_scales())
