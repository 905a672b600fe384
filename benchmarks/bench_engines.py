"""Throughput of the engines on generated dossiers, measured side by side in one run.

    python benchmarks/bench_engines.py [--n 100000] [--as-of 2027-03-11]

Three ways over the same dossiers and decision date, each from a validated ``Dossier`` to its
result, derived facts included:
  bare     the compiled predicates as plain closures, no trace, no decision (the floor)
  native   the reference engine with full trace, producing the complete explained decision
  durable  durable-rules in its worker process (matching), then the same decision
Target (issue 2): native with full trace at least one third of the bare closures' throughput.
"""

from __future__ import annotations

import argparse
import platform
import time
from datetime import date

from eligibility import CompiledPack, Dossier, load_pack
from eligibility._durable import DurableEngine
from eligibility._evaluate import Evaluator, NativeEngine
from eligibility._synthetic import synthetic_dossier


def _rate(count: int, seconds: float) -> str:
    return f"{count / seconds:>10,.0f} dossiers/s  ({seconds:6.2f} s)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--as-of", type=date.fromisoformat, default=date(2027, 3, 11))
    parser.add_argument("--skip-durable", action="store_true")
    args = parser.parse_args()

    pack = load_pack()
    compiled = CompiledPack(pack, args.as_of)
    print(f"machine: {platform.machine()} {platform.processor() or ''} python {platform.python_version()}, "
          f"{len(pack.rules)} criteria, as_of {args.as_of}")
    started = time.perf_counter()
    dossiers = [Dossier.model_validate(synthetic_dossier(seed, args.as_of)) for seed in range(args.n)]
    print(f"generated and validated {args.n:,} dossiers in {time.perf_counter() - started:.1f} s (not counted)")

    native = NativeEngine()
    evaluator = Evaluator(compiled)

    started = time.perf_counter()
    for dossier in dossiers:
        native.match_one(compiled, compiled.derive(dossier), traced=False)
    bare = time.perf_counter() - started
    print(f"bare closures       {_rate(args.n, bare)}")

    started = time.perf_counter()
    verdicts: dict[str, int] = {}
    for dossier in dossiers:
        facts = compiled.derive(dossier)
        matches, traces = native.match_one(compiled, facts)
        decision = evaluator.decide(dossier, facts, matches, native, traces)
        verdicts[decision.verdict.value] = verdicts.get(decision.verdict.value, 0) + 1
    traced = time.perf_counter() - started
    print(f"native + trace      {_rate(args.n, traced)}   verdicts {dict(sorted(verdicts.items()))}")

    if not args.skip_durable:
        with DurableEngine() as durable:
            durable.match(compiled, [compiled.derive(dossiers[0])])  # start the worker, load the ruleset
            started = time.perf_counter()
            facts_list = [compiled.derive(d) for d in dossiers]
            results = durable.match(compiled, facts_list)
            matched = time.perf_counter() - started
            for dossier, facts, matches in zip(dossiers, facts_list, results):
                evaluator.decide(dossier, facts, matches, durable)
            whole = time.perf_counter() - started
        print(f"durable (match)     {_rate(args.n, matched)}")
        print(f"durable + decision  {_rate(args.n, whole)}")
    print(f"ratio native+trace / bare: {bare / traced:.2f}  (target >= 0.33)")
    if not args.skip_durable:
        print(f"ratio durable+decision / bare: {bare / whole:.2f}")


if __name__ == "__main__":
    main()
