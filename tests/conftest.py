"""Every test gets its own ELIGIBILITY_HOME, so no test reads or writes the user's log or store;
tests of the durable-rules backend share one worker per module."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from eligibility._durable import DurableEngine


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path_factory.mktemp("eligibility-home")
    monkeypatch.setenv("ELIGIBILITY_HOME", str(home))
    return home


@pytest.fixture(scope="module")
def durable() -> Iterator[DurableEngine]:
    """A started durable-rules worker; the test is skipped where durable-rules does not import."""
    engine = DurableEngine()
    if not engine.available():  # pragma: no cover - only where durable-rules does not import
        pytest.skip("durable-rules does not import on this Python")
    yield engine
    engine.close()
