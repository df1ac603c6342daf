"""Payment presets are data files checked when loaded: against their own sense and against the
spec of every template version they pay, so a renamed field stops them loudly."""

from __future__ import annotations

from pathlib import Path

import pytest

from bcf_xl.payment.designs import ReductionPreset, TranchePreset
from bcf_xl.payment.presets import (
    PRESET_DIR, PresetError, default_preset, find_preset, known_presets, load_preset_file,
)
from bcf_xl.spec.load import known_templates


def _edited(tmp_path: Path, name: str, old: str, new: str) -> Path:
    text = (PRESET_DIR / f"{name}.yaml").read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / f"{name}.yaml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def test_bundled_presets_load_with_one_default_per_version():
    """Four presets load: both design-1 readings and both design-2 variants; 2014-02 defaults
    to dec2013-hsj and 2014-09 to jul2014-per-quarter."""
    presets = known_presets()
    assert {p: type(v).__name__ for p, v in presets.items()} == {
        "dec2013-hsj": "TranchePreset", "dec2013-halves": "TranchePreset",
        "jul2014-per-quarter": "ReductionPreset", "jul2014-cumulative": "ReductionPreset"}
    assert default_preset("2014-02").id == "dec2013-hsj"
    assert default_preset("2014-09").id == "jul2014-per-quarter"
    assert {p.variant for p in presets.values() if isinstance(p, ReductionPreset)} == {
        "per-quarter", "cumulative"}


def test_design_1_scales_come_from_the_spec_rows():
    """The rate scale of each national metric is the spec row's (per 100,000; per cent), and
    the two survey-style measures need a value."""
    preset = known_presets()["dec2013-hsj"]
    spec = known_templates()["2014-02"]
    scales = {row.id: row.values["scale"] for row in spec.row_sets["metrics"]}
    assert {m.id: m.scale for m in preset.measures} == {**scales, "experience": None,
                                                        "local": None}


def test_a_version_whose_spec_is_not_installed_is_skipped_with_its_reason():
    """Design-2 presets name template 2014-09; until its spec is installed they load with the
    version listed as unchecked and why, and once it is they are checked against it."""
    preset = known_presets()["jul2014-per-quarter"]
    if "2014-09" in known_templates():
        assert preset.unchecked == ()
    else:
        assert [v for v, _ in preset.unchecked] == ["2014-09"]
        assert "not installed" in preset.unchecked[0][1]
    loaded = load_preset_file(PRESET_DIR / "dec2013-hsj.yaml", templates={})
    assert [v for v, _ in loaded.unchecked] == ["2014-02"]


@pytest.mark.parametrize("old,new,where", [
    ("stake: /metrics/p4p_share", "stake: /metrics/p4p_stake", "stake"),
    ("/metrics/national/dtoc/baseline_rate", "/metrics/national/delays/baseline_rate",
     "measures.dtoc.baseline"),
    ("/metrics/local_baseline", "/metrics/local_name", "measures.local.baseline"),
    ("/national_conditions/conditions/c6/met", "/national_conditions/conditions/c6/condition",
     "conditions.answers"),
])
def test_a_renamed_or_wrong_field_stops_the_preset_at_load(tmp_path, old, new, where):
    """A pointer that names no field, no spec row, or a field of the wrong kind in 2014-02 is
    a PresetError naming the setting and the pointer."""
    with pytest.raises(PresetError) as caught:
        load_preset_file(_edited(tmp_path, "dec2013-hsj", old, new))
    assert any(p.startswith(f"{where}:") and new.split(": ")[-1] in p
               for p in caught.value.problems), caught.value.problems


@pytest.mark.parametrize("old,new,where", [
    ("share: 0.50\n    period: \"2015-16-h1\"", "share: 0.40\n    period: \"2015-16-h1\"",
     "tranches"),
    ("release_rule: threshold", "release_rule: generous", "release_rule"),
    ("measures: [dtoc, emergency_admissions, experience, local]",
     "measures: [dtoc, falls, experience, local]", "tranches[1].measures"),
    ("id: dec2013-hsj", "id: dec2013-other", "id"),
])
def test_a_preset_that_makes_no_sense_is_refused(tmp_path, old, new, where):
    """Shares that do not add up to the stake, an unknown rule, a tranche naming an unknown
    measure and an id that is not the file name are each reported by setting."""
    with pytest.raises(PresetError) as caught:
        load_preset_file(_edited(tmp_path, "dec2013-hsj", old, new))
    assert any(p.startswith(f"{where}:") for p in caught.value.problems), caught.value.problems


def test_a_new_preset_is_a_new_file(tmp_path):
    """A preset file given by path loads like a bundled one: here a 60% threshold."""
    path = _edited(tmp_path, "dec2013-hsj", "threshold: 0.70", "threshold: 0.60")
    preset = find_preset(str(path))
    assert isinstance(preset, TranchePreset) and float(preset.threshold) == 0.6
    with pytest.raises(KeyError):
        find_preset("dec2013-generous")
