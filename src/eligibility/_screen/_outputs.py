"""The outputs of a screening run, written from the state in input order, in one pass.

- ``results.csv`` / ``results.xlsx``: one row per input row (``RESULT_COLUMNS``);
- ``decisions.jsonl``: one line per input row, canonical JSON: the full decision (the exact
  object the log holds) with the row, what the list gave, the link method and the log id;
  error rows carry ``decision: null`` and the error;
- ``summary.html``: counts per verdict and per criterion with bars, what changed since
  ``--previous``, and a sortable table; self-contained (no network: inline CSS and JS);
- ``changes.csv`` with ``--previous``.

Nothing here reads the clock or the output directory's path, so the same state gives the same
bytes. Every file is written under a temporary name and renamed when complete.
"""

from __future__ import annotations

import csv
import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import IO, Any

from .._canonical import canonical_json, sha256_hex
from .._errors import EligibilityError
from ._compare import CHANGE_COLUMNS, CHANGE_KINDS, Change, Comparison
from ._results import ERROR, LINK_NAME_ONLY, REGISTERS, jsonl_fields
from ._state import StoredRow
from ._xlsx import STYLE_BAD, STYLE_ERROR, STYLE_GOOD, STYLE_HEADER, STYLE_PLAIN, STYLE_REVIEW, XlsxWriter

ROW_SCHEMA = "eligibility.screen-row/3"
"""/2: each row says whether an approved override is in force for its decision or an earlier one (``override``).
/3: each row lists the register records linked to the partner by name only (``name_matches``)."""
VERDICTS = ("eligible", "not_eligible", "needs_review", ERROR)
HTML_TABLE_LIMIT = 5_000
"""Rows in the summary's table; a longer list shows the rows needing attention first, and says so."""

@dataclass(frozen=True)
class RowOverride:
    """What the decision log says about overriding one row's decision: shown in every output."""

    text: str = ""
    """The approved override in force for this decision, as one cell ("" for none)."""
    verdict: str | None = None
    """Its verdict: the verdict in force. None: no override, the automatic verdict is in force."""
    earlier: str = ""
    """The approved override of an earlier decision about the same KvK number: shown, never applied (the
    evidence may have changed since); an officer decides whether to override this decision too."""

    def as_json(self) -> bytes:
        """The row's ``override`` member in decisions.jsonl (null for none)."""
        if not (self.text or self.earlier):
            return b"null"
        return canonical_json({"earlier": self.earlier or None, "in_force": self.text or None, "verdict": self.verdict})


NO_OVERRIDE = RowOverride()

OverrideLookup = Callable[[Sequence[tuple[str | None, str | None]]], list[RowOverride]]
"""(log record id, KvK number) of each row -> what to show about overrides, row for row."""

_FORMULA_START = tuple("=+-@\t\r")
_VERDICT_STYLE = {"eligible": STYLE_GOOD, "not_eligible": STYLE_BAD, "needs_review": STYLE_REVIEW, ERROR: STYLE_ERROR}
_OUTCOME_STYLE = {"pass": STYLE_GOOD, "fail": STYLE_BAD, "unknown": STYLE_REVIEW}
_ATTENTION = {ERROR: 0, "not_eligible": 1, "needs_review": 2, "eligible": 3}


VERDICT_COLUMN = 7
"""Index of ``verdict`` in ``result_columns``: ``verdict_in_force`` and the criteria follow it."""


def result_columns(criteria: Sequence[str]) -> list[str]:
    """The header of results.csv and results.xlsx."""
    return ["row", "name", "kvk", "roles", "place", "link", "registered_name", "verdict", "verdict_in_force",
            *criteria, "main_reason", *(f"evidence_{register}" for register in REGISTERS), "name_matches",
            "housing_locations", "notes", "error", "override", "earlier_override", "log_id"]


