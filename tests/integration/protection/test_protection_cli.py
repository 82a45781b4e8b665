"""``qorgau protection import-eurostat`` run as a user runs it: a good file is stored, a bad one is
refused on one line naming the line, and leaves the store as it was."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from qorgau.kernel.db import Database
from qorgau.protection.eurostat import SHIPPED_DATASETS
from qorgau.protection.store import EurostatDatasetRow, EurostatObservationRow
from tests.conftest import make_settings

QORGAU = [sys.executable, "-m", "qorgau.cli", "protection"]
FIXTURES = Path(__file__).parents[2] / "unit" / "protection" / "data"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*QORGAU, *args], capture_output=True, text=True, env=dict(os.environ), timeout=180)


def stored(data_dir: Path) -> list[tuple[str, str, int, int]]:
    database = Database(make_settings(data_dir))
    try:
        with database.session() as session:
            rows = session.execute(
                select(
                    EurostatDatasetRow.code,
                    EurostatDatasetRow.vintage,
                    EurostatDatasetRow.observations,
                    select(func.count())
                    .select_from(EurostatObservationRow)
                    .where(EurostatObservationRow.dataset_id == EurostatDatasetRow.id)
                    .scalar_subquery(),
                ).order_by(EurostatDatasetRow.code)
            )
            return [tuple(row) for row in rows]  # type: ignore[misc]
    finally:
        database.dispose()


def test_a_good_file_is_stored_with_its_counts_in_any_format(tmp_path: Path) -> None:
    data_dir = tmp_path / "var"
    path, dataset = SHIPPED_DATASETS[0]
    result = run("import-eurostat", str(path), "--dataset", dataset, "--data-dir", str(data_dir))
    assert result.returncode == 0, result.stderr
    assert "20 observations" in result.stdout and f"vintage {path.name}" in result.stdout
    result = run(
        "import-eurostat",
        str(FIXTURES / "asytpfm_sdmx.csv"),
        "--dataset",
        "migr_asytpfm",
        "--data-dir",
        str(data_dir),
        "--json",
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["format"] == "sdmx-csv" and report["stored"] is True
    assert stored(data_dir) == [
        ("migr_asyappctza", path.name, 20, 20),
        ("migr_asytpfm", "asytpfm_sdmx.csv", report["observations"], report["observations"]),
    ]
    again = run("import-eurostat", str(path), "--dataset", dataset, "--data-dir", str(data_dir), "--json")
    assert json.loads(again.stdout)["replaced"] is not None
    assert len(stored(data_dir)) == 2


def test_a_bad_file_exits_2_naming_the_line_and_the_store_keeps_what_it_had(tmp_path: Path) -> None:
    data_dir = tmp_path / "var"
    good = tmp_path / "extract.tsv"
    good.write_bytes(SHIPPED_DATASETS[0][0].read_bytes())
    assert (
        run(
            "import-eurostat", str(good), "--dataset", "migr_asyappctza", "--data-dir", str(data_dir)
        ).returncode
        == 0
    )
    before = stored(data_dir)
    lines = good.read_text().splitlines()
    lines.insert(3, "A,PER,TOTAL,T,TOTAL,FRST,XX\t1 \t2 ")
    good.write_text("\n".join(lines) + "\n")
    result = run("import-eurostat", str(good), "--dataset", "migr_asyappctza", "--data-dir", str(data_dir))
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == [f"error: {good}:line 4: unknown geo code 'XX'"]
    assert stored(data_dir) == before


def test_a_file_of_another_dataset_is_refused_and_nothing_is_created(tmp_path: Path) -> None:
    data_dir = tmp_path / "var"
    result = run(
        "import-eurostat",
        str(FIXTURES / "asytpfm_sdmx.csv"),
        "--dataset",
        "migr_asytpsm",
        "--data-dir",
        str(data_dir),
    )
    assert result.returncode == 2 and "line 2" in result.stderr and "is not migr_asytpsm" in result.stderr
    assert not data_dir.exists()


def test_dedupe_output_goes_into_the_review_queue_once(tmp_path: Path) -> None:
    data_dir = tmp_path / "var"
    document = tmp_path / "clusters.json"
    document.write_text(json.dumps({"clusters": [{"ids": ["r1", "r2"], "probability": 0.98}], "pairs": 1}))
    first = run("enqueue-duplicates", str(document), "--data-dir", str(data_dir), "--json")
    second = run("enqueue-duplicates", str(document), "--data-dir", str(data_dir), "--json")
    assert json.loads(first.stdout)["added"] == 1
    assert json.loads(second.stdout) == {"added": 0, "already_queued": 1, "items": []}
    document.write_text(json.dumps({"clusters": [{"ids": ["r1"], "probability": 0.98}]}))
    bad = run("enqueue-duplicates", str(document), "--data-dir", str(data_dir))
    assert bad.returncode == 2 and "clusters[0].ids" in bad.stderr
    exported = run("export-registrations", "--data-dir", str(data_dir))
    assert exported.returncode == 0 and exported.stdout.splitlines() == [
        "id,surname,given_names,birth_date,sex,nationality,document_number,document_country,registering_state,"
        "registration_date"
    ]
