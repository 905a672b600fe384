"""End-to-end throughput and memory of ``eligibility screen`` (issue 4, item 7). Not a test.

Run from the project root::

    python benchmarks/bench_screen.py [--n 100000] [--small 20000] [--workers 2] [--pipeline-sample 20]

Two parts, both printed:

1. **Screening run, end to end**, at two list lengths (``--small`` and ``--n``), each in a
   fresh work directory and decision log: a generated CSV (Dutch headers, ';', some KvK numbers
   that lost their leading zero, 2% rows without KvK number, 0.5% bad rows) is read, every row
   decided with the compiled pack, every decision logged (``DecisionLog``, one transaction per
   chunk), kept in the state, and all outputs written (results.csv, results.xlsx,
   decisions.jsonl, summary.html). Reported: partners/s and peak memory (max RSS of the parent
   and of the largest worker, from ``resource.getrusage``).

   The dossiers come from ``eligibility._synthetic`` (seeded by the row), not from the evidence
   store: ``scrapers._pipeline.build_dossier`` re-reads and re-parses every register for every
   partner (part 2 measures it), which at realistic register sizes costs seconds per partner,
   so 100,000 partners through it would take days. Everything after the dossier is the real
   screening code.

2. **The pipeline's offline build on a store of realistic size** (SNA export of 6,000
   companies, SNCU list of 300 verdicts, Labour Inspectorate searches of about 20,000 results
   spread over the partners): the per-partner cost of ``build_dossier(offline=True)`` for
   ``--pipeline-sample`` partners, with a profile of where the time goes.
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import importlib.util
import io
import json
import os
import platform
import pstats
import random
import resource
import shutil
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from eligibility._dossier import Dossier  # noqa: E402
from eligibility._screen._dossiers import Built  # noqa: E402
from eligibility._screen._lists import PartnerRow  # noqa: E402
from eligibility._synthetic import strip_none, synthetic_dossier  # noqa: E402

AS_OF = date(2026, 11, 23)
ROLE_CHOICES = ["uitlener", "uitlener", "uitlener, huisvester", "werkgever", "huisvester", "dienstverlener",
                "uitlener/werkgever"]
PLACES = ["Venlo", "Rotterdam", "Eindhoven", "Tilburg", "Utrecht", "Westland", "Zwolle", "Enschede"]


def _load(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the file runs
    spec.loader.exec_module(module)
    return module


# --- part 1: the screening run ------------------------------------------------------------------


def write_list(path: Path, count: int, seed: int = 4) -> None:
    """A partner list as a region would send it, with the usual faults."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(["Naam", "KvK-nummer", "Rol", "Plaats"])
        for index in range(count):
            number = rng.randrange(1_000_000, 99_999_999)
            kvk = str(number) if rng.random() < 0.3 else f"{number:08d}"  # leading zeros lost in Excel
            draw = rng.random()
            if draw < 0.02:
                kvk = ""  # name-only
            elif draw < 0.025:
                kvk = f"{number}{rng.randrange(10, 99)}"  # 10 digits: a bad row
            name = f"Partner {index} B.V."
            writer.writerow([name, kvk, rng.choice(ROLE_CHOICES), rng.choice(PLACES)])
            if rng.random() < 0.01:
                writer.writerow([])


class SyntheticSource:
    """Dossiers from ``_synthetic``, seeded by the row: stands in for the evidence store (see above)."""

    def build(self, row: PartnerRow) -> Built:
        data = strip_none(synthetic_dossier(row.line, AS_OF))
        data["partner"]["name"] = row.name or f"row {row.line}"
        data["partner"]["kvk_number"] = row.kvk_number
        data["roles"] = [role.value for role in row.roles]
        return Built(Dossier.model_validate(data), [])


def rss_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # Linux: kilobytes


def screen_once(work: Path, count: int, workers: int) -> dict[str, Any]:
    """One end-to-end run in a fresh child process (so its peak memory is its own)."""
    list_path = work / f"partners-{count}.csv"
    write_list(list_path, count)
    out, log_path = work / f"out-{count}", work / f"log-{count}.sqlite"
    code = f"""
import io, json, resource, sys, time
sys.path.insert(0, {str(ROOT)!r})
from pathlib import Path
from datetime import date
from eligibility._log import DecisionLog
from eligibility._screen import ScreenOptions, screen
sys.path.insert(0, {str(ROOT / "benchmarks")!r})
from bench_screen import SyntheticSource
started = time.perf_counter()
report = screen(ScreenOptions(list_path=Path({str(list_path)!r}), out_dir=Path({str(out)!r}), as_of=date(2026, 11, 23),
                              offline=True, workers={workers}, progress=False),
                source=SyntheticSource(), log=DecisionLog(Path({str(log_path)!r})), err=io.StringIO())
seconds = time.perf_counter() - started
print(json.dumps({{"seconds": seconds, "rows": report.rows, "verdicts": report.verdicts,
                  "parent_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "worker_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}}))
"""
    import subprocess

    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    figures["sizes_mb"] = {p.name: round(p.stat().st_size / 1e6, 1) for p in sorted(out.iterdir())}
    figures["sizes_mb"]["decision log"] = round(log_path.stat().st_size / 1e6, 1)
    return figures


