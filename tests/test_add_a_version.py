"""Adding a template version is data, not code: docs/design.md ("Adding a template version"),
followed step by step on a copy of the package.

A throwaway version, 2099-01, is the newest spec (2014-09) with one sheet changed: the Cover
sheet asks one more, required, question. Its spec, its published schema, a migration map from
2014-09 and a round are written into a copy of bcf_xl in the test's own folder, as the design
note says, and nothing else; then the command line, run from that copy (each run checks that
bcf_xl is imported from it), must generate, fill, validate, batch a folder mixing 2014-09 and
2099-01 (each consolidated with its own spec) and migrate a 2014-09 return to 2099-01. The
repository itself is never written: the copy is what the test changes.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import pytest
import yaml

from bcf_xl.spec.load import REFERENCE_ROW_SOURCES, known_templates
from bcf_xl.spec.model import INPUT, FieldsBlock, Table, Template

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "bcf_xl"
OLD, NEW = "2014-09", "2099-01"
OLD_BOARD = "E08000035"  # Leeds sends a 2014-09 return
NEW_BOARD = "E06000028"  # Bournemouth and Poole sends a 2099-01 return
ROUND = "jan2099"
# The one change of the new version: a required question on the Cover sheet.
ADDED = "cover.plan_published_at"
ADDED_TITLE = "Where the plan is published (web address)"
ADDED_LINE = (f"            - {{id: plan_published_at, title: {ADDED_TITLE}, type: text, "
              "required: true}\n")
ADDED_CELL = "C17"  # the row after the telephone number, which moves down what follows
ANSWER = "https://example.org/better-care-fund-plan"
# The files the design note's steps write into the package (what the test must not write in
# the repository). Others edit the repository's modules while this runs, so the check is on
# these folders and on any file named for the new version, not on every module's time stamp.
DATA_DIRS = ("templates", "schema", "data")

# Runs the command line of the package at argv[1], after checking that it is that package.
_CLI = ("import sys; from pathlib import Path; root = Path(sys.argv.pop(1)).resolve(); "
        "import bcf_xl; here = Path(bcf_xl.__file__).resolve(); "
        "assert here.is_relative_to(root), f'bcf_xl imported from {here}, not {root}'; "
        "from bcf_xl.cli import app; app(prog_name='bcf-xl')")


def _snapshot() -> dict[str, tuple[int, int]]:
    """(mtime, size) of every file the design note's steps would write, in the repository."""
    return {p.relative_to(PACKAGE).as_posix(): (p.stat().st_mtime_ns, p.stat().st_size)
            for d in DATA_DIRS for p in (PACKAGE / d).rglob("*") if p.is_file()}


def _csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


