"""Properties over dossiers near the eligible ones (``near_eligible``): the eligible verdict and
every way out of it. Over ``synthetic_dossier`` alone these could not fail: it is never eligible."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from eligibility import CompiledPack, Dossier, Outcome, Verdict, evaluate, load_pack
from eligibility._crosscheck import cross_check
from eligibility._durable import DurableEngine
from eligibility._memo import _pieces
from eligibility._pack import derived_inputs, derived_path, walk_compares
from eligibility._rules_model import Rule

from .near_eligible import AS_OF, BASES, CHANGES, near_eligible
from .test_engines import EVIDENCE_PATHS, _remove

PACK = load_pack()
COMPILED = CompiledPack(PACK, AS_OF)
seeds = st.integers(min_value=0, max_value=2**32 - 1)


def decide(data: dict) -> Verdict:  # type: ignore[type-arg]
    return evaluate(Dossier.model_validate(data), PACK, AS_OF, compiled=COMPILED).verdict


@pytest.mark.parametrize("seed", range(len(BASES) * 4))
def test_the_unchanged_bases_are_eligible(seed: int) -> None:
    data, done = near_eligible(seed, changes=0)
    assert done == [] and decide(data) is Verdict.ELIGIBLE


def test_the_generator_reaches_every_verdict_and_every_change() -> None:
    verdicts = {decide(near_eligible(seed)[0]) for seed in range(300)}
    assert verdicts == {Verdict.ELIGIBLE, Verdict.NOT_ELIGIBLE, Verdict.NEEDS_REVIEW}
    for change in CHANGES:  # each change applies to some base (it does not only say why it could not)
        assert any(not near_eligible_with(change, seed)[1].startswith("skip") for seed in range(30)), change.__name__


def near_eligible_with(change, seed: int) -> tuple[dict, str]:  # type: ignore[no-untyped-def, type-arg]
    """A base drawn by ``seed`` with ``change`` made by another random stream (the same stream
    would tie the change's choices to the base drawn: some registers would never be hit)."""
    import random

    data, _ = near_eligible(seed, changes=0)
    return data, change(random.Random(f"change {seed}"), data)


@pytest.mark.parametrize("change", [c for c in CHANGES if c.__name__ in (
    "stale_register", "read_after_decision_date", "failed_register", "absent_register", "missing_declaration",
    "declaration_signed_on", "stale_location", "location_data_missing", "location_only_listed", "name_link")], ids=lambda c: c.__name__)
@settings(max_examples=25, deadline=None)
@given(seed=seeds)
def test_missing_stale_or_doubtful_evidence_never_leaves_a_partner_eligible(change, seed: int) -> None:  # type: ignore[no-untyped-def]
    """PRODUCT.md principle 1 from the eligible side: each of these changes takes away evidence a
    blocking criterion rests on (when it applies to the base drawn), so the verdict must move."""
    data, did = near_eligible_with(change, seed)
    if did.startswith("skip"):
        return  # the change does not apply to this base
    if _evidence_no_blocking_rule_reads(did, data):
        return
    assert decide(data) is not Verdict.ELIGIBLE, did


def _evidence_no_blocking_rule_reads(did: str, data: dict) -> bool:  # type: ignore[type-arg]
    """Changes that may leave the verdict as it was, because no blocking criterion in effect needs
    what they take away: a register read by no blocking rule in effect for the partner's roles
    (pinned by ``test_the_registers_blocking_criteria_read_are_the_expected_ones``), and the persons
    per bedroom of a location whose mark sets no bedroom norm (AKF seasonal)."""
    register = did.split()[0]
    if register in PACK_REGISTERS and not _blocking_readers(register, data["roles"]):
        return True
    if register == "snf" and not any((location.get("mark") or {}).get("category", "").startswith("snf_")
                                     for location in data["housing"]):
        return True  # the SNF register backs SNF marks of locations (art14_3_b): without one it decides nothing
    return did.endswith("(akf_seizoen) without max_persons_per_bedroom")


PACK_REGISTERS = ("kvk", "sna", "inspectorate", "sncu", "nau", "snf", "abu", "nbbu")
def test_the_registers_blocking_criteria_read_are_the_expected_ones() -> None:
    """Pins the reading model the properties rest on: ABU and NBBU are shown as evidence of B3.c
    ("tevens wordt gekeken of ... lid is van een branchevereniging en/of voldoet aan relevante
    keurmerken") and only count in the partner's favour; SNF is that too, and since 1.6.0 the
    registration behind the SNF marks of housing locations (art. 14.3b); SNA blocks only a lender,
    NAU nothing before the Wtta criterion starts."""
    assert {name: _blocking_readers(name, ROLES) for name in PACK_REGISTERS} == {
        "kvk": ["b3_c_kvk_registration"], "sna": ["art14_3_a_sna"], "inspectorate": ["b3_f_fines"],
        "sncu": ["b3_g_sncu"], "nau": [], "snf": ["art14_3_b_housing_marks"], "abu": [], "nbbu": []}
    assert _blocking_readers("sna", ["werkgever"]) == []


SIGNS_ONLY = {("b3_c_kvk_registration", "sna"), ("b3_c_kvk_registration", "nau"),
              ("b3_c_kvk_registration", "abu"), ("b3_c_kvk_registration", "nbbu"), ("b3_c_kvk_registration", "snf"),
              ("art14_3_a_sna", "kvk"), ("art5_floor_area", "kvk")}
"""Registers a criterion reads only as a sign against the partner (since 1.6.0, an SNA certificate with the
TBA module or an NAU registration under a non-lender's own number sends it to review; since 1.7.0 an ABU or
NBBU membership, and an SNF entry of a partner listed without the housing role or locations; since 1.8.0 a
foreign legal form in the KvK profile, which makes art. 14.3a ask for NEN 4400-2, and lodging as the KvK main
activity of a partner judged by the employer's seasonal norm): absent, failed or stale,
they decide nothing there."""


def _blocking_readers(register: str, roles: list[str]) -> list[str]:
    """Blocking criteria in effect on ``AS_OF`` for these roles whose clauses read the register
    (directly or through derived facts). Evidence a rule only lists, such as the marks B3.c
    reports without testing, does not count."""
    return [rule.id for rule in PACK.rules
            if rule.severity == "blocking" and rule.effective.from_ <= AS_OF
            and (rule.effective.until is None or AS_OF <= rule.effective.until)
            and {role.value for role in rule.roles} & set(roles)
            and any(path.startswith(f"registers.{register}.") for path in _facts_read(rule))
            and (rule.id, register) not in SIGNS_ONLY]


def _facts_read(rule: Rule) -> set[str]:
    """Every fact path the rule's clauses test, with the inputs of the derived facts they use
    (an item path reaching back to the top, ``housing.$employer_norms``, reads both halves).
    Narrower than ``_memo.rule_reads``, which also counts evidence lists and texts."""
    derived = {derived_path(d): d for d in PACK.all_derived()}
    pending = [path for _, clause in rule.outcomes.clauses() for path, _ in walk_compares(clause.when)]
    seen: set[str] = set()
    while pending:
        for piece in _pieces(pending.pop()):
            if piece not in seen:
                seen.add(piece)
                pending.extend(derived_inputs(derived[piece]) if piece in derived else ())
    return seen


@settings(max_examples=80, deadline=None)
@given(seed=seeds)
@example(seed=3)  # an employer whose SNA fails: B3.c lists SNA but does not test it (CI drew it)
def test_a_failed_or_absent_register_that_a_blocking_criterion_reads_is_never_eligible(seed: int) -> None:
    """A register no blocking criterion in effect reads (ABU, NBBU and SNF only inform; NAU
    before the Wtta criterion starts) may fail without changing the verdict; any other may not."""
    data, done = near_eligible(seed)
    for name in sorted(data["registers"]):
        readers = _blocking_readers(name, data["roles"])
        for broken in ({"status": "failed", "error": "unreachable",
                        "provenance": {"source": name, "retrieved_at": f"{AS_OF}T08:00:00Z"}}, None):
            registers = {**data["registers"], name: broken} if broken else {
                k: v for k, v in data["registers"].items() if k != name}
            verdict = decide({**data, "registers": registers})
            if readers:
                assert verdict is not Verdict.ELIGIBLE, (name, "failed" if broken else "absent", readers, done)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batch=st.lists(seeds, min_size=1, max_size=20))
