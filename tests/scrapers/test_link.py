"""Linking register records to a partner: KvK first, names (+ place) only as candidates."""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz

from eligibility._dossier import Link, LinkMethod
from scrapers._link import (
    LEGAL_FORM_TOKENS,
    PLACE_MISMATCH_PENALTY,
    TRADE_NAME_MARKERS,
    NameIndex,
    link_records,
    name_variants,
    normalise_name,
    to_link,
)


@dataclass(frozen=True)
class Rec:
    name: str
    kvk: str | None = None
    place: str | None = None


ACCESSORS = {"kvk_of": lambda r: r.kvk, "name_of": lambda r: r.name, "place_of": lambda r: r.place}


def link(records, names, *, kvk=None, predecessors=(), place=None, **options):
    return link_records(kvk, list(predecessors), list(names), place, records, **ACCESSORS, **options)


# --- normalisation ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Flex Uitzend B.V.", "flex uitzend"),
        ("flex uitzend bv", "flex uitzend"),
        ("FLEX-UITZEND BV", "flex uitzend"),
        ("Flex Uitzend B. V.", "flex uitzend"),
        ("Flex Uitzend B V", "flex uitzend"),
        ("Flex.Uitzend BV", "flex uitzend"),
        ("Besloten Vennootschap Flex Uitzend", "flex uitzend"),
        ("Philips N.V.", "philips"),
        ("Philips NV", "philips"),
        ("Jansen & Zn V.O.F.", "jansen en zn"),
        ("Jansen en Zn VOF", "jansen en zn"),
        ("Jansen C.V.", "jansen"),
        ("Stichting Bolderbast", "bolderbast"),
        ("Vereniging Huisvesters", "huisvesters"),
        ("Coöperatie Ons Bedrijf U.A.", "ons bedrijf"),
        ("Cooperatie Ons Bedrijf UA", "ons bedrijf"),
        ("Coöperatieve Telers W.A.", "telers"),
        ("Coop Telers B.A.", "coop telers"),
        ("Test EMZ Dagobert Eenmanszaak", "test emz dagobert"),
        ("Personal Service GmbH", "personal service"),
        ("Praca Polska Sp. z o.o.", "praca polska"),
        ("Praca Polska sp. z o. o.", "praca polska"),
        ("Praca Polska Sp. z.o.o.", "praca polska"),
        ("Munca Bună S.R.L.", "munca buna"),
        ("Staffing Ltd.", "staffing"),
        ("Flex Holding B.V.", "flex holding"),  # "holding" names a different entity: kept
        ("  Flex   Uitzend,  B.V.  ", "flex uitzend"),
        ("'t Hoekje", "t hoekje"),
        ("Łódź Transport", "lodz transport"),
        ("Stichting", "stichting"),  # only legal-form words: kept rather than emptied
        ("Jansen B.V. h.o.d.n. Flex Uitzend", "jansen flex uitzend"),
    ],
)
def test_normalise_name(raw: str, expected: str) -> None:
    assert normalise_name(raw) == expected


@pytest.mark.parametrize("entry", LEGAL_FORM_TOKENS, ids=" ".join)
def test_every_legal_form_in_the_table_is_stripped_anywhere(entry: tuple[str, ...]) -> None:
    words = " ".join(entry)
    assert normalise_name(f"Alfa {words}") == "alfa"
    assert normalise_name(f"{words} Alfa") == "alfa"
    assert normalise_name(f"Alfa {words} Bravo") == "alfa bravo"


def test_holding_is_not_a_legal_form() -> None:
    assert all("holding" not in entry for entry in LEGAL_FORM_TOKENS)
    assert normalise_name("Flex Holding B.V.") != normalise_name("Flex B.V.")


@pytest.mark.parametrize("marker", TRADE_NAME_MARKERS, ids=" ".join)
def test_every_trade_name_marker_splits_into_alternatives(marker: tuple[str, ...]) -> None:
    assert name_variants(f"Jansen Beheer B.V. {' '.join(marker)} Flex Uitzend") == ("jansen beheer", "flex uitzend")


@pytest.mark.parametrize(
    "raw",
    ["Jansen B.V. h.o.d.n. Flex", "Jansen B.V., t.h.o.d.n. Flex", "Jansen BV h/o/d/n Flex", "Jansen BV tevens h.o.d.n. Flex"],
)
def test_dotted_trade_name_markers(raw: str) -> None:
    assert name_variants(raw) == ("jansen", "flex")


