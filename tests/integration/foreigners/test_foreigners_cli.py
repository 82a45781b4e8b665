"""``qorgau foreigners import-crossings`` run as a user runs it: a file with bad rows, both ways."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

QORGAU = [sys.executable, "-m", "qorgau.cli"]
ROWS = [
    "name,birth_date,citizenship,entry,exit,entry_border_point,exit_border_point",
    "Дмитрий Иванов,1985-09-09,RU,2026-06-01,2026-07-20,Khorgos,Khorgos",
    "Dmitrii Ivanov,1985-09-09,RU,2026-09-10,,Almaty airport,",
    "Бакыт Асанов,1990-12-05,KG,2026-07-20,2026-07-01,Korday,",
    "Mehmet Yılmaz,1983-07-27,TR,2026-10-01,,Almaty airport,",
    "Anna Smith,1979-02-03,US,2026-10-xx,,,",
    "Dmitrii Ivanov,1985-09-09,RU,2026-07-01,2026-07-05,,",
]


def run(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*QORGAU, "foreigners", *args, "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
        env={**os.environ, "QORGAU_ENVIRONMENT": "test"},
        timeout=120,
    )


def test_a_file_with_bad_rows_imports_nothing_and_names_every_bad_line(tmp_path: Path) -> None:
    data_dir = tmp_path / "var"
    csv = tmp_path / "crossings.csv"
    csv.write_text("\n".join(ROWS) + "\n", encoding="utf-8")

    refused = run(data_dir, "import-crossings", str(csv))
    assert refused.returncode == 2
    assert refused.stdout == ""
    lines = refused.stderr.strip().splitlines()
    assert [line.split(":")[1] for line in lines[:-1]] == ["line 4", "line 6", "line 7"]
    assert "exit 2026-07-01 is before entry 2026-07-20" in lines[0]
    assert "overlaps" in lines[2] and "the row of line 2" in lines[2]
    assert lines[-1].startswith("error: 3 bad row(s) in 6; nothing imported")
    nobody = run(data_dir, "overstays", "--date", "2026-11-25", "--json")
    assert json.loads(nobody.stdout)["overstays"] == []

    imported = run(data_dir, "import-crossings", str(csv), "--skip-bad", "--json")
    assert imported.returncode == 0, imported.stderr
    report = json.loads(imported.stdout)
    assert (report["imported"], report["people_created"], report["committed"]) == (3, 2, True)
    assert [bad["line"] for bad in report["bad_rows"]] == [4, 6, 7]
    assert "line 4" in imported.stderr  # the skipped rows are still reported

    listed = json.loads(run(data_dir, "overstays", "--date", "2026-11-25", "--json").stdout)["overstays"]
    assert sorted((o["latin_name"], o["last_lawful_day"]) for o in listed) == [
        ("Dmitrii Ivanov", "2026-10-19"),
        ("Mehmet Yilmaz", "2026-10-30"),
    ]

    again = run(data_dir, "import-crossings", str(csv), "--skip-bad", "--json")
    assert json.loads(again.stdout)["duplicates"] == 3  # importing the same file twice adds nothing


def test_a_missing_file_or_a_file_without_an_entry_column_is_bad_input(tmp_path: Path) -> None:
    data_dir = tmp_path / "var"
    missing = run(data_dir, "import-crossings", str(tmp_path / "absent.csv"))
    assert missing.returncode == 2 and "no such file" in missing.stderr
    headless = tmp_path / "headless.csv"
    headless.write_text("who,when\nX,2026-01-01\n", encoding="utf-8")
    refused = run(data_dir, "import-crossings", str(headless))
    assert refused.returncode == 2 and "line 1: entry: the header has no 'entry' column" in refused.stderr