def profile_stages(count: int) -> None:
    """Where one process spends its time per partner, stage by stage (no log, no outputs)."""
    from eligibility import CompiledPack, load_pack
    from eligibility._evaluate import evaluate
    from eligibility._log import LogItem
    from eligibility._screen._lists import PartnerList
    from eligibility._screen._results import decided_result
    from eligibility._screen._state import Decided

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "list.csv"
        write_list(path, count)
        started = time.perf_counter()
        rows = [r for r in PartnerList(path).rows() if isinstance(r, PartnerRow)]
        timings = {"read list": time.perf_counter() - started}
        source = SyntheticSource()
        compiled = CompiledPack(load_pack(), AS_OF)
        stages = ["dossier (synthetic, pydantic validation)", "evaluate (traced)", "decision to canonical JSON",
                  "log item (dossier JSON + hash)", "result row + state record (zlib)"]
        timings.update(dict.fromkeys(stages, 0.0))
        for row in rows:
            t0 = time.perf_counter()
            built = source.build(row)
            t1 = time.perf_counter()
            decision = evaluate(built.dossier, compiled.pack, AS_OF, compiled=compiled)
            t2 = time.perf_counter()
            decision_json = decision.to_json()
            t3 = time.perf_counter()
            LogItem.of(decision, built.dossier, decision_json)
            t4 = time.perf_counter()
            Decided.of(row.line, decided_result(row, built.dossier, decision, []), decision_json)
            t5 = time.perf_counter()
            for stage, seconds in zip(stages, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4), strict=True):
                timings[stage] += seconds
    print(f"  per partner, one process, {len(rows):,} partners:")
    for stage, seconds in timings.items():
        print(f"    {stage:42} {seconds / len(rows) * 1e6:8.0f} us")


# --- part 2: the pipeline on a store of realistic size ----------------------------------------------


