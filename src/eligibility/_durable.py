"""The durable-rules backend: the same clauses compiled to Rete rulesets, run in a worker process.

It exists to cross-check the native engine, so it honours durable-rules 2.0.28's measured limits
(PRODUCT.md): one fact per dossier with only derived, flat, JSON-typed values; no arithmetic or
dates in rules; a catch-all rule so every assertion fires an action (unmatched facts raise and
deleting an untouched session can crash); one live session at a time (session ids are hashed to
32 bits); no bare ``$nex`` and no ``$ex`` on ``sid`` (both loop forever); rulesets get fresh
copies (the engine mutates them). The C extension runs in a child process, so its crash or hang
is an ``EngineError`` here, never a dead batch.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from multiprocessing.connection import Connection
from pathlib import Path
from typing import IO, Any

from ._durable_worker import CATCH_ALL, CATCH_ALL_PRIORITY
from ._errors import EngineError, EngineUnavailable
from ._evaluate import CompiledPack, Matches
from ._facts import FactSet
from ._rules_model import AllOf, AnyItem, AnyOf, Compare, Condition, Param

_MARK = "_dossier"
_ITEM_MARK = "_item"
_SEPARATOR = "__"
_CHUNK = 500
_WORKER = Path(__file__).with_name("_durable_worker.py")
STDERR_TAIL = 2000
"""Characters of the worker's stderr quoted when it dies or hangs."""


def _field(path: str) -> str:
    return path.replace(".", _SEPARATOR)


MAX_FIELDS = 250
"""Top-level fields one durable-rules fact can hold: about 254 are measured to work (PRODUCT.md), and
an assertion with more fails with "error code: 302"."""


Wanted = dict[str, set[str] | None]
"""The facts the compiled clauses test: top-level name -> None, or list name -> the item fields tested."""


def wanted_fields(compiled: CompiledPack) -> Wanted:
    """Every fact the clauses in effect compare, and of each list the item fields: only these are sent,
    so a dossier's many facts no clause reads (provenance URLs, hashes, texts) do not count towards
    the engine's field limit."""
    wanted: Wanted = {}
    for rule in compiled.pack.rules:
        if compiled.in_effect[rule.id]:
            for _, clause in compiled.clauses[rule.id]:
                _collect(clause.when, wanted)
    return wanted


def _collect(condition: Condition, wanted: Wanted, items: set[str] | None = None) -> None:
    if isinstance(condition, (AllOf, AnyOf)):
        for part in condition.all if isinstance(condition, AllOf) else condition.any:
            _collect(part, wanted, items)
    elif isinstance(condition, AnyItem):
        fields = wanted.get(condition.any_item) or set()
        wanted[condition.any_item] = fields
        _collect(condition.where, wanted, fields)
    elif items is not None:
        items.add(condition.fact)
    else:
        wanted.setdefault(condition.fact, None)


def durable_fact(facts: dict[str, Any], sid: int, wanted: Wanted | None = None) -> dict[str, Any]:
    """Flat facts with durable-safe names; every item carries a marker so ``missing`` can be written.

    With ``wanted`` (``wanted_fields``), only the facts and item fields the clauses test; raises
    ``EngineError`` when the fact would still hold more fields than the engine takes."""
    fact: dict[str, Any] = {"sid": str(sid), _MARK: 1}
    for key, value in facts.items():
        if wanted is not None and key not in wanted:
            continue
        if isinstance(value, list):
            fields = None if wanted is None else wanted[key]
            value = [
                {_ITEM_MARK: 1, **{_field(k): v for k, v in item.items()
                                   if not isinstance(v, (list, dict)) and (fields is None or k in fields)}}
                if isinstance(item, dict) else item
                for item in value
            ]
        fact[_field(key)] = value
    if len(fact) > MAX_FIELDS:
        raise EngineError(f"the dossier's facts tested by the rules are {len(fact)} fields, more than the durable "
                          f"engine takes ({MAX_FIELDS}): use the native engine")
    return fact


def compile_condition(condition: Condition, params: dict[str, Any], item: bool = False) -> dict[str, Any]:
    """One condition tree as a durable-rules expression (``$i.`` fields inside ``any_item``)."""
    if isinstance(condition, AllOf):
        return {"$and": [compile_condition(c, params, item) for c in condition.all]}
    if isinstance(condition, AnyOf):
        return {"$or": [compile_condition(c, params, item) for c in condition.any]}
    if isinstance(condition, AnyItem):
        if item:
            raise EngineError("any_item inside any_item is not supported by the durable engine")
        # durable-rules evaluates $or inside $iany depending on key order (wrongly): distribute the
        # disjunction instead, so every $iany holds a plain conjunction: E x (a or b) = E x a or E x b
        name = _field(condition.any_item)
        options = [{"$iany": {name: {"$and": [_compare(c, params, item=True) for c in conjunction]}}}
                   for conjunction in _disjunctive_normal_form(condition.where)]
        return options[0] if len(options) == 1 else {"$or": options}
    return _compare(condition, params, item)