def result_cells(row: StoredRow, criteria: Sequence[str], lang: str,
                 override: RowOverride = NO_OVERRIDE) -> list[str | int | None]:
    result = row.result
    given = result["input"]
    outcomes = result["outcomes"]
    evidence = result["evidence"]
    return [
        result["line"], given["name"], given["kvk"], given["roles"], given["place"], result["link"],
        result["registered_name"], result["verdict"], override.verdict or result["verdict"],
        *(outcomes.get(c, "") for c in criteria), result["reason"].get(lang, ""),
        *(evidence.get(r, "") for r in REGISTERS), " | ".join(result["name_matches"]), " | ".join(given["housing"]),
        " | ".join(result["notes"]), result["error"], override.text, override.earlier, row.log_id,
    ]


DecisionReader = Callable[[Sequence[tuple[str, tuple[int, int]]]], list[bytes | None]]
"""(log record id, place of the decision in it) -> the decision's bytes (``DecisionLog.decisions_at``)."""


class DecisionNotInLog(EligibilityError):
    """A decided row whose decision the log no longer holds as it was made."""


def quoted_decisions(rows: Sequence[StoredRow], read: DecisionReader) -> list[bytes | None]:
    """Each row's decision as the log holds it, checked against the hash the row was stored with."""
    wanted: list[tuple[str, tuple[int, int]]] = []
    for row in rows:
        if row.decision_sha256 is not None:
            if row.log_id is None or row.decision_at is None:
                raise DecisionNotInLog(f"row {row.line}: its decision has no place in the decision log")
            wanted.append((row.log_id, row.decision_at))
    found = iter(read(wanted) if wanted else [])
    decisions: list[bytes | None] = []
    for row in rows:
        if row.decision_sha256 is None:
            decisions.append(None)
            continue
        decision = next(found)
        if decision is None or sha256_hex(decision) != row.decision_sha256:
            raise DecisionNotInLog(f"row {row.line}: the decision log record {row.log_id} no longer holds the decision "
                                   "made for it (missing, or its hash differs): run 'eligibility audit verify'")
        decisions.append(decision)
    return decisions


def jsonl_line(result: dict[str, Any], log_id: str | None, decision: bytes | None,
               override: RowOverride = NO_OVERRIDE) -> bytes:
    """Canonical JSON of the row's envelope, its decision embedded byte for byte as logged."""
    return jsonl_joined(jsonl_fields(result), log_id, decision, override)


def jsonl_joined(fields: tuple[bytes, bytes], log_id: str | None, decision: bytes | None,
                 override: RowOverride = NO_OVERRIDE) -> bytes:
    """``jsonl_line`` from the row's other members made earlier (``_results.jsonl_fields``).

    The keys sort as ``decision`` < ``error``, ``input``, ``line``, ``link`` < ``log_id`` <
    ``name_matches`` < ``override`` < ``schema``, so the pieces are put side by side without parsing
    anything again; the result is canonical JSON all the same (a test compares it with
    ``canonical_json`` of the whole).
    """
    head, name_matches = fields
    return b"".join((b'{"decision":', decision if decision is not None else b"null", b",", head, b',"log_id":',
                     canonical_json(log_id), b',"name_matches":', name_matches, b',"override":', override.as_json(),
                     _JSONL_TAIL))


_JSONL_TAIL = b',"schema":' + canonical_json(ROW_SCHEMA) + b"}\n"


class DecisionsStream:
    """decisions.jsonl written while a run goes, for a run that decides every row itself.

    Rows are committed in input order, each decision in hand as the bytes just logged, so the
    file is complete when the last row is; the end of the run then need not read 100,000
    decisions back from the log. A resumed run (some rows decided before) writes the file at the
    end from the log instead, quoting each decision checked against its hash; a test checks the
    two ways give the same bytes. Written under the temporary name ``write_outputs`` renames.
    """

    def __init__(self, out_dir: Path) -> None:
        self.path = _Atomic.temporary(out_dir, "decisions.jsonl")
        self._handle = self.path.open("wb")

    def add(self, fields: tuple[bytes, bytes], log_id: str | None, decision: bytes | None,
            override: RowOverride = NO_OVERRIDE) -> None:
        """Write one row: its ``_results.jsonl_fields``, log record id, decision bytes and overrides."""
        self._handle.write(jsonl_joined(fields, log_id, decision, override))

    def close(self) -> None:
        self._handle.close()


