"""Where eligibility keeps its files: one rule for the evidence store, HTTP cache and decision log."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path


def eligibility_home(environ: Mapping[str, str] | None = None) -> Path:
    """$ELIGIBILITY_HOME, or ~/.local/share/eligibility."""
    env = os.environ if environ is None else environ
    home = env.get("ELIGIBILITY_HOME")
    return Path(home) if home else Path.home() / ".local" / "share" / "eligibility"
