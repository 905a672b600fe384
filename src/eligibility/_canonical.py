"""The canonical byte form of JSON data: what is hashed, logged and compared."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from functools import lru_cache
from typing import Any


def canonical_json(data: Any) -> bytes:
    """Sorted keys, no spaces, UTF-8: the byte form that is hashed, logged and compared."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode("utf-8")


def canonical_json_with(data: Mapping[str, Any], raw: Mapping[str, bytes]) -> bytes:
    """``canonical_json({**data, **raw})`` where ``raw`` values are canonical JSON already.

    Canonical JSON is compositional (keys sorted at every level, no spaces), so a member made
    earlier, or once for many records, is put in as it is instead of being parsed and
    serialised again; the members between two such are serialised together. Tests check the
    result equals ``canonical_json`` of the whole.
    """
    return canonical_json_placed(data, raw)[0]


def canonical_json_placed(data: Mapping[str, Any], raw: Mapping[str, bytes]) -> tuple[bytes, dict[str, tuple[int, int]]]:
    """``canonical_json_with`` and where each ``raw`` value lies in it: {key: (offset, length)}."""
    pieces: list[bytes] = [b"{"]
    places: dict[str, tuple[int, int]] = {}
    size = 1
    between: dict[str, Any] = {}

    def put(piece: bytes) -> None:
        nonlocal size
        if size > 1:
            pieces.append(b",")
            size += 1
        pieces.append(piece)
        size += len(piece)

    for key in sorted({*data, *raw}):
        if key in raw:
            if between:
                put(canonical_json(between)[1:-1])
                between = {}
            put(_member_name(key) + raw[key])
            places[key] = (size - len(raw[key]), len(raw[key]))
        else:
            between[key] = data[key]
    if between:
        put(canonical_json(between)[1:-1])
    pieces.append(b"}")
    return b"".join(pieces), places


@lru_cache(maxsize=256)
def _member_name(key: str) -> bytes:
    """``"key":`` as canonical JSON: records put the same few members in, millions of times."""
    return canonical_json(key) + b":"


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
