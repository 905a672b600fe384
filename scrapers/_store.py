"""Evidence store: every body a register sent, kept by its hash, with a dated index of fetches.

Registers drop entries (SNA removes ended certificates, the Labour Inspectorate keeps results
three years), so what we saw must be kept as we saw it. Layout under ``root``::

    snapshots/<sha[:2]>/<sha[2:4]>/<sha>   the raw bytes, written once, named by hash only
    index.sqlite                           fetches (every read, even of identical bytes) and
                                           failures (a register that could not be read)

Nothing is ever updated or deleted: triggers refuse it.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from eligibility._dossier import Provenance
from eligibility._errors import ScrapingError

KEPT_HEADERS = ("content-type", "etag", "last-modified", "date", "retry-after")
"""Response headers worth keeping as evidence (lower case)."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS fetches (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    sha256 TEXT NOT NULL,
    register TEXT NOT NULL,
    url TEXT NOT NULL,
    retrieved_at TEXT NOT NULL,
    status INTEGER NOT NULL,
    headers TEXT NOT NULL,
    size INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS fetches_by_url ON fetches (register, url, retrieved_at);
CREATE TABLE IF NOT EXISTS failures (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    register TEXT NOT NULL,
    url TEXT NOT NULL,
    error TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE TRIGGER IF NOT EXISTS fetches_append_only_u BEFORE UPDATE ON fetches
    BEGIN SELECT RAISE(ABORT, 'fetches are append-only'); END;
CREATE TRIGGER IF NOT EXISTS fetches_append_only_d BEFORE DELETE ON fetches
    BEGIN SELECT RAISE(ABORT, 'fetches are append-only'); END;
CREATE TRIGGER IF NOT EXISTS failures_append_only_u BEFORE UPDATE ON failures
    BEGIN SELECT RAISE(ABORT, 'failures are append-only'); END;
CREATE TRIGGER IF NOT EXISTS failures_append_only_d BEFORE DELETE ON failures
    BEGIN SELECT RAISE(ABORT, 'failures are append-only'); END;
"""


class TamperedSnapshotError(ScrapingError):
    """A stored body no longer hashes to its name: the evidence was altered or damaged."""


@dataclass(frozen=True)
class Snapshot:
    """One response as received: the raw bytes and where and when they came from."""

    sha256: str
    url: str
    retrieved_at: datetime
    status: int
    headers: dict[str, str]
    register: str
    body: bytes

    def provenance(self, parser_version: str) -> Provenance:
        """The provenance of every fact parsed from this snapshot."""
        return Provenance(
            source=self.register,
            url=self.url,
            retrieved_at=self.retrieved_at,
            sha256=self.sha256,
            parser_version=parser_version,
        )


@dataclass(frozen=True)
class FetchRecord:
    """One row of the fetch index (the body stays on disk; read it with ``get_body``)."""

    id: int
    sha256: str
    register: str
    url: str
    retrieved_at: datetime
    status: int
    headers: dict[str, str]
    size: int


@dataclass(frozen=True)
class RegisterStatus:
    """How recently a register was read, and whether reading it last failed."""

    register: str
    fetches: int
    last_read_at: datetime | None
    failures: int
    last_failure_at: datetime | None
    last_error: str | None


class EvidenceStore:
    """Content-addressed snapshots plus an append-only SQLite index."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._blobs = self.root / "snapshots"
        self._blobs.mkdir(parents=True, exist_ok=True)
        self._index = self.root / "index.sqlite"
        self._reader: tuple[int, sqlite3.Connection] | None = None
        with self._db() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(_SCHEMA)

    def put(
        self,
        register: str,
        url: str,
        status: int,
        headers: Mapping[str, str],
        body: bytes,
        retrieved_at: datetime,
    ) -> Snapshot:
        """Keep the body (once per distinct content) and record this fetch (always)."""
        snap = snapshot_of(register, url, status, headers, body, retrieved_at)
        self._write_blob(snap.sha256, body)
        with self._db() as db:
            db.execute(
                "INSERT INTO fetches (sha256, register, url, retrieved_at, status, headers, size)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (snap.sha256, register, url, _iso(snap.retrieved_at), status,
                 json.dumps(snap.headers, sort_keys=True), len(body)),
            )
        return snap

    def get_body(self, sha256: str) -> bytes:
        """The stored bytes; raises TamperedSnapshotError when they no longer match the hash."""
        body = self._blob_path(sha256).read_bytes()
        actual = hashlib.sha256(body).hexdigest()
        if actual != sha256:
            raise TamperedSnapshotError(f"snapshot {sha256} was altered: its bytes hash to {actual}")
        return body

    def latest(self, register: str, url: str) -> Snapshot | None:
        """The most recent fetch of ``url`` for ``register``, with its body, or None."""
        records = self._records(
            "WHERE register = ? AND url = ? ORDER BY retrieved_at DESC, id DESC LIMIT 1", (register, url)
        )
        if not records:
            return None
        r = records[0]
        return Snapshot(r.sha256, r.url, r.retrieved_at, r.status, r.headers, r.register, self.get_body(r.sha256))

    def urls(self, register: str) -> list[str]:
        """Every URL fetched for a register (once each)."""
        return [url for (url,) in self._read_db().execute("SELECT DISTINCT url FROM fetches WHERE register = ?",
                                                           (register,))]

    def history(self, register: str, url: str | None = None) -> list[FetchRecord]:
        """Every fetch for a register (or one of its URLs), oldest first."""
        if url is None:
            return self._records("WHERE register = ? ORDER BY retrieved_at, id", (register,))
        return self._records("WHERE register = ? AND url = ? ORDER BY retrieved_at, id", (register, url))

    def record_failure(self, register: str, url: str, error: str, at: datetime) -> None:
        """Note that a register could not be read: a fact distinct from "read, nothing found"."""
        with self._db() as db:
            db.execute(
                "INSERT INTO failures (register, url, error, at) VALUES (?, ?, ?, ?)",
                (register, url, error, _iso(_utc(at))),
            )

    def status(self) -> list[RegisterStatus]:
        """Per register: number of fetches and failures, last read, last failure and its error."""
        with self._db() as db:
            reads = {
                reg: (count, last)
                for reg, count, last in db.execute(
                    "SELECT register, COUNT(*), MAX(retrieved_at) FROM fetches GROUP BY register"
                )
            }
            fails = {
                reg: (count, last, error)
                for reg, count, last, error in db.execute(
                    "SELECT register, COUNT(*), MAX(at),"
                    " (SELECT error FROM failures f2 WHERE f2.register = f1.register"
                    "  ORDER BY at DESC, id DESC LIMIT 1)"
                    " FROM failures f1 GROUP BY register"
                )
            }
        summaries = []
        for reg in sorted(reads.keys() | fails.keys()):
            count, last = reads.get(reg, (0, None))
            fail_count, fail_last, error = fails.get(reg, (0, None, None))
            summaries.append(
                RegisterStatus(reg, count, _parse(last), fail_count, _parse(fail_last), error)
            )
        return summaries

    def _blob_path(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValueError(f"not a sha256 hex digest: {sha256!r}")
        return self._blobs / sha256[:2] / sha256[2:4] / sha256

    def _write_blob(self, sha256: str, body: bytes) -> None:
        """Write once: an existing blob is never rewritten; a crash leaves no partial blob."""
        path = self._blob_path(sha256)
        if path.exists():
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(body)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def _records(self, where: str, args: tuple[str, ...]) -> list[FetchRecord]:
        rows = self._read_db().execute(
            "SELECT id, sha256, register, url, retrieved_at, status, headers, size FROM fetches " + where,
            args,
        ).fetchall()
        return [
            FetchRecord(id_, sha, reg, url, datetime.fromisoformat(at), status, json.loads(headers), size)
            for id_, sha, reg, url, at, status, headers, size in rows
        ]

    def _read_db(self) -> sqlite3.Connection:
        """One read-only connection per process, kept open: a batch looks up many URLs.

        Each query in autocommit mode sees every fetch committed before it (WAL). A forked
        process opens its own: SQLite connections must not cross a fork."""
        if self._reader is None or self._reader[0] != os.getpid():
            self._reader = (os.getpid(), sqlite3.connect(f"{self._index.resolve().as_uri()}?mode=ro", uri=True,
                                                          check_same_thread=False))
        return self._reader[1]

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        """One short-lived connection per operation, committed on success and always closed."""
        with closing(sqlite3.connect(self._index)) as db, db:
            yield db


def snapshot_of(
    register: str, url: str, status: int, headers: Mapping[str, str], body: bytes, retrieved_at: datetime
) -> Snapshot:
    """A Snapshot of a response: body hashed, time in UTC, only the evidence-worthy headers."""
    return Snapshot(
        sha256=hashlib.sha256(body).hexdigest(),
        url=url,
        retrieved_at=_utc(retrieved_at),
        status=status,
        headers=_kept_headers(headers),
        register=register,
        body=body,
    )


def _kept_headers(headers: Mapping[str, str]) -> dict[str, str]:
    lowered = {name.lower(): value for name, value in headers.items()}
    return {name: lowered[name] for name in KEPT_HEADERS if name in lowered}


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError(f"{moment!r} has no time zone; evidence times must be aware")
    return moment.astimezone(UTC)


def _iso(moment: datetime) -> str:
    """Fixed-width ISO text, so that text order is time order in SQL."""
    return moment.isoformat(timespec="microseconds")


def _parse(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)
