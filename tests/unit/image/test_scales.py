from __future__ import annotations

import pytest

from qorgau.image.domain.errors import ScaleFileError
from qorgau.image.domain.scales import ScaleFile, parse_scale_file, reverse_answer
from qorgau.image.importers import load_scale_file
from tests.unit.image.conftest import two_object_scales


def test_fixture_scale_file_loads_objects_scales_and_reversal(scale_file: ScaleFile) -> None:
    assert scale_file.objects == ("ideal", "leader_a", "leader_b")
    assert scale_file.scale_ids == ("good", "honest", "strong", "active")
    honest = scale_file.scales[1]
    assert honest.reversed is True
    assert honest.column_for("leader_b") == "Q3[SQ002]"
    assert scale_file.epa_given


def test_reversed_scale_shows_its_left_pole_as_the_high_end(scale_file: ScaleFile) -> None:
    honest = scale_file.scales[1]
    assert honest.high_pole("ru") == "честный"
    assert honest.low_pole("kk") == "арамза"
    assert scale_file.scales[0].high_pole("en") == "good"


def test_reverse_answer_turns_1_to_7_round() -> None:
    assert [reverse_answer(value) for value in range(1, 8)] == [7, 6, 5, 4, 3, 2, 1]


def test_factors_given_on_some_scales_only_are_rejected() -> None:
    document = two_object_scales()
    del document["scales"][1]["factor"]
    with pytest.raises(ScaleFileError, match="strong"):
        parse_scale_file(document)


def test_scale_file_without_factors_asks_for_factor_analysis() -> None:
    assert parse_scale_file(two_object_scales(factors=False)).epa_given is False


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(objects=[]), "objects"),
        (lambda d: d.update(objects=["ideal", "ideal"]), "more than once"),
        (lambda d: d["scales"][0].update(factor="X"), "E, P or A"),
        (lambda d: d["scales"][0]["columns"].pop("leader"), "no column for object"),
        (lambda d: d["scales"][0]["columns"].update(ghost="G1"), "unknown object"),
        (lambda d: d["scales"][1].update(id="good"), "used twice"),
        (lambda d: d["scales"][1]["columns"].update(leader="L1"), "already used"),
        (lambda d: d["scales"][0].update(reversed="yes please"), "true or false"),
        (lambda d: d["scales"][0].update(left={"de": "schlecht"}), "unknown language"),
        (lambda d: d["scales"][0].pop("right"), "missing 'right'"),
    ],
)
def test_malformed_scale_file_names_the_problem(change: object, message: str) -> None:
    document = two_object_scales()
    change(document)  # type: ignore[operator]
    with pytest.raises(ScaleFileError, match=message):
        parse_scale_file(document)


def test_invalid_yaml_scale_file_reports_the_line(tmp_path: object) -> None:
    from pathlib import Path

    path = Path(str(tmp_path)) / "bad.yaml"
    path.write_text("objects: [ideal\nscales: -\n", encoding="utf-8")
    with pytest.raises(ScaleFileError, match="invalid YAML at line"):
        load_scale_file(path)


def test_missing_scale_file_is_a_clear_error(tmp_path: object) -> None:
    from pathlib import Path

    with pytest.raises(ScaleFileError, match="no such scale file"):
        load_scale_file(Path(str(tmp_path)) / "absent.yaml")
