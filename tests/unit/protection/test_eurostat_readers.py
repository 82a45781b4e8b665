"""Reading Eurostat's bulk TSV, SDMX-CSV and JSON-stat files into one observation model."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qorgau.protection.domain.errors import (
    BrokenRowError,
    DatasetError,
    FormatError,
    UnknownCodeError,
    WrongDatasetError,
)
from qorgau.protection.domain.observations import (
    Observation,
    is_aggregate,
    normalise_time_period,
    parse_value_cell,
)
from qorgau.protection.eurostat import detect_format, parse_observations, read_observations, read_population

DATA = Path(__file__).parent / "data"


def _by_key(observations: list[Observation]) -> dict[tuple[str, str, str], Observation]:
    return {(o.code("applicant"), o.code("geo"), o.time_period): o for o in observations}


@pytest.mark.parametrize(
    ("name", "expected_format"),
    [
        ("asyappctza.tsv", "tsv"),
        ("asyappctza_sdmx.csv", "sdmx-csv"),
        ("asyappctza_jsonstat.json", "json-stat"),
    ],
)
def test_each_format_is_detected_from_its_content(name: str, expected_format: str) -> None:
    found, observations = read_observations(DATA / name, "migr_asyappctza")
    assert found == expected_format
    assert len(observations) == 12


def test_the_three_formats_of_one_cube_give_the_same_observations() -> None:
    tsv = read_observations(DATA / "asyappctza.tsv", "migr_asyappctza")[1]
    sdmx = read_observations(DATA / "asyappctza_sdmx.csv", "migr_asyappctza")[1]
    json_stat = read_observations(DATA / "asyappctza_jsonstat.json", "migr_asyappctza")[1]
    assert _by_key(tsv) == _by_key(sdmx) == _by_key(json_stat)


def test_tsv_values_keep_their_flags_and_colon_becomes_missing() -> None:
    observations = _by_key(read_observations(DATA / "asyappctza.tsv", "migr_asyappctza")[1])
    austria_2022 = observations[("FRST", "AT", "2022")]
    assert (austria_2022.value, austria_2022.flags) == (2000, "p")
    cyprus_2021 = observations[("FRST", "CY", "2021")]
    assert cyprus_2021.value is None
    assert cyprus_2021.line == 3
    assert observations[("FRST", "EU27_2020", "2022")].dimensions == {
        "freq": "A",
        "unit": "PER",
        "citizen": "TOTAL",
        "sex": "T",
        "age": "TOTAL",
        "applicant": "FRST",
        "geo": "EU27_2020",
    }


def test_aggregate_rows_are_kept_and_recognised_as_aggregates() -> None:
    observations = read_observations(DATA / "asyappctza.tsv", "migr_asyappctza")[1]
    geos = {o.code("geo") for o in observations}
    assert "EU27_2020" in geos
    assert [geo for geo in sorted(geos) if is_aggregate("geo", geo)] == ["EU27_2020"]


def test_monthly_tsv_periods_are_normalised() -> None:
    observations = read_observations(DATA / "asytpsm.tsv", "migr_asytpsm")[1]
    assert {o.time_period for o in observations} == {
        "2022-01",
        "2022-02",
        "2022-11",
        "2022-12",
        "2023-01",
        "2023-02",
    }


def test_json_stat_with_a_dense_value_list_and_one_status_string() -> None:
    observations = read_observations(DATA / "asydcfsta_jsonstat.json", "migr_asydcfsta")[1]
    assert len(observations) == 12
    positive_france_2021 = next(
        o
        for o in observations
        if o.code("decision") == "POS" and o.code("geo") == "FR" and o.time_period == "2021"
    )
    assert positive_france_2021.value == 100
    assert {o.flags for o in observations} == {"p"}


def test_gzip_compressed_bulk_file_is_read(tmp_path: Path) -> None:
    packed = tmp_path / "migr_asyappctza.tsv.gz"
    packed.write_bytes(gzip.compress((DATA / "asyappctza.tsv").read_bytes()))
    assert len(read_observations(packed, "migr_asyappctza")[1]) == 12


# --- the dataset check --------------------------------------------------------------------------------
def test_tsv_of_another_dataset_is_refused_on_its_header_line() -> None:
    with pytest.raises(WrongDatasetError) as caught:
        read_observations(DATA / "asytpsm.tsv", "migr_asyappctza")
    assert caught.value.line == 1
    assert "this file is not migr_asyappctza" in str(caught.value)


def test_annual_file_read_as_monthly_dataset_is_refused() -> None:
    text = (DATA / "asyappctza.tsv").read_text()
    with pytest.raises(WrongDatasetError, match="annual period: this file is not migr_asyappctzm"):
        parse_observations(text, "migr_asyappctzm")


def test_sdmx_csv_naming_another_dataflow_is_refused_on_the_first_data_line() -> None:
    with pytest.raises(WrongDatasetError) as caught:
        read_observations(DATA / "asytpfm_sdmx.csv", "migr_asytpsm")
    assert caught.value.line == 2
    assert "ESTAT:MIGR_ASYTPFM(1.0) is not migr_asytpsm" in str(caught.value)


def test_json_stat_naming_another_dataset_is_refused() -> None:
    document = json.loads((DATA / "asyappctza_jsonstat.json").read_text())
    document["extension"]["id"] = "MIGR_ASYAPPCTZM"
    with pytest.raises(WrongDatasetError, match=r"extension\.id MIGR_ASYAPPCTZM is not migr_asyappctza"):
        parse_observations(json.dumps(document, indent=1), "migr_asyappctza")


def test_text_that_is_no_eurostat_format_is_refused_on_line_one() -> None:
    with pytest.raises(FormatError) as caught:
        detect_format("geo,year,value\nDE,2022,1\n")
    assert caught.value.line == 1


# --- broken rows and unknown codes --------------------------------------------------------------------
TSV_HEADER = "freq,unit,citizen,sex,age,applicant,geo\\TIME_PERIOD\t2021 \t2022 \n"


def test_unknown_geo_code_names_its_line() -> None:
    text = TSV_HEADER + "A,PER,TOTAL,T,TOTAL,FRST,DE\t1 \t2 \nA,PER,TOTAL,T,TOTAL,FRST,XX\t1 \t2 \n"
    with pytest.raises(UnknownCodeError) as caught:
        parse_observations(text, "migr_asyappctza", source="extract.tsv")
    assert caught.value.line == 3
    assert str(caught.value) == "extract.tsv:line 3: unknown geo code 'XX'"


def test_unknown_applicant_code_names_its_line() -> None:
    text = TSV_HEADER + "A,PER,TOTAL,T,TOTAL,NASY,DE\t1 \t2 \n"
    with pytest.raises(UnknownCodeError, match="line 2: unknown applicant code 'NASY'"):
        parse_observations(text, "migr_asyappctza")


def test_row_with_a_missing_cell_names_its_line() -> None:
    text = TSV_HEADER + "A,PER,TOTAL,T,TOTAL,FRST,DE\t1 \n"
    with pytest.raises(BrokenRowError, match="line 2: expected 3 tab-separated cells, found 2"):
        parse_observations(text, "migr_asyappctza")


def test_value_that_is_not_a_number_names_its_line_and_period() -> None:
    text = TSV_HEADER + "A,PER,TOTAL,T,TOTAL,FRST,DE\t1 \t2 \nA,PER,TOTAL,T,TOTAL,FRST,FR\t1O0 \t2 \n"
    with pytest.raises(BrokenRowError, match="line 3: period 2021: '1O0' is not a value"):
        parse_observations(text, "migr_asyappctza")


def test_unknown_flag_is_a_broken_row() -> None:
    text = TSV_HEADER + "A,PER,TOTAL,T,TOTAL,FRST,DE\t1 q\t2 \n"
    with pytest.raises(BrokenRowError, match="line 2: period 2021: unknown observation flag"):
        parse_observations(text, "migr_asyappctza")


def test_the_same_figure_given_twice_is_refused() -> None:
    text = TSV_HEADER + "A,PER,TOTAL,T,TOTAL,FRST,DE\t1 \t2 \nA,PER,TOTAL,T,TOTAL,FRST,DE\t1 \t2 \n"
    with pytest.raises(BrokenRowError, match=r"line 3: .* given twice \(first on line 2\)"):
        parse_observations(text, "migr_asyappctza")


def test_sdmx_csv_with_a_broken_value_names_its_line() -> None:
    lines = (DATA / "asyappctza_sdmx.csv").read_text().splitlines()
    lines[4] = lines[4].replace(",500,", ",five hundred,")
    with pytest.raises(BrokenRowError, match="line 5: OBS_VALUE: 'five hundred' is not a number"):
        parse_observations("\n".join(lines) + "\n", "migr_asyappctza")


def test_json_stat_with_an_unknown_code_names_the_line_of_the_code() -> None:
    text = (DATA / "asyappctza_jsonstat.json").read_text().replace('"CY"', '"QQ"')
    with pytest.raises(UnknownCodeError) as caught:
        parse_observations(text, "migr_asyappctza")
    assert "unknown geo code 'QQ'" in str(caught.value)
    assert caught.value.line is not None
    assert '"QQ"' in text.splitlines()[caught.value.line - 1]


def test_invalid_json_names_the_line() -> None:
    with pytest.raises(FormatError, match="line 2: invalid JSON"):
        parse_observations('{"class": "dataset",\n "id": [,]}', "migr_asyappctza")


def test_a_missing_file_is_a_dataset_error(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="cannot read"):
        read_observations(tmp_path / "absent.tsv", "migr_asyappctza")


# --- cells, periods and the population table ----------------------------------------------------------
def test_value_cells_of_the_bulk_format() -> None:
    assert parse_value_cell("217735 ") == (217735, "")
    assert parse_value_cell("123 p") == (123, "p")
    assert parse_value_cell(": c") == (None, "c")
    assert parse_value_cell(":") == (None, "")
    assert parse_value_cell("4.5 ep") == (4.5, "ep")


@given(
    value=st.one_of(st.none(), st.integers(min_value=0, max_value=10**9)),
    flags=st.text(alphabet="bcdefnprsuz", max_size=3),
    spaces=st.integers(min_value=0, max_value=2),
)
def test_a_rendered_value_cell_parses_back_to_itself(value: int | None, flags: str, spaces: int) -> None:
    cell = (":" if value is None else str(value)) + " " + flags + " " * spaces
    assert parse_value_cell(cell) == (value, flags)


@given(year=st.integers(min_value=1900, max_value=2999), month=st.integers(min_value=1, max_value=12))
def test_both_spellings_of_a_month_normalise_alike(year: int, month: int) -> None:
    expected = f"{year}-{month:02d}"
    assert normalise_time_period(f"{year}M{month:02d}", "M") == expected
    assert normalise_time_period(f"{year}-{month:02d}", "M") == expected
    assert normalise_time_period(f"{year}", "M") is None
    assert normalise_time_period(expected, "A") is None


def test_population_table_is_read_for_its_year(tmp_path: Path) -> None:
    table = tmp_path / "population.csv"
    table.write_text("geo,year,population\nDE,2022,83237124\nDE,2023,84358845\nEU27_2020,2022,446700000\n")
    assert read_population(table, 2022) == {"DE": 83237124, "EU27_2020": 446700000}
    with pytest.raises(DatasetError, match="no population on 1 January 2021"):
        read_population(table, 2021)


def test_population_table_with_a_broken_row_names_its_line(tmp_path: Path) -> None:
    table = tmp_path / "population.csv"
    table.write_text("geo,year,population\nDE,2022,83237124\nFR,2022,many\n")
    with pytest.raises(BrokenRowError, match="line 3"):
        read_population(table, 2022)


# --- decoders agree on random cubes -------------------------------------------------------------------
cells = st.tuples(
    st.one_of(st.none(), st.integers(min_value=0, max_value=10**7)), st.sampled_from(["", "p", "e", "bp"])
)


@given(
    geos=st.lists(
        st.sampled_from(["AT", "BE", "DE", "EL", "FR", "SE", "EU27_2020"]),
        min_size=1,
        max_size=4,
        unique=True,
    ),
    years=st.lists(st.integers(min_value=2008, max_value=2024), min_size=1, max_size=3, unique=True),
    data=st.data(),
)
def test_tsv_sdmx_and_json_stat_renderings_of_a_cube_decode_alike(
    geos: list[str], years: list[int], data: st.DataObject
) -> None:
    geos, years = sorted(geos), sorted(years)
    cube = {(geo, year): data.draw(cells) for geo in geos for year in years}
    dims = "A,PER,TOTAL,T,TOTAL,FRST"
    tsv = "freq,unit,citizen,sex,age,applicant,geo\\TIME_PERIOD\t" + "\t".join(f"{y} " for y in years) + "\n"
    for geo in geos:
        rendered = [(":" if v is None else str(v)) + " " + f for v, f in (cube[geo, y] for y in years)]
        tsv += f"{dims},{geo}\t" + "\t".join(rendered) + "\n"
    sdmx = "DATAFLOW,LAST UPDATE,freq,unit,citizen,sex,age,applicant,geo,TIME_PERIOD,OBS_VALUE,OBS_FLAG\n"
    for (geo, year), (value, flag) in cube.items():
        sdmx += f"ESTAT:MIGR_ASYAPPCTZA(1.0),x,{dims},{geo},{year},{'' if value is None else value},{flag}\n"
    ids = ["freq", "unit", "citizen", "sex", "age", "applicant", "geo", "time"]
    single = {"freq": "A", "unit": "PER", "citizen": "TOTAL", "sex": "T", "age": "TOTAL", "applicant": "FRST"}
    dimension = {name: {"category": {"index": [code]}} for name, code in single.items()}
    dimension["geo"] = {"category": {"index": geos}}
    dimension["time"] = {"category": {"index": [str(y) for y in years]}}
    values = [cube[geo, year][0] for geo in geos for year in years]
    statuses = {
        str(i): cube[geo, year][1] for i, (geo, year) in enumerate((g, y) for g in geos for y in years)
    }
    document = {
        "version": "2.0",
        "class": "dataset",
        "id": ids,
        "size": [1, 1, 1, 1, 1, 1, len(geos), len(years)],
        "dimension": dimension,
        "value": values,
        "status": statuses,
    }
    decoded = [
        sorted(parse_observations(text, "migr_asyappctza")[1], key=lambda o: (o.code("geo"), o.time_period))
        for text in (tsv, sdmx, json.dumps(document))
    ]
    assert decoded[0] == decoded[1] == decoded[2]
    assert [(o.value, o.flags) for o in decoded[0]] == [cube[geo, year] for geo in geos for year in years]
