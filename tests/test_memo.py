"""Remembered criterion decisions (``_memo``) change nothing: every decision is byte-identical
to one evaluated from scratch, whatever was evaluated before it with the same compiled pack."""

from __future__ import annotations

import random
from datetime import date
from functools import cache
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eligibility import CompiledPack, load_pack
from eligibility._canonical import canonical_json, canonical_json_placed, canonical_json_with
from eligibility._dossier import Dossier
from eligibility._evaluate import Evaluator, NativeEngine, evaluate
from eligibility._memo import CriterionMemo, part_of, rule_parts
from eligibility._ruletests import load_cases
from eligibility._synthetic import strip_none, synthetic_dossier

PACK = load_pack()
DATES = (date(2026, 11, 23), date(2025, 7, 1), date(2028, 3, 1))
PARTS = (("partner",), ("roles",), ("declarations",), ("registers", "kvk"), ("registers", "sna"),
         ("registers", "inspectorate"), ("registers", "sncu"), ("registers", "nau"), ("registers", "snf"),
         ("registers", "abu"), ("registers", "nbbu"), ("housing",), ("equivalence",))
"""What a mixed dossier takes from one pool dossier or another."""


@cache
def pool() -> list[dict[str, Any]]:
    """Dossiers as JSON data: every rule test case's and synthetic ones (every register state)."""
    cases = [case.dossier().model_dump(mode="json") for case in load_cases(PACK)]
    synthetic = [strip_none(synthetic_dossier(seed, DATES[0])) for seed in range(60)]
    return cases + synthetic


def mixed(choices: list[int]) -> Dossier:
    """A dossier whose parts come from several pool dossiers (so parts repeat across dossiers)."""
    dossiers = pool()
    data: dict[str, Any] = {"registers": {}}
    for part, choice in zip(PARTS, choices, strict=True):
        source: Any = dossiers[choice % len(dossiers)]
        for name in part:
            source = source.get(name) if isinstance(source, dict) else None
        if len(part) == 2:
            if source is not None:
                data["registers"][part[1]] = source
        elif source is not None:
            data[part[0]] = source
    return Dossier.model_validate(data)


def fresh_json(dossier: Dossier, on: date) -> bytes:
    """The decision without any memo: the engine's matches turned into a decision directly."""
    compiled = CompiledPack(PACK, on)
    engine = NativeEngine()
    facts = compiled.derive(dossier)
    matches, traces = engine.match_one(compiled, facts)
    decision = Evaluator(compiled).decide(dossier, facts, matches, engine, traces)
    return canonical_json(decision.as_dict())


dossier_choices = st.lists(st.integers(min_value=0, max_value=10_000), min_size=len(PARTS), max_size=len(PARTS))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batch=st.lists(st.tuples(dossier_choices, st.sampled_from(DATES)), min_size=2, max_size=12))
def test_remembered_decisions_are_the_decisions(batch: list[tuple[list[int], date]]) -> None:
    compiled = {on: CompiledPack(PACK, on) for on in DATES}
    for choices, on in batch:
        dossier = mixed(choices)
        decision = evaluate(dossier, PACK, on, compiled=compiled[on])
        assert decision.to_json() == fresh_json(dossier, on)
        assert canonical_json(decision.as_dict()) == decision.to_json()


def test_a_long_mixed_batch_hits_the_memo_and_stays_exact() -> None:
    """The deterministic counterpart: many dossiers sharing parts, so most criteria are remembered."""
    rng = random.Random(5)
    small = [rng.randrange(8) for _ in range(200 * len(PARTS))]  # few distinct parts: many repeats
    compiled = CompiledPack(PACK, DATES[0])
    for index in range(200):
        dossier = mixed(small[index * len(PARTS):(index + 1) * len(PARTS)])
        assert evaluate(dossier, PACK, DATES[0], compiled=compiled).to_json() == fresh_json(dossier, DATES[0])
    assert compiled.memo.hits > compiled.memo.misses


def test_a_rule_reading_the_partners_kvk_number_is_keyed_by_it_and_not_by_the_name() -> None:
    parts = rule_parts(PACK, PACK.rule("art14_3_a_sna"))
    assert ("partner", "kvk_number") in parts and ("registers", "sna") in parts
    assert ("partner", "name") not in parts and ("registers", "sncu") not in parts
    assert rule_parts(PACK, PACK.rule("b3_g_sncu")) == {("roles",), ("registers", "sncu")}


def test_parts_of_fact_paths() -> None:
    assert part_of("registers.inspectorate.results.in_window") == ("registers", "inspectorate")
    assert part_of("$partner.kvk_number") == ("partner", "kvk_number")
    assert part_of("housing") == ("housing",)
    assert part_of("as_of") is None and part_of("window_start") is None


def test_the_memo_forgets_the_least_recently_used(monkeypatch: Any) -> None:
    monkeypatch.setattr("eligibility._memo.ENTRIES_PER_RULE", 2)
    memo = CriterionMemo(PACK)
    entry: Any = ("criterion", b"{}")
    for key in (("a",), ("b",), ("c",)):
        memo.put("b3_g_sncu", key, entry)
    assert memo.get("b3_g_sncu", ("a",)) is None
    assert memo.get("b3_g_sncu", ("c",)) == entry
    assert (memo.hits, memo.misses) == (1, 1)


@given(data=st.dictionaries(st.text(max_size=5), st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=10), max_size=6), raw_keys=st.sets(st.text(max_size=5), max_size=3))
def test_canonical_json_with_members_made_earlier_is_canonical_json(data: dict[str, Any], raw_keys: set[str]) -> None:
    raw = {key: canonical_json(data.get(key, [key])) for key in raw_keys}
    whole = {**data, **{key: data.get(key, [key]) for key in raw_keys}}
    assert canonical_json_with(data, raw) == canonical_json(whole)
    body, places = canonical_json_placed(data, raw)
    assert set(places) == raw_keys
    for key, (offset, length) in places.items():
        assert body[offset:offset + length] == raw[key]
        assert body[:offset].endswith(canonical_json(key) + b":")
