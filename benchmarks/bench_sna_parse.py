"""How long parsing a full SNA export takes (issue 3: "about 6,000 rows in well under a second").

Run from the project root: ``python benchmarks/bench_sna_parse.py [--rows 6000] [--repeat 10]``.
The workbook is built in memory by the fixture generator, so it has the fixtures' shape.
Not a test: it prints figures, it asserts nothing.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import time
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scrapers.sna import parse_export  # noqa: E402


def _generator() -> ModuleType:
    path = ROOT / "fixtures" / "registers" / "sna" / "make_fixtures.py"
    spec = importlib.util.spec_from_file_location("sna_make_fixtures", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=6000)
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()

    generator = _generator()
    rows = generator.realistic_rows(args.rows)
    # The real export's string storage is unknown; openpyxl reads inline strings more slowly.
    for storage, shared in (("shared strings", True), ("inline strings", False)):
        body = generator.workbook_bytes(rows, shared_strings=shared)
        timings = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            export = parse_export(body, "bench://sna")
            timings.append(time.perf_counter() - start)
        best, median = min(timings), statistics.median(timings)
        print(f"{storage}: {len(export.rows)} rows parsed ({len(export.rejected)} rejected), {len(body):,} bytes")
        print(f"  seconds per parse over {args.repeat} runs: best {best:.3f}, median {median:.3f}")
        print(f"  rows/s: best {len(export.rows) / best:,.0f}, median {len(export.rows) / median:,.0f}")


if __name__ == "__main__":
    main()