def _disjunctive_normal_form(condition: Condition) -> list[list[Compare]]:
    """The condition as an OR of ANDs of comparisons (item conditions hold no any_item)."""
    if isinstance(condition, Compare):
        return [[condition]]
    if isinstance(condition, AnyOf):
        return [conjunction for part in condition.any for conjunction in _disjunctive_normal_form(part)]
    if isinstance(condition, AllOf):
        result: list[list[Compare]] = [[]]
        for part in condition.all:
            result = [left + right for left in result for right in _disjunctive_normal_form(part)]
        return result
    raise EngineError("any_item inside any_item is not supported by the durable engine")


def _compare(compare: Compare, params: dict[str, Any], item: bool) -> dict[str, Any]:
    if compare.fact.startswith("$"):
        raise EngineError(f"{compare.fact}: top-level facts inside any_item are not supported by the durable engine")
    name = ("$i." if item else "") + _field(compare.fact)
    mark = ("$i." if item else "") + (_ITEM_MARK if item else _MARK)
    value = params[compare.operand.param] if isinstance(compare.operand, Param) else compare.operand
    operator = compare.operator
    if operator == "eq":
        return {name: value}
    if operator == "exists":
        return {"$ex": {name: 1}}
    if operator == "missing":
        return {"$and": [{"$nex": {name: 1}}, {"$ex": {mark: 1}}]}
    if operator == "in":
        options = [{name: v} for v in value]
        return {"$or": options} if len(options) > 1 else options[0] if options else {mark: -1}
    if operator == "not_in":
        return {"$and": [{"$neq": {name: v}} for v in value]} if value else {"$ex": {name: 1}}
    return {f"${ {'ne': 'neq'}.get(operator, operator) }": {name: value}}


def compile_ruleset(compiled: CompiledPack) -> dict[str, Any]:
    """Every clause of every rule in effect as one durable rule named ``<rule>__<clause>``."""
    params = {name: compiled.params[name] for name in compiled.params}
    ruleset: dict[str, Any] = {}
    for rule in compiled.pack.rules:
        if not compiled.in_effect[rule.id]:
            continue
        for _, clause in compiled.clauses[rule.id]:
            ruleset[f"{rule.id}{_SEPARATOR}{clause.id}"] = {
                "all": [{"m": {"$and": [{"$ex": {_MARK: 1}}, compile_condition(clause.when, params)]}}],
                "run": f"{rule.id}{_SEPARATOR}{clause.id}",
            }
    # the lowest priority: it fires after every clause, so a worker can tell an assertion whose actions stopped early
    ruleset[CATCH_ALL] = {"all": [{"m": {"$ex": {_MARK: 1}}}], "run": CATCH_ALL, "pri": CATCH_ALL_PRIORITY}
    return ruleset


class _CutShort(EngineError):
    """The worker's actions for one fact stopped early; ``matched`` holds the facts matched before it."""

    def __init__(self, matched: list[Any]) -> None:
        super().__init__("durable-rules stopped before its last action")
        self.matched = matched


