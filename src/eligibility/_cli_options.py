"""Checks of command-line values shared by the commands: refused with a usage error (exit 2)
that names the option, before any work starts."""

from __future__ import annotations

import re
from datetime import date

import click


def iso_date(ctx: click.Context, param: click.Parameter, value: str | None) -> date | None:
    """A date written YYYY-MM-DD; ``fromisoformat`` alone would also read 20261123 and the week
    date 2026-W47-1: other spellings of a decision date, refused."""
    if value is None:
        return None
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date as YYYY-MM-DD") from None


def kvk_number(ctx: click.Context, param: click.Parameter, value: str | tuple[str, ...] | None
               ) -> str | tuple[str, ...] | None:
    """A KvK number of exactly 8 digits (spaces around it dropped); for a repeatable option, each."""
    if value is None:
        return None
    if isinstance(value, tuple):
        return tuple(_one_kvk_number(v) for v in value)
    return _one_kvk_number(value)


def _one_kvk_number(value: str) -> str:
    number = value.strip()
    if re.fullmatch(r"[0-9]{8}", number):  # not \d: Arabic-Indic or fullwidth digits are no KvK number
        return number
    hint = f"; with its leading zero: {number.zfill(8)}?" if re.fullmatch(r"[0-9]{1,7}", number) else ""
    raise click.BadParameter(f"{value!r} is not a KvK number: 8 digits{hint}")
