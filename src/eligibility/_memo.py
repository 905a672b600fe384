"""Criterion decisions remembered across the dossiers of one batch, keyed by what each rule reads.

A screening list repeats inputs a great deal: most partners of a long list are in no register,
so their SNA, SNCU, ABU, ... sections are the same "read, nothing found" for every row. A
criterion's decision is a pure function of the parts of the dossier its rule can read (and of
the pack and the decision date, fixed per ``CompiledPack``), so it is computed once per distinct
combination of those parts and reused, byte for byte.

What a rule can read (``rule_parts``) is found statically, conservatively: the facts its
conditions compare, the lists its ``any_item`` clauses explain, every ``{placeholder}`` in its
texts, its evidence paths and, transitively, the inputs of every derived fact among these. Each
fact path maps to a *dossier part*: a register section (``registers.sna``), a partner field
(``partner.kvk_number``), a declaration, or a top-level list (``housing``). The key holds the
roles (applicability and its explanation name them) and the canonical JSON of each part.

A property test evaluates mixed dossiers through one memo and compares every decision with a
fresh evaluation, byte for byte.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any

from ._decision import CriterionDecision
from ._pack import RulePack, derived_inputs, derived_path, walk_compares
from ._rules_model import AnyItem, Condition, LocalText, Rule

ENTRIES_PER_RULE = 512
"""Distinct keys kept per rule (least recently used dropped): bounds memory on lists without repeats."""

_NESTED = frozenset({"partner", "registers", "declarations"})
"""Dossier fields whose own fields are the parts (``registers.sna``, ``partner.kvk_number``)."""
_TOP = frozenset({"partner", "registers", "declarations", "roles", "housing", "equivalence", "schema_version"})
_PLACEHOLDER = re.compile(r"\{([a-z_$][a-z0-9_.$]*)\}")

Part = tuple[str, ...]
"""A dossier part as a path: ("registers", "sna"), ("housing",)."""
Key = tuple[str, ...]
"""A rule's key: the encoded parts it reads, in a fixed order."""
Entry = tuple[CriterionDecision, bytes]
"""A remembered criterion decision and its canonical JSON."""


def part_of(path: str) -> Part | None:
    """The dossier part a fact path lies in; None for facts no dossier holds (``as_of``, a window start)."""
    segments = path.lstrip("$").split(".")
    if segments[0] not in _TOP:
        return None
    return tuple(segments[:2]) if segments[0] in _NESTED and len(segments) > 1 else (segments[0],)


def rule_parts(pack: RulePack, rule: Rule) -> frozenset[Part]:
    """Every dossier part ``rule``'s decision can depend on (roles always)."""
    return rule_reads(pack, rule)[0]


def rule_reads(pack: RulePack, rule: Rule) -> tuple[frozenset[Part], frozenset[str]]:
    """The dossier parts ``rule``'s decision can depend on, and every fact path it can read.

    Derived facts are followed to their inputs. A part read in any way also brings in every
    derived fact stored inside it (an item of a list carries all its derived fields, and a
    text may show any of them), until nothing new is added. The paths say which derived facts
    a decision of this rule alone needs computed."""
    derived = pack.all_derived()
    by_path = {derived_path(d): d for d in derived}
    pending = list(_paths_read(rule))
    seen: set[str] = set()
    parts: set[Part] = {("roles",)}
    while pending:
        path = pending.pop()
        if path in seen:
            continue
        seen.add(path)
        for piece in _pieces(path):
            part = part_of(piece)
            if part is not None and part not in parts:
                parts.add(part)
                pending.extend(derived_path(d) for d in derived if part_of(derived_path(d)) == part)
            if piece in by_path:
                pending.extend(derived_inputs(by_path[piece]))
    return frozenset(parts), frozenset(piece for path in seen for piece in _pieces(path))


def _pieces(path: str) -> list[str]:
    """An item path may reach back to the top (``results.$window_start``): both halves are read."""
    head, _, top = path.partition(".$")
    return [head, top] if top else [head]


def _paths_read(rule: Rule) -> Iterable[str]:
    for _, clause in rule.outcomes.clauses():
        yield from (path for path, _ in walk_compares(clause.when))
        yield from _item_lists(clause.when)
        for text in (clause.reason, clause.remedy):
            yield from _placeholders(text)
    yield from _placeholders(rule.outcomes.otherwise)
    yield from (evidence.path for evidence in rule.evidence)
    yield from (derived_path(d) for d in rule.derived)


def _item_lists(condition: Condition) -> Iterable[str]:
    if isinstance(condition, AnyItem):
        yield condition.any_item
        yield from (f"{condition.any_item}.{path}" for path in _item_lists(condition.where))
    for child in getattr(condition, "all", None) or getattr(condition, "any", None) or []:
        yield from _item_lists(child)


def _placeholders(text: LocalText | None) -> Iterable[str]:
    if text is not None:
        for language in (text.nl, text.en):
            yield from (name.lstrip("$") for name in _PLACEHOLDER.findall(language))


class CriterionMemo:
    """Per rule, criterion decisions by the canonical JSON of the parts the rule reads."""

    def __init__(self, pack: RulePack) -> None:
        reads = {rule.id: rule_reads(pack, rule) for rule in pack.rules}
        self.parts = {rule_id: sorted(parts) for rule_id, (parts, _) in reads.items()}
        self.facts = {rule_id: paths for rule_id, (_, paths) in reads.items()}
        """Per rule, the fact paths it can read: derive only these for a criterion not remembered."""
        self._entries: dict[str, OrderedDict[Key, Entry]] = {rule.id: OrderedDict() for rule in pack.rules}
        self.hits = 0
        self.misses = 0

    def keys(self, dossier_json: dict[str, Any]) -> dict[str, Key]:
        """Each rule's key for one dossier (each part serialised once)."""
        encoded: dict[Part, str] = {}
        keys = {}
        for rule_id, parts in self.parts.items():
            key = []
            for part in parts:
                if part not in encoded:
                    encoded[part] = _encode(dossier_json, part)
                key.append(encoded[part])
            keys[rule_id] = tuple(key)
        return keys

    def get(self, rule_id: str, key: Key) -> Entry | None:
        entries = self._entries[rule_id]
        entry = entries.get(key)
        if entry is None:
            self.misses += 1
            return None
        entries.move_to_end(key)
        self.hits += 1
        return entry

    def put(self, rule_id: str, key: Key, entry: Entry) -> None:
        entries = self._entries[rule_id]
        entries[key] = entry
        if len(entries) > ENTRIES_PER_RULE:
            entries.popitem(last=False)


def _encode(dossier_json: dict[str, Any], part: Part) -> str:
    """``repr`` of the part's JSON data: the data of one dossier model always has its keys in
    the model's order, and ``repr`` tells apart what JSON would (``1`` and ``1.0``, ``"1"``),
    at a fraction of ``json.dumps``' cost. Equal text, equal part."""
    node: Any = dossier_json
    for name in part:
        node = node.get(name) if isinstance(node, dict) else None
    return repr(node)
