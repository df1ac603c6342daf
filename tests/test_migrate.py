"""bcf-xl migrate: a 2014-02 return moved into a fresh 2014-09 template, on real workbooks.

The source is the example return filled into its generated template (and, where a test says
so, re-saved by LibreOffice); the migrated workbook is read back with the reader, checked
against the report and the requirement's lists, migrated twice to prove it is deterministic,
and recalculated by LibreOffice to prove it still validates to the same findings.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest
import typer
import yaml
from typer.testing import CliRunner

from bcf_xl.spec.migration_map import MAPS_DIR, MapError, load_map
from bcf_xl.migrate.provenance import PROPERTY_NAMES
from bcf_xl.read.package import parse_area
from bcf_xl.spec.load import TEMPLATES_DIR, known_templates, load_template
from bcf_xl.validate import validate_file

BOARD = "E08000035"  # Leeds: three CCGs, four providers under condition 1
DATE = "2014-08-20"
MAP = MAPS_DIR / "2014-02_to_2014-09.yaml"


def _app() -> typer.Typer:
    from bcf_xl.cli.migrate import migrate

    app = typer.Typer(add_completion=False)
    app.command()(migrate)

    @app.command()
    def version() -> None:  # a second command, so that "migrate" is a subcommand as in bcf-xl
        """Unused."""
    return app


def run(*args: str):
    return CliRunner().invoke(_app(), ["migrate", *map(str, args)], terminal_width=200)


def migrate_to(source: Path, out: Path, *extra: str):
    """Run the command with a JSON report; returns (result, report)."""
    report = out.with_suffix(".json")
    result = run(source, "--to", "2014-09", "--out", out, "--date", DATE, "--report", report,
                 *extra)
    return result, (json.loads(report.read_text()) if report.exists() else None)


@pytest.fixture(scope="module")
def migrated(tmp_path_factory, filled_example, reference):
    """The example return migrated: (source, new workbook, report, source doc, new doc)."""
    source = filled_example(BOARD)
    out = tmp_path_factory.mktemp("migrated") / "leeds-2014-09.xlsx"
    result, report = migrate_to(source, out)
    assert result.exit_code == 0, result.output
    old = validate_file(source, reference=reference)
    new = validate_file(out, reference=reference)
    assert old.valid and new.identity.version == "2014-09"
    return source, out, report, old.document.data, new.document.data


def _lines(report, status: str) -> dict[str, dict]:
    return {line["field"]: line for line in report["lines"] if line["status"] == status}


def test_every_carried_field_reads_back_equal(migrated):
    """Every value the map carries is in the new workbook, read back with the reader."""
    _, _, report, old, new = migrated
    carried = _lines(report, "carried")
    for qid in ("cover.contact_name", "cover.contact_email", "cover.hwb_signoff_date",
                "cover.chair_signed", "funding.dfg_included_1516", "metrics.local_name",
                "national_conditions.acute_impact", "risks.sharing_approach"):
        sheet, field = qid.split(".")
        assert new[sheet][field] == old[sheet][field], qid
        assert carried[qid]["cells"] == 1
    assert [r["name"] for r in new["schemes"]["rows"]] == \
        [r["name"] for r in old["schemes"]["rows"]]
    assert [{k: v for k, v in r.items() if k != "nhs_ooh"} for r in new["schemes"]["rows"]] == \
        old["schemes"]["rows"]
    assert new["risks"]["register"] == [{k: v for k, v in r.items() if k not in ("score", "rating")}
                                        for r in old["risks"]["register"]]
    assert new["funding"]["additional"] == old["funding"]["additional"]
    for table, match, columns in (("ccg_signoff", "ods_code", ("officer_name", "signed")),):
        assert {r[match]: [r.get(c) for c in columns] for r in new["cover"][table]} == \
            {r[match]: [r.get(c) for c in columns] for r in old["cover"][table]}
    assert {r["code"]: (r["planned_1415"], r["planned_1516"])
            for r in new["funding"]["contributions"]} == \
        {r["code"]: (r["planned_1415"], r["planned_1516"]) for r in old["funding"]["contributions"]}
    assert new["national_conditions"]["conditions"] == old["national_conditions"]["conditions"]
    for metric in ("dtoc", "residential_admissions", "reablement"):
        assert new["metrics"]["national"][metric]["plan_1516_num"] == \
            old["metrics"]["national"][metric]["plan_1516_num"]
    assert carried["schemes.rows.name"]["cells"] == len(old["schemes"]["rows"]) == 10
    # The original sign-off is carried; the revised plan's sign-off and submission are not.
    assert "resignoff_date" not in new["cover"] and "submitted_date" not in new["cover"]


def test_the_provider_engagement_table_becomes_the_provider_commentary(migrated):
    """Name and type carried, engaged Yes; agrees-the-impact only offered as a hint, every line
    marked for review, and the answer left for the board to confirm."""
    _, _, report, old, new = migrated
    providers = old["national_conditions"]["providers"]
    assert new["providers"]["rows"] == [{"name": p["name"], "type": p["type"], "engaged": "Yes"}
                                        for p in providers]
    transformed = _lines(report, "transformed")
    assert set(transformed) == {"providers.rows.name", "providers.rows.type",
                                "providers.rows.engaged", "providers.rows.agrees_nel"}
    assert all(line["review"] for line in transformed.values())
    hint = transformed["providers.rows.agrees_nel"]
    assert hint["cells"] == 0
    assert hint["source_field"] == "national_conditions.providers.agrees_impact"
    assert "Leeds Teaching Hospitals NHS Trust: 'Yes', so probably 'Yes'" in hint["note"]


def test_dropped_fields_are_listed(migrated):
    _, _, report, _, _ = migrated
    dropped = _lines(report, "dropped")
    assert set(dropped) == {"national_conditions.providers.how_engaged",
                            "metrics.national.emergency_admissions", "metrics.p4p_share",
                            "metrics.p4p_april_2015", "metrics.p4p_october_2015"}
    assert dropped["metrics.national.emergency_admissions"]["cells"] == 6
    assert dropped["national_conditions.providers.how_engaged"]["cells"] == 4
    assert report["counts"]["dropped"] == 5


def test_payment_for_performance_plan_stays_empty_and_required(migrated, reference):
    """Migration invents no P4P figure: the plan quarters are empty, the report says they are
    new and required, and validating the new workbook reports each quarter at its cell."""
    _, out, report, _, new = migrated
    assert all("plan" not in row for row in new["p4p"]["quarters"].values())
    assert "stated_pot" not in new["p4p"] and "stated_reduction_percent" not in new["p4p"]
    line = _lines(report, "new")["p4p.quarters.plan"]
    assert line["required"] and line["cells"] == 0
    area = parse_area(openpyxl.load_workbook(out).defined_names["p4p.quarters.plan"].attr_text)
    expected = [f"{chr(ord('A') + area.first_col)}{area.first_row + 1 + i}" for i in range(4)]
    found = [f for f in report["validation"]["findings"] if f["code"] == "p4p.quarter_missing"]
    assert [f["cell"] for f in found] == expected
    assert {f["sheet"] for f in found} == {"Payment for performance"}
    assert report["validation"]["status"] == "invalid"


def test_the_report_is_a_sheet_and_the_identity_records_the_source(migrated):
    source, out, report, _, _ = migrated
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[0] == "Migration report" and wb.active.title == "Migration report"
    ws = wb["Migration report"]
    statuses = [row[0] for row in ws.iter_rows(min_row=1, values_only=True)
                if row[0] in ("Carried", "Transformed: review", "Dropped", "New, required",
                              "New, optional")]
    assert len(statuses) == len(report["lines"])
    props = {p.name: p.value for p in wb.custom_doc_props.props}
    sha = hashlib.sha256(source.read_bytes()).hexdigest()
    assert props[PROPERTY_NAMES["source_version"]] == "2014-02"
    assert props[PROPERTY_NAMES["source_sha256"]] == sha == report["provenance"]["source_sha256"]
    assert props[PROPERTY_NAMES["migrated_on"]] == DATE
    assert props["bcf_template_version"] == "2014-09" and props["bcf_hwb_code"] == BOARD
    meta = {row[0]: row[1] for row in wb["_meta"].iter_rows(values_only=True)}
    assert meta[PROPERTY_NAMES["source_sha256"]] == sha


def test_json_on_stdout_is_the_report_file(migrated, tmp_path):
    source, _, report, _, _ = migrated
    result = run(source, "--to", "2014-09", "--out", tmp_path / "again.xlsx", "--date", DATE,
                 "--format", "json")
    assert result.exit_code == 0
    printed = json.loads(result.stdout)
    assert printed["lines"] == report["lines"] and printed["migrated"] is True


def test_text_report_has_a_line_per_field_and_what_is_left(migrated, tmp_path):
    source, _, report, _, _ = migrated
    result = run(source, "--to", "2014-09", "--out", tmp_path / "text.xlsx", "--date", DATE)
    assert result.exit_code == 0
    assert result.stdout.count("│ Transformed: review") == 4
    assert result.stdout.count("│ Dropped ") == 5
    assert "p4p.quarter_missing" in result.stdout and "MIGRATED" in result.stdout


def test_migrating_twice_gives_the_same_bytes(migrated, tmp_path):
    """Same return, same date: byte-identical, from another folder too; another date differs."""
    source, first, _, _, _ = migrated
    copy = tmp_path / "elsewhere" / source.name
    copy.parent.mkdir()
    shutil.copy(source, copy)
    result, _ = migrate_to(copy, tmp_path / "second.xlsx")
    assert result.exit_code == 0
    assert (tmp_path / "second.xlsx").read_bytes() == first.read_bytes()
    other = run(source, "--to", "2014-09", "--out", tmp_path / "later.xlsx", "--date",
                "2014-09-01")
    assert other.exit_code == 0
    assert (tmp_path / "later.xlsx").read_bytes() != first.read_bytes()


def _with_custom_xml(source: Path, out: Path, change) -> Path:
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            zout.writestr(info, change(info.filename, data))
    return out


def test_refusals_exit_1_with_the_intake_finding(migrated, tmp_path):
    source, already, _, _, _ = migrated
    empty = tmp_path / "empty.xlsx"
    empty.write_bytes(b"")
    text = tmp_path / "notes.xlsx"
    text.write_text("hwb,amount\nLeeds,1\n")
    july = _with_custom_xml(source, tmp_path / "july.xlsx", lambda name, data: data.replace(
        b">2014-02<", b">2014-07<") if name == "docProps/custom.xml" else data)
    no_name = _with_custom_xml(source, tmp_path / "no-name.xlsx", lambda name, data: re.sub(
        rb'<definedName name="cover.contact_email">[^<]*</definedName>', b"", data)
        if name == "xl/workbook.xml" else data)
    cases = {empty: "file.empty", text: "file.not_workbook", july: "file.unknown_version",
             already: "migrate.already_on_target", no_name: "structure.name_missing"}
    for path, code in cases.items():
        out = tmp_path / f"out-{path.stem}.xlsx"
        result, report = migrate_to(path, out)
        assert result.exit_code == 1, (path.name, result.output)
        assert [f["code"] for f in report["refusal"]] == [code], path.name
        assert report["migrated"] is False and not out.exists()
        assert "NOT MIGRATED" in result.stdout and code in result.stdout


def test_usage_errors_exit_2(migrated, tmp_path):
    source = migrated[0]
    assert run(source, "--to", "2014-05", "--out", tmp_path / "x.xlsx").exit_code == 2
    assert run(source, "--to", "2014-09", "--out", source).exit_code == 2
    assert run(source, "--to", "2014-09", "--out", tmp_path / "y.xlsx", "--date",
               "20 Aug").exit_code == 2
    assert run(tmp_path / "missing.xlsx", "--to", "2014-09", "--out",
               tmp_path / "z.xlsx").exit_code == 2
    assert not any(tmp_path.glob("*.xlsx"))


def _spec_with(tmp_path: Path, version: str, old: str, new: str) -> dict:
    """The bundled specs, with one text replaced in one version's file."""
    text = (TEMPLATES_DIR / f"bcf-planning-{version}.yaml").read_text()
    assert old in text
    path = tmp_path / f"{version}.yaml"
    path.write_text(text.replace(old, new, 1))
    return {**known_templates(), version: load_template(path)}


