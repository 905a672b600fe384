"""A screening run: every row of a list -> dossier -> decision -> state and decision log -> outputs.

- **Once per run**: the rule pack is loaded and compiled (``CompiledPack``), and offline the
  registers every row reads are read and indexed (``RegisterSource.prepare``), before any worker
  starts; forked workers share both.
- **Parallel**: rows go to ``workers`` processes in chunks (``multiprocessing``, fork); results
  come back in input order (``imap``), so the log receives decisions in list order too. A live
  run (without ``--offline``) uses one process: the scrapers' politeness (one request per host
  per second) holds per process, and several processes would break it.
- **Resumable**: each chunk is committed to ``DIR/.state.sqlite`` and logged before the next
  one is; rows already in the state are skipped on a rerun. See ``_state`` for why no decision
  is logged twice across a crash.
- **Outputs** are written at the end from the state, in input order (``_outputs``): an
  interrupted and resumed run writes the same bytes as one that ran through. A run that
  decides every row itself writes decisions.jsonl as its rows commit (``DecisionsStream``),
  from the decision bytes it has just logged, instead of reading them all back at the end.
- **Never stops on a row**: a row that cannot be read, built or evaluated becomes an error row.
  What stops a run (``ScreenError``) is what makes every row impossible: no list, no pack, a
  work directory of another run, or a decision log that cannot be written (a decision that
  cannot be logged must not count, STYLE.md).
"""

from __future__ import annotations

import gc
import itertools
import json
import multiprocessing
import os
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Protocol, TextIO

from .._application import ApplicationError, ApplicationFolder
from .._canonical import sha256_hex
from .._dossier import Provenance
from .._errors import BeforePackError, EligibilityError, RuleError
from .._evaluate import CompiledPack, check_applies, evaluate
from .._facts import dutch_day_end
from .._log import DecisionLog, LogItem, LogRef, override_in_force
from .._pack import RulePack, load_pack
from ._compare import Comparison, PreviousRunError, load_previous
from ._dossiers import DossierSource, RegisterSource
from ._lists import BadRow, ListError, ListInfo, ListRow, PartnerList, PartnerRow, normalise_kvk
from ._outputs import (NO_OVERRIDE, DecisionNotInLog, DecisionsStream, OverrideLookup, RowOverride, RunFacts, Tally,
                       write_outputs)
from ._results import decided_result, error_result
from ._state import STATE_SCHEMA, Decided, RunState, StateMismatch

CHUNK_SIZE = 64
"""Rows per task sent to a worker."""

COMMIT_ROWS = 512
"""Rows per commit (state, then one log transaction): each log transaction costs a sync and a
WAL checkpoint, so few large ones are much faster than many small ones; a crash loses at most
this many decisions' work (never a logged decision)."""

RECOVERY_WINDOW = 10_000
"""Decision records searched at the log's end for a batch logged just before a crash."""

Checkpoint = Callable[[str, int], None]
"""Called as ``(stage, rows done)`` after "stored" and "logged" of each commit, and "committed"."""


class ScreenError(EligibilityError):
    """The run cannot proceed at all (as opposed to one row failing, which becomes an error row)."""


class LogLike(Protocol):
    """What the runner needs of ``DecisionLog`` (tests may pass a fake)."""

    def append_many(self, items: Iterable[LogItem], *, command: str, region: str | Path | None = None,
                    pack: RulePack | None = None) -> list[LogRef]: ...

    def entries(self, kind: str | None = None) -> Iterator[Any]: ...

    def decisions_at(self, places: Sequence[tuple[str, tuple[int, int]]]) -> list[bytes | None]: ...


@dataclass(frozen=True)
class ScreenOptions:
    """What ``eligibility screen`` was asked to do."""

    list_path: Path
    out_dir: Path
    as_of: date
    region: str | None = None
    pack_path: Path | None = None
    offline: bool = False
    store_dir: Path | None = None
    log_path: Path | None = None
    previous: Path | None = None
    applications: Path | None = None
    """A folder of application files (``_application``), attached to the rows by KvK number."""
    workers: int | None = None
    """None: ``os.cpu_count()``; live runs always use 1."""
    lang: str = "nl"
    chunk_size: int = CHUNK_SIZE
    commit_rows: int = COMMIT_ROWS
    verbose: bool = False
    progress: bool | None = None
    """None: a progress bar only when stderr is a terminal and not in CI."""


