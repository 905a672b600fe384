"""The work directory's state: one SQLite row per input row, so a killed run resumes.

``DIR/.state.sqlite`` holds what identifies the run (list hash, decision date, rule pack, mode)
and, per input row, its output row, the hash of its decision and where the decision log keeps
that decision (record id, and the decision's place in the record). The decision itself is
stored once, in the log; outputs written from this table quote it from there, checked against
the hash (a run that decided every row itself has written decisions.jsonl as it went). Outputs are
written at the end *from this table, in input order*, so an interrupted and resumed run writes
the same bytes as one that ran through.

The decision log is another database, so a row's state and its log record cannot be committed
together. The order is: (1) the rows and their decisions' hashes are committed here with no log
id; (2) the log appends them in one transaction; (3) the log ids are committed here. A crash
after (1) leaves rows "decided, not known to be logged": on resume ``Runner`` asks the log whether
those decisions are its latest records (the crash fell between 2 and 3) and then only records
the ids; otherwise it drops and recomputes them. So no decision is logged twice.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .._canonical import canonical_json, sha256_hex
from ._results import jsonl_fields

STATE_FILE = ".state.sqlite"
STATE_SCHEMA = "eligibility.screen-state/2"
"""Part of a run's identity: a work directory of an older layout is refused, not misread."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS run (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS rows (
    line INTEGER PRIMARY KEY,
    result TEXT NOT NULL,
    decision_sha256 TEXT,
    log_id TEXT,
    decision_offset INTEGER,
    decision_length INTEGER
);
"""


_COLUMNS = "line, result, decision_sha256, log_id, decision_offset, decision_length"


class StateMismatch(Exception):
    """The work directory holds a run of another list, date, pack or mode."""


@dataclass(frozen=True, slots=True)
class Decided:
    """One row ready to store: made in a worker process, so the parent only writes."""

    line: int
    result_json: str
    """Canonical JSON of the output row (``_results``)."""
    decision_sha256: str | None
    """Of the decision's canonical JSON; None for an error row."""
    jsonl_fields: tuple[bytes, bytes]
    """The row's other members in decisions.jsonl (``_results.jsonl_fields``); not stored."""

    @classmethod
    def of(cls, line: int, result: dict[str, Any], decision_json: bytes | None) -> Decided:
        return cls(line, canonical_json(result).decode("utf-8"), None if decision_json is None else sha256_hex(decision_json),
                   jsonl_fields(result))


@dataclass(frozen=True, slots=True)
class StoredRow:
    """One input row as the state holds it."""

    line: int
    result: dict[str, Any]
    decision_sha256: str | None
    log_id: str | None
    decision_at: tuple[int, int] | None
    """Where the decision lies in its log record's body (``LogRef.decision_at``)."""


LogPlace = tuple[int, str, tuple[int, int] | None]
"""(line, log record id, where the decision lies in the record)."""


class RunState:
    """The state file of one work directory."""

    def __init__(self, out_dir: Path) -> None:
        out_dir.mkdir(parents=True, exist_ok=True)
        self.path = out_dir / STATE_FILE
        self._db = sqlite3.connect(self.path, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        self._db.close()

    def bind(self, identity: dict[str, str], defaults: dict[str, str]) -> dict[str, str]:
        """Record the run's identity, or check it against the stored one; returns all run values.

        ``defaults`` (e.g. the start time) are stored the first time and kept on resume.
        """
        stored = dict(self._db.execute("SELECT key, value FROM run").fetchall())
        if stored:
            differing = [f"{key}: {stored.get(key)!r} now {value!r}" for key, value in identity.items()
                         if stored.get(key) != value]
            if differing:
                raise StateMismatch("; ".join(differing))
            return stored
        values = {**defaults, **identity}
        with self._tx():
            self._db.executemany("INSERT INTO run (key, value) VALUES (?, ?)", sorted(values.items()))
        return values

    def done_lines(self) -> set[int]:
        return {line for (line,) in self._db.execute("SELECT line FROM rows")}

    def unlogged(self) -> list[StoredRow]:
        """Rows with a decision but no log id, in input order."""
        return [self._stored(r) for r in self._db.execute(
            f"SELECT {_COLUMNS} FROM rows WHERE decision_sha256 IS NOT NULL AND log_id IS NULL ORDER BY line")]

    def add(self, rows: Iterable[Decided]) -> None:
        """Commit rows with their decisions' hashes, not yet logged (one transaction)."""
        with self._tx():
            self._db.executemany("INSERT INTO rows (line, result, decision_sha256) VALUES (?, ?, ?)",
                                 [(r.line, r.result_json, r.decision_sha256) for r in rows])

    def set_log_ids(self, places: Iterable[LogPlace]) -> None:
        with self._tx():
            self._db.executemany(
                "UPDATE rows SET log_id = ?, decision_offset = ?, decision_length = ? WHERE line = ?",
                [(record_id, *(at or (None, None)), line) for line, record_id, at in places])

    def drop(self, lines: Iterable[int]) -> None:
        with self._tx():
            self._db.executemany("DELETE FROM rows WHERE line = ?", [(line,) for line in lines])

    def reader(self) -> Callable[[], Iterator[StoredRow]]:
        """Every row in input order, streamed (memory does not grow with the list), on a
        connection of its own opened when called: usable in a forked process, where this
        object's connection must not be touched."""
        path = self.path

        def rows() -> Iterator[StoredRow]:
            with closing(sqlite3.connect(path)) as db:
                for record in db.execute(f"SELECT {_COLUMNS} FROM rows ORDER BY line"):
                    yield RunState._stored(record)

        return rows

    def count(self) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM rows").fetchone()[0])

    @staticmethod
    def _stored(record: tuple[Any, ...]) -> StoredRow:
        line, result, sha, log_id, offset, length = record
        return StoredRow(line, json.loads(result), sha, log_id, (offset, length) if offset is not None else None)

    def _tx(self) -> Any:
        return _Transaction(self._db)


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT, rolled back on error (the connection is in autocommit mode)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind: Any, value: Any, traceback: Any) -> None:
        self._db.execute("COMMIT" if kind is None else "ROLLBACK")

