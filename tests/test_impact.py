"""What-if: logged decisions replayed under a changed pack; every flip listed and counted."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from eligibility import Dossier, evaluate, load_dossier, load_pack
from eligibility._cli_audit import impact_command
from eligibility._impact import CriterionFlip, impact
from eligibility._log import DecisionLog
from eligibility._pack import RULES_DIR

FIXTURES = Path(__file__).parents[1] / "fixtures" / "dossiers"
AS_OF = date(2026, 11, 23)


def fine_of_june_2024() -> Dossier:
    """The Wav-fine lender, its fine decided 2024-06-01: outside a 2-year window on AS_OF, inside a 3-year one."""
    data = json.loads((FIXTURES / "lender-fine-wav-2025.json").read_text(encoding="utf-8"))
    for result in data["registers"]["inspectorate"]["results"]:
        if result["inspection_id"] == "INS-2025-0217":
            result.update(decision_date="2024-06-01", publication_date="2024-06-20", inspection_start_date="2024-03-01")
    data["partner"]["name"] = "Fined in June 2024 B.V."
    return Dossier.model_validate(data)


@pytest.fixture
def three_year_pack(tmp_path: Path) -> Path:
    root = tmp_path / "convenant-2025"
    shutil.copytree(RULES_DIR / "convenant-2025", root)
    window = root / "concepts" / "window.yaml"
    text = window.read_text(encoding="utf-8")
    assert text.count("value: 2") == 1
    window.write_text(text.replace("value: 2", "value: 3"), encoding="utf-8")
    return root


@pytest.fixture
def log(tmp_path: Path) -> DecisionLog:
    """Three partners logged on AS_OF; the fined one logged twice (only the latest counts)."""
    log = DecisionLog(tmp_path / "log.sqlite", clock=lambda: datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    pack = load_pack()
    for dossier in (fine_of_june_2024(), load_dossier(FIXTURES / "lender-complete.json"),
                    load_dossier(FIXTURES / "lender-sna-suspended.json"), fine_of_june_2024()):
        log.append(evaluate(dossier, pack, AS_OF), dossier, command="screen")
    return log


def test_a_longer_window_flips_the_fined_partner_only(log: DecisionLog, three_year_pack: Path) -> None:
    report = impact(log, load_pack(three_year_pack))
    assert report.compared == 3 and report.unchanged == 2 and not report.errors and not report.skipped
    [flip] = report.flips
    assert flip.partner == "Fined in June 2024 B.V." and flip.as_of == "2026-11-23"
    assert (flip.old_verdict, flip.new_verdict) == ("eligible", "not_eligible")
    assert flip.criteria == [CriterionFlip("b3_f_fines", "pass", "fail")]
    assert flip.record_id == list(log.entries())[3].record_id  # the latest of the two identical decisions
    assert report.verdict_flips == [flip]
    assert report.verdict_transitions == {("eligible", "not_eligible"): 1, ("eligible", "eligible"): 1,
                                          ("not_eligible", "not_eligible"): 1}
    assert report.criterion_flips == {("b3_f_fines", "pass", "fail"): 1}
    text = report.describe()
    assert "1 verdict flip(s)" in text and "b3_f_fines" in text and "eligible      -> not_eligible" in text


def test_the_same_pack_flips_nothing(log: DecisionLog) -> None:
    report = impact(log, load_pack())
    assert report.compared == 3 and report.flips == [] and report.criterion_flips == {}
    assert "criteria that flip (criterion: old -> new):\n  none" in report.describe()


def test_an_approved_override_is_shown_with_the_flip(log: DecisionLog, three_year_pack: Path) -> None:
    fined = list(log.entries())[3].record_id
    override_id = log.request_override(fined, officer="a", verdict="needs_review", justification="j", citation="c")
    log.approve_override(override_id, approver="b")
    [flip] = impact(log, load_pack(three_year_pack)).flips
    assert flip.override_verdict == "needs_review"


def test_decisions_under_another_region_are_skipped(log: DecisionLog) -> None:
    report = impact(log, load_pack(region="voorbeeldregio"))
    assert report.compared == 0 and report.skipped == {"not made under region voorbeeldregio": 3}


def test_impact_command(log: DecisionLog, three_year_pack: Path) -> None:
    result = CliRunner().invoke(impact_command, ["--pack", str(three_year_pack), "--log", str(log.path)])
    assert result.exit_code == 0, result.output
    assert "1 verdict flip(s)" in result.stdout and "Fined in June 2024 B.V." in result.stdout
    assert "b3_f_fines pass->fail" in result.stdout


def test_a_dossier_decided_nationally_and_regionally_on_one_date_is_compared_with_its_own_rules(
        tmp_path: Path, three_year_pack: Path) -> None:
    """Keyed by dossier and date alone, the regional decision hid the national one: its flip was missed,
    and the regional one was compared with the national pack (a flip of the region's own criterion)."""
    log = DecisionLog(tmp_path / "log.sqlite")
    dossier = fine_of_june_2024()
    national, regional = load_pack(), load_pack(region="voorbeeldregio")
    log.append(evaluate(dossier, national, AS_OF), dossier, command="check", pack=national)
    log.append(evaluate(dossier, regional, AS_OF), dossier, command="check", pack=regional, region="voorbeeldregio")
    first, second = list(log.entries())
    report = impact(log, load_pack(three_year_pack))
    assert report.compared == 1 and [flip.record_id for flip in report.flips] == [first.record_id]
    assert report.verdict_flips and not any(c.startswith("region_") for c, _, _ in report.criterion_flips)
    assert report.skipped == {"made under a regional overlay (voorbeeldregio); give --region to compare them": 1}
    assert "skipped 1: made under a regional overlay" in report.describe()
    report = impact(log, load_pack(three_year_pack, region="voorbeeldregio"))
    assert report.compared == 1 and report.skipped == {"not made under region voorbeeldregio": 1}
    # the region already looks back three years: its own decision does not flip (compared with the national
    # pack, its region_ criteria would have)
    assert not report.errors and report.flips == [] and second.record_id != first.record_id
