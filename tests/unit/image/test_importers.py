from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from qorgau.image.domain.errors import BinaryTextError, EmptyTextError, SurveyFormatError
from qorgau.image.domain.scales import ScaleFile
from qorgau.image.domain.survey import build_ratings
from qorgau.image.importers import (
    read_csv_survey,
    read_speech,
    read_spss_survey,
    read_survey,
    read_xlsx_survey,
    speech_date,
    speech_files,
)


def test_limesurvey_csv_with_bom_quotes_and_semicolons_is_read(data_dir: Path) -> None:
    survey = read_survey(data_dir / "limesurvey_semicolon.csv")
    assert survey.source == "CSV (';')"
    assert survey.columns[0] == "id"  # the BOM is not part of the first header
    assert survey.columns[5] == "Q1[SQ001]"
    assert len(survey.rows) == 6
    assert survey.rows[0][5] == "7"


def test_limesurvey_comma_export_is_read_the_same(data_dir: Path, tmp_path: Path) -> None:
    semicolon = (data_dir / "limesurvey_semicolon.csv").read_text(encoding="utf-8-sig")
    comma = tmp_path / "export.csv"
    comma.write_text(semicolon.replace('";"', '","'), encoding="utf-8-sig")
    assert read_csv_survey(comma).rows == read_csv_survey(data_dir / "limesurvey_semicolon.csv").rows
    assert read_csv_survey(comma).source == "CSV (',')"


def test_limesurvey_ratings_flag_the_straight_liner_and_drop_the_empty_response(
    data_dir: Path, scale_file: ScaleFile
) -> None:
    ratings = build_ratings(read_survey(data_dir / "limesurvey_semicolon.csv"), scale_file)
    assert ratings.respondents == 5
    assert ratings.empty_rows == (6,)
    assert ratings.straight_lining == {"leader_a": (3,)}


def test_kobo_csv_with_spss_style_names_matches_the_bracketed_scale_file(
    data_dir: Path, scale_file: ScaleFile
) -> None:
    survey = read_survey(data_dir / "kobo_semicolon.csv")
    assert "_uuid" in survey.columns
    ratings = build_ratings(survey, scale_file)
    assert ratings.respondents == 3
    assert ratings.values[0, 1].tolist() == [5.0, 8 - 3.0, 4.0, 4.0]  # honest is reversed


def test_kobo_xlsx_reads_the_first_sheet_and_says_repeat_groups_are_left(
    tmp_path: Path, scale_file: ScaleFile
) -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    main = workbook.active
    main.title = "leader_survey"
    columns = [f"Q{o}[SQ00{s}]" for o in (1, 2, 3) for s in (1, 2, 3, 4)]
    main.append(["start", "region", *columns])
    main.append([dt.datetime(2024, 5, 2, 9, 0), "Almaty", *[7, 1, 7, 6, 5, 3, 4, 4, 3, 5, 6, 2]])
    main.append([dt.datetime(2024, 5, 2, 9, 30), "Astana", *[6, 2, 6, 7, 4, 2, 5, None, 2, 6, 5, 3]])
    repeat = workbook.create_sheet("children")
    repeat.append(["name", "_parent_index"])
    path = tmp_path / "kobo.xlsx"
    workbook.save(path)

    survey = read_xlsx_survey(path)
    assert survey.columns[:2] == ("start", "region")
    assert survey.rows[0][0] == "2024-05-02T09:00:00"
    assert "repeat groups" in survey.source
    ratings = build_ratings(survey, scale_file)
    assert ratings.values.shape == (2, 3, 4)
    assert read_xlsx_survey(path, sheet="children").columns == ("name", "_parent_index")
    with pytest.raises(SurveyFormatError, match="no sheet 'nope'"):
        read_xlsx_survey(path, sheet="nope")


