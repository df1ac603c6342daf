"""Rules name fields through the spec, and a version that a rule no longer fits does not load.

Each test breaks a copy of the bundled spec (or a rule declaration) the way an edit would, and
asserts that loading the version reports it, where and why; and that a rule reading a field it
did not declare, or a message missing a placeholder, is contained to one finding.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from bcf_xl import findings
from bcf_xl.check.rules import REGISTRY, bind
from bcf_xl.check.rules.base import UndeclaredRead, rule
from bcf_xl.spec.load import TEMPLATES_DIR, SpecError, load_template

SPEC = TEMPLATES_DIR / "bcf-planning-2014-02.yaml"


def _spec(tmp_path: Path, old: str, new: str) -> Path:
    text = SPEC.read_text(encoding="utf-8")
    assert old in text, old
    out = tmp_path / "spec.yaml"
    out.write_text(text.replace(old, new), encoding="utf-8")
    return out


def test_every_bundled_version_binds_its_rules(template):
    """The bundled version's rules all exist, and every check it has is reported by one."""
    bound = bind(template)
    assert [b.rule.name for b in bound] == list(template.rules)
    reported = {code for b in bound for code in b.rule.codes}
    assert {c.code for c in template.checks} <= reported


def test_renaming_a_field_a_check_reads_stops_the_version_loading(tmp_path):
    """Renaming cover.submitted_date (which the sign-off check compares with) is a spec
    problem naming the check, not a check that silently stops working."""
    path = _spec(tmp_path, "- {id: submitted_date,", "- {id: date_sent,")
    with pytest.raises(SpecError) as caught:
        load_template(path)
    assert any("cover.submitted_date" in p and "checks[" in p for p in caught.value.problems)


def test_renaming_a_field_a_rule_reads_fails_binding(tmp_path):
    """A rule's declared read of a field the version renamed is reported when rules bind."""
    path = _spec(tmp_path, "{id: description, title: Risk (there is a risk that...)",
                 "{id: risk_text, title: Risk (there is a risk that...)")
    template = load_template(path)
    with pytest.raises(SpecError) as caught:
        bind(template)
    assert any("risk_high_unmitigated" in p and "risks.register.description" in p
               for p in caught.value.problems)


def test_a_list_value_a_rule_compares_with_must_be_in_the_list(tmp_path):
    """Renaming the 'Performance' risk category breaks the rule that looks for it, loudly."""
    path = _spec(tmp_path, '"Workforce", "Governance", "Information sharing", "Provider", "Other"]',
                 '"Workforce", "Governance", "Information sharing", "Provider", "Other"]\n'
                 '  # renamed below')
    text = path.read_text().replace('risk_category: ["Financial", "Performance",',
                                    'risk_category: ["Financial", "Delivery",')
    path.write_text(text)
    with pytest.raises(SpecError) as caught:
        bind(load_template(path))
    assert any("risk_performance" in p and "'Performance'" in p for p in caught.value.problems)


def test_a_version_without_a_rule_says_so_and_its_checks_need_a_reporter(tmp_path):
    """Leaving a rule out of a version's rules: switches it off explicitly; if the version
    still has a check only that rule reports, the version does not load."""
    path = _spec(tmp_path, " finance_minimums,\n        finance_balance,", " finance_minimums,\n       ")
    with pytest.raises(SpecError) as caught:
        bind(load_template(path))
    assert any("funding_matches_schemes" in p and "no rule" in p for p in caught.value.problems)


def test_an_unknown_rule_name_is_reported(tmp_path):
    """A version naming a rule bcf-xl does not have does not load, and says which."""
    path = _spec(tmp_path, "rules: [cover_signoff,", "rules: [cover_signof,")
    with pytest.raises(SpecError) as caught:
        bind(load_template(path))
    assert any("'cover_signof'" in p for p in caught.value.problems)


def test_a_missing_code_whose_message_the_schema_layer_cannot_fill_fails_at_load(tmp_path):
    """A missing_code needing a placeholder that a blank cell cannot give (finance.below_minimum
    needs the organisation and amounts) is refused when the version loads."""
    path = _spec(tmp_path, "{id: contact_role, title: Role, type: text, required: true}",
                 "{id: contact_role, title: Role, type: text, required: true, "
                 "missing_code: finance.below_minimum}")
    with pytest.raises(SpecError) as caught:
        load_template(path)
    assert any("cover.contact_role" in p and "organisation" in p for p in caught.value.problems)


def test_a_rule_message_placeholder_the_rule_does_not_fill_fails_binding(template):
    """A rule declaring a code whose message needs more than the rule fills is refused."""
    broken = dataclasses.replace(REGISTRY["finance_balance"],
                                 codes={"finance.sources_schemes_mismatch": frozenset({"year"})})
    original = REGISTRY["finance_balance"]
    REGISTRY["finance_balance"] = broken
    bind.cache_clear()
    try:
        with pytest.raises(SpecError) as caught:
            bind(template)
        assert any("difference" in p for p in caught.value.problems)
    finally:
        REGISTRY["finance_balance"] = original
        bind.cache_clear()


def test_a_rule_reading_an_undeclared_field_is_one_internal_finding(tmp_path, filled_example,
                                                                    reference, template):
    """A rule that reads what it did not declare produces one internal.check_failed naming it,
    and every other rule's findings still come."""
    from bcf_xl.validate import validate_file

    def sneaky(ctx):
        ctx.value("cover.contact_email")
        yield from ()

    original = REGISTRY["risk_performance"]
    REGISTRY["risk_performance"] = rule("risk_performance", sneaky,
                                        codes={"risk.no_performance_risk": ()})
    bind.cache_clear()
    try:
        result = validate_file(filled_example("E08000035"), reference=reference)
    finally:
        REGISTRY["risk_performance"] = original
        bind.cache_clear()
    internal = [f for f in result.findings if f.code == "internal.check_failed"]
    assert len(internal) == 1 and "UndeclaredRead" in internal[0].message
    with pytest.raises(UndeclaredRead):
        raise UndeclaredRead("the exception type is public, for rule authors' tests")


def test_a_message_missing_a_placeholder_is_contained_to_its_finding():
    """findings.make with a parameter missing gives an internal finding at the same place,
    instead of an exception that would lose every other finding of its layer."""
    found = findings.make("finance.below_minimum", sheet="Funding", cells=("H7",),
                          organisation="NHS Leeds CCG", year="2014/15", planned="£1")
    assert found.code == "internal.check_failed"
    assert (found.sheet, found.cells) == ("Funding", ("H7",))
    assert "minimum" in found.message
