"""The short summary a payment run prints: the money, the boards, the findings, where to look.

Counts and totals only: no text from a return or an actuals file reaches the terminal here.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Sequence

from bcf_xl.findings import Severity
from bcf_xl.payment.calculate import NO_PLAN
from bcf_xl.payment.national import totals
from bcf_xl.payment.statement import ILLUSTRATIVE, RunInfo, Statement
from bcf_xl.payment.money import pounds


def summary_lines(statements: Sequence[Statement], actuals_findings: Sequence, run: RunInfo,
                  out: Path) -> list[str]:
    england = totals(statements)[0]
    share = f" ({100 * england.paid / england.stake:.1f}%)" if england.stake else ""
    no_plan = sum(1 for s in statements if s.plan_status == NO_PLAN)
    invalid = sum(1 for s in statements if s.plan_status == "invalid")
    codes = Counter(f.code.split(".")[0] for s in statements for f in s.findings)
    codes.update(f.code.split(".")[0] for f in actuals_findings)
    errors = sum(1 for f in actuals_findings if f.severity is Severity.ERROR)
    lines = [f"Template {v}: {i} ({t})" for v, i, t in run.presets]
    if run.illustrative:
        lines.append(ILLUSTRATIVE)
    lines += [
        f"England: at stake {pounds(england.stake)}; paid {pounds(england.paid)}{share}; "
        f"withheld {pounds(england.withheld)}",
        f"Boards: {england.boards}; {england.in_full} paid in full, {england.for_review} for peer "
        f"review or recovery, {no_plan} with no plan, {invalid} with an invalid plan",
        f"Findings: {codes.get('actuals', 0)} about the actual-performance file ({errors} "
        f"error(s)), {codes.get('payment', 0)} about plans and boards (findings.csv)",
        f"Outputs in {out}: index.html (start here), payments.csv, payments.xlsx, review.csv, "
        f"findings.csv, statements.json, statements/",
    ]
    lines += [f"Note: {n}" for n in run.notes]
    return lines
