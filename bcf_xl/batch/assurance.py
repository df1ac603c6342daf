"""Propose an assurance category for a return from its findings, by a configurable policy.

The policy is data (``bcf_xl/data/assurance.yaml``, or a file given with ``--assurance``):
ordered rules, first match wins. The judgement stays with the assurer; the tool only proposes.

A return the tool failed on (status ``not_checked``: a crashed or overrun worker, a check that
raised) says nothing about the board, so whatever the policy, it is proposed "Not assessed:
check again": a policy that does not give it that category first has the built-in rule put in
front of its own.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Sequence

import yaml

from bcf_xl import findings
from bcf_xl.findings import Severity
from bcf_xl.validate import NOT_CHECKED, Result
from bcf_xl.yamltext import load_yaml

NOT_ASSESSED = "Not assessed: check again"
CATEGORIES = ("Approved", "Approved with support", "Approved subject to conditions",
              "Not approved", NOT_ASSESSED)
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
        data = load_yaml(text)
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
    if propose(_TOOL_FAILURE, rules).category != NOT_ASSESSED:
        rules.insert(0, TOOL_FAILED_RULE)
    return tuple(rules)


TOOL_FAILED_RULE = Rule(NOT_ASSESSED, "the tool failed on this file (not the board): check it "
                        "again", {"status": [NOT_CHECKED]})
# What a file the tool failed on looks like to a policy, to check that the policy gives it the
# category of its own.
_TOOL_FAILURE = Result("", NOT_CHECKED, (findings.make("batch.worker_failed", detail="-"),))


def propose(result: Result, policy: Sequence[Rule]) -> Rule:
    return next(rule for rule in policy if rule.matches(result))