def _csv_safe(value: str | int | None) -> str:
    """Text a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``) gets a leading quote."""
    if value is None:
        return ""
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


@dataclass
class Tally:
    """What the summary counts while the rows stream past."""

    criteria: list[str]
    rows: int = 0
    verdicts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(VERDICTS, 0))
    failing: dict[str, int] = field(default_factory=dict)
    unknown: dict[str, int] = field(default_factory=dict)
    name_only: int = 0
    name_matched: int = 0
    overridden: int = 0
    earlier_overrides: int = 0
    table: list[dict[str, Any]] = field(default_factory=list)
    table_dropped: int = 0

    def add(self, row: StoredRow, lang: str, override: RowOverride = NO_OVERRIDE) -> None:
        result = row.result
        self.rows += 1
        self.verdicts[result["verdict"]] = self.verdicts.get(result["verdict"], 0) + 1
        for criterion, outcome in result["outcomes"].items():
            if outcome == "fail":
                self.failing[criterion] = self.failing.get(criterion, 0) + 1
            elif outcome == "unknown":
                self.unknown[criterion] = self.unknown.get(criterion, 0) + 1
        self.name_only += result["link"] == LINK_NAME_ONLY
        self.name_matched += bool(result["name_matches"])
        self.overridden += bool(override.text)
        self.earlier_overrides += bool(override.earlier)
        earlier = {"nl": "eerder besluit, niet toegepast", "en": "earlier decision, not applied"}[lang]
        entry = {"line": result["line"], "name": result["input"]["name"] or "", "kvk": result["input"]["kvk"] or "",
                 "roles": result["input"]["roles"] or "", "link": result["link"], "verdict": result["verdict"],
                 "reason": result["error"] or result["reason"].get(lang, ""),
                 "name_matches": " | ".join(result["name_matches"]),
                 "override": override.text or (f"{earlier}: {override.earlier}" if override.earlier else "")}
        self._keep(entry)

    def _keep(self, entry: dict[str, Any]) -> None:
        """Keep at most HTML_TABLE_LIMIT rows, those needing attention first (then input order)."""
        self.table.append(entry)
        if len(self.table) > 2 * HTML_TABLE_LIMIT:
            self._trim()

    def _trim(self) -> None:
        if len(self.table) <= HTML_TABLE_LIMIT:
            return
        self.table.sort(key=_attention)
        self.table_dropped += len(self.table) - HTML_TABLE_LIMIT
        del self.table[HTML_TABLE_LIMIT:]

    def finish(self) -> None:
        self._trim()
        self.table.sort(key=lambda e: e["line"])


def _attention(entry: dict[str, Any]) -> tuple[int, int, int]:
    return (_ATTENTION.get(entry["verdict"], 9), 0 if entry["link"] == LINK_NAME_ONLY else 1, entry["line"])


@dataclass(frozen=True)
class RunFacts:
    """What the summary says about the run (nothing machine- or time-specific)."""

    list_name: str
    list_sha256: str
    list_format: str
    list_encoding: str
    list_delimiter: str | None
    list_columns: dict[str, str]
    list_warnings: list[str]
    as_of: str
    pack: str
    pack_sha256: str
    region: str | None
    mode: str
    lang: str
    previous: str | None
    applications: str | None = None
    """The application folder's name, file count and digest, when the run had one."""


def _batches(rows: Iterable[StoredRow], size: int) -> Iterator[list[StoredRow]]:
    batch: list[StoredRow] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


