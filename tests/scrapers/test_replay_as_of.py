"""Offline, the store is replayed as it stood at the end of the decision date.

A store refreshed after the decision date held, for a search of two pages, a newer page 1 (read two days after
the decision date, a fine gone from it) beside the older page 2: the reading was dated by its oldest page, passed
as fresh, and the partner came out eligible on a page nobody could have read on the decision date (helper 41).
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from eligibility._dossier import ReadStatus
from eligibility._facts import dutch_day_end
from scrapers import inspectorate
from scrapers._store import EvidenceStore
from tests.scrapers.test_pipeline import AS_OF, FINED, ROOT, ms

LATER = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
"""Two days after the decision date AS_OF (2026-11-23); the demo store was read on 2026-11-20."""


@pytest.fixture
def refreshed_store(tmp_path: Path) -> EvidenceStore:
    """The demo store, then page 1 of FINED's searches read again on LATER, inspection 48213 gone from it."""
    store = ms.make_store(tmp_path / "evidence")
    page = json.loads((ROOT / "fixtures/registers/inspectorate/search_page_1.json").read_text(encoding="utf-8"))
    page["Results"] = [result for result in page["Results"] if result["Id"] != 48213]
    page["SearchResultInfo"]["TotalCount"] = 3
    for search in (FINED.name, "Flexwerk"):
        url = ms.url_of(inspectorate.SEARCH_URL, inspectorate.search_params(search, 1))
        store.put("inspectorate", url, 200, {"Content-Type": "application/json"}, json.dumps(page).encode(), LATER)
    return store


def _ids(store: EvidenceStore, read_before: datetime | None) -> set[str]:
    from scrapers._pipeline import build_dossier

    dossier = build_dossier(FINED.kvk_number, list(FINED.roles), name=FINED.name, place=FINED.place, offline=True,
                            store=store, client=None, config=ms.ScraperConfig(nau_enabled=True), now=LATER,
                            read_before=read_before).dossier
    section = dossier.registers.inspectorate
    assert section is not None and section.provenance.retrieved_at < (read_before or LATER)
    return {result.inspection_id for result in section.results}


@pytest.fixture
def reread_store(tmp_path: Path) -> EvidenceStore:
    """The demo store, then page 1 of FINED's searches read again on LATER, unchanged (other bytes, same results)."""
    store = ms.make_store(tmp_path / "evidence")
    page = json.loads((ROOT / "fixtures/registers/inspectorate/search_page_1.json").read_text(encoding="utf-8"))
    for search in (FINED.name, "Flexwerk"):
        url = ms.url_of(inspectorate.SEARCH_URL, inspectorate.search_params(search, 1))
        store.put("inspectorate", url, 200, {"Content-Type": "application/json"}, json.dumps(page, indent=1).encode(),
                  LATER)
    return store


def _section(store: EvidenceStore, read_before: datetime | None) -> Any:
    from scrapers._pipeline import build_dossier

    return build_dossier(FINED.kvk_number, list(FINED.roles), name=FINED.name, place=FINED.place, offline=True,
                         store=store, client=None, config=ms.ScraperConfig(nau_enabled=True), now=LATER,
                         read_before=read_before).dossier.registers.inspectorate


def test_a_past_decision_date_is_judged_on_the_pages_read_by_then(refreshed_store: EvidenceStore) -> None:
    assert "48213" in _ids(refreshed_store, dutch_day_end(AS_OF))
    # Without a bound (the store as it is now), or bounded after LATER, the newest page 1 (3 results, 48213 gone)
    # stands beside the older page 2 of a list of 4: the pages disagree, so the read fails (review), rather than
    # dropping a result (since the inspectorate's paging checks every page's counts).
    for bound in (None, dutch_day_end(date(2026, 11, 25))):
        section = _section(refreshed_store, bound)
        assert section.status is ReadStatus.FAILED and "read again" in (section.error or "")


def test_latest_takes_only_what_was_read_before_the_bound(tmp_path: Path) -> None:
    store = EvidenceStore(tmp_path / "evidence")
    url = "https://example.invalid/page"
    for day, body in ((20, b"old"), (25, b"new")):
        store.put("kvk", url, 200, {}, body, datetime(2026, 11, day, 9, 0, tzinfo=UTC))
    assert store.latest("kvk", url).body == b"new"  # type: ignore[union-attr]
    assert store.latest("kvk", url, read_before=dutch_day_end(AS_OF)).body == b"old"  # type: ignore[union-attr]
    assert store.latest("kvk", url, read_before=dutch_day_end(date(2026, 11, 19))) is None


