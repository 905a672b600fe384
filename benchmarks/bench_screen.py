"""End-to-end throughput and memory of ``eligibility screen`` (issue 4, item 7). Not a test.

Run from the project root::

    python benchmarks/bench_screen.py [--n 100000] [--small 20000] [--workers 2] [--known 8000] [--floor 20000]

1. **A local evidence store of realistic size** is written once (``--keep DIR`` keeps it for a
   next run), through the real adapters' fetch functions: the SNA export with 6,000 companies,
   the SNCU list with 300 verdicts (320 pages), ABU, NBBU and NAU as in the demo store, and for
   ``--known`` partners their KvK profile, their Labour Inspectorate searches by name and by
   trade name (about 20,000 results in all) and their SNF searches by name and by trade name.
   Every other partner has only the bulk registers to go on, as after ``registers refresh``
   without online searches.
2. **Screening runs, end to end**, at two list lengths (``--small`` and ``--n``), each in a fresh
   child process, output directory and decision log: a generated CSV (Dutch headers, ``;``, KvK
   numbers that lost their leading zero, 2% rows without a KvK number, 0.5% bad rows; the known
   partners first, half of them SNA-certified) is screened offline by ``screen`` with its
   default dossier source (the evidence store), all outputs written and every decision logged.
   Reported: partners/s, peak memory (max RSS of the parent and of the largest worker), and the
   CPU time per partner of the parent and of its children (workers, XLSX writer): what that cost
   allows on this machine's cores if they were fully used, the ceiling of the design as it runs.
3. **The floor** (``--floor N``, off by default): a run of the first N partners of the list whose
   dossiers and decisions were all made before the clock started. Its workers only hand them
   over; the run does everything else (run state, decision log, decisions.jsonl, results.csv, the
   XLSX, the summary). What that costs per partner bounds the rate whatever building and deciding
   would cost.
4. **Where one process spends its time per partner**, stage by stage, for ``--profile`` partners
   with stored searches and as many found in the bulk registers only.
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from eligibility._screen._lists import PartnerRow  # noqa: E402

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


def known_partners(count: int) -> list[tuple[str, str, str]]:
    """(KvK number, name, place) of the partners whose searches are in the store."""
    return [(f"{20_000_000 + i:08d}", f"Bekend Uitzend {i} B.V.", PLACES[i % len(PLACES)]) for i in range(count)]


def trade_name(name: str) -> str:
    """A known partner's trade name in its KvK profile (the fixture's "Fixture Flex", made its own)."""
    return name.replace("Uitzend", "Flex").removesuffix(" B.V.")


def write_list(path: Path, count: int, known: list[tuple[str, str, str]], seed: int = 4) -> None:
    """A partner list as a region would send it, with the usual faults; the known partners first."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(["Naam", "KvK-nummer", "Rol", "Plaats"])
        for index in range(count):
            if index < len(known):
                kvk, name, place = known[index]
            else:
                kvk, name, place = f"{rng.randrange(1_000_000, 99_999_999):08d}", f"Partner {index} B.V.", rng.choice(PLACES)
            if rng.random() < 0.3:
                kvk = kvk.lstrip("0")  # leading zeros lost in Excel
            draw = rng.random()
            if draw < 0.02:
                kvk = ""  # name-only
            elif draw < 0.025:
                kvk = f"{kvk}{rng.randrange(10, 99)}"  # 10 digits: a bad row
            writer.writerow([name, kvk, rng.choice(ROLE_CHOICES), place])
            if rng.random() < 0.01:
                writer.writerow([])


_MADE_BEFOREHAND = """
from datetime import UTC, datetime
from eligibility import CompiledPack, load_pack
from eligibility._screen import _runner
from eligibility._screen._dossiers import RegisterSource
from eligibility._screen._lists import PartnerList
partners = PartnerList(options.list_path)
work = _runner._Work(CompiledPack(load_pack(), options.as_of),
                     _runner._register_source(options, datetime.now(UTC), partners.info))
made = {row.line: work.one(row) for row in partners.rows()}
_runner._Work.one = lambda self, row: made[row.line]
RegisterSource.prepare = lambda self: None
"""
"""For the floor: every row's dossier and decision made before the clock starts; the timed run's
workers hand them over, and the run does all the rest (state, log, outputs, XLSX)."""


