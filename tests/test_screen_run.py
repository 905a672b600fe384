"""Screening runs over fixture lists, offline against the demo evidence store.

fixtures/registers/store-demo (its README) holds the registers as read for three demo partners:
68750110 (clean lender), 01234567 (fines by KvK, an SNCU verdict by name), 01085927 (unknown to
KvK). fixtures/lists/partners-nl.csv lists them with a name-only row and rows that are wrong.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import itertools
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from eligibility._canonical import canonical_json
from eligibility._log import DecisionLog, LogWriteError
from eligibility._screen import ScreenError, ScreenOptions, _runner, screen
from eligibility._screen._compare import Comparison, load_previous
from eligibility._screen._dossiers import Built, RegisterSource
from eligibility._screen._lists import PartnerRow

ROOT = Path(__file__).resolve().parents[1]
DEMO_STORE = ROOT / "fixtures" / "registers" / "store-demo" / "evidence"
LIST = ROOT / "fixtures" / "lists" / "partners-nl.csv"
AS_OF = date(2026, 11, 23)
OUTPUTS = ("results.csv", "results.xlsx", "decisions.jsonl", "summary.html")
LINES = [3, 4, 6, 7, 8, 9, 11, 12, 13]
"""Data rows of partners-nl.csv (5 is an empty line, 10 a line of empty cells)."""
DECIDED = [3, 4, 6, 7, 13]
ERRORS = [8, 9, 11, 12]
NAME_ONLY = 7
START = datetime(2026, 11, 23, 8, tzinfo=UTC)
"""When every run here starts (``_runs_start_at_one_moment``)."""


class Interrupted(Exception):
    """Raised by a checkpoint to stop a run as a crash would."""


def deterministic_log(path: Path) -> DecisionLog:
    """Record ids numbered from the log's length, a fixed clock: two runs give the same ids."""
    existing = len(DecisionLog(path)) if path.exists() else 0
    counter = itertools.count(existing + 1)
    return DecisionLog(path, new_id=lambda: f"rec{next(counter):06d}",
                       clock=lambda: datetime(2026, 11, 23, 12, tzinfo=UTC))


@pytest.fixture(scope="module", autouse=True)
def _runs_start_at_one_moment() -> Iterator[None]:
    """Every run here starts at the same moment, so separate runs give the same bytes (a location
    only the list names is dated by its run's start)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_runner, "_clock", lambda: START)
        yield


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the demo store (opening a store writes its WAL files next to it)."""
    target = tmp_path_factory.mktemp("store") / "evidence"
    shutil.copytree(DEMO_STORE, target)
    return target


def options(out: Path, store: Path, **changes: Any) -> ScreenOptions:
    values: dict[str, Any] = dict(list_path=LIST, out_dir=out, as_of=AS_OF, offline=True, store_dir=store,
                                  workers=1, chunk_size=2, commit_rows=2, progress=False)
    values.update(changes)
    return ScreenOptions(**values)


def run(out: Path, store: Path, log_path: Path, **changes: Any) -> Any:
    return screen(options(out, store, **changes), log=deterministic_log(log_path), err=io.StringIO())


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory, store: Path) -> Path:
    """One uninterrupted run, in parallel (2 processes, chunks of 2 rows)."""
    base = tmp_path_factory.mktemp("baseline")
    run(base / "out", store, base / "log.sqlite", workers=2)
    return base


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_bytes().splitlines()]


# --- one run -------------------------------------------------------------------------------------


def test_every_input_row_is_in_every_output_exactly_once_in_input_order(baseline: Path) -> None:
    out = baseline / "out"
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == sorted(OUTPUTS)
    rows = read_csv(out / "results.csv")
    assert [int(r["row"]) for r in rows] == LINES
    assert [r["line"] for r in jsonl(out / "decisions.jsonl")] == LINES
    sheet = load_workbook(out / "results.xlsx", read_only=True).worksheets[0]
    cells = list(sheet.iter_rows(values_only=True))
    assert list(cells[0]) == list(rows[0].keys())
    assert [row[0] for row in cells[1:]] == LINES
    html = (out / "summary.html").read_text(encoding="utf-8")
    table = html.split('<table id="rows">')[1]
    assert [int(cell.split("<")[0]) for cell in table.split('<tr><td class="num">')[1:]] == LINES