def _map_text(old: Template) -> str:
    """The migration map OLD -> NEW: every input of OLD carried (the versions differ by one new
    question), written as docs/migrate.md describes the file. It is generated from the spec only
    because writing the 80-odd carried fields out by hand would say nothing more."""
    match = {"ccgs": "ods_code", "contributors": "code"}  # the column that names an issued row
    carry, tables = [], []
    for sheet in old.form_sheets():
        for block in sheet.blocks:
            if isinstance(block, FieldsBlock):
                carry += [f.qid for f in block.fields if f.role == INPUT]
                continue
            assert isinstance(block, Table)
            columns = [c.id for c in block.columns if c.role == INPUT]
            if not columns:
                continue
            entry: dict = {"table": block.qid, "columns": columns}
            if not block.open_rows and block.rows.source in REFERENCE_ROW_SOURCES:
                entry["match"] = match[block.rows.source]
            tables.append(entry)
    data = {"source": OLD, "target": NEW, "carry": carry, "tables": tables,
            "new": [{"field": ADDED, "note": "New in 2099-01: give the web address of the plan."}]}
    return (f"# Migration of a {OLD} return into the test version {NEW} (bcf-xl migrate).\n"
            + yaml.safe_dump(data, sort_keys=False, allow_unicode=True))


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """A copy of the package with version NEW added as docs/design.md says; the runner of its
    command line; the repository's files as they were."""
    started = time.time_ns()
    before = _snapshot()
    tmp = tmp_path_factory.mktemp("add-a-version")
    copy = tmp / "src"
    shutil.copytree(PACKAGE, copy / "bcf_xl",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    pkg = copy / "bcf_xl"
    env = {**{k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
           "PYTHONPATH": str(copy), "PYTHONDONTWRITEBYTECODE": "1"}

    def bcf(*args, check: bool = True) -> subprocess.CompletedProcess:
        done = subprocess.run([sys.executable, "-c", _CLI, str(copy), *map(str, args)],
                              cwd=tmp, env=env, capture_output=True, text=True, timeout=600)
        assert "bcf_xl imported from" not in done.stderr, done.stderr
        if check:
            assert done.returncode == 0, (f"{args} exited {done.returncode}:\n"
                                          f"{done.stdout}\n{done.stderr}")
        return done

    # 1. The newest spec copied as the new version, with one sheet changed.
    text = (pkg / "templates" / f"bcf-planning-{OLD}.yaml").read_text(encoding="utf-8")
    anchor = "            - {id: contact_phone, title: Telephone, type: phone, required: true}\n"
    assert text.count(f'version: "{OLD}"') == 1 and text.count(anchor) == 1
    text = text.replace(f'version: "{OLD}"', f'version: "{NEW}"')
    text = text.replace(anchor, anchor + ADDED_LINE)
    (pkg / "templates" / f"bcf-planning-{NEW}.yaml").write_text(text, encoding="utf-8")
    # 2. Its published schema, written by the command the note gives.
    schema = bcf("schema", "--template-version", NEW).stdout
    (pkg / "schema" / f"bcf-planning-{NEW}.schema.json").write_text(schema, encoding="utf-8")
    # 3. The migration map from the previous version.
    (pkg / "templates" / "migrations" / f"{OLD}_to_{NEW}.yaml").write_text(
        _map_text(known_templates()[OLD]), encoding="utf-8")
    # 4. A round that accepts the new version and supersedes the previous one.
    rounds = pkg / "data" / "rounds.yaml"
    rounds.write_text(rounds.read_text(encoding="utf-8") + (
        f"  - id: {ROUND}\n    title: \"January 2099 test round\"\n"
        f"    accepts: [\"{NEW}\"]\n    supersedes: [\"{OLD}\"]\n"), encoding="utf-8")
    return {"tmp": tmp, "pkg": pkg, "bcf": bcf, "started": started, "before": before,
            "schema": json.loads(schema)}


@pytest.fixture(scope="module")
def returns(world):
    """A filled, valid return on each version, in one folder: {version: path}."""
    tmp, bcf = world["tmp"], world["bcf"]
    box = tmp / "box"
    box.mkdir()
    out = {}
    for version, board in ((OLD, OLD_BOARD), (NEW, NEW_BOARD)):
        blanks = tmp / f"templates-{version}"
        bcf("generate", "--out", blanks, "--hwb", board, "--template-version", version,
            "--workers", "1")
        (blank,) = blanks.glob(f"{board}*.xlsx")
        doc = json.loads(bcf("example", "--hwb", board, "--template-version", version).stdout)
        if version == NEW:
            # The example fills what the spec has that it knows; the new question is the
            # board's to answer, as it would be.
            assert doc["cover"].get("plan_published_at") is None
            doc["cover"]["plan_published_at"] = ANSWER
        else:
            assert "plan_published_at" not in doc["cover"]
        example = tmp / f"example-{version}.json"
        example.write_text(json.dumps(doc), encoding="utf-8")
        out[version] = box / f"{board}_{version}.xlsx"
        bcf("fill", blank, example, "--out", out[version])
    return out


def _validate(bcf, path: Path, *extra: str) -> tuple[int, dict]:
    done = bcf("validate", path, "--format", "json", *extra, check=False)
    return done.returncode, json.loads(done.stdout)["files"][0]


def test_the_schema_has_the_new_question(world):
    cover = world["schema"]["properties"]["cover"]
    assert cover["properties"]["plan_published_at"] == {
        "title": ADDED_TITLE, "type": "string", "minLength": 1}
    assert "plan_published_at" in cover["required"]


def test_the_new_version_is_generated_filled_and_valid(world, returns):
    """validate exits 0 on the filled 2099-01 return and reads the new question's answer; left
    blank, it is a finding at the new question's cell."""
    bcf = world["bcf"]
    status, result = _validate(bcf, returns[NEW])
    assert (status, result["status"], result["findings"]) == (0, "valid", [])
    assert result["identity"]["version"] == NEW
    extracted = json.loads(bcf("extract", returns[NEW]).stdout)
    assert extracted["cover"]["plan_published_at"] == ANSWER
    status, result = _validate(bcf, returns[OLD])
    assert (status, result["status"], result["identity"]["version"]) == (0, "valid", OLD)


def test_the_guidance_says_what_changed_from_the_map(world, returns):
    """The new template's Guidance sheet lists the new question, from the migration map."""
    (blank,) = (world["tmp"] / f"templates-{NEW}").glob(f"{NEW_BOARD}*.xlsx")
    book = openpyxl.load_workbook(blank, read_only=True)
    texts = [v for row in book["Guidance"].iter_rows(values_only=True) for v in row if v]
    book.close()
    at = texts.index(f"New questions since {OLD}")
    assert texts[at + 1] == f"Cover: {ADDED_TITLE}."


def test_the_new_question_is_required(world, returns):
    tmp, bcf = world["tmp"], world["bcf"]
    doc = json.loads(bcf("example", "--hwb", NEW_BOARD, "--template-version", NEW).stdout)
    (tmp / "blank-answer.json").write_text(json.dumps(doc), encoding="utf-8")
    (blank,) = (tmp / f"templates-{NEW}").glob(f"{NEW_BOARD}*.xlsx")
    unanswered = tmp / "unanswered.xlsx"
    bcf("fill", blank, tmp / "blank-answer.json", "--out", unanswered)
    status, result = _validate(bcf, unanswered)
    assert status == 1
    assert [(f["code"], f["sheet"], f["cell"], f["field_id"]) for f in result["findings"]] == [
        ("schema.required", "Cover", ADDED_CELL, ADDED)]


def test_a_batch_consolidates_each_version_with_its_own_spec(world, returns):
    tmp, bcf = world["tmp"], world["bcf"]
    reports = tmp / "reports"
    done = bcf("batch", returns[NEW].parent, "--out", reports, "--workers", "1", check=False)
    assert done.returncode == 1, done.stderr  # the other boards sent nothing
    summary = _csv(reports / "summary.csv")
    assert sorted((r["hwb_code"], r["template_version"], r["status"]) for r in summary) == [
        (NEW_BOARD, NEW, "valid"), (OLD_BOARD, OLD, "valid")]
    dataset = {r["hwb_code"]: r for r in _csv(reports / "national" / "returns.csv")}
    assert (dataset[OLD_BOARD]["template_version"], dataset[NEW_BOARD]["template_version"]) == (
        OLD, NEW)
    assert (dataset[NEW_BOARD][ADDED], dataset[OLD_BOARD][ADDED]) == (ANSWER, "")
    assert dataset[OLD_BOARD]["cover.contact_name"] and dataset[NEW_BOARD]["cover.contact_name"]


def test_the_round_supersedes_the_previous_version(world, returns):
    bcf = world["bcf"]
    status, result = _validate(bcf, returns[OLD], "--round", ROUND)
    assert status == 1
    assert [f["code"] for f in result["findings"]] == ["identity.version_superseded"]
    status, result = _validate(bcf, returns[NEW], "--round", ROUND)
    assert (status, result["findings"]) == (0, [])


def test_a_return_on_the_previous_version_migrates(world, returns):
    tmp, bcf = world["tmp"], world["bcf"]
    out = tmp / "migrated.xlsx"
    done = bcf("migrate", returns[OLD], "--to", NEW, "--out", out, "--date", "2099-01-10",
               "--format", "json", check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout)
    assert (report["migrated"], report["source_version"], report["target_version"]) == (
        True, OLD, NEW)
    new_lines = [(line["field"], line["required"]) for line in report["lines"]
                 if line["status"] == "new"]
    assert new_lines == [(ADDED, True)]
    assert {line["status"] for line in report["lines"]} == {"carried", "new"}
    # The migrated workbook is a 2099-01 return whose only gap is the new question.
    status, result = _validate(bcf, out)
    assert (status, result["identity"]["version"]) == (1, NEW)
    assert [(f["code"], f["sheet"], f["cell"], f["field_id"]) for f in result["findings"]] == [
        ("schema.required", "Cover", ADDED_CELL, ADDED)]
    source = json.loads(bcf("extract", returns[OLD]).stdout)
    migrated = json.loads(bcf("extract", out).stdout)
    assert migrated["cover"]["contact_email"] == source["cover"]["contact_email"]
    assert migrated["schemes"] == source["schemes"]


def test_the_repository_was_not_written(world, returns):
    """Every step wrote into the copy: the repository's specs, schemas, maps and rounds are as
    they were, and no file of the new version is anywhere in it."""
    assert _snapshot() == world["before"]
    newer = [p for d in DATA_DIRS for p in (PACKAGE / d).rglob("*")
             if p.is_file() and p.stat().st_mtime_ns > world["started"]]
    assert newer == []
    assert [p for p in PACKAGE.rglob(f"*{NEW}*")] == []
    assert (world["pkg"] / "templates" / f"bcf-planning-{NEW}.yaml").is_file()
