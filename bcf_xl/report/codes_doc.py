"""docs/codes.md, rendered from the finding catalogue (a test keeps the committed page equal)."""

from __future__ import annotations

from itertools import groupby

from bcf_xl.findings import CATALOGUE

LAYERS = {
    "file": "The file itself (checked before anything is read)",
    "identity": "Identity: is this the board's own template, as issued?",
    "structure": "Structure of the workbook",
    "schema": "Values: types, drop-down lists, ranges and required cells",
    "formula": "Formulas",
    "rule": "Business rules",
    "web": "The web intake (the upload itself, before the file is checked)",
    "batch": "Batch runs",
    "payment": "Payment for performance: actual performance and the plans paid on",
    "internal": "The validator itself",
}


def render_codes() -> str:
    lines = [
        "# Finding codes",
        "",
        "Every finding bcf-xl reports has one of these stable codes. Generated from",
        "`bcf_xl/findings.py` by `bcf-xl codes`; do not edit by hand. Words in braces are filled",
        "in from the return (the field's title, the value found, the row).",
        "",
    ]
    infos = sorted(CATALOGUE.values(), key=lambda i: (list(LAYERS).index(i.layer), i.code))
    for layer, group in groupby(infos, key=lambda i: i.layer):
        lines += [f"## {LAYERS[layer]}", "", "| Code | Severity | Title | Message |",
                  "|---|---|---|---|"]
        for info in group:
            message = info.message.replace("|", "\\|")
            lines.append(f"| `{info.code}` | {info.severity.value} | {info.title} | {message} |")
        lines.append("")
    return "\n".join(lines)