def test_the_end_of_a_dutch_day_is_midnight_on_the_dutch_clock() -> None:
    assert dutch_day_end(date(2026, 11, 23)) == datetime(2026, 11, 23, 23, 0, tzinfo=UTC)  # CET, UTC+1
    assert dutch_day_end(date(2026, 6, 1)) == datetime(2026, 6, 1, 22, 0, tzinfo=UTC)  # CEST, UTC+2


def test_check_offline_replays_the_store_as_of_its_decision_date(refreshed_store: EvidenceStore, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from eligibility._cli import main

    def fines(as_of: str) -> dict[str, object]:
        result = CliRunner().invoke(main, [
            "check", "--kvk", FINED.kvk_number, "--role", "uitlener", "--offline", "--store", str(refreshed_store.root),
            "--log", str(tmp_path / "log.sqlite"), "--format", "json", "--as-of", as_of])
        decision = json.loads(result.stdout)
        return next(c for c in decision["criteria"] if c["id"] == "b3_f_fines")

    on_the_day = fines("2026-11-23")  # inspection 48213 (Wav, begun 2024-03-05) is on the page read then
    assert on_the_day["clause"] == "decision_date_maybe_in_window"
    (read,) = [e for e in on_the_day["evidence"] if e["path"] == "registers.inspectorate"]  # type: ignore[attr-defined]
    assert all(p["retrieved_at"] < "2026-11-23T23:00:00Z" for p in read["provenance"])
    later = fines("2026-11-25")  # the page read that day has lost it
    assert "decision_date_maybe_in_window" not in later["matched_clauses"]  # type: ignore[operator]


def test_screen_replays_the_store_as_of_its_decision_date(refreshed_store: EvidenceStore, tmp_path: Path) -> None:
    import io

    from eligibility._screen import ScreenOptions, screen

    listed = tmp_path / "list.csv"
    listed.write_text(f"naam;kvk;rol\n{FINED.name};{FINED.kvk_number};uitlener\n", encoding="utf-8")
    screen(ScreenOptions(list_path=listed, out_dir=tmp_path / "out", as_of=AS_OF, offline=True,
                         store_dir=refreshed_store.root, log_path=tmp_path / "log.sqlite", workers=1, progress=False),
           err=io.StringIO())
    with (tmp_path / "out" / "decisions.jsonl").open(encoding="utf-8") as handle:
        (row,) = [json.loads(line) for line in handle]
    fines = next(c for c in row["decision"]["criteria"] if c["id"] == "b3_f_fines")
    assert fines["clause"] == "decision_date_maybe_in_window"


def test_a_reading_with_a_page_read_after_the_decision_date_is_not_fresh_on_it(reread_store: EvidenceStore) -> None:
    """`dossier build` (no decision date) serves the newest pages: its page 1 of 2026-11-25 beside page 2 of
    2026-11-20 was dated 2026-11-20 alone, and a check on 2026-11-23 passed on it (helper 46)."""
    from eligibility._decision import Verdict
    from eligibility._evaluate import evaluate
    from eligibility._pack import load_pack
    from scrapers._pipeline import build_dossier

    dossier = build_dossier(FINED.kvk_number, list(FINED.roles), name=FINED.name, place=FINED.place, offline=True,
                            store=reread_store, client=None, config=ms.ScraperConfig(nau_enabled=True),
                            now=LATER).dossier
    provenance = dossier.registers.inspectorate.provenance  # type: ignore[union-attr]
    assert provenance.retrieved_at < provenance.read_until == LATER  # type: ignore[operator]
    decision = evaluate(dossier, load_pack(), AS_OF)
    fines = decision.criterion("b3_f_fines")
    assert "read_after_decision_date" in fines.matched_clauses and decision.verdict is not Verdict.ELIGIBLE
    assert any("after the decision date 2026-11-23" in reason["en"] for reason in fines.reasons)
    later = evaluate(dossier, load_pack(), date(2026, 11, 25)).criterion("b3_f_fines").matched_clauses
    assert not {"stale", "read_after_decision_date"} & set(later)


def test_fields_added_later_leave_older_dossiers_bytes_alone() -> None:
    """given_name and read_until are left out of the JSON form while absent: a dossier from before keeps its hash."""
    from eligibility._dossier import Dossier

    dossier = Dossier.model_validate_json((ROOT / "fixtures/dossiers/lender-complete.json").read_bytes())
    assert b"given_name" not in dossier.canonical_json and b"read_until" not in dossier.canonical_json
