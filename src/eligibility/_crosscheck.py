"""Running both engines on the same facts and naming every clause where they disagree."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ._durable import DurableEngine
from ._evaluate import CompiledPack, NativeEngine
from ._facts import FactSet


@dataclass(frozen=True)
class Disagreement:
    index: int
    rule_id: str
    native: frozenset[str]
    durable: frozenset[str]

    def __str__(self) -> str:
        return (f"dossier #{self.index}, {self.rule_id}: native matched {sorted(self.native)}, "
                f"durable matched {sorted(self.durable)}")


def cross_check(compiled: CompiledPack, facts: Sequence[FactSet], durable: DurableEngine) -> list[Disagreement]:
    """Matched clauses per rule from both engines; any difference is a disagreement."""
    native = NativeEngine().match(compiled, list(facts))
    other = durable.match(compiled, facts)
    found = []
    for index, (left, right) in enumerate(zip(native, other, strict=True)):
        for rule_id in sorted(set(left) | set(right)):
            a, b = frozenset(left.get(rule_id, set())), frozenset(right.get(rule_id, set()))
            if a != b:
                found.append(Disagreement(index, rule_id, a, b))
    return found
