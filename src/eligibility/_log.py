"""The decision log: every decision and override, append-only, each record sealed by its predecessor.

Decisions are evidence (PRODUCT.md, principle 5): an auditor must be able to tell months later
what was decided, on which inputs and rules, who overrode what, and whether anyone altered the
log. So every record is written once as canonical JSON (schema ``eligibility.log-record/1``) and
sealed with ``record_hash = sha256(prev_hash + body)``, where ``body`` is the canonical JSON of
the record without its hash and ``prev_hash`` is the hash of the record before it (64 zeros for
the first). Changing, removing, inserting or moving any record breaks the chain at that record,
and ``verify`` names it.

Storage (SQLite, WAL)::

    records(seq, record_id, kind, subject, dossier_sha256, as_of, body, record_hash, dictionary)
    dictionaries(id, family, data, sha256)

``body`` is the sealed record, for a decision stored as a zstd frame against its pack's
dictionary (``_log_bodies``: 25 KB become 1-2 KB; what is hashed is always the canonical JSON);
the other columns are copies kept for lookups and are checked against the body by ``verify``.
Triggers refuse UPDATE and DELETE. A record kind is one of:

    decision   an automatic decision: the decision and the dossier it was made from, the rule
               pack (id, version, hash, where to load it from) and the decision date
    override   an officer's request to replace the automatic verdict (justification, citation)
    approval   a second person's approval of an override (four eyes); only then it counts

Logging time is metadata from an injectable clock; the decision itself never reads the clock.
Unlike OPA's decision logs, an event is never dropped: when writing fails, ``append`` raises
``LogWriteError`` and the caller's evaluation fails with it (STYLE.md, "Decisions and logs").

An auditor often has only a copy on a read-only share, where SQLite cannot put the side files it
reads a WAL log through: ``read_only`` then falls back, visibly (``DecisionLog.opened_as``), to
ways that need none and still read every committed record (``_log_reading``).

Known limit of any hash chain without an outside anchor: whoever can write the file can cut off
the newest records, or rewrite the tail and re-seal it. ``verify`` reports the head (last seq
and hash) so it can be noted elsewhere and compared later; the AUTOINCREMENT counter also
reveals a tail removed without care.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import cached_property
from hashlib import sha256
from pathlib import Path
from typing import Any, Self

from ._canonical import canonical_json, canonical_json_placed
from ._decision import Decision, Verdict
from ._dossier import PERSONAL_DATA, Dossier
from ._home import eligibility_home
from ._errors import LogError, LogWriteError, OverrideError, RecordNotFound
from ._io import parse_dossier
from ._log_bodies import DICTIONARIES_SQL, BodyCodec, BodyUnreadable
from ._log_packs import PACKS_SQL, archived_files, store_pack
from ._log_reading import READ_WRITE, ReadOnlyReading
from ._pack import RULES_DIR, RulePack
from ._visible import UNDECOMPOSED, letters_and_digits, meaningful
from ._wal_check import EMPTY, check_wal, cut_off

LOG_SCHEMA = "eligibility.log-record/1"
GENESIS = "0" * 64
"""``prev_hash`` of the first record."""

KINDS = ("decision", "override", "approval")

_DECODER = json.JSONDecoder()

_SCHEMA_SQL = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT OR IGNORE INTO meta (key, value) VALUES ('schema', 'eligibility.log-record/1');
CREATE TABLE IF NOT EXISTS records (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    record_id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    subject TEXT,
    dossier_sha256 TEXT,
    as_of TEXT,
    body BLOB NOT NULL,
    record_hash TEXT NOT NULL,
    dictionary INTEGER
);
CREATE INDEX IF NOT EXISTS records_by_subject ON records (subject);
CREATE INDEX IF NOT EXISTS records_by_dossier ON records (kind, dossier_sha256, as_of);
CREATE TRIGGER IF NOT EXISTS records_append_only_u BEFORE UPDATE ON records
    BEGIN SELECT RAISE(ABORT, 'the decision log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS records_append_only_d BEFORE DELETE ON records
    BEGIN SELECT RAISE(ABORT, 'the decision log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS meta_append_only_u BEFORE UPDATE ON meta
    BEGIN SELECT RAISE(ABORT, 'the decision log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS meta_append_only_d BEFORE DELETE ON meta
    BEGIN SELECT RAISE(ABORT, 'the decision log is append-only'); END;
"""


_MAYBE_OVERRIDE = "(kind <> 'decision' OR subject IS NOT NULL)"
"""The rows that may be overrides or approvals, judged by unsealed columns only: a row whose kind
column is not 'decision', and any row with a subject (a decision has none). A changed byte in
either column cannot move an approval out of it; each row it picks is then read as sealed."""


def _entry_columns(dictionary: str) -> str:
    """What ``_entry`` reads: a ``LogEntry`` once the body is decoded and checked against its seal and
    the columns it is found by. ``dictionary`` is the column, or NULL in a log written before
    compression (a read-only reader cannot add the column)."""
    return f"seq, record_id, kind, subject, dossier_sha256, as_of, body, record_hash, {dictionary}"


# --- where the log lives ----------------------------------------------------------------------


def default_log_path(environ: dict[str, str] | None = None) -> Path:
    """$ELIGIBILITY_HOME/decisions.sqlite."""
    return eligibility_home(environ) / "decisions.sqlite"


# --- records ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LogItem:
    """One decision ready to log: its canonical bytes and the few fields the record indexes.

    Built with ``LogItem.of``. A batch can build these in worker processes and reuse
    ``decision_json`` for its own outputs, so the decision is serialised once.
    """

    as_of: str
    dossier_sha256: str
    pack: dict[str, Any]
    decision_json: bytes
    dossier_json: bytes

    @classmethod
    def of(cls, decision: Decision, dossier: Dossier, decision_json: bytes | None = None) -> LogItem:
        """Raises ``LogError`` when the dossier is not the one the decision was made from."""
        dossier_json = dossier.canonical_json  # made once per dossier: evaluating it hashed these bytes
        if sha256(dossier_json).hexdigest() != decision.dossier_sha256:
            raise LogError(
                f"the dossier given for {decision.partner.get('name')!r} hashes to "
                f"{sha256(dossier_json).hexdigest()}, but the decision was made from {decision.dossier_sha256}"
            )
        return cls(
            as_of=decision.as_of,
            dossier_sha256=decision.dossier_sha256,
            pack=decision.pack.model_dump(mode="json"),
            decision_json=decision.to_json() if decision_json is None else decision_json,
            dossier_json=dossier_json,
        )


@dataclass(frozen=True)
class LogRef:
    """Where a record landed: enough to cite it (``append_many`` returns these, not the bodies)."""

    seq: int
    record_id: str
    record_hash: str
    decision_at: tuple[int, int] | None = None
    """Where the decision's canonical bytes lie in the record's body: (offset, length)."""


