"""Findings and the one catalogue of finding codes.

A finding is what the validator tells a person: a stable code, a severity, a message written for
a finance officer, and where it is (sheet, cells, field). Everything that can be reported has an
entry in ``CATALOGUE``; ``docs/codes.md`` is generated from it and a test keeps the two equal.

Catalogue data (title, severity, message template) lives here; location lives on the finding.
"""

from __future__ import annotations

import string
from dataclasses import dataclass, field, replace
from enum import Enum
from typing import Any, Iterable


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class CodeInfo:
    code: str
    severity: Severity
    title: str
    message: str  # str.format template; placeholders are filled from Finding.params
    layer: str  # file, identity, structure, schema, formula, rule, batch, payment, internal


@dataclass(frozen=True)
class Finding:
    code: str
    severity: Severity
    message: str
    sheet: str | None = None
    cells: tuple[str, ...] = ()
    field_id: str | None = None
    field_title: str | None = None
    value: Any = None
    params: tuple[tuple[str, Any], ...] = field(default=(), compare=False)

    @property
    def cell(self) -> str | None:
        return self.cells[0] if self.cells else None

    @property
    def where(self) -> str:
        """The location as a person reads it: 'Sheet'!B12 (and how many more cells)."""
        if not self.sheet:
            return ""
        if not self.cells:
            return f"'{self.sheet}'"
        more = f" (+{len(self.cells) - 1} more)" if len(self.cells) > 1 else ""
        return f"'{self.sheet}'!{self.cells[0]}{more}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity.value,
            "message": self.message,
            "sheet": self.sheet,
            "cell": self.cell,
            "cells": list(self.cells),
            "field_id": self.field_id,
            "field_title": self.field_title,
            "value": _jsonable(self.value),
        }


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _c(code: str, severity: str, layer: str, title: str, message: str) -> CodeInfo:
    return CodeInfo(code, Severity(severity), title, message, layer)