class _Atomic:
    """Files written under ``.name.tmp`` and renamed into place when every output is complete."""

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = out_dir
        self.paths: list[tuple[Path, Path]] = []

    def path(self, name: str) -> Path:
        temporary = self.temporary(self.out_dir, name)
        self.paths.append((temporary, self.out_dir / name))
        return temporary

    @staticmethod
    def temporary(out_dir: Path, name: str) -> Path:
        return out_dir / f".{name}.tmp"

    def commit(self) -> None:
        for temporary, final in self.paths:
            os.replace(temporary, final)

    def abandon(self) -> None:
        for temporary, _ in self.paths:
            temporary.unlink(missing_ok=True)


def write_outputs(
    out_dir: Path,
    rows: Callable[[], Iterable[StoredRow]],
    *,
    criteria: Sequence[str],
    facts: RunFacts,
    lang: str,
    comparison: Comparison | None = None,
    decisions: DecisionReader,
    overrides: OverrideLookup | None = None,
    decisions_streamed: bool = False,
    parallel: bool = True,
) -> Tally:
    """Write every output from the stored rows (``rows()`` streams them in input order); returns the counts.

    ``decisions_streamed``: decisions.jsonl was written during the run (``DecisionsStream``) and
    is complete; otherwise it is written here, each decision quoted from the log (``decisions``).
    With ``parallel`` (and where processes can fork), results.xlsx is written by a second
    process while this one writes the rest: a list of 100,000 rows otherwise keeps one core idle
    for many seconds. Both ways write the same bytes (a test checks).
    """
    columns = result_columns(criteria)
    tally = Tally(list(criteria))
    files = _Atomic(out_dir)
    xlsx_path = files.path("results.xlsx")
    jsonl_path = files.path("decisions.jsonl")
    try:
        def sheet() -> None:
            _write_xlsx(xlsx_path, rows(), columns, criteria, lang, overrides)

        with _alongside(sheet, parallel) as sheet_done:
            with ExitStack() as stack:
                csv_handle: IO[str] = stack.enter_context(files.path("results.csv").open("w", encoding="utf-8", newline=""))
                results_csv = csv.writer(csv_handle)
                results_csv.writerow(columns)
                jsonl = None if decisions_streamed else stack.enter_context(jsonl_path.open("wb"))
                for batch in _batches(rows(), 1_000):
                    quoted = quoted_decisions(batch, decisions) if jsonl is not None else ()
                    for index, (row, override) in enumerate(_with_overrides(batch, overrides)):
                        results_csv.writerow([_csv_safe(c) for c in result_cells(row, criteria, lang, override)])
                        if jsonl is not None:
                            jsonl.write(jsonl_line(row.result, row.log_id, quoted[index], override))
                        tally.add(row, lang, override)
                        if comparison is not None:
                            comparison.feed(row.result, override.verdict)
            sheet_done()
        tally.finish()
        if comparison is not None:
            comparison.finish()
            with files.path("changes.csv").open("w", encoding="utf-8", newline="") as handle:
                writer = csv.writer(handle)
                writer.writerow(CHANGE_COLUMNS)
                for change in comparison.changes:
                    writer.writerow([_csv_safe(c) for c in change.as_row()])
        files.path("summary.html").write_text(render_summary(tally, facts, comparison), encoding="utf-8")
    except BaseException:
        files.abandon()
        raise
    files.commit()
    return tally


def _write_xlsx(path: Path, rows: Iterable[StoredRow], columns: list[str], criteria: Sequence[str],
                lang: str, overrides: OverrideLookup | None) -> None:
    """results.xlsx: the cells of results.csv, verdicts and outcomes coloured."""
    xlsx = XlsxWriter(path, "results", _widths(columns, criteria))
    try:
        xlsx.row(columns, STYLE_HEADER)
        for batch in _batches(rows, 1_000):
            for row, override in _with_overrides(batch, overrides):
                cells = result_cells(row, criteria, lang, override)
                xlsx.row(cells, _styles(cells, len(criteria)))
    except BaseException:
        xlsx.abandon()
        raise
    xlsx.close()


