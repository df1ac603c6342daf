"""Load and check payment presets: YAML files in ``bcf_xl/templates/payment/``, one per preset.

A preset is checked twice when it is loaded. First its own sense: known design, shares adding
up to the whole stake, tranches naming measures and periods that exist. Then every plan field it
reads against the spec of each template version it applies to: the pointer must name a field
of the right kind, and a row the spec defines. A field renamed in a spec therefore stops the
preset from loading, with the preset, the pointer and the version named, rather than paying
nothing silently. A version the preset applies to whose spec is not installed is skipped, and
the preset records which and why (``Preset.unchecked``).
"""

from __future__ import annotations

import functools
import re
from dataclasses import replace
from fractions import Fraction
from pathlib import Path
from typing import Any, Mapping

import yaml

from bcf_xl.payment.designs import (
    DESIGN_1, DESIGN_2, RELEASE_RULES, VARIANTS, Conditions, Measure, Period, Preset, Quarter,
    ReductionPreset, Tranche, TranchePreset,
)
from bcf_xl.payment.money import exact
from bcf_xl.spec.load import TEMPLATES_DIR, known_templates
from bcf_xl.spec.model import NUMERIC_TYPES, TEXT_TYPES, Template
from bcf_xl.yamltext import load_yaml

PRESET_DIR = TEMPLATES_DIR / "payment"
_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
NUMBER, TEXT, MONEY = NUMERIC_TYPES, TEXT_TYPES, frozenset({"money", "number"})


class PresetError(ValueError):
    """A preset that cannot be used; ``problems`` lists every one found."""

    def __init__(self, source: str, problems: list[str]):
        self.problems = problems
        super().__init__(f"{source}: {len(problems)} problem(s) in the payment preset:\n  - "
                         + "\n  - ".join(problems))


class _Reader:
    """Reads one preset's YAML, collecting every problem rather than stopping at the first."""

    def __init__(self, data: Mapping[str, Any]):
        self.data = data
        self.problems: list[str] = []

    def fail(self, where: str, what: str) -> None:
        self.problems.append(f"{where}: {what}")

    def text(self, data: Mapping[str, Any], key: str, where: str, optional: bool = False) -> str:
        value = data.get(key)
        if value is None and optional:
            return ""
        if not isinstance(value, str) or not value.strip():
            self.fail(f"{where}.{key}" if where else key, f"must be text, found {value!r}")
            return ""
        return value.strip()

    def pointer(self, data: Mapping[str, Any], key: str, where: str) -> str:
        value = self.text(data, key, where)
        if value and not value.startswith("/"):
            self.fail(f"{where}.{key}" if where else key,
                      f"{value!r} must be a pointer into a return, like /metrics/p4p_share")
        return value

    def items(self, key: str) -> list[Mapping[str, Any]]:
        value = self.data.get(key)
        if not isinstance(value, list) or not value or not all(isinstance(v, dict) for v in value):
            self.fail(key, "must be a non-empty list of settings")
            return []
        return value

    def versions(self, key: str) -> tuple[str, ...]:
        value = self.data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.fail(key, f"must be a list of template versions in quotes, found {value!r}")
            return ()
        return tuple(value)

    def fraction(self, value: Any, where: str) -> Fraction:
        number = exact(value)
        if number is None or not 0 < number <= 1:
            self.fail(where, f"must be a number above 0 and at most 1, found {value!r}")
            return Fraction(0)
        return number


def _periods(r: _Reader) -> tuple[Period, ...]:
    periods = []
    for i, item in enumerate(r.items("periods")):
        where = f"periods[{i}]"
        factors = item.get("annualise") or {}
        annualise = {str(k): exact(v) or Fraction(1) for k, v in factors.items()}
        periods.append(Period(r.text(item, "id", where), r.text(item, "title", where), annualise))
    return tuple(periods)


