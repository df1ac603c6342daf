"""The package tree reads as the pipeline, and its stages depend on each other in one direction.

spec -> issue; file -> read -> check -> report; many files -> batch -> payment; uploads -> web.
A stage may use the stages before it, never one after it: an import the other way (which is how
the earlier cycles between the spec and pre-population, and between batch and report, began)
fails here.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "bcf_xl"

# What each stage may import, besides itself. Top-level helper modules are stages of their own.
ALLOWED: dict[str, set[str]] = {
    "findings": set(),
    "atomic": set(),
    "parallel": set(),
    "yamltext": set(),
    "spec": {"findings", "yamltext"},
    "reference": set(),
    "issue": {"spec", "reference", "findings", "atomic", "parallel"},
    "read": {"spec", "findings"},
    "check": {"spec", "read", "reference", "issue", "findings"},
    "validate": {"spec", "read", "check", "reference", "findings"},
    # The annotated copy takes the template's own look (issue/styles, issue/text_fit).
    "report": {"spec", "read", "validate", "findings", "atomic", "issue"},
    "samples": {"spec", "issue", "reference", "read", "findings", "atomic", "parallel", "payment"},
    "migrate": {"spec", "issue", "reference", "read", "validate", "report", "samples", "findings",
                "atomic"},
    "batch": {"spec", "read", "check", "validate", "report", "reference", "findings", "atomic",
              "issue", "migrate", "parallel", "yamltext"},
    "payment": {"spec", "reference", "read", "check", "validate", "report", "batch", "findings",
                "atomic", "yamltext"},
    # The web intake uses every stage before it (never the command line).
    "web": {"spec", "read", "check", "validate", "report", "reference", "findings", "atomic",
            "issue", "batch", "parallel", "samples"},
    "cli": None,  # the command line may use every stage
}


def _stage(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("bcf_xl."))
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "bcf_xl":
                found.update(f"bcf_xl.{a.name}" for a in node.names)
            elif node.module.startswith("bcf_xl."):
                found.add(node.module)
    return found


def _modules() -> list[tuple[str, Path]]:
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        out.append((".".join(rel.parts), path))
    return out


@pytest.mark.parametrize("module,path", _modules(), ids=[m for m, _ in _modules()])
def test_a_stage_imports_only_the_stages_before_it(module, path):
    """Every import of a bcf_xl module goes to its own stage or to one it may use."""
    stage = _stage(module)
    if stage in ("__init__", "__main__") or ALLOWED.get(stage, set()) is None:
        return
    assert stage in ALLOWED, f"{module}: a new stage; add it to ALLOWED in this test"
    wrong = sorted(i for i in _imports(path)
                   if _stage(i) != stage and _stage(i) not in ALLOWED[stage])
    assert not wrong, f"{module} imports {wrong}, which come later in the pipeline"
