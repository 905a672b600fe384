"""Remembered criterion decisions (``_memo``) change nothing: every decision is byte-identical
to one evaluated from scratch, whatever was evaluated before it with the same compiled pack."""

from __future__ import annotations

import random
import re
from datetime import date
from functools import cache
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eligibility import CompiledPack, load_pack
from eligibility._canonical import canonical_json, canonical_json_placed, canonical_json_with
from eligibility._dossier import Dossier
from eligibility._evaluate import Evaluator, NativeEngine, evaluate
from eligibility._memo import STAND_IN, CriterionMemo, number_blind, part_of, rule_parts
from eligibility._rules_model import Compare
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


@cache
def kvk_numbers() -> list[str | None]:
    """Partner KvK numbers to put in: none, a few nobody has, and every number a register in
    the pool holds (so a number is sometimes the one a register found, sometimes another's)."""
    found = {match for dossier in pool() for match in re.findall(r"'kvk_number': '(\d{8})'", repr(dossier["registers"]))}
    return [None, "00000001", "12345678", "87654321", "55555555", *sorted(found)]


def mixed(choices: list[int], kvk: int | None = None) -> Dossier:
    """A dossier whose parts come from several pool dossiers (so parts repeat across dossiers),
    with the partner's KvK number taken from ``kvk_numbers`` when ``kvk`` is given."""
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
    if kvk is not None:
        numbers = kvk_numbers()
        data["partner"] = {**data["partner"], "kvk_number": numbers[kvk % len(numbers)]}
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
@given(batch=st.lists(st.tuples(dossier_choices, st.sampled_from(DATES), st.none() | st.integers(0, 10_000)),
                      min_size=2, max_size=12))
def test_remembered_decisions_are_the_decisions(batch: list[tuple[list[int], date, int | None]]) -> None:
    compiled = {on: CompiledPack(PACK, on) for on in DATES}
    for choices, on, kvk in batch:
        dossier = mixed(choices, kvk)
        decision = evaluate(dossier, PACK, on, compiled=compiled[on])
        assert decision.to_json() == fresh_json(dossier, on)
        assert canonical_json(decision.as_dict()) == decision.to_json()


def test_many_kvk_numbers_with_the_same_registers_share_one_decision_per_criterion() -> None:
    """Partners found nowhere, each with its own number: the KvK, SNA and NAU criteria are
    decided once (with the stand-in) and each decision still names its own number, in the
    bytes and in the model."""
    rng = random.Random(11)
    compiled = CompiledPack(PACK, DATES[0])
    base = mixed([3] * len(PARTS))
    numbers = [f"{rng.randrange(10_000_000, 99_999_999)}" for _ in range(40)]
    for number in numbers:
        data = base.model_dump(mode="json")
        data["partner"]["kvk_number"] = number
        dossier = Dossier.model_validate(data)
        decision = evaluate(dossier, PACK, DATES[0], compiled=compiled)
        assert decision.to_json() == fresh_json(dossier, DATES[0])
        assert STAND_IN.encode() not in decision.to_json() and STAND_IN not in repr(decision.as_dict())
        sna = next(c for c in decision.criteria if c.id == "art14_3_a_sna")
        assert number in sna.reasons[0]["nl"]  # the certificate found is another number's: the text names this one
    assert compiled.memo.misses <= 2 * len(PACK.rules)  # each criterion decided about once, not per number


def test_partners_found_nowhere_each_with_its_own_name_share_one_decision_per_criterion() -> None:
    """A list names every partner differently. A rule text that showed ``partner.name`` (1.7.0's first
    given_name_differs) made B3.c differ for every partner: no decision of it was remembered, and screening
    100,000 partners took a third longer. No rule may read the name the list gives, only the registers' names."""
    compiled = CompiledPack(PACK, DATES[0])
    base = mixed([3] * len(PARTS)).model_dump(mode="json")
    for index in range(40):
        data = {**base, "partner": {**base["partner"], "kvk_number": f"{10_000_000 + index * 7919}",
                                    "name": f"Partner {index} B.V.", "trade_names": [f"Handel {index}"]}}
        evaluate(Dossier.model_validate(data), PACK, DATES[0], compiled=compiled)
    assert compiled.memo.misses <= 2 * len(PACK.rules)
    assert not any(("partner", field) in rule_parts(PACK, rule) for rule in PACK.rules for field in ("name", "trade_names"))


def test_only_rules_using_the_number_as_a_name_are_keyed_without_it() -> None:
    assert {rule.id for rule in PACK.rules if number_blind(PACK, rule)} == {
        "b3_c_kvk_registration", "art14_3_a_sna", "art14_3_b_housing_marks", "art14_4_wtta"}  # 14.3b: SNF's number
    sna = PACK.rule("art14_3_a_sna")
    clause = sna.outcomes.fail[0]
    compared = clause.model_copy(update={"when": Compare.model_validate({"fact": "partner.kvk_number", "eq": "12345678"})})
    changed = sna.model_copy(update={"outcomes": sna.outcomes.model_copy(update={"fail": [compared]})})
    assert not number_blind(PACK, changed)  # a number compared with a value is not a name


def test_a_number_another_part_holds_is_keyed_by_itself() -> None:
    """When the SNA register found the partner's own number, the decision is keyed by it."""
    memo = CriterionMemo(PACK)
    dossier = {"partner": {"kvk_number": "12345678"}, "roles": ["uitlener"],
               "registers": {"sna": {"status": "read", "certificate": {"kvk_number": "12345678"}}}}
    keys, blind = memo.keys(dossier)
    assert "art14_3_a_sna" not in blind and "'12345678'" in keys["art14_3_a_sna"]
    dossier["registers"]["sna"]["certificate"]["kvk_number"] = "87654321"
    keys, blind = memo.keys(dossier)
    assert "art14_3_a_sna" in blind and "'12345678'" not in keys["art14_3_a_sna"]


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