def _measures(r: _Reader) -> tuple[Measure, ...]:
    measures = []
    for i, item in enumerate(r.items("measures")):
        where = f"measures[{i}]"
        plans = item.get("plans")
        if not isinstance(plans, dict) or not plans:
            r.fail(f"{where}.plans", "must map each period to the pointer of its planned figure")
            plans = {}
        measures.append(Measure(
            id=r.text(item, "id", where), title=r.text(item, "title", where),
            baseline=r.pointer(item, "baseline", where),
            plans={str(k): r.pointer(plans, k, f"{where}.plans") for k in plans},
            direction=r.pointer(item, "direction", where) if "direction" in item else None,
            name=r.pointer(item, "name", where) if "name" in item else None))
    return tuple(measures)


def _tranches(r: _Reader, periods: set[str], measures: Mapping[str, Measure]) -> tuple[Tranche, ...]:
    tranches = []
    for i, item in enumerate(r.items("tranches")):
        where = f"tranches[{i}]"
        names = item.get("measures") or []
        period = item.get("period")
        if names and period not in periods:
            r.fail(f"{where}.period", f"{period!r} is not one of the periods {sorted(periods)}")
        for name in names:
            if name not in measures:
                r.fail(f"{where}.measures", f"{name!r} is not one of the measures")
            elif period in periods and period not in measures[name].plans:
                r.fail(f"measures.{name}.plans", f"gives no planned figure for {period!r}, "
                       f"which tranche {item.get('id')!r} pays on")
        if not names and not item.get("gate"):
            r.fail(where, "a tranche needs measures, the conditions gate, or both")
        tranches.append(Tranche(
            id=r.text(item, "id", where), title=r.text(item, "title", where),
            paid=r.text(item, "paid", where), share=r.fraction(item.get("share"), f"{where}.share"),
            gate=bool(item.get("gate")), period=period if names else None,
            measures=tuple(str(n) for n in names)))
    if tranches and sum(t.share for t in tranches) != 1:
        r.fail("tranches", f"shares add up to {float(sum(t.share for t in tranches)):g}, not 1: "
               "the tranches must share out the whole stake")
    return tuple(tranches)


def _conditions(r: _Reader) -> Conditions | None:
    data = r.data.get("conditions")
    if data is None:
        return None
    answers = data.get("answers") if isinstance(data, dict) else None
    if not isinstance(answers, list) or not answers:
        r.fail("conditions.answers", "must list the pointers of the condition answers")
        return None
    return Conditions(tuple(str(a) for a in answers), r.text(data, "met", "conditions"),
                      r.text(data, "error_prefix", "conditions"))


def _common(r: _Reader, path: Path) -> dict[str, Any]:
    preset_id = r.text(r.data, "id", "")
    if preset_id and (not _ID.match(preset_id) or preset_id != path.stem):
        r.fail("id", f"{preset_id!r} must be lower case letters, digits and - and match the "
               f"file name ({path.stem})")
    templates = r.versions("templates")
    default_for = r.versions("default_for")
    for version in set(default_for) - set(templates):
        r.fail("default_for", f"{version!r} is not one of the preset's template versions")
    actuals = r.data.get("actuals")
    if actuals is not None and (not isinstance(actuals, str) or "/" in actuals):
        r.fail("actuals", f"{actuals!r} must be the name of a file in bcf_xl/data")
    return {"id": preset_id, "title": r.text(r.data, "title", ""),
            "design": r.data.get("design"), "about": r.text(r.data, "about", ""),
            "templates": templates, "default_for": default_for, "actuals": actuals,
            "path": str(path), "unchecked": ()}


def _design_1(r: _Reader, common: dict[str, Any]) -> TranchePreset:
    periods, measures = _periods(r), _measures(r)
    by_id = {m.id: m for m in measures}
    for m in measures:
        if not m.direction:
            r.fail(f"measures.{m.id}.direction", "is needed: which way is better is the plan's")
    rule = r.data.get("release_rule")
    if rule not in RELEASE_RULES:
        r.fail("release_rule", f"{rule!r} is not one of {', '.join(RELEASE_RULES)}")
    conditions = _conditions(r)
    tranches = _tranches(r, {p.id for p in periods}, by_id)
    if any(t.gate for t in tranches) and conditions is None:
        r.fail("conditions", "a tranche is gated on the national conditions, so say where "
               "the answers are")
    return TranchePreset(**common, periods=periods, measures=measures,
                         stake=r.pointer(r.data, "stake", ""), release_rule=str(rule),
                         threshold=r.fraction(r.data.get("threshold"), "threshold"),
                         conditions=conditions, tranches=tranches)