def test_native_and_durable_match_the_same_clauses(durable: DurableEngine, batch: list[int]) -> None:
    facts = [COMPILED.derive(Dossier.model_validate(near_eligible(seed)[0])) for seed in batch]
    assert cross_check(COMPILED, facts, durable) == []


@settings(max_examples=150, deadline=None)
@given(seed=seeds, path=st.sampled_from(EVIDENCE_PATHS))
def test_deleting_evidence_never_makes_a_blocking_criterion_pass(seed: int, path: str) -> None:
    data, done = near_eligible(seed)
    before = evaluate(Dossier.model_validate(data), PACK, AS_OF, compiled=COMPILED)
    after = evaluate(Dossier.model_validate(_remove(data, path)), PACK, AS_OF, compiled=COMPILED)
    for old, new in zip(before.criteria, after.criteria, strict=True):
        if new.outcome is Outcome.PASS and old.severity == "blocking":
            assert old.outcome is Outcome.PASS, (path, old.id, old.outcome, old.reasons, done)


ROLES = ["uitlener", "huisvester", "werkgever", "dienstverlener"]


@settings(max_examples=150, deadline=None)
@given(seed=seeds, roles=st.lists(st.sampled_from(ROLES), min_size=1, max_size=3, unique=True))
def test_a_location_below_12_m2_passes_only_for_an_employer(seed: int, roles: list[str]) -> None:
    """Art. 5.4's lower norms (AKF seasonal, seasonal use: 10 m²) are for employers involved in
    housing (werkgever or uitlener, and neither huisvester nor dienstverlener); art. 5.5 holds every
    other partner to at least 12 m² per person."""
    data, done = near_eligible(seed)
    data["roles"] = roles
    decision = evaluate(Dossier.model_validate(data), PACK, AS_OF, compiled=COMPILED)
    floor = decision.criterion("art5_floor_area")
    if floor.outcome is not Outcome.PASS:
        return
    roles = set(data["roles"])
    employer = bool(roles & {"werkgever", "uitlener"}) and not roles & {"huisvester", "dienstverlener"}
    for location in data.get("housing", []):
        occupants = location.get("persons") or location.get("beds")
        if occupants and location.get("floor_area_m2") and location["floor_area_m2"] / occupants < 12:
            assert employer, (data["roles"], location["id"], done)


