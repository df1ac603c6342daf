"""The main job on the bundled data, end to end, as February 2014 would have gone.

Generate every board's template, fill each as the board would (the example return), with a
realistic share of the mistakes assurers saw: a missing sign-off, totals that do not balance, a
condition not met without a date, a high risk without mitigation, an early draft sent as well
as the final, a return sent under another board's file name, a few boards that sent nothing,
a foreign workbook, a file that is not a workbook and an Excel lock file. Then batch-validate the
mailbox. Which board gets which mistake is fixed, so every demo run gives the same reports.
"""

from __future__ import annotations

import copy
import datetime as dt
import shutil
from pathlib import Path
from typing import Any, Callable

import xlsxwriter

from bcf_xl.samples.example import example_document
from bcf_xl.samples.fill import fill_workbook
from bcf_xl.issue.workbook import generate_workbook
from bcf_xl.parallel import map_in_processes
from bcf_xl.reference import Hwb, Reference
from bcf_xl.spec.model import Template

ISSUED = dt.date(2014, 1, 6)
SILENT = ("E06000053", "E09000001", "E10000021")  # boards that sent nothing


def _no_chair_signoff(doc: dict[str, Any]) -> None:
    doc["cover"].pop("chair_signed", None)
    doc["cover"].pop("chair_name", None)


def _unbalanced(doc: dict[str, Any]) -> None:
    doc["schemes"]["rows"][1]["expenditure_1516"] += 250_000


def _condition_without_date(doc: dict[str, Any]) -> None:
    doc["national_conditions"]["conditions"]["c3"] = {
        **doc["national_conditions"]["conditions"]["c3"], "met": "No - in progress"}


def _risk_without_mitigation(doc: dict[str, Any]) -> None:
    risk = doc["risks"]["register"][0]
    risk.pop("mitigation", None)
    risk.pop("contingency", None)


def _ccg_not_signed(doc: dict[str, Any]) -> None:
    doc["cover"]["ccg_signoff"][0]["signed"] = "No"


# Every seventh board, in code order, makes one of these mistakes in turn.
MISTAKES: tuple[Callable[[dict[str, Any]], None], ...] = (
    _no_chair_signoff, _unbalanced, _condition_without_date, _risk_without_mitigation,
    _ccg_not_signed)


def _hostile_and_foreign(mailbox: Path) -> None:
    wb = xlsxwriter.Workbook(str(mailbox / "Budget summary 2014-15.xlsx"), {"in_memory": True})
    wb.add_worksheet("Summary").write_row(0, 0, ["Service", "Budget"])
    wb.close()
    (mailbox / "Covering letter.xlsx").write_bytes(
        b"%PDF-1.4\n% Covering letter for our Better Care Fund plan\n%%EOF\n")


def _one_board(shared: tuple[Template, list[Hwb], Path, Path], n: int) -> None:
    """Board n's template, and what it sent (nothing, a return, a return with a mistake)."""
    template, boards, templates, mailbox = shared
    hwb = boards[n]
    blank = generate_workbook(template, hwb, templates, ISSUED)
    if hwb.code in SILENT:
        return
    doc = example_document(template, hwb)
    if n % 7 == 3:
        MISTAKES[(n // 7) % len(MISTAKES)](doc)
    if n == 10:  # an early draft, sent before the final one below
        draft = copy.deepcopy(doc)
        _no_chair_signoff(draft)
        draft["cover"]["hwb_signoff_date"] = "2014-01-30"
        fill_workbook(blank, draft, mailbox / f"DRAFT {blank.name}", template)
    name = blank.name
    if n == 20:  # saved under the next board's file name
        name = f"{boards[n + 1].code}_{blank.name.split('_', 1)[1]}"
    fill_workbook(blank, doc, mailbox / name, template)


def build_mailbox(template: Template, reference: Reference, root: Path,
                  progress: Callable[[], None] = lambda: None, workers: int = 1) -> Path:
    """Templates under root/templates, the returns as they would arrive under root/mailbox.
    Each board's files depend only on the board, so workers change the time, not the files."""
    templates, mailbox = root / "templates", root / "mailbox"
    for folder in (templates, mailbox):
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
    boards = list(reference.hwbs)
    map_in_processes(_one_board, (template, boards, templates, mailbox), range(len(boards)),
                     workers, on_done=lambda _: progress())
    _hostile_and_foreign(mailbox)
    (mailbox / f"~${boards[0].code}_return.xlsx").write_bytes(b"\x00" * 165)
    return mailbox