def test_accents_and_case_do_not_matter() -> None:
    assert normalise_name("COÖPERATIE ONS BEDRIJF U.A.") == normalise_name("cooperatie ons bedrijf ua")


# --- KvK links -------------------------------------------------------------------------------


def test_kvk_match_beats_name() -> None:
    records = [Rec("Totally Other Name B.V.", kvk="68750110"), Rec("Test BV Donald")]
    found = link(records, ["Test BV Donald"], kvk="68750110")
    assert [(c.name, c.method, c.score) for c in found] == [
        ("Totally Other Name B.V.", LinkMethod.KVK, 100.0),
        ("Test BV Donald", LinkMethod.NAME, 100.0),
    ]


def test_record_with_partner_kvk_and_same_name_is_a_kvk_link_once() -> None:
    found = link([Rec("Test BV Donald", kvk="68750110")], ["Test BV Donald"], kvk="68750110")
    assert [(c.method, c.kvk_number) for c in found] == [(LinkMethod.KVK, "68750110")]


def test_different_kvk_is_never_name_linked() -> None:
    sister = Rec("Flex Uitzend B.V.", kvk="12345678", place="Utrecht")
    assert link([sister], ["Flex Uitzend B.V."], kvk="87654321", place="Utrecht") == []
    assert link([sister], ["Flex Uitzend B.V."], kvk=None, place="Utrecht") == []


def test_other_kvk_is_a_name_candidate_only_when_asked() -> None:
    """A fine may sit on an undeclared predecessor's number (a takeover gives a new number):
    where that matters, a namesake with another number is shown for review, never as proof."""
    records = [
        Rec("Flex Uitzend B.V.", kvk="12345678", place="Venlo"),
        Rec("Flex Uitzend B.V.", kvk="87654321", place="Venlo"),
        Rec("Oud Flex Uitzend B.V.", kvk="01085927"),
    ]
    found = link(records, ["Flex Uitzend B.V."], kvk="87654321", predecessors=["01085927"], place="Venlo",
                 name_match_other_kvk=True)
    assert [(c.kvk_number, c.method, c.score) for c in found] == [
        ("87654321", LinkMethod.KVK, 100.0),
        ("01085927", LinkMethod.PREDECESSOR_KVK, 100.0),
        ("12345678", LinkMethod.NAME, 100.0),
    ]  # the partner's own and the predecessor's records are KvK links, not also name candidates
    assert found[2].reasons == [
        "name 'flex uitzend' matches partner name 'flex uitzend' (token_sort_ratio 100.0)",
        "same place: Venlo",
        "carries KvK number 12345678, not the partner's: a predecessor or another company with this name",
    ]
    assert link(records, ["Flex Uitzend B.V."], kvk="87654321", predecessors=["01085927"], place="Venlo") == found[:2]
    index = NameIndex(records, **ACCESSORS, name_match_other_kvk=True)
    assert index.link("87654321", ["01085927"], ["Flex Uitzend B.V."], "Venlo") == found


def test_predecessor_kvk() -> None:
    records = [Rec("Oud Uitzend B.V.", kvk="01085927"), Rec("Nieuw Uitzend B.V.", kvk="69599084")]
    found = link(records, ["Nieuw Uitzend B.V."], kvk="69599084", predecessors=["01085927"])
    assert [(c.name, c.method) for c in found] == [
        ("Nieuw Uitzend B.V.", LinkMethod.KVK),
        ("Oud Uitzend B.V.", LinkMethod.PREDECESSOR_KVK),
    ]
    assert "predecessor" in found[1].reasons[0]


def test_kvk_lost_its_leading_zero_in_a_spreadsheet() -> None:
    found = link([Rec("Oud", kvk="1085927")], [], kvk=None, predecessors=["01085927"])
    assert [(c.method, c.kvk_number) for c in found] == [(LinkMethod.PREDECESSOR_KVK, "01085927")]


def test_every_kvk_link_is_returned_whatever_the_limit() -> None:
    fines = [Rec(f"Fine {i}", kvk="68750110") for i in range(8)]
    assert len(link(fines, ["Test BV Donald"], kvk="68750110", limit=2)) == 8


