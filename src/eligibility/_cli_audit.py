"""Commands for auditors and rule maintainers: ``eligibility audit ...`` and ``eligibility rules impact``.

Exit codes (``ExitCode``): 0 when the check holds, 6 when it does not (a broken chain, a replay
that differs), 3 for bad input (no such log or record, an override that breaks a rule).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ._errors import EligibilityError, RuleError
from ._exit import ExitCode
from ._exit import fail as _fail
from ._home import eligibility_home
from ._log import DecisionLog, LogError, default_log_path
from ._wal_check import cut_off


log_option = click.option("--log", "log_path", type=click.Path(dir_okay=False, path_type=Path),
                          help="Decision log (default: $ELIGIBILITY_HOME/decisions.sqlite).")


def _open(log_path: Path | None, *, read_only: bool = True) -> DecisionLog:
    """An existing log: no command creates an empty one by accident, and only the override
    commands (``read_only=False``) may write to it; verifying, listing, replaying, showing and
    impact analysis leave the log file byte for byte as it was. On a read-only share the log is
    read as immutable or from a private copy (``DecisionLog.opened_as``); one line on stderr says
    so, because an auditor must know how the records they see were read."""
    path = log_path or default_log_path()
    if not path.is_file():
        _fail(f"no decision log at {path} (give --log, or set ELIGIBILITY_HOME)", ExitCode.INVALID_INPUT)
    try:
        log = DecisionLog(path, read_only=read_only)
    except LogError as exc:
        _fail(str(exc), ExitCode.INVALID_INPUT)
    if log.open_error is not None:
        click.echo(f"note: {path} could not be opened read-only in place ({log.open_error}); "
                   f"read as {log.opened_as}", err=True)
    return log


@click.group("audit")
def audit() -> None:
    """Verify the decision log, replay and show logged decisions, and override them (four eyes)."""


@audit.command("verify")
@log_option
@click.option("--head", "noted", metavar="SEQ:HASH",
              help="A head noted earlier from verify's output: fail unless the record at SEQ still has HASH.")
def verify(log_path: Path | None, noted: str | None) -> None:
    """Recompute the hash chain; name every changed, removed, inserted or reordered record.

    Exit code 0 when the chain is intact, 6 when it is not, 7 when it is intact but a note says
    something that may be a change as well as a crash (frames failing after the write-ahead file's
    last transaction): a script that exits on 0 alone sees it. Note the printed head hash somewhere
    else and give it with --head later: only an outside copy can show that the newest records were
    cut off, or the log rewritten from some record on with every later seal recomputed.
    """
    seq, _, noted_hash = (noted or "").partition(":")
    if noted is not None and not (seq.isdigit() and noted_hash):
        raise click.BadParameter("give SEQ:HASH, as verify prints the head", param_hint="--head")
    path = log_path or default_log_path()
    cut = cut_off(path)
    if cut is not None:  # every open refuses it (LogError); still a verdict on the log, not a usage error
        click.echo(f"decision log {path}: {cut}: its records cannot be read; the chain is broken")
        sys.exit(ExitCode.LINT_OR_TEST_FAILED)
    log = _open(log_path)
    report = log.verify()
    click.echo(report.describe(), nl=False)
    head_ok = True
    if noted is not None:
        try:
            found = log.hash_at(int(seq))
        except LogError:  # a damaged file: verify has named it
            found = None
        head_ok = found == noted_hash.strip().lower()
        click.echo(f"noted head seq {seq}: " + ("the log still holds it" if head_ok else
                   f"NOT as noted: hash {noted_hash}, the log has {found or 'no such record'} (records cut off or "
                   "re-sealed)"))
    if not (report.ok and head_ok):
        sys.exit(ExitCode.LINT_OR_TEST_FAILED)
    sys.exit(ExitCode.VERIFIED_WITH_NOTES if report.notes else ExitCode.ELIGIBLE)


@audit.command("list")
@log_option
@click.option("--last", type=click.IntRange(min=1), default=20, show_default=True, help="Show the newest N records.")
def list_records(log_path: Path | None, last: int) -> None:
    """The newest records: seq, record id, kind, time, and what each is about."""
    from ._log import effective_verdict

    log = _open(log_path)
    try:
        overrides = log.all_overrides()
        by_id = {o.override_id: o for found in overrides.values() for o in found}
        for entry in log.tail(last):
            record = entry.record
            if entry.kind == "decision":
                partner = record["decision"]["partner"]
                what = (f"{partner.get('name')} {partner.get('kvk_number') or ''} as of {entry.as_of}: "
                        f"{record['decision']['verdict']} ({entry.command})")
                mine = overrides.get(entry.record_id, [])
                if any(o.approved for o in mine):
                    what += f"; in force: {effective_verdict(entry, mine).value} (approved override)"
            elif entry.kind == "override":
                state = "approved" if by_id[entry.record_id].approved else "pending, not in force"
                what = f"override of {record['decision_record_id']} to {record['verdict']} by {record['officer']} ({state})"
            else:
                what = f"approval of {record['override_id']} by {record['approver']}"
            click.echo(f"{entry.seq:7} {entry.record_id} {entry.kind:8} {entry.logged_at}  {what}")
    except LogError as exc:
        _fail(str(exc), ExitCode.INVALID_INPUT)


@audit.command("replay")
@click.argument("record_id")
@log_option
def replay_command(record_id: str, log_path: Path | None) -> None:
    """Re-evaluate a logged decision from its stored dossier, pack and date; show it is byte-identical.

    Exit code 0 when identical, 6 when it differs or cannot be replayed (what and why are printed).
    """
    from ._audit import replay

    log = _open(log_path)
    try:
        result = replay(log, record_id)
    except LogError as exc:
        _fail(str(exc), ExitCode.INVALID_INPUT)
    click.echo(result.describe(), nl=False)
    sys.exit(ExitCode.ELIGIBLE if result.identical else ExitCode.LINT_OR_TEST_FAILED)


@audit.command("show")
@click.argument("record_id")
@log_option
@click.option("--store", "store_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Evidence store to link snapshots from (default: $ELIGIBILITY_HOME/evidence if it exists).")
@click.option("--lang", type=click.Choice(["nl", "en"]), default="nl", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write the letter here (default: stdout).")
@click.option("--pdf", is_flag=True, help="Also print it to PDF (needs chromium or wkhtmltopdf on PATH; with --out).")
def show(record_id: str, log_path: Path | None, store_dir: Path | None, lang: str, out: Path | None, pdf: bool) -> None:
    """Render a logged decision as a letter: verdict, overrides, criteria, citations, evidence appendix."""
    from ._letter import pdf_renderer, render_letter, write_pdf

    if pdf and out is None:
        raise click.UsageError("--pdf needs --out FILE")
    log = _open(log_path)
    if store_dir is None and (eligibility_home() / "evidence").is_dir():
        store_dir = eligibility_home() / "evidence"
    try:
        entry = log.get(record_id)
        if entry.kind != "decision":
            _fail(f"record {record_id} is {entry.kind_named}; show the decision it refers to "
                  f"({entry.record.get('decision_record_id')})", ExitCode.INVALID_INPUT)
        html = render_letter(entry, log.overrides(record_id), lang, store_dir=store_dir)
    except LogError as exc:
        _fail(str(exc), ExitCode.INVALID_INPUT)
    if out is None:
        click.echo(html, nl=False)
        return
    html_path = out.with_suffix(".html") if pdf else out
    html_path.write_text(html, encoding="utf-8")
    if not pdf:
        click.echo(f"letter written to {html_path}", err=True)
        return
    renderer = pdf_renderer()
    if renderer is None:
        click.echo(f"no PDF renderer on PATH (chromium or wkhtmltopdf): no PDF made; the letter is HTML at {html_path}",
                   err=True)
        return
    try:
        write_pdf(html_path, out.with_suffix(".pdf"), renderer)
    except RuntimeError as exc:
        click.echo(f"PDF failed ({exc}); the letter is HTML at {html_path}", err=True)
        return
    click.echo(f"letter written to {out.with_suffix('.pdf')} (and {html_path})", err=True)


@audit.group("override")
def override() -> None:
    """Override a logged verdict: an officer requests, a second person approves (four eyes)."""


@override.command("request")
@click.argument("record_id")
@log_option
@click.option("--officer", required=True, help="Who requests the override.")
@click.option("--verdict", required=True, type=click.Choice(["eligible", "not_eligible", "needs_review"]))
@click.option("--justification", required=True, help="Why the automatic verdict is wrong for this partner.")
@click.option("--citation", required=True, help="The article or document the override rests on.")
def override_request(record_id: str, log_path: Path | None, officer: str, verdict: str, justification: str,
                     citation: str) -> None:
    """Request an override of decision RECORD_ID; it counts only after approval by someone else."""
    log = _open(log_path, read_only=False)
    try:
        override_id = log.request_override(record_id, officer=officer, verdict=verdict,
                                           justification=justification, citation=citation)
    except LogError as exc:
        _fail(str(exc), ExitCode.INVALID_INPUT)
    click.echo(override_id)
    click.echo(f"override {override_id} requested; it takes effect once another person approves it:\n"
               f"  eligibility audit override approve {override_id} --approver NAME", err=True)


@override.command("approve")
@click.argument("override_id")
@log_option
@click.option("--approver", required=True, help="Who approves: not the officer who requested it.")
def override_approve(override_id: str, log_path: Path | None, approver: str) -> None:
    """Approve override OVERRIDE_ID (the approver must not be the requesting officer)."""
    log = _open(log_path, read_only=False)
    try:
        approval_id = log.approve_override(override_id, approver=approver)
        decision_id = log.get(override_id).record["decision_record_id"]
        verdict = log.effective_verdict(decision_id)
    except LogError as exc:
        _fail(str(exc), ExitCode.INVALID_INPUT)
    click.echo(approval_id)
    click.echo(f"approved; the verdict in force for {decision_id} is now {verdict.value}", err=True)


@click.command("impact")
@click.option("--pack", "pack_path", required=True, type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="The changed rule pack directory.")
@click.option("--region", help="Regional overlay: a name in rules/regions/ or a YAML file.")
@log_option
@click.option("--limit", type=click.IntRange(min=0), default=None, help="List at most N flipped decisions.")
def impact_command(pack_path: Path, region: str | None, log_path: Path | None, limit: int | None) -> None:
    """Replay logged decisions under a changed pack; list every verdict and criterion that flips, with counts."""
    from ._audit import _fresh_base
    from ._impact import impact
    from ._pack import _overlay_path, apply_overlay

    log = _open(log_path)
    try:
        pack = _fresh_base(pack_path)
        if region is not None:
            pack = apply_overlay(pack, _overlay_path(region))
    except RuleError as exc:
        _fail(str(exc), ExitCode.INVALID_INPUT)
    try:
        report = impact(log, pack)
    except EligibilityError as exc:
        _fail(str(exc), ExitCode.INVALID_INPUT)
    click.echo(report.describe(limit), nl=False)
