"""Issued versions are frozen: returns in the field were made on them.

A template version's spec, once issued, is the definition every return of that version is read
with: changing it silently changes how old returns are read. The digest of each issued spec is
pinned here; a change to the spec of an issued version fails until it is made deliberately (a
new version is a new spec file, which gets its own pin when it is issued).
"""

from __future__ import annotations

import hashlib

import pytest

from bcf_xl.spec.load import TEMPLATES_DIR, known_templates

ISSUED = {
    "bcf-planning-2014-02.yaml": "277f1846575f4c14924798f40df546ef64a9700b68d77d99980efbbe5c56d88a",
    "bcf-planning-2014-09.yaml": "3fa48a0f368020794ae0bf6443a4cda34a05d8ed83db25631b3b5c67e3e781e6",
}


@pytest.mark.parametrize("name", sorted(ISSUED))
def test_an_issued_spec_is_unchanged(name):
    """The spec of an issued version is byte for byte the one that was issued."""
    digest = hashlib.sha256((TEMPLATES_DIR / name).read_bytes()).hexdigest()
    assert digest == ISSUED[name], f"{name} changed after it was issued: make a new version"


def test_every_bundled_version_is_pinned():
    """A spec that ships with bcf-xl is either pinned here or is not yet issued (none now)."""
    assert {f"{t.key}.yaml" for t in known_templates().values()} == set(ISSUED)
