"""Pay every board: which preset covers each plan, and one statement per board.

Every board of the reference data gets a statement, paid or not, so that nothing is skipped
silently: a board with no readable return, a plan on a template version no chosen preset
covers, and an invalid plan each get a statement that pays nothing and says why. The money
followed whichever design a board's plan was made under, so a run can pay plans of two
template versions at once, each under its own preset.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Iterable, Mapping, Sequence

from bcf_xl.payment.actuals import Actuals
from bcf_xl.payment.designs import DESIGN_1, Preset, TranchePreset
from bcf_xl.payment.inputs import Board, BoardInputs, empty_statement
from bcf_xl.payment.plans import Plan, Plans
from bcf_xl.payment.presets import default_preset
from bcf_xl.payment.reduction import pay_reduction
from bcf_xl.payment.statement import Statement
from bcf_xl.payment.tranches import pay_tranches
from bcf_xl import findings

NO_PLAN = "no plan"
BOARD_CODE = re.compile(r"^E\d{8}$")


class ChoiceError(ValueError):
    """Presets that cannot be used together (two for the same template version)."""


def choose_presets(chosen: Sequence[Preset], versions: Iterable[str], *,
                   release_rule: str | None = None) -> dict[str, Preset]:
    """The preset for each template version: the one chosen for it, else its default.
    ``release_rule`` overrides the rule of every design-1 preset."""
    by_version: dict[str, Preset] = {}
    for preset in chosen:
        for version in preset.templates:
            if version in by_version:
                raise ChoiceError(f"presets {by_version[version].id} and {preset.id} both pay "
                                  f"plans on template {version}; choose one")
            by_version[version] = preset
    for version in sorted(set(versions) - set(by_version)):
        default = default_preset(version)
        if default is not None:
            by_version[version] = default
    if release_rule:
        by_version = {v: replace(p, release_rule=release_rule)
                      if isinstance(p, TranchePreset) else p for v, p in by_version.items()}
    return by_version


def pay_board(preset: Preset, inputs: BoardInputs) -> Statement:
    """One board's statement under the preset that covers its plan."""
    if preset.design == DESIGN_1:
        return pay_tranches(preset, inputs)  # type: ignore[arg-type]
    return pay_reduction(preset, inputs)  # type: ignore[arg-type]


def _unpaid(board: Board, plan: Plan | None, presets: Mapping[str, Preset],
            actuals: Actuals) -> Statement | None:
    """The statement of a board that cannot be paid at all, or None if it can."""
    if plan is None or plan.status == "unreadable":
        finding = findings.make("payment.no_plan", board=board.label)
        return empty_statement(board, preset=None, plan=plan, status=NO_PLAN, finding=finding,
                               illustrative=actuals.illustrative, review=False)
    if plan.template_version not in presets:
        finding = findings.make("payment.version_not_covered", board=board.label,
                                version=plan.template_version or "unknown",
                                presets=", ".join(p.id for p in presets.values()) or "none")
        return empty_statement(board, preset=None, plan=plan, status=plan.status,
                               finding=finding, illustrative=actuals.illustrative)
    return None


def pay_all(boards: Sequence[Board], plans: Plans, actuals: Actuals,
            presets: Mapping[str, Preset]) -> list[Statement]:
    """A statement for every board, in the order given, then any board with a plan but not in
    the list (a plan from a batch run with other reference data)."""
    known = {b.code for b in boards}
    # A plan for a board the reference data does not list (a batch run with other reference
    # data) is still shown, when its code is a board code at all.
    extra = [Board(code, code, "") for code in sorted(plans.by_board)
             if code not in known and BOARD_CODE.match(code)]
    statements = []
    for board in list(boards) + extra:
        plan = plans.by_board.get(board.code)
        unpaid = _unpaid(board, plan, presets, actuals)
        if unpaid is not None:
            statements.append(unpaid)
            continue
        assert plan is not None
        statements.append(pay_board(presets[plan.template_version],
                                    BoardInputs(board, plan, actuals)))
    return statements
