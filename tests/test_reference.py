"""The bundled reference data and the loader for a user's --reference file."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from bcf_xl.reference import ReferenceError, load_reference, to_csv
from bcf_xl.reference.build import TOTALS, render


def test_151_boards_with_shared_bournemouth_and_poole(reference):
    """151 boards from 152 councils: Bournemouth and Poole share one board with both councils."""
    assert len(reference.hwbs) == 151
    board = reference.get("E06000029")
    assert board.code == "E06000028" and [c.name for c in board.councils] == ["Bournemouth", "Poole"]
    assert sum(len(h.councils) for h in reference.hwbs) == 152


def test_recoded_councils_are_found_by_either_code(reference):
    """Northumberland and Gateshead are found by their pre- and post-2013 codes."""
    assert reference.get("E06000057") == reference.get("E06000048")
    assert reference.get("E08000037") == reference.get("E08000020")
    with pytest.raises(KeyError):
        reference.get("E99999999")


def test_national_totals_are_the_published_facts(reference):
    """The illustrative split still adds up exactly to the national totals."""
    hwbs = reference.hwbs
    assert sum(h.minimum_pool_1516 for h in hwbs) == 3_800_000_000
    assert sum(h.minimum_pool_1415 for h in hwbs) == 1_100_000_000
    assert sum(h.dfg_1516 for h in hwbs) == 220_000_000
    assert sum(h.social_care_capital_1516 for h in hwbs) == TOTALS["social_care_capital_1516"]
    assert sum(h.p4p_share for h in hwbs) == 1_000_000_000
    assert all(h.ccgs and h.population_65plus < h.population_18plus < h.population_all
               for h in hwbs)


def test_bundled_data_is_labelled_illustrative(reference):
    """The bundled file says it is illustrative and how it was made."""
    assert reference.illustrative and "ILLUSTRATIVE" in reference.method


def test_bundled_file_equals_a_fresh_build():
    """The committed JSON is exactly what the builder makes from the sources."""
    committed = resources.files("bcf_xl").joinpath("data/reference-2014.json").read_text()
    assert committed == render()


def test_csv_round_trip(tmp_path, reference):
    """The bundled data written as CSV loads back to the same boards."""
    path = tmp_path / "ref.csv"
    path.write_text(to_csv(reference))
    again = load_reference(path)
    assert again.hwbs == reference.hwbs and not again.illustrative


def _csv_with(tmp_path, reference, line: int, column: str, value: str):
    text = to_csv(reference).splitlines()
    header = text[0].split(",")
    import csv, io
    rows = list(csv.reader(io.StringIO("\n".join(text))))
    rows[line - 1][header.index(column)] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path = tmp_path / "bad.csv"
    path.write_text(out.getvalue())
    return path


@pytest.mark.parametrize("line,column,value,expected", [
    (3, "ccg_minimum_1516", "12,5x", "line 3, column ccg_minimum_1516"),
    (4, "population_all", "-5", "line 4, column population_all"),
    (2, "hwb_code", "LEEDS", "line 2, column hwb_code"),
    (5, "ccg_ods_code", "", "line 5, column ccg_ods_code"),
])
def test_malformed_csv_names_line_and_column(tmp_path, reference, line, column, value, expected):
    """A bad value in a CSV is reported with its line and column."""
    with pytest.raises(ReferenceError, match=expected):
        load_reference(_csv_with(tmp_path, reference, line, column, value))


def test_inconsistent_board_rows_are_reported(tmp_path, reference):
    """A board's repeated columns that disagree between its rows are an error naming the row."""
    leeds_rows = [i for i, l in enumerate(to_csv(reference).splitlines(), 1) if l.startswith("E08000035,")]
    path = _csv_with(tmp_path, reference, leeds_rows[1], "p4p_share", "1")
    with pytest.raises(ReferenceError, match=f"line {leeds_rows[1]}, column p4p_share"):
        load_reference(path)


def test_missing_column_duplicate_board_and_empty_files(tmp_path, reference):
    """Missing columns, a board listed twice, an empty file and non-JSON are clear errors."""
    (tmp_path / "cols.csv").write_text("hwb_code,hwb_name\nE06000001,Hartlepool\n")
    with pytest.raises(ReferenceError, match="missing column"):
        load_reference(tmp_path / "cols.csv")
    data = json.loads(resources.files("bcf_xl").joinpath("data/reference-2014.json").read_text())
    data["hwbs"].append(data["hwbs"][0])
    (tmp_path / "dup.json").write_text(json.dumps(data))
    with pytest.raises(ReferenceError, match="appears twice"):
        load_reference(tmp_path / "dup.json")
    data["hwbs"] = [dict(data["hwbs"][0], ccgs=[])]
    (tmp_path / "noccg.json").write_text(json.dumps(data))
    with pytest.raises(ReferenceError, match=r"/hwbs/0, column ccgs"):
        load_reference(tmp_path / "noccg.json")
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(ReferenceError, match="empty"):
        load_reference(tmp_path / "empty.csv")
    (tmp_path / "bad.json").write_text("{nope")
    with pytest.raises(ReferenceError, match="not valid JSON"):
        load_reference(tmp_path / "bad.json")
