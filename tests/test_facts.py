"""Derived facts: the two-year window at its edges, 29 February, freshness, flattening."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from eligibility import Dossier, evaluate, load_pack
from eligibility._facts import flatten, years_before

PACK = load_pack()


@pytest.mark.parametrize(
    ("day", "years", "expected", "clamped"),
    [
        (date(2026, 11, 23), 2, date(2024, 11, 23), False),
        (date(2028, 2, 29), 2, date(2026, 2, 28), True),
        (date(2028, 2, 29), 4, date(2024, 2, 29), False),
        (date(2027, 3, 1), 2, date(2025, 3, 1), False),
    ],
)
def test_years_before(day: date, years: int, expected: date, clamped: bool) -> None:
    assert years_before(day, years) == (expected, clamped)


def test_flatten_drops_none_and_keeps_lists_of_flat_items() -> None:
    flat = flatten({"a": {"b": 1, "c": None}, "items": [{"x": {"y": 2}}], "tags": ["nl"]})
    assert flat == {"a.b": 1, "items": [{"x.y": 2}], "tags": ["nl"]}


def _lender_with_fine(decision_date: str) -> Dossier:
    import json
    from pathlib import Path

    data = json.loads((Path(__file__).parents[1] / "fixtures/dossiers/lender-complete.json").read_text())
    data["registers"]["inspectorate"]["results"] = [{
        "inspection_id": "X-1", "law": "wav", "kind": "fine", "amount_eur": 8000, "final": True,
        "decision_date": decision_date, "link": {"method": "kvk"}}]
    data["registers"]["inspectorate"]["provenance"]["retrieved_at"] = "2027-03-01T00:00:00Z"
    data["declarations"]["fines"]["signed_on"] = "2027-03-01"  # within fines_declaration_max_age_days of 2027-03-11
    data["declarations"]["fines"]["provenance"]["retrieved_at"] = "2027-03-01T12:00:00Z"
    return Dossier.model_validate(data)


@pytest.mark.parametrize(
    ("as_of", "outcome"),
    [(date(2027, 3, 10), "fail"), (date(2027, 3, 11), "pass")],
)
def test_fine_leaves_the_window_the_day_after_two_years(as_of: date, outcome: str) -> None:
    decision = evaluate(_lender_with_fine("2025-03-10"), PACK, as_of)
    assert decision.criterion("b3_f_fines").outcome.value == outcome


def test_failing_fine_says_when_it_passes() -> None:
    decision = evaluate(_lender_with_fine("2025-03-10"), PACK, date(2027, 3, 1))
    criterion = decision.criterion("b3_f_fines")
    assert criterion.outcome.value == "fail"
    assert any("2027-03-11" in remedy["en"] and "2025-03-10" in remedy["en"] for remedy in criterion.remedies)


def test_a_shutdown_dated_by_its_inspection_shows_no_amount_and_an_earliest_day() -> None:
    """A shutdown has no amount (its reason said "amount ?"), and dated by the inspection's start
    alone it was decided later: the day it leaves the window is the earliest, not the day."""
    dossier = _lender_with_fine("2025-06-10")
    data = dossier.model_dump(mode="json", exclude_none=True)
    data["registers"]["inspectorate"]["results"] = [{
        "inspection_id": "X-2", "law": "waadi", "kind": "shutdown", "final": True,
        "inspection_start_date": "2025-06-10", "link": {"method": "kvk"}}]
    criterion = evaluate(Dossier.model_validate(data), PACK, date(2027, 3, 1)).criterion("b3_f_fines")
    assert criterion.outcome.value == "fail"
    shutdown = next(r for r in criterion.reasons if "shutdown" in r["en"])
    assert "amount" not in shutdown["en"] and "?" not in shutdown["en"] and "bedrag" not in shutdown["nl"]
    assert any("from 2027-06-11 at the earliest" in r["en"] and "op zijn vroegst" in r["nl"]
               for r in criterion.remedies), criterion.remedies


def test_a_fine_under_a_strict_law_without_an_amount_shows_no_amount() -> None:
    """Under Wav, Waadi and Wtta any final fine fails: a fine published without an amount read "amount ?"."""
    dossier = _lender_with_fine("2025-06-10")
    data = dossier.model_dump(mode="json", exclude_none=True)
    del data["registers"]["inspectorate"]["results"][0]["amount_eur"]
    criterion = evaluate(Dossier.model_validate(data), PACK, date(2027, 3, 1)).criterion("b3_f_fines")
    assert criterion.outcome.value == "fail" and "fine_under_strict_law" in criterion.matched_clauses
    (fine,) = criterion.reasons
    assert fine["en"].startswith("fine (wav) of 2025-06-10, final; under this law any fine counts (source: ")
    assert "?" not in fine["en"] and "bedrag" not in fine["nl"]


@given(text=st.text(alphabet="ab c.-AB", max_size=12), phrases=st.lists(st.text(alphabet="ab c.-*", max_size=6), max_size=4))
def test_legal_form_words_are_a_run_of_whole_words(text: str, phrases: list[str]) -> None:
    """``holds_words`` compares spaced strings; the rule it stands for: a phrase's words appear in a row among the
    text's words (as written, or split at its capitals)."""
    from eligibility._text_keys import _CAMEL, _words, holds_words

    def fits(word: str, wanted: str, begins: bool, ends: bool) -> bool:
        """"*a": a word ending in a; "a*": beginning with a; "*a*": holding a; "a": a itself."""
        if begins and ends:
            return wanted in word
        return word.endswith(wanted) if ends else word.startswith(wanted) if begins else word == wanted

    def run_of(words: list[str], phrase: str) -> bool:
        wanted = _words(phrase)
        last = len(wanted) - 1
        return bool(wanted) and any(
            i + last < len(words) and all(
                fits(words[i + k], w, k == last and phrase.rstrip().endswith("*"),
                     k == 0 and phrase.lstrip().startswith("*")) for k, w in enumerate(wanted))
            for i in range(len(words)))

    forms = (_words(text), _words(_CAMEL.sub(" ", text)))
    expected = any(run_of(words, phrase) for phrase in phrases for words in forms)
    assert holds_words(text, phrases) == expected