def test_a_field_renamed_in_either_spec_fails_loudly(tmp_path):
    load_map(MAP)  # the bundled map is sound
    renamed_target = _spec_with(tmp_path, "2014-09", "{id: contact_email,", "{id: contact_mail,")
    with pytest.raises(MapError) as caught:
        load_map(MAP, renamed_target)
    assert any("cover.contact_email" in p for p in caught.value.problems)
    added_source = _spec_with(tmp_path, "2014-02", "{id: contact_phone,",
                              "{id: contact_fax, title: Fax, type: phone}\n            - "
                              "{id: contact_phone,")
    with pytest.raises(MapError) as caught:
        load_map(MAP, added_source)
    assert caught.value.problems == [
        "map: bcf-planning-2014-02 input cover.contact_fax ('Fax') is neither carried, "
        "transformed, dropped nor refilled"]


def test_a_hint_must_cover_every_answer(tmp_path):
    data = yaml.safe_load(MAP.read_text())
    data["transform"][0]["columns"][3]["hint"].pop("Not yet")
    path = tmp_path / "map.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(MapError) as caught:
        load_map(path)
    assert caught.value.problems == ["transform[0].columns[3].hint: no hint for the answer "
                                     "'Not yet' (null if none)"]


@pytest.mark.libreoffice
def test_libreoffice_round_trips(migrated, tmp_path, reference):
    """A source re-saved by LibreOffice migrates to the same answers; the migrated workbook
    recalculated by LibreOffice validates to exactly the same findings."""
    from tests.support.libreoffice import recalc_convert, require_libreoffice

    require_libreoffice()
    source, out, report, _, new = migrated
    resaved_source, recalculated = recalc_convert([source, out], tmp_path / "lo")
    result, from_lo = migrate_to(resaved_source, tmp_path / "from-lo.xlsx")
    assert result.exit_code == 0, result.output
    assert validate_file(tmp_path / "from-lo.xlsx", reference=reference).document.data == new
    assert [(l["field"], l["status"], l["cells"]) for l in from_lo["lines"]] == \
        [(l["field"], l["status"], l["cells"]) for l in report["lines"]]

    def found(path: Path) -> list[tuple]:
        return [(f.code, f.sheet, f.cells, f.message)
                for f in validate_file(path, reference=reference).findings]
    assert found(recalculated) == found(out)
    assert len(found(out)) == len(report["validation"]["findings"]) > 0


def test_what_changed_for_the_guidance_comes_from_the_map():
    from bcf_xl.spec.migration_map import what_changed

    paragraphs = dict(what_changed(load_map(MAP)))
    assert paragraphs["New sheets"] == "Benefits; Payment for performance; Provider commentary."
    assert "Avoidable emergency admissions per 100,000 population" in \
        paragraphs["No longer asked since 2014-02"]
    assert "Cover: Date the board signed off this revised plan;" in \
        paragraphs["New questions since 2014-02"]