@dataclass(frozen=True)
class LogEntry:
    """One stored record. ``body`` is exactly the sealed bytes; everything else is read from it."""

    seq: int
    record_id: str
    kind: str
    body: bytes
    record_hash: str

    @property
    def kind_named(self) -> str:
        """The kind with its article, for messages: "an override", "a decision"."""
        return f"{'an' if self.kind[:1] in 'aeiou' else 'a'} {self.kind}"

    @cached_property
    def record(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.body)
        return data

    @property
    def prev_hash(self) -> str:
        return str(self.record["prev_hash"])

    @property
    def logged_at(self) -> str:
        return str(self.record["logged_at"])

    @property
    def command(self) -> str:
        return str(self.record["command"])

    @property
    def as_of(self) -> str:
        return str(self.record["as_of"])

    @property
    def pack(self) -> dict[str, Any]:
        """Pack id, version, sha256, region, overlay (name or file) and root (None: bundled)."""
        pack: dict[str, Any] = self.record["pack"]
        return pack

    @property
    def decision_json(self) -> bytes:
        """The decision's canonical bytes, exactly as ``Decision.to_json()`` gave them."""
        return canonical_json(self.record["decision"])

    @property
    def decision_at(self) -> tuple[int, int] | None:
        """Where ``decision_json`` lies in ``body`` (as ``LogRef.decision_at``)."""
        if self.kind != "decision":
            return None
        value = self.decision_json
        start = self.body.find(b'"decision":' + value)
        return (start + len(b'"decision":'), len(value)) if start >= 0 else None

    @property
    def dossier_json(self) -> bytes:
        return canonical_json(self.record["dossier"])

    @cached_property
    def decision(self) -> Decision:
        data = dict(self.record["decision"])
        data["schema_"] = data.pop("schema")
        return Decision.model_validate(data)

    @property
    def dossier(self) -> Dossier:
        return parse_dossier(self.record["dossier"], f"decision log record {self.record_id}")

    @property
    def verdict(self) -> Verdict:
        """The automatic verdict (``DecisionLog.effective_verdict`` applies approved overrides)."""
        return Verdict(self.record["decision"]["verdict"])


@dataclass(frozen=True)
class Override:
    """An officer's override of one decision and, once given, the second person's approval."""

    override_id: str
    decision_record_id: str
    officer: str = field(metadata={PERSONAL_DATA: True})
    verdict: Verdict
    automatic_verdict: Verdict
    justification: str
    citation: str
    requested_at: str
    requested_seq: int
    approval_id: str | None = None
    approver: str | None = field(default=None, metadata={PERSONAL_DATA: True})
    approved_at: str | None = None
    approved_seq: int | None = None

    @property
    def approved(self) -> bool:
        return self.approval_id is not None


# --- verification -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One way the stored chain differs from what was sealed, naming the record(s) concerned."""

    kind: str
    """changed, removed, inserted, reordered; invalid: sealed as written, but breaking the override rules"""
    seq: int | None
    record_id: str | None
    detail: str

    def __str__(self) -> str:
        if self.seq is None and not self.record_id:  # the file, not a record (the write-ahead file, say)
            return f"{self.kind.upper()}: {self.detail}"
        where = f"seq {self.seq}" if self.seq is not None else "seq ?"
        who = f" (record {self.record_id})" if self.record_id else ""
        return f"{self.kind.upper()}: {where}{who}: {self.detail}"


@dataclass(frozen=True)
class VerifyReport:
    path: Path
    records: int
    head_seq: int | None
    head_hash: str | None
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    """What may be a change or may be harmless (a write cut off by a crash): shown, not a failure."""

    @property
    def ok(self) -> bool:
        return not self.problems

    def describe(self) -> str:
        head = f"head seq {self.head_seq} hash {self.head_hash}" if self.head_seq is not None else "empty"
        notes = [f"  NOTE: {note}" for note in self.notes]
        if self.ok:
            return "\n".join([f"{self.path}: {self.records} records, chain intact; {head}", *notes]) + "\n"
        lines = [f"{self.path}: {self.records} records, {len(self.problems)} problem(s); {head}"]
        lines += [f"  {line}" for line in _grouped(self.problems)]
        return "\n".join([*lines, *notes]) + "\n"


GROUPED_FROM = 4
"""Problems with the same kind and detail (a changed dictionary breaks every record compressed
with it) are listed as one line of seq ranges from this many on, so the cause is not lost in
thousands of lines; each record is still named by its seq."""


def _grouped(problems: list[Problem]) -> list[str]:
    """One line per problem, but one line per (kind, detail) shared by ``GROUPED_FROM`` or more."""
    by_cause: dict[tuple[str, str], list[Problem]] = {}
    for problem in problems:
        by_cause.setdefault((problem.kind, problem.detail), []).append(problem)
    lines: list[str] = []
    for problem in problems:
        same = by_cause[(problem.kind, problem.detail)]
        if len(same) < GROUPED_FROM:
            lines.append(str(problem))
        elif problem is same[0]:
            seqs = sorted(p.seq for p in same if p.seq is not None)
            lines.append(f"{problem.kind.upper()}: {len(same)} records, seq {_ranges(seqs)}: {problem.detail}")
    return lines


def _ranges(seqs: list[int]) -> str:
    """1, 2, 3, 7, 9, 10 -> "1-3, 7, 9-10"."""
    spans: list[list[int]] = []
    for seq in seqs:
        if spans and seq == spans[-1][1] + 1:
            spans[-1][1] = seq
        else:
            spans.append([seq, seq])
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in spans)


# --- the log ----------------------------------------------------------------------------------


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _new_id() -> str:
    return uuid.uuid4().hex