def test_verdicts_errors_and_repairs_are_in_the_results(baseline: Path) -> None:
    rows = {int(r["row"]): r for r in read_csv(baseline / "out" / "results.csv")}
    assert {line: rows[line]["verdict"] for line in DECIDED} == {
        3: "needs_review", 4: "needs_review", 6: "not_eligible", 7: "needs_review", 13: "needs_review"}
    assert rows[6]["b3_c_kvk_registration"] == "fail"
    assert rows[6]["main_reason"].startswith("b3_c_kvk_registration: Het Handelsregister kent KvK-nummer 01085927 niet")
    assert rows[6]["kvk"] == "01085927" and "padded to 01085927" in rows[6]["notes"]
    assert rows[6]["housing_locations"] == "Spoorweg 8, Venlo | Kerkstraat 1, Venlo"
    assert rows[3]["evidence_sna"] == "2026-11-20" and rows[3]["evidence_nau"] == ""
    assert rows[4]["name_matches"] == "sncu: Flexwerk Voorbeeld B.V. 100"
    assert {line: rows[line]["verdict"] for line in ERRORS} == dict.fromkeys(ERRORS, "error")
    assert rows[8]["error"] == "KvK number 123456789 has 9 digits; a KvK number has 8"
    assert rows[8]["name"] == "Bouwbedrijf Ünal & Zonen"
    assert all(rows[line]["log_id"] == "" for line in ERRORS)
    assert all(rows[line]["log_id"] for line in DECIDED)