def realistic_store(root: Path, partners: list[tuple[str, str, str]], seed: int = 7) -> None:
    """SNA 6,000 companies, SNCU 300 verdicts on 20 list pages, inspectorate searches of the
    sampled partners (their share of about 20,000 results), KvK profiles: through the real
    adapters' fetch functions and ``refresh``, served by the store-demo's ``FixtureClient``."""
    demo = _load(ROOT / "fixtures" / "registers" / "store-demo" / "make_store.py", "make_store")
    sna_gen = _load(ROOT / "fixtures" / "registers" / "sna" / "make_fixtures.py", "sna_make")
    from scrapers import inspectorate, kvk, sna, sncu, snf
    from scrapers._config import ScraperConfig
    from scrapers._pipeline import build_dossier, refresh
    from scrapers._store import EvidenceStore

    rng = random.Random(seed)
    routes = dict(demo.fixture_routes())
    rows = sna_gen.realistic_rows(6000 - len(partners))
    rows += [(name, int(number), "Straat 1", "5911 AB", place, "Nederland", sna_gen.TBA, "NEN 4400-1")
             for number, name, place in partners]
    routes[demo.url_of(sna.EXPORT_URL)] = demo.Route("sna", 200, sna_gen.workbook_bytes(rows),
                                                     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    detail = (ROOT / "fixtures" / "registers" / "sncu" / "detail_flexwerk_voorbeeld_2024.html").read_text(encoding="utf-8")
    list_page = (ROOT / "fixtures" / "registers" / "sncu" / "list_page_2.html").read_text(encoding="utf-8")
    head, rest = list_page.split('<div class="posts-list">', 1)
    tail = rest.split("</div>", 1)[1]
    per_page, pages = 15, 20
    for page in range(1, pages + 1):
        items = []
        for number in range(per_page):
            slug = f"vonnis-sncu-vs-bedrijf-{page}-{number}"
            url = f"{sncu.LIST_URL}{slug}/"
            items.append(f'<article class="post-item"><h2 class="entry-title"><a href="{url}">Vonnis SNCU vs. Bedrijf '
                         f'{page}-{number} B.V. (2024)</a></h2><div class="entry-meta"><span class="posted-on">'
                         f'{rng.randrange(1, 28)} May 2024</span></div></article>')
            body = detail.replace("Flexwerk Voorbeeld B.V.", f"Bedrijf {page}-{number} B.V.")
            routes[demo.url_of(url)] = demo.Route("sncu", 200, body.encode("utf-8"), "text/html; charset=utf-8")
        nav = (f'<nav class="navigation pagination"><div class="nav-links"><a class="next page-numbers" '
               f'href="{sncu.LIST_URL}page/{page + 1}/">Volgende</a></div></nav>') if page < pages else ""
        html = head + '<div class="posts-list">' + "".join(items) + "</div>" + nav + tail.split("<nav", 1)[0] + (
            "</main></body></html>" if "<nav" in tail else tail)
        url = sncu.LIST_URL if page == 1 else f"{sncu.LIST_URL}page/{page}/"
        routes[demo.url_of(url)] = demo.Route("sncu", 200, html.encode("utf-8"), "text/html; charset=utf-8")
    result = json.loads((ROOT / "fixtures" / "registers" / "inspectorate" / "search_page_2.json")
                        .read_text(encoding="utf-8"))["Results"][0]
    profile = (ROOT / "fixtures" / "registers" / "kvk" / "basisprofiel-lender-78201.json").read_text(encoding="utf-8")
    for index, (number, name, _) in enumerate(partners):
        found = [{**result, "Id": 100_000 + 10 * index + k, "Bedrijfsnaam": name, "KvkNummer": number}
                 for k in range(rng.choice([0, 0, 1, 3]))]
        page = {"SearchResultInfo": {"PageCount": 1, "TotalCount": len(found)}, "Results": found}
        routes[demo.url_of(inspectorate.SEARCH_URL, inspectorate.search_params(name, 1))] = demo.Route(
            "inspectorate", 200, json.dumps(page).encode("utf-8"), "application/json")
        routes[demo.url_of(f"{kvk.DEFAULT_BASE_URL}/v1/basisprofielen/{number}")] = demo.Route(
            "kvk", 200, profile.replace("68750110", number).replace("Fixture Uitzend B.V.", name).encode("utf-8"),
            "application/hal+json")
        params = {"q": name, "pagina": "1", "limiet": str(snf.PAGE_SIZE), "volgorde": ""}
        routes[demo.url_of(snf.REGISTER_URL, params)] = demo.fixture_file("snf", "search-no-results.html")
    store = EvidenceStore(root)
    config = ScraperConfig(nau_enabled=True)
    at = datetime(2026, 11, 20, 6, tzinfo=UTC)
    client = demo.FixtureClient(routes, store, demo.ticking(at, timedelta(milliseconds=10)))
    refresh(None, client=client, store=store, config=config, now=at)
    from eligibility._dossier import Role
    for number, name, place in partners:
        build_dossier(number, [Role.UITLENER], name=name, place=place, offline=False, store=store, client=client,
                      config=config, now=at)


def pipeline_sample(count: int) -> None:
    """``RegisterSource`` (what ``screen --offline`` uses: ``build_dossier`` on a cached store) per partner."""
    from eligibility._dossier import Role
    from eligibility._screen._dossiers import RegisterSource
    from scrapers._config import ScraperConfig

    partners = [(f"{20_000_000 + i:08d}", f"Steekproef Uitzend {i} B.V.", "Venlo") for i in range(count)]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "evidence"
        started = time.perf_counter()
        realistic_store(root, partners)
        print(f"  realistic store written in {time.perf_counter() - started:.1f} s")
        source = RegisterSource(store_dir=root, offline=True, now=datetime(2026, 11, 23, tzinfo=UTC),
                                config=ScraperConfig())
        rows = [PartnerRow(line, name, number, (Role.UITLENER,), place)
                for line, (number, name, place) in enumerate(partners, start=2)]
        profiler = cProfile.Profile()
        started = time.perf_counter()
        profiler.enable()
        for row in rows:
            source.build(row)
        profiler.disable()
        seconds = time.perf_counter() - started
    print(f"  dossiers from the store: {count / seconds:.2f} partners/s ({seconds / count:.2f} s per partner)")
    stream = io.StringIO()
    stats = pstats.Stats(profiler, stream=stream).sort_stats("cumulative")
    stats.print_stats(r"scrapers/(sna|sncu|inspectorate|kvk|members|snf|nau|_link|_store)\.py:\d+\((fetch|parse|link|latest)")
    lines = [line.split() for line in stream.getvalue().splitlines() if line.strip()[:1].isdigit() and "scrapers/" in line]
    print(f"  where it goes, per partner ({'calls':>6} {'seconds':>8}):")
    for parts in lines[:10]:
        calls, cumulative, where = parts[0], float(parts[3]), parts[5]
        print(f"    {where.split('/work/main/')[-1]:52} {int(calls.split('/')[0]) / count:6.0f} {cumulative / count:8.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=20_000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--pipeline-sample", type=int, default=20)
    parser.add_argument("--keep", type=Path, help="Keep the work directories here (default: a temporary directory).")
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, python {platform.python_version()}; "
          f"workers {args.workers}")
    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-screen-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        print("1. screening run, end to end (synthetic dossiers, real screening code)")
        for count in (args.small, args.n):
            figures = screen_once(work, count, args.workers)
            print(f"  {count:>7,} partners: {count / figures['seconds']:>7,.0f} partners/s ({figures['seconds']:.1f} s); "
                  f"peak RSS parent {figures['parent_mb']:.0f} MB, largest worker {figures['worker_mb']:.0f} MB")
            print(f"           verdicts {figures['verdicts']}")
            print(f"           sizes MB {figures['sizes_mb']}")
        profile_stages(min(args.small, 5_000))
        if args.pipeline_sample:
            print(f"2. the pipeline on a store of realistic size, {args.pipeline_sample} partners")
            pipeline_sample(args.pipeline_sample)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
