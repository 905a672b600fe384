"""The ``eligibility`` command. Exit codes are documented in the README and in ``ExitCode``."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

import click

from ._decision import Decision, Verdict
from ._dossier import Dossier, Role
from ._errors import BeforePackError, EligibilityError, EngineError, RuleError
from ._exit import ExitCode
from ._exit import fail as _fail
from ._evaluate import CompiledPack, Evaluator, evaluate
from ._explain import explain
from ._name_links import name_matches
from ._io import load_dossier
from ._lint import lint
from ._pack import RulePack, load_pack
from ._version import __version__
from ._cli_options import iso_date, kvk_number


_VERDICT_EXIT = {Verdict.ELIGIBLE: ExitCode.ELIGIBLE, Verdict.NOT_ELIGIBLE: ExitCode.NOT_ELIGIBLE,
                 Verdict.NEEDS_REVIEW: ExitCode.NEEDS_REVIEW}


pack_option = click.option("--pack", "pack_path", type=click.Path(exists=True, file_okay=False, path_type=Path),
                           help="Rule pack directory (default: the bundled convenant-2025).")
region_option = click.option("--region", help="Regional overlay: a name in rules/regions/ or a YAML file.")


def _load(pack_path: Path | None, region: str | None) -> RulePack:
    try:
        return load_pack(pack_path, region=region)
    except RuleError as exc:
        _fail(str(exc), ExitCode.INVALID_INPUT)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="eligibility")
def main() -> None:
    """Check Work in NL partners against the covenant's criteria, with explained decisions."""


kvk_option = click.option("--kvk", callback=kvk_number, help="Build the dossier from the registers for this KvK number.")
role_option = click.option("--role", "roles", multiple=True,
                           type=click.Choice(["uitlener", "huisvester", "werkgever", "dienstverlener"]),
                           help="Role of the partner (repeatable); needed with --kvk.")
offline_option = click.option("--offline", is_flag=True, help="Read only the evidence store, never the network.")
store_option = click.option("--store", "store_dir", type=click.Path(file_okay=False, path_type=Path),
                            help="Evidence store directory (default: $ELIGIBILITY_HOME/evidence).")