class DecisionLog:
    """An append-only, hash-chained log of decisions and overrides in one SQLite file.

    Safe for several processes: each append takes the write lock (``BEGIN IMMEDIATE``) before
    reading the chain's head, so records from different writers still form one chain.
    Connections are short-lived (one per operation), so the object holds no file open; only a
    read-only log read from a private copy holds that copy, until ``close`` or the end of the process.
    """

    def __init__(self, path: Path | str, *, clock: Callable[[], datetime] = _utc_now,
                 new_id: Callable[[], str] = _new_id, read_only: bool = False) -> None:
        """Open (and create, unless ``read_only``) the log at ``path``.

        ``read_only`` is for auditors: the file must exist, it is opened with SQLite's read-only
        mode and never changed (a log written by an earlier version is read as it is, not
        upgraded), and every write raises ``LogWriteError``. Where SQLite cannot use its -shm and
        -wal side files beside the log (a read-only share), the log is read as immutable or from a
        private copy instead (``opened_as`` says which); ``path`` stays the original file.
        """
        self.path = Path(path)
        self._clock = clock
        self._new_id = new_id
        self._codec = BodyCodec()
        self.read_only = read_only
        self._closed = False
        if read_only and not self.path.is_file():
            raise LogError(f"no decision log at {self.path}")
        self._refuse_cut_off()  # before SQLite reads a byte of it, even to probe a read-only share
        self._reading = ReadOnlyReading(self.path) if read_only else None
        try:
            if not read_only:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                if not self.path.exists():
                    _create(self.path)
            with self._db() as db:
                if not read_only:
                    _set_up(db)  # a log from an earlier version gains what this one adds
                schema = _schema(db)
                self._dictionary = _dictionary_column(db)
                self._entry_columns = _entry_columns(self._dictionary)
        except UnicodeDecodeError as exc:  # SQLite's message quotes a changed byte of the file's schema
            raise LogError(f"cannot read the decision log {self.path}: the file is damaged (its schema holds bytes "
                           f"that are no text: {exc})") from exc
        except (OSError, sqlite3.Error) as exc:
            if read_only:
                raise LogError(f"cannot read the decision log {self.path}: {exc}") from exc
            raise LogWriteError(f"cannot open the decision log {self.path}: {exc}") from exc
        if schema is None:
            raise LogError(f"{self.path} is an SQLite file, but not a decision log (its meta table names no schema)")
        if schema != LOG_SCHEMA:
            raise LogError(f"{self.path} holds {schema!r} records; this version reads {LOG_SCHEMA!r}")

    # --- writing ------------------------------------------------------------------------------

    def append(self, decision: Decision, dossier: Dossier, *, command: str, region: str | Path | None = None,
               pack: RulePack | None = None) -> LogEntry:
        """Log one decision with the dossier it was made from; raises ``LogWriteError`` on failure.

        ``region`` is the overlay as it was given (a name in rules/regions/ or a YAML file) and
        ``pack`` the loaded pack: together they say where replay finds the same rules again.
        """
        (ref,) = self.append_many([LogItem.of(decision, dossier)], command=command, region=region, pack=pack)
        return self.get(ref.record_id)

    def append_many(self, items: Iterable[LogItem | tuple[Decision, Dossier]], *, command: str,
                    region: str | Path | None = None, pack: RulePack | None = None) -> list[LogRef]:
        """Log many decisions in one transaction: all of them are written, or none and it raises."""
        source = _pack_source(region, pack)

        def records(db: sqlite3.Connection) -> Iterator[tuple[dict[str, Any], dict[str, bytes]]]:
            if pack is not None:
                store_pack(db, pack, region)  # replay finds it here after the next release
            for item in items:
                if not isinstance(item, LogItem):
                    item = LogItem.of(*item)
                header = {"command": command, "kind": "decision", "as_of": item.as_of,
                          "dossier_sha256": item.dossier_sha256, "pack": {**item.pack, **source}}
                yield header, {"decision": item.decision_json, "dossier": item.dossier_json}

        return self._write(records)

    def request_override(self, decision_record_id: str, *, officer: str, verdict: Verdict | str,
                         justification: str, citation: str, command: str = "audit override request") -> str:
        """Ask to replace a decision's verdict; it counts only once a second person approves it.

        Returns the override's record id. Justification and citation must say why and on what basis.
        """
        officer = _required(officer, "officer")
        justification = _required(justification, "justification")
        citation = _required(citation, "citation (the article or document the override rests on)")
        try:
            new_verdict = Verdict(verdict)
        except ValueError:
            raise OverrideError(f"verdict {verdict!r} is not one of {', '.join(v.value for v in Verdict)}") from None

        def records(db: sqlite3.Connection) -> Iterator[tuple[dict[str, Any], dict[str, bytes]]]:
            decision = self._fetch(db, decision_record_id)
            if decision.kind != "decision":
                raise OverrideError(f"record {decision_record_id} is {decision.kind_named}, not a decision")
            automatic = decision.verdict
            in_force = override_in_force(self._overrides_of(db, decision_record_id))
            verdict = automatic if in_force is None else in_force.verdict
            if new_verdict is verdict:  # back to the automatic verdict is a change once an override is in force
                by = "the automatic verdict" if in_force is None else f"by override {in_force.override_id}"
                raise OverrideError(f"the verdict in force of {decision_record_id} is already {verdict.value} ({by}); "
                                    "an override must change it")
            yield {"command": command, "kind": "override", "decision_record_id": decision_record_id,
                   "officer": officer, "verdict": new_verdict.value, "automatic_verdict": automatic.value,
                   "justification": justification, "citation": citation}, {}

        (ref,) = self._write(records)
        return ref.record_id

    def approve_override(self, override_id: str, *, approver: str, command: str = "audit override approve") -> str:
        """A second person approves an override (four eyes); returns the approval's record id."""
        approver = _required(approver, "approver")

        def records(db: sqlite3.Connection) -> Iterator[tuple[dict[str, Any], dict[str, bytes]]]:
            request = self._fetch(db, override_id)
            if request.kind != "override":
                raise OverrideError(f"record {override_id} is {request.kind_named}, not an override request")
            officer = request.record["officer"]
            if _same_person(officer, approver):
                raise OverrideError(f"four eyes: override {override_id} was requested by {officer!r}; "
                                    f"{approver!r} is the same person and cannot approve it")
            decision_id = request.record["decision_record_id"]
            overrides = self._overrides_of(db, decision_id)
            for existing in overrides:
                if existing.override_id == override_id and existing.approved:
                    raise OverrideError(f"override {override_id} was already approved by {existing.approver} "
                                        f"(record {existing.approval_id})")
            _refuse_stale(request, overrides)
            yield {"command": command, "kind": "approval", "override_id": override_id,
                   "decision_record_id": decision_id, "approver": approver}, {}

        (ref,) = self._write(records)
        return ref.record_id

    def _write(self, make: Callable[[sqlite3.Connection], Iterator[tuple[dict[str, Any], dict[str, bytes]]]]) -> list[LogRef]:
        """One write transaction: take the lock, read the head, seal and insert what ``make`` yields."""
        if self.read_only:
            raise LogWriteError(f"the decision log {self.path} was opened read-only; nothing was logged")
        refs: list[LogRef] = []
        try:
            with self._db() as db:
                db.execute("BEGIN IMMEDIATE")
                try:
                    last = db.execute("SELECT seq, record_hash FROM records ORDER BY seq DESC LIMIT 1").fetchone()
                    seq, prev_hash = (last[0], last[1]) if last else (0, GENESIS)

                    def rows() -> Iterator[tuple[Any, ...]]:
                        nonlocal seq, prev_hash
                        for header, raw in make(db):
                            seq += 1
                            record_id = self._new_id()
                            body, places = self._seal(seq, record_id, prev_hash, header, raw)
                            seal = sha256(prev_hash.encode("ascii"))
                            seal.update(body)  # not prev_hash + body: that copies 25 KB per record
                            prev_hash = seal.hexdigest()
                            refs.append(LogRef(seq, record_id, prev_hash, places.get("decision")))
                            stored, dictionary = self._codec.encode(db, _family(header), body)
                            yield (seq, record_id, header["kind"], header.get("decision_record_id"),
                                   header.get("dossier_sha256"), header.get("as_of"), stored, prev_hash, dictionary)

                    db.executemany(
                        "INSERT INTO records (seq, record_id, kind, subject, dossier_sha256, as_of, body, record_hash,"
                        " dictionary) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows())
                    db.execute("COMMIT")
                except BaseException:
                    self._codec.forget()
                    if db.in_transaction:
                        try:
                            db.execute("ROLLBACK")
                        except sqlite3.Error:  # the original error says more; SQLite rolls back on close
                            pass
                    raise
        except (sqlite3.Error, OSError) as exc:
            raise LogWriteError(f"could not write to the decision log {self.path}: {exc}; nothing was logged") from exc
        except BodyUnreadable as exc:
            raise LogWriteError(f"could not write to the decision log {self.path}: {exc}; nothing was logged; "
                                "run 'eligibility audit verify'") from exc
        return refs

    def _seal(self, seq: int, record_id: str, prev_hash: str, header: dict[str, Any],
              raw: dict[str, bytes]) -> tuple[bytes, dict[str, tuple[int, int]]]:
        """The canonical body of a record and where each ``raw`` value lies in it; ``raw`` values
        (decision, dossier) are canonical JSON put in as they are, not parsed and serialised again."""
        record = {"schema": LOG_SCHEMA, "seq": seq, "record_id": record_id, "prev_hash": prev_hash,
                  "logged_at": self._clock().astimezone(UTC).isoformat(timespec="microseconds"), **header}
        return canonical_json_placed(record, raw)

    # --- reading ------------------------------------------------------------------------------

    def decisions_at(self, places: Sequence[tuple[str, tuple[int, int]]]) -> list[bytes | None]:
        """The decision bytes at (record id, ``LogRef.decision_at``) places, read without parsing
        the records (a batch's outputs quote thousands); None where no such record is."""
        with self._reading_db() as db:
            found: list[bytes | None] = []
            for record_id, (offset, length) in places:
                row = db.execute(f"SELECT body, {self._dictionary} FROM records WHERE record_id = ?",
                                 (record_id,)).fetchone()
                try:
                    body = self._codec.decode(db, *row) if row is not None else None
                except BodyUnreadable:
                    body = None
                found.append(None if body is None else body[offset:offset + length])
            return found

    def get(self, record_id: str) -> LogEntry:
        """The record with this id; raises ``RecordNotFound``."""
        with self._reading_db() as db:
            return self._fetch(db, record_id)

    def entries(self, kind: str | None = None) -> Iterator[LogEntry]:
        """Every record in chain order (optionally of one kind), read lazily."""
        where, args = ("WHERE kind = ?", (kind,)) if kind else ("", ())
        with self._reading_db() as db:
            for row in db.execute(f"SELECT {self._entry_columns} FROM records {where} ORDER BY seq", args):
                yield self._entry(db, row)

    def latest_decisions(self) -> Iterator[LogEntry]:
        """The latest decision per (dossier hash, decision date, pack id, region), in chain order.

        The pack and region are part of the key: a dossier decided on one date nationally and under a
        regional overlay has a latest decision of each, and ``rules impact`` must not compare one with
        the other's rules. Each body is read for its pack alone (``_pack_of``); only the chosen
        records are parsed and checked, so memory stays small for large logs.
        """
        with self._reading_db() as db:
            latest: dict[tuple[str, str, str | None, str | None], int] = {}
            for seq, record_id, dossier_sha, as_of, stored, dictionary in db.execute(
                    f"SELECT seq, record_id, dossier_sha256, as_of, body, {self._dictionary} FROM records "
                    "WHERE kind = 'decision' ORDER BY seq"):
                pack = self._pack_of(db, seq, record_id, stored, dictionary)
                latest[(dossier_sha, as_of, pack.get("id"), pack.get("region"))] = seq
            for seq in sorted(latest.values()):
                row = db.execute(f"SELECT {self._entry_columns} FROM records WHERE seq = ?", (seq,)).fetchone()
                if row is None:  # the index named a seq the table does not hold: a damaged file
                    raise LogError(f"the decision log {self.path} lists seq {seq} in an index but not in its table; "
                                   "run 'eligibility audit verify'")
                yield self._entry(db, row)

    def _pack_of(self, db: sqlite3.Connection, seq: int, record_id: str, stored: Any,
                 dictionary: int | None) -> dict[str, Any]:
        """A decision record's ``pack`` without parsing its 25 KB: in canonical JSON (sorted keys) the
        record's own ``"pack":{`` is the last one, and only plain values follow it. Unchecked, like the
        index columns; the records chosen with it are read through ``_entry``. Raises ``LogError``."""
        try:
            body = self._codec.decode(db, stored, dictionary)
            start = body.rfind(b',"pack":{')
            pack, _ = _DECODER.raw_decode(body[start + len(b',"pack":'):].decode("utf-8")) if start >= 0 else (None, 0)
        except (BodyUnreadable, ValueError) as exc:
            raise LogError(f"record {record_id} (seq {seq}) of {self.path} cannot be read: {exc}; "
                           "run 'eligibility audit verify'") from None
        if not isinstance(pack, dict):
            raise LogError(f"record {record_id} (seq {seq}) of {self.path} names no rule pack; "
                           "run 'eligibility audit verify'")
        return pack

    def tail(self, count: int) -> list[LogEntry]:
        """The newest ``count`` records, oldest of them first."""
        with self._reading_db() as db:
            rows = db.execute(f"SELECT {self._entry_columns} FROM records ORDER BY seq DESC LIMIT ?", (count,)).fetchall()
            return [self._entry(db, row) for row in reversed(rows)]

    def archived_pack(self, key: str) -> dict[str, str] | None:
        """The files of the rule pack kept under ``key`` (``RulePack.pack_hash``), or None (``_log_packs``)."""
        with self._reading_db() as db:
            return archived_files(db, key)

    def hash_at(self, seq: int) -> str | None:
        """The seal of the record at ``seq`` (None: no such record), to compare with a head noted elsewhere."""
        with self._reading_db() as db:
            row = db.execute("SELECT record_hash FROM records WHERE seq = ?", (seq,)).fetchone()
        return None if row is None else str(row[0])

    def __len__(self) -> int:
        with self._reading_db() as db:
            (count,) = db.execute("SELECT COUNT(*) FROM records").fetchone()
        return int(count)

    # --- overrides ----------------------------------------------------------------------------

    def overrides(self, decision_record_id: str) -> list[Override]:
        """Every override of one decision, oldest first, each with its approval once given."""
        with self._reading_db() as db:
            return self._overrides_of(db, decision_record_id)

    def all_overrides(self) -> dict[str, list[Override]]:
        """Per decision record id, its overrides (approved or pending): for reports."""
        with self._reading_db() as db:
            return _overrides(self._override_entries(db))

    def effective_verdict(self, record_id: str) -> Verdict:
        """The automatic verdict, or that of the most recently approved override."""
        entry = self.get(record_id)
        if entry.kind != "decision":
            raise LogError(f"record {record_id} is {entry.kind_named}, not a decision")
        return effective_verdict(entry, self.overrides(record_id))

    # --- verification -------------------------------------------------------------------------

    def verify(self) -> VerifyReport:
        """Recompute the chain and name every changed, removed, inserted or reordered record.

        Streams the records: memory holds a few hashes per record, never the bodies.
        """
        cut = cut_off(self.path)
        if cut is not None:  # since it was opened: every other use refuses it (``_refuse_cut_off``)
            return VerifyReport(self.path, 0, None, None, [Problem("changed", None, None,
                                                                   f"{cut}: its records cannot be read")])
        try:
            with self._db() as db:
                rows, unread = self._rows_to_verify(db)
                counter = _readable(db, "SELECT seq FROM sqlite_sequence WHERE name = 'records'")
                damaged = _structure_damage(db)
        except (sqlite3.DatabaseError, ValueError) as exc:  # ValueError: SQLite's message quoting a damaged byte
            return VerifyReport(self.path, 0, None, None,
                                [Problem("changed", None, None, f"the log file cannot be read as SQLite: {exc}")])
        report = _verify(self.path, rows, counter, {problem.seq for problem in unread})
        frames = check_wal(self.path)  # what SQLite skips silently, it could not show us
        problems = [*unread, *damaged, *(Problem("changed", None, None, problem) for problem in frames.problems)]
        return replace(report, problems=sorted([*report.problems, *problems], key=_problem_order),
                       notes=[*report.notes, *frames.notes])

    def _rows_to_verify(self, db: sqlite3.Connection) -> tuple[list[_Row], list[Problem]]:
        """Every record checked on its own, and the records the file no longer lets be read.

        One pass over the table; if a damaged page stops it, the records are read one seq at a time
        (up to the highest seq handed out), so the damage costs the records on that page, named,
        not every record after it."""
        columns = self._entry_columns
        rows, junk = [], 0
        try:
            for raw in db.execute(f"SELECT {columns} FROM records ORDER BY seq"):  # streamed: no body is kept
                if _plausible(raw):
                    rows.append(self._check_row(db, *raw))
                else:
                    junk += 1
            return rows, [Problem("changed", None, None, f"the damaged file gives {junk} row(s) that are no "
                                  "record (no seq or no record id)")] if junk else []
        except sqlite3.DatabaseError as exc:
            whole = exc
        highest = max((n for n in (_readable(db, "SELECT seq FROM sqlite_sequence WHERE name = 'records'"),
                                   _readable(db, "SELECT max(seq) FROM records")) if n is not None), default=None)
        if highest is None:
            raise whole
        rows, unread = [], []
        for seq in range(1, highest + 1):
            try:
                raw = db.execute(f"SELECT {columns} FROM records WHERE seq = ?", (seq,)).fetchone()
            except sqlite3.DatabaseError as exc:
                unread.append(Problem("changed", seq, None, f"the record cannot be read from the file ({exc})"))
                continue
            if raw is not None and _plausible(raw):
                rows.append(self._check_row(db, *raw))
            elif raw is not None:
                unread.append(Problem("changed", seq, None, "the damaged file gives a row that is no record"))
        return rows, unread

    @property
    def opened_as(self) -> str:
        """How the log is read: READ_WRITE, READ_ONLY, or a read-only fallback (``_log_reading``)."""
        return self._reading.opened_as if self._reading is not None else READ_WRITE

    @property
    def open_error(self) -> str | None:
        """Why the plain read-only open failed when a fallback is used; None otherwise."""
        return self._reading.open_error if self._reading is not None else None

    def close(self) -> None:
        """Remove the private copy a fallback reading made (if any); no reading or writing after it."""
        self._closed = True
        if self._reading is not None:
            self._reading.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _refuse_cut_off(self) -> None:
        """Raise ``LogError`` (``LogWriteError`` for a writer) when the log file is shorter than its header
        says (``cut_off``): SQLite would fail on it with a bare "database disk image is malformed", or read
        what is left as the whole log, and a write would seal new records onto a chain it cannot see."""
        cut = cut_off(self.path)
        if cut is None:
            return
        error = LogError if self.read_only else LogWriteError
        if cut == EMPTY:  # no version of this program leaves a log so (``_create``): a log cut to nothing, or a new file
            raise error(f"the decision log {self.path} cannot be used: {cut}; nothing was read from it or written to "
                        "it: if it held a log, restore it from a backup; if it is meant as a new log, delete the "
                        "empty file (or give a path where no file is yet)")
        raise error(f"the decision log {self.path} cannot be used: {cut}; nothing was read from it or written to "
                    "it: run 'eligibility audit verify', and restore the log from a backup")

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        """One short-lived connection per operation (processes may share the file); always closed, and
        never to a log file cut short (``_refuse_cut_off``)."""
        if self._closed:
            raise LogError(f"the decision log {self.path} was closed")
        self._refuse_cut_off()
        if self._reading is not None:
            with closing(sqlite3.connect(self._reading.uri(), uri=True, isolation_level=None, timeout=60)) as db:
                db.text_factory = _lenient_text
                yield db
            return
        with closing(sqlite3.connect(self.path, isolation_level=None, timeout=60)) as db:
            db.text_factory = _lenient_text
            db.execute("PRAGMA synchronous=FULL")
            db.execute("PRAGMA journal_size_limit=67108864")
            yield db

    @contextmanager
    def _reading_db(self) -> Iterator[sqlite3.Connection]:
        """``_db`` for reading: a file SQLite finds damaged is a ``LogError`` naming it, as a record
        that does not match its seal is, never a raw SQLite error."""
        try:
            with self._db() as db:
                yield db
        except sqlite3.DatabaseError as exc:
            raise LogError(f"the decision log {self.path} cannot be read ({exc}); run 'eligibility audit verify'") from exc

    def _entry(self, db: sqlite3.Connection, row: tuple[Any, ...]) -> LogEntry:
        """A ``_entry_columns`` row as a ``LogEntry`` with its sealed body; raises ``LogError`` for a
        record that cannot be decoded, does not hash to its seal or is not the record its columns
        say (a damaged index can hand out another record): what a letter, a replay or an override
        shows is always a record as it was sealed (``verify`` names such records)."""
        seq, record_id, kind, subject, dossier_sha, as_of, stored, record_hash, dictionary = row
        try:
            body = self._codec.decode(db, stored, dictionary)
        except BodyUnreadable as exc:
            raise LogError(f"record {record_id} (seq {seq}) of {self.path} cannot be read: {exc}; "
                           "run 'eligibility audit verify'") from None
        checked, record = _checked(seq, record_id, kind, subject, dossier_sha, as_of, body, record_hash)
        if checked.problems:
            raise LogError(f"record {record_id} (seq {seq}) of {self.path} is not as it was sealed: "
                           f"{checked.problems[0].detail}; run 'eligibility audit verify'")
        entry = LogEntry(seq, record_id, kind, body, record_hash)
        entry.__dict__["record"] = record  # parsed once (``LogEntry.record`` is a cached property)
        return entry

    def _fetch(self, db: sqlite3.Connection, record_id: str) -> LogEntry:
        row = db.execute(f"SELECT {self._entry_columns} FROM records WHERE record_id = ?", (record_id,)).fetchone()
        if row is None:
            raise RecordNotFound(record_id, self.path)
        entry = self._entry(db, row)
        if entry.record_id != record_id:  # the column is read from the index: a damaged one answers for another id
            raise LogError(f"asked for record {record_id}, the log's index gave record {entry.record_id} (seq "
                           f"{entry.seq}): {self.path} is damaged; run 'eligibility audit verify'")
        return entry

    def _overrides_of(self, db: sqlite3.Connection, decision_record_id: str) -> list[Override]:
        """One decision's overrides, picked by the sealed ``decision_record_id`` of every override and approval
        (``_override_entries``), never by the unsealed subject column: one changed byte there hid an approval."""
        return _overrides(self._override_entries(db)).get(decision_record_id, [])

    def _override_entries(self, db: sqlite3.Connection) -> list[LogEntry]:
        """Every override and approval record, in chain order, each checked against its seal (``_entry``).

        Rows are picked by a scan of the table itself (``NOT INDEXED``: a damaged index would hide an
        approval) with ``_MAYBE_OVERRIDE``, which one changed byte in the unsealed kind or subject
        column cannot get past; it reads the small columns of each row, never a decision's body, so
        a screen run of 100,000 decisions pays a fraction of a second for it, once. The seqs seen
        must run 1, 2, 3, ... up to the log's counter: a record taken out (an approval, say) is a
        ``LogError`` here, not an override silently shown as pending. Only ``verify`` can say more.
        """
        wanted: list[int] = []
        expected = 1
        for seq, maybe in db.execute(f"SELECT seq, {_MAYBE_OVERRIDE} FROM records NOT INDEXED ORDER BY seq"):
            if seq != expected:
                raise LogError(f"the decision log {self.path} has no record at seq {expected} (the next is seq {seq}): "
                               "a record was taken out; run 'eligibility audit verify'")
            expected += 1
            if maybe:
                wanted.append(seq)
        counter = _readable(db, "SELECT seq FROM sqlite_sequence WHERE name = 'records'")
        if counter is not None and counter >= expected:
            raise LogError(f"the decision log {self.path} ends at seq {expected - 1}, but it had handed out seq "
                           f"{counter}: records were taken out at the end; run 'eligibility audit verify'")
        entries = []
        for seq in wanted:
            row = db.execute(f"SELECT {self._entry_columns} FROM records WHERE seq = ?", (seq,)).fetchone()
            entry = self._entry(db, row)
            if entry.kind not in ("override", "approval"):  # a forged record: sealed, with a subject, of no such kind
                raise LogError(f"record {entry.record_id} (seq {seq}) of {self.path} is stored as an override or "
                               f"approval but sealed as kind {entry.kind!r}; run 'eligibility audit verify'")
            entries.append(entry)
        return entries

    def _check_row(self, db: sqlite3.Connection, seq: int, record_id: str, kind: str, subject: str | None,
                   dossier_sha: str | None, as_of: str | None, stored: Any, record_hash: str,
                   dictionary: int | None) -> _Row:
        try:
            body = self._codec.decode(db, stored, dictionary)
        except BodyUnreadable as exc:
            return _Row(seq, record_id, record_hash, seq, None, None,
                        [Problem("changed", seq, record_id, f"the stored record cannot be read: {exc}")])
        return _checked(seq, record_id, kind, subject, dossier_sha, as_of, body, record_hash)[0]


def _lenient_text(data: bytes) -> str:
    """A text column as text even when a changed byte left it invalid UTF-8 (shown as U+FFFD): the
    record whose column it is then fails its check, by name, instead of the whole read."""
    return data.decode("utf-8", "replace")


def _family(header: dict[str, Any]) -> str | None:
    """Which dictionary a record is compressed with: decisions per rule pack; others stay plain."""
    if header.get("kind") != "decision":
        return None
    pack = header.get("pack") or {}
    return f"decision {pack.get('sha256')}"


def _schema(db: sqlite3.Connection) -> str | None:
    """The log's record schema; None for an SQLite file that is not a decision log."""
    try:
        row = db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
    except sqlite3.OperationalError:  # no meta table
        return None
    return None if row is None else str(row[0])


def _dictionary_column(db: sqlite3.Connection) -> str:
    present = {row[1] for row in db.execute("PRAGMA table_info(records)")}
    return "dictionary" if "dictionary" in present else "NULL"


def _add_dictionaries(db: sqlite3.Connection) -> None:
    """The dictionaries table, and the records' dictionary column in a log written before it."""
    db.executescript(DICTIONARIES_SQL)
    columns = {row[1] for row in db.execute("PRAGMA table_info(records)")}
    if "dictionary" not in columns:
        db.execute("ALTER TABLE records ADD COLUMN dictionary INTEGER")


def override_in_force(overrides: Iterable[Override]) -> Override | None:
    """Of one decision's overrides, the one in force: the latest approved (None: the automatic verdict is)."""
    return max((o for o in overrides if o.approved), key=lambda o: o.approved_seq or 0, default=None)


def _set_up(db: sqlite3.Connection) -> None:
    """The log's tables, as this version writes them (each only if it is not there yet)."""
    db.execute("PRAGMA journal_mode=WAL")
    db.executescript(_SCHEMA_SQL)
    _add_dictionaries(db)
    db.executescript(PACKS_SQL)


def _copy_new(made: Path, path: Path) -> None:
    """``made``'s bytes into a new file at ``path``, unless one is there: never over a log another process made
    (and may have written to) meanwhile. While the bytes are copied, an open of the log is refused as cut off."""
    try:
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        return
    with os.fdopen(handle, "wb") as placed:
        placed.write(made.read_bytes())
        placed.flush()
        os.fsync(placed.fileno())


def _create(path: Path) -> None:
    """A new log at ``path``, made in one step: set up in a file of its own, then linked into place. So no process
    sees a log file without its header (``cut_off`` refuses an empty file: it may be a log cut to nothing), and of
    processes making the same log at once, one places its file and the others open that one."""
    _remove_abandoned(path)
    made = path.with_name(f".{path.name}.{uuid.uuid4().hex}.new")
    try:
        with closing(sqlite3.connect(made, isolation_level=None)) as db:
            _set_up(db)
        try:
            os.link(made, path)
        except FileExistsError:
            pass  # made meanwhile by another process: that one is the log
        except OSError:  # a file system without hard links: copied into a file this process alone made
            _copy_new(made, path)
    finally:
        for leftover in (made, Path(f"{made}-wal"), Path(f"{made}-shm")):
            leftover.unlink(missing_ok=True)


ABANDONED_AFTER_SECONDS = 600
"""A ``_create`` file this old was left by a process killed while making the log (making one takes milliseconds)."""


def _remove_abandoned(path: Path) -> None:
    """Remove the files of earlier ``_create`` calls for ``path`` that a killed process left beside it: hidden, but
    they stayed for good. Only files of exactly that name form, and only old ones: a process making the log at
    this moment keeps its own."""
    form = re.compile(rf"\.{re.escape(path.name)}\.[0-9a-f]{{32}}\.new(?:-wal|-shm)?")
    now = time.time()
    try:
        candidates = list(path.parent.iterdir())  # not glob: a log's name may hold "[" or "*"
    except OSError:  # a folder that cannot be listed: nothing to tidy, the log is made all the same
        return
    for candidate in candidates:
        try:
            if form.fullmatch(candidate.name) and now - candidate.stat().st_mtime > ABANDONED_AFTER_SECONDS:
                candidate.unlink()
        except OSError:  # gone meanwhile, or not ours to remove: the new log is made all the same
            continue


def effective_verdict(entry: LogEntry, overrides: list[Override]) -> Verdict:
    """The automatic verdict unless an override was approved; the latest approval wins."""
    in_force = override_in_force(overrides)
    return entry.verdict if in_force is None else in_force.verdict


def _overrides(entries: list[LogEntry]) -> dict[str, list[Override]]:
    """Per decision, its overrides with their approvals. Raises ``LogError`` naming an approval that breaks
    the rules (``_Approvals``): every reader refuses it alike, rather than each reading it its own way."""
    requests: dict[str, Override] = {}
    approvals = _Approvals()
    for entry in entries:
        record = entry.record
        if entry.kind == "override":
            approvals.request(entry.record_id, record)
            requests[entry.record_id] = Override(
                override_id=entry.record_id, decision_record_id=record["decision_record_id"], officer=record["officer"],
                verdict=Verdict(record["verdict"]), automatic_verdict=Verdict(record["automatic_verdict"]),
                justification=record["justification"], citation=record["citation"],
                requested_at=record["logged_at"], requested_seq=entry.seq,
            )
        elif entry.kind == "approval":
            _, fault = approvals.place(entry.record_id, record)
            if fault is not None:
                raise LogError(f"approval {entry.record_id} (seq {entry.seq}) breaks the override rules: {fault}; "
                               "run 'eligibility audit verify'")
            request = requests[record["override_id"]]
            requests[request.override_id] = Override(**{
                **request.__dict__, "approval_id": entry.record_id, "approver": record["approver"],
                "approved_at": record["logged_at"], "approved_seq": entry.seq})
    found: dict[str, list[Override]] = {}
    for override in requests.values():
        found.setdefault(override.decision_record_id, []).append(override)
    return found


class _Approvals:
    """Which override request each approval approves, record by record in chain order: the one reading of
    the override rules (``_approval_fault``) that readers (``_overrides``; through them ``approve_override``
    refuses a second approval) and ``verify`` (``_override_problems``) share, so that neither places an
    approval the other refuses."""

    def __init__(self) -> None:
        self._requests: dict[str, dict[str, Any]] = {}
        """Sealed override requests by record id."""
        self._approved_by: dict[str, str] = {}
        """Override record id -> the approval placed on it."""

    def request(self, record_id: str, sealed: dict[str, Any]) -> None:
        """An override request: approvals later in the log may approve it."""
        self._requests[record_id] = sealed

    def place(self, record_id: str, approval: dict[str, Any]) -> tuple[dict[str, Any] | None, str | None]:
        """The sealed request ``approval`` approves (None: no override request earlier in the log) and why
        the approval cannot be placed (None: it is placed, and a later approval of that request is a second one)."""
        override_id = approval.get("override_id")
        request = self._requests.get(override_id) if isinstance(override_id, str) else None
        fault = _approval_fault(approval, request, self._approved_by.get(override_id) if request else None)
        if fault is None:
            self._approved_by[override_id] = record_id
        return request, fault


def _approval_fault(approval: dict[str, Any], request: dict[str, Any] | None, approved_by: str | None) -> str | None:
    """Why a sealed approval cannot be placed, or None. ``request`` is the sealed override it approves
    when that came earlier in the log, ``approved_by`` the approval that override already had. No
    version of this program wrote such an approval: ``verify`` names it, every reader refuses it
    (before, each reader placed it its own way: the letter on one decision, the list on another)."""
    override_id = approval.get("override_id")
    if request is None:
        return f"it approves {override_id}, which is no override request earlier in the log"
    if approval.get("decision_record_id") != request.get("decision_record_id"):
        return (f"it names decision {approval.get('decision_record_id')}, but override {override_id} is of decision "
                f"{request.get('decision_record_id')}")
    if approved_by is not None:
        return f"override {override_id} was already approved (record {approved_by})"
    return None


def _four_eyes_fault(approval: dict[str, Any], request: dict[str, Any]) -> str | None:
    """Whether an approval is by the officer who requested the override (``_same_person``). Only
    ``verify`` checks it: names compare more strictly than in earlier versions, and a reader must
    still show a log those wrote as it was sealed."""
    if _same_person(str(request.get("officer")), str(approval.get("approver"))):
        return (f"four eyes: it is by {approval.get('approver')!r}, and override {approval.get('override_id')} "
                f"was requested by {request.get('officer')!r}")
    return None


def _refuse_stale(request: LogEntry, overrides: list[Override]) -> None:
    """An override approved after ``request`` was made changed the verdict in force since (an undo, say):
    approving the older request would silently revive what was undone, so a new request must be made."""
    later = [o for o in overrides if o.approved and (o.approved_seq or 0) > request.seq]
    if later:
        last = max(later, key=lambda o: o.approved_seq or 0)
        raise OverrideError(f"override {request.record_id} was requested before override {last.override_id} was "
                            f"approved (record {last.approval_id}), which changed the verdict in force to "
                            f"{last.verdict.value}; make a new request instead")


def _required(value: str | None, what: str) -> str:
    """``value`` without surrounding space; refused when it shows nothing (spaces and invisible characters only)."""
    text = (value or "").strip()
    if not meaningful(text):
        raise OverrideError(f"an override needs a non-empty {what} (with a letter or digit)")
    return text


def _same_person(a: str, b: str) -> bool:
    """Whether two names are one (four eyes): compared as ``_person_key``s, so case, accents, spaces,
    punctuation, invisible characters, fullwidth forms and the lookalikes of ``_LOOKALIKES`` do not
    make the requesting officer someone else. Names are not identities: two names of one person
    still pass; that is for the region's own access control, which the log records nothing of."""
    return _person_key(a) == _person_key(b)


_LOOKALIKES = UNDECOMPOSED | str.maketrans({  # Latin letters NFKD leaves whole (dotless i, with a stroke), and:
    # Cyrillic letters drawn as a Latin one (small, or as capitals: the key is case folded first)
    "а": "a", "в": "b", "е": "e", "і": "i", "ј": "j", "к": "k", "м": "m", "н": "h", "о": "o",
    "р": "p", "с": "c", "т": "t", "у": "y", "х": "x", "ѕ": "s", "һ": "h", "ԁ": "d", "ԛ": "q", "ԝ": "w",
    # Greek likewise
    "α": "a", "β": "b", "ε": "e", "ζ": "z", "η": "h", "ι": "i", "κ": "k", "μ": "m", "ν": "n", "ο": "o",
    "ρ": "p", "τ": "t", "υ": "y", "χ": "x",
})
"""Letters of other scripts (after case folding) that look like a Latin letter in common fonts:
without this, "Аnna" with a Cyrillic А approves Anna's own override. A short list on purpose
(Unicode's confusables are thousands); a name that maps onto another is refused, never let through."""


def _person_key(name: str) -> str:
    """The name's letters and digits (``letters_and_digits``: no case, accents, spaces, punctuation or
    invisible characters; fullwidth letters plain), lookalikes mapped."""
    return letters_and_digits(name).translate(_LOOKALIKES)


def _pack_source(region: str | Path | None, pack: RulePack | None) -> dict[str, str | None]:
    """Where replay finds the pack again: its directory (None: bundled) and the overlay as given."""
    root = None
    if pack is not None and pack.root.resolve() != (RULES_DIR / pack.id).resolve():
        root = str(pack.root.resolve())
    overlay: str | None = None
    if region is not None:
        candidate = Path(region)
        overlay = str(candidate.resolve()) if candidate.suffix in (".yaml", ".yml") or candidate.exists() else str(region)
    elif pack is not None and pack.region is not None:
        overlay = pack.region
    return {"root": root, "overlay": overlay}


# --- verification -------------------------------------------------------------------------------


@dataclass
class _Row:
    """What verification keeps of one record: where it is, what it was sealed as, its problems."""

    seq: int
    record_id: str
    record_hash: str
    order: int
    """The seq the record was sealed with (its stored seq when the body cannot be read)."""
    prev_hash: str | None
    decision_record_id: str | None
    problems: list[Problem]
    kind: str | None = None
    """The sealed kind (None: the record cannot be read)."""
    overriding: dict[str, Any] | None = None
    """What the override rules read of an override or approval (``_override_problems``)."""

    @property
    def intact(self) -> bool:
        return not self.problems


_CHECKED_COLUMNS = (("record_id", "record_id"), ("kind", "kind"), ("subject", "decision_record_id"),
                    ("dossier_sha256", "dossier_sha256"), ("as_of", "as_of"))


def _checked(seq: int, record_id: str, kind: str, subject: str | None, dossier_sha: str | None, as_of: str | None,
             body: Any, record_hash: str) -> tuple[_Row, dict[str, Any]]:
    """One record on its own (valid JSON, hashing to its seal, agreeing with its index columns), and the
    record as parsed ({} when it is not valid JSON)."""
    data = bytes(body) if isinstance(body, (bytes, memoryview)) else str(body).encode("utf-8", "surrogateescape")
    try:
        record = json.loads(data)
        if not isinstance(record, dict) or not isinstance(record.get("prev_hash"), str):
            raise ValueError("not a log record")
    except ValueError as exc:  # UnicodeDecodeError is a ValueError
        return _Row(seq, record_id, record_hash, seq, None, None,
                    [Problem("changed", seq, record_id, f"the stored record is no longer valid ({exc})")]), {}
    problems = []
    actual = sha256(record["prev_hash"].encode("utf-8") + data).hexdigest()
    if actual != record_hash:
        problems.append(Problem("changed", seq, record_id,
                                f"content hashes to {actual}, but the record was sealed as {record_hash}"))
    columns = {"record_id": record_id, "kind": kind, "subject": subject, "dossier_sha256": dossier_sha, "as_of": as_of}
    for column, key in _CHECKED_COLUMNS:
        if columns[column] != record.get(key):
            problems.append(Problem("changed", seq, record_id,
                                    f"column {column} is {columns[column]!r}, the sealed record says {record.get(key)!r}"))
    sealed_seq = record.get("seq")
    if sealed_seq != seq:
        problems.append(Problem("reordered", seq, record_id, f"stored at seq {seq}, but sealed as seq {sealed_seq}"))
    kind_sealed = record.get("kind")
    overriding = ({key: record.get(key) for key in _OVERRIDE_FIELDS} if kind_sealed != "decision" else None)
    return _Row(seq, record_id, record_hash, sealed_seq if isinstance(sealed_seq, int) else seq,
                record["prev_hash"], record.get("decision_record_id"), problems,
                kind_sealed if isinstance(kind_sealed, str) else repr(kind_sealed), overriding), record


_OVERRIDE_FIELDS = ("override_id", "decision_record_id", "officer", "approver")


def _override_problems(rows: list[_Row]) -> list[Problem]:
    """Records of no known kind, and approvals that break the override rules (``_Approvals``, as readers
    apply them, and ``_four_eyes_fault``): correctly sealed, so only these checks find them."""
    problems = []
    approvals = _Approvals()
    for row in rows:
        if row.kind is None:
            continue
        if row.kind not in KINDS:
            problems.append(Problem("invalid", row.seq, row.record_id, f"sealed as kind {row.kind!r}, which the log "
                                    f"does not know ({', '.join(KINDS)})"))
        elif row.kind == "override":
            approvals.request(row.record_id, row.overriding or {})
        elif row.kind == "approval" and row.intact:
            approval = row.overriding or {}
            request, fault = approvals.place(row.record_id, approval)  # where readers place it too
            fault = fault or _four_eyes_fault(approval, request or {})
            if fault is not None:
                problems.append(Problem("invalid", row.seq, row.record_id, fault))
    return problems


def _plausible(raw: tuple[Any, ...]) -> bool:
    """Whether a row read from the records table can be a record at all: a damaged page can make
    SQLite give rows of nothing (seq 0, no record id)."""
    return isinstance(raw[0], int) and raw[0] > 0 and isinstance(raw[1], str)


INTEGRITY_LINES = 5
"""Lines of SQLite's integrity check quoted in a verify report (then a count of the others)."""


def _structure_damage(db: sqlite3.Connection) -> list[Problem]:
    """SQLite's integrity check, as one problem: a damaged index can hand out the wrong record or
    hide one (an override's approval), although every record in the table is intact."""
    lines = [line for (message,) in db.execute("PRAGMA integrity_check(100)") for line in str(message).splitlines()
             if line.strip() and line != "ok" and not line.startswith("*** in database")]
    if not lines:
        return []
    shown = "; ".join(lines[:INTEGRITY_LINES]) + (f"; and {len(lines) - INTEGRITY_LINES} more" if len(lines) > INTEGRITY_LINES
                                                   else "")
    return [Problem("changed", None, None, f"the file's structure is damaged (SQLite's integrity check: {shown})")]


def _readable(db: sqlite3.Connection, query: str) -> int | None:
    """The integer ``query`` gives, or None when it gives none or the file cannot answer it."""
    try:
        row = db.execute(query).fetchone()
    except sqlite3.DatabaseError:
        return None
    return row[0] if row and isinstance(row[0], int) else None


def _problem_order(problem: Problem) -> tuple[int, str]:
    return problem.seq if problem.seq is not None else 0, problem.kind


def _verify(path: Path, rows: list[_Row], counter: int | None, unread: set[int | None] | None = None) -> VerifyReport:
    """Each record on its own (done), then the chain in sealed order, then the tail against the counter.

    ``unread``: seqs already named as records the file cannot give; not reported again as removed."""
    unread = unread or set()
    problems = [problem for row in rows for problem in row.problems]
    linked = {row.prev_hash for row in rows if row.prev_hash}
    chain: list[_Row] = []
    for group in _groups_by_order(rows):
        genuine = min(group, key=lambda r: (r.record_hash not in linked, r.seq != r.order, r.seq))
        chain.append(genuine)
        for other in group:
            if other is not genuine:
                problems.append(Problem("inserted", other.seq, other.record_id,
                                        f"claims seq {other.order}, which belongs to record {genuine.record_id}"))
    by_hash = {row.record_hash: row for row in chain}
    expected, prev_hash = 1, GENESIS
    previous: _Row | None = None
    before_previous: _Row | None = None
    for row in chain:
        if row.order > expected:  # the link to a record that is missing or unreadable cannot be checked
            if not unread.issuperset(range(expected, row.order)):
                missing = f"seq {expected}" if row.order == expected + 1 else f"seqs {expected} to {row.order - 1}"
                problems.append(Problem("removed", expected, None,
                                        f"{missing} missing before seq {row.order} (record {row.record_id})"))
        elif row.prev_hash is not None and row.prev_hash != prev_hash and row.intact:
            broken = _broken_link(row, previous, before_previous, by_hash)
            if broken is not None:
                problems.append(broken)
        before_previous, previous = previous, row
        prev_hash = row.record_hash
        expected = row.order + 1
    if rows and counter is not None and counter > rows[-1].seq and not unread.issuperset(range(rows[-1].seq + 1,
                                                                                               counter + 1)):
        last = rows[-1].seq
        missing = f"seq {last + 1}" if counter == last + 1 else f"seqs {last + 1} to {counter}"
        problems.append(Problem("removed", last + 1, None, f"{missing} missing at the end of the log "
                                f"(the log had handed out seq {counter})"))
    known = {row.record_id for row in rows}
    dangling = sorted({row.decision_record_id for row in rows if row.decision_record_id and row.decision_record_id not in known})
    if dangling:
        problems.append(Problem("removed", None, ", ".join(dangling),
                                "overrides refer to these decision records, which are no longer in the log"))
    problems += _override_problems(rows)
    head = rows[-1] if rows else None
    return VerifyReport(path, len(rows), head.seq if head else None, head.record_hash if head else None,
                        sorted(problems, key=_problem_order))


def _groups_by_order(rows: list[_Row]) -> list[list[_Row]]:
    groups: dict[int, list[_Row]] = {}
    for row in rows:
        groups.setdefault(row.order, []).append(row)
    return [groups[order] for order in sorted(groups)]


def _broken_link(row: _Row, previous: _Row | None, before_previous: _Row | None,
                 by_hash: dict[str, _Row]) -> Problem | None:
    """Name the record(s) around a link that does not hold, with the likeliest cause.

    None when the record before it was already reported: its change explains the broken link.
    """
    claimed = row.prev_hash
    if previous is not None and before_previous is not None and claimed == before_previous.record_hash:
        return Problem("inserted", previous.seq, previous.record_id,
                       f"not part of the chain: seq {row.order} (record {row.record_id}) links to seq {before_previous.order}")
    if claimed == GENESIS and previous is not None:
        return Problem("reordered", row.seq, row.record_id, "sealed as the first record, but found later in the log")
    target = by_hash.get(claimed or "")
    if target is not None and target is not row:
        return Problem("reordered", row.seq, row.record_id,
                       f"sealed after seq {target.order} (record {target.record_id}), but found after seq "
                       f"{previous.order if previous else 0}")
    if previous is not None and not previous.intact:
        return None
    if previous is not None:
        return Problem("changed", previous.seq, previous.record_id,
                       f"re-sealed after the fact: seq {row.order} (record {row.record_id}) links to "
                       f"{claimed}, not to its hash {previous.record_hash}")
    return Problem("changed", row.seq, row.record_id, f"links to {claimed}, which is not the record before it")
