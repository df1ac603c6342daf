"""The compiled schema gate says "valid" exactly when jsonschema finds no error.

The gate only ever lets schema_check skip jsonschema; if it passed a document jsonschema would
reject, findings would go missing. So documents are mutated at random (values of every JSON
type, dates in and out of range, e-mail addresses and telephone numbers good and bad, keys
removed and added) and both validators are asked.
"""

from __future__ import annotations

import copy
import datetime as dt
import math
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bcf_xl.check import schema_gate
from bcf_xl.samples.example import example_document
from bcf_xl.check.schema import schema_findings, validator_for

TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)
ISO_DATES = st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2030, 12, 31)).map(
    dt.date.isoformat)
VALUES = st.one_of(
    st.none(), st.booleans(), TEXT, ISO_DATES,
    st.sampled_from(["", " ", "Yes", "No", "Joint", "CCG", "Met", "Not met", "2014-02-30",
                     "14/02/2014", "a@b", "name@example.org", "no-at-sign", "0113 222 4444",
                     "+44 (0)113 222-4444", "12345", "phone", "Social care", "2015-03-31"]),
    st.integers(min_value=-2**70, max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.sampled_from(["name", "x"]), st.integers(), max_size=2),
)


def _leaves(node: Any, path: tuple = ()) -> list[tuple]:
    """Paths to every value and every row of the document."""
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            found.append(path + (key,))
            found.extend(_leaves(value, path + (key,)))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found.append(path + (i,))
            found.extend(_leaves(value, path + (i,)))
    return found


def _plain(value: Any) -> bool:
    """A value both libraries take as JSON: no NaN or infinity, no integer wider than 64 bits."""
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return -2**63 <= value < 2**64
    if isinstance(value, (list, tuple)):
        return all(_plain(v) for v in value)
    if isinstance(value, dict):
        return all(_plain(v) for v in value.values())
    return True


@pytest.fixture(scope="module")
def examples(template, reference):
    return [example_document(template, reference.get(code))
            for code in ("E08000035", "E06000028", "E09000001")]


def test_the_gate_passes_a_valid_return(template, examples):
    """Each example return passes the gate: without this the gate would never save any time."""
    for doc in examples:
        assert validator_for(template).is_valid(doc)
        assert schema_gate.passes(template, doc)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_gate_agrees_with_jsonschema(template, examples, data):
    doc = copy.deepcopy(data.draw(st.sampled_from(examples)))
    paths = _leaves(doc)
    for path in data.draw(st.lists(st.sampled_from(paths), min_size=1, max_size=4, unique=True)):
        parent = doc
        try:
            for key in path[:-1]:
                parent = parent[key]
            action = data.draw(st.sampled_from(["set", "set", "set", "delete", "add"]))
            if action == "set":
                parent[path[-1]] = data.draw(VALUES)
            elif action == "delete":
                del parent[path[-1]]
            elif isinstance(parent, dict):
                parent["unexpected_" + str(path[-1])] = data.draw(VALUES)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation removed or replaced this path
    expected = validator_for(template).is_valid(doc)
    gate = schema_gate.passes(template, doc)
    if _plain(doc):
        assert gate == expected
    else:
        assert not gate or expected  # may send more to jsonschema, never fewer


# Values at the edges of what each type of field accepts.
EDGES = {
    "date": ["2013-03-31", "2013-04-01", "2016-03-31", "2016-04-01", "2014-02-29", "2016-02-29",
             "2014-2-1", "20140201", "2014-02-01T00:00:00", "01/02/2014", 20140201],
    "email": ["a@b", "a@", "@b", "a b@c.d", "\u00e4@b.de", "first.last@nhs.net", "x@y@z", ""],
    "phone": ["0113 222 4444", "+44 (0)113 222-4444", "12345", "123456", "+", "0113\n2224444",
              "\u0661\u0662\u0663\u0664\u0665\u0666"],
    "money": [0, -1, 1, 10**8, 10**8 + 1, 2.0, 2.5, "1", True, 2**63 - 1],
    "number": [0, -1, 0.5, -0.0, 1e308, "1", False],
    "percent": [0, 100, 100.0001, -0.0001, 50.5, "50"],
    "score": [0, 1, 5, 6, 2.0, 2.5, -1],
    "text": ["", " ", "x", 1, None],
    "longtext": ["", "x" * 5000, 0],
    "choice": ["", "Yes", "yes", "Yes ", 1, None],
}


def test_gate_agrees_at_the_edges_of_every_field(template, examples):
    """Every field of a return, set in turn to the edge values of its type: both validators give
    the same answer (dates at and beyond the template's range, odd e-mails and phone numbers)."""
    base = examples[0]
    validator = validator_for(template)
    checked = 0
    for path in _leaves(base):
        field = template.field_at("/" + "/".join(str(p) for p in path))
        if field is None or field.type not in EDGES:
            continue
        for value in EDGES[field.type]:
            doc = copy.deepcopy(base)
            parent = doc
            for key in path[:-1]:
                parent = parent[key]
            parent[path[-1]] = value
            assert schema_gate.passes(template, doc) == validator.is_valid(doc), (path, value)
            checked += 1
    assert checked > 500


def test_a_document_the_gate_rejects_still_gets_its_findings(template, examples, filled_example):
    """An invalid document goes through jsonschema and comes back with its cell-level finding."""
    from bcf_xl.read.intake import inspect
    from bcf_xl.read.reader import read_document

    path = filled_example("E08000035")
    identity = inspect(path, known_versions=[template.version]).identity
    document, _ = read_document(path.read_bytes(), template, identity)
    document.data["cover"]["contact_email"] = "no-at-sign"
    assert not schema_gate.passes(template, document.data)
    found = schema_findings(template, document)
    assert [(f.code, f.field_id) for f in found] == [("schema.format", "cover.contact_email")]
    assert found[0].sheet and found[0].cells