_CODES = (
    # -- the file itself (intake) -------------------------------------------------------------
    _c("file.empty", "error", "file", "Empty file",
       "This file is empty (0 bytes). Save the completed workbook again and send the saved file."),
    _c("file.not_workbook", "error", "file", "Not an Excel workbook",
       "This file is not an Excel workbook (it looks like {kind}). Send the completed template as "
       "an .xlsx file saved from Excel."),
    _c("file.legacy_xls", "error", "file", "Old .xls format",
       "This is an old-style .xls workbook. Open it in Excel, choose File > Save As, pick "
       "'Excel Workbook (*.xlsx)' and send the .xlsx file."),
    _c("file.encrypted", "error", "file", "Password-protected workbook",
       "This workbook is password-protected, so it cannot be read. Remove the password in Excel "
       "(File > Info > Protect Workbook > Encrypt with Password, clear it) and send it again."),
    _c("file.macro_enabled", "error", "file", "Workbook contains macros",
       "This workbook contains macros ({detail}). Macros are not accepted. Save it as "
       "'Excel Workbook (*.xlsx)', which removes them, and send that file."),
    _c("file.corrupt", "error", "file", "Damaged workbook",
       "This workbook is damaged or incomplete and cannot be read ({detail}). Open it in Excel, "
       "check the contents, save it again and resend; if Excel cannot open it, use your last good copy."),
    _c("file.too_large", "error", "file", "Workbook too large",
       "This workbook is far larger than a completed template can be ({detail}), so it was not "
       "opened. Send the completed template itself, without added sheets, pictures or pasted data."),
    _c("file.unsafe_xml", "error", "file", "Unsafe content",
       "This workbook contains XML constructs that Excel never writes ({detail}) and was rejected "
       "as unsafe. Re-save the template from Excel and send it again."),
    _c("file.not_bcf_template", "error", "file", "Not a BCF template",
       "This workbook is not a Better Care Fund planning template issued by NHS England ({detail}). "
       "Enter your plan in the template issued to your Health and Wellbeing Board and send that."),
    _c("file.unknown_version", "error", "file", "Unknown template version",
       "This workbook is a BCF planning template of version '{version}', which this tool does not "
       "know (it knows {known}). Use the current template issued by NHS England."),
    # -- identity -----------------------------------------------------------------------------
    _c("identity.hwb_mismatch", "error", "identity", "Wrong Health and Wellbeing Board",
       "This template was issued to {issued} but {other}. Check that you are sending the return "
       "for the right Health and Wellbeing Board."),
    _c("identity.prepopulated_changed", "error", "identity", "Pre-populated value changed",
       "'{field}' was issued as {issued} but now reads {found}. Pre-populated values must not be "
       "changed; put the issued value back, or raise the difference with your NHS England contact."),
    _c("structure.name_missing", "error", "structure", "Template structure changed",
       "The template's structure has been changed: the area for '{field}' ({name}) can no longer be "
       "found, so it could not be read. Use a fresh copy of the issued template; do not delete "
       "sheets, rows or columns outside the tables."),
    _c("structure.table_changed", "warning", "structure", "Table columns changed",
       "The table '{field}' now spans {width} columns where the template has {columns}, or its "
       "columns no longer line up with it (moved: {shifted}). Each column was read through its own "
       "name, so your entries were read; check that no column was inserted, deleted or moved "
       "inside the table, and use a fresh copy of the template if in doubt."),
    # -- schema (types, lists, ranges, required values) --------------------------------------
    _c("schema.error_value", "error", "schema", "Cell shows an error",
       "'{field}' shows the error {error} instead of a value, so it could not be read. Type the "
       "value itself (not a formula or a link to another workbook) and save the return again."),
    _c("schema.required", "error", "schema", "Required value missing",
       "'{field}' is required but is blank. Fill it in."),
    _c("schema.type", "error", "schema", "Wrong kind of value",
       "'{field}' must be {expected}, but it contains {found}. Enter {expected}."),
    _c("schema.enum", "error", "schema", "Value not in the list",
       "'{field}' must be one of the drop-down values ({allowed}), but it contains {found}. "
       "Pick a value from the drop-down."),
    _c("schema.range", "error", "schema", "Value out of range",
       "'{field}' must be {bounds}, but it is {found}."),
    _c("schema.format", "error", "schema", "Badly formatted value",
       "'{field}' must be {expected}, but it contains {found}."),
    # -- formulas -----------------------------------------------------------------------------
    _c("formula.overwritten", "error", "formula", "Formula replaced by a value",
       "'{field}' should be calculated by the template's formula, but the formula has been "
       "replaced by a typed value. Use a fresh copy of the template or restore the formula; "
       "NHS England recalculates totals from your inputs."),
    _c("formula.value_mismatch", "warning", "formula", "Calculated value differs",
       "'{field}' shows {cached} but the template's formula gives {expected} from the values "
       "entered. Recalculate the workbook (press F9 in Excel) and save it again."),
    # -- cover and sign-off -------------------------------------------------------------------
    _c("cover.signoff_missing", "error", "rule", "Sign-off missing",
       "'{field}' {problem}. The plan must be signed off by the Health and Wellbeing Board, its "
       "chair and the council (national condition 1: plans jointly agreed)."),
    _c("cover.ccg_signoff_missing", "error", "rule", "CCG sign-off missing",
       "{row}: '{field}' {problem}. Every contributing CCG's accountable officer must sign the "
       "plan off (national condition 1: plans jointly agreed)."),
    _c("cover.signoff_after_submission", "error", "rule", "Signed off after submission",
       "The Health and Wellbeing Board sign-off date ({signed}) is after the submission date "
       "({submitted}). A plan must be signed off before it is submitted; check both dates."),
    _c("cover.resignoff_missing", "error", "rule", "Revised plan not signed off",
       "'{field}' {problem}. The revised plan must be signed off by the Health and Wellbeing "
       "Board, or under its delegated authority, after the revised template was issued."),
    # -- national conditions ------------------------------------------------------------------
    _c("nc.answer_missing", "error", "rule", "National condition not answered",
       "Say whether {row} is met: choose Yes, No or No - in progress."),
    _c("nc.not_met_without_plan", "error", "rule", "Unmet condition without a plan",
       "{row} is answered '{answer}', so '{field}' is needed: say by when and how the condition "
       "will be met."),
    _c("nc.date_out_of_range", "error", "rule", "Condition date too late",
       "{row} is to be met by {date}, after {latest}, when the fund starts. Every condition must "
       "be met by then: bring the date forward."),
    _c("nc.social_care_protection_missing", "error", "rule", "Protection of social care not shown",
       "'{field}' {problem}. National condition 2 asks how social care services (not levels of "
       "spending) will be protected."),
    _c("nc.acute_provider_not_engaged", "error", "rule", "No acute provider engaged",
       "No provider of type 'Acute' is listed among the providers engaged. National condition 1 "
       "needs the plan agreed with the acute providers affected by it; list them."),
    _c("nc.provider_disagrees", "warning", "rule", "Provider does not agree the plan's impact",
       "{providers} do not (yet) agree the plan's impact on them. Condition 6 asks for agreement "
       "on the impact on the acute sector: explain how this will be resolved."),
    # -- finance ------------------------------------------------------------------------------
    _c("finance.below_minimum", "error", "rule", "Contribution below the minimum",
       "{organisation} plans to contribute {planned} in {year}, below its minimum contribution of "
       "{minimum}. Contributions must be at least the minimum issued."),
    _c("finance.pool_below_minimum", "error", "rule", "Pooled budget below the minimum",
       "The total pooled budget for {year} is {total}, below this board's minimum of {minimum}."),
    _c("finance.sources_schemes_mismatch", "error", "rule", "Funding and spending do not balance",
       "In {year} the funding sources total {funding} but the schemes total {schemes}, a "
       "difference of {difference} (more than the {tolerance} allowed). Every pound pooled "
       "should be allocated to a scheme."),
    _c("finance.dfg_missing", "error", "rule", "Capital grant not included in full",
       "{grant} included in the pool is {included}, below the allocation of {allocation}. "
       "The grant must be included in full."),
    _c("finance.joint_split_invalid", "error", "rule", "Joint commissioning without an NHS share",
       "A scheme commissioned jointly needs the NHS share as a percentage between 0 and 100."),
    _c("finance.scheme_incomplete", "error", "rule", "Scheme row incomplete",
       "A scheme row is only partly filled: '{field}' {problem}. Complete the row or clear it."),
    _c("finance.duplicate_scheme", "error", "rule", "Scheme listed twice",
       "The scheme '{name}' is listed more than once. Give each scheme one row, or distinct names."),
    _c("finance.no_schemes", "error", "rule", "No schemes",
       "No schemes are listed. The expenditure plan must list the schemes the pooled budget pays for."),
    _c("finance.social_care_unprotected", "error", "rule", "No scheme protects social care",
       "No scheme is marked as protecting social care services. National condition 2 requires "
       "the plan to protect social care: mark the schemes that do."),
    _c("finance.split_exceeds_contribution", "error", "rule", "Out-of-hospital part above the contribution",
       "{organisation}: the part of the 2015/16 contribution for NHS commissioned out-of-hospital "
       "services ({part}) is more than the whole contribution ({planned}). It is a part of it: "
       "check both figures."),
    _c("finance.ring_fence_shortfall", "error", "rule", "Out-of-hospital ring-fence not met",
       "Schemes marked as NHS commissioned out-of-hospital services total {spend} in 2015/16, "
       "less than the {ring_fence} that must be spent on them (this board's share of the 1bn, "
       "{share}, less the performance pot, {pot}). Mark the schemes that are such services, or "
       "plan more spending on them."),
    # -- payment for performance (2014-09) --------------------------------------------------
    _c("p4p.quarter_missing", "error", "rule", "Quarter missing",
       "{row}: '{field}' {problem}. Payment for performance needs the baseline and the planned "
       "non-elective admissions for all four quarters."),
    _c("p4p.increase_planned", "error", "rule", "Increase in admissions planned",
       "The plan for the year ({plan} non-elective admissions) is above the baseline "
       "({baseline}). Payment for performance is for a reduction in emergency admissions: "
       "check the quarterly figures."),
    _c("p4p.below_expected", "warning", "rule", "Reduction below the expected minimum",
       "The planned reduction in non-elective admissions is {reduction}, below the expected "
       "minimum of {expected}. {what}"),
    _c("p4p.reduction_mismatch", "error", "rule", "Stated reduction differs from the figures",
       "The reduction stated in the plan ({stated}) differs from the one the baseline and plan "
       "cells give ({computed}). State the reduction against the actual baseline: a reduction "
       "against a forecast with growth is not a reduction in admissions."),
    _c("p4p.pot_mismatch", "error", "rule", "Stated pot differs from the figures",
       "The performance pot stated in the plan ({stated}) differs from the planned reduction "
       "times the cost of an admission ({computed}: {reduction} admissions x {cost}) by more "
       "than {tolerance}. Correct the figure stated, or the quarterly plan."),
    _c("p4p.pot_exceeds_share", "error", "rule", "Pot larger than the board's share",
       "The performance pot ({pot}) is larger than this board's share of the 1bn ({share}), "
       "which it cannot exceed. Check the planned reduction."),
    # -- benefits and providers (2014-09) ---------------------------------------------------
    _c("benefits.scheme_unknown", "error", "rule", "Benefit of an unknown scheme",
       "{row}: the scheme reference '{reference}' is not a scheme in the expenditure plan. Pick "
       "the reference of a scheme listed on the Expenditure plan sheet."),
    _c("benefits.total_inconsistent", "warning", "rule", "Benefits and pot disagree",
       "The benefits from fewer non-elective admissions total {benefits}, but the performance "
       "pot is {pot}. Both describe the same planned reduction: check the figures."),
    _c("benefits.row_incomplete", "error", "rule", "Benefit row incomplete",
       "A benefit row is only partly filled: '{field}' {problem}. Complete the row or clear it."),
    _c("provider.acute_missing", "error", "rule", "No acute provider's view",
       "No acute provider is listed in the provider commentary. Every acute provider affected "
       "by the plan must give its view of the non-elective admissions assumptions."),
    _c("provider.disagrees", "warning", "rule", "Acute provider does not agree",
       "{providers} do not fully agree the non-elective admissions assumptions. Say in the plan "
       "how this will be resolved; assurers will ask."),
    _c("provider.row_incomplete", "error", "rule", "Provider row incomplete",
       "A provider row is only partly filled: '{field}' {problem}. Complete the row or clear it."),
    # -- metrics ------------------------------------------------------------------------------
    _c("metrics.denominator_invalid", "error", "rule", "Denominator invalid",
       "The denominator of '{metric}' ({period}) is {found}: {problem}"),
    _c("metrics.numerator_exceeds_denominator", "error", "rule", "Numerator larger than denominator",
       "For '{metric}' ({period}) the numerator {numerator} is larger than the denominator "
       "{denominator}, which would be more than 100%."),
    _c("metrics.no_improvement", "warning", "rule", "Plan no better than baseline",
       "The plan for '{metric}' in {period} ({planned}) is not better than the baseline "
       "({baseline}); {direction}. Check the figures, or explain the level of ambition."),
    _c("metrics.local_metric_undefined", "error", "rule", "Local metric not defined",
       "'{field}' {problem}. The local metric needs its name, source framework and direction."),
    # -- risk register ------------------------------------------------------------------------
    _c("risk.sharing_approach_missing", "error", "rule", "Risk sharing not described",
       "'{field}' {problem}. Describe the agreed approach to sharing risk between the council "
       "and the CCGs, and what happens if the plan's targets are not met."),
    _c("risk.none", "error", "rule", "No risks listed",
       "The risk register is empty. List the risks to delivering the plan, with mitigations."),
    _c("risk.row_incomplete", "error", "rule", "Risk row incomplete",
       "A risk row is only partly filled: '{field}' {problem}. Complete the row or clear it."),
    _c("risk.high_without_mitigation", "error", "rule", "High risk without mitigation",
       "The risk '{risk}' scores {score} (high) but has no {missing}. High risks need mitigating "
       "actions, an owner and a contingency."),
    _c("risk.no_performance_risk", "warning", "rule", "No performance risk",
       "No risk of category 'Performance' is listed. The register should cover the risk of not "
       "reducing emergency and care-home admissions as planned."),
    _c("risk.no_p4p_risk", "error", "rule", "No risk to payment for performance",
       "The risk register has no risk of category 'Payment for performance'. The revised plan "
       "must include the risk of not achieving the planned reduction in non-elective "
       "admissions, and what then happens to the money held back."),
    # -- payment for performance: the actual-performance file ----------------------------------
    _c("actuals.unreadable", "error", "payment", "Actual performance file unreadable",
       "The actual-performance file {file} cannot be read: {detail}. Save it as CSV (UTF-8) or "
       "JSON in the format of docs/payment.md and run the payment again."),
    _c("actuals.column_missing", "error", "payment", "Column missing from actual performance",
       "The actual-performance file has no '{column}' column, so none of its rows can be used. "
       "Its first row must name the columns: {columns}."),
    _c("actuals.unknown_board", "error", "payment", "Unknown board in actual performance",
       "Row {row}, column '{column}': {found} is not a Health and Wellbeing Board in the "
       "reference data, so the row is not used. Give the board's code (the ONS code of its "
       "first council, such as E08000035)."),
    _c("actuals.unknown_measure", "error", "payment", "Unknown measure in actual performance",
       "Row {row}, column '{column}': '{found}' is not a measure that {presets} pays on, so the "
       "row is not used. Use one of: {known}."),
    _c("actuals.period_missing", "error", "payment", "Period missing from actual performance",
       "Row {row}, column '{column}': no period is given, so the row is not used. Give the period "
       "the figure is for, one of: {known}."),
    _c("actuals.unknown_period", "error", "payment", "Unknown period in actual performance",
       "Row {row}, column '{column}': '{found}' is not a period that {presets} pays on, so the "
       "row is not used. Use one of: {known}."),
    _c("actuals.duplicate", "error", "payment", "Figure given twice",
       "Row {row}: {board} already has a figure for {measure} in {period} (row {first}). Neither "
       "is used until one of the two rows is removed."),
    _c("actuals.negative", "error", "payment", "Negative figure",
       "Row {row}, column '{column}': {found} is below zero, which no count, rate or "
       "percentage can be, so the row is not used. Check the figure."),
    _c("actuals.not_a_number", "error", "payment", "Figure is not a number",
       "Row {row}, column '{column}': '{found}' is not a number, so the row is not used. Enter "
       "digits only, with a decimal point if needed (no commas, % or £)."),
    _c("actuals.value_missing", "error", "payment", "No figure in the row",
       "Row {row}: no usable figure is given for {measure} in {period}. Fill in {wanted}."),
    _c("actuals.denominator_zero", "error", "payment", "Denominator is zero",
       "Row {row}, column '{column}': the denominator is 0, so no rate can be worked out and the "
       "row is not used. Give the population or cohort, or the rate itself in 'value'."),
    _c("actuals.ambiguous", "error", "payment", "Both a value and a fraction given",
       "Row {row} gives a value and a numerator or denominator, so it is not clear which figure "
       "counts and the row is not used. Give either the value, or the numerator and denominator."),
    # -- payment for performance: plans and boards --------------------------------------------
    _c("payment.no_plan", "error", "payment", "No plan to pay on",
       "{board} has no return that could be read, so nothing can be paid. Once a valid plan "
       "has been assured, run the payment again."),
    _c("payment.plan_invalid", "error", "payment", "Plan invalid: nothing paid",
       "{board}'s return that counts ({file}) has {errors} error(s), so nothing is paid on it and "
       "its stake of {stake} is held. Once the errors in the assurance reports are put right and "
       "the plan is valid, run the payment again."),
    _c("payment.version_not_covered", "error", "payment", "No payment design for the plan",
       "{board}'s plan is on template version {version}, which no preset in this run covers "
       "({presets}), so nothing is paid on it. Run again with a preset for {version}."),
    _c("payment.plan_value_missing", "error", "payment", "Plan figure missing",
       "'{field}' is blank or not a number in {board}'s plan, so {what} cannot be worked out and "
       "its money ({amount}) is held. Put the figure in the plan and assure it again."),
    _c("payment.no_actuals", "warning", "payment", "No actual performance for the board",
       "There are no usable actual-performance figures for {board} in {file}, so none of its "
       "performance money can be released; it is held until the figures are given."),
    _c("payment.actual_missing", "warning", "payment", "Actual figure missing",
       "There is no usable actual figure for {measure} in {period} for {board}, so its money "
       "({amount}) is held until one is given."),
    _c("payment.no_improvement_planned", "warning", "payment", "No improvement planned",
       "{board}'s plan for {measure} in {period} (baseline {baseline}, plan {plan}) plans no "
       "improvement, so achievement cannot be measured against a planned improvement. Its money "
       "is released only if the actual is at least as good as the plan."),
    # -- migration (bcf-xl migrate) and superseded versions ------------------------------------
    _c("identity.version_superseded", "error", "identity", "Template version superseded",
       "This return was made on template version {version}, which was superseded for {round} "
       "by version {current}, so it cannot be assured for that round. Move your answers into "
       "the new template with: bcf-xl migrate {file} --to {current} --out NEW.xlsx, then fill in "
       "what its migration report lists and send the new workbook."),
    _c("migrate.already_on_target", "error", "identity", "Already on the new version",
       "This return is already on template version {version}, so there is nothing to migrate "
       "and no new workbook was written. Check it as it is with: bcf-xl validate {file}"),
    _c("migrate.wrong_source_version", "error", "identity", "Cannot migrate from this version",
       "This return is on template version {version}, and only a return on version {sources} "
       "can be migrated to version {target}, so no new workbook was written. Enter the plan in "
       "the version {target} template issued to your Health and Wellbeing Board."),
    # -- web intake ---------------------------------------------------------------------------
    _c("web.upload_too_large", "error", "web", "Upload too large",
       "The file sent is larger than {limit}, far larger than a completed template can be, so it "
       "was refused before it was read. Send the completed template itself, without added "
       "sheets, pictures or pasted data."),
    _c("web.no_file", "error", "web", "No file chosen",
       "No file was sent. Choose your completed template (an .xlsx file) and send it again."),
    # -- batch and internal -------------------------------------------------------------------
    _c("batch.worker_failed", "error", "batch", "File could not be checked",
       "This file could not be checked ({detail}). It has been set aside for a person to look at; "
       "the rest of the batch was checked as usual."),
    _c("internal.check_failed", "error", "internal", "A check could not run",
       "The check '{check}' could not be completed on this workbook ({detail}). Please report this "
       "to the BCF team with the file; the other checks ran as usual."),
)

