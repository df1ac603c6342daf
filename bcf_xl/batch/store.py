"""Keep each validated return's document on disk while a batch runs.

A return's document with its source map is about 0.15 MB in memory; held for every file until
the reports are written, the parent's memory would grow with the size of the mailbox. Each one
is written to a scratch folder, by the worker that validated it (so that a document never
crosses the pipe to the parent, which would unpickle and pickle it again), and read back, one
file at a time, when the consolidated dataset and the national figures are made. What stays in
memory per file is its status, identity and findings.
"""

from __future__ import annotations

import dataclasses
import functools
import pickle
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bcf_xl.spec import pointer as pointers
from bcf_xl.spec.compute import get
from bcf_xl.validate import Result


@dataclass(frozen=True)
class Detail:
    """What the batch reports need of one return's document, in plain values (which a pickle
    reads back three times faster than the reader's own objects)."""

    data: dict[str, Any]
    computed: dict[str, Any]
    rows: dict[str, tuple[tuple[str, str], ...]]  # table qid -> (row key, row label) in order
    sources: dict[str, tuple[str, str]]           # pointer -> (sheet, cell), data cells only

    def value(self, pointer: str) -> Any:
        """The value at a pointer: bcf-xl's recomputed value for a formula cell, else the
        return's; None where the document has nothing there."""
        computed = self.computed
        return computed[pointer] if pointer in computed else get(self.data, pointer)

    @functools.cached_property
    def values(self) -> dict[str, Any]:
        """Every value of the document by its pointer, formula results over the return's:
        ``values.get(p)`` is ``value(p)`` for every pointer the pointer module makes, in one
        lookup, for the reports that ask some 1,500 values of each return. Made when first
        asked (a few values are cheaper walked), never stored."""
        values: dict[str, Any] = {}
        _flatten(self.data, "", values)
        values.update(self.computed)
        return values

    @classmethod
    def of(cls, result: Result) -> "Detail":
        document = result.document
        assert document is not None
        return cls(document.data, result.computed,
                   {qid: tuple((i.key, i.label) for i in infos)
                    for qid, infos in document.rows.items()},
                   # An unused table row's formula cell is not data.
                   {p: tuple(c) for p, c in document.sources.items()
                    if not pointers.parse(p).unused_row})


def _flatten(node: Any, prefix: str, out: dict[str, Any]) -> None:
    """Each value under node by its pointer: a mapping's keys, a list's indexes."""
    if isinstance(node, dict):
        items = ((k, v) for k, v in node.items() if type(k) is str and "/" not in k)
    elif isinstance(node, list):
        items = ((str(i), v) for i, v in enumerate(node))
    else:
        return
    for key, value in items:
        pointer = f"{prefix}/{key}"
        out[pointer] = value
        if isinstance(value, (dict, list)):
            _flatten(value, pointer, out)


@dataclass(frozen=True)
class Stored:
    """A handle on one return's Detail on disk."""

    path: Path

    def load(self) -> Detail:
        with open(self.path, "rb") as handle:
            return pickle.load(handle)


def write_detail(path: Path, result: Result) -> Result:
    """Write what the reports need of the result's document to path; the result without it."""
    with open(path, "wb") as handle:
        pickle.dump(Detail.of(result), handle, protocol=pickle.HIGHEST_PROTOCOL)
    return dataclasses.replace(result, document=None, computed={})


class ResultStore:
    """Scratch space for one batch run; the caller owns (and removes) the folder."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self._stored: dict[int, Stored] = {}

    def path(self, index: int) -> Path:
        """Where the document of job index is kept (a worker may write it there itself)."""
        return self.folder / f"{index:06d}.pickle"

    def keep(self, index: int, result: Result) -> Result:
        """Write the result's document away; return the result without it."""
        if result.document is None:
            return result
        result = write_detail(self.path(index), result)
        self._stored[index] = Stored(self.path(index))
        return result

    def kept(self, index: int, result: Result) -> Result:
        """A result whose worker wrote its document to path(index): note where it is."""
        self._stored[index] = Stored(self.path(index))
        return result

    def stored(self, index: int) -> Stored | None:
        """The handle for the result of job index, or None if it had no document."""
        return self._stored.get(index)