@dataclass
class ScreenReport:
    """What a finished run did: the CLI prints it as one line."""

    out_dir: Path
    rows: int
    computed: int
    resumed: int
    verdicts: dict[str, int]
    name_only: int
    changes: dict[str, int] | None
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def line(self) -> str:
        verdicts = ", ".join(f"{count} {verdict.replace('_', ' ')}" for verdict, count in self.verdicts.items())
        text = f"screened {self.rows} rows: {verdicts}; {self.name_only} name-only"
        if self.resumed:
            text += f"; {self.resumed} were done before the restart"
        if self.changes is not None:
            changed = ", ".join(f"{n} {kind.replace('_', ' ')}" for kind, n in self.changes.items() if n)
            text += f"; changes: {changed or 'none'}"
        return f"{text}; outputs in {self.out_dir}"


# --- the work done per row (in worker processes) ---------------------------------------------


@dataclass
class _Work:
    compiled: CompiledPack
    source: DossierSource
    applications: ApplicationFolder | None = None

    def one(self, row: ListRow) -> tuple[Decided, LogItem | None, float]:
        started = time.perf_counter()
        if isinstance(row, BadRow):
            return Decided.of(row.line, error_result(row, row.reason), None), None, 0.0
        try:
            application = self.applications.load(row.kvk_number) if self.applications and row.kvk_number else None
        except ApplicationError as exc:  # this partner's file, not the run: the row says why
            return Decided.of(row.line, error_result(row, exc.one_line()), None), None, time.perf_counter() - started
        try:
            built = self.source.build(row, application)
            decision = evaluate(built.dossier, self.compiled.pack, self.compiled.as_of, compiled=self.compiled)
            decision_json = decision.to_json()
            item = LogItem.of(decision, built.dossier, decision_json)
            result = decided_result(row, built.dossier, decision, built.problems)
        except Exception as exc:  # one row never stops the run (PRODUCT.md principle 7)
            reason = f"could not be screened: {type(exc).__name__}: {exc}"
            return Decided.of(row.line, error_result(row, reason), None), None, time.perf_counter() - started
        return Decided.of(row.line, result, decision_json), item, time.perf_counter() - started


_WORK: _Work | None = None
"""Set in the parent before the workers fork; they inherit it (the compiled pack is not pickled)."""


def _work_chunk(rows: list[ListRow]) -> list[tuple[Decided, LogItem | None, float]]:
    assert _WORK is not None, "worker started without its work"
    return [_WORK.one(row) for row in rows]


IN_FLIGHT_PER_WORKER = 4
"""Chunks handed out per worker and not yet consumed: bounds memory when logging is slower than deciding."""


@contextmanager
def _mapper(workers: int) -> Iterator[Callable[[Iterable[list[ListRow]]], Iterator[Any]]]:
    """``imap`` over a forked pool, or plain ``map`` in this process for one worker.

    ``imap`` keeps every finished result until it is consumed; a semaphore lets at most
    ``IN_FLIGHT_PER_WORKER`` chunks per worker be out at once, so memory does not grow with the list.
    """
    if workers <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        yield lambda chunks: map(_work_chunk, chunks)
        return
    slots = threading.BoundedSemaphore(workers * IN_FLIGHT_PER_WORKER)
    stopped = threading.Event()

    def handed_out(chunks: Iterable[list[ListRow]]) -> Iterator[list[ListRow]]:
        for chunk in chunks:
            while not slots.acquire(timeout=0.1):  # in the pool's feeder thread: wait for the parent
                if stopped.is_set():  # the run stopped: end the feed, or terminate() would wait forever
                    return
            yield chunk

    def results(chunks: Iterable[list[ListRow]]) -> Iterator[Any]:
        for result in pool.imap(_work_chunk, handed_out(chunks)):
            slots.release()
            yield result

    gc.collect()  # garbage left by reading the registers (bs4 trees are cycles) would be frozen for good
    gc.freeze()  # the forked workers' collector then skips the inherited heap (no copy-on-write storm)
    pool = multiprocessing.get_context("fork").Pool(workers)
    gc.unfreeze()
    try:
        yield results
        pool.close()
        pool.join()
    finally:
        stopped.set()
        pool.terminate()