class DurableEngine:
    """Matches clauses with durable-rules in a child process. Not thread-safe: one per thread."""

    name = "durable"

    def __init__(self) -> None:
        self._process: subprocess.Popen[bytes] | None = None
        self._connection: Connection | None = None
        self._stderr: IO[bytes] | None = None
        """The worker's stderr, kept in a file: durable-rules prints tracebacks of errors it only
        logs (the 307 handled in ``_match_chunk``); they are quoted when the worker fails instead."""
        self._loaded: dict[tuple[str, str, str | None], str] = {}
        self.version = "unknown"

    def _start(self) -> Connection:
        if self._connection is not None and self._process is not None and self._process.poll() is None:
            return self._connection
        # a fresh interpreter, not a fork: nothing of this process's heap or __main__ is inherited
        ours, theirs = socket.socketpair()
        if self._stderr is not None:
            self._stderr.close()
        self._stderr = tempfile.TemporaryFile()
        with ours, theirs:
            process = subprocess.Popen([sys.executable, "-P", str(_WORKER), str(theirs.fileno())],
                                       pass_fds=[theirs.fileno()], stdin=subprocess.DEVNULL, stderr=self._stderr)
            parent = Connection(os.dup(ours.fileno()))
        status, detail = self._receive(parent, process, timeout=60)
        if status == "unavailable":
            process.wait(5)
            parent.close()
            raise EngineUnavailable(detail)
        self._process, self._connection, self.version = process, parent, f"durable-rules {detail}"
        self._loaded.clear()
        return parent

    def _receive(self, connection: Connection, process: subprocess.Popen[bytes], timeout: float) -> tuple[str, Any]:
        if not connection.poll(timeout):
            process.kill()
            raise EngineError(f"durable worker did not answer within {timeout:.0f} s{self._stderr_tail()}")
        try:
            return connection.recv()  # type: ignore[no-any-return]
        except EOFError:
            process.wait(1)
            raise EngineError(f"durable worker died (exit code {process.returncode}){self._stderr_tail()}") from None

    def _stderr_tail(self, size: int = STDERR_TAIL) -> str:
        """The end of what the worker wrote on stderr, for an error message ("" when it wrote nothing)."""
        if self._stderr is None:
            return ""
        self._stderr.seek(0, os.SEEK_END)
        self._stderr.seek(max(0, self._stderr.tell() - size))
        tail = self._stderr.read().decode("utf-8", "replace").strip()
        return f"; its stderr ends: {tail}" if tail else ""

    def _call(self, command: str, payload: Any, timeout: float = 300) -> Any:
        connection = self._start()
        assert self._process is not None
        try:
            connection.send((command, payload))
        except (BrokenPipeError, OSError) as exc:
            self.close()
            raise EngineError(f"durable worker is gone: {exc}") from exc
        try:
            status, result = self._receive(connection, self._process, timeout)
        except EngineError:
            self.close()
            raise
        if status == "cut_short":
            raise _CutShort(result)
        if status != "ok":
            raise EngineError(str(result))
        return result

    def _ruleset(self, compiled: CompiledPack) -> str:
        self._start()  # a dead worker is replaced first, so the ruleset goes to the live one
        key = (compiled.pack.pack_hash, compiled.as_of.isoformat(), compiled.pack.region)
        if key not in self._loaded:
            name = f"pack{len(self._loaded) + 1}"
            self._call("load", (name, compile_ruleset(compiled)))
            self._loaded[key] = name
        return self._loaded[key]

    def match(self, compiled: CompiledPack, facts: Sequence[FactSet]) -> list[Matches]:
        results: list[Matches] = []
        self._ruleset(compiled)
        wanted = wanted_fields(compiled)
        for start in range(0, len(facts), _CHUNK):
            chunk = [durable_fact(f.facts, i, wanted) for i, f in enumerate(facts[start:start + _CHUNK])]
            for fired in self._match_chunk(compiled, chunk):
                matches: Matches = {r.id: set() for r in compiled.pack.rules if compiled.in_effect[r.id]}
                for rule_clause in fired:
                    rule_id, clause_id = rule_clause.split(_SEPARATOR, 1)
                    matches[rule_id].add(clause_id)
                results.append(matches)
        return results

    def available(self) -> bool:
        try:
            self._start()
        except EngineUnavailable:
            return False
        return True

    def _match_chunk(self, compiled: CompiledPack, chunk: list[dict[str, Any]]) -> Any:
        """One chunk's fired clauses; a worker whose engine reports an internal error is replaced and
        asked once more. durable-rules 2.0.28 now and then answers "Could not complete and start
        action, error code: 307" in a worker that has matched many facts (seen twice in about a
        thousand batches, never again for the same facts in a fresh worker); a second failure is
        real and raises. The engine only logs that error when it happens between two actions and
        stops firing (with rule pack 1.4.0 about one fact in 200 in a long-lived worker): the worker
        then finds the catch-all, which fires last, missing, and answers with the facts matched
        before it; a fresh worker takes that fact and the rest. Before, the missing actions read
        as clauses not matched, and the cross-check reported disagreements that were not there."""
        done: list[Any] = []
        retried = False
        while True:
            try:
                return done + self._call("match", (self._ruleset(compiled), chunk[len(done):]))
            except _CutShort as cut:
                if not cut.matched and retried:  # the same fact, first in a fresh worker, cut short again
                    raise EngineError(f"durable-rules stopped before its last action on fact {len(done)} of the "
                                      "chunk twice, the second time in a fresh worker") from None
                done += cut.matched
                retried = not cut.matched
            except EngineError:
                if retried:
                    raise
                retried = True
            self.close()

    def close(self) -> None:
        if self._connection is not None:
            try:
                self._connection.send(("stop", None))
            except (BrokenPipeError, OSError):
                pass
            self._connection.close()
        if self._process is not None:
            try:
                self._process.wait(2)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        if self._stderr is not None:
            self._stderr.close()
        self._process = self._connection = self._stderr = None
        self._loaded.clear()

    def __enter__(self) -> DurableEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
