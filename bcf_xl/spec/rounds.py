"""The rounds of the return (bcf_xl/data/rounds.yaml): which versions each accepts, which it
supersedes, and the finding for a return on a superseded version.

Rounds are data: the file is checked when it is loaded against the bundled template versions
(an accepted version must be a spec bcf-xl can read; a superseded one a spec or a retired version
listed in the file), so a typo in it stops every command instead of letting a superseded return
through.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Collection, Mapping

import yaml

from bcf_xl import findings
from bcf_xl.findings import Finding
from bcf_xl.yamltext import load_yaml

ROUNDS_FILE = Path(__file__).resolve().parent.parent / "data" / "rounds.yaml"
_ID_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-_")


class RoundsError(ValueError):
    """rounds.yaml cannot be used; the message lists every problem."""


@dataclass(frozen=True)
class Round:
    id: str
    title: str
    accepts: tuple[str, ...]
    supersedes: tuple[str, ...]

    @property
    def current(self) -> str:
        """The version a superseded return should be moved to: the newest the round accepts."""
        return max(self.accepts)


def load_rounds(path: Path = ROUNDS_FILE, *,
                known_versions: Collection[str] | None = None) -> dict[str, Round]:
    """Every round by id; raises RoundsError listing every problem. known_versions: the
    versions bcf-xl can read (default: the bundled specs)."""
    if known_versions is None:
        from bcf_xl.spec.load import known_templates

        known_versions = known_templates().keys()
    try:
        data = load_yaml(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise RoundsError(f"{path}: cannot be read as YAML: {exc}") from None
    problems: list[str] = []
    rounds = _rounds(data if isinstance(data, dict) else {}, set(known_versions), problems)
    if not isinstance(data, dict):
        problems.insert(0, "the file must hold retired_versions and rounds")
    if problems:
        raise RoundsError(f"{path}: {len(problems)} problem(s) in the rounds:\n  - "
                          + "\n  - ".join(problems))
    return rounds


def _versions(value: Any, where: str, problems: list[str]) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        problems.append(f"{where}: must be a list of quoted version strings, found {value!r}")
        return ()
    return tuple(value)


def _rounds(data: Mapping[str, Any], known: set[str], problems: list[str]) -> dict[str, Round]:
    retired = data.get("retired_versions") or {}
    if not isinstance(retired, dict):
        problems.append("retired_versions: must map a version to what it was")
        retired = {}
    for version in retired:
        if version in known:
            problems.append(f"retired_versions.{version}: is a bundled version, not a retired one")
    entries = data.get("rounds")
    if not isinstance(entries, list) or not entries:
        problems.append("rounds: must be a list of at least one round")
        return {}
    out: dict[str, Round] = {}
    for i, entry in enumerate(entries):
        where = f"rounds[{i}]"
        if not isinstance(entry, dict):
            problems.append(f"{where}: must be a mapping")
            continue
        rid, title = entry.get("id"), entry.get("title")
        if not isinstance(rid, str) or not rid or not set(rid) <= _ID_CHARS:
            problems.append(f"{where}.id: must be lower case letters, digits, - and _, "
                            f"found {rid!r}")
            continue
        if rid in out:
            problems.append(f"{where}.id: {rid!r} is used twice")
        if not isinstance(title, str) or not title.strip():
            problems.append(f"{where}.title: must be text")
        accepts = _versions(entry.get("accepts"), f"{where}.accepts", problems)
        supersedes = _versions(entry.get("supersedes", []), f"{where}.supersedes", problems)
        if not accepts:
            problems.append(f"{where}.accepts: a round accepts at least one version")
        for version in accepts:
            if version not in known:
                problems.append(f"{where}.accepts: {version!r} is not a version bcf-xl has a "
                                f"spec for (it has {', '.join(sorted(known))})")
        for version in supersedes:
            if version not in known and version not in retired:
                problems.append(f"{where}.supersedes: {version!r} is neither a bundled version "
                                "nor listed in retired_versions")
            if version in accepts:
                problems.append(f"{where}: {version!r} is both accepted and superseded")
        out[rid] = Round(rid, str(title or "").strip(), accepts, supersedes)
    return out


@functools.cache
def known_rounds() -> dict[str, Round]:
    """The bundled rounds, checked against the bundled versions."""
    return load_rounds()


def get_round(round_id: str) -> Round:
    """The round with this id; KeyError (with the known ids in its message) when there is none."""
    rounds = known_rounds()
    if round_id not in rounds:
        raise KeyError(f"no round {round_id!r}; known rounds: {', '.join(rounds)}")
    return rounds[round_id]


def superseded_finding(round_: Round, version: str, file: str) -> Finding | None:
    """identity.version_superseded when the round supersedes this version, else None."""
    if version not in round_.supersedes:
        return None
    return findings.make("identity.version_superseded", version=version,
                         round=f"the {round_.title} (round {round_.id})", current=round_.current,
                         file=Path(file).name)