# --- name candidates -------------------------------------------------------------------------


def test_name_match_across_spellings_and_trade_names() -> None:
    records = [Rec("FLEX-UITZEND BV", place="Utrecht"), Rec("Bakkerij Jansen", place="Utrecht")]
    found = link(records, ["Jansen Beheer B.V.", "Flex Uitzend"], place="utrecht")
    assert [(c.name, c.method, c.score) for c in found] == [("FLEX-UITZEND BV", LinkMethod.NAME, 100.0)]
    assert "same place: Utrecht" in found[0].reasons


def test_hodn_record_matches_on_its_trade_name() -> None:
    found = link([Rec("Jansen Beheer B.V. h.o.d.n. Flex Uitzend")], ["Flex Uitzend B.V."])
    assert [(c.score, c.method) for c in found] == [(100.0, LinkMethod.NAME)]


def test_scorer_is_token_sort_ratio_word_order_does_not_matter() -> None:
    found = link([Rec("Jansen Uitzendbureau")], ["Uitzendbureau Jansen B.V."])
    assert [c.score for c in found] == [100.0]


def test_scorer_does_not_link_a_short_name_contained_in_a_longer_one() -> None:
    # WRatio would score this about 90 (partial match); token_sort_ratio keeps it out.
    assert fuzz.WRatio("flex", "flex uitzend nederland") >= 85
    assert link([Rec("Flex Uitzend Nederland B.V.")], ["Flex B.V."]) == []


@given(st.lists(st.sampled_from(["alfa", "bravo", "flex", "uitzend", "jansen", "de", "x"]), min_size=1, max_size=5),
       st.lists(st.sampled_from(["alfa", "bravo", "flex", "uitzend", "jansen", "de", "x"]), min_size=1, max_size=5))
def test_index_scores_equal_token_sort_ratio(words_a: list[str], words_b: list[str]) -> None:
    a, b = " ".join(words_a), " ".join(words_b)
    expected = fuzz.token_sort_ratio(a, b)
    found = link([Rec(b)], [a], threshold=0)
    assert [c.score for c in found] == [round(expected, 1)]


def test_threshold() -> None:
    records = [Rec("Flex Uitzend"), Rec("Flex Uitzendt"), Rec("Flex Uitzenders")]
    scores = {c.name: c.score for c in link(records, ["Flex Uitzend"], threshold=0)}
    assert scores["Flex Uitzend"] == 100.0
    cut = scores["Flex Uitzendt"]
    assert scores["Flex Uitzenders"] < cut < 100
    assert [c.name for c in link(records, ["Flex Uitzend"], threshold=cut)] == ["Flex Uitzend", "Flex Uitzendt"]
    assert [c.name for c in link(records, ["Flex Uitzend"], threshold=cut + 0.1)] == ["Flex Uitzend"]


def test_limit_keeps_the_best_name_candidates() -> None:
    records = [Rec("Flex Uitzenders"), Rec("Flex Uitzend"), Rec("Flex Uitzendt")]
    found = link(records, ["Flex Uitzend"], threshold=0, limit=2)
    assert [c.name for c in found] == ["Flex Uitzend", "Flex Uitzendt"]
    assert link(records, ["Flex Uitzend"], limit=0) == []


def test_place_mismatch_lowers_score() -> None:
    records = [Rec("Flex Uitzend B.V.", place="Utrecht"), Rec("Flex Uitzend B.V.", place="Zwolle")]
    found = link(records, ["Flex Uitzend"], place="UTRECHT")
    assert [(c.place, c.score) for c in found] == [("Utrecht", 100.0), ("Zwolle", 100.0 - PLACE_MISMATCH_PENALTY)]
    assert any("other place: Zwolle" in reason for reason in found[1].reasons)


def test_place_mismatch_can_drop_a_near_match_below_threshold() -> None:
    record = Rec("Flex Uitzending", place="Zwolle")
    near = link([record], ["Flex Uitzend"])
    assert near and 85 + PLACE_MISMATCH_PENALTY > near[0].score >= 85
    assert link([record], ["Flex Uitzend"], place="Utrecht") == []


def test_unknown_place_is_neither_agreement_nor_mismatch() -> None:
    found = link([Rec("Flex Uitzend")], ["Flex Uitzend"], place="Utrecht")
    assert found[0].score == 100.0
    assert "place not compared: unknown on one side" in found[0].reasons


