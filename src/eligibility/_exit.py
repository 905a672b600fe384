"""Exit codes of the ``eligibility`` command and the one way a command stops with an error."""

from __future__ import annotations

import sys
from enum import IntEnum
from typing import NoReturn

import click


class ExitCode(IntEnum):
    ELIGIBLE = 0  # also: any other command that completed
    USAGE = 2  # click's own code for bad options
    INVALID_INPUT = 3
    ENGINE = 4
    DISAGREEMENT = 5
    LINT_OR_TEST_FAILED = 6  # also: audit verify/replay when the check does not hold
    VERIFIED_WITH_NOTES = 7  # audit verify: the chain holds, but a note may be a change (or a crash)
    NOT_ELIGIBLE = 10
    NEEDS_REVIEW = 11


def fail(message: str, code: ExitCode) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)
