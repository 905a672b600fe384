"""The name a list or officer gives beside a KvK number, against the trade register's names.

A list that named "Malafide Flex Uitzendbureau B.V." with the KvK number of a clean company was judged on that
company's evidence and came out eligible, without a word (helper 42): a mistyped number makes one company's
evidence count for another.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from eligibility._decision import Decision, Verdict
from eligibility._dossier import GivenName
from eligibility._evaluate import evaluate
from eligibility._pack import load_pack
from scrapers._link import name_score
from scrapers._store import EvidenceStore
from tests.scrapers.test_pipeline import AS_OF, DECLARATIONS, LENDER, ms, offline

PACK = load_pack()


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> EvidenceStore:
    return ms.make_store(Path(tmp_path_factory.mktemp("given")) / "evidence")


def _built(store: EvidenceStore, name: str | None) -> tuple[Decision, GivenName | None, list[str]]:
    result = offline(replace(LENDER, name=name), store)
    dossier = result.dossier.model_copy(update={"declarations": DECLARATIONS})
    return evaluate(dossier, PACK, AS_OF), dossier.partner.given_name, result.problems


def test_name_score_reads_legal_forms_and_trade_name_variants() -> None:
    assert name_score("Fixture Uitzend BV", ["Fixture Uitzend B.V."]) == 100.0
    assert name_score("Fixture Flex", ["Fixture Uitzend B.V.", "Fixture Flex"]) == 100.0
    assert name_score("Malafide Flex Uitzendbureau B.V.", ["Fixture Uitzend B.V.", "Fixture Flex"]) < 85
    assert name_score("anything", []) == 0.0
    # lists shorten names: every given word a word of the registered name is no other company (helper 46)
    assert name_score("Randstad", ["Randstad Nederland B.V."]) == 100.0
    # a short name that leaves out a word of the registered name other than a trade word is for review: "Klaassen"
    # may be Bakkerij Klaassen, or another Klaassen (since 1.8.0's review; it scored 100)
    assert name_score("Klaassen", ["Bakkerij Klaassen B.V."]) < 85
    assert name_score("Klaassen Venlo", ["Bakkerij Klaassen B.V."]) < 85


@pytest.mark.parametrize("given", ["Flex B.V.", "Uitzend B.V.", "Flex", "Uitzend Flex", "Fixture"])
def test_a_short_name_made_of_trade_words_is_no_short_form(given: str) -> None:
    """Any name whose words all appear in the registered or a trade name scored 100: "Flex B.V." with the KvK
    number of "Fixture Uitzend B.V." (trade name "Fixture Flex") passed B3.c (helper 52). "Fixture" alone is
    distinctive and still scores 100."""
    score = name_score(given, ["Fixture Uitzend B.V.", "Fixture Flex"])
    assert (score == 100.0) is (given == "Fixture")
    if given != "Fixture":
        assert score < 85


@pytest.mark.parametrize(("given", "registered"), [
    ("Recruitment B.V.", "Jansen Recruitment B.V."), ("Personeelsdienst B.V.", "Jansen Personeelsdienst B.V."),
    ("Uitzendbureau Venlo B.V.", "Jansen Uitzendbureau Venlo B.V."), ("Staffing Solutions B.V.", "Acme Staffing Solutions B.V."),
    ("Uitzendorganisatie Nederland", "Jansen Uitzendorganisatie Nederland B.V.")])
def test_a_name_that_leaves_out_the_company_s_own_word_is_no_short_form(given: str, registered: str) -> None:
    """Each scored 100 (a subset of words) or above 85 (by ratio) and passed B3.c on another company's evidence
    (helper 61); "Jansen" is what tells the company apart."""
    assert name_score(given, [registered]) < 85
    assert name_score(registered, [registered]) == 100.0


def test_the_company_s_own_word_alone_is_a_short_form() -> None:
    assert name_score("Jansen", ["Jansen Recruitment B.V."]) == 100.0
    assert name_score("Jansen B.V.", ["Jansen Personeelsdienst B.V."]) == 100.0


def test_a_generic_short_name_sends_it_to_review(demo_store: EvidenceStore) -> None:
    decision, given, _ = _built(demo_store, "Flex B.V.")
    assert given is not None and given.score < 85 and decision.verdict is Verdict.NEEDS_REVIEW


def test_a_given_name_that_is_not_the_company_s_sends_it_to_review(demo_store: EvidenceStore) -> None:
    decision, given, problems = _built(demo_store, "Malafide Flex Uitzendbureau B.V.")
    assert given is not None and given.name == "Malafide Flex Uitzendbureau B.V." and given.score < 85
    assert any("is not the trade register's name for KvK 68750110" in problem for problem in problems)
    b3_c = next(c for c in decision.criteria if c.id == "b3_c_kvk_registration")
    assert b3_c.clause == "given_name_differs" and decision.verdict is Verdict.NEEDS_REVIEW


@pytest.mark.parametrize("name", ["Fixture Uitzend B.V.", "fixture uitzend bv", "Fixture Flex", "Fixture Uitzend",
                                  "Fixture"])
def test_the_company_s_own_name_or_trade_name_is_no_contradiction(demo_store: EvidenceStore, name: str) -> None:
    decision, given, problems = _built(demo_store, name)
    assert given is not None and given.score == 100.0
    assert not any("trade register's name" in problem for problem in problems)
    assert decision.verdict is Verdict.ELIGIBLE


def test_without_a_given_name_there_is_nothing_to_compare(demo_store: EvidenceStore) -> None:
    _, given, _ = _built(demo_store, None)
    assert given is None