def test_ordering_is_deterministic_score_then_name() -> None:
    records = [Rec("Flex Uitzend", place="Zwolle"), Rec("Flex Uitzend", place="Almere"),
               Rec("Flex  Uitzend B.V."), Rec("Flex Uitzendt"), Rec("flex uitzend")]
    # all but the last score 100: then by name case-folded, name as written, place
    expected = [("Flex  Uitzend B.V.", None), ("Flex Uitzend", "Almere"), ("Flex Uitzend", "Zwolle"),
                ("flex uitzend", None), ("Flex Uitzendt", None)]
    for seed in range(10):
        shuffled = random.Random(seed).sample(records, len(records))
        found = link(shuffled, ["Flex Uitzend"], threshold=0, limit=10)
        assert [(c.name, c.place) for c in found] == expected


def test_invalid_options() -> None:
    with pytest.raises(ValueError, match="threshold"):
        link([], ["x"], threshold=101)
    with pytest.raises(ValueError, match="limit"):
        link([], ["x"], limit=-1)


# --- the dossier's Link ---------------------------------------------------------------------


def test_to_link() -> None:
    name_hit, = link([Rec("Flex Uitzendt")], ["Flex Uitzend"])
    assert to_link(name_hit) == Link(method=LinkMethod.NAME, score=name_hit.score, matched_name="Flex Uitzendt")
    kvk_hit, = link([Rec("Flex", kvk="68750110")], [], kvk="68750110")
    assert to_link(kvk_hit) == Link(method=LinkMethod.KVK, score=None, matched_name="Flex")


# --- one index, many partners ---------------------------------------------------------------

WORDS = ["flex", "uitzend", "jansen", "bakker", "de", "vries", "holding", "noord"]
KVKS = ["01085927", "68750110", "69599084"]
record_strategy = st.builds(
    Rec,
    name=st.lists(st.sampled_from(WORDS + ["B.V.", "&"]), min_size=1, max_size=4).map(" ".join),
    kvk=st.none() | st.sampled_from(KVKS),
    place=st.none() | st.sampled_from(["Utrecht", "Zwolle"]),
)
partner_strategy = st.tuples(
    st.none() | st.sampled_from(KVKS),
    st.lists(st.sampled_from(KVKS), max_size=2),
    st.lists(st.lists(st.sampled_from(WORDS), min_size=1, max_size=3).map(" ".join), max_size=2),
    st.none() | st.sampled_from(["utrecht", "Zwolle"]),
)


@settings(max_examples=200)
@given(st.lists(record_strategy, max_size=12), st.lists(partner_strategy, min_size=1, max_size=4),
       st.sampled_from([0.0, 60.0, 85.0]), st.integers(min_value=0, max_value=4))
def test_reused_index_equals_one_off_linking(records, partners, threshold, limit) -> None:
    index = NameIndex(records, **ACCESSORS)
    for kvk, predecessors, names, place in partners:
        reused = index.link(kvk, predecessors, names, place, threshold=threshold, limit=limit)
        one_off = link(records, names, kvk=kvk, predecessors=predecessors, place=place,
                       threshold=threshold, limit=limit)
        assert reused == one_off
        assert all(c.score >= threshold for c in reused)
        assert all(c.method is not LinkMethod.NAME or c.kvk_number is None for c in reused)


def test_index_of_20000_records_answers_1000_partners_correctly() -> None:
    words = [f"{w}{i}" for i, w in enumerate(["alfa", "bravo", "delta", "echo", "golf", "hotel", "kilo", "lima"] * 7)]
    names = [" ".join(combo).title() for combo in itertools.islice(itertools.combinations(words, 3), 20_000)]
    records = [Rec(f"{name} B.V.", place="Utrecht") for name in names]
    index = NameIndex(records, **ACCESSORS)
    assert len(index) == 20_000
    for i in random.Random(7).sample(range(20_000), 1000):
        partner_name = names[i].upper().replace(" ", "-")  # "ALFA0-BRAVO1-DELTA2": same after normalising
        found = index.link(None, [], [partner_name], "Utrecht")
        assert found[0].record is records[i]
        assert found[0].score == 100.0
        assert all(c.score < 100.0 for c in found[1:])
