"""Propose an assurance category for a return from its findings, by a configurable policy.

The policy is data (``bcf_xl/data/assurance.yaml``, or a file given with ``--assurance``):
ordered rules, first match wins. The judgement stays with the assurer; the tool only proposes.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Sequence

import yaml

from bcf_xl.findings import Severity
from bcf_xl.validate import Result

CATEGORIES = ("Approved", "Approved with support", "Approved subject to conditions",
              "Not approved")
_CONDITIONS = {"status", "any_error_code", "any_error", "any_warning"}


class PolicyError(ValueError):
    pass


@dataclass(frozen=True)
class Rule:
    category: str
    reason: str
    when: dict[str, Any]

    def matches(self, result: Result) -> bool:
        when = self.when
        if "status" in when and result.status not in when["status"]:
            return False
        errors = [f.code for f in result.findings if f.severity is Severity.ERROR]
        if "any_error_code" in when and not any(
                fnmatch.fnmatchcase(code, pattern) for code in errors
                for pattern in when["any_error_code"]):
            return False
        if when.get("any_error") and not errors:
            return False
        if when.get("any_warning") and not any(f.severity is Severity.WARNING
                                               for f in result.findings):
            return False
        return True


def load_policy(path: Path | None = None) -> tuple[Rule, ...]:
    try:
        text = (Path(path).read_text(encoding="utf-8") if path else
                resources.files("bcf_xl").joinpath("data/assurance.yaml").read_text(encoding="utf-8"))
        data = yaml.safe_load(text)
    except (OSError, yaml.YAMLError) as exc:
        raise PolicyError(f"cannot read the assurance policy {path}: {exc}") from None
    rules = []
    for i, raw in enumerate((data or {}).get("rules") or []):
        where = f"{path or 'assurance.yaml'}: rules[{i}]"
        if not isinstance(raw, dict) or raw.get("category") not in CATEGORIES:
            raise PolicyError(f"{where}: category must be one of {', '.join(CATEGORIES)}")
        when = raw.get("when") or {}
        unknown = set(when) - _CONDITIONS
        if unknown:
            raise PolicyError(f"{where}: unknown condition(s) {', '.join(sorted(unknown))}")
        rules.append(Rule(raw["category"], str(raw.get("reason", "")), dict(when)))
    if not rules or rules[-1].when:
        raise PolicyError(f"{path or 'assurance.yaml'}: the last rule must have no conditions, "
                          "so every return gets a category")
    return tuple(rules)


def propose(result: Result, policy: Sequence[Rule]) -> Rule:
    return next(rule for rule in policy if rule.matches(result))
