"""The durable-rules worker: a fresh interpreter whose failures surface as EngineError."""

from __future__ import annotations

import ctypes
import ctypes.util
import random
from datetime import date
from pathlib import Path

import pytest

from eligibility import CompiledPack, Dossier, load_pack
from eligibility._durable import DurableEngine
from eligibility._errors import EngineError

LENDER = Path(__file__).parents[1] / "fixtures" / "dossiers" / "lender-complete.json"
COMPILED = CompiledPack(load_pack(), date(2026, 11, 23))


def _dirty_the_c_heap(rng: random.Random) -> None:
    """Leave garbage in freed malloc chunks, as a long test session or screening run does."""
    libc = ctypes.CDLL(ctypes.util.find_library("c"))
    libc.malloc.restype = ctypes.c_void_p
    chunks = []
    for _ in range(2000):
        size = rng.choice([16, 40, 100, 512, 4000, 20000, 60000])
        chunk = libc.malloc(size)
        ctypes.memset(chunk, rng.randrange(1, 256), size)
        chunks.append(chunk)
    for chunk in chunks:
        libc.free(ctypes.c_void_p(chunk))


def test_rulesets_load_whatever_this_process_left_in_its_heap() -> None:
    """A forked worker failed "Could not create ruleset, error code: 102" 3 times in 100 after this."""
    rng = random.Random(20261123)
    for _ in range(30):
        _dirty_the_c_heap(rng)
        with DurableEngine() as engine:
            if not engine.available():  # pragma: no cover
                pytest.skip("durable-rules does not import on this Python")
            engine.match(COMPILED, [])  # loads the ruleset, raises EngineError if it cannot
            assert len(engine._loaded) == 1


def test_a_killed_worker_is_replaced_by_a_new_one(durable: DurableEngine) -> None:
    facts = [COMPILED.derive(Dossier.model_validate_json(LENDER.read_bytes()))]
    before = durable.match(COMPILED, facts)
    assert durable._process is not None
    first = durable._process.pid
    durable._process.kill()
    durable._process.wait()
    assert durable.match(COMPILED, facts) == before
    assert durable._process is not None and durable._process.pid != first


def test_an_error_in_the_worker_is_an_engine_error_naming_it(durable: DurableEngine) -> None:
    with pytest.raises(EngineError, match="no-such-ruleset|not found|KeyError"):
        durable._call("match", ("no-such-ruleset", [{"sid": "1"}]))
    durable.match(COMPILED, [])  # the worker is still usable


def test_an_internal_engine_error_is_retried_once_on_a_fresh_worker(durable: DurableEngine,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """durable-rules' occasional "error code: 307" in a long-lived worker: a fresh worker answers;
    a second failure is real and raises."""
    facts = [COMPILED.derive(Dossier.model_validate_json(LENDER.read_bytes()))]
    expected = durable.match(COMPILED, facts)
    real_call = DurableEngine._call
    failures = {"left": 1}

    def flaky(self: DurableEngine, command: str, payload: object, timeout: float = 300) -> object:
        if command == "match" and failures["left"]:
            failures["left"] -= 1
            raise EngineError("error: Could not complete and start action, error code: 307")
        return real_call(self, command, payload, timeout)

    monkeypatch.setattr(DurableEngine, "_call", flaky)
    assert durable.match(COMPILED, facts) == expected
    failures["left"] = 2
    with pytest.raises(EngineError, match="error code: 307"):
        durable.match(COMPILED, facts)


def test_actions_cut_short_without_an_error_are_reported(durable: DurableEngine) -> None:
    """durable-rules only logs an error code 307 between two actions and stops firing; the catch-all,
    which fires last, is then missing. A ruleset whose catch-all fires first stands in for that."""
    from eligibility._durable import compile_ruleset, durable_fact
    from eligibility._durable_worker import CATCH_ALL

    ruleset = compile_ruleset(COMPILED)
    assert all(rule.get("pri", 0) < ruleset[CATCH_ALL]["pri"] for name, rule in ruleset.items() if name != CATCH_ALL)
    fact = durable_fact(COMPILED.derive(Dossier.model_validate_json(LENDER.read_bytes())).facts, 0)
    assert durable._call("load", ("catch-all-last", ruleset)) is None
    assert durable._call("match", ("catch-all-last", [dict(fact)]))[0]  # clauses fired, the catch-all last
    for name, rule in ruleset.items():  # now every clause has a lower priority: the catch-all fires first,
        if name != CATCH_ALL:  # as if the actions after it had been cut short
            rule["pri"] = 2 * ruleset[CATCH_ALL]["pri"]
    durable._call("load", ("catch-all-first", ruleset))
    with pytest.raises(EngineError, match="stopped before its last action"):
        durable._call("match", ("catch-all-first", [dict(fact)]))
    durable.close()  # the next test gets a fresh worker


def test_a_fact_cut_short_is_matched_again_in_a_fresh_worker_with_the_rest(durable: DurableEngine,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from eligibility import _durable

    facts = [COMPILED.derive(Dossier.model_validate_json(LENDER.read_bytes()))] * 5
    expected = durable.match(COMPILED, facts)
    real_call = DurableEngine._call
    cuts = {"left": 2}

    def cut_after_two(self: DurableEngine, command: str, payload: object, timeout: float = 300) -> object:
        result = real_call(self, command, payload, timeout)
        if command == "match" and cuts["left"]:
            cuts["left"] -= 1
            raise _durable._CutShort(result[:2])
        return result

    monkeypatch.setattr(DurableEngine, "_call", cut_after_two)
    assert durable.match(COMPILED, facts) == expected and cuts["left"] == 0

    def always_cut(self: DurableEngine, command: str, payload: object, timeout: float = 300) -> object:
        result = real_call(self, command, payload, timeout)
        if command == "match":
            raise _durable._CutShort([])
        return result

    monkeypatch.setattr(DurableEngine, "_call", always_cut)
    with pytest.raises(EngineError, match="twice"):
        durable.match(COMPILED, facts)


def test_the_worker_s_stderr_is_kept_and_quoted_when_it_dies(durable: DurableEngine,
                                                              capfd: pytest.CaptureFixture[str]) -> None:
    """durable-rules prints tracebacks of errors it only logs; they no longer reach the user's
    terminal, and the end of them is in the EngineError when the worker dies."""
    durable.match(COMPILED, [])
    assert durable._process is not None and durable._connection is not None
    with open(f"/proc/{durable._process.pid}/fd/2", "w", encoding="utf-8") as worker_stderr:
        worker_stderr.write("Traceback ...\nerror code: 307\n")
    durable._process.kill()
    with pytest.raises(EngineError, match=r"died \(exit code -9\); its stderr ends: Traceback \.\.\.\nerror code: 307"):
        durable._receive(durable._connection, durable._process, timeout=5)
    assert "error code: 307" not in capfd.readouterr().err
    durable.close()