def test_spss_sav_is_read_with_labels_and_spss_column_names(tmp_path: Path, scale_file: ScaleFile) -> None:
    pd = pytest.importorskip("pandas", reason="pyreadstat.write_sav needs a pandas DataFrame")
    import pyreadstat

    columns = {f"Q{o}_SQ00{s}": [] for o in (1, 2, 3) for s in (1, 2, 3, 4)}
    for answers in ([7, 1, 7, 6, 5, 3, 4, 4, 3, 5, 6, 2], [6, 2, 6, 7, 4, 2, 5, float("nan"), 2, 6, 5, 3]):
        for name, answer in zip(columns, answers, strict=True):
            columns[name].append(answer)
    frame = pd.DataFrame({"age_group": ["18-34", "55+"], **columns})
    path = tmp_path / "export.sav"
    pyreadstat.write_sav(frame, str(path), column_labels={"Q1_SQ001": "Идеал: плохой – хороший"})

    survey = read_spss_survey(path)
    assert survey.source == "SPSS .sav"
    assert survey.column_labels["Q1_SQ001"] == "Идеал: плохой – хороший"
    assert survey.rows[1][0] == "55+"
    ratings = build_ratings(survey, scale_file)
    assert ratings.values[0, 0].tolist() == [7.0, 8 - 1.0, 7.0, 6.0]
    assert ratings.answered()[1, 1].tolist() == [True, True, True, False]


def test_unknown_suffix_binary_csv_and_ragged_rows_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(SurveyFormatError, match=r"unknown survey format \.json"):
        read_survey(tmp_path / "survey.json")
    binary = tmp_path / "survey.csv"
    binary.write_bytes(b"PK\x03\x04\x00\x00binary")
    with pytest.raises(SurveyFormatError, match="binary"):
        read_survey(binary)
    ragged = tmp_path / "ragged.csv"
    ragged.write_text('"a";"b"\n"1";"2";"3"\n', encoding="utf-8")
    with pytest.raises(SurveyFormatError, match="data row 1 has 3 values"):
        read_survey(ragged)
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(SurveyFormatError, match="empty"):
        read_survey(empty)
    latin1 = tmp_path / "cp1251.csv"
    latin1.write_bytes('"имя"\n"Иван"\n'.encode("cp1251"))
    with pytest.raises(SurveyFormatError, match="not UTF-8"):
        read_survey(latin1)
    with pytest.raises(SurveyFormatError, match="no such file"):
        read_survey(tmp_path / "absent.csv")


def test_broken_xlsx_and_sav_files_are_clear_errors(tmp_path: Path) -> None:
    fake_xlsx = tmp_path / "fake.xlsx"
    fake_xlsx.write_text("not a workbook", encoding="utf-8")
    with pytest.raises(SurveyFormatError, match="not a readable XLSX"):
        read_survey(fake_xlsx)
    fake_sav = tmp_path / "fake.sav"
    fake_sav.write_text("not spss", encoding="utf-8")
    with pytest.raises(SurveyFormatError, match="not a readable SPSS"):
        read_survey(fake_sav)


def test_speech_files_must_be_non_empty_utf8_text(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n", encoding="utf-8")
    with pytest.raises(EmptyTextError, match="empty"):
        read_speech(empty)
    binary = tmp_path / "image.txt"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    with pytest.raises(BinaryTextError, match="binary"):
        read_speech(binary)
    legacy = tmp_path / "legacy.txt"
    legacy.write_bytes("Речь".encode("cp1251"))
    with pytest.raises(BinaryTextError, match="not a UTF-8"):
        read_speech(legacy)
    with_bom = tmp_path / "bom.txt"
    with_bom.write_text("Речь", encoding="utf-8-sig")
    assert read_speech(with_bom) == "Речь"


def test_speech_dates_come_from_file_names(tmp_path: Path) -> None:
    assert speech_date(Path("2024-03-01_astana.txt")) == dt.date(2024, 3, 1)
    assert speech_date(Path("address.txt")) is None
    assert speech_date(Path("2024-13-45.txt")) is None
    (tmp_path / "b.txt").write_text("x", encoding="utf-8")
    (tmp_path / "a.TXT").write_text("x", encoding="utf-8")
    (tmp_path / "notes.md").write_text("x", encoding="utf-8")
    assert [p.name for p in speech_files(tmp_path)] == ["a.TXT", "b.txt"]
    with pytest.raises(EmptyTextError, match="not a directory"):
        speech_files(tmp_path / "nothing")
    (tmp_path / "nothing").mkdir()
    with pytest.raises(EmptyTextError, match=r"no \.txt speeches"):
        speech_files(tmp_path / "nothing")
