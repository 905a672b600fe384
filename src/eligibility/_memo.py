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

**The partner's own KvK number.** The KvK, SNA and NAU criteria read it, and every partner of
a list has another, so keyed by it they would never be remembered. But these rules treat it as a
name only (``number_blind``, checked statically): they test whether it is there, compare it for
equality with a register's number (a derived ``equals``) and show it in texts. For such a rule,
when no other part it reads holds the number, the decision for one number is the decision for
any other with the number replaced. So it is decided once with a stand-in (``STAND_IN``, a
private-use text no register holds) and remembered under a key without the number; each partner
gets it with the stand-in replaced by its own number, in the bytes and in the model.

A property test evaluates mixed dossiers (parts from many dossiers, KvK numbers drawn at random
or from the registers) through one memo and compares every decision with a fresh evaluation,
byte for byte.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel

from ._canonical import canonical_json
from ._decision import CriterionDecision
from ._pack import RulePack, derived_inputs, derived_path, walk_compares
from ._rules_model import AnyItem, Compare, Condition, LocalText, Rule

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
Entry = tuple[CriterionDecision, bytes, tuple[tuple[str | int, ...], ...]]
"""A remembered criterion decision, its canonical JSON, and where ``STAND_IN`` shows in it."""

KVK_PART: Part = ("partner", "kvk_number")
KVK_PATH = "partner.kvk_number"
STAND_IN = "\ue000kvk\ue000"
"""Stands for the partner's KvK number in a decision made for any number (private use area:
no register or partner text holds it; a dossier that does is keyed by its own number)."""
_STAND_IN_BYTES = STAND_IN.encode("utf-8")
_STAND_IN_REPR = repr(STAND_IN)[1:-1]
"""How ``repr`` (the part encoding) shows it."""
_ANY_NUMBER = "<any KvK number>"


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


def number_blind(pack: RulePack, rule: Rule) -> bool:
    """Whether ``rule`` uses the partner's KvK number only as a name: it reads it, every
    comparison of it tests presence only, every derived fact of the pack taking it in is an
    ``equals`` of two facts, and it is no evidence or item list. Then swapping the number for
    another that no other part holds swaps it in the texts and trace, and changes nothing else."""
    parts, paths = rule_reads(pack, rule)
    if KVK_PART not in parts or ("partner",) in parts or KVK_PATH not in paths:
        return False
    for _, clause in rule.outcomes.clauses():
        for path, compare in walk_compares(clause.when):
            if path == KVK_PATH and not _presence_only(compare):
                return False
        if KVK_PATH in set(_item_lists(clause.when)):
            return False
    if any(evidence.path == KVK_PATH for evidence in rule.evidence):
        return False
    return all(derived.equals is not None and derived.for_each is None
               for derived in pack.all_derived() if KVK_PATH in derived_inputs(derived))


def _presence_only(compare: Compare) -> bool:
    tests = ("eq", "ne", "lt", "lte", "gt", "gte", "in_", "not_in")
    return all(getattr(compare, name) is None for name in tests)


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
        self.number_blind = frozenset(rule.id for rule in pack.rules if number_blind(pack, rule))
        self._entries: dict[str, OrderedDict[Key, Entry]] = {rule.id: OrderedDict() for rule in pack.rules}
        self.hits = 0
        self.misses = 0

    def keys(self, dossier_json: dict[str, Any]) -> tuple[dict[str, Key], frozenset[str]]:
        """Each rule's key for one dossier (each part serialised once), and the rules keyed
        without the partner's KvK number (decided with ``STAND_IN``, see the module)."""
        encoded: dict[Part, str] = {}
        keys = {}
        blind = []
        partner = dossier_json.get("partner")
        number = partner.get("kvk_number") if isinstance(partner, dict) else None
        for rule_id, parts in self.parts.items():
            key = []
            for part in parts:
                if part not in encoded:
                    encoded[part] = _encode(dossier_json, part)
                key.append(encoded[part])
            if rule_id in self.number_blind and isinstance(number, str) and number:
                others = [text for part, text in zip(parts, key, strict=True) if part != KVK_PART]
                if not any(number in text or _STAND_IN_REPR in text for text in others):
                    key[parts.index(KVK_PART)] = _ANY_NUMBER
                    blind.append(rule_id)
            keys[rule_id] = tuple(key)
        return keys, frozenset(blind)

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


def entry_of(criterion: CriterionDecision) -> Entry:
    """A criterion decision as remembered: with its canonical JSON, and where ``STAND_IN`` shows."""
    encoded = canonical_json(criterion.model_dump(mode="json"))
    return criterion, encoded, tuple(_stand_in_paths(criterion)) if _STAND_IN_BYTES in encoded else ()


def for_number(entry: Entry, number: str) -> Entry:
    """A decision made with ``STAND_IN`` as the decision for the partner with KvK number ``number``:
    only the texts that show it are replaced (containers on their way copied, nothing else)."""
    criterion, encoded, paths = entry
    if not paths:
        return entry
    for path in paths:
        criterion = _put(criterion, path, number)
    return criterion, encoded.replace(_STAND_IN_BYTES, canonical_json(number)[1:-1]), ()


TextPath = tuple[str | int, ...]
"""Where a text lies in a decision: field names, keys and indexes."""


def _stand_in_paths(value: Any, path: TextPath = ()) -> list[TextPath]:
    if isinstance(value, str):
        return [path] if STAND_IN in value else []
    if isinstance(value, (list, tuple)):
        return [found for index, item in enumerate(value) for found in _stand_in_paths(item, (*path, index))]
    if isinstance(value, dict):
        return [found for key, item in value.items() for found in _stand_in_paths(item, (*path, key))]
    if isinstance(value, BaseModel):
        return [found for name in type(value).model_fields for found in _stand_in_paths(getattr(value, name), (*path, name))]
    return []


def _put(value: Any, path: TextPath, number: str) -> Any:
    """``value`` with the text at ``path`` showing ``number`` for ``STAND_IN``."""
    if not path:
        return value.replace(STAND_IN, number)
    head, rest = path[0], path[1:]
    if isinstance(value, BaseModel):
        return value.model_copy(update={head: _put(getattr(value, str(head)), rest, number)})
    if isinstance(value, dict):
        return {**value, head: _put(value[head], rest, number)}
    index = int(head)
    changed = _put(value[index], rest, number)
    return (*value[:index], changed, *value[index + 1:]) if isinstance(value, tuple) else [
        *value[:index], changed, *value[index + 1:]]


def _encode(dossier_json: dict[str, Any], part: Part) -> str:
    """``repr`` of the part's JSON data: the data of one dossier model always has its keys in
    the model's order, and ``repr`` tells apart what JSON would (``1`` and ``1.0``, ``"1"``),
    at a fraction of ``json.dumps``' cost. Equal text, equal part."""
    node: Any = dossier_json
    for name in part:
        node = node.get(name) if isinstance(node, dict) else None
    return repr(node)