LOCATION_FIELDS = ("seasonal", "months_in_use_per_year", "persons", "beds", "floor_area_m2", "bedrooms",
                   "max_persons_per_bedroom", "mark.valid_until", "mark")
"""Every optional field of a location (a mark without its category or status is refused by the schema)."""
MARK_CATEGORIES = ("snf_logies", "snf_wonen", "snf_nieuwbouw", "snf_hotel_pension", "akf_jaarrond", "akf_seizoen")


def housing_variant(data: dict, category: str, seasonal: bool, months: int | None, persons: int,  # type: ignore[type-arg]
                    bedrooms: int, per_bedroom: int, area_per_person: float) -> bool:
    """Reshape the first location of an eligible base; False when the base has no housing."""
    if not data.get("housing"):
        return False
    location = data["housing"][0]
    location.update(seasonal=seasonal, persons=persons, beds=persons, bedrooms=bedrooms,
                    max_persons_per_bedroom=per_bedroom, floor_area_m2=round(area_per_person * persons, 2))
    location.pop("months_in_use_per_year", None)
    if months is not None:
        location["months_in_use_per_year"] = months
    location["mark"]["category"] = category
    return True


def without_location_field(data: dict, field: str) -> dict:  # type: ignore[type-arg]
    import copy

    changed = copy.deepcopy(data)
    node = changed["housing"][0]
    *parents, last = field.split(".")
    for part in parents:
        node = node[part]
    node.pop(last, None)
    return changed


@settings(max_examples=300, deadline=None)
@given(seed=seeds, category=st.sampled_from(MARK_CATEGORIES), seasonal=st.booleans(),
       months=st.sampled_from([None, 0, 1, 5, 6, 7, 12]), persons=st.integers(1, 60), bedrooms=st.integers(1, 30),
       per_bedroom=st.integers(1, 4), area_per_person=st.sampled_from([9.5, 10.0, 11.0, 12.0, 13.0, 15.0, 16.0, 20.0]),
       field=st.sampled_from(LOCATION_FIELDS))
@example(seed=0, category="akf_seizoen", seasonal=True, months=12, persons=48, bedrooms=12, per_bedroom=4,
         area_per_person=12.0, field="months_in_use_per_year")  # a draft of 1.4.0: the months left out, eligible
@example(seed=5, category="akf_seizoen", seasonal=True, months=12, persons=48, bedrooms=24, per_bedroom=2,
         area_per_person=10.0, field="months_in_use_per_year")  # the same for an employer (seed 5: the grower)
@example(seed=0, category="snf_logies", seasonal=False, months=None, persons=40, bedrooms=12, per_bedroom=2,
         area_per_person=13.0, field="bedrooms")  # the bedrooms contradict the occupants: unknown, and so without them
def test_deleting_a_field_of_a_location_never_makes_a_partner_eligible(
        seed: int, category: str, seasonal: bool, months: int | None, persons: int, bedrooms: int, per_bedroom: int,
        area_per_person: float, field: str) -> None:
    """PRODUCT.md principle 1, field by field: a location's figures, reshaped from an eligible base,
    then one of them left out; leaving out evidence never does better than giving it."""
    data, _ = near_eligible(seed, changes=0)
    if not housing_variant(data, category, seasonal, months, persons, bedrooms, per_bedroom, area_per_person):
        return
    before = decide(data)
    if before is not Verdict.ELIGIBLE:
        assert decide(without_location_field(data, field)) is not Verdict.ELIGIBLE, (field, before)