def _chunks(rows: Iterable[ListRow], done: set[int], size: int) -> Iterator[list[ListRow]]:
    chunk: list[ListRow] = []
    for row in rows:
        if row.line in done:
            continue
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


# --- the run -----------------------------------------------------------------------------------


def screen(
    options: ScreenOptions,
    *,
    source: DossierSource | None = None,
    log: LogLike | None = None,
    checkpoint: Checkpoint | None = None,
    err: TextIO | None = None,
) -> ScreenReport:
    """Screen a list into ``options.out_dir``; resumes a run the directory already holds.

    ``source`` and ``log`` default to the registers (``RegisterSource``) and the decision log at
    ``options.log_path`` (default ``$ELIGIBILITY_HOME/decisions.sqlite``); ``checkpoint`` lets a
    test stop the run at a chosen point.
    """
    global _WORK
    err = err or sys.stderr
    started = time.perf_counter()
    pack = _load_pack(options)
    try:
        check_applies(pack, options.as_of)  # before the work directory is bound to this date
    except BeforePackError as exc:
        raise ScreenError(str(exc)) from exc
    partners = _open_list(options.list_path)
    applications = _applications(options)
    state = RunState(options.out_dir)
    try:
        run = _bind(state, options, pack, partners, applications)
        now = datetime.fromisoformat(run["started_at"])
        source = source if source is not None else _register_source(options, now, partners.info)
        log = log if log is not None else _open_log(options)
        comparison = _previous(options, pack)  # read before the work: a bad previous run stops us early
        _recover(state, log, err)
        compiled = CompiledPack(pack, options.as_of)
        done = state.done_lines()
        workers = _workers(options, err)
        progress = _progress(options, partners, len(done), err)
        computed = 0
        _WORK = _Work(compiled, source, applications)
        chunks = _chunks(partners.rows(), done, options.chunk_size)
        first = next(chunks, None)
        if first is not None:  # a finished run's work directory: nothing to read the registers for
            _prepare(source, err)
        stream = DecisionsStream(options.out_dir) if not done else None  # a resumed run quotes the log at the end
        overrides = _override_lookup(log)
        try:
            with _mapper(workers) as mapper:
                batch: list[tuple[Decided, LogItem | None, float]] = []
                for chunk in mapper(itertools.chain([first], chunks) if first is not None else iter(())):
                    batch.extend(chunk)
                    if progress is not None:
                        progress.update(len(chunk))
                    if len(batch) >= options.commit_rows:
                        computed += _commit(state, log, batch, options, pack, checkpoint, len(done) + computed, err,
                                            stream, overrides)
                        batch = []
                if batch:
                    computed += _commit(state, log, batch, options, pack, checkpoint, len(done) + computed, err, stream,
                                        overrides)
        finally:
            _WORK = None
            if stream is not None:
                stream.close()
            if progress is not None:
                progress.close()
        facts = _facts(options, pack, partners, applications)
        try:
            tally = write_outputs(
                options.out_dir, state.reader(), criteria=[rule.id for rule in pack.rules],
                facts=facts, lang=options.lang, comparison=comparison,
                overrides=overrides, decisions=log.decisions_at, decisions_streamed=stream is not None,
            )
        except DecisionNotInLog as exc:
            raise ScreenError(f"{exc}; the outputs were not written") from exc
    finally:
        state.close()
    return _report(options, tally, computed, len(done), comparison, facts.list_warnings, time.perf_counter() - started)


