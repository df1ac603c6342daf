"""Commands that assure many returns: batch, and the demo that runs the whole job."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from bcf_xl.cli.common import (
    REFERENCE_OPTION, err, load_reference_or_exit, load_template_version, parse_limits,
    progress, usage_error,
)


def batch(
    folder: Path = typer.Argument(..., help="Folder of returns (searched recursively).",
                                  file_okay=False, exists=True),
    out: Path = typer.Option(..., "--out", help="Folder for the reports.", file_okay=False),
    workers: int = typer.Option(2, "--workers", min=1, max=64, help="Worker processes."),
    timeout: float = typer.Option(60.0, "--timeout", min=1.0, help="Seconds allowed per file."),
    reference: Optional[Path] = REFERENCE_OPTION,
    assurance: Optional[Path] = typer.Option(None, "--assurance", dir_okay=False,
                                             help="Assurance policy (YAML) replacing the "
                                             "default; see docs/batch.md."),
    limits: Optional[str] = typer.Option(None, "--limits", help="Override intake limits."),
    round_id: Optional[str] = typer.Option(None, "--round", help="The round the returns are "
                                           "for (e.g. sep2014); a return on a version it "
                                           "supersedes is an error. Default: no round check. "
                                           "See docs/batch.md."),
    migrate_to: Optional[str] = typer.Option(None, "--migrate-to", help="Also migrate every "
                                             "valid older return into this version's template "
                                             "(written to --out/migrated/)."),
    feedback: Optional[Path] = typer.Option(None, "--feedback", file_okay=False,
                                            help="Folder for a feedback pack per board: its "
                                            "annotated copy and findings page, zipped, named "
                                            "for the board, ready to send back."),
) -> None:
    """Validate every return in a folder; write the summary, findings and national dataset.

    Exit 0 when every expected board sent a valid return, 1 otherwise.
    """
    from bcf_xl.cli.returns import require_returns

    check_round(round_id)
    if migrate_to is not None:
        _check_migrate_to(migrate_to)
    require_returns(folder)
    outcome = _run_batch(folder, out, workers=workers, timeout=timeout, reference=reference,
                         assurance=assurance, limits=parse_limits(limits), round_id=round_id,
                         migrate_to=migrate_to, feedback=feedback)
    raise typer.Exit(0 if outcome.assessment.complete() else 1)


def check_round(round_id: str | None) -> None:
    """A usage error (exit 2) for a round the rounds file does not have, or a rounds file that
    does not agree with the bundled versions; validate uses this too."""
    from rich.markup import escape

    from bcf_xl.spec.rounds import RoundsError, known_rounds

    if round_id is None:
        return
    try:
        rounds = known_rounds()
    except RoundsError as exc:
        raise usage_error(escape(str(exc)))
    if round_id not in rounds:
        raise usage_error(escape(f"--round {round_id} is not a round bcf-xl knows; known: "
                                 + ", ".join(f"{r.id} ({r.title})" for r in rounds.values())))


def _check_migrate_to(version: str) -> None:
    from rich.markup import escape

    from bcf_xl.migrate.run import target_versions

    if version not in target_versions():
        raise usage_error(escape(f"--migrate-to {version}: no migration leads to that version; "
                                 f"known: {', '.join(target_versions()) or 'none'}"))


def _run_batch(folder: Path, out: Path, **options):
    from rich.markup import escape

    from bcf_xl.cli.common import writable_out
    from bcf_xl.batch.assurance import PolicyError
    from bcf_xl.batch.publish import ReportFolderError, check_apart
    from bcf_xl.batch.run import run_batch

    try:
        # Before anything is read: the reports replace --out as a whole.
        check_apart(folder, out)
    except ReportFolderError as exc:
        raise usage_error(escape(str(exc)))
    # Only once --out is known to be apart from the returns: the check writes a file there.
    writable_out(out, folder=True)
    if options.get("feedback"):
        from bcf_xl.batch.feedback import FeedbackError, check_apart as feedback_apart

        try:
            feedback_apart(folder, options["feedback"], out)
        except FeedbackError as exc:
            raise usage_error(escape(str(exc)))
    load_reference_or_exit(options["reference"])
    bar = progress(1000, "Validating returns")
    task = bar.add_task("batch", total=None)
    try:
        with bar:
            outcome = run_batch(
                folder, out, workers=options["workers"], timeout=options["timeout"],
                reference_path=options["reference"], assurance_path=options["assurance"],
                limits=options["limits"], round_id=options.get("round_id"),
                migrate_to=options.get("migrate_to"),
                on_start=lambda n: bar.update(task, total=n),
                on_result=lambda i, r: bar.advance(task))
    except (PolicyError, ReportFolderError) as exc:  # a bad policy; --out busy or not ours
        raise usage_error(escape(str(exc)))
    _print_batch(outcome, out, options.get("round_id"), options.get("migrate_to"))
    if options.get("feedback"):
        from bcf_xl.batch.feedback import write_feedback

        packs = write_feedback(outcome.assessment, folder, options["feedback"], out)
        err.print(f"Feedback packs in {options['feedback']}: {len(packs)} board(s)",
                  highlight=False)
    return outcome


def _print_batch(outcome, out: Path, round_id: str | None = None,
                 migrate_to: str | None = None) -> None:
    from collections import Counter

    from bcf_xl.validate import NOT_CHECKED

    a = outcome.assessment
    status = Counter(r.status for r in a.rows)
    categories = Counter(r.assurance for r in a.counted)
    label = {NOT_CHECKED: "not checked (the tool failed)"}
    err.print(f"Checked {len(a.rows)} file(s) in {outcome.seconds:.1f} s: "
              + ", ".join(f"{n} {label.get(s, s)}" for s, n in sorted(status.items())),
              highlight=False)
    err.print(f"Boards: {len(a.counted)} with a return, {len(a.missing)} missing, "
              f"{len(a.duplicates)} sent more than one, {len(a.wrong_hwb)} wrong-board finding(s)",
              highlight=False)
    err.print("Proposed assurance: " + ", ".join(f"{n} {c}" for c, n in sorted(categories.items())),
              highlight=False)
    versions = Counter(r.template_version for r in a.rows if r.template_version)
    err.print("Template versions: " + (", ".join(f"{n} on {v}" for v, n in sorted(versions.items()))
                                       or "none readable")
              + (f"; round {round_id}" if round_id else "; no round given (no superseded check)"),
              highlight=False)
    err.print(f"Reports in {out}: report.html, summary.csv, findings.csv, rule_matrix.csv, "
              f"figures.csv, assurance.csv, national.xlsx, national/*.csv", highlight=False)
    if migrate_to is not None:
        err.print(f"Migrated to {migrate_to}: see {out / 'migration.csv'} and "
                  f"{out / 'migrated'}", highlight=False)


def demo(
    out: Path = typer.Option(Path("out/demo"), "--out", help="Folder for everything the demo "
                             "makes.", file_okay=False),
    workers: int = typer.Option(2, "--workers", min=1, max=64),
) -> None:
    """The main job on the bundled data: issue, fill as boards would, batch-validate, pay
    (on illustrative actual performance)."""
    from bcf_xl.cli.pay import pay_demo
    from bcf_xl.samples.demo import build_mailbox

    _check_demo_out(out)
    from bcf_xl.cli.common import writable_out

    writable_out(out, folder=True)
    template = load_template_version(None)
    ref = load_reference_or_exit(None)
    with progress(len(ref.hwbs), "Issuing and filling templates") as bar:
        task = bar.add_task("demo", total=len(ref.hwbs))
        mailbox = build_mailbox(template, ref, out, progress=lambda: bar.advance(task),
                                workers=workers)
    reports = out / "reports"
    _run_batch(mailbox, reports, workers=workers, timeout=60.0, reference=None, assurance=None,
               limits=parse_limits(None))
    payment = out / "payment"
    pay_demo(reports, payment)
    err.print(f"\nTemplates: {out / 'templates'}\nReturns as received: {mailbox}\n"
              f"Reports: {reports} (start with report.html)\n"
              f"Payment for performance (illustrative actuals): {payment} (start with index.html)",
              highlight=False)


# What the demo makes in its --out, each folder replaced on every run.
DEMO_FOLDERS = frozenset({"templates", "mailbox", "reports", "payment"})


def _check_demo_out(out: Path) -> None:
    """Refuse an existing --out holding anything the demo does not make: the demo replaces its
    folders there, and must not delete someone's own templates or returns."""
    from rich.markup import escape

    if out.exists() and not out.is_dir():
        raise usage_error(escape(f"--out {out} is a file, not a folder"))
    if not out.is_dir():
        return
    other = sorted(p.name for p in out.iterdir()
                   if p.name not in DEMO_FOLDERS and not p.name.startswith("."))
    if other:
        shown = ", ".join(other[:3]) + (" ..." if len(other) > 3 else "")
        raise usage_error(escape(f"--out {out} holds files the demo did not make ({shown}); "
                                 "the demo replaces its folders there, so choose a new folder"))
