"""Reading a crossings CSV: columns, separators, line numbers of the rows that cannot be read."""

from __future__ import annotations

from datetime import date

from qorgau.foreigners.imports import read_crossings_csv


def test_rows_are_read_with_their_line_numbers_and_bad_dates_named() -> None:
    lines, bad = read_crossings_csv(
        "\ufeffperson_id,entry,exit,entry_border_point\n"
        "p1,2026-06-01,2026-07-20,Khorgos\n"
        "\n"
        "p2,2026-06-31,,\n"
        "p3,2026-09-10,,Almaty airport\n"
    )
    assert [(line.line, line.person_id, line.entry, line.exit) for line in lines] == [
        (2, "p1", date(2026, 6, 1), date(2026, 7, 20)),
        (5, "p3", date(2026, 9, 10), None),
    ]
    assert [(b.line, b.field) for b in bad] == [(4, "entry")]
    assert "'2026-06-31' is not a date" in bad[0].message


def test_semicolons_and_several_citizenships_are_understood() -> None:
    lines, bad = read_crossings_csv(
        b"NAME;Birth_Date;citizenship;entry;exit\nAnna Smith;1979-02-03;us de;2026-10-01;\n"
    )
    assert not bad
    assert lines[0].name == "Anna Smith" and lines[0].citizenships == ("US", "DE")


def test_a_named_person_needs_a_birth_date_and_a_row_needs_someone() -> None:
    _lines, bad = read_crossings_csv("name,birth_date,entry\nAnna Smith,,2026-10-01\n,,2026-10-02\n")
    assert [(b.line, b.field) for b in bad] == [(2, "birth_date"), (3, "person_id")]


def test_a_header_without_entry_is_one_bad_row_at_line_one() -> None:
    lines, bad = read_crossings_csv("person_id,arrival\np1,2026-01-01\n")
    assert lines == [] and [(b.line, b.field) for b in bad] == [(1, "entry")]