def test_twenty_ninth_of_february_is_explained() -> None:
    decision = evaluate(_lender_with_fine("2026-02-28"), PACK, date(2028, 2, 29))
    criterion = decision.criterion("b3_f_fines")
    assert criterion.outcome.value == "fail"  # 29 Feb 2028 minus two years is 28 Feb 2026: inside
    assert any("28 February" in note["en"] for note in criterion.notes)
    assert decision.verdict.value == "needs_review"  # the pack expired on 2027-12-31
    assert decision.pack.status == "expired"


def test_window_exit_after_leap_day_fine() -> None:
    # a fine of 2026-02-28 is inside on 2028-02-29 (window start clamps to 28 Feb): leaves on 1 March
    decision = evaluate(_lender_with_fine("2026-02-28"), PACK, date(2027, 6, 1))
    assert any("2028-03-01" in r["en"] for r in decision.criterion("b3_f_fines").remedies)


@pytest.mark.parametrize(("value", "shown"), [(12.0, "12.0"), (12.5, "12.5"), (13.33, "13.33"), (11.996667, "11.9967"),
                                              (0.003333, "0.0033"), (11.9999999, "11.9999999"),
                                              (12.00004, "12.00004"), (-0.0000001, "-0.0000001"), (35.9999997 / 3, "11.9999999")])
def test_a_number_in_a_reason_never_hides_a_difference_by_rounding(value: object, shown: str) -> None:
    """35.99 m² for 3 persons is 11.996667 m² each, below the 12 m² norm: it must not read "12.00"."""
    from eligibility._evaluate import format_value

    assert format_value(value, "nl") == format_value(value, "en") == shown


