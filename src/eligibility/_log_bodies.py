"""How the decision log stores record bodies: zstd frames against a per-pack dictionary.

A decision record is about 25 KB of canonical JSON, and most of it (criterion titles, citations,
reasons, the dossier's provenance) repeats from one decision of a pack to the next. Stored
plainly, a screening run of 100,000 partners writes 2.5 GB of log and the log's writes dominate
the run. So a decision body is stored as a zstd frame compressed against a *raw-content
dictionary*: the canonical body of the first decision logged with that rule pack, kept once in
the ``dictionaries`` table. A body then takes well under 2 KB.

What is sealed does not change: ``record_hash`` is computed over the canonical (uncompressed)
body, and ``verify`` decompresses before hashing, so a flipped byte in a stored frame is found
either as a frame that no longer decompresses or as a body that no longer hashes to its seal.
A body that starts with ``{`` is plain canonical JSON (logs written before this storage, and
override and approval records, which are small); one that starts with the zstd magic number is
a frame, decompressed with the dictionary the row names (``records.dictionary``).
"""

from __future__ import annotations

import sqlite3
from hashlib import sha256

import zstandard

ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
LEVEL = 1
"""Measured on 25 KB screening records against their dictionary: level 1 takes 16 us and ~430
bytes, zstd's default level 3 29 us and ~400 bytes; the log's writer runs once per partner in
the process that also seals, so the faster level wins."""

DICTIONARIES_SQL = """
CREATE TABLE IF NOT EXISTS dictionaries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    family TEXT NOT NULL UNIQUE,
    data BLOB NOT NULL,
    sha256 TEXT NOT NULL
);
CREATE TRIGGER IF NOT EXISTS dictionaries_append_only_u BEFORE UPDATE ON dictionaries
    BEGIN SELECT RAISE(ABORT, 'the decision log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS dictionaries_append_only_d BEFORE DELETE ON dictionaries
    BEGIN SELECT RAISE(ABORT, 'the decision log is append-only'); END;
"""


class BodyUnreadable(ValueError):
    """A stored body that cannot be turned back into the bytes that were sealed."""


class BodyCodec:
    """Compresses bodies on the way in and decompresses them on the way out, for one log file.

    Dictionaries are immutable once written, so they are cached per id for the codec's life.
    """

    def __init__(self) -> None:
        self._by_id: dict[int, zstandard.ZstdCompressionDict] = {}
        self._id_of_family: dict[str, int] = {}
        self._compressors: dict[int, zstandard.ZstdCompressor] = {}
        self._decompressors: dict[int | None, zstandard.ZstdDecompressor] = {}

    def encode(self, db: sqlite3.Connection, family: str | None, body: bytes) -> tuple[bytes, int | None]:
        """(stored bytes, dictionary id) for ``body``; ``family`` None stores it plainly.

        The first body of a family becomes its dictionary (inside the caller's write
        transaction, so concurrent writers agree on one).
        """
        if family is None:
            return body, None
        dictionary = self._id_of_family.get(family)
        if dictionary is None:
            dictionary = self._family_dictionary(db, family, body)
        compressor = self._compressors.get(dictionary)
        if compressor is None:
            compressor = zstandard.ZstdCompressor(level=LEVEL, dict_data=self._dictionary(db, dictionary),
                                                  write_checksum=True)
            self._compressors[dictionary] = compressor
        return compressor.compress(body), dictionary

    def decode(self, db: sqlite3.Connection, stored: bytes | memoryview | str | None, dictionary: int | None) -> bytes:
        """The sealed bytes of a stored body; raises ``BodyUnreadable``."""
        if stored is None:  # what SQLite gives for a cell a damaged page no longer holds
            raise BodyUnreadable("the stored body is missing (NULL)")
        if isinstance(stored, str):  # text only if someone rewrote the row by hand
            return stored.encode("utf-8", "surrogateescape")
        data = bytes(stored)
        if not data.startswith(ZSTD_MAGIC):
            return data
        decompressor = self._decompressors.get(dictionary)
        if decompressor is None:
            try:
                dict_data = None if dictionary is None else self._dictionary(db, dictionary)
            except KeyError:
                raise BodyUnreadable(f"its dictionary {dictionary} is not in the log") from None
            decompressor = zstandard.ZstdDecompressor(dict_data=dict_data)
            self._decompressors[dictionary] = decompressor
        try:
            return decompressor.decompress(data)
        except zstandard.ZstdError as exc:
            raise BodyUnreadable(f"the stored frame does not decompress ({exc})") from None

    def _family_dictionary(self, db: sqlite3.Connection, family: str, body: bytes) -> int:
        row = db.execute("SELECT id FROM dictionaries WHERE family = ?", (family,)).fetchone()
        if row is None:
            cursor = db.execute("INSERT INTO dictionaries (family, data, sha256) VALUES (?, ?, ?)",
                                (family, body, sha256(body).hexdigest()))
            row = (cursor.lastrowid,)
        dictionary = int(row[0])
        self._id_of_family[family] = dictionary
        return dictionary

    def _dictionary(self, db: sqlite3.Connection, dictionary: int) -> zstandard.ZstdCompressionDict:
        cached = self._by_id.get(dictionary)
        if cached is None:
            row = db.execute("SELECT data, sha256 FROM dictionaries WHERE id = ?", (dictionary,)).fetchone()
            if row is None:
                raise KeyError(dictionary)
            data = bytes(row[0])
            if sha256(data).hexdigest() != row[1]:
                raise BodyUnreadable(f"dictionary {dictionary} was changed after it was written")
            cached = zstandard.ZstdCompressionDict(data, dict_type=zstandard.DICT_TYPE_RAWCONTENT)
            self._by_id[dictionary] = cached
        return cached

    def forget(self) -> None:
        """Drop every cache: a rolled-back transaction may have created a dictionary whose id a
        later one reuses for other bytes."""
        self._by_id.clear()
        self._id_of_family.clear()
        self._compressors.clear()
        self._decompressors.clear()
