"""``eligibility screen LIST``: screen a partner list into a work directory.

Exit 0 when the run completed, error rows included (they are in the outputs, with their
reasons); non-zero only when the run could not proceed (``ExitCode.INVALID_INPUT`` for a list,
pack, work directory or previous run that cannot be used; ``ExitCode.ENGINE`` when the decision
log cannot be written). The lead wires it with ``main.add_command(screen_command)``.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import click

from ._cli_options import iso_date
from ._errors import EligibilityError


@click.command("screen")
@click.argument("list_path", metavar="LIST", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--as-of", "as_of", required=True, callback=iso_date, help="Decision date (peildatum), YYYY-MM-DD.")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Work directory: outputs and the state that lets an interrupted run continue.")
@click.option("--region", help="Regional overlay: a name in rules/regions/ or a YAML file.")
@click.option("--pack", "pack_path", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Rule pack directory (default: the bundled convenant-2025).")
@click.option("--offline", is_flag=True, help="Read only the evidence store, never the network (fast, parallel).")
@click.option("--store", "store_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Evidence store directory (default: $ELIGIBILITY_HOME/evidence).")
@click.option("--log", "log_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Decision log (default: $ELIGIBILITY_HOME/decisions.sqlite).")
@click.option("--previous", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Work directory of an earlier run: adds changes.csv and a 'what changed' section.")
@click.option("--applications", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Folder of application files named by KvK number (68750110.json): declarations, housing and "
                   "equivalence the partners supplied; see 'eligibility schema application'.")
@click.option("--workers", type=click.IntRange(min=1), help="Processes (default: the number of CPUs; live runs: 1).")
@click.option("--lang", type=click.Choice(["nl", "en"]), default="nl", show_default=True,
              help="Language of the main reason and of summary.html.")
@click.option("--verbose", is_flag=True, help="One JSON line per partner on stderr.")
def screen_command(list_path: Path, as_of: date, out_dir: Path, region: str | None, pack_path: Path | None,
                   offline: bool, store_dir: Path | None, log_path: Path | None, previous: Path | None,
                   applications: Path | None, workers: int | None, lang: str, verbose: bool) -> None:
    """Screen every partner in LIST (CSV or XLSX) into --out: results.csv, results.xlsx,
    decisions.jsonl and summary.html. A bad row becomes an error row; the run goes on.
    Run the same command again to continue an interrupted run."""
    from ._cli import _config
    from ._exit import ExitCode
    from ._errors import LogError
    from ._screen import ScreenError, ScreenOptions, screen

    _config()  # a bad ELIGIBILITY_* setting is named here (exit 3), not met as a traceback mid-run
    options = ScreenOptions(
        list_path=list_path, out_dir=out_dir, as_of=as_of, region=region, pack_path=pack_path, offline=offline,
        store_dir=store_dir, log_path=log_path, previous=previous, applications=applications, workers=workers,
        lang=lang, verbose=verbose,
    )
    try:
        report = screen(options)
    except ScreenError as exc:
        code = ExitCode.ENGINE if isinstance(exc.__cause__, LogError) else ExitCode.INVALID_INPUT
        click.echo(f"error: {exc}", err=True)
        sys.exit(code)
    except EligibilityError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(ExitCode.INVALID_INPUT)
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(report.line())