def screen_once(work: Path, store: Path, count: int, workers: int, known: list[tuple[str, str, str]],
                floor: bool = False) -> dict[str, Any]:
    """One end-to-end run in a fresh child process (so its peak memory is its own). With ``floor``,
    the dossiers and decisions are made before the clock starts (``_MADE_BEFOREHAND``)."""
    list_path = work / f"partners-{count}.csv"
    write_list(list_path, count, known)
    out, log_path = work / f"out-{count}", work / f"log-{count}.sqlite"
    shutil.rmtree(out, ignore_errors=True)
    log_path.unlink(missing_ok=True)
    code = f"""
import io, json, os, resource, sys, time
sys.path.insert(0, {str(ROOT)!r})
from pathlib import Path
from datetime import date
from eligibility._screen import ScreenOptions, screen
options = ScreenOptions(list_path=Path({str(list_path)!r}), out_dir=Path({str(out)!r}), as_of=date(2026, 11, 23),
                        offline=True, store_dir=Path({str(store)!r}), log_path=Path({str(log_path)!r}),
                        workers={workers}, progress=False)
{_MADE_BEFOREHAND if floor else ""}
started, cpu = time.perf_counter(), os.times()
report = screen(options, err=io.StringIO())
seconds, done = time.perf_counter() - started, os.times()
print(json.dumps({{"seconds": seconds, "rows": report.rows, "verdicts": report.verdicts,
                  "parent_cpu": done.user + done.system - cpu.user - cpu.system,
                  "children_cpu": done.children_user + done.children_system - cpu.children_user - cpu.children_system,
                  "parent_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "worker_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}}))
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    figures["sizes_mb"] = {p.name: round(p.stat().st_size / 1e6, 1) for p in sorted(out.iterdir())}
    figures["sizes_mb"]["decision log"] = round(log_path.stat().st_size / 1e6, 1)
    return figures


def profile_stages(store: Path, count: int, known: list[tuple[str, str, str]]) -> None:
    """Where one process spends its time per partner, stage by stage (no log writes, no outputs),
    for ``count`` partners with stored searches and ``count`` found in the bulk registers only."""
    from eligibility import CompiledPack, load_pack
    from eligibility._evaluate import evaluate
    from eligibility._log import LogItem
    from eligibility._screen._dossiers import RegisterSource
    from eligibility._screen._lists import PartnerList
    from eligibility._screen._results import decided_result
    from eligibility._screen._state import Decided
    from scrapers._config import ScraperConfig

    stages = ["dossier from the store", "evaluate (traced)", "decision to canonical JSON",
              "log item (dossier JSON + hash)", "result row + state record"]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "list.csv"
        write_list(path, len(known) + count, known)
        rows = [r for r in PartnerList(path).rows() if isinstance(r, PartnerRow)]
        groups = {"with stored searches": [r for r in rows if r.line <= count + 1],
                  "in bulk registers only": [r for r in rows if r.line > len(known) + 1][:count]}
        source = RegisterSource(store_dir=store, offline=True, now=datetime(2026, 11, 23, tzinfo=UTC),
                                config=ScraperConfig())
        compiled = CompiledPack(load_pack(), AS_OF)
        for group, members in groups.items():
            timings = dict.fromkeys(stages, 0.0)
            for row in members:
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
            total = sum(timings.values()) / len(members)
            print(f"  per partner {group}, one process, {len(members):,} partners "
                  f"(the first read of each bulk register included): {total * 1e3:.2f} ms")
            for stage, seconds in timings.items():
                print(f"    {stage:42} {seconds / len(members) * 1e6:8.0f} us")


def realistic_store(root: Path, known: list[tuple[str, str, str]], seed: int = 7) -> None:
    """SNA 6,000 companies (half the known partners among them), SNCU 300 verdicts on 20 list
    pages, ABU/NBBU/NAU from the demo fixtures, and per known partner a KvK profile, an
    inspectorate search by its name and one by its trade name (about 20,000 results over 8,000
    partners) and an SNF search by each of the two, all read through the real adapters' fetch
    functions from ``FixtureClient`` into the store."""
    demo = _load(ROOT / "fixtures" / "registers" / "store-demo" / "make_store.py", "make_store")
    sna_gen = _load(ROOT / "fixtures" / "registers" / "sna" / "make_fixtures.py", "sna_make")
    from scrapers import inspectorate, kvk, sna, sncu, snf
    from scrapers._config import ScraperConfig
    from scrapers._pipeline import refresh
    from scrapers._store import EvidenceStore

    rng = random.Random(seed)
    routes = dict(demo.fixture_routes())
    certified = known[: len(known) // 2]
    rows = sna_gen.realistic_rows(6000 - len(certified))
    rows += [(name, int(number), "Straat 1", "5911 AB", place, "Nederland", sna_gen.TBA, "NEN 4400-1")
             for number, name, place in certified]
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
    no_snf = demo.fixture_file("snf", "search-no-results.html")
    no_inspections = demo.fixture_file("inspectorate", "empty.json")
    for index, (number, name, _) in enumerate(known):
        found = [{**result, "Id": 100_000 + 10 * index + k, "Bedrijfsnaam": name, "KvkNummer": number}
                 for k in range(rng.choice([0, 0, 1, 2, 3, 4, 5, 5]))]
        page = {"SearchResultInfo": {"PageCount": 1, "TotalCount": len(found)}, "Results": found}
        routes[demo.url_of(inspectorate.SEARCH_URL, inspectorate.search_params(name, 1))] = demo.Route(
            "inspectorate", 200, json.dumps(page).encode("utf-8"), "application/json")
        # the profile's trade name, one per partner: the inspectorate is searched by every name
        routes[demo.url_of(inspectorate.SEARCH_URL, inspectorate.search_params(trade_name(name), 1))] = no_inspections
        body = profile.replace("68750110", number).replace("Fixture Uitzend B.V.", name)
        routes[demo.url_of(f"{kvk.DEFAULT_BASE_URL}/v1/basisprofielen/{number}")] = demo.Route(
            "kvk", 200, body.replace("Fixture Flex", trade_name(name)).encode("utf-8"), "application/hal+json")
        for search in (name, trade_name(name)):  # SNF too is searched by every name
            params = {"q": search, "pagina": "1", "limiet": str(snf.PAGE_SIZE), "volgorde": ""}
            routes[demo.url_of(snf.REGISTER_URL, params)] = no_snf
    store = EvidenceStore(root)
    config = ScraperConfig(nau_enabled=True)
    at = datetime(2026, 11, 20, 6, tzinfo=UTC)
    client = demo.FixtureClient(routes, store, demo.ticking(at, timedelta(milliseconds=1)))
    refresh(None, client=client, store=store, config=config, now=at)
    results = 0
    for number, name, _ in known:
        kvk.fetch_basisprofiel(client, number, base_url=config.kvk_base_url, api_key=config.kvk_api_key)
        results += len(inspectorate.fetch_all(client, name)[1])
        results += len(inspectorate.fetch_all(client, trade_name(name))[1])
        snf.search(client, name)
        snf.search(client, trade_name(name))
    print(f"  store: SNA {len(rows):,} companies, SNCU {per_page * pages} verdicts, {len(known):,} partners searched "
          f"({results:,} inspectorate results)")


def report_run(count: int, figures: dict[str, Any]) -> None:
    print(f"  {count:>7,} partners: {count / figures['seconds']:>7,.0f} partners/s ({figures['seconds']:.1f} s); "
          f"peak RSS parent {figures['parent_mb']:.0f} MB, largest worker {figures['worker_mb']:.0f} MB")
    parent_ms, children_ms = (figures[key] / count * 1e3 for key in ("parent_cpu", "children_cpu"))
    print(f"           CPU per partner: parent {parent_ms:.2f} ms, workers and the XLSX writer {children_ms:.2f} ms; "
          f"at that cost {os.cpu_count()} fully used cores reach "
          f"{(os.cpu_count() or 1) / (parent_ms + children_ms) * 1e3:,.0f} partners/s")
    print(f"           verdicts {figures['verdicts']}")
    print(f"           sizes MB {figures['sizes_mb']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=20_000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--known", type=int, default=8_000, help="Partners whose searches are in the store.")
    parser.add_argument("--floor", type=int, default=0,
                        help="Rows for the floor run, dossiers and decisions made beforehand (0: skip).")
    parser.add_argument("--profile", type=int, default=5_000, help="Rows for the per-stage profile (0: skip).")
    parser.add_argument("--keep", type=Path, help="Keep the work directory (and its store) here, and reuse its store.")
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, python {platform.python_version()}; "
          f"workers {args.workers}")
    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-screen-"))
    work.mkdir(parents=True, exist_ok=True)
    known = known_partners(args.known)
    store = work / f"evidence-{args.known}"
    try:
        print("1. evidence store of realistic size")
        if (store / "index.sqlite").exists():
            print(f"  reusing {store}")
        else:
            started = time.perf_counter()
            realistic_store(store, known)
            print(f"  written in {time.perf_counter() - started:.0f} s")
        print("2. screening runs, end to end (dossiers from the store, all outputs, decision log)")
        for count in (args.small, args.n):
            report_run(count, screen_once(work, store, count, args.workers, known))
        if args.floor:
            print("3. the floor: the same run with every dossier and decision made before the clock starts")
            report_run(args.floor, screen_once(work, store, args.floor, args.workers, known, floor=True))
        if args.profile:
            print("4. stages")
            profile_stages(store, args.profile, known)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
