"""Evidence store: every body a register sent, kept by its hash, with a dated index of fetches.

Registers drop entries (SNA removes ended certificates, the Labour Inspectorate keeps results
three years), so what we saw must be kept as we saw it. Layout under ``root``::

    snapshots/<sha[:2]>/<sha[2:4]>/<sha>   the raw bytes, written once, named by hash only
    index.sqlite                           fetches (every read, even of identical bytes),
                                           failures (a register that could not be read) and
                                           removals (bodies deleted under the retention setting)

No index row is ever updated or deleted: triggers refuse it. Bodies are kept for ever unless an
operator sets a retention period (``ScraperConfig.evidence_retention_days``, LEGAL.md art. 10.3:
KvK profiles and SNCU pages hold sole traders' and directors' names) and runs ``prune``: a body
whose every fetch is older than the period is deleted, and a ``removals`` row says so. The
fetches stay, so what was read, where, when and its sha256 remain known; reading a removed body
raises ``SnapshotRemovedError`` naming the day and the period, never "nothing stored".
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from eligibility._dossier import Provenance
from eligibility._errors import ScrapingError

KEPT_HEADERS = ("content-type", "etag", "last-modified", "date", "retry-after", "location")
"""Response headers worth keeping as evidence (lower case); a redirect's Location lets a replay follow it."""

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


_REMOVALS_SCHEMA = """
CREATE TABLE IF NOT EXISTS removals (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    sha256 TEXT NOT NULL,
    removed_at TEXT NOT NULL,
    cutoff TEXT NOT NULL,
    older_than_days INTEGER NOT NULL,
    setting TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS removals_by_sha ON removals (sha256, removed_at);
CREATE TRIGGER IF NOT EXISTS removals_append_only_u BEFORE UPDATE ON removals
    BEGIN SELECT RAISE(ABORT, 'removals are append-only'); END;
CREATE TRIGGER IF NOT EXISTS removals_append_only_d BEFORE DELETE ON removals
    BEGIN SELECT RAISE(ABORT, 'removals are append-only'); END;
"""
"""Made by the first ``prune``: a store that was never pruned keeps the layout it had."""


class TamperedSnapshotError(ScrapingError):
    """A stored body no longer hashes to its name, or is gone without a removal on record: the
    evidence was altered or damaged."""


@dataclass(frozen=True)
class Removal:
    """A body deleted under the retention setting: when, and under which period."""

    sha256: str
    removed_at: datetime
    cutoff: datetime
    """Every fetch of the body was older than this."""
    older_than_days: int
    setting: str
    """Where the period came from: the environment variable or the command's option."""

    def describe(self) -> str:
        return (f"removed on {self.removed_at:%Y-%m-%d} under the retention setting "
                f"(older than {self.older_than_days} days, {self.setting})")


class SnapshotRemovedError(ScrapingError):
    """The body of a stored reading was deleted under the retention setting: the reading is known
    (URL, time, sha256) but can no longer be parsed. Not "nothing found", not "never stored"."""

    def __init__(self, removal: Removal, register: str = "", url: str = "", retrieved_at: datetime | None = None) -> None:
        self.removal, self.register, self.retrieved_at = removal, register, retrieved_at
        reading = f"the stored {register} reading" if register else "the stored body"
        when = f" of {retrieved_at:%Y-%m-%d %H:%M} UTC" if retrieved_at is not None else ""
        super().__init__(
            f"{reading}{when} (sha256 {removal.sha256}) was {removal.describe()}; "
            "read the register again (an online build, or registers refresh)",
            url or None,
        )


