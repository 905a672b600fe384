"""The synthetic dossiers reach the clauses of rule packs 1.9.0 and 1.10.0, and both engines agree on them.

The two-engine cross-check (``test_engines.py``) is only as good a witness as the dossiers it is given: a field the
generator never fills leaves the clauses that read it untested there."""

from __future__ import annotations

from datetime import date
from functools import cache
from typing import Any

from eligibility import CompiledPack, Dossier, load_pack
from eligibility._crosscheck import cross_check
from eligibility._durable import DurableEngine
from eligibility._evaluate import NativeEngine
from eligibility._facts import FactSet
from eligibility._synthetic import synthetic_dossier

PACK = load_pack()
AS_OF = date(2027, 3, 11)
COMPILED = CompiledPack(PACK, AS_OF)
SEEDS = range(300)


def _facts(seed: int) -> FactSet:
    return COMPILED.derive(Dossier.model_validate(synthetic_dossier(seed, AS_OF)))


@cache
def _derived() -> tuple[dict[int, FactSet], dict[int, Any]]:
    """Facts and the native engine's matches per seed: made once, when a test first asks (not at collection)."""
    facts = {seed: _facts(seed) for seed in SEEDS}
    return facts, dict(zip(SEEDS, NativeEngine().match(COMPILED, list(facts.values())), strict=True))


def _seeds_matching(rule_id: str, clause: str) -> list[int]:
    matched = _derived()[1]
    return [seed for seed in SEEDS if clause in matched[seed].get(rule_id, set())]


def _seeds_foreign_by_the_longer_form_only() -> list[int]:
    """Foreign lenders whose only sign is the KvK's longer legal form (``partner.foreign`` false, no other form)."""
    all_facts, matched = _derived()
    return [seed for seed, facts in all_facts.items()
            if facts.facts.get("kvk_legal_form_extended_foreign") is True
            and facts.facts.get("partner.foreign") is False
            and not facts.facts.get("partner_legal_form_foreign") and not facts.facts.get("kvk_legal_form_foreign")
            and {"foreign_norm", "foreign_norm_not_shown"} & matched[seed].get("art14_3_a_sna", set())]


def test_generated_dossiers_reach_an_snf_row_linked_by_name_and_not_certified() -> None:
    """``registers.snf.name_linked_not_certified`` (1.9.0) was never filled: the clause was dead in the cross-check."""
    seeds = _seeds_matching("art14_3_b_housing_marks", "snf_registration_not_certified_linked_by_name")
    assert len(seeds) >= 10, seeds


def test_generated_dossiers_reach_a_foreign_lender_by_the_kvk_longer_legal_form_only() -> None:
    """``registers.kvk.registration.legal_form_extended`` (1.10.0) read by the pack's ``foreign_legal_forms``."""
    seeds = _seeds_foreign_by_the_longer_form_only()
    assert len(seeds) >= 10, seeds


def test_both_engines_match_the_same_clauses_on_those_dossiers(durable: DurableEngine) -> None:
    seeds = [*_seeds_matching("art14_3_b_housing_marks", "snf_registration_not_certified_linked_by_name"),
             *_seeds_foreign_by_the_longer_form_only()]
    assert len(seeds) >= 20
    assert cross_check(COMPILED, [_derived()[0][seed] for seed in seeds], durable) == []
