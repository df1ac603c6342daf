"""The payment command: approved plans and actual performance to what each board is paid."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from bcf_xl.cli.common import (
    REFERENCE_OPTION, err, load_reference_or_exit, usage_error, writable_out,
)


def _list_presets(value: bool) -> None:
    """Print every bundled preset, which versions it pays, and what was not checked."""
    if not value:
        return
    from bcf_xl.payment.presets import PresetError, known_presets

    try:
        presets = known_presets()
    except PresetError as exc:
        raise usage_error(str(exc))
    for preset in presets.values():
        default = f"; default for {', '.join(preset.default_for)}" if preset.default_for else ""
        err.print(f"{preset.id}: {preset.title} (template {', '.join(preset.templates)}{default})",
                  markup=False, highlight=False)
        for version, why in preset.unchecked:
            err.print(f"    not checked against {version}: {why}", markup=False, highlight=False)
    raise typer.Exit(0)


def _presets(names: List[str]):
    from bcf_xl.payment.presets import PresetError, find_preset
    from bcf_xl.spec.load import SpecError

    try:
        return [find_preset(name) for name in names]
    except (KeyError, PresetError, SpecError) as exc:
        raise usage_error(str(exc.args[0]) if isinstance(exc, KeyError) else str(exc))


def _plans(folder: Path, out: Path, workers: int, reference: Optional[Path]):
    """A batch's output as it is, or a folder of returns assured first into out/assurance."""
    from bcf_xl.cli.assure import _run_batch
    from bcf_xl.cli.common import parse_limits
    from bcf_xl.payment.plans import PlansError, assure_then_read, is_batch_output, \
        read_batch_plans

    try:
        if is_batch_output(folder):
            return read_batch_plans(folder)
        from bcf_xl.cli.returns import require_returns

        require_returns(folder)
        err.print(f"{folder} is not a batch's output: assuring the returns in it first",
                  markup=False, highlight=False)
        return assure_then_read(folder, out / "assurance", run_batch=lambda f, o: _run_batch(
            f, o, workers=workers, timeout=60.0, reference=reference, assurance=None,
            limits=parse_limits(None)))
    except PlansError as exc:
        raise usage_error(str(exc))


def p4p(
    plans: Path = typer.Argument(..., help="The output folder of `bcf-xl batch` (its "
                                 "summary.json and national/values.csv), or a folder of returns "
                                 "to assure first.", exists=True, file_okay=False),
    out: Path = typer.Option(..., "--out", help="Folder for the statements and national "
                             "tables.", file_okay=False),
    actuals: Optional[Path] = typer.Option(None, "--actuals", exists=True, dir_okay=False,
                                           help="Actual performance, CSV or JSON (format in "
                                           "docs/payment.md)."),
    illustrative: bool = typer.Option(False, "--illustrative-actuals", help="Use the bundled "
                                      "illustrative actuals instead (made up; every output "
                                      "says so)."),
    preset: Optional[List[str]] = typer.Option(None, "--preset", help="A preset by name or a "
                                               "preset file (repeatable, one per template "
                                               "version). Default: each version's default."),
    release_rule: Optional[str] = typer.Option(None, "--release-rule", help="threshold or "
                                               "proportional: overrides the design-1 "
                                               "preset's rule."),
    reference: Optional[Path] = REFERENCE_OPTION,
    workers: int = typer.Option(2, "--workers", min=1, max=64, help="Worker processes when "
                                "the returns are assured first."),
    list_presets: bool = typer.Option(False, "--list-presets", is_eager=True,
                                      callback=_list_presets, help="List the presets and exit."),
) -> None:
    """Work out payment for performance: a statement per board, the national table, the
    boards for peer review or recovery. Exit 1 if any finding is an error."""
    from bcf_xl.findings import Severity
    from bcf_xl.payment.calculate import ChoiceError
    from bcf_xl.payment.designs import RELEASE_RULES
    from bcf_xl.payment.presets import PresetError
    from bcf_xl.payment.run import RunError, run_payment
    from bcf_xl.payment.summary import summary_lines
    from bcf_xl.spec.load import SpecError

    if (actuals is None) == (not illustrative):
        raise usage_error("give the actual performance with --actuals FILE, or use "
                          "--illustrative-actuals (one of the two)")
    if release_rule is not None and release_rule not in RELEASE_RULES:
        raise usage_error(f"--release-rule must be one of {', '.join(RELEASE_RULES)}")
    if out.resolve() == plans.resolve() or plans.resolve() in out.resolve().parents:
        raise usage_error("--out must be outside the plans folder (inputs are never touched)")
    writable_out(out, folder=True)
    chosen = _presets(preset or [])
    ref = load_reference_or_exit(reference)
    read = _plans(plans, out, workers, reference)
    try:
        run = run_payment(read, out, reference=ref, presets=chosen, actuals=actuals,
                          release_rule=release_rule)
    except (RunError, ChoiceError, PresetError, SpecError) as exc:
        raise usage_error(str(exc))
    for line in summary_lines(run.statements, run.actuals.findings, run.info, out):
        err.print(line, markup=False, highlight=False)
    found = list(run.actuals.findings) + [f for s in run.statements for f in s.findings]
    raise typer.Exit(1 if any(f.severity is Severity.ERROR for f in found) else 0)


def _cause(exc: Exception) -> str:
    """What went wrong, in words: a file error names its file, not an errno."""
    if isinstance(exc, OSError):
        return f"{exc.filename or 'an output'} cannot be written ({exc.strerror or exc})"
    return str(exc).rstrip(".")


def pay_demo(reports: Path, out: Path) -> None:
    """The demo's last step: pay every board on the batch's plans and the bundled illustrative
    actuals, under each version's default preset. A run that cannot be made (no bundled actuals
    for a preset, a preset that no longer fits its spec, outputs that cannot be written) is a
    message naming the cause and exit status 2, never a traceback: the demo's templates, returns
    and reports are made by then and stay."""
    from rich.markup import escape

    from bcf_xl.payment.calculate import ChoiceError
    from bcf_xl.payment.plans import PlansError, read_batch_plans
    from bcf_xl.payment.presets import PresetError
    from bcf_xl.payment.run import RunError, run_payment
    from bcf_xl.payment.summary import summary_lines
    from bcf_xl.spec.load import SpecError

    try:
        run = run_payment(read_batch_plans(reports), out,
                          reference=load_reference_or_exit(None), presets=[], actuals=None)
    except (PlansError, RunError, ChoiceError, PresetError, SpecError, OSError) as exc:
        raise usage_error(escape(
            f"the demo could not work out payment for performance: {_cause(exc)}. The "
            f"batch's reports are in {reports}; pay them with `bcf-xl p4p {reports} --actuals "
            f"FILE --out FOLDER`."))
    err.print("", highlight=False)
    for line in summary_lines(run.statements, run.actuals.findings, run.info, out):
        err.print(line, markup=False, highlight=False)