@dataclass(frozen=True)
class PruneReport:
    """What ``prune`` removed (or, in a dry run, would remove)."""

    cutoff: datetime
    older_than_days: int
    dry_run: bool
    bodies: int
    bytes: int
    fetches: int
    """Fetch rows whose body is now gone (they stay in the index)."""
    removed: tuple[str, ...]
    """sha256 of each body removed."""


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

    def get_body(self, sha256: str, *, register: str = "", url: str = "",
                 retrieved_at: datetime | None = None) -> bytes:
        """The stored bytes. Raises SnapshotRemovedError when retention removed them (the fetch
        being read, when given, is named in the message) and TamperedSnapshotError when they no
        longer match the hash or are gone without a removal on record."""
        try:
            body = self._blob_path(sha256).read_bytes()
        except FileNotFoundError:
            removal = self.removal(sha256, retrieved_at)
            if removal is not None:
                raise SnapshotRemovedError(removal, register, url, retrieved_at) from None
            raise TamperedSnapshotError(f"snapshot {sha256} is missing from the store and no removal under "
                                        "the retention setting is on record", url or None) from None
        actual = hashlib.sha256(body).hexdigest()
        if actual != sha256:
            raise TamperedSnapshotError(f"snapshot {sha256} was altered: its bytes hash to {actual}")
        return body

    def latest(self, register: str, url: str, read_before: datetime | None = None) -> Snapshot | None:
        """The most recent fetch of ``url`` for ``register`` (taken before ``read_before``, when given),
        with its body, or None."""
        if read_before is None:
            records = self._records(
                "WHERE register = ? AND url = ? ORDER BY retrieved_at DESC, id DESC LIMIT 1", (register, url)
            )
        else:
            records = self._records(
                "WHERE register = ? AND url = ? AND retrieved_at < ? ORDER BY retrieved_at DESC, id DESC LIMIT 1",
                (register, url, _iso(_utc(read_before))),
            )
        if not records:
            return None
        r = records[0]
        body = self.get_body(r.sha256, register=r.register, url=r.url, retrieved_at=r.retrieved_at)
        return Snapshot(r.sha256, r.url, r.retrieved_at, r.status, r.headers, r.register, body)

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

    def removal(self, sha256: str, retrieved_at: datetime | None = None) -> Removal | None:
        """The latest removal of this body (of one that covered a fetch at ``retrieved_at``), or None."""
        return latest_removals(self.root, [sha256], retrieved_at).get(sha256)

    def prune(self, older_than_days: int, now: datetime, *, setting: str, dry_run: bool = False) -> PruneReport:
        """Delete every body whose every fetch is older than ``older_than_days`` before ``now``.

        The fetch index is kept; a ``removals`` row per body, written before the file is deleted,
        says when and under which period (``setting``: where the period came from). A body also
        fetched within the period stays (bodies are shared by identical readings). ``dry_run``
        reports the same and changes nothing.
        """
        if isinstance(older_than_days, bool) or not isinstance(older_than_days, int) or older_than_days < 1:
            raise ValueError(f"a retention period is a whole number of days, at least 1 (got {older_than_days!r})")
        now = _utc(now)
        cutoff = now - timedelta(days=older_than_days)
        with self._db() as db:
            if not dry_run:
                db.executescript(_REMOVALS_SCHEMA)
                db.execute("BEGIN IMMEDIATE")  # no fetch slips in between choosing and recording
            rows = db.execute(
                "SELECT sha256, COUNT(*), MAX(size) FROM fetches GROUP BY sha256 HAVING MAX(retrieved_at) < ?"
                " ORDER BY MIN(retrieved_at), sha256",
                (_iso(cutoff),),
            ).fetchall()
            present = [(sha, count, size) for sha, count, size in rows if self._blob_path(sha).is_file()]
            report = PruneReport(cutoff, older_than_days, dry_run, len(present), sum(size for _, _, size in present),
                                 sum(count for _, count, _ in present), tuple(sha for sha, _, _ in present))
            if not dry_run:
                db.executemany(
                    "INSERT INTO removals (sha256, removed_at, cutoff, older_than_days, setting) VALUES (?, ?, ?, ?, ?)",
                    [(sha, _iso(now), _iso(cutoff), older_than_days, setting) for sha in report.removed],
                )
        if dry_run:
            return report
        for sha in report.removed:  # after the removals are on record: a crash leaves a body too many, never a gap
            path = self._blob_path(sha)
            path.unlink(missing_ok=True)
            for folder in (path.parent, path.parent.parent):
                try:
                    folder.rmdir()
                except OSError:  # not empty
                    break
        return report

    def removals(self) -> list[Removal]:
        """Every removal on record, oldest first."""
        with _removals_db(self.root) as db:
            if db is None:
                return []
            return [_removal(row) for row in db.execute(_REMOVAL_COLUMNS + " ORDER BY removed_at, id")]

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

    def close_reader(self) -> None:
        """Close this process's read connection (``_read_db`` opens another when next needed): before a fork,
        so no child inherits an open SQLite connection."""
        if self._reader is not None and self._reader[0] == os.getpid():
            self._reader[1].close()
        self._reader = None

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        """One short-lived connection per operation, committed on success and always closed."""
        with closing(sqlite3.connect(self._index)) as db, db:
            yield db


_REMOVAL_COLUMNS = "SELECT sha256, removed_at, cutoff, older_than_days, setting FROM removals"


def not_a_store(root: Path) -> str | None:
    """Why ``root`` holds no evidence store to read offline, or None. Offline, opening it would make an empty
    store there (a mistyped ``--store`` then reads as "nothing stored" for every register): refused instead."""
    if (Path(root) / "index.sqlite").is_file():
        return None
    return (f"no evidence store at {root} (it holds no index.sqlite): run 'eligibility registers refresh' first, or "
            "give --store (or set ELIGIBILITY_HOME)")


def latest_removals(root: Path, sha256s: Iterable[str], retrieved_at: datetime | None = None) -> dict[str, Removal]:
    """The latest removal on record of each body (of those that covered a fetch at ``retrieved_at``,
    when given) in the store at ``root``, read-only: the letter asks without opening the store."""
    found: dict[str, Removal] = {}
    with _removals_db(root) as db:
        if db is None:
            return found
        for sha in dict.fromkeys(sha256s):
            where, args = " WHERE sha256 = ?", (sha,)
            if retrieved_at is not None:
                where, args = where + " AND cutoff > ?", (sha, _iso(_utc(retrieved_at)))
            row = db.execute(_REMOVAL_COLUMNS + where + " ORDER BY removed_at DESC, id DESC LIMIT 1", args).fetchone()
            if row is not None:
                found[sha] = _removal(row)
    return found


@contextmanager
def _removals_db(root: Path) -> Iterator[sqlite3.Connection | None]:
    """The index opened read-only when it has a removals table (a store never pruned has none), else None."""
    index = Path(root) / "index.sqlite"
    if not index.is_file():
        yield None
        return
    with closing(sqlite3.connect(f"{index.resolve().as_uri()}?mode=ro", uri=True)) as db:
        table = db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'removals'").fetchone()
        yield db if table is not None else None


def _removal(row: tuple[str, str, str, int, str]) -> Removal:
    sha, removed_at, cutoff, days, setting = row
    return Removal(sha, datetime.fromisoformat(removed_at), datetime.fromisoformat(cutoff), days, setting)


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
