"""The canonical byte form of JSON data: what is hashed, logged and compared."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
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
    pieces: list[bytes] = []
    between: dict[str, Any] = {}
    for key in sorted({*data, *raw}):
        if key in raw:
            if between:
                pieces.append(canonical_json(between)[1:-1])
                between = {}
            pieces.append(canonical_json(key) + b":" + raw[key])
        else:
            between[key] = data[key]
    if between:
        pieces.append(canonical_json(between)[1:-1])
    return b"{" + b",".join(pieces) + b"}"


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
