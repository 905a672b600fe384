"""Every test gets its own ELIGIBILITY_HOME, so no test reads or writes the user's log or store;
tests of the durable-rules backend share one worker per module."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

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


# Hypothesis: the suite draws the same examples on every run ("deterministic", the default), so CI
# cannot fail on a draw nobody saw locally; "explore" draws new ones on every run, to look for
# counterexamples (HYPOTHESIS_PROFILE=explore, run repeatedly; see CONTRIBUTING.md). A counterexample found that
# way is kept as an @example.
settings.register_profile("deterministic", derandomize=True, database=None)
settings.register_profile("explore", derandomize=False, database=None)


def pytest_configure(config: pytest.Config) -> None:
    """Load the profile HYPOTHESIS_PROFILE names; a name not registered is a usage error, not a traceback."""
    profile = os.environ.get("HYPOTHESIS_PROFILE", "deterministic")
    if profile not in ("deterministic", "explore"):
        raise pytest.UsageError(f"HYPOTHESIS_PROFILE={profile!r}: choose deterministic (the default) or explore")
    settings.load_profile(profile)