application_option = click.option(
    "--application", "application_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="What the partner supplied (declarations, housing, equivalence) as JSON or YAML; see 'schema application'.")
predecessor_option = click.option("--predecessor", "predecessors", multiple=True, callback=kvk_number,
                                  help="KvK number before a takeover or change of legal form (repeatable): searched too.")


def _config() -> Any:
    """The scraper configuration from the environment; a bad setting is named, exit 3."""
    from scrapers._config import ScraperConfig

    try:
        return ScraperConfig.from_env()
    except ValueError as exc:
        _fail(f"configuration: {exc}", ExitCode.INVALID_INPUT)


def _scraping(store_dir: Path | None, existing: bool = False) -> tuple[Any, Any]:
    """The scraper configuration (from the environment) and the evidence store to use. With ``existing`` (reading
    offline, status, prune) the store must be there: opening a mistyped path would make an empty one."""
    from scrapers._store import EvidenceStore, not_a_store

    config = _config()
    root = store_dir or config.evidence_dir
    if existing and (missing := not_a_store(root)) is not None:
        _fail(missing, ExitCode.INVALID_INPUT)
    return config, EvidenceStore(root)


def _now() -> Any:
    """Fetch time (never used by evaluation, which takes the decision date as input)."""
    from datetime import datetime, timezone

    return datetime.now(timezone.utc)


def _build(kvk: str, roles: tuple[str, ...], name: str | None, place: str | None, offline: bool,
           store_dir: Path | None, predecessors: tuple[str, ...] = (), application_path: Path | None = None,
           as_of: date | None = None) -> Dossier:
    """Fetch (or replay) the registers for one partner and add what it supplied (``--application``);
    problems go to stderr, the dossier is returned. Offline with ``as_of``, the store is replayed as it
    stood at the end of that day (readings taken later are not served)."""
    from ._facts import dutch_day_end

    from scrapers._http import PoliteClient
    from scrapers._pipeline import build_dossier

    from ._application import load_application

    if not roles:
        raise click.UsageError("--kvk needs at least one --role")
    application = load_application(application_path, kvk) if application_path is not None else None
    config, store = _scraping(store_dir, offline)
    client = None if offline else PoliteClient(config, store)
    result = build_dossier(kvk, [Role(r) for r in roles], name=name, place=place, offline=offline, store=store,
                           client=client, config=config, now=_now(), predecessor_kvk_numbers=predecessors,
                           read_before=dutch_day_end(as_of) if offline and as_of is not None else None,
                           **(application.sections() if application is not None else {}))
    for problem in result.problems:
        click.echo(f"dossier: {problem}", err=True)
    return result.dossier


@main.command()
@click.argument("dossier", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--as-of", "as_of", required=True, callback=iso_date, help="Decision date (peildatum), YYYY-MM-DD.")
@region_option
@pack_option
@click.option("--engine", type=click.Choice(["native", "durable"]), default="native", show_default=True)
@click.option("--cross-check", is_flag=True, help="Run both engines and report any disagreement (exit 5).")
@click.option("--format", "output", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--lang", type=click.Choice(["nl", "en"]), default="nl", show_default=True)
@click.option("--log", "log_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Decision log (default: $ELIGIBILITY_HOME/decisions.sqlite). Every decision is appended.")
@kvk_option
@role_option
@click.option("--name", help="Partner name, for registers without KvK numbers (with --kvk).")
@click.option("--place", help="Partner place (with --kvk).")
@predecessor_option
@application_option
@offline_option
@store_option
def check(dossier: Path | None, as_of: date, region: str | None, pack_path: Path | None, engine: str,
          cross_check: bool, output: str, lang: str, log_path: Path | None, kvk: str | None, roles: tuple[str, ...], name: str | None,
          place: str | None, predecessors: tuple[str, ...], application_path: Path | None, offline: bool,
          store_dir: Path | None) -> None:
    """Evaluate one DOSSIER (JSON or YAML), or a partner built from the registers with --kvk.

    Exit code: 0 eligible, 10 not eligible, 11 needs review (see the README for the rest).
    """
    if (dossier is None) == (kvk is None):
        raise click.UsageError("give either a DOSSIER file or --kvk with --role")
    if dossier is not None and application_path is not None:
        raise click.UsageError("--application goes with --kvk; a DOSSIER file holds its declarations itself")
    pack = _load(pack_path, region)
    try:
        partner = _scored(load_dossier(dossier)) if dossier is not None else _build(
            kvk, roles, name, place, offline, store_dir, predecessors, application_path, as_of)  # type: ignore[arg-type]
    except EligibilityError as exc:
        _fail(str(exc), ExitCode.INVALID_INPUT)
    decision = _decide(partner, pack, as_of, engine, cross_check)
    _log_decision(decision, partner, pack, region, log_path)
    if output == "json":
        click.echo(decision.to_json().decode("utf-8"))
    else:
        click.echo(explain(decision, lang, name_links=name_matches(partner)), nl=False)
    sys.exit(_VERDICT_EXIT[decision.verdict])


def _scored(dossier: Dossier) -> Dossier:
    """A dossier file with its partner name scored against the trade register's (``with_given_name``): what
    the registers' adapters do for a dossier they build, done for one written by hand. (A foreign legal form
    the rule pack reads itself: ``foreign_legal_forms``.)"""
    from scrapers._link import with_given_name

    return with_given_name(dossier)


def _log_decision(decision: Decision, partner: Dossier, pack: RulePack, region: str | None, log_path: Path | None) -> None:
    """Append to the decision log; if that fails the check fails (a decision is never dropped)."""
    from ._log import DecisionLog, default_log_path

    try:
        entry = DecisionLog(log_path or default_log_path()).append(decision, partner, command="check", region=region, pack=pack)
    except EligibilityError as exc:
        _fail(f"decision log: {exc}", ExitCode.ENGINE)
    click.echo(f"logged as {entry.record_id} in {log_path or default_log_path()}", err=True)


def _decide(partner: Dossier, pack: RulePack, as_of: date, engine: str, cross_check: bool) -> Decision:
    try:
        compiled = CompiledPack(pack, as_of)
        if engine == "native" and not cross_check:
            return evaluate(partner, pack, as_of, compiled=compiled)
        from ._crosscheck import cross_check as run_cross_check
        from ._durable import DurableEngine

        with DurableEngine() as durable:
            facts = compiled.derive(partner)
            if cross_check:
                disagreements = run_cross_check(compiled, [facts], durable)
                for disagreement in disagreements:
                    click.echo(f"cross-check: {disagreement}", err=True)
                if disagreements:
                    sys.exit(ExitCode.DISAGREEMENT)
                click.echo(f"cross-check: native and {durable.version} agree on every clause", err=True)
            if engine == "native":
                return evaluate(partner, pack, as_of, compiled=compiled)
            (matches,) = durable.match(compiled, [facts])
            return Evaluator(compiled).decide(partner, facts, matches, durable)
    except EngineError as exc:
        _fail(f"engine: {exc}", ExitCode.ENGINE)
    except (RuleError, BeforePackError) as exc:
        _fail(str(exc), ExitCode.INVALID_INPUT)


@main.group()
def rules() -> None:
    """Lint, test and show rule packs."""


@rules.command("lint")
@pack_option
@region_option
@click.option("--today", callback=iso_date, help="Date to age citations against (default: today).")
def rules_lint(pack_path: Path | None, region: str | None, today: date | None) -> None:
    """Check a pack beyond its schema: facts, parameters, placeholders, citations, date coverage."""
    pack = _load(pack_path, region)
    problems = lint(pack, today or date.today())
    for problem in problems:
        click.echo(str(problem))
    errors = sum(1 for p in problems if p.severity == "error")
    click.echo(f"{pack.id} {pack.version}: {len(pack.rules)} rules, {len(pack.parameters)} parameters, "
               f"{errors} errors, {len(problems) - errors} warnings")
    sys.exit(ExitCode.LINT_OR_TEST_FAILED if errors else 0)


@rules.command("test")
@pack_option
def rules_test(pack_path: Path | None) -> None:
    """Run the YAML rule cases next to the pack and report criterion coverage."""
    from ._ruletests import coverage, load_cases, run_case

    pack = _load(pack_path, None)
    try:
        cases = load_cases(pack)
    except RuleError as exc:
        _fail(str(exc), ExitCode.INVALID_INPUT)
    failed = 0
    for case in cases:
        result = run_case(case, pack)
        if not result.ok:
            failed += 1
            click.echo(f"FAIL {case.file.name}:{case.line}: {case.spec.name}")
            for problem in result.problems:
                click.echo(f"     {problem}")
    covered, missing = coverage(pack, cases)
    click.echo(f"\n{'criterion':32} {'pass':>5} {'fail':>5} {'unknown':>8} {'n/a':>5}")
    for rule in pack.rules:
        counts = {o: sum(1 for c in cases if c.spec.expect.outcomes.get(rule.id) == o)
                  for o in ("pass", "fail", "unknown", "not_applicable")}
        flag = "  MISSING " + ",".join(sorted(o.value for o in missing[rule.id])) if rule.id in missing else ""
        click.echo(f"{rule.id:32} {counts['pass']:>5} {counts['fail']:>5} {counts['unknown']:>8} "
                   f"{counts['not_applicable']:>5}{flag}")
    click.echo(f"\n{len(cases)} cases, {failed} failed, {len(missing)} criteria with missing coverage")
    if not cases:
        _fail("no rule cases found", ExitCode.LINT_OR_TEST_FAILED)
    sys.exit(ExitCode.LINT_OR_TEST_FAILED if failed or missing else 0)


@rules.command("show")
@click.argument("rule_id", required=False)
@pack_option
@region_option
@click.option("--as-of", "as_of", callback=iso_date, help="Show parameter values in force on this date.")
def rules_show(rule_id: str | None, pack_path: Path | None, region: str | None, as_of: date | None) -> None:
    """List the pack's rules, or show one rule with its parameters on a date."""
    pack = _load(pack_path, region)
    click.echo(f"{pack.id} {pack.version} sha256 {pack.sha256}  valid {pack.index.valid_from} .. {pack.index.valid_until}"
               + (f"  region {pack.region} {pack.overlay_version}" if pack.region else ""))
    if rule_id is None:
        for rule in pack.rules:
            until = rule.effective.until or ""
            click.echo(f"  {rule.id:28} {rule.severity:8} {'floor' if rule.floor else '     '} "
                       f"{rule.effective.from_}..{until:10} {','.join(rule.roles):40} {rule.title.en}")
        return
    try:
        rule = pack.rule(rule_id)
    except KeyError:
        _fail(f"no rule {rule_id!r}; see 'eligibility rules show'", ExitCode.INVALID_INPUT)
    click.echo(json.dumps(rule.model_dump(mode="json", by_alias=True, exclude_defaults=True), indent=2, ensure_ascii=False))
    on = as_of or date.today()
    click.echo(f"parameters on {on.isoformat()}:")
    for name in sorted(pack.rule_params(rule)):
        try:
            click.echo(f"  {name} = {json.dumps(pack.parameter_value(name, on), ensure_ascii=False)}")
        except RuleError as exc:
            click.echo(f"  {name}: {exc.message}")


@main.group()
def dossier() -> None:
    """Build partner dossiers from the public registers."""


@dossier.command("build")
@kvk_option
@role_option
@click.option("--name", help="Partner name, for registers without KvK numbers.")
@click.option("--place", help="Partner place.")
@predecessor_option
@application_option
@offline_option
@store_option
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write the dossier here (default: stdout).")
def dossier_build(kvk: str | None, roles: tuple[str, ...], name: str | None, place: str | None,
                  predecessors: tuple[str, ...], application_path: Path | None, offline: bool, store_dir: Path | None,
                  out: Path | None) -> None:
    """Read the registers for --kvk (or replay them with --offline) and print the dossier as JSON."""
    if kvk is None:
        raise click.UsageError("--kvk is required")
    try:
        built = _build(kvk, roles, name, place, offline, store_dir, predecessors, application_path)
    except EligibilityError as exc:
        _fail(str(exc), ExitCode.INVALID_INPUT)
    text = built.model_dump_json(indent=2, exclude_none=True)
    if out is None:
        click.echo(text)
    else:
        out.write_text(text + "\n", encoding="utf-8")
        click.echo(f"dossier written to {out}", err=True)


@main.group()
def registers() -> None:
    """Refresh the bulk registers into the evidence store, and show how old each reading is."""


@registers.command("refresh")
@click.option("--only", "only", multiple=True, help="Register to refresh (repeatable): sna, sncu, abu, nbbu, nau.")
@store_option
def registers_refresh(only: tuple[str, ...], store_dir: Path | None) -> None:
    """Read the bulk registers once for all partners (polite: robots.txt, 1 request/s per host)."""
    from scrapers._http import PoliteClient
    from scrapers._pipeline import refresh

    config, store = _scraping(store_dir)
    try:
        reports = refresh(list(only) or None, client=PoliteClient(config, store), store=store, config=config,
                          now=_now())
    except (ValueError, EligibilityError) as exc:
        _fail(str(exc), ExitCode.INVALID_INPUT)
    for report in reports:
        state = "ok" if report.ok else "FAILED"
        click.echo(f"{report.register:14} {state:7} records={report.records}" + (f"  {report.error}" if report.error else ""))
    sys.exit(0 if all(r.ok for r in reports) else ExitCode.ENGINE)


@registers.command("status")
@store_option
def registers_status(store_dir: Path | None) -> None:
    """Per register: last read, age in days, records in the last reading, last error."""
    from scrapers._pipeline import status

    _, store = _scraping(store_dir, existing=True)
    click.echo(f"{'register':14} {'last read (UTC)':20} {'age':>5} {'records':>8}  last error")
    for row in status(store, _now()):
        last = row.last_read_at.strftime("%Y-%m-%d %H:%M") if row.last_read_at else "never"
        age = "" if row.age_days is None else str(row.age_days)
        records = "" if row.records is None else str(row.records)
        error = f"{row.last_error} ({row.last_error_at:%Y-%m-%d})" if row.last_error and row.last_error_at else (row.last_error or "")
        click.echo(f"{row.register:14} {last:20} {age:>5} {records:>8}  {error}")
    removals = store.removals()
    if removals:
        last = removals[-1]
        click.echo(f"\n{len({r.sha256 for r in removals})} snapshot bodies removed under the retention setting, "
                   f"the last {last.describe().removeprefix('removed ')}: a reading of one is known by URL, time "
                   "and sha256 but cannot be read offline")


@registers.command("prune")
@click.option("--older-than", "older_than", type=click.IntRange(min=1), metavar="DAYS",
              help="Remove bodies last read more than DAYS days ago (default: $ELIGIBILITY_EVIDENCE_RETENTION_DAYS).")
@click.option("--dry-run", is_flag=True, help="Say what would be removed; change nothing.")
@store_option
def registers_prune(older_than: int | None, dry_run: bool, store_dir: Path | None) -> None:
    """Remove stored snapshot bodies older than the retention period (LEGAL.md art. 10.3).

    A body goes when every reading of it is older than the period; the index keeps each reading's
    URL, time and sha256 and notes the removal, so letters and offline builds say the body was
    removed (never "nothing found"). Old responses in the HTTP cache go too.
    """
    from scrapers._config import RETENTION_VARIABLE
    from scrapers._http import prune_http_cache

    config, store = _scraping(store_dir, existing=True)
    if older_than is not None:
        days, setting = older_than, f"--older-than {older_than}"
    elif config.evidence_retention_days is not None:
        days, setting = config.evidence_retention_days, f"{RETENTION_VARIABLE}={config.evidence_retention_days}"
    else:
        raise click.UsageError(f"no retention period: give --older-than DAYS or set {RETENTION_VARIABLE} "
                               "(unset, every stored body is kept)")
    report = store.prune(days, _now(), setting=setting, dry_run=dry_run)
    cached = prune_http_cache(config.cache_path, report.cutoff, dry_run=dry_run)
    verb = "would remove" if dry_run else "removed"
    click.echo(f"{verb} {report.bodies} snapshot bodies ({report.bytes} bytes) of {report.fetches} readings, "
               f"every one before {report.cutoff:%Y-%m-%d %H:%M} UTC ({setting}); the index keeps each reading's "
               f"URL, time and sha256 and the removal")
    if config.cache_path.is_file():
        click.echo(f"{verb} {cached} HTTP cache responses first received before then ({config.cache_path})")
    else:
        click.echo(f"no HTTP cache at {config.cache_path}: nothing to remove there")


@main.command()
@click.argument("what", type=click.Choice(["dossier", "application", "decision", "rule", "pack-index", "overlay"]))
def schema(what: str) -> None:
    """Print the JSON Schema of a dossier, an application file, a decision, or a rule file."""
    from ._application import Application
    from ._decision import Decision as DecisionModel
    from ._rules_model import Overlay, PackIndex, RuleFile

    models: dict[str, Any] = {"dossier": Dossier, "application": Application, "decision": DecisionModel,
                              "rule": RuleFile, "pack-index": PackIndex, "overlay": Overlay}
    click.echo(json.dumps(models[what].model_json_schema(by_alias=True), indent=2, ensure_ascii=False))


def _register_commands() -> None:
    """Commands that live in their own modules."""
    from ._cli_audit import audit, impact_command
    from ._cli_screen import screen_command

    main.add_command(audit)
    main.add_command(screen_command)
    rules.add_command(impact_command)


_register_commands()


def run() -> None:  # pragma: no cover - console entry point guard
    try:
        main()
    except EligibilityError as exc:
        _fail(str(exc), ExitCode.INVALID_INPUT)
