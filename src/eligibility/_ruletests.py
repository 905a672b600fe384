"""Rule test cases: YAML files next to the rules, each a dossier, a date and the expected outcomes.

A case names a base dossier (a JSON file, relative to the case file) and a ``patch`` deep-merged
into it (mappings merge, lists are replaced, ``null`` removes a key), so each case states only
what differs. ``eligibility rules test`` and the pytest suite run the same cases.
"""

from __future__ import annotations

import copy
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ._decision import Outcome, Verdict
from ._dossier import Dossier
from ._errors import DossierError, RuleFileError
from ._evaluate import evaluate
from ._io import read_data
from ._pack import RulePack, validate
from ._yamlfile import load_yaml


class Expectation(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    outcomes: dict[str, Outcome] = Field(min_length=1)
    clauses: dict[str, str] = {}
    verdict: Verdict | None = None


class CaseSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=10, description="A sentence stating the outcome.")
    as_of: date
    dossier: str
    patch: dict[str, Any] = {}
    expect: Expectation
    source: str = Field(min_length=3, description="Where the expectation comes from.")


class CaseFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    cases: list[CaseSpec] = Field(min_length=1)


@dataclass(frozen=True)
class RuleCase:
    spec: CaseSpec
    file: Path
    line: int | None

    @property
    def id(self) -> str:
        return f"{self.file.stem}:{self.spec.name}"

    def dossier(self) -> Dossier:
        base_path = (self.file.parent / self.spec.dossier).resolve()
        try:
            base = read_data(base_path)  # as a dossier file is read: a key given twice is an error here too
        except DossierError as exc:
            raise RuleFileError(f"case {self.spec.name!r}: cannot read dossier {base_path}: {exc}") from exc
        try:
            return Dossier.model_validate(merge(base, self.spec.patch))
        except ValidationError as exc:
            raise RuleFileError(f"case {self.spec.name!r}: patched dossier is invalid: {exc}") from exc


@dataclass
class CaseResult:
    case: RuleCase
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def merge(base: Any, patch: Any) -> Any:
    """Deep merge: mappings merge, anything else replaces, ``None`` removes the key."""
    if not isinstance(base, dict) or not isinstance(patch, dict):
        return copy.deepcopy(patch)
    merged = copy.deepcopy(base)
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = merge(merged.get(key), value)
    return merged


def load_cases(pack: RulePack) -> list[RuleCase]:
    cases: list[RuleCase] = []
    for pattern in pack.index.tests:
        for path in sorted(pack.root.glob(pattern)):
            document = load_yaml(path)
            for position, spec in enumerate(validate(CaseFile, document).cases):
                line = document.location(("cases", position)).line
                cases.append(RuleCase(spec, path, line))
    return cases


def run_case(case: RuleCase, pack: RulePack) -> CaseResult:
    result = CaseResult(case)
    decision = evaluate(case.dossier(), pack, case.spec.as_of)
    outcomes = decision.outcomes
    for rule_id, expected in case.spec.expect.outcomes.items():
        if rule_id not in outcomes:
            result.problems.append(f"{rule_id}: no such criterion")
        elif outcomes[rule_id] is not expected:
            criterion = decision.criterion(rule_id)
            result.problems.append(
                f"{rule_id}: expected {expected.value}, got {criterion.outcome.value} "
                f"(clause {criterion.clause}: {criterion.reasons[0]['en'] if criterion.reasons else ''})"
            )
    for rule_id, clause in case.spec.expect.clauses.items():
        actual = decision.criterion(rule_id).clause if rule_id in outcomes else None
        if actual != clause:
            result.problems.append(f"{rule_id}: expected clause {clause}, got {actual}")
    if case.spec.expect.verdict is not None and decision.verdict is not case.spec.expect.verdict:
        result.problems.append(f"verdict: expected {case.spec.expect.verdict.value}, got {decision.verdict.value}")
    return result


def possible_outcomes(pack: RulePack) -> dict[str, set[Outcome]]:
    """What each criterion can produce: its clause outcomes, and always unknown."""
    possible: dict[str, set[Outcome]] = {}
    for rule in pack.rules:
        outcomes = {Outcome(name) for name, _ in rule.outcomes.clauses()} | {Outcome.UNKNOWN}
        possible[rule.id] = outcomes - {Outcome.NOT_APPLICABLE}
    return possible


def coverage(pack: RulePack, cases: list[RuleCase]) -> tuple[dict[str, set[Outcome]], dict[str, set[Outcome]]]:
    """(covered, missing) outcomes per criterion: every possible pass, fail and unknown needs a case."""
    covered: dict[str, set[Outcome]] = defaultdict(set)
    for case in cases:
        for rule_id, outcome in case.spec.expect.outcomes.items():
            covered[rule_id].add(outcome)
    missing = {rule_id: outcomes - covered[rule_id] for rule_id, outcomes in possible_outcomes(pack).items()
               if outcomes - covered[rule_id]}
    return dict(covered), missing
