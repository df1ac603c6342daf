"""The template spec: loaded and checked, and the single source of the schema and the docs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from bcf_xl.report.codes_doc import render_codes
from bcf_xl.findings import CATALOGUE
from bcf_xl.spec.load import SCHEMA_DIR, TEMPLATES_DIR, SpecError, known_templates, load_template
from bcf_xl.spec.to_schema import schema_file_name, to_schema

ROOT = Path(__file__).resolve().parent.parent
SPEC = TEMPLATES_DIR / "bcf-planning-2014-02.yaml"


@pytest.mark.parametrize("version", sorted(known_templates()))
def test_checked_in_schema_matches_the_spec(version):
    """bcf_xl/schema/ holds exactly what each version's spec generates (regenerate with
    `bcf-xl schema --template-version V`), so a published schema cannot drift or rot."""
    template = known_templates()[version]
    committed = json.loads((SCHEMA_DIR / schema_file_name(template)).read_text())
    assert committed == to_schema(template)


def test_every_version_has_its_schema_and_nothing_else_is_there():
    """One schema file per version, named for it: no stale schema of a removed version."""
    assert sorted(p.name for p in SCHEMA_DIR.glob("*.json")) == sorted(
        schema_file_name(t) for t in known_templates().values())


def test_codes_page_matches_the_catalogue():
    """docs/codes.md is the catalogue rendered; regenerate with `bcf-xl codes`."""
    assert (ROOT / "docs" / "codes.md").read_text() == render_codes()


def test_spec_covers_the_requirement(template):
    """Sheets, the six national conditions, five national metrics plus a local one, and the
    table sizes the requirement asks for are in the spec."""
    assert [s.title for s in template.sheets] == [
        "Guidance", "Cover", "Funding", "Schemes", "National conditions", "Metrics",
        "Risk register"]
    assert len(template.row_sets["national_conditions"]) == 6
    assert len(template.row_sets["metrics"]) == 4  # plus experience and local, as fields
    assert template.field("metrics.experience_measure") and template.field("metrics.local_name")
    assert template.table("schemes.rows").rows.count >= 50
    assert template.table("national_conditions.providers").rows.count >= 15
    assert template.table("risks.register").rows.count >= 30


def test_every_code_a_spec_names_is_catalogued(template):
    """missing_code and empty_code in the spec only name catalogued codes."""
    codes = {f.missing_code for _, _, f in template.all_fields() if f.missing_code}
    codes |= {t.missing_code for s in template.form_sheets() for t in s.tables() if t.missing_code}
    codes |= {t.empty_code for s in template.form_sheets() for t in s.tables() if t.empty_code}
    assert codes <= set(CATALOGUE)


def _broken(tmp_path, old: str, new: str) -> Path:
    text = SPEC.read_text()
    assert old in text
    path = tmp_path / "broken.yaml"
    path.write_text(text.replace(old, new, 1))
    return path


@pytest.mark.parametrize("old,new,expected", [
    ("list: yes_no, required: true, missing_code: cover.signoff_missing",
     "list: yes_please, required: true, missing_code: cover.signoff_missing",
     "uses the list 'yes_please', which is not defined"),
    ('formula: "SUM(schemes.rows.expenditure_1415)"', 'formula: "SUM(schemes.rows.spend)"',
     "formula refers to 'schemes.rows.spend', which is not defined"),
    ('formula: "PRODUCT(likelihood, impact)"', 'formula: "TIMES(likelihood, impact)"',
     "unknown operation TIMES"),
    ("missing_code: nc.answer_missing", "missing_code: nc.no_such_code", "not in the catalogue"),
    ("type: phone, required: true", "type: telephone, required: true", "'telephone' is not one of"),
    ("{id: contact_role, title: Role", "{id: contact_name, title: Role", "is defined twice"),
    ('  yes_no: ["Yes", "No"]', "  yes_no: [Yes, No]", "must be text (quote Yes/No in YAML)"),
])
def test_broken_spec_is_reported_with_where_and_what(tmp_path, old, new, expected):
    """A mistake in the spec is reported with its location and a plain reason, not a traceback."""
    with pytest.raises(SpecError) as caught:
        load_template(_broken(tmp_path, old, new))
    assert any(expected in problem for problem in caught.value.problems), caught.value.problems


def test_spec_that_is_not_yaml_is_reported(tmp_path):
    """A file that is not YAML gives a SpecError naming the file."""
    path = tmp_path / "bad.yaml"
    path.write_text("sheets: [unclosed")
    with pytest.raises(SpecError, match="bad.yaml"):
        load_template(path)