def test_name_only_rows_are_flagged_in_every_output(baseline: Path) -> None:
    out = baseline / "out"
    rows = {int(r["row"]): r for r in read_csv(out / "results.csv")}
    assert [line for line, r in rows.items() if r["link"] == "name-only"] == [NAME_ONLY]
    name_only = rows[NAME_ONLY]
    assert name_only["kvk"] == "" and name_only["verdict"] == "needs_review"
    assert name_only["name_matches"] == "nbbu: Uitzendbureau De Brug B.V. 100"
    assert "sna: read, nothing linked by name" in name_only["notes"]
    assert name_only["b3_c_kvk_registration"] == "unknown" and name_only["art14_3_a_sna"] == "unknown"
    sheet = load_workbook(out / "results.xlsx", read_only=True).worksheets[0]
    links = {row[0]: row[5] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert [line for line, link in links.items() if link == "name-only"] == [NAME_ONLY]
    records = {r["line"]: r for r in jsonl(out / "decisions.jsonl")}
    assert [line for line, r in records.items() if r["link"] == "name-only"] == [NAME_ONLY]
    assert records[NAME_ONLY]["decision"]["partner"] == {"kvk_number": None, "name": "Uitzendbureau De Brug B.V."}
    html = (out / "summary.html").read_text(encoding="utf-8")
    assert '<span class="flag">1 alleen op naam</span>' in html
    assert html.count('<td class="flag">name-only</td>') == 1


def test_records_linked_by_name_are_listed_in_every_output(baseline: Path) -> None:
    """KvK rows' records found by name (line 4's SNCU verdict, line 6's NBBU membership: the NBBU
    list holds no KvK numbers), and the name-only row's NBBU membership: each appears in results.csv,
    results.xlsx, decisions.jsonl and the summary; no other row has any."""
    out = baseline / "out"
    brug = ["nbbu: Uitzendbureau De Brug B.V. 100"]
    expected = {4: ["sncu: Flexwerk Voorbeeld B.V. 100"], 6: brug, NAME_ONLY: brug}
    csv_rows = {int(r["row"]): r["name_matches"] for r in read_csv(out / "results.csv")}
    assert {line: text for line, text in csv_rows.items() if text} == {k: " | ".join(v) for k, v in expected.items()}
    sheet = load_workbook(out / "results.xlsx", read_only=True).worksheets[0]
    header, *cells = list(sheet.iter_rows(values_only=True))
    column = header.index("name_matches")
    assert {row[0]: row[column] for row in cells if row[column]} == {k: " | ".join(v) for k, v in expected.items()}
    records = {r["line"]: r["name_matches"] for r in jsonl(out / "decisions.jsonl")}
    assert {line: found for line, found in records.items() if found} == expected
    assert set(records) == set(csv_rows)  # error rows too, with an empty list
    html = (out / "summary.html").read_text(encoding="utf-8")
    assert all(f"<td>{' | '.join(found)}</td>" in html for found in expected.values())


def test_decisions_jsonl_holds_the_logged_decisions_byte_for_byte(baseline: Path) -> None:
    log = DecisionLog(baseline / "log.sqlite")
    decisions = list(log.entries(kind="decision"))
    assert len(decisions) == len(DECIDED)  # error rows are not decisions
    by_id = {entry.record_id: entry for entry in decisions}
    for raw in (baseline / "out" / "decisions.jsonl").read_bytes().splitlines():
        record = json.loads(raw)
        assert canonical_json(record) == raw  # canonical JSON, one object per line
        assert record["schema"] == "eligibility.screen-row/3" and record["override"] is None
        if record["decision"] is None:
            assert record["line"] in ERRORS and record["error"] and record["log_id"] is None
            continue
        entry = by_id[record["log_id"]]
        assert canonical_json(record["decision"]) == entry.decision_json
        assert entry.command == "screen"


def test_summary_counts_and_is_self_contained(baseline: Path) -> None:
    html = (baseline / "out" / "summary.html").read_text(encoding="utf-8")
    verdicts = html.split('<table class="chart" id="verdicts">')[1].split("</table>")[0]
    counts = {label: int(n) for label, n in re.findall(r'<tr><td>([^<]*)</td><td class="num">(\d+)</td>', verdicts)}
    assert counts == {"geschikt": 0, "niet geschikt": 1, "nader beoordelen": 4, "fout in rij": 4}
    assert '<tr><td>b3_c_kvk_registration</td><td class="num">1</td>' in html
    assert "<script" in html and "src=" not in html and "http://" not in html and "https://" not in html
    assert "Partnerlijst" not in html and "partners-nl.csv" in html


def test_parallel_and_single_process_runs_write_the_same_bytes(baseline: Path, store: Path, tmp_path: Path) -> None:
    run(tmp_path / "out", store, tmp_path / "log.sqlite", workers=1, chunk_size=64, commit_rows=512)
    for name in OUTPUTS:
        assert (tmp_path / "out" / name).read_bytes() == (baseline / "out" / name).read_bytes(), name


def rewrite_outputs(baseline: Path, out: Path, **changes: Any) -> Any:
    """The outputs of the baseline run written again from a copy of its state, straight from ``write_outputs``."""
    from eligibility import load_pack
    from eligibility._screen import _outputs
    from eligibility._screen._runner import _facts, _override_lookup
    from eligibility._screen._state import RunState
    from eligibility._screen._lists import PartnerList

    out.mkdir()
    shutil.copy(baseline / "out" / ".state.sqlite", out / ".state.sqlite")
    log = DecisionLog(baseline / "log.sqlite")
    pack = load_pack()
    state = RunState(out)
    try:
        return _outputs.write_outputs(
            out, state.reader(), criteria=[rule.id for rule in pack.rules],
            facts=_facts(options(out, baseline), pack, PartnerList(LIST), None), lang="nl",
            decisions=log.decisions_at, overrides=_override_lookup(log), **changes)
    finally:
        state.close()


@pytest.mark.parametrize("parallel", [False, True])
def test_outputs_written_again_from_the_state_are_the_same_bytes(baseline: Path, tmp_path: Path, parallel: bool) -> None:
    """The baseline run streamed decisions.jsonl and wrote results.xlsx in a second process;
    written again from the state (decisions quoted from the log), in one process or two, nothing differs."""
    tally = rewrite_outputs(baseline, tmp_path / "out", parallel=parallel)
    assert tally.rows == len(LINES)
    for name in OUTPUTS:
        assert (tmp_path / "out" / name).read_bytes() == (baseline / "out" / name).read_bytes(), name


def test_a_run_from_the_first_row_streams_its_decisions_without_reading_the_log_back(
        baseline: Path, store: Path, tmp_path: Path) -> None:
    log = deterministic_log(tmp_path / "log.sqlite")

    def unread(places: Any) -> Any:
        raise AssertionError("a run that decided every row itself has every decision in hand")

    log.decisions_at = unread  # type: ignore[method-assign]
    screen(options(tmp_path / "out", store, workers=2), log=log, err=io.StringIO())
    for name in OUTPUTS:
        assert (tmp_path / "out" / name).read_bytes() == (baseline / "out" / name).read_bytes(), name
    assert not list((tmp_path / "out").glob(".*.tmp"))


def test_a_failure_in_the_xlsx_process_stops_the_outputs_and_leaves_none(
        baseline: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from eligibility._screen import _outputs

    def disk_full(*args: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(_outputs, "_write_xlsx", disk_full)  # inherited by the forked process
    with pytest.raises(_outputs.OutputProcessError, match="No space left on device"):
        rewrite_outputs(baseline, tmp_path / "out")
    assert sorted(p.name for p in (tmp_path / "out").iterdir() if not p.name.startswith(".state")) == []


def test_a_row_whose_dossier_cannot_be_built_is_an_error_row(store: Path, tmp_path: Path) -> None:
    class Failing:
        def __init__(self) -> None:
            self.real = RegisterSource(store_dir=store, offline=True, now=datetime(2026, 11, 23, tzinfo=UTC))

        def build(self, row: PartnerRow, application: Any = None) -> Built:
            if row.kvk_number == "01234567":
                raise RuntimeError("register replay broke")
            return self.real.build(row, application)

    report = screen(options(tmp_path / "out", store), source=Failing(), log=deterministic_log(tmp_path / "log.sqlite"),
                    err=io.StringIO())
    rows = {int(r["row"]): r for r in read_csv(tmp_path / "out" / "results.csv")}
    assert rows[4]["verdict"] == "error"
    assert rows[4]["error"] == "could not be screened: RuntimeError: register replay broke"
    assert [int(r) for r in rows] == LINES
    assert report.verdicts["error"] == len(ERRORS) + 1


def test_a_live_run_reads_the_registers_in_one_process(baseline: Path, tmp_path: Path) -> None:
    """Without --offline the pipeline fetches (here from the store-demo's fixture routes)."""
    demo = load_make_store()
    store_dir = tmp_path / "evidence"
    client = demo.FixtureClient(demo.fixture_routes(), demo.EvidenceStore(store_dir), demo.ticking(demo.BUILD_AT))
    source = RegisterSource(store_dir=store_dir, offline=False, now=demo.BUILD_AT, client=client)
    err = io.StringIO()
    screen(options(tmp_path / "out", store_dir, offline=False, workers=2), source=source,
           log=deterministic_log(tmp_path / "log.sqlite"), err=err)
    assert "a live run uses one process" in err.getvalue()
    live = [(r["row"], r["verdict"], r["link"], r["name_matches"]) for r in read_csv(tmp_path / "out" / "results.csv")]
    stored = [(r["row"], r["verdict"], r["link"], r["name_matches"]) for r in read_csv(baseline / "out" / "results.csv")]
    assert live == stored
    assert any(url.startswith("https://api.kvk.nl/") for url in client.requested)


def load_make_store() -> Any:
    spec = importlib.util.spec_from_file_location("make_store", DEMO_STORE.parent / "make_store.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_store"] = module
    spec.loader.exec_module(module)
    return module


# --- resuming --------------------------------------------------------------------------------------


def interrupt_at(stage: str, after: int) -> Callable[[str, int], None]:
    def checkpoint(at: str, done: int) -> None:
        if at == stage and done >= after:
            raise Interrupted(f"{stage} after {done} rows")
    return checkpoint


@pytest.mark.parametrize(("stage", "workers"), [("stored", 1), ("logged", 1), ("committed", 1), ("committed", 2)])
def test_an_interrupted_run_resumes_to_the_same_bytes_without_logging_twice(
        baseline: Path, store: Path, tmp_path: Path, stage: str, workers: int) -> None:
    """stored: decided, not logged; logged: logged, ids not stored; committed: between commits."""
    out, log_path = tmp_path / "out", tmp_path / "log.sqlite"
    with pytest.raises(Interrupted):
        screen(options(out, store, workers=workers, chunk_size=1), log=deterministic_log(log_path),
               checkpoint=interrupt_at(stage, 4), err=io.StringIO())
    assert not (out / "results.csv").exists()  # outputs come only at the end
    err = io.StringIO()
    report = screen(options(out, store), log=deterministic_log(log_path), err=err)
    assert report.resumed == (2 if stage == "stored" else 4) and report.rows == len(LINES)
    for name in OUTPUTS:
        assert (out / name).read_bytes() == (baseline / "out" / name).read_bytes(), name
    ids = [entry.record_id for entry in DecisionLog(log_path).entries()]
    assert ids == [entry.record_id for entry in DecisionLog(baseline / "log.sqlite").entries()]
    assert len(ids) == len(set(ids)) == len(DECIDED)
    if stage == "logged":
        assert "were logged before the interruption" in err.getvalue()
    assert DecisionLog(log_path).verify().ok


def test_kill_9_in_the_middle_of_a_run_then_the_rerun_finishes_it(baseline: Path, store: Path, tmp_path: Path) -> None:
    """A real SIGKILL: no cleanup runs, SQLite files are left as they are."""
    out, log_path = tmp_path / "out", tmp_path / "log.sqlite"
    driver = textwrap.dedent(f"""
        import io, os, signal, sys
        sys.path.insert(0, {str(ROOT)!r})
        from tests.test_screen_run import START, deterministic_log, options
        from eligibility._screen import _runner, screen
        _runner._clock = lambda: START
        from pathlib import Path

        def checkpoint(stage, done):
            if stage == "logged" and done >= 4:
                os.kill(os.getpid(), signal.SIGKILL)

        screen(options(Path({str(out)!r}), Path({str(store)!r})), log=deterministic_log(Path({str(log_path)!r})),
               checkpoint=checkpoint, err=io.StringIO())
    """)
    completed = subprocess.run([sys.executable, "-c", driver], capture_output=True, timeout=120)
    assert completed.returncode == -signal.SIGKILL, completed.stderr.decode()
    assert len(DecisionLog(log_path)) == 4  # two chunks of two were logged
    run(out, store, log_path)
    for name in OUTPUTS:
        assert (out / name).read_bytes() == (baseline / "out" / name).read_bytes(), name
    assert len(DecisionLog(log_path)) == len(DECIDED)


def test_a_work_directory_of_another_run_is_refused(baseline: Path, store: Path, tmp_path: Path) -> None:
    copy = tmp_path / "out"
    shutil.copytree(baseline / "out", copy)
    with pytest.raises(ScreenError, match=r"holds another screening run \(as_of: '2026-11-23' now '2026-12-01'\)"):
        run(copy, store, tmp_path / "log.sqlite", as_of=date(2026, 12, 1))


def test_a_decision_date_before_the_pack_stops_the_run_before_the_directory_is_bound(store: Path,
                                                                                      tmp_path: Path) -> None:
    with pytest.raises(ScreenError, match="the decision date 2025-01-01 lies before rule pack"):
        run(tmp_path / "out", store, tmp_path / "log.sqlite", as_of=date(2025, 1, 1))
    assert not (tmp_path / "out").exists()  # nothing bound: the same directory takes a run with a valid date


def test_decisions_are_stored_once_in_the_log_and_quoted_from_it(baseline: Path) -> None:
    """The state keeps each decision's hash and place in the log, not a second copy."""
    import sqlite3

    with sqlite3.connect(baseline / "out" / ".state.sqlite") as db:
        columns = [row[1] for row in db.execute("PRAGMA table_info(rows)")]
    assert "decision" not in columns and "decision_sha256" in columns
    log = DecisionLog(baseline / "log.sqlite")
    for line in jsonl(baseline / "out" / "decisions.jsonl"):
        if line["decision"] is not None:
            assert canonical_json(line["decision"]) == log.get(line["log_id"]).decision_json


def test_a_log_record_changed_after_the_run_stops_the_outputs_and_names_the_row(
        baseline: Path, store: Path, tmp_path: Path) -> None:
    import sqlite3

    out, log_path = tmp_path / "out", tmp_path / "log.sqlite"
    shutil.copytree(baseline / "out", out)
    shutil.copy(baseline / "log.sqlite", log_path)
    record_id = {int(r["row"]): r["log_id"] for r in read_csv(out / "results.csv")}[4]
    edited = DecisionLog(log_path).get(record_id).body.replace(b'"verdict":"', b'"verdict":"X')  # read as sealed
    with sqlite3.connect(log_path) as db:
        db.execute("DROP TRIGGER records_append_only_u")
        db.execute("UPDATE records SET body = ? WHERE record_id = ?", (edited, record_id))
    with pytest.raises(ScreenError, match=rf"row 4: the decision log record {record_id} no longer holds the decision"):
        run(out, store, log_path)  # everything is done: only the outputs are written again
    assert (out / "decisions.jsonl").read_bytes() == (baseline / "out" / "decisions.jsonl").read_bytes()


def test_a_work_directory_of_an_older_layout_is_refused(baseline: Path, store: Path, tmp_path: Path) -> None:
    import sqlite3

    out = tmp_path / "out"
    shutil.copytree(baseline / "out", out)
    with sqlite3.connect(out / ".state.sqlite") as db:
        db.execute("DELETE FROM run WHERE key = 'state'")
    with pytest.raises(ScreenError, match=r"holds another screening run \(state: None now 'eligibility.screen-state/2'\)"):
        run(out, store, tmp_path / "log.sqlite")


def test_a_log_that_cannot_be_written_stops_the_run_and_nothing_counts(store: Path, tmp_path: Path) -> None:
    class BrokenLog:
        def append_many(self, items: Any, **kwargs: Any) -> Any:
            raise LogWriteError("disk full")

        def entries(self, kind: str | None = None) -> Iterator[Any]:
            return iter(())

    out = tmp_path / "out"
    with pytest.raises(ScreenError, match="decision log: disk full"):
        screen(options(out, store), log=BrokenLog(), err=io.StringIO())
    report = run(out, store, tmp_path / "log.sqlite")  # the unlogged chunk is decided again
    assert report.rows == len(LINES) and len(DecisionLog(tmp_path / "log.sqlite")) == len(DECIDED)


# --- overrides and --previous -------------------------------------------------------------------------


def _baseline_with_row_6_overridden(baseline: Path, tmp_path: Path) -> tuple[Path, Path, DecisionLog, dict[int, str]]:
    """(work directory, log, the log opened, log record id per row): a copy of the baseline run whose
    row 6 decision (not eligible) has an approved override to needs review."""
    out, log_path = tmp_path / "out", tmp_path / "log.sqlite"
    shutil.copytree(baseline / "out", out)
    shutil.copy(baseline / "log.sqlite", log_path)
    log = DecisionLog(log_path)
    decided = {int(r["row"]): r["log_id"] for r in read_csv(out / "results.csv")}
    approved = log.request_override(decided[6], officer="A. Officer", verdict="needs_review",
                                    justification="KvK registration in progress", citation="Bijlage 3, onder c")
    log.approve_override(approved, approver="B. Reviewer")
    return out, log_path, log, decided


def test_an_approved_override_is_shown_in_the_outputs(baseline: Path, store: Path, tmp_path: Path) -> None:
    out, log_path, log, decided = _baseline_with_row_6_overridden(baseline, tmp_path)
    pending = log.request_override(decided[4], officer="A. Officer", verdict="eligible",
                                   justification="declarations received on paper", citation="Bijlage 3")
    run(out, store, log_path)  # everything is done: only the outputs are written again
    rows = {int(r["row"]): r for r in read_csv(out / "results.csv")}
    assert rows[4]["override"] == ""  # requested, not approved: not shown as an override
    assert rows[6]["override"].startswith("needs_review (was not_eligible): KvK registration in progress")
    assert "approved by B. Reviewer" in rows[6]["override"] and pending not in rows[6]["override"]
    assert (rows[6]["verdict"], rows[6]["verdict_in_force"], rows[4]["verdict_in_force"]) == (
        "not_eligible", "needs_review", rows[4]["verdict"])
    assert "KvK registration in progress" in (out / "summary.html").read_text(encoding="utf-8")
    lines = {record["line"]: record for record in jsonl(out / "decisions.jsonl")}
    assert lines[6]["override"]["verdict"] == "needs_review" and lines[6]["override"]["in_force"] == rows[6]["override"]
    assert lines[4]["override"] is None


def test_a_later_run_shows_an_earlier_decision_s_override_and_previous_sees_it_lapse(
        baseline: Path, store: Path, tmp_path: Path) -> None:
    """An override answers one decision. The next run makes new decisions: the override is not applied
    to them, but every output shows it beside them, and --previous reports the verdict in force changing
    (it said "changes: none": the override vanished silently)."""
    out, log_path, _, decided = _baseline_with_row_6_overridden(baseline, tmp_path)
    run(out, store, log_path)  # the outputs again: row 6's override is in force
    run(tmp_path / "later", store, log_path, previous=out)
    rows = {int(r["row"]): r for r in read_csv(tmp_path / "later" / "results.csv")}
    assert rows[6]["log_id"] != decided[6] and rows[6]["override"] == ""
    assert rows[6]["verdict_in_force"] == rows[6]["verdict"] == "not_eligible"
    assert rows[6]["earlier_override"].startswith(f"record {decided[6]} (decision date 2026-11-23): needs_review "
                                                  "(was not_eligible): KvK registration in progress")
    assert all(row["earlier_override"] == "" for line, row in rows.items() if line != 6)
    (change,) = [c for c in read_csv(tmp_path / "later" / "changes.csv") if c["row"] == "6"]
    assert (change["change"], change["previous_verdict"], change["verdict"]) == (
        "newly_not_eligible", "needs_review", "not_eligible")
    assert "the previous verdict was an approved override (automatic: not_eligible)" in change["detail"]
    streamed = {record["line"]: record for record in jsonl(tmp_path / "later" / "decisions.jsonl")}
    assert streamed[6]["override"] == {"earlier": rows[6]["earlier_override"], "in_force": None, "verdict": None}
    summary = (tmp_path / "later" / "summary.html").read_text(encoding="utf-8")  # in Dutch, the default
    assert "eerder besluit, niet toegepast: record" in summary and "1 met een goedgekeurde afwijking van een eerder besluit" in summary


def test_previous_run_changes_evidence_gone_stale(baseline: Path, store: Path, tmp_path: Path) -> None:
    report = run(tmp_path / "later", store, tmp_path / "log.sqlite", as_of=date(2027, 6, 1),
                 previous=baseline / "out")
    changes = read_csv(tmp_path / "later" / "changes.csv")
    stale = {int(c["row"]): c["criteria"].split() for c in changes if c["change"] == "evidence_stale"}
    assert stale[3] == ["b3_c_kvk_registration", "b3_g_sncu", "art14_3_a_sna"]
    assert sorted(stale) == [3, 4, 6, 13]
    (changed,) = [c for c in changes if c["change"] == "verdict_changed"]
    assert (changed["row"], changed["previous_verdict"], changed["verdict"]) == ("6", "not_eligible", "needs_review")
    assert report.changes["evidence_stale"] == 4
    assert not [c for c in changes if c["change"] in ("new_in_list", "not_in_list")]  # name-only row matched by name
    html = (tmp_path / "later" / "summary.html").read_text(encoding="utf-8")
    assert "Wat is veranderd sinds" in html and "bewijs verouderd" in html


def test_previous_run_newly_not_eligible_newly_eligible_and_gone(baseline: Path, tmp_path: Path) -> None:
    previous = tmp_path / "previous"
    previous.mkdir()
    rows = read_csv(baseline / "out" / "results.csv")
    for row in rows:
        if row["row"] == "6":
            row["verdict"] = row["verdict_in_force"] = "eligible"  # now not eligible
    rows.append({**rows[0], "row": "99", "kvk": "99999999", "name": "Weg B.V."})
    with (previous / "results.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    comparison = load_previous(previous, ["b3_c_kvk_registration"])
    now = [jsonl_result(r) for r in read_csv(baseline / "out" / "results.csv")]
    now[0] = {**now[0], "verdict": "eligible"}  # row 3 was needs review
    for result in now:
        comparison.feed(result)
    comparison.finish()
    kinds = {(c.kind, c.row if c.row is not None else c.previous_row) for c in comparison.changes}
    assert kinds == {("newly_not_eligible", 6), ("newly_eligible", 3), ("not_in_list", 99)}


def jsonl_result(row: dict[str, str]) -> dict[str, Any]:
    """A current result as the comparison sees it, from a results.csv row."""
    return {"line": int(row["row"]), "link": row["link"], "verdict": row["verdict"],
            "input": {"kvk": row["kvk"] or None, "name": row["name"] or None, "place": row["place"] or None},
            "outcomes": {"b3_c_kvk_registration": row["b3_c_kvk_registration"]}, "clauses": {}}


def test_comparison_matches_name_only_rows_by_normalised_name_and_place() -> None:
    from eligibility._screen._compare import _Previous

    prev = _Previous(7, None, "Uitzendbureau De Brug BV", "VENLO", "name-only", "eligible", {})
    comparison = Comparison([], {"name:uitzendbureau de brug|venlo": __import__("collections").deque([prev])})
    result = {"line": 2, "link": "name-only", "verdict": "needs_review", "outcomes": {}, "clauses": {},
              "input": {"kvk": None, "name": "Uitzendbureau De Brug B.V.", "place": "Venlo"}}
    (change,) = comparison.feed(result)
    assert (change.kind, change.row, change.previous_row, change.link) == ("verdict_changed", 2, 7, "name-only")
    comparison.finish()
    assert len(comparison.changes) == 1  # matched: neither "new in list" nor "not in list"



def test_an_error_row_is_matched_by_its_kvk_number_padded_as_the_reader_pads_it() -> None:
    """A row that became an error keeps the list's text (1085927); the previous run had it padded (01085927)."""
    from collections import deque

    from eligibility._screen._compare import _Previous, match_key

    prev = _Previous(3, "01085927", "Uitzendbureau De Brug B.V.", "Venlo", "kvk", "needs_review", {})
    comparison = Comparison([], {"kvk:01085927": deque([prev])})
    result = {"line": 3, "link": "", "verdict": "error", "outcomes": {}, "clauses": {},
              "input": {"kvk": "1085927", "name": "Uitzendbureau De Brug B.V.", "place": "Venlo"}}
    (change,) = comparison.feed(result)
    assert (change.kind, change.row, change.previous_row, change.verdict) == ("verdict_changed", 3, 3, "error")
    comparison.finish()
    assert len(comparison.changes) == 1  # neither "new in list" nor "not in list"
    # and the other way round: an error row of the previous run against a padded number now
    assert match_key("1085927", None, None, "") == match_key("01085927", None, None, "kvk") == "kvk:01085927"
    assert match_key("ABC123", None, None, "") == "kvk:ABC123"  # not a number: kept as written


# --- the command -------------------------------------------------------------------------------------


def test_cli_completes_with_error_rows_and_prints_one_summary_line(store: Path, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from eligibility._cli_screen import screen_command

    monkeypatch.setenv("ELIGIBILITY_HOME", str(tmp_path / "home"))
    result = CliRunner().invoke(screen_command, [str(LIST), "--as-of", "2026-11-23", "--out", str(tmp_path / "out"),
                                                 "--offline", "--store", str(store), "--workers", "2"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("screened 9 rows: 0 eligible, 1 not eligible, 4 needs review, 4 error; 1 name-only")
    assert len(DecisionLog(tmp_path / "home" / "decisions.sqlite")) == len(DECIDED)


def test_cli_exits_non_zero_when_the_run_cannot_proceed(store: Path, tmp_path: Path) -> None:
    from eligibility._cli_screen import screen_command

    bad = tmp_path / "bad.csv"
    bad.write_text("x;y\n1;2\n", encoding="utf-8")
    result = CliRunner().invoke(screen_command, [str(bad), "--as-of", "2026-11-23", "--out", str(tmp_path / "out"),
                                                 "--offline", "--store", str(store), "--log", str(tmp_path / "l.sqlite")])
    assert result.exit_code == 3
    assert "no header found" in result.stderr
    result = CliRunner().invoke(screen_command, [str(LIST), "--as-of", "2026-11-23", "--out", str(tmp_path / "out2"),
                                                 "--offline", "--store", str(tmp_path / "nowhere"),
                                                 "--log", str(tmp_path / "l.sqlite")])
    assert result.exit_code == 3 and "no evidence store at" in result.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    result = CliRunner().invoke(screen_command, [str(LIST), "--as-of", "2026-11-23", "--out", str(tmp_path / "out3"),
                                                 "--offline", "--store", str(store), "--previous", str(empty),
                                                 "--log", str(tmp_path / "l.sqlite")])
    assert result.exit_code == 3 and "cannot read results.csv" in result.stderr
    assert len(DecisionLog(tmp_path / "l.sqlite")) == 0  # stopped before deciding anything



_texts = st.text(st.characters(codec="utf-8"), max_size=12)
_json = st.recursive(st.none() | st.booleans() | st.integers() | _texts,
                     lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_texts, inner, max_size=3), max_leaves=8)


@given(error=st.none() | _texts, input_=st.dictionaries(_texts, _json, max_size=4), line=st.integers(1, 10**6),
       link=st.sampled_from(["kvk", "name-only", ""]), log_id=st.none() | _texts,
       name_matches=st.lists(_texts, max_size=3),
       decision=st.none() | st.dictionaries(_texts, _json, max_size=3),
       override=st.sampled_from([("", None, ""), ("eligible (was not_eligible): why", "eligible", ""),
                                 ("", None, "record r (decision date 2026-01-01): ...")]))
def test_a_decisions_jsonl_line_put_together_from_pieces_is_the_canonical_json_of_the_whole(
        error: str | None, input_: dict[str, Any], line: int, link: str, log_id: str | None,
        name_matches: list[str], decision: dict[str, Any] | None, override: tuple[str, str | None, str]) -> None:
    """The worker serialises a row's members once (``jsonl_fields``); the parent only joins them
    with the decision bytes, the log record id and what overrides show: the same bytes as serialising
    the whole row."""
    from eligibility._screen._outputs import ROW_SCHEMA, RowOverride, jsonl_joined, jsonl_line
    from eligibility._screen._results import jsonl_fields

    result = {"error": error, "input": input_, "line": line, "link": link, "name_matches": name_matches, "verdict": "x",
              "notes": ["unused"]}
    decision_json = None if decision is None else canonical_json(decision)
    text, verdict, earlier = override
    shown = RowOverride(text, verdict, earlier)
    member = None if not (text or earlier) else {"earlier": earlier or None, "in_force": text or None, "verdict": verdict}
    whole = canonical_json({"decision": decision, "error": error, "input": input_, "line": line, "link": link,
                            "log_id": log_id, "name_matches": name_matches, "override": member,
                            "schema": ROW_SCHEMA}) + b"\n"
    assert jsonl_joined(jsonl_fields(result), log_id, decision_json, shown) == whole
    assert jsonl_line(result, log_id, decision_json, shown) == whole


def test_prepare_reads_the_batch_registers_once_and_changes_no_dossier(store: Path) -> None:
    """``RegisterSource.prepare`` reads every register a batch reads for all rows, leaves no SQLite connection open
    (it runs before the workers fork), and every row's dossier and notes are what a source without it builds."""
    from eligibility._screen._lists import PartnerList

    rows = [row for row in PartnerList(LIST).rows() if isinstance(row, PartnerRow)]
    prepared = RegisterSource(store_dir=store, offline=True, now=START)
    prepared.prepare()
    assert {"sna", "sncu", "abu", "nbbu sitemap"} <= set(prepared._replay._bulk)
    assert prepared._store._reader is None
    for row in rows:
        fresh = RegisterSource(store_dir=store, offline=True, now=START).build(row)
        built = prepared.build(row)
        assert (built.dossier.canonical_json, built.problems) == (fresh.dossier.canonical_json, fresh.problems)


def test_the_run_prepares_its_source_before_the_workers_fork(store: Path, tmp_path: Path) -> None:
    """The workers inherit what ``prepare`` read: a worker's build sees the mark the parent's prepare left."""
    class Marking:
        def __init__(self) -> None:
            self.real = RegisterSource(store_dir=store, offline=True, now=START)
            self.prepared = False

        def prepare(self) -> None:
            self.real.prepare()
            self.prepared = True
            self.prepared_in = os.getpid()

        def build(self, row: PartnerRow, application: Any = None) -> Built:
            if not self.prepared:
                raise RuntimeError("built before prepare")
            return self.real.build(row, application)

    source = Marking()
    report = screen(options(tmp_path / "out", store, workers=2), source=source,
                    log=deterministic_log(tmp_path / "log.sqlite"), err=io.StringIO())
    assert source.prepared_in == os.getpid()  # in this process, the parent
    assert report.verdicts["error"] == len(ERRORS)
    assert not any("built before prepare" in row["error"] for row in read_csv(tmp_path / "out" / "results.csv"))


def test_a_prepare_that_fails_leaves_each_row_to_say_why(store: Path, tmp_path: Path) -> None:
    class Broken:
        def prepare(self) -> None:
            raise OSError("store unreadable")

        def build(self, row: PartnerRow, application: Any = None) -> Built:
            raise OSError("store unreadable")

    err = io.StringIO()
    report = screen(options(tmp_path / "out", store), source=Broken(), log=deterministic_log(tmp_path / "log.sqlite"),
                    err=err)
    assert err.getvalue().splitlines()[0] == ("screen: reading the registers before the workers start failed "
                                              "(OSError: store unreadable); each worker reads them itself")
    rows = read_csv(tmp_path / "out" / "results.csv")
    assert [int(r["row"]) for r in rows] == LINES
    assert report.verdicts["error"] == len(LINES)
    assert {r["error"] for r in rows if int(r["row"]) in DECIDED} == {"could not be screened: OSError: store unreadable"}


def test_a_finished_run_run_again_does_not_prepare(store: Path, tmp_path: Path) -> None:
    """Reading the registers (seconds on a register of realistic size) is for rows left to decide: a work directory
    whose rows are all done rewrites its outputs without it."""
    class Counting:
        def __init__(self) -> None:
            self.real = RegisterSource(store_dir=store, offline=True, now=START)
            self.prepared = 0

        def prepare(self) -> None:
            self.prepared += 1
            self.real.prepare()

        def build(self, row: PartnerRow, application: Any = None) -> Built:
            return self.real.build(row, application)

    source = Counting()
    for _ in range(2):
        report = screen(options(tmp_path / "out", store), source=source, log=deterministic_log(tmp_path / "log.sqlite"),
                        err=io.StringIO())
    assert source.prepared == 1
    assert report.resumed == len(LINES) and report.computed == 0
