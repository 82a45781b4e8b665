"""``qorgau protection dedupe``: the JSON contract, quality on a generated file, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from qorgau.protection.cli import app
from qorgau.protection.domain.linkage import (
    COMPARISON_LEVELS,
    REGISTRATION_COLUMNS,
    Link,
    connected_clusters,
    pairwise_quality,
)
from qorgau.protection.synthetic import generate_registrations, truth, write_csv

runner = CliRunner()
HEADER = ",".join(REGISTRATION_COLUMNS)
GOOD_ROW = "R1,Шевченко,Олена,1985-07-03,F,UA,FA123456,UA,PL,2022-03-10"


def _run(*arguments: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(arguments))
    return result.exit_code, result.stdout, result.stderr


def _bad_input(*arguments: str) -> str:
    code, stdout, stderr = _run(*arguments)
    assert code == 2, (stdout, stderr)
    assert stdout == ""
    assert len(stderr.strip().splitlines()) == 1, stderr
    return stderr.strip()


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    registrations = generate_registrations(600, seed=3)
    path = tmp_path_factory.mktemp("dedupe") / "registrations.csv"
    write_csv(registrations, path, with_truth=True)  # the extra person_id column is ignored
    return path, truth(registrations)


@pytest.fixture(scope="module")
def answer(generated: tuple[Path, dict[str, str]]) -> dict[str, Any]:
    path, _ = generated
    code, stdout, stderr = _run("dedupe", str(path), "--links", "--json")
    assert code == 0, stderr
    document: dict[str, Any] = json.loads(stdout)
    return document


def test_the_answer_has_the_contract_shape(answer: dict[str, Any]) -> None:
    assert set(answer) >= {"clusters", "pairs"}
    assert isinstance(answer["pairs"], int)
    assert answer["clusters"]
    for cluster in answer["clusters"]:
        assert len(cluster["ids"]) >= 2
        assert all(isinstance(record, str) for record in cluster["ids"])
        assert 0.9 <= cluster["probability"] <= 1.0
        assert set(cluster["agreements"]) == set(COMPARISON_LEVELS)
    assert answer["threshold"] == 0.9
    assert answer["records"] == 600


def test_pairs_counts_the_links_at_or_above_the_threshold_inside_the_clusters(answer: dict[str, Any]) -> None:
    links = [link for cluster in answer["clusters"] for link in cluster["links"]]
    assert answer["pairs"] == len(links)
    assert all(link["probability"] >= 0.9 for link in links)
    assert all(len(cluster["links"]) >= len(cluster["ids"]) - 1 for cluster in answer["clusters"])


def test_splinks_clusters_are_the_connected_components_of_the_links(answer: dict[str, Any]) -> None:
    links = [
        Link(link["ids"][0], link["ids"][1], link["probability"])
        for cluster in answer["clusters"]
        for link in cluster["links"]
    ]
    expected = connected_clusters(links, answer["threshold"])
    assert sorted(tuple(cluster["ids"]) for cluster in answer["clusters"]) == sorted(expected)


def test_generated_duplicates_are_found_with_high_precision_and_recall(
    answer: dict[str, Any], generated: tuple[Path, dict[str, str]]
) -> None:
    _, known = generated
    quality = pairwise_quality([cluster["ids"] for cluster in answer["clusters"]], known)
    assert quality.true_pairs > 50
    assert quality.precision >= 0.95, quality
    assert quality.recall >= 0.9, quality


FAMILY = [
    HEADER,
    "A1,Шевченко,Олександр,1985-07-03,M,UA,ME123456,UA,PL,2022-03-10",
    "A2,SHEVCHENKO,Oleksandr Petrovych,1985-03-07,M,UA,МЕ 123456,UA,DE,2022-09-01",
    "B1,Шевченко,Ірина,1987-11-20,F,UA,FA654321,UA,PL,2022-03-10",
    "C1,Коваленко,Андрій,1990-01-15,M,UA,,,CZ,2022-04-01",
]


def test_a_cyrillic_and_a_latin_registration_of_one_person_make_one_cluster(tmp_path: Path) -> None:
    path = tmp_path / "family.csv"
    path.write_text("\n".join(FAMILY) + "\n", encoding="utf-8")
    code, stdout, stderr = _run("dedupe", str(path), "--json")
    assert code == 0, stderr
    document = json.loads(stdout)
    assert [cluster["ids"] for cluster in document["clusters"]] == [["A1", "A2"]]
    agreements = document["clusters"][0]["agreements"]
    assert agreements["birth_date"] == "day_month_swapped"
    assert agreements["document"] == "exact"
    assert agreements["surname"] == "exact"


def test_text_output_summarises_the_clusters(tmp_path: Path) -> None:
    path = tmp_path / "family.csv"
    path.write_text("\n".join(FAMILY) + "\n", encoding="utf-8")
    code, stdout, _ = _run("dedupe", str(path), "--threshold", "0.99")
    assert code == 0
    assert (
        stdout.splitlines()[0]
        == "4 registrations; 1 pairs at or above 0.99; 1 clusters holding 2 registrations."
    )
    assert "A1 A2" in stdout
    assert "birth_date day_month_swapped" in stdout


def test_a_row_with_a_bad_date_is_refused_naming_its_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(
        f"{HEADER}\n{GOOD_ROW}\nR2,Коваль,Ірина,1990-13-01,F,UA,,,DE,2022-03-11\n", encoding="utf-8"
    )
    message = _bad_input("dedupe", str(path), "--json")
    assert "line 3" in message
    assert "birth_date" in message


def test_a_row_with_too_few_cells_is_refused_naming_its_line(tmp_path: Path) -> None:
    path = tmp_path / "short.csv"
    path.write_text(
        f"{HEADER}\n{GOOD_ROW}\n{GOOD_ROW.replace('R1', 'R2')}\nR3,Коваль,Ірина\n", encoding="utf-8"
    )
    assert "line 4" in _bad_input("dedupe", str(path), "--json")


def test_a_duplicated_id_is_refused_naming_both_lines(tmp_path: Path) -> None:
    path = tmp_path / "twice.csv"
    path.write_text(f"{HEADER}\n{GOOD_ROW}\n{GOOD_ROW}\n", encoding="utf-8")
    message = _bad_input("dedupe", str(path), "--json")
    assert "line 3" in message
    assert "line 2" in message


def test_a_file_without_the_contract_columns_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.csv"
    path.write_text("geo,population\nDE,83000000\n", encoding="utf-8")
    message = _bad_input("dedupe", str(path), "--json")
    assert "line 1" in message
    assert "surname" in message


def test_a_file_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes(
        f"{HEADER}\n{GOOD_ROW}\n".encode()
        + "R2,Müller,Jörg,1980-01-01,M,DE,,,DE,2022-03-01\n".encode("latin-1")
    )
    message = _bad_input("dedupe", str(path))
    assert "UTF-8" in message
    assert "line 3" in message


def test_a_missing_file_and_a_bad_threshold_are_refused(tmp_path: Path) -> None:
    assert "no such file" in _bad_input("dedupe", str(tmp_path / "none.csv"), "--json")
    path = tmp_path / "one.csv"
    path.write_text(f"{HEADER}\n{GOOD_ROW}\n", encoding="utf-8")
    assert "--threshold" in _bad_input("dedupe", str(path), "--threshold", "1.5")
    assert "--threshold" in _bad_input("dedupe", str(path), "--threshold", "high")


def test_a_file_with_one_registration_has_no_clusters(tmp_path: Path) -> None:
    path = tmp_path / "one.csv"
    path.write_text(f"{HEADER}\n{GOOD_ROW}\n", encoding="utf-8")
    code, stdout, _ = _run("dedupe", str(path), "--json")
    assert code == 0
    assert json.loads(stdout)["clusters"] == []
    assert json.loads(stdout)["pairs"] == 0
