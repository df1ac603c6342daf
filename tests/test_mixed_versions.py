"""Versions side by side: a folder mixing 2014-02 and 2014-09 returns, each read, consolidated
and added up with its own version's spec; the round a batch is for (--round) and a return on a
superseded version; batch --migrate-to. Every workbook is generated and filled here."""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from bcf_xl.batch.run import run_batch
from bcf_xl.issue.workbook import generate_workbook
from bcf_xl.samples.example import example_document
from bcf_xl.samples.fill import fill_workbook
from bcf_xl.spec.rounds import RoundsError, known_rounds, load_rounds
from bcf_xl.validate import validate_file

ROOT = Path(__file__).resolve().parent.parent
ISSUED = dt.date(2014, 1, 6)
OLD = ("E08000035", "E09000001")  # Leeds and the City of London send 2014-02 returns
NEW = "E06000028"                 # Bournemouth and Poole sends a 2014-09 return
BROKEN = "E06000053"              # the Isles of Scilly: a 2014-02 return with an error


def _csv(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


def bcf(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bcf_xl", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)


def _retag(source: Path, target: Path, version: str) -> Path:
    """A copy of a return whose identity says another version (as a 2014-07 return would)."""
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "docProps/custom.xml":
                data = re.sub(rb'(name="bcf_template_version"[^>]*>\s*<vt:lpwstr[^>]*>)[^<]*',
                              rb"\g<1>" + version.encode(), data)
            zout.writestr(info, data)
    return target


@pytest.fixture(scope="module")
def mailbox(tmp_path_factory, template, template_revised, reference):
    box = tmp_path_factory.mktemp("mixed")
    blanks = tmp_path_factory.mktemp("mixed-blank")
    for code in OLD:
        blank = generate_workbook(template, reference.get(code), blanks, ISSUED)
        fill_workbook(blank, example_document(template, reference.get(code)),
                      box / blank.name, template)
    blank = generate_workbook(template, reference.get(BROKEN), blanks, ISSUED)
    doc = example_document(template, reference.get(BROKEN))
    doc["cover"]["hwb_signoff_date"] = None
    fill_workbook(blank, doc, box / blank.name, template)
    blank = generate_workbook(template_revised, reference.get(NEW), blanks, ISSUED)
    fill_workbook(blank, example_document(template_revised, reference.get(NEW)),
                  box / blank.name, template_revised)
    return box


@pytest.fixture(scope="module")
def plain(mailbox, tmp_path_factory):
    """The batch with no round."""
    out = tmp_path_factory.mktemp("plain") / "reports"
    return out, run_batch(mailbox, out, workers=1)


@pytest.fixture(scope="module")
def september(mailbox, tmp_path_factory):
    """The batch for the September 2014 round, migrating the valid 2014-02 returns."""
    out = tmp_path_factory.mktemp("september") / "reports"
    return out, run_batch(mailbox, out, workers=1, round_id="sep2014", migrate_to="2014-09")


def _file_of(rows: list[dict[str, str]], code: str) -> dict[str, str]:
    return next(r for r in rows if r["hwb_code"] == code)


def test_each_return_is_consolidated_with_its_own_version(plain, mailbox, template,
                                                          template_revised, reference):
    """A column only 2014-02 has keeps its values once a 2014-09 return is in the folder, and
    the 2014-09 return's own columns are there too; template_version says which spec."""
    out, _ = plain
    old_only = sorted({f.qid for s in template.form_sheets() for f in s.fields()}
                      - {f.qid for s in template_revised.form_sheets() for f in s.fields()})
    new_only = sorted({f.qid for s in template_revised.form_sheets() for f in s.fields()}
                      - {f.qid for s in template.form_sheets() for f in s.fields()})
    assert old_only and new_only
    returns = _csv(out / "national" / "returns.csv")
    leeds, bournemouth = _file_of(returns, OLD[0]), _file_of(returns, NEW)
    assert (leeds["template_version"], bournemouth["template_version"]) == ("2014-02", "2014-09")
    alone = validate_file(mailbox / leeds["file"], reference=reference)
    filled = [q for q in old_only if leeds[q] != ""]
    assert filled, "a 2014-02 single value is empty in the mixed dataset"
    assert all(bournemouth[q] == "" for q in old_only)
    assert any(bournemouth[q] != "" for q in new_only)
    assert all(leeds[q] == "" for q in new_only)
    assert alone.status == "valid"
    # A 2014-09-only table holds the 2014-09 return only; schemes hold both versions' rows.
    schemes = _csv(out / "national" / "schemes.csv")
    assert {r["template_version"] for r in schemes} == {"2014-02", "2014-09"}
    new_columns = ({c.id for c in template_revised.table("schemes.rows").columns}
                   - {c.id for c in template.table("schemes.rows").columns})
    assert new_columns and all(r[c] == "" for r in schemes if r["template_version"] == "2014-02"
                               for c in new_columns)
    assert any(r[c] for r in schemes if r["template_version"] == "2014-09" for c in new_columns)


def test_the_columns_table_says_which_version_holds_each_column(plain, template_revised):
    out, _ = plain
    columns = {(r["table"], r["column"]): r for r in _csv(out / "national" / "columns.csv")}
    assert columns[("returns", "cover.hwb_name")]["versions"] == "2014-02; 2014-09"
    assert columns[("returns", "cover.hwb_name")]["in_every_version"] == "yes"
    new_col = next(c.id for c in template_revised.table("schemes.rows").columns
                   if ("schemes", c.id) in columns
                   and columns[("schemes", c.id)]["versions"] == "2014-09")
    assert columns[("schemes", new_col)]["in_every_version"] == "no"


def test_figures_say_per_version_what_they_hold(plain, mailbox, reference):
    """England adds up both versions; an England row per version holds only its returns."""
    out, outcome = plain
    figures = {r["scope"]: r for r in _csv(out / "figures.csv")}
    assert figures["England"]["template_version"] == "2014-02 + 2014-09"
    old, new = figures["England (2014-02)"], figures["England (2014-09)"]
    assert (old["template_version"], new["template_version"]) == ("2014-02", "2014-09")
    assert (int(old["returns_counted"]), int(new["returns_counted"])) == (3, 1)
    assert int(figures["England"]["returns_counted"]) == 4
    pools = {}
    for row in outcome.assessment.counted:
        result = validate_file(mailbox / row.file, reference=reference)
        pools.setdefault(row.template_version, 0)
        pools[row.template_version] += result.computed["/funding/total_1516"]
    assert float(old["pooled_budget_1516"]) == pytest.approx(pools["2014-02"])
    assert float(new["pooled_budget_1516"]) == pytest.approx(pools["2014-09"])
    assert float(figures["England"]["pooled_budget_1516"]) == pytest.approx(sum(pools.values()))
    assert new["p4p_pot"] != "" and old["p4p_pot"] == "0"
    summary = json.loads((out / "summary.json").read_text())
    assert summary["run"]["template_versions"] == {"2014-02": 3, "2014-09": 1}
    assert summary["run"]["round"] is None


def test_without_a_round_no_version_is_superseded(plain):
    out, _ = plain
    assert not [r for r in _csv(out / "findings.csv") if r["code"] == "identity.version_superseded"]
    status = {r["hwb_code"]: r["status"] for r in _csv(out / "summary.csv")}
    assert status[OLD[0]] == status[NEW] == "valid"


def test_a_superseded_return_in_the_september_round(september):
    """Every 2014-02 return gets identity.version_superseded naming the migration command; the
    2014-09 return stays valid."""
    out, _ = september
    status = {r["hwb_code"]: r["status"] for r in _csv(out / "summary.csv")}
    assert (status[OLD[0]], status[OLD[1]], status[NEW]) == ("invalid", "invalid", "valid")
    superseded = [r for r in _csv(out / "findings.csv") if r["code"] == "identity.version_superseded"]
    assert sorted(r["hwb_code"] for r in superseded) == sorted(OLD + (BROKEN,))
    leeds = _file_of(superseded, OLD[0])
    assert f"bcf-xl migrate {Path(leeds['file']).name} --to 2014-09" in leeds["message"]
    assert "September 2014 resubmission" in leeds["message"]
    run = json.loads((out / "summary.json").read_text())["run"]
    assert (run["round"], run["round_supersedes"]) == ("sep2014", ["2014-02", "2014-07"])


def test_migrate_to_moves_every_valid_old_return(september, reference):
    """One row per file: the valid 2014-02 returns migrated (the new workbook is a 2014-09 return
    of the same board), the invalid one and the 2014-09 one not, each saying why."""
    out, _ = september
    rows = {r["hwb_code"]: r for r in _csv(out / "migration.csv")}
    assert set(rows) == set(OLD + (BROKEN, NEW))
    for code in OLD:
        assert rows[code]["migrated"] == "yes" and int(rows[code]["still_to_fill"]) > 0
        result = validate_file(out / rows[code]["new_file"], reference=reference)
        assert (result.identity.version, result.identity.hwb_code) == ("2014-09", code)
        assert rows[code]["new_status"] == result.status
    assert rows[BROKEN]["migrated"] == "no" and "not valid" in rows[BROKEN]["note"]
    assert rows[NEW]["migrated"] == "no" and "already on 2014-09" in rows[NEW]["note"]
    assert sorted(p.name for p in (out / "migrated").iterdir()) == sorted(
        Path(rows[c]["new_file"]).name for c in OLD)


def test_validate_agrees_with_batch_on_the_round(mailbox, tmp_path):
    """validate --round gives the single file the same finding; no round, no finding; an
    unknown round is a usage error."""
    leeds = next(mailbox.glob(f"{OLD[0]}*.xlsx"))
    checked = bcf("validate", leeds, "--round", "sep2014", "--format", "json")
    assert checked.returncode == 1, checked.stderr
    report = json.loads(checked.stdout)
    assert [f["code"] for f in report["files"][0]["findings"]] == ["identity.version_superseded"]
    assert bcf("validate", leeds, "--round", "feb2014").returncode == 0
    assert bcf("validate", leeds).returncode == 0
    unknown = bcf("validate", leeds, "--round", "autumn")
    assert unknown.returncode == 2 and "sep2014" in unknown.stderr
    assert bcf("batch", mailbox, "--out", tmp_path / "r", "--round", "autumn").returncode == 2
    assert bcf("batch", mailbox, "--out", tmp_path / "r", "--migrate-to", "2099-01").returncode == 2


def test_a_2014_07_return_is_refused_as_superseded(mailbox, tmp_path, reference):
    """2014-07 has no spec: without a round it is an unknown version; for the September round
    it is superseded, with the migration command."""
    source = next(mailbox.glob(f"{NEW}*.xlsx"))
    july = _retag(source, tmp_path / "july.xlsx", "2014-07")
    plain = validate_file(july, reference=reference)
    assert [f.code for f in plain.findings] == ["file.unknown_version"]
    september = validate_file(july, reference=reference, round_id="sep2014")
    assert [f.code for f in september.findings] == ["identity.version_superseded"]
    assert september.status == "unreadable" and "2014-07" in september.findings[0].message


def test_the_rounds_file_is_checked_against_the_versions(tmp_path):
    rounds = known_rounds()
    assert rounds["feb2014"].accepts == ("2014-02",) and rounds["feb2014"].supersedes == ()
    assert rounds["sep2014"].supersedes == ("2014-02", "2014-07")
    bad = tmp_path / "rounds.yaml"
    bad.write_text('retired_versions: {"2014-07": "first issue"}\n'
                   'rounds:\n'
                   '  - {id: r1, title: One, accepts: ["2099-01"], supersedes: ["2014-05"]}\n'
                   '  - {id: r1, title: Two, accepts: ["2014-09"], supersedes: ["2014-09"]}\n')
    with pytest.raises(RoundsError) as caught:
        load_rounds(bad, known_versions={"2014-02", "2014-09"})
    text = str(caught.value)
    assert "4 problem(s)" in text
    assert "'2099-01' is not a version" in text and "'2014-05' is neither" in text
    assert "'r1' is used twice" in text and "'2014-09' is both accepted and superseded" in text
