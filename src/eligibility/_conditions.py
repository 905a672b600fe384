"""The native evaluator: condition trees compiled to Python closures, with or without a trace.

Semantics both engines share: a missing fact makes every comparison false except ``missing``;
``any_item`` on a missing list is false; ``ne`` and ``not_in`` are false on a missing fact.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ._rules_model import AllOf, AnyItem, AnyOf, Compare, Condition, Param

Scope = dict[str, Any]
Predicate = Callable[[Scope, Scope], bool]
TracedPredicate = Callable[[Scope, Scope, list["Check"]], bool]
ParamLookup = Callable[[str], Any]


Check = tuple[str, str, Any, Any, bool]
"""One comparison as it was evaluated: (fact, operator, expected, actual, result). A plain tuple:
the trace is built on the hot path, and a decision stores it as a JSON list as it is."""


def _ordered(test: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    def compare(actual: Any, expected: Any) -> bool:
        if isinstance(actual, bool) or not isinstance(actual, (int, float)):
            return False
        return test(actual, expected)
    return compare


def _equal(actual: Any, expected: Any) -> bool:
    """Equality where true is not 1 (JSON and the Rete engine keep booleans and numbers apart)."""
    return isinstance(actual, bool) == isinstance(expected, bool) and actual == expected


_TESTS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": lambda a, e: a is not None and _equal(a, e),
    "ne": lambda a, e: a is not None and not _equal(a, e),
    "lt": _ordered(lambda a, e: a < e),
    "lte": _ordered(lambda a, e: a <= e),
    "gt": _ordered(lambda a, e: a > e),
    "gte": _ordered(lambda a, e: a >= e),
    "in": lambda a, e: a is not None and a in e,
    "not_in": lambda a, e: a is not None and a not in e,
    "exists": lambda a, e: a is not None,
    "missing": lambda a, e: a is None,
}


def _getter(path: str) -> Callable[[Scope, Scope], Any]:
    if path.startswith("$"):
        key = path[1:]
        return lambda scope, top: top.get(key)
    return lambda scope, top: scope.get(path)


def operand(compare: Compare, param: ParamLookup) -> Any:
    value = compare.operand
    if isinstance(value, Param):
        return param(value.param)
    return value


def compile_condition(condition: Condition, param: ParamLookup, *, traced: bool, prefix: str = "") -> Any:
    """A predicate ``(scope, top) -> bool``, or ``(scope, top, trace) -> bool`` when traced."""
    if isinstance(condition, (AllOf, AnyOf)):
        parts = [compile_condition(c, param, traced=traced, prefix=prefix)
                 for c in (condition.all if isinstance(condition, AllOf) else condition.any)]
        if isinstance(condition, AllOf):
            if traced:
                return lambda s, t, trace: all(p(s, t, trace) for p in parts)
            return lambda s, t: all(p(s, t) for p in parts)
        if traced:
            return lambda s, t, trace: any(p(s, t, trace) for p in parts)
        return lambda s, t: any(p(s, t) for p in parts)
    if isinstance(condition, AnyItem):
        items_of = _getter(condition.any_item)
        where = compile_condition(condition.where, param, traced=traced, prefix=f"{condition.any_item}[].")
        if traced:
            def any_item_traced(s: Scope, t: Scope, trace: list[Check]) -> bool:
                items = items_of(s, t)
                return isinstance(items, list) and any(where(item, t, trace) for item in items)
            return any_item_traced

        def any_item(s: Scope, t: Scope) -> bool:
            items = items_of(s, t)
            return isinstance(items, list) and any(where(item, t) for item in items)
        return any_item
    get = _getter(condition.fact)
    test = _TESTS[condition.operator]
    expected = operand(condition, param)
    if traced:
        name, operator = prefix + condition.fact.lstrip("$"), condition.operator

        def leaf_traced(s: Scope, t: Scope, trace: list[Check]) -> bool:
            actual = get(s, t)
            result = test(actual, expected)
            trace.append((name, operator, expected, actual, result))
            return result
        return leaf_traced
    return lambda s, t: test(get(s, t), expected)