def _commit(state: RunState, log: LogLike, chunk: list[tuple[Decided, LogItem | None, float]], options: ScreenOptions,
            pack: RulePack, checkpoint: Checkpoint | None, before: int, err: TextIO,
            stream: DecisionsStream | None = None, overrides: OverrideLookup | None = None) -> int:
    """Store the rows, log their decisions in one transaction, then store their log record ids
    (and write their decisions.jsonl lines when the run streams them, with ``overrides``)."""
    state.add(decided for decided, _, _ in chunk)
    if checkpoint is not None:
        checkpoint("stored", before + len(chunk))
    logged = [(decided.line, item) for decided, item, _ in chunk if item is not None]
    log_ids = _log_chunk(state, log, logged, options, pack, checkpoint, before + len(chunk)) if logged else {}
    if stream is not None:
        shown = [NO_OVERRIDE] * len(chunk) if overrides is None else overrides(
            [(log_ids.get(decided.line), json.loads(decided.result_json)["input"]["kvk"]) for decided, _, _ in chunk])
        for (decided, item, _), override in zip(chunk, shown, strict=True):
            stream.add(decided.jsonl_fields, log_ids.get(decided.line), item.decision_json if item is not None else None,
                       override)
    if options.verbose:
        _log_lines(chunk, err)
    if checkpoint is not None:
        checkpoint("committed", before + len(chunk))
    return len(chunk)


def _log_chunk(state: RunState, log: LogLike, logged: list[tuple[int, LogItem]], options: ScreenOptions,
               pack: RulePack, checkpoint: Checkpoint | None, done: int) -> dict[int, str]:
    """Log the decisions of one chunk; returns each line's log record id."""
    try:
        refs = log.append_many([item for _, item in logged], command="screen", region=options.region, pack=pack)
    except EligibilityError as exc:
        raise ScreenError(f"decision log: {exc}. The decisions of this chunk do not count; run the same command "
                          "again to continue") from exc
    if checkpoint is not None:
        checkpoint("logged", done)
    placed = [(line, ref) for (line, _), ref in zip(logged, refs, strict=True)]
    state.set_log_ids((line, ref.record_id, ref.decision_at) for line, ref in placed)
    return {line: ref.record_id for line, ref in placed}


def _recover(state: RunState, log: LogLike, err: TextIO) -> None:
    """Rows decided but not known to be logged (a crash during or just after logging a chunk).

    If the log's latest decision records are exactly these decisions, the crash came after the
    log committed them: only their record ids are stored. Otherwise the log never got them: the
    rows are dropped from the state and decided again. The log is read from its start (its API
    offers no tail), which happens only after such a crash.
    """
    pending = state.unlogged()
    if not pending:
        return
    wanted = [row.decision_sha256 for row in pending]
    recent: deque[Any] = deque(maxlen=len(wanted) + RECOVERY_WINDOW)
    recent.extend(log.entries(kind="decision"))
    hashes = [sha256_hex(entry.decision_json) for entry in recent]
    for start in range(len(hashes) - len(wanted), -1, -1):
        if hashes[start:start + len(wanted)] == wanted:
            entries = [recent[start + i] for i in range(len(wanted))]
            state.set_log_ids((row.line, entry.record_id, entry.decision_at) for row, entry in zip(pending, entries, strict=True))
            err.write(f"resume: {len(pending)} decisions were logged before the interruption; their log records "
                      "are kept\n")
            return
    state.drop(row.line for row in pending)
    err.write(f"resume: {len(pending)} decisions were not logged before the interruption; deciding them again\n")


def _prepare(source: DossierSource, err: TextIO) -> None:
    """Let the source read what every row needs (``RegisterSource.prepare``) before the workers fork,
    so they share it. A failure here is no reason to stop: each row meets it again and becomes an
    error row saying why, as without this step; one line says that the workers read for themselves."""
    prepare = getattr(source, "prepare", None)  # a test's source may have none
    if prepare is None:
        return
    try:
        prepare()
    except Exception as exc:  # noqa: BLE001 - see the docstring: the rows report it
        err.write(f"screen: reading the registers before the workers start failed ({type(exc).__name__}: {exc}); "
                  "each worker reads them itself\n")


def _load_pack(options: ScreenOptions) -> RulePack:
    try:
        return load_pack(options.pack_path, region=options.region)
    except RuleError as exc:
        raise ScreenError(str(exc)) from exc


