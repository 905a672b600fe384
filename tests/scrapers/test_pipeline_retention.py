"""Pipeline, offline from a store whose bodies were removed under the retention setting.

A removed body is a reading that is known (URL, time, sha256) but can no longer be read: the
register's section fails, saying so, and never reads as "read, nothing found". The demo store
(fixtures/registers/store-demo) is copied and pruned.
"""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from eligibility._decision import Outcome, Verdict
from eligibility._dossier import ReadStatus
from eligibility._evaluate import evaluate
from eligibility._pack import load_pack
from scrapers._config import ScraperConfig
from scrapers._pipeline import ADAPTERS, BuildResult, StoreReplay, build_dossier
from scrapers._store import EvidenceStore
from tests.scrapers.test_pipeline import ms  # the demo partners of fixtures/registers/store-demo/make_store.py

DEMO = Path(__file__).resolve().parents[2] / "fixtures" / "registers" / "store-demo"
CONFIG = ScraperConfig(nau_enabled=True)
PRUNED_AT = datetime(2027, 1, 1, 3, 0, tzinfo=UTC)
AS_OF = date(2026, 11, 23)


def offline(partner: object, store: EvidenceStore, replay: StoreReplay | None = None) -> BuildResult:
    return build_dossier(
        partner.kvk_number, list(partner.roles), name=partner.name, place=partner.place,  # type: ignore[attr-defined]
        offline=True, store=store, client=None, config=CONFIG, now=PRUNED_AT + timedelta(hours=1), replay=replay,
    )  # fmt: skip


def pruned_demo(tmp_path: Path) -> EvidenceStore:
    """The demo store, its KvK profiles read again within the period (identical bytes, so those
    bodies stay), then pruned: every other register's body is removed."""
    shutil.copytree(DEMO / "evidence", tmp_path / "demo")
    store = EvidenceStore(tmp_path / "demo")
    for url in store.urls("kvk"):
        latest = store.latest("kvk", url)
        assert latest is not None
        store.put("kvk", url, latest.status, latest.headers, latest.body, PRUNED_AT - timedelta(days=1))
    report = store.prune(30, PRUNED_AT, setting="ELIGIBILITY_EVIDENCE_RETENTION_DAYS=30")
    assert report.bodies > 0
    return store


def test_a_removed_body_fails_its_section_and_never_reads_as_nothing_found(tmp_path: Path) -> None:
    before = offline(ms.FINED, EvidenceStore(shutil.copytree(DEMO / "evidence", tmp_path / "before")))
    assert {name: getattr(before.dossier.registers, name).status for name in ADAPTERS} == dict.fromkeys(
        ADAPTERS, ReadStatus.READ
    )
    assert before.dossier.registers.sncu.verdicts and before.dossier.registers.inspectorate.results

    registers = offline(ms.FINED, pruned_demo(tmp_path)).dossier.registers

    assert registers.kvk.status is ReadStatus.READ  # read again within the period: kept
    for name in ADAPTERS:
        if name == "kvk":
            continue
        section = getattr(registers, name)
        assert section.status is ReadStatus.FAILED, name
        assert "removed on 2027-01-01 under the retention setting (older than 30 days" in section.error, name
    assert registers.sncu.verdicts == [] and registers.inspectorate.results == []  # failed, not "none found"


def test_criteria_fed_by_a_removed_body_are_unknown_never_passed(tmp_path: Path) -> None:
    dossier = offline(ms.LENDER, pruned_demo(tmp_path)).dossier
    decision = evaluate(dossier, load_pack(), AS_OF)
    outcomes = decision.outcomes
    for rule in ("b3_f_fines", "b3_g_sncu", "art14_3_a_sna"):
        assert outcomes[rule] is Outcome.UNKNOWN, rule
    assert decision.verdict is not Verdict.ELIGIBLE
    reasons = " ".join(reason["en"] for reason in decision.criterion("b3_g_sncu").reasons)
    assert "removed on 2027-01-01" in reasons


def test_a_batch_replay_repeats_the_removal_for_every_partner(tmp_path: Path) -> None:
    store = pruned_demo(tmp_path)
    replay = StoreReplay(store)
    for partner in ms.PARTNERS:
        sncu = offline(partner, store, replay).dossier.registers.sncu
        assert sncu is not None and sncu.status is ReadStatus.FAILED and "removed on" in (sncu.error or "")