def _with_overrides(batch: list[StoredRow], overrides: OverrideLookup | None) -> list[tuple[StoredRow, RowOverride]]:
    """Each row of a batch with what to show of overrides, looked up at once."""
    if overrides is None:
        return [(row, NO_OVERRIDE) for row in batch]
    return list(zip(batch, overrides([(row.log_id, row.result["input"]["kvk"]) for row in batch]), strict=True))


class OutputProcessError(EligibilityError):
    """The process writing results.xlsx failed."""


@contextmanager
def _alongside(work: Callable[[], None], parallel: bool) -> Iterator[Callable[[], None]]:
    """Run ``work`` in a forked process while the caller goes on; the yielded function waits for
    it and raises what it raised. Without ``parallel`` or fork, ``work`` runs when waited for."""
    can_fork = "fork" in multiprocessing.get_all_start_methods() and not multiprocessing.current_process().daemon
    if not parallel or not can_fork:
        yield work
        return
    receive, send = multiprocessing.get_context("fork").Pipe(duplex=False)

    def child() -> None:
        try:
            work()
        except BaseException as exc:  # reported to the parent, which stops the outputs
            send.send(f"{type(exc).__name__}: {exc}")
            raise SystemExit(1) from None
        send.send(None)

    process = multiprocessing.get_context("fork").Process(target=child, name="screen-xlsx", daemon=True)
    process.start()
    send.close()
    waited = False

    def wait() -> None:
        nonlocal waited
        waited = True
        try:
            failure = receive.recv()
        except EOFError:
            failure = "it ended without a word"
        process.join()
        if failure is not None or process.exitcode != 0:
            raise OutputProcessError(f"writing results.xlsx failed: {failure or process.exitcode}")

    try:
        yield wait
    finally:
        if not waited:
            process.terminate()
            process.join()
        receive.close()


def _styles(cells: Sequence[Any], criteria: int) -> list[int]:
    """Verdict and criterion cells coloured by outcome; the rest plain."""
    styles = [STYLE_PLAIN] * len(cells)
    for index in (VERDICT_COLUMN, VERDICT_COLUMN + 1):  # the automatic verdict and the verdict in force
        styles[index] = _VERDICT_STYLE.get(str(cells[index]), STYLE_PLAIN)
    for index in range(VERDICT_COLUMN + 2, VERDICT_COLUMN + 2 + criteria):
        styles[index] = _OUTCOME_STYLE.get(str(cells[index]), STYLE_PLAIN)
    return styles


def _widths(columns: Sequence[str], criteria: Sequence[str]) -> list[float]:
    wide = {"name": 32, "registered_name": 28, "main_reason": 60, "name_matches": 30, "housing_locations": 30,
            "notes": 50, "error": 40, "override": 30, "earlier_override": 30, "log_id": 20, "roles": 20, "place": 14}
    return [wide.get(c, 14 if c in criteria else 11) for c in columns]


def render_summary(tally: Tally, facts: RunFacts, comparison: Comparison | None) -> str:
    """summary.html from the template beside this module (jinja2, autoescaped)."""
    import jinja2

    source = resources.files(__package__).joinpath("summary.html.j2").read_text(encoding="utf-8")
    environment = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    template = environment.from_string(source)
    decided = tally.rows - tally.verdicts.get(ERROR, 0)
    criteria: list[dict[str, Any]] = [{"id": c, "fail": tally.failing.get(c, 0), "unknown": tally.unknown.get(c, 0)}
                                      for c in tally.criteria]
    changes: list[Change] = comparison.changes[:HTML_TABLE_LIMIT] if comparison is not None else []
    return template.render(
        facts=facts, tally=tally, decided=decided, criteria=criteria, verdicts=VERDICTS,
        most=max([*tally.verdicts.values(), 1]), most_criterion=max([*(c["fail"] + c["unknown"] for c in criteria), 1]),
        comparison=comparison, change_kinds=CHANGE_KINDS, changes=changes,
        changes_dropped=(len(comparison.changes) - len(changes)) if comparison is not None else 0,
        table_limit=HTML_TABLE_LIMIT,
    )