def _open_list(path: Path) -> PartnerList:
    try:
        return PartnerList(path)
    except ListError as exc:
        raise ScreenError(f"list {exc}") from exc


def _applications(options: ScreenOptions) -> ApplicationFolder | None:
    if options.applications is None:
        return None
    try:
        return ApplicationFolder.read(options.applications)
    except (ApplicationError, OSError) as exc:
        raise ScreenError(f"applications: {exc}") from exc


def _application_warnings(applications: ApplicationFolder | None, partners: PartnerList) -> list[str]:
    """Files ignored, and applications for KvK numbers the list does not hold (likely a typo)."""
    if applications is None:
        return []
    numbers = (row.kvk_number for row in partners.rows() if isinstance(row, PartnerRow) and row.kvk_number)
    unmatched = applications.unmatched(numbers)
    return applications.warnings + ([f"applications: no row of the list has the KvK number of {', '.join(unmatched)}"]
                                    if unmatched else [])


def _bind(state: RunState, options: ScreenOptions, pack: RulePack, partners: PartnerList,
          applications: ApplicationFolder | None) -> dict[str, str]:
    """The run's identity: a work directory resumes only the run it was started for (and with the
    same application files, when there are any)."""
    identity = {
        "list_sha256": partners.info.sha256,
        "as_of": options.as_of.isoformat(),
        "pack": f"{pack.id} {pack.version}",
        "pack_hash": pack.pack_hash,
        "region": options.region or "",
        "mode": "offline" if options.offline else "live",
        "store": str(options.store_dir.resolve()) if options.store_dir else "",
        "state": STATE_SCHEMA,
    }
    if applications is not None:
        identity["applications"] = applications.digest
    try:
        return state.bind(identity, {"started_at": _clock().isoformat(timespec="seconds")})
    except StateMismatch as exc:
        raise ScreenError(f"{options.out_dir} holds another screening run ({exc}): use another --out, or remove "
                          f"{state.path} to start over") from exc


def _clock() -> datetime:
    """The moment a new run starts (kept in its state; a resumed run keeps it). Tests fix it."""
    return datetime.now(UTC)


def _register_source(options: ScreenOptions, now: datetime, info: ListInfo) -> RegisterSource:
    from scrapers._config import ScraperConfig
    from scrapers._store import not_a_store

    config = ScraperConfig.from_env()
    store_dir = options.store_dir or config.evidence_dir
    if options.offline and (missing := not_a_store(store_dir)) is not None:
        raise ScreenError(missing)
    listed = Provenance(source="list", url=info.path.name, sha256=info.sha256, retrieved_at=now)
    return RegisterSource(store_dir=store_dir, offline=options.offline, now=now, config=config, list_provenance=listed,
                          read_before=dutch_day_end(options.as_of))


def _open_log(options: ScreenOptions) -> DecisionLog:
    from .._log import default_log_path

    try:
        return DecisionLog(options.log_path or default_log_path())
    except EligibilityError as exc:
        raise ScreenError(f"decision log: {exc}") from exc


def _workers(options: ScreenOptions, err: TextIO) -> int:
    wanted = options.workers if options.workers is not None else (os.cpu_count() or 1)
    if not options.offline and wanted > 1:
        if options.workers is not None:
            err.write("screen: a live run uses one process, so the registers are read politely "
                      "(one request per host per second); use --offline after 'registers refresh' for speed\n")
        return 1
    return max(1, wanted)


def _progress(options: ScreenOptions, partners: PartnerList, done: int, err: TextIO) -> Any:
    """A tqdm bar on a terminal only: not in CI logs, not in a pipe."""
    show = options.progress
    if show is None:
        show = err.isatty() and not os.environ.get("CI")
    if not show:
        return None
    from tqdm import tqdm

    tqdm.monitor_interval = 0  # no monitor thread: workers are forked
    total = sum(1 for _ in partners.rows())
    return tqdm(total=total, initial=done, unit="row", file=err, desc="screen", dynamic_ncols=True)


