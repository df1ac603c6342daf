"""One payment run: choose the presets, read the actual performance, pay every board, write.

The plans come in already read (``plans.py``); this module only joins the steps, so the
command line, the demo and the tests run the same thing.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Sequence

from bcf_xl.payment.actuals import Actuals, read_actuals
from bcf_xl.payment.calculate import choose_presets, pay_all
from bcf_xl.payment.designs import Preset
from bcf_xl.payment.inputs import Board
from bcf_xl.payment.plans import Plans
from bcf_xl.payment.presets import known_presets
from bcf_xl.payment.statement import RunInfo, Statement
from bcf_xl.payment.write import write_outputs
from bcf_xl.reference import Reference


class RunError(ValueError):
    """A run that cannot start: no preset with bundled actuals, presets that clash."""


@dataclass(frozen=True)
class PaymentRun:
    statements: tuple[Statement, ...]
    actuals: Actuals
    info: RunInfo
    written: tuple[Path, ...]
    seconds: float


def bundled_actuals(presets: Sequence[Preset]) -> list[Path]:
    """The bundled illustrative actuals of the presets used (one file per design)."""
    names = []
    for preset in presets:
        if not preset.actuals:
            raise RunError(f"preset {preset.id} has no bundled illustrative actuals yet; give "
                           f"actual performance with --actuals")
        if preset.actuals not in names:
            names.append(preset.actuals)
    return [Path(str(resources.files("bcf_xl").joinpath(f"data/{n}"))) for n in names]


def _combine(parts: Sequence[Actuals]) -> Actuals:
    if len(parts) == 1:
        return parts[0]
    figures = {k: v for a in parts for k, v in a.figures.items()}
    return Actuals(" + ".join(a.file for a in parts), figures,
                   tuple(f for a in parts for f in a.findings),
                   any(a.illustrative for a in parts), "; ".join(a.source for a in parts),
                   " ".join(a.method for a in parts if a.method),
                   frozenset(b for a in parts for b in a.boards))


def boards_of(reference: Reference) -> list[Board]:
    return [Board(h.code, h.name, h.region_name) for h in reference.hwbs]


def run_payment(plans: Plans, out: Path, *, reference: Reference, presets: Sequence[Preset],
                actuals: Path | None, release_rule: str | None = None) -> PaymentRun:
    """Pay every board of the reference data on its plan; actuals None: the bundled
    illustrative figures. Writes every output into ``out``."""
    started = time.perf_counter()
    versions = {p.template_version for p in plans.by_board.values() if p.template_version}
    chosen = choose_presets(presets, versions, release_rule=release_rule)
    used = list({p.id: p for p in chosen.values()}.values()) or list(presets) or [
        p for p in known_presets().values() if p.default_for and not p.unchecked]
    paths = [actuals] if actuals is not None else bundled_actuals(used)
    figures = _combine([read_actuals(p, reference=reference, presets=used) for p in paths])
    statements = tuple(pay_all(boards_of(reference), plans, figures, chosen))
    notes = [f"Preset {p.id}: {why}" for p in used for _, why in p.unchecked]
    if release_rule:
        notes.append(f"Release rule {release_rule}, set for this run")
    info = RunInfo(presets=tuple((v, p.id, p.title) for v, p in sorted(chosen.items())),
                   plans=plans.folder, actuals=figures.file, illustrative=figures.illustrative,
                   method=figures.method, notes=tuple(notes))
    written = write_outputs(out, statements, figures.findings, info)
    return PaymentRun(statements, figures, info, tuple(written), time.perf_counter() - started)
