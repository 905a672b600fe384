"""The YAML rule cases next to the rules, run one by one, and the coverage they must reach."""

from __future__ import annotations

import pytest

from eligibility._decision import Outcome
from eligibility._pack import load_pack
from eligibility._ruletests import coverage, load_cases, run_case

PACK = load_pack()
CASES = load_cases(PACK)


def test_cases_are_collected() -> None:
    """No silent green: an empty or unreadable test folder fails."""
    assert len(CASES) >= 3 * len(PACK.rules)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_rule_case(case) -> None:  # type: ignore[no-untyped-def]
    result = run_case(case, PACK)
    assert result.ok, f"{case.file}:{case.line}: " + "; ".join(result.problems)


def test_every_criterion_has_pass_fail_and_unknown_cases() -> None:
    _, missing = coverage(PACK, CASES)
    assert not missing, {rule: sorted(o.value for o in outcomes) for rule, outcomes in missing.items()}


def test_equivalence_can_never_pass() -> None:
    """Art. 14.3c: equivalence evidence always goes to a human; the rule has no pass clause."""
    rule = PACK.rule("art14_3_c_equivalence")
    assert not rule.outcomes.pass_
    assert Outcome.PASS not in {Outcome(name) for name, _ in rule.outcomes.clauses()}
