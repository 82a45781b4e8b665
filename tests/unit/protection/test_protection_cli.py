"""The ``qorgau protection`` commands: their JSON contracts and one-line errors with exit code 2."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from qorgau.protection.cli import app
from qorgau.protection.eurostat import SHIPPED_EXTRACT

DATA = Path(__file__).parent / "data"
runner = CliRunner()


def _run(*arguments: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(arguments))
    return result.exit_code, result.stdout, result.stderr


def _bad_input(*arguments: str) -> str:
    code, stdout, stderr = _run(*arguments)
    assert code == 2, (stdout, stderr)
    assert stdout == ""
    assert len(stderr.strip().splitlines()) == 1, stderr
    return stderr.strip()


def test_stats_prints_the_contract_for_the_shipped_extract() -> None:
    code, stdout, _ = _run(
        "stats",
        str(SHIPPED_EXTRACT),
        "--dataset",
        "migr_asyappctza",
        "--applicant",
        "FRST",
        "--year",
        "2022",
        "--json",
    )
    assert code == 0
    document = json.loads(stdout)
    assert document["total"] == 881_220
    assert document["previous_total"] == 537_355
    assert document["growth_pct"] == 64.0
    assert document["by_geo"] == {"DE": 217_735, "ES": 116_135, "FR": 137_510}
    assert document["top"] == [["DE", 217_735], ["FR", 137_510], ["ES", 116_135]]


def test_stats_per_million_uses_the_shipped_population_table() -> None:
    arguments = ["stats", str(SHIPPED_EXTRACT), "--dataset", "migr_asyappctza", "--applicant", "FRST"]
    code, stdout, _ = _run(*arguments, "--year", "2022", "--per-million", "--json")
    assert code == 0
    assert round(json.loads(stdout)["total_per_million"]) == 1973


def test_stats_reads_every_format_and_prints_text_without_json() -> None:
    code, stdout, _ = _run("stats", str(DATA / "asytpsm.tsv"), "--dataset", "migr_asytpsm", "--year", "2023")
    assert code == 0
    assert "total 3400 (EU27_2020)" in stdout


def test_stats_on_a_file_of_another_dataset_fails_naming_the_line() -> None:
    message = _bad_input(
        "stats", str(DATA / "asytpfm_sdmx.csv"), "--dataset", "migr_asytpsm", "--year", "2023"
    )
    assert message.startswith("error: ")
    assert "line 2" in message and "is not migr_asytpsm" in message


def test_stats_with_a_bad_year_or_applicant_or_dataset_fails_on_one_line() -> None:
    file = str(SHIPPED_EXTRACT)
    assert "--year must be a year" in _bad_input(
        "stats", file, "--dataset", "migr_asyappctza", "--year", "22"
    )
    assert "--applicant must be one of" in _bad_input(
        "stats", file, "--dataset", "migr_asyappctza", "--year", "2022", "--applicant", "ASY"
    )
    assert "--dataset must be one of" in _bad_input(
        "stats", file, "--dataset", "migr_other", "--year", "2022"
    )
    assert "no figures for 2019" in _bad_input(
        "stats", file, "--dataset", "migr_asyappctza", "--year", "2019"
    )


def test_import_eurostat_validates_counts_and_stores(tmp_path: Path) -> None:
    code, stdout, _ = _run(
        "import-eurostat",
        str(DATA / "asyappctza_jsonstat.json"),
        "--dataset",
        "migr_asyappctza",
        "--data-dir",
        str(tmp_path / "var"),
        "--json",
    )
    assert code == 0
    report = json.loads(stdout)
    assert report["format"] == "json-stat"
    assert (report["observations"], report["with_value"], report["missing"], report["flagged"]) == (
        12,
        11,
        1,
        2,
    )
    assert report["aggregates"] == ["EU27_2020"]
    assert report["stored"] is True
    assert report["vintage"] == "asyappctza_jsonstat.json"


def test_import_eurostat_of_a_broken_file_fails_naming_the_line(tmp_path: Path) -> None:
    broken = tmp_path / "broken.tsv"
    lines = (DATA / "asyappctza.tsv").read_text().splitlines()
    lines[3] = lines[3].replace("3000 ", "3,000 ")
    broken.write_text("\n".join(lines) + "\n")
    message = _bad_input(
        "import-eurostat", str(broken), "--dataset", "migr_asyappctza", "--data-dir", str(tmp_path / "var")
    )
    assert f"{broken}:line 4" in message
    assert not (tmp_path / "var").exists()  # the file is refused before the store is opened


def test_tp_end_prints_the_end_and_the_acts() -> None:
    code, stdout, _ = _run("tp-end", "--activation", "2022/382", "--on", "2024-07-01", "--json")
    assert code == 0
    document = json.loads(stdout)
    assert document["end"] == "2026-03-04"
    assert document["acts"][-1]["code"] == "Council Implementing Decision (EU) 2024/1836"
    assert all("label" in act and "verified" in act for act in document["acts"])


def test_tp_end_during_an_automatic_extension() -> None:
    code, stdout, _ = _run("tp-end", "--activation", "2022/382", "--on", "2023-06-01", "--json")
    assert code == 0
    document = json.loads(stdout)
    assert document["end"] == "2023-09-04"
    assert document["acts"][-1]["step"] == "automatic_extension"


def test_tp_end_bad_input_fails_on_one_line() -> None:
    assert "not a date" in _bad_input("tp-end", "--activation", "2022/382", "--on", "4 March 2023")
    assert "unknown activation" in _bad_input("tp-end", "--activation", "2015/1", "--on", "2023-01-01")
    assert "no temporary protection" in _bad_input("tp-end", "--activation", "2022/382", "--on", "2021-01-01")


def test_fair_share_prints_shares_quotas_gap_and_ratio() -> None:
    code, stdout, _ = _run(
        "fair-share", str(DATA / "fair_share.csv"), "--key", "relocation2015", "--total", "1000", "--json"
    )
    assert code == 0
    document = json.loads(stdout)
    assert set(document["shares"]) == {"AA", "BB", "CC"}
    assert sum(document["quotas"].values()) == 1000
    assert set(document["gap"]) == set(document["ratio"]) == {"AA", "BB", "CC"}
    assert document["gap"]["AA"] == round(1200 - document["shares"]["AA"] * 1000, 3)


def test_fair_share_bad_input_fails_naming_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "states.csv"
    bad.write_text("geo,population,gdp,unemployment_rate,asylum_per_million\nAA,1,1,5,10\nBB,1,one,5,10\n")
    message = _bad_input("fair-share", str(bad), "--key", "reference50", "--total", "10")
    assert f"{bad}: line 3: gdp 'one' is not a number" in message
    assert "--key must be one of" in _bad_input("fair-share", str(bad), "--key", "quota", "--total", "10")
    assert "--total must be a whole" in _bad_input(
        "fair-share", str(bad), "--key", "reference50", "--total", "-5"
    )
    assert "no such file" in _bad_input("fair-share", str(tmp_path / "none.csv"), "--key", "reference50")