@pytest.mark.parametrize(("value", "nl", "en"), [(True, "ja", "yes"), (False, "nee", "no"),
                                                 ([True, 2], "ja, 2", "yes, 2"), ({"a": False}, "a: nee", "a: no")])
def test_yes_and_no_are_in_the_reason_s_own_language(value: object, nl: str, en: str) -> None:
    from eligibility._evaluate import format_value

    assert (format_value(value, "nl"), format_value(value, "en")) == (nl, en)


def test_a_boolean_fact_in_a_reason_reads_in_each_language() -> None:
    """A placeholder holding a boolean showed "nee/no" in both the Dutch and the English text."""
    from eligibility._evaluate import render
    from eligibility._rules_model import LocalText

    text = LocalText(nl="seizoensgebruik: {seasonal}", en="seasonal use: {seasonal}")
    assert render(text, {"seasonal": False}, {}, {}) == {"nl": "seizoensgebruik: nee", "en": "seasonal use: no"}


def _housing_facts(roles: tuple[str, ...] = ("werkgever",), **location: object) -> dict[str, object]:
    from eligibility._facts import Deriver

    item = {"id": "loc", "persons": 20, "floor_area_m2": 210.0, "mark.category": "snf_logies", **location}
    derived = Deriver(PACK, date(2026, 11, 23)).derive({"roles": list(roles), "housing": [item]}).facts
    return derived["housing"][0]  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("location", "seasonal_use", "required"),
    [
        ({"seasonal": True, "months_in_use_per_year": 6}, True, 10),  # at most seasonal_max_months: seasonal norm
        ({"seasonal": True, "months_in_use_per_year": 0}, False, 12),  # not in use: no seasonal use
        ({"seasonal": True, "months_in_use_per_year": 7}, False, 12),
        ({"seasonal": True}, False, 12),  # months not given: a missing fact makes the condition false
        ({"seasonal": False, "months_in_use_per_year": 3}, False, 12),
        ({"seasonal": True, "mark.category": "akf_seizoen"}, True, 10),
        ({"seasonal": True, "months_in_use_per_year": 4, "mark.category": "snf_wonen"}, True, 12),
        ({"seasonal": True, "months_in_use_per_year": 4, "mark.category": "snf_nieuwbouw"}, True, 15),
    ],
)
def test_holds_and_choose_pick_the_seasonal_norm_only_for_seasonal_use(
        location: dict[str, object], seasonal_use: bool, required: int) -> None:
    facts = _housing_facts(**location)
    assert facts["seasonal_use"] is seasonal_use
    assert facts["required_area_m2"] == required
    provider = _housing_facts(("huisvester",), **location)  # art. 5.5: at least 12 m², no seasonal norm
    assert provider["seasonal_use"] is False
    assert provider["required_area_m2"] == provider["required_area_provider_m2"]
    assert provider["required_area_m2"] >= 12  # type: ignore[operator]


def test_choose_is_missing_when_its_flag_is() -> None:
    from eligibility._facts import Deriver
    from eligibility._rules_model import Derived

    choose = Derived.model_validate({"name": "x", "choose": {"when": "flag", "then": "a", "otherwise": "b"}})
    deriver = Deriver(PACK, date(2026, 11, 23))
    from eligibility._facts import FactSet

    for facts, expected in (({"flag": True, "a": 1, "b": 2}, 1), ({"flag": False, "a": 1, "b": 2}, 2),
                            ({"a": 1, "b": 2}, None), ({"flag": "yes", "a": 1, "b": 2}, None)):
        assert deriver._compute(choose, facts, facts, FactSet(facts)) == expected


def _provider_with_one_location(floor_area_m2: float, persons: int) -> Dossier:
    import json
    from pathlib import Path

    data = json.loads((Path(__file__).parents[1] / "fixtures/dossiers/housing-provider.json").read_text())
    location = data["housing"][0]
    location.update(persons=persons, beds=persons, floor_area_m2=floor_area_m2, bedrooms=persons,
                    max_persons_per_bedroom=1, seasonal=False)
    location.pop("months_in_use_per_year", None)
    data["housing"] = [location]
    return Dossier.model_validate(data)


