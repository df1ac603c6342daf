"""The national payment table, the totals for England and each region, and the list of boards
for peer review or recovery: rows of plain values, made from the statements alone."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

from bcf_xl.payment.money import plain
from bcf_xl.payment.statement import Statement

ENGLAND = "England"
BOARD_COLUMNS = ("hwb_code", "hwb_name", "region", "preset", "template_version", "plan_file",
                 "plan_status", "stake", "paid", "withheld", "paid_percent", "review",
                 "findings", "illustrative_actuals")
REGION_COLUMNS = ("scope", "boards", "boards_paid_in_full", "boards_for_review", "stake", "paid",
                  "withheld", "paid_percent")
REVIEW_COLUMNS = ("hwb_code", "hwb_name", "region", "preset", "stake", "paid", "withheld",
                  "action", "reasons", "illustrative_actuals")


def parts(statements: Sequence[Statement]) -> list[str]:
    """Every tranche or quarter id the statements pay on, in the order first met."""
    seen: dict[str, None] = {}
    for statement in statements:
        for line in statement.lines:
            seen.setdefault(line.part, None)
    return list(seen)


def _percent(paid: int, stake: int) -> str:
    return f"{100 * paid / stake:.1f}" if stake else ""


def board_rows(statements: Sequence[Statement]) -> tuple[list[str], list[dict[str, Any]]]:
    """One row per board; money in pounds to the penny (text, exact), a column per part."""
    names = parts(statements)
    columns = list(BOARD_COLUMNS) + [f"paid_{p}" for p in names]
    rows = []
    for s in statements:
        row = {"hwb_code": s.hwb_code, "hwb_name": s.hwb_name, "region": s.region,
               "preset": s.preset, "template_version": s.template_version,
               "plan_file": s.plan_file, "plan_status": s.plan_status, "stake": plain(s.stake),
               "paid": plain(s.paid), "withheld": plain(s.withheld),
               "paid_percent": _percent(s.paid, s.stake), "review": bool(s.review),
               "findings": len(s.findings), "illustrative_actuals": s.illustrative}
        for name in names:
            paid = [line.paid for line in s.lines if line.part == name]
            row[f"paid_{name}"] = plain(sum(paid)) if paid else ""
        rows.append(row)
    return columns, rows


@dataclass(frozen=True)
class Total:
    scope: str
    boards: int
    in_full: int
    for_review: int
    stake: int
    paid: int
    withheld: int

    def to_row(self) -> dict[str, Any]:
        return {"scope": self.scope, "boards": self.boards, "boards_paid_in_full": self.in_full,
                "boards_for_review": self.for_review, "stake": plain(self.stake),
                "paid": plain(self.paid), "withheld": plain(self.withheld),
                "paid_percent": _percent(self.paid, self.stake)}


def _total(scope: str, statements: Sequence[Statement]) -> Total:
    return Total(scope, len(statements),
                 sum(1 for s in statements if s.stake and s.paid == s.stake),
                 sum(1 for s in statements if s.review), sum(s.stake for s in statements),
                 sum(s.paid for s in statements), sum(s.withheld for s in statements))


def totals(statements: Sequence[Statement]) -> list[Total]:
    """England first, then each region in name order."""
    regions = sorted({s.region for s in statements if s.region})
    return [_total(ENGLAND, statements)] + [
        _total(r, [s for s in statements if s.region == r]) for r in regions]


def action(statement: Statement) -> str:
    if not statement.lines:
        return "nothing paid: no plan that can be paid on"
    if statement.design == "jul2014":
        return "recovery: the unearned pot pays for the extra acute activity"
    return "peer review (NHS England and LGA); withheld money held for the recovery plan"


def for_review(statements: Sequence[Statement]) -> list[Statement]:
    """The boards for peer review or recovery, most withheld first."""
    return sorted((s for s in statements if s.review), key=lambda s: (-s.withheld, s.hwb_code))


def review_rows(statements: Sequence[Statement]) -> list[dict[str, Any]]:
    listed = for_review(statements)
    return [{"hwb_code": s.hwb_code, "hwb_name": s.hwb_name, "region": s.region,
             "preset": s.preset, "stake": plain(s.stake), "paid": plain(s.paid),
             "withheld": plain(s.withheld), "action": action(s), "reasons": " | ".join(s.review),
             "illustrative_actuals": s.illustrative} for s in listed]