def _log_lines(chunk: list[tuple[Decided, LogItem | None, float]], err: TextIO) -> None:
    """One structured line per partner on stderr (``--verbose``): the operational log, not the audit log."""
    for decided, _, seconds in chunk:
        result = json.loads(decided.result_json)
        err.write(json.dumps({"event": "screened", "line": decided.line, "kvk": result["input"]["kvk"],
                              "link": result["link"], "verdict": result["verdict"], "error": result["error"],
                              "ms": round(seconds * 1000, 1)}, ensure_ascii=False) + "\n")


def _previous(options: ScreenOptions, pack: RulePack) -> Comparison | None:
    if options.previous is None:
        return None
    try:
        return load_previous(options.previous, [rule.id for rule in pack.rules])
    except PreviousRunError as exc:
        raise ScreenError(str(exc)) from exc


def _override_lookup(log: LogLike) -> OverrideLookup | None:
    """What every output shows of approved overrides, read from the log once, as the run starts (so all
    outputs agree); None when the log holds none (a log without ``all_overrides`` and ``get``: a test's).

    A row shows the override in force for its own decision, and else the latest approved override of
    an earlier decision about the same KvK number: never applied (the evidence may have changed, and
    an override answers one decision), but shown, so an officer who overrode last month sees it.
    """
    every, get = getattr(log, "all_overrides", None), getattr(log, "get", None)
    if every is None or get is None:
        return None
    in_force = {decision_id: override for decision_id, overrides in every().items()
                if (override := override_in_force(overrides)) is not None}
    if not in_force:
        return None
    own = {decision_id: _override_cell(override) for decision_id, override in in_force.items()}
    by_number: dict[str, str] = {}  # the latest approval per KvK number wins
    for decision_id, override in sorted(in_force.items(), key=lambda item: item[1].approved_seq or 0):
        decision = get(decision_id)
        number = decision.record["decision"]["partner"].get("kvk_number")
        if number:
            by_number[number] = f"record {decision_id} (decision date {decision.as_of}): {own[decision_id]}"

    def lookup(rows: Sequence[tuple[str | None, str | None]]) -> list[RowOverride]:
        shown = []
        for log_id, kvk in rows:
            override = in_force.get(log_id or "")
            if override is not None:
                shown.append(RowOverride(own[log_id or ""], override.verdict.value))
                continue
            earlier = by_number.get(normalise_kvk(kvk)[0] or "") if kvk else None
            shown.append(RowOverride(earlier=earlier) if earlier is not None else NO_OVERRIDE)
        return shown

    return lookup


def _override_cell(override: Any) -> str:
    return (f"{override.verdict.value} (was {override.automatic_verdict.value}): {override.justification}; "
            f"{override.citation}; requested by {override.officer}, approved by {override.approver}; record "
            f"{override.override_id}")


def _facts(options: ScreenOptions, pack: RulePack, partners: PartnerList,
           applications: ApplicationFolder | None) -> RunFacts:
    info = partners.info
    return RunFacts(
        list_name=info.path.name, list_sha256=info.sha256, list_format=info.format, list_encoding=info.encoding,
        list_delimiter=info.delimiter, list_columns=dict(info.columns),
        list_warnings=list(info.warnings) + _application_warnings(applications, partners),
        applications=(f"{applications.directory.name}: {len(applications.files)} file(s), sha256 {applications.digest}"
                      if applications is not None else None),
        as_of=options.as_of.isoformat(), pack=f"{pack.id} {pack.version}", pack_sha256=pack.pack_hash,
        region=options.region, mode="offline (evidence store)" if options.offline else "live registers",
        lang=options.lang, previous=options.previous.name if options.previous else None,
    )


def _report(options: ScreenOptions, tally: Tally, computed: int, resumed: int, comparison: Comparison | None,
            warnings: list[str], seconds: float) -> ScreenReport:
    return ScreenReport(
        out_dir=options.out_dir, rows=tally.rows, computed=computed, resumed=resumed, verdicts=dict(tally.verdicts),
        name_only=tally.name_only, changes=dict(comparison.counts) if comparison is not None else None,
        warnings=list(warnings), seconds=seconds,
    )


__all__ = ["CHUNK_SIZE", "Checkpoint", "PartnerRow", "ScreenError", "ScreenOptions", "ScreenReport", "screen"]
