"""Register records tied to a partner by name only: listed in every output an officer reads.

A record linked by KvK number is the partner's; one linked by name (``LinkMethod.NAME``) may be
someone else of a similar name. The rules say so where such a record decides an outcome; these
lists show every one of them, also those that decided nothing, so an officer can confirm or reject
each (PRODUCT.md principle 1: a guess is never passed off as a fact).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ._dossier import Dossier, Link, LinkMethod, Registers

REGISTERS = tuple(Registers.model_fields)
"""Every register section of a dossier, in the dossier's order."""

_SECTION_COMMON = frozenset({"status", "provenance", "error"})


def name_matches(dossier: Dossier) -> list[str]:
    """Every register record tied to the partner by name only, as ``register: matched name score``."""
    found = []
    for register in REGISTERS:
        section = getattr(dossier.registers, register)
        if section is None:
            continue
        for link in _links(section):
            if link.method is LinkMethod.NAME:
                score = f" {link.score:g}" if link.score is not None else ""
                found.append(f"{register}: {link.matched_name or '?'}{score}")
    return found


def _links(section: Any) -> Iterator[Link]:
    """The links of a section's records: each record (or list of records) holds its ``link``."""
    for name in type(section).model_fields:
        if name in _SECTION_COMMON:
            continue
        value = getattr(section, name)
        for record in value if isinstance(value, list) else (value,):
            link = getattr(record, "link", None)
            if isinstance(link, Link):
                yield link
