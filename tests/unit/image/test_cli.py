"""The command-line contract of issue 7, through typer's CliRunner on ``qorgau.image.cli.app``."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from qorgau.image.cli import app

runner = CliRunner()


def run(*arguments: str | Path) -> tuple[int, str, str]:
    result = runner.invoke(app, [str(argument) for argument in arguments])
    return result.exit_code, result.stdout, result.stderr


def assert_one_line_error(code: int, stdout: str, stderr: str, *fragments: str) -> None:
    assert code == 2, stderr
    assert stdout == ""
    assert stderr.count("\n") == 1 and stderr.startswith("error: ")
    for fragment in fragments:
        assert fragment in stderr


def profile(data_dir: Path, *extra: str | Path) -> tuple[int, str, str]:
    return run(
        "profile",
        data_dir / "limesurvey_semicolon.csv",
        "--scales",
        data_dir / "scales.yaml",
        "--ideal",
        "ideal",
        *extra,
    )


def test_profile_json_follows_the_contract(data_dir: Path) -> None:
    code, stdout, _ = profile(data_dir, "--json", "--resamples", "200")
    assert code == 0
    document = json.loads(stdout)
    assert document["n"] == 5
    assert set(document["objects"]) == {"ideal", "leader_a", "leader_b"}
    leader = document["objects"]["leader_a"]
    assert set(leader) >= {"means", "ci", "epa", "d_to_ideal", "d_ci"}
    assert set(leader["means"]) == {"good", "honest", "strong", "active"}
    assert all(len(interval) == 2 for interval in leader["ci"].values())
    assert set(leader["epa"]) == {"E", "P", "A"}
    low, high = leader["d_ci"]
    assert low <= high
    assert document["flags"]["straight_lining"] == [3]
    assert document["missing"].startswith("available-case")
    assert document["bootstrap"] == {
        "resamples": 200,
        "seed": 0,
        "confidence": 0.95,
        "interval": "percentile",
    }


def test_profile_d_is_the_distance_between_reversed_means(data_dir: Path) -> None:
    _code, stdout, _ = profile(data_dir, "--json", "--resamples", "10")
    objects = json.loads(stdout)["objects"]
    ideal, leader = objects["ideal"]["means"], objects["leader_b"]["means"]
    expected = sum((ideal[scale] - leader[scale]) ** 2 for scale in ideal) ** 0.5
    assert objects["leader_b"]["d_to_ideal"] == pytest.approx(expected)
    # honest is reversed: leader_b's raw answers 5, 6, 4, 7, 5 → 8 - mean = 8 - 5.4
    assert leader["honest"] == pytest.approx(8 - 27 / 5)


def test_profile_by_segment_adds_one_profile_per_value(data_dir: Path) -> None:
    code, stdout, _ = profile(data_dir, "--json", "--resamples", "50", "--segment", "age_group")
    document = json.loads(stdout)
    assert code == 0
    assert set(document["segments"]) == {"18-34", "35-54", "55+"}
    assert document["segments"]["55+"]["n"] == 1


def test_profile_is_the_same_for_the_kobo_export_of_the_same_answers(data_dir: Path) -> None:
    code, stdout, _ = run(
        "profile",
        data_dir / "kobo_semicolon.csv",
        "--scales",
        data_dir / "scales.yaml",
        "--ideal",
        "ideal",
        "--json",
        "--resamples",
        "10",
    )
    assert code == 0
    assert json.loads(stdout)["objects"]["leader_a"]["means"]["good"] == pytest.approx((5 + 4 + 6) / 3)


def test_profile_without_json_prints_a_table(data_dir: Path) -> None:
    code, stdout, _ = profile(data_dir, "--resamples", "10")
    assert code == 0 and "leader_b" in stdout and "straight-lining rows: 3" in stdout


@pytest.mark.parametrize(
    ("patch", "fragments"),
    [
        (lambda text: text.replace('"Q2[SQ003]"', '"Q2[SQ333]"'), ("missing column", "Q2[SQ003]")),
        (
            lambda text: text.replace(
                '"1";"2024-05-01 10:00:00";"3";"ru";"18-34";"7"',
                '"1";"2024-05-01 10:00:00";"3";"ru";"18-34";"9"',
            ),
            ("column Q1[SQ001], row 1: 9 is outside 1..7",),
        ),
    ],
)
def test_profile_bad_survey_exits_2_naming_column_and_row(
    data_dir: Path, tmp_path: Path, patch: object, fragments: tuple[str, ...]
) -> None:
    survey = tmp_path / "survey.csv"
    text = (data_dir / "limesurvey_semicolon.csv").read_text(encoding="utf-8-sig")
    survey.write_text(patch(text), encoding="utf-8-sig")  # type: ignore[operator]
    code, stdout, stderr = run("profile", survey, "--scales", data_dir / "scales.yaml", "--ideal", "ideal")
    assert_one_line_error(code, stdout, stderr, *fragments)


def test_survey_with_no_rated_objects_exits_2(data_dir: Path, tmp_path: Path) -> None:
    survey = tmp_path / "blank.csv"
    header = (data_dir / "limesurvey_semicolon.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    width = header.count(";") + 1
    survey.write_text(header + "\n" + ";".join(['""'] * width) + "\n", encoding="utf-8-sig")
    code, stdout, stderr = run("profile", survey, "--scales", data_dir / "scales.yaml", "--ideal", "ideal")
    assert_one_line_error(code, stdout, stderr, "no rated objects")


def test_unknown_ideal_and_bad_confidence_exit_2(data_dir: Path) -> None:
    assert_one_line_error(
        *run(
            "profile",
            data_dir / "limesurvey_semicolon.csv",
            "--scales",
            data_dir / "scales.yaml",
            "--ideal",
            "hero",
        ),
        "--ideal 'hero'",
    )
    assert_one_line_error(*profile(data_dir, "--confidence", "95"), "--confidence")


def test_speech_json_follows_the_contract_in_every_language(data_dir: Path) -> None:
    for language in ("ru", "kk", "en"):
        code, stdout, stderr = run(
            "speech", data_dir / f"speech_{language}.txt", "--lang", language, "--json"
        )
        assert code == 0, stderr
        document = json.loads(stdout)
        assert isinstance(document["sentences"], int) and isinstance(document["words"], int)
        assert "flesch" in document["readability"]
        assert set(document["pronouns"]) == {"i", "we", "you", "they"}
        assert 0 < document["ttr"] <= 1 and document["mtld"] > 0
        assert "certainty" in document["categories"]


def test_russian_speech_flesch_is_oborneva_on_the_reported_counts(data_dir: Path) -> None:
    _, stdout, _ = run("speech", data_dir / "speech_ru.txt", "--lang", "ru", "--json")
    document = json.loads(stdout)
    words, sentences, syllables = document["words"], document["sentences"], document["syllables"]
    expected = 206.835 - 1.3 * words / sentences - 60.1 * syllables / words
    assert document["readability"]["flesch"] == pytest.approx(expected)


@pytest.mark.parametrize(
    ("content", "language", "fragment"),
    [
        (b"", "ru", "empty"),
        (b"   \n\n", "kk", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "ru", "binary"),
        ("Біз бірге жұмыс істейміз. Еліміз өседі және дамиды.".encode(), "ru", "looks Kazakh"),
        (b"We work together and the country grows every year.", "kk", "looks English"),
    ],
)
def test_speech_bad_input_exits_2_with_one_line(
    tmp_path: Path, content: bytes, language: str, fragment: str
) -> None:
    path = tmp_path / "speech.txt"
    path.write_bytes(content)
    assert_one_line_error(*run("speech", path, "--lang", language, "--json"), fragment)


def test_speech_unknown_language_exits_2(data_dir: Path) -> None:
    assert_one_line_error(*run("speech", data_dir / "speech_ru.txt", "--lang", "de"), "--lang")


def test_speeches_command_orders_by_date_and_detects_languages(data_dir: Path, tmp_path: Path) -> None:
    shutil.copy(data_dir / "speech_ru.txt", tmp_path / "2024-06-01_almaty.txt")
    shutil.copy(data_dir / "speech_kk.txt", tmp_path / "2024-01-15_astana.txt")
    code, stdout, _ = run("speeches", tmp_path, "--json")
    document = json.loads(stdout)
    assert code == 0
    assert [s["label"] for s in document["speeches"]] == ["2024-01-15_astana.txt", "2024-06-01_almaty.txt"]
    assert [s["language"] for s in document["speeches"]] == ["kk", "ru"]


def report_arguments(data_dir: Path, out: Path, *extra: str | Path) -> list[str | Path]:
    return [
        "report",
        data_dir / "limesurvey_semicolon.csv",
        "--scales",
        data_dir / "scales.yaml",
        "--ideal",
        "ideal",
        "--out",
        out,
        "--resamples",
        "50",
        *extra,
    ]


@pytest.mark.parametrize("suffix", [".pdf", ".html"])
def test_report_is_written_with_speeches(data_dir: Path, tmp_path: Path, suffix: str) -> None:
    speeches = tmp_path / "speeches"
    speeches.mkdir()
    shutil.copy(data_dir / "speech_ru.txt", speeches / "2024-01-10.txt")
    shutil.copy(data_dir / "speech_ru.txt", speeches / "2024-03-10.txt")
    out = tmp_path / f"report{suffix}"
    code, stdout, stderr = run(
        *report_arguments(data_dir, out, "--speeches", speeches, "--lang", "ru", "--json")
    )
    assert code == 0, stderr
    assert json.loads(stdout) == {
        "report": str(out),
        "format": suffix[1:],
        "n": 5,
        "objects": ["ideal", "leader_a", "leader_b"],
        "speeches": 2,
    }
    assert out.stat().st_size > 10_000


def test_no_partial_report_when_a_speech_is_bad(data_dir: Path, tmp_path: Path) -> None:
    speeches = tmp_path / "speeches"
    speeches.mkdir()
    shutil.copy(data_dir / "speech_ru.txt", speeches / "2024-01-10.txt")
    (speeches / "2024-02-10.txt").write_bytes(b"\x00\x01binary")
    out = tmp_path / "report.pdf"
    assert_one_line_error(*run(*report_arguments(data_dir, out, "--speeches", speeches)), "binary")
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["speeches"]


def test_report_target_is_checked_before_the_work(data_dir: Path, tmp_path: Path) -> None:
    assert_one_line_error(*run(*report_arguments(data_dir, tmp_path / "report.docx")), ".pdf or .html")
    assert_one_line_error(*run(*report_arguments(data_dir, tmp_path / "no" / "r.pdf")), "does not exist")


def test_no_arguments_shows_help() -> None:
    result = runner.invoke(app, [])
    assert "profile" in result.output and "speech" in result.output and "report" in result.output


def test_unknown_segment_column_exits_2(data_dir: Path) -> None:
    assert_one_line_error(*profile(data_dir, "--segment", "district"), "--segment", "'district'")
