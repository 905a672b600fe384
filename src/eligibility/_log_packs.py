"""The rule packs a decision log's decisions were made under, kept in the log itself.

A decision records its pack's id, version and hash; replay needs the pack's files. The bundled
pack changes with every release (eight in a fortnight), and a pack directory given with
``--pack`` may be gone months later, so replay could reproduce no decision made before the last
release. The first time a pack (with its regional overlay) is used, its files go into the
``packs`` table, keyed by the pack's hash (``RulePack.pack_hash``): a few tens of KB compressed,
once per release. Replay restores them when the pack on disk no longer has the hash the
decision names; the restored files must hash to it again, so a changed archive cannot pass for
the pack that decided. The table is append-only, like the records, but not part of the chain:
what it holds is checked by hash on use.
"""

from __future__ import annotations

import json
import sqlite3
import tempfile
from collections.abc import Callable
from pathlib import Path

import zstandard

from ._canonical import canonical_json, sha256_hex
from ._errors import LogError
from ._pack import RulePack, _overlay_path, apply_overlay, content_hash, pack_key

PACKS_SQL = """
CREATE TABLE IF NOT EXISTS packs (key TEXT PRIMARY KEY, files BLOB NOT NULL);
CREATE TRIGGER IF NOT EXISTS packs_append_only_u BEFORE UPDATE ON packs
    BEGIN SELECT RAISE(ABORT, 'the decision log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS packs_append_only_d BEFORE DELETE ON packs
    BEGIN SELECT RAISE(ABORT, 'the decision log is append-only'); END;
"""

_BASE = "pack/"
_OVERLAY = "overlay.yaml"


def pack_files(pack: RulePack, region: str | Path | None) -> dict[str, str]:
    """The files the pack's hash is taken of (index, concepts, rules), and the overlay's, as text by path."""
    relative = ["index.yaml", *pack.index.concepts, *pack.index.rules]
    files = {_BASE + path: (pack.root / path).read_bytes().decode("utf-8") for path in relative}
    overlay = region if region is not None else pack.region
    if overlay is not None:
        files[_OVERLAY] = _overlay_path(overlay).read_bytes().decode("utf-8")
    return files


def store_pack(db: sqlite3.Connection, pack: RulePack, region: str | Path | None) -> None:
    """Keep the pack's files under its hash, unless the log holds them already (inside the caller's
    transaction). Files changed on disk since the pack was loaded are not kept: they are not the
    pack that decides, and a later run keeps the right ones."""
    if db.execute("SELECT 1 FROM packs WHERE key = ?", (pack.pack_hash,)).fetchone() is not None:
        return
    try:
        files = pack_files(pack, region)
    except (OSError, UnicodeDecodeError):  # moved or unreadable: replay says the pack cannot be found
        return
    overlay = files.get(_OVERLAY)
    if pack_key(files_hash(files), None if overlay is None else sha256_hex(overlay.encode("utf-8"))) != pack.pack_hash:
        return  # the base files, or the overlay, changed since the pack was loaded
    packed = zstandard.ZstdCompressor(level=19).compress(canonical_json(files))
    db.execute("INSERT INTO packs (key, files) VALUES (?, ?)", (pack.pack_hash, packed))


def files_hash(files: dict[str, str]) -> str:
    """The base pack's hash of kept files (``_pack.content_hash``, as of the files on disk)."""
    return content_hash((name[len(_BASE):], text.encode("utf-8")) for name, text in files.items()
                        if name.startswith(_BASE))


def archived_files(db: sqlite3.Connection, key: str) -> dict[str, str] | None:
    """The files kept under a pack hash; None when the log holds none (a log from before this, or an
    older table). Raises ``LogError`` when they cannot be read."""
    try:
        row = db.execute("SELECT files FROM packs WHERE key = ?", (key,)).fetchone()
    except sqlite3.OperationalError:  # no packs table: a log written before packs were kept
        return None
    if row is None:
        return None
    try:
        files = json.loads(zstandard.ZstdDecompressor().decompress(row[0]))
    except (zstandard.ZstdError, ValueError) as exc:
        raise LogError(f"the rule pack kept in the log under {key} cannot be read: {exc}") from exc
    if not isinstance(files, dict):
        raise LogError(f"the rule pack kept in the log under {key} is no set of files")
    return files


def restore_pack(files: dict[str, str], load_base: Callable[[Path], RulePack]) -> RulePack:
    """The pack (with its overlay) from kept files, loaded from a temporary folder with ``load_base``
    (an uncached loader). The caller compares its hash with the one the decision names."""
    with tempfile.TemporaryDirectory(prefix="eligibility-pack-") as folder:
        root = Path(folder)
        for name, text in files.items():
            target = (root / name).resolve()
            if root.resolve() not in target.parents:
                raise LogError(f"the rule pack kept in the log names a file outside its folder: {name!r}")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(text.encode("utf-8"))
        pack = load_base(root / _BASE.rstrip("/"))
        return apply_overlay(pack, root / _OVERLAY) if _OVERLAY in files else pack
