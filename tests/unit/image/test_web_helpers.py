"""Helpers of the image pages and service that need no database: marks, SVG, segments, names."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from fastapi import FastAPI

import qorgau.image
from qorgau.image.reports import snake_plot
from qorgau.image.service import clean_filename, read_survey_upload, segment_columns
from qorgau.image.web.routes import highlight, inline_svg


def route_paths(routes: Iterable[Any]) -> Iterator[str]:
    """Every path, through included routers (FastAPI keeps them nested)."""
    for route in routes:
        if hasattr(route, "effective_candidates"):
            yield from route_paths(route.effective_candidates())
        else:
            yield getattr(route, "path", "")


def test_register_mounts_the_api_the_pages_and_their_stylesheet() -> None:
    app = FastAPI()
    qorgau.image.register(app=app, cli=None)
    paths = set(route_paths(app.routes))
    assert {
        "/api/v1/image/surveys",
        "/api/v1/image/surveys/{survey_id}/profile",
        "/image",
        "/static/image",
    } <= paths
    qorgau.image.register(app=None)  # nothing to mount on, nothing happens


def test_highlight_marks_the_hit_words_and_escapes_the_rest() -> None:
    marked = highlight("Мы <b>уверены</b>: всё решено. Уверенность!", ["уверены", "все"])
    assert str(marked) == "Мы &lt;b&gt;<mark>уверены</mark>&lt;/b&gt;: <mark>всё</mark> решено. Уверенность!"
    assert str(highlight("a < b", [])) == "a &lt; b"


def test_inline_svg_is_an_accessible_image_without_outside_addresses(
    data_dir: Path, scale_file: object
) -> None:
    from qorgau.image import analyse_profiles, build_ratings, read_survey

    ratings = build_ratings(read_survey(data_dir / "limesurvey_semicolon.csv"), scale_file)  # type: ignore[arg-type]
    analysis = analyse_profiles(ratings, scale_file, "ideal", resamples=20)  # type: ignore[arg-type]
    svg = str(inline_svg(snake_plot(analysis, scale_file, "ru"), 'Профиль "A" & B'))  # type: ignore[arg-type]
    assert svg.startswith('<svg role="img" aria-label="Профиль &#34;A&#34; &amp; B" ')
    assert "<metadata>" not in svg and "matplotlib.org" not in svg and "<?xml" not in svg


def test_survey_upload_errors_name_the_uploaded_file_not_the_temporary_one(data_dir: Path) -> None:
    table = read_survey_upload("export.csv", (data_dir / "limesurvey_semicolon.csv").read_bytes())
    assert len(table.rows) == 6
    try:
        read_survey_upload("export.csv", b"a;b\n1;2;3\n")
    except ValueError as error:
        assert str(error).startswith("export.csv: data row 1 has 3 values")
        assert getattr(error, "field", None) == "survey"
    else:  # pragma: no cover - the read must fail
        raise AssertionError("a ragged CSV was read")


def test_segment_columns_are_the_few_valued_columns_outside_the_scales(
    data_dir: Path, scale_file: object
) -> None:
    table = read_survey_upload("export.csv", (data_dir / "limesurvey_semicolon.csv").read_bytes())
    # id and submitdate differ for every respondent who has one; the Q columns are the scales.
    assert segment_columns(table, scale_file) == ("lastpage", "startlanguage", "age_group")  # type: ignore[arg-type]


def test_uploaded_file_names_lose_their_folders() -> None:
    assert clean_filename("C:\\Users\\a\\export.csv", "survey.csv") == "export.csv"
    assert clean_filename("../../etc/passwd", "survey.csv") == "passwd"
    assert clean_filename("", "survey.csv") == "survey.csv"