def _design_2(r: _Reader, common: dict[str, Any]) -> ReductionPreset:
    variant = r.data.get("variant")
    if variant not in VARIANTS:
        r.fail("variant", f"{variant!r} is not one of {', '.join(VARIANTS)}")
    measure = r.data.get("measure") if isinstance(r.data.get("measure"), dict) else {}
    quarters = tuple(Quarter(r.text(q, "id", f"quarters[{i}]"), r.text(q, "period", f"quarters[{i}]"),
                             r.text(q, "title", f"quarters[{i}]"),
                             r.pointer(q, "baseline", f"quarters[{i}]"),
                             r.pointer(q, "plan", f"quarters[{i}]"))
                     for i, q in enumerate(r.items("quarters")))
    periods = tuple(Period(q.period, q.title, {}) for q in quarters)
    single = Measure(r.text(measure, "id", "measure"), r.text(measure, "title", "measure"),
                     None, {q.period: q.plan for q in quarters})
    return ReductionPreset(**common, periods=periods, measures=(single,), variant=str(variant),
                           unit_cost=r.pointer(r.data, "unit_cost", ""),
                           share=r.pointer(r.data, "share", ""), pot=r.pointer(r.data, "pot", ""),
                           quarters=quarters)


def _unique(r: _Reader, preset: Preset) -> None:
    groups = {"periods": [p.id for p in preset.periods], "measures": [m.id for m in preset.measures]}
    if isinstance(preset, TranchePreset):
        groups["tranches"] = [t.id for t in preset.tranches]
    for name, ids in groups.items():
        for twice in sorted({i for i in ids if ids.count(i) > 1}):
            r.fail(name, f"{twice!r} is given twice")


def _fields(preset: Preset) -> list[tuple[str, str, frozenset[str]]]:
    """(where, pointer, field types allowed) for every plan field the preset reads."""
    out: list[tuple[str, str, frozenset[str]]] = []
    for m in preset.measures:
        if m.baseline:
            out.append((f"measures.{m.id}.baseline", m.baseline, NUMBER))
        out += [(f"measures.{m.id}.plans.{p}", ptr, NUMBER) for p, ptr in m.plans.items()]
        out += [(f"measures.{m.id}.{k}", ptr, TEXT) for k, ptr in
                (("direction", m.direction), ("name", m.name)) if ptr]
    if isinstance(preset, TranchePreset):
        out.append(("stake", preset.stake, MONEY))
        if preset.conditions:
            out += [("conditions.answers", a, frozenset({"choice"}))
                    for a in preset.conditions.answers]
    if isinstance(preset, ReductionPreset):
        out += [(k, getattr(preset, k), MONEY) for k in ("unit_cost", "share", "pot")]
        out += [(f"quarters.{q.id}.baseline", q.baseline, NUMBER) for q in preset.quarters]
    return out


def _spec_problem(template: Template, pointer: str, types: frozenset[str]) -> str | None:
    field = template.field_at(pointer)
    if field is None:
        return f"{pointer} is not a field of template {template.version}"
    parts = pointer.strip("/").split("/")
    if len(parts) == 4:
        table = template.table(f"{parts[0]}.{parts[1]}")
        rows = template.row_sets.get(table.rows.source or "")
        if rows is None:
            return f"{pointer}: {table.qid} is a table of rows the board fills in, not of fixed rows"
        if parts[2] not in {row.id for row in rows}:
            return f"{pointer}: {table.qid} has no row {parts[2]!r} in template {template.version}"
    if field.type not in types:
        return (f"{pointer} is '{field.title}', of type {field.type}, where this preset needs "
                f"{' or '.join(sorted(types))}")
    return None


