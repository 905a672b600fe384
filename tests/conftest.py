"""Every test gets its own ELIGIBILITY_HOME, so no test reads or writes the user's log or store."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path_factory.mktemp("eligibility-home")
    monkeypatch.setenv("ELIGIBILITY_HOME", str(home))
    return home
