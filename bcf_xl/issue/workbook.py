"""Generate one planning template for one Health and Wellbeing Board: orchestration only.

Output is byte-identical for the same spec, reference row and issue date: xlsxwriter is given a
fixed creation time, runs in memory mode (fixed zip entry times) and every collection is written
in a defined order.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from bcf_xl.issue import prepopulate
from bcf_xl.atomic import atomic_path
from bcf_xl.spec.compute import Computation
from bcf_xl.issue.checklist_sheet import write_checklist
from bcf_xl.issue.form import FormWriter
from bcf_xl.issue.guidance import write_guidance
from bcf_xl.issue.layout import SheetLayout, layout_sheet
from bcf_xl.issue.metadata import LISTS_SHEET, formula_cells, write_lists, write_meta
from bcf_xl.issue.styles import Styles
from bcf_xl.spec.identity import META_SHEET, TEMPLATE_ID, Identity, digest
from bcf_xl.reference import Hwb
from bcf_xl.spec.checklist import items as checklist_items
from bcf_xl.spec.model import Template
from bcf_xl.spec.rows import RowSeed

CHECKLIST_SHEET = "Checklist"


class _Worksheet(Worksheet):
    """A worksheet that writes formulas as given.

    xlsxwriter rewrites some 30 dynamic-array function names in every formula, one regular
    expression each, which was a fifth of the time to generate a template. bcf-xl's formulas use
    none of those functions (tests/test_generate.py checks every formula the spec can produce),
    so only the leading '=' is removed, as xlsxwriter would.
    """

    def _prepare_formula(self, formula: str, expand_future_functions: bool = False) -> str:
        return formula[1:] if formula.startswith("=") else formula


def print_header(template: Template, hwb: Hwb, issued: dt.date) -> tuple[str, str]:
    """Page header and footer (Excel's codes: &L &C &R sections, &A sheet, &P page, &N pages;
    a literal & is doubled)."""
    def text(value: str) -> str:
        return value.replace("&", "&&")
    header = (f"&L&9{text(hwb.name)} ({hwb.code})&C&9&A"
              f"&R&9Better Care Fund plan, template version {template.version}")
    footer = (f"&L&9Issued by NHS England on {issued:%d/%m/%Y}&C&9Page &P of &N"
              f"&R&9{text(template.id)} {template.version}")
    return header, footer


def file_name(template: Template, hwb: Hwb) -> str:
    """ONS code first, so a folder of returns sorts by board and a code is never ambiguous."""
    safe = "".join(ch if ch.isalnum() else "-" for ch in hwb.name).strip("-")
    while "--" in safe:
        safe = safe.replace("--", "-")
    return f"{hwb.code}_{safe}_BCF-plan-{template.version}.xlsx"


@dataclass(frozen=True)
class Board:
    """All a template is rendered from, besides the version's spec: the board as written, the
    issue date, and what was computed from its figures (formula results, the checklist's
    answers and the checks' verdicts, in the renderer's order, and the identity digest).
    Frozen and hashable: the stamper keys its bases on one."""

    hwb: Hwb
    issued: dt.date
    results: tuple[tuple[str, Any], ...]  # (JSON pointer of a formula cell, its value)
    answers: tuple[str, ...]
    verdicts: tuple[str, ...]
    digest: str


class _BlankComputation(Computation):
    """The computation of a blank template: each name's value worked out once (the checks ask
    for the same few names on every row; Computation itself keeps the answers and verdicts)."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._names: dict[str, Any] = {}

    def name(self, qid: str) -> Any:
        if qid not in self._names:
            self._names[qid] = super().name(qid)
        return self._names[qid]


def board_for(template: Template, hwb: Hwb, issued: dt.date) -> Board:
    """What the template of one board is rendered from."""
    seeds = _seeds(template, hwb)
    computation = _BlankComputation(template, prepopulate.issued_document(template, hwb),
                                    lambda t: seeds[t.qid])
    results = computation.all()
    return Board(hwb, issued, tuple(results.items()),
                 tuple(a for _, a in computation.checklist_answers()),
                 tuple(v for _, v in computation.check_verdicts()),
                 digest(prepopulate.prepopulated_values(template, hwb)))


def generate_workbook(template: Template, hwb: Hwb, out_dir: Path, issued: dt.date) -> Path:
    """Write the template for one board into out_dir; returns its path. Written atomically."""
    target = Path(out_dir) / file_name(template, hwb)
    with atomic_path(target) as tmp:
        _write(template, hwb, tmp, issued)
    return target


def _write(template: Template, hwb: Hwb, path: Path, issued: dt.date) -> None:
    render(template, board_for(template, hwb, issued), path)


def _seeds(template: Template, hwb: Hwb) -> dict[str, tuple[RowSeed, ...]]:
    return {t.qid: prepopulate.table_rows(template, t, hwb)
            for s in template.form_sheets() for t in s.tables()}


def render(template: Template, board: Board, target: Path | BinaryIO) -> xlsxwriter.Workbook:
    """Write the workbook of one board to a path or a binary file; returns the closed
    workbook (the stamper reads its string table)."""
    hwb, issued = board.hwb, board.issued
    seeds = _seeds(template, hwb)
    data = prepopulate.issued_document(template, hwb)
    results = dict(board.results)
    prepopulated = prepopulate.prepopulated_values(template, hwb)
    identity = Identity(TEMPLATE_ID, template.version, hwb.code, hwb.name, issued.isoformat(),
                        board.digest)
    items = list(checklist_items(template, lambda t: seeds[t.qid]))
    if len(items) != len(board.answers) or len(template.checks) != len(board.verdicts):
        raise ValueError("the board's answers or verdicts do not match the template")

    wb = xlsxwriter.Workbook(target if not isinstance(target, Path) else str(target),
                             {"in_memory": True})
    created = dt.datetime.combine(issued, dt.time(9, 0))
    wb.set_properties({"title": f"{template.title}: {hwb.name}", "author": "NHS England",
                       "company": "NHS England", "subject": f"{TEMPLATE_ID} {template.version}",
                       "created": created})
    styles = Styles(wb, template.style)

    header, footer = print_header(template, hwb, issued)

    def add(title: str) -> Worksheet:
        ws = wb.add_worksheet(title, worksheet_class=_Worksheet)
        # Printed, each sheet fits the width of landscape A4 pages, and every page says whose
        # plan it is, which template, which sheet and which page.
        ws.set_landscape()
        ws.set_paper(9)
        ws.fit_to_pages(1, 0)
        ws.set_header(header)
        ws.set_footer(footer)
        return ws

    guidance = add(template.sheet("guidance").title)
    layouts: dict[str, SheetLayout] = {}
    for sheet in template.form_sheets():
        layouts[sheet.id] = layout_sheet(sheet, seeds)
        FormWriter(wb, add(sheet.title), template, styles, results).write(
            layouts[sheet.id], hwb.name, data[sheet.id])
    checklist = add(CHECKLIST_SHEET)
    write_checklist(wb, checklist, styles, template,
                    answers=list(zip(items, board.answers)),
                    verdicts=list(zip(template.checks, board.verdicts)), layouts=layouts,
                    seeds=seeds,
                    issued=prepopulated)
    write_guidance(guidance, template, styles, hwb.name, issued.strftime("%d %B %Y"))
    write_lists(wb, add(LISTS_SHEET), template)
    write_meta(wb, add(META_SHEET), identity, prepopulated,
               {CHECKLIST_SHEET: formula_cells(checklist)})
    guidance.activate()
    wb.close()
    return wb
