"""What an assurer downloads from the intake: the consolidated dataset of each board's counted
return ("the latest valid return counts; if none is valid, the latest"), within their scope."""

from __future__ import annotations

import csv
import io
import zipfile

import openpyxl
import pytest

from bcf_xl.samples.demo import MISTAKES
from bcf_xl.web.access import board_keys
from bcf_xl.web.dashboard import national_workbook, reports_zip
from bcf_xl.web.service import Service
from bcf_xl.web.settings import Settings

LEEDS, CITY = "E08000035", "E09000001"  # Yorkshire and the Humber; London
# The sheets of national.xlsx about every file or about the data, not the counted returns' data.
NOT_DATASETS = {"overview", "summary", "findings", "figures", "dictionary", "columns"}


@pytest.fixture(scope="module")
def intake(tmp_path_factory, filled_example, return_with):
    """Leeds sends a valid return, then a later invalid one; the City of London one valid
    return. Yields the service and principals: national and London assurers."""
    data = tmp_path_factory.mktemp("downloads") / "data"
    service = Service(Settings(data_dir=data, workers=1))
    keys = board_keys([service.reference.get(LEEDS), service.reference.get(CITY)])
    service.keys.import_board_keys(keys)
    national = service.keys.principal(service.keys.issue_assurer(None)[1])
    london = service.keys.principal(service.keys.issue_assurer("London")[1])
    service.start()
    sent = {LEEDS: [filled_example(LEEDS), return_with(LEEDS, MISTAKES[1], name="later")],
            CITY: [filled_example(CITY)]}
    ids = {}
    for key in keys:
        board = service.reference.get(key.hwb_code)
        principal = service.keys.principal(key.key)
        for path in sent[key.hwb_code]:
            with open(path, "rb") as handle:
                ids.setdefault(key.hwb_code, []).append(
                    service.receive(principal, board, path.name, handle).id)
    yield service, national, london, ids
    service.close()


def _sheets(path) -> dict[str, list[dict]]:
    wb = openpyxl.load_workbook(path, read_only=True)
    out = {}
    for ws in wb.worksheets:
        rows = list(ws.iter_rows(values_only=True))
        if rows:
            header = [str(h) for h in rows[0]]
            out[ws.title] = [dict(zip(header, r)) for r in rows[1:]]
    return out


def _board_rows(sheets: dict[str, list[dict]], code: str) -> list[dict]:
    return [r for rows in sheets.values() for r in rows if code in {str(v) for v in r.values()}]


def test_the_national_dataset_holds_each_boards_counted_return(intake, tmp_path):
    """Leeds's later return is invalid, so its first (valid) one counts: the dataset's rows for
    Leeds come from that submission, and the City of London's from its only one."""
    service, national, _, ids = intake
    sheets = _sheets(national_workbook(service, national, tmp_path / "national.xlsx"))
    counted = {r["hwb_code"]: r for r in sheets["summary"] if r["counted"] == "yes"}
    assert counted[LEEDS]["status"] == "valid" and counted[CITY]["status"] == "valid"
    assert str(counted[LEEDS]["file"]).startswith(f"#{ids[LEEDS][0]} ")
    later = [r for r in sheets["summary"] if str(r["file"]).startswith(f"#{ids[LEEDS][1]} ")]
    assert [(r["status"], r["counted"]) for r in later] == [("invalid", "no")]
    leeds = [r for name, rows in sheets.items() if name not in NOT_DATASETS
             for r in rows if LEEDS in {str(v) for v in r.values()}]
    assert leeds, "no dataset rows for Leeds"
    files = {str(r.get("file")) for r in leeds if r.get("file")}
    assert files and all(f.startswith(f"#{ids[LEEDS][0]} ") for f in files), files


def test_a_regional_assurer_downloads_only_their_region(intake, tmp_path):
    service, _, london, _ = intake
    sheets = _sheets(national_workbook(service, london, tmp_path / "london.xlsx"))
    assert {r["hwb_code"] for r in sheets["summary"]} == {CITY}
    assert not _board_rows(sheets, LEEDS)
    with zipfile.ZipFile(reports_zip(service, london, tmp_path / "london.zip")) as zf:
        summary = next(n for n in zf.namelist() if n.endswith("summary.csv"))
        rows = list(csv.DictReader(io.StringIO(zf.read(summary).decode("utf-8-sig"))))
        assert {r["hwb_code"] for r in rows} == {CITY}
        assert not any(LEEDS in zf.read(n).decode("utf-8", "replace")
                       for n in zf.namelist() if n.endswith(".csv"))