CATALOGUE: dict[str, CodeInfo] = {info.code: info for info in _CODES}


def placeholders(code: str) -> frozenset[str]:
    """The names a code's message template needs."""
    return frozenset(
        name for _, name, _, _ in string.Formatter().parse(CATALOGUE[code].message) if name
    )


def make(
    code: str,
    *,
    sheet: str | None = None,
    cells: Iterable[str] = (),
    field_id: str | None = None,
    field_title: str | None = None,
    value: Any = None,
    severity: Severity | None = None,
    **params: Any,
) -> Finding:
    """Build a finding of a catalogued code; ``params`` fill the message template.
    ``severity`` overrides the catalogue's, for a code whose weight depends on the return
    (a reduction below the expected minimum is a warning, an error when unjustified)."""
    info = CATALOGUE[code]
    if field_title is not None:
        params.setdefault("field", field_title)
    try:
        message = info.message.format(**params)
    except (KeyError, IndexError, ValueError) as exc:
        # A message that cannot be filled is a bug in the tool, reported on this one finding
        # (with its place) rather than lost, and never at the cost of the other findings.
        return make("internal.check_failed", sheet=sheet, cells=cells, field_id=field_id,
                    field_title=field_title, check=code,
                    detail=f"its message needs {exc} and none was given")
    message = message[:1].upper() + message[1:]  # a row label may open the sentence
    return Finding(
        code=code,
        severity=severity or info.severity,
        message=message,
        sheet=sheet,
        cells=tuple(cells),
        field_id=field_id,
        field_title=field_title,
        value=value,
        params=tuple(sorted(params.items())),
    )


def merge(findings: Iterable[Finding]) -> list[Finding]:
    """One finding per (code, sheet, field, message), with every cell listed, first seen first.

    A fault repeated on many rows is one thing to fix; listing it once keeps reports readable.
    """
    merged: dict[tuple, Finding] = {}
    for f in findings:
        key = (f.code, f.sheet, f.field_id, f.message)
        seen = merged.get(key)
        if seen is None:
            merged[key] = f
            continue
        cells = seen.cells + tuple(c for c in f.cells if c not in seen.cells)
        value = seen.value if seen.value == f.value else None
        merged[key] = replace(seen, cells=cells, value=value)
    return list(merged.values())


def has_errors(findings: Iterable[Finding]) -> bool:
    return any(f.severity is Severity.ERROR for f in findings)
