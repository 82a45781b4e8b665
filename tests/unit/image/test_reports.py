from __future__ import annotations

import re
from pathlib import Path

import pytest

from qorgau.image.domain.errors import ReportError
from qorgau.image.domain.profiles import ProfileAnalysis, analyse_profiles
from qorgau.image.domain.scales import ScaleFile
from qorgau.image.domain.speech import DatedSpeech, SpeechComparison, analyse_speech, compare_speeches
from qorgau.image.domain.survey import build_ratings
from qorgau.image.importers import lexicon_index, read_speech, read_survey
from qorgau.image.reports import (
    build_html_report,
    epa_plot,
    font_path,
    render_figure,
    snake_plot,
    speech_series_plot,
    write_atomically,
    write_report,
)


@pytest.fixture
def analysis(data_dir: Path, scale_file: ScaleFile) -> ProfileAnalysis:
    ratings = build_ratings(read_survey(data_dir / "limesurvey_semicolon.csv"), scale_file)
    return analyse_profiles(ratings, scale_file, "ideal", resamples=100)


@pytest.fixture
def comparison(data_dir: Path) -> SpeechComparison:
    import datetime as dt

    speeches = [
        DatedSpeech(
            f"2024-0{month}-01_{language}.txt",
            dt.date(2024, month, 1),
            analyse_speech(
                read_speech(data_dir / f"speech_{language}.txt"), language, lexicon_index(language)
            ),
        )
        for month, language in ((1, "ru"), (2, "kk"), (3, "ru"))
    ]
    return compare_speeches(speeches)


def test_snake_plot_draws_one_profile_per_object_with_poles_on_both_sides(
    analysis: ProfileAnalysis, scale_file: ScaleFile
) -> None:
    figure = snake_plot(analysis, scale_file, "kk")
    left, right = figure.axes
    assert len(left.lines) >= 3  # one line per object (error bars add their own artists)
    assert [label.get_text() for label in left.get_yticklabels()] == ["жаман", "арамза", "әлсіз", "енжар"]
    assert [label.get_text() for label in right.get_yticklabels()] == ["жақсы", "адал", "күшті", "белсенді"]
    assert next(text.get_text() for text in left.get_legend().get_texts()).startswith("ideal")


def test_epa_plot_has_a_bar_per_object_and_factor(analysis: ProfileAnalysis) -> None:
    axes = epa_plot(analysis).axes[0]
    assert len(axes.patches) == 3 * 3


def test_speech_series_plot_has_one_panel_per_measure(comparison: SpeechComparison) -> None:
    figure = speech_series_plot(comparison, measures=("flesch", "we"))
    assert [axes.get_title() for axes in figure.axes] == ["flesch", "we"]


def test_figures_render_to_svg_and_png(analysis: ProfileAnalysis, scale_file: ScaleFile) -> None:
    figure = snake_plot(analysis, scale_file, "ru")
    assert render_figure(figure, "svg").lstrip().startswith(b"<?xml")
    assert render_figure(figure, "png").startswith(b"\x89PNG")


def test_pdf_font_ships_inside_matplotlib() -> None:
    assert font_path().is_file() and font_path().name == "DejaVuSans.ttf"
    assert "matplotlib" in str(font_path())


def test_pdf_report_embeds_the_unicode_font_and_all_pages(
    analysis: ProfileAnalysis, scale_file: ScaleFile, comparison: SpeechComparison, tmp_path: Path
) -> None:
    path = tmp_path / "report.pdf"
    write_report(path, analysis, scale_file, survey_name="survey.csv", comparison=comparison, language="kk")
    content = path.read_bytes()
    assert content.startswith(b"%PDF")
    assert b"DejaVuSans" in content  # the TrueType font is embedded, so Kazakh letters render
    assert (
        content.count(b"/Type /Page\n") + content.count(b"/Type /Page ") + content.count(b"/Type/Page") >= 2
    )


def test_html_report_is_self_contained_with_inline_svg_and_escaped_names(
    analysis: ProfileAnalysis, scale_file: ScaleFile, comparison: SpeechComparison
) -> None:
    html = build_html_report(
        analysis,
        scale_file,
        survey_name="<script>alert(1)</script>.csv",
        comparison=comparison,
        language="ru",
    )
    assert html.count("<svg") == 3  # snake, E/P/A, speech series
    assert "Имидж лидера" in html and "Одинаковый ответ на всех шкалах (строки): 3" in html
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    assert "2024-02-01_kk.txt" in html
    assert not re.search(r'(src|href)="(https?:)?//', html)  # nothing is fetched from a network


def test_report_is_written_whole_or_not_at_all(
    analysis: ProfileAnalysis, scale_file: ScaleFile, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "report.html"
    target.write_text("previous report", encoding="utf-8")

    def broken(*arguments: object, **options: object) -> str:
        raise RuntimeError("renderer crashed")

    monkeypatch.setattr("qorgau.image.reports.build_html_report", broken)
    with pytest.raises(RuntimeError):
        write_report(target, analysis, scale_file, survey_name="s.csv")
    assert target.read_text(encoding="utf-8") == "previous report"
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]  # no temporary file left


def test_atomic_write_leaves_no_temporary_file_when_writing_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing_replace(source: str, destination: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("qorgau.image.reports.os.replace", failing_replace)
    with pytest.raises(OSError, match="disk full"):
        write_atomically(tmp_path / "r.pdf", b"%PDF")
    assert list(tmp_path.iterdir()) == []


def test_written_report_gets_the_usual_file_mode(
    analysis: ProfileAnalysis, scale_file: ScaleFile, tmp_path: Path
) -> None:
    import os

    path = tmp_path / "report.html"
    write_report(path, analysis, scale_file, survey_name="s.csv")
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask


@pytest.mark.parametrize(
    ("name", "language", "message"),
    [
        ("report.docx", "en", "must end in .pdf or .html"),
        ("missing/report.pdf", "en", "does not exist"),
        ("report.pdf", "de", "ru, kk or en"),
    ],
)
def test_bad_report_targets_are_refused(
    analysis: ProfileAnalysis, scale_file: ScaleFile, tmp_path: Path, name: str, language: str, message: str
) -> None:
    with pytest.raises(ReportError, match=message):
        write_report(tmp_path / name, analysis, scale_file, survey_name="s.csv", language=language)
