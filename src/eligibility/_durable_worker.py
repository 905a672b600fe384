"""The durable-rules worker: a fresh interpreter that loads rulesets and matches facts on request.

Started by ``_durable.DurableEngine`` as ``python -P _durable_worker.py FD`` and never imported
by the parent. It imports only the standard library and durable-rules, so its heap starts clean:
durable-rules 2.0.28 reads uninitialised memory while creating a ruleset, and a worker forked
from a long-running parent (a test session, a screening run) inherited a dirty heap and failed
now and then with "Could not create ruleset, error code: 102" (measured: 3 of 100 forks after
dirtying the parent's heap, 0 of 200 from a fresh process).
"""

from __future__ import annotations

import json
import sys
from multiprocessing.connection import Connection
from typing import Any

CATCH_ALL = "zz_catch_all"
CATCH_ALL_PRIORITY = 1_000_000
"""durable-rules runs the actions of lower ``pri`` first: the catch-all, at this priority, fires last."""


def durable_json(value: Any, ensure_ascii: bool = False) -> str:
    """JSON as durable-rules' parser reads it: it refuses a float written with an exponent but no point, as Python
    writes 1e-05 or 1e+16 (error 204), and reads 1.0e-05. Everything else as ``json.dumps`` writes it."""
    if isinstance(value, float):
        text = repr(value)
        mantissa, exponent, power = text.partition("e")
        return f"{mantissa}.0e{power}" if exponent and "." not in mantissa else json.dumps(value)
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(str(k), ensure_ascii=ensure_ascii)}:{durable_json(v, ensure_ascii)}"
                              for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(durable_json(v, ensure_ascii) for v in value) + "]"
    return json.dumps(value, ensure_ascii=ensure_ascii)


class _DurableJson:
    """Stands in for the ``json`` module inside ``durable.engine``, which serialises every fact with ``json.dumps``."""

    loads = staticmethod(json.loads)

    @staticmethod
    def dumps(value: Any, ensure_ascii: bool = True, **_: Any) -> str:
        return durable_json(value, ensure_ascii)


def serve(connection: Connection) -> None:
    """Answer ``load`` and ``match`` until the parent says ``stop`` or goes away."""
    try:
        import durable.engine as engine
        from importlib.metadata import version

        engine.json = _DurableJson  # this process serves durable-rules only
    except Exception as exc:  # noqa: BLE001 - any import failure means unavailable
        connection.send(("unavailable", f"durable-rules does not import on Python {sys.version.split()[0]}: {exc}"))
        return
    fired: list[str] = []

    class Host(engine.Host):  # type: ignore[misc]
        def get_action(self, action_name: str) -> Any:
            return lambda context: fired.append(action_name)

    host = Host()
    connection.send(("ready", version("durable-rules")))
    sid = 0
    while True:
        try:
            command, payload = connection.recv()
        except EOFError:
            return
        try:
            if command == "load":
                name, ruleset = payload
                host.set_rulesets({name: ruleset})
                connection.send(("ok", None))
            elif command == "match":
                name, facts = payload
                results = []
                for fact in facts:
                    sid += 1
                    fired.clear()
                    fact["sid"] = str(sid)
                    state = host.assert_fact(name, fact)
                    if isinstance(state, dict) and "$error" in state:
                        raise RuntimeError(f"durable action failed: {state['$error']}")
                    if not fired or fired[-1] != CATCH_ALL:  # an engine error logged, not raised, cut the actions short
                        break
                    host.delete_state(name, str(sid))
                    results.append([f for f in fired if f != CATCH_ALL])
                # the facts matched before one whose actions were cut short; the parent starts a fresh worker for the rest
                connection.send(("ok", results) if len(results) == len(facts) else ("cut_short", results))
            elif command == "stop":  # no answer: the parent has stopped listening
                return
        except OSError:  # the parent is gone: nobody to answer
            return
        except Exception as exc:  # noqa: BLE001 - reported to the parent, which raises
            connection.send(("error", f"{type(exc).__name__}: {exc}"))


if __name__ == "__main__":
    serve(Connection(int(sys.argv[1])))
