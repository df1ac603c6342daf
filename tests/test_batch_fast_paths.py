"""The short cuts the batch takes for speed give what the long way gives.

- Workers are forked from a process with one thread (they start with its imports, spec and
  reference data) and spawned from one with threads, where a fork could inherit a held lock.
- A stored return's values are looked up in one flat mapping (Detail.values) rather than by
  walking each pointer through the document (Detail.value): the same value for every pointer.
- YAML is read with PyYAML's C loader where it has one: the same data as the safe loader, and
  the same refusal of anything but plain data.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings, strategies as st

import batch_helpers
from bcf_xl.batch.store import Detail
from bcf_xl.batch.workers import Job, WorkerConfig, run_jobs
from bcf_xl.read.intake import Limits
from bcf_xl.spec import pointer as pointers
from bcf_xl.validate import validate_file
from bcf_xl.yamltext import load_yaml

ROOT = Path(__file__).resolve().parent.parent
TESTS = Path(__file__).resolve().parent
MARKING = WorkerConfig(None, Limits(), validator="batch_helpers:marking_validator")


def test_a_single_threaded_batch_forks_its_workers(tmp_path):
    """In a fresh process (one thread, as `bcf-xl batch` is), a worker sees a value its parent
    set after import, so it was forked, not spawned."""
    path = tmp_path / "any.xlsx"
    path.write_bytes(b"x")
    code = ("import sys; from pathlib import Path; sys.path.insert(0, sys.argv[1]); "
            "import batch_helpers; batch_helpers.MARK = 'set by the parent'; "
            "from bcf_xl.batch.workers import Job, WorkerConfig, run_jobs; "
            "from bcf_xl.read.intake import Limits; "
            "config = WorkerConfig(None, Limits(), validator='batch_helpers:marking_validator'); "
            "results = run_jobs([Job(Path(sys.argv[2]), None)] * 3, workers=2, timeout=60, "
            "config=config); print([r.checks['mark'] for r in results])")
    out = subprocess.run([sys.executable, "-c", code, str(TESTS), str(path)], cwd=ROOT,
                         capture_output=True, text=True, timeout=120, check=True).stdout
    assert out.strip() == str(["set by the parent"] * 3)


def test_workers_beside_threads_are_spawned(tmp_path):
    """With another thread running (the web intake's case), workers are spawned: they import
    afresh and do not see what the parent set."""
    path = tmp_path / "any.xlsx"
    path.write_bytes(b"x")
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    batch_helpers.MARK = "set by the parent"
    try:
        results = run_jobs([Job(path, None)], workers=1, timeout=60, config=MARKING)
    finally:
        batch_helpers.MARK = None
        stop.set()
        other.join()
    assert [r.checks["mark"] for r in results] == ["None"]


def _pointers(template, detail: Detail) -> list[str]:
    """Every pointer the reports ask of a return: its single fields, each cell of each table
    row, each source cell, and some the document does not have."""
    asked = [pointers.field(s.id, f.id) for s in template.form_sheets() for f in s.fields()]
    for sheet in template.form_sheets():
        for table in sheet.tables():
            keys = [k for k, _ in detail.rows.get(table.qid, ())] + ["999", "nothing"]
            asked += [pointers.cell(table.qid, k, c.id) for k in keys for c in table.columns]
    return asked + list(detail.sources) + ["/cover/nothing", "/nothing/at_all"]


def test_flat_values_are_the_walked_values_on_a_real_return(filled_example, template, reference):
    result = validate_file(filled_example("E08000035"), reference=reference)
    detail = Detail.of(result)
    asked = _pointers(template, detail)
    assert len(asked) > 500
    assert {p: detail.values.get(p) for p in asked} == {p: detail.value(p) for p in asked}
    # Formula cells carry bcf-xl's results, not what the workbook cached.
    formula = next(p for p in result.computed if result.computed[p] is not None)
    assert detail.values.get(formula) == result.computed[formula]


_IDS = st.sampled_from(["cover", "schemes", "rows", "name", "total_1415", "0", "1", "2", "10"])
_LEAF = st.one_of(st.none(), st.integers(), st.floats(allow_nan=False), st.text(max_size=5),
                  st.booleans())
_DOCS = st.recursive(_LEAF, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(_IDS, inner, max_size=4)), max_leaves=30)


@settings(max_examples=300, deadline=None)
@given(data=st.dictionaries(_IDS, _DOCS, max_size=4),
       computed=st.dictionaries(st.lists(_IDS, min_size=1, max_size=4).map(
           lambda parts: "/" + "/".join(parts)), _LEAF, max_size=4),
       asked=st.lists(st.lists(_IDS, min_size=1, max_size=5), max_size=20))
def test_flat_values_are_the_walked_values_for_any_document(data, computed, asked):
    detail = Detail(data, computed, {}, {})
    for parts in asked:
        pointer = "/" + "/".join(parts)
        assert detail.values.get(pointer) == detail.value(pointer), pointer


_BUNDLED = sorted((ROOT / "bcf_xl").rglob("*.yaml"))


@pytest.mark.parametrize("path", _BUNDLED, ids=lambda p: p.name)
def test_the_yaml_loader_reads_what_the_safe_loader_reads(path):
    text = path.read_text(encoding="utf-8")
    assert load_yaml(text) == yaml.safe_load(text)


@pytest.mark.parametrize("text", ["!!python/object/apply:os.system ['true']",
                                  "a: [1, 2", "a: b: c", "\t- x"])
def test_the_yaml_loader_refuses_what_the_safe_loader_refuses(text):
    with pytest.raises(yaml.YAMLError):
        yaml.safe_load(text)
    with pytest.raises(yaml.YAMLError):
        load_yaml(text)