@settings(max_examples=100, deadline=None)
@given(persons=st.integers(min_value=1, max_value=100_000),
       offset=st.one_of(st.just(0.0), st.floats(min_value=-1e-3, max_value=1e-3, allow_nan=False)))
def test_a_floor_area_norm_is_met_exactly_when_the_exact_quotient_meets_it(persons: int, offset: float) -> None:
    """No rounding decides a norm: pass iff floor area / persons >= the norm, in exact arithmetic
    (1.5.0 rounded the quotient to 6 decimals first, so 11.9999999 m² met 12 m²)."""
    from fractions import Fraction

    as_of = date(2026, 11, 23)
    dossier = _provider_with_one_location(1.0, 1)  # only to read the location's mark category
    category = dossier.housing[0].mark.category.value
    norm = PACK.parameter_value("area_norm_m2_per_person", as_of)[category]
    floor_area = norm * persons + offset * persons
    assume(floor_area > 0)
    decision = evaluate(_provider_with_one_location(floor_area, persons), PACK, as_of)
    outcome = decision.criterion("art5_floor_area").outcome.value
    assert outcome == ("pass" if Fraction(floor_area) / persons >= norm else "fail")


def test_codes_are_compared_without_case_accents_spaces_punctuation_or_labels() -> None:
    from eligibility._text_keys import code_key

    assert code_key("SNF-2026-L-11803") == code_key("snf 2026 l 11803") == code_key("Nr. SNF 2026/L/11803") == (
        "snf2026l11803")
    assert code_key("Émile-Zola (kopie)") == code_key("emile zola") == "emilezola"
    assert code_key("SNF-2026-L-11803") != code_key("SNF-2026-L-11808")
    assert code_key(" ,. ") is None and code_key(None) is None and code_key(12) == 12


def test_legal_form_words_are_found_without_case_accents_or_strokes() -> None:
    from eligibility._text_keys import holds_words

    assert holds_words("Spółka z ograniczoną odpowiedzialnością", ["spolka"])  # ł and ó as l and o
    assert holds_words("Sp. z o.o.", ["Sp. z o.o."]) and holds_words("KapitaalvennootschapBinnenEER", ["EER"])
    assert holds_words("Société à responsabilité limitée", ["societe a responsabilite"])
    assert not holds_words("Stichting Beheer", ["EER"]) and not holds_words("Spolkastraat BV", ["spolka"])
    assert holds_words("BUITENLANDSEVENNOOTSCHAP", ["buitenl*"]) and holds_words("Buitenlandsche vennootschap", ["buitenl*"])
    assert not holds_words("Binnenlandse vennootschap", ["buitenl*"]) and not holds_words("Buiten", ["buitenl*"])
    assert holds_words("OVERIGEBUITENLANDSERECHTSPERSOON", ["*buitenl*"]) and not holds_words("OVERIGEBUITENLANDSE", ["buitenl*"])
    assert holds_words("Zandbuitenl", ["*buitenl"]) and not holds_words("Zandbuitenland", ["*buitenl"])


def test_a_reading_taken_after_the_decision_date_gives_that_reason_alone() -> None:
    """Beside `read_after_decision_date` the `stale` clause also matched and its reason said the reading was
    "-19 days old; 0 to 90 allowed" (helper 61)."""
    import json
    from datetime import date
    from pathlib import Path

    from eligibility import Dossier, evaluate, load_pack

    data = json.loads((Path(__file__).parents[1] / "fixtures" / "dossiers" / "lender-complete.json").read_text())
    data["registers"]["kvk"]["provenance"]["retrieved_at"] = "2026-11-26T08:00:00Z"
    criterion = evaluate(Dossier.model_validate(data), load_pack(), date(2026, 11, 23)).criterion("b3_c_kvk_registration")
    assert criterion.clause == "read_after_decision_date"
    assert not any("days old" in reason["en"] for reason in criterion.reasons), criterion.reasons