def _scale(template: Template, pointer: str | None) -> Fraction | None:
    """The rate scale of a measure whose baseline is a row the spec defines (row.scale)."""
    parts = (pointer or "").strip("/").split("/")
    if len(parts) != 4:
        return None
    table = template.table(f"{parts[0]}.{parts[1]}")
    for row in template.row_sets.get(table.rows.source or "", ()):
        if row.id == parts[2]:
            return exact(row.values.get("scale"))
    return None


def _check_against_specs(r: _Reader, preset: Preset, templates: Mapping[str, Template]) -> Preset:
    unchecked = []
    checked: list[Template] = []
    for version in preset.templates:
        template = templates.get(version)
        if template is None:
            unchecked.append((version, f"template version {version} is not installed in this "
                              "bcf-xl, so the plan fields this preset reads were not checked "
                              "against its spec; it can pay no plan until that spec is added"))
            continue
        checked.append(template)
        for where, pointer, types in _fields(preset):
            problem = _spec_problem(template, pointer, types) if pointer else None
            if problem:
                r.fail(where, problem)
    if not checked or r.problems:
        return replace(preset, unchecked=tuple(unchecked))
    spec = checked[0]
    titles = {}
    for _, pointer, _ in _fields(preset):
        found = spec.field_at(pointer)
        titles[pointer] = _row_title(pointer, found.title if found else pointer)
    return replace(preset, unchecked=tuple(unchecked), titles=titles,
                   measures=tuple(_with_scale(m, _scale(spec, m.baseline))
                                  for m in preset.measures))


def _row_title(pointer: str, title: str) -> str:
    """A column's title with its row's id, for a cell in a table of rows the spec defines:
    'Baseline 2012/13 rate (dtoc)'."""
    parts = pointer.strip("/").split("/")
    return f"{title} ({parts[2]})" if len(parts) == 4 else title


def _with_scale(measure: Measure, scale: Fraction | None) -> Measure:
    return replace(measure, scale=scale)


def load_preset_file(path: Path, templates: Mapping[str, Template] | None = None) -> Preset:
    """Read and check one preset file; raises PresetError listing every problem."""
    path = Path(path)
    try:
        data = load_yaml(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise PresetError(str(path), [f"cannot be read as YAML: {exc}"]) from None
    if not isinstance(data, dict):
        raise PresetError(str(path), ["the file must hold a mapping of preset settings"])
    r = _Reader(data)
    common = _common(r, path)
    if common["design"] == DESIGN_1:
        preset: Preset = _design_1(r, common)
    elif common["design"] == DESIGN_2:
        preset = _design_2(r, common)
    else:
        raise PresetError(str(path), r.problems + [f"design: {common['design']!r} is not one of "
                                                   f"{DESIGN_1}, {DESIGN_2}"])
    _unique(r, preset)
    if not r.problems:
        preset = _check_against_specs(r, preset, known_templates() if templates is None
                                      else templates)
    if r.problems:
        raise PresetError(str(path), r.problems)
    return preset


@functools.cache
def known_presets() -> dict[str, Preset]:
    """Every bundled preset, by id."""
    return {p.id: p for p in (load_preset_file(f) for f in sorted(PRESET_DIR.glob("*.yaml")))}


def find_preset(name: str) -> Preset:
    """A bundled preset by id, or a preset file by path; KeyError names the known ones."""
    if name.endswith((".yaml", ".yml")) or "/" in name:
        return load_preset_file(Path(name))
    presets = known_presets()
    if name not in presets:
        raise KeyError(f"no payment preset {name!r}; known: {', '.join(sorted(presets))}")
    return presets[name]


def default_preset(version: str) -> Preset | None:
    """The preset a plan on this template version is paid under unless told otherwise."""
    return next((p for p in known_presets().values() if version in p.default_for), None)
