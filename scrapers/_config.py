"""Settings shared by every register adapter: politeness, storage places and register access.

Defaults are polite (robots.txt obeyed, one request per host per second, always a timeout);
``ScraperConfig.from_env()`` lets an operator change the few things that differ per installation.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from eligibility._home import eligibility_home
from eligibility._version import __version__

PROJECT_URL = "https://github.com/work-in-nl/eligibility"
ROBOTS_TOKEN = "eligibility"
"""Product token matched against ``User-agent:`` lines of robots.txt."""

KVK_TEST_BASE_URL = "https://api.kvk.nl/test/api"
KVK_TEST_API_KEY = "l7xx1f2691f2520d487b902f4e0b57a0b197"
"""Documented public key of the KvK test environment (fictional companies only): not a secret."""

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}


def default_home() -> Path:
    """Where snapshots and the HTTP cache live when ELIGIBILITY_HOME is not set."""
    return eligibility_home({})


@dataclass(frozen=True)
class ScraperConfig:
    """How the scrapers talk to the registers. Every field has a polite, working default."""

    contact: str | None = None
    """Address a register owner can write to about our traffic (env ELIGIBILITY_CONTACT);
    shown in the User-Agent."""

    min_interval_s: float = 1.0
    """Least time between two requests to the same host, in seconds."""

    connect_timeout_s: float = 10.0
    """Seconds to wait for a connection before giving up."""

    read_timeout_s: float = 30.0
    """Seconds to wait between bytes of a response before giving up."""

    retries: int = 4
    """Retries after a connect/read error or a 408/429/500/502/503/504 answer."""

    backoff_factor: float = 1.0
    """Exponential backoff base: waits of factor * 2**(n-1) seconds between retries."""

    obey_robots: bool = True
    """Refuse URLs that the host's robots.txt disallows for us."""

    cache_path: Path = field(default_factory=lambda: default_home() / "http-cache.sqlite")
    """SQLite file of the HTTP cache used for conditional requests (ETag / Last-Modified)."""

    evidence_dir: Path = field(default_factory=lambda: default_home() / "evidence")
    """Directory of the evidence store: every body read, by hash, with a fetch index."""

    kvk_base_url: str = KVK_TEST_BASE_URL
    """KvK API base (env ELIGIBILITY_KVK_BASE_URL); the default is the public test environment."""

    kvk_api_key: str = KVK_TEST_API_KEY
    """KvK API key sent as header ``apikey`` (env ELIGIBILITY_KVK_API_KEY)."""

    nau_enabled: bool = False
    """Read the Wtta register of the NAU (env ELIGIBILITY_NAU_ENABLED); off until it is live."""

    evidence_retention_days: int | None = None
    """Days a stored body is kept after its last fetch (env ELIGIBILITY_EVIDENCE_RETENTION_DAYS),
    applied by ``eligibility registers prune``; None keeps every body (the default, as before).

    An operator's choice, not a legal number (LEGAL.md art. 10.3 asks for a setting and names no
    period): snapshots hold sole traders' and directors' names, and they are also the evidence
    an auditor reads, so the period should cover how long decisions must be explainable. The
    fetch index (URL, time, sha256) is kept whatever the setting."""

    def __post_init__(self) -> None:
        if self.min_interval_s < 0 or self.connect_timeout_s <= 0 or self.read_timeout_s <= 0:
            raise ValueError("min_interval_s must be >= 0 and timeouts > 0")
        if self.retries < 0 or self.backoff_factor < 0:
            raise ValueError("retries and backoff_factor must be >= 0")
        if self.evidence_retention_days is not None and self.evidence_retention_days < 1:
            raise ValueError(f"evidence_retention_days must be at least 1 day, or None to keep every body "
                             f"(got {self.evidence_retention_days})")

    @property
    def user_agent(self) -> str:
        """Identifies the tool, where to read about it, and whom to contact."""
        contact = self.contact or "set ELIGIBILITY_CONTACT"
        return f"{ROBOTS_TOKEN}/{__version__} (+{PROJECT_URL}; contact: {contact})"

    @property
    def timeout(self) -> tuple[float, float]:
        """(connect, read) as requests expects it."""
        return (self.connect_timeout_s, self.read_timeout_s)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> ScraperConfig:
        """Defaults, overridden by ELIGIBILITY_* environment variables that are set."""
        env = os.environ if environ is None else environ
        home = eligibility_home(env)
        return cls(
            contact=env.get("ELIGIBILITY_CONTACT") or None,
            cache_path=home / "http-cache.sqlite",
            evidence_dir=home / "evidence",
            kvk_base_url=env.get("ELIGIBILITY_KVK_BASE_URL") or KVK_TEST_BASE_URL,
            kvk_api_key=env.get("ELIGIBILITY_KVK_API_KEY") or KVK_TEST_API_KEY,
            nau_enabled=_flag(env, "ELIGIBILITY_NAU_ENABLED"),
            evidence_retention_days=retention_days(env),
        )


RETENTION_VARIABLE = "ELIGIBILITY_EVIDENCE_RETENTION_DAYS"


def retention_days(env: Mapping[str, str]) -> int | None:
    """ELIGIBILITY_EVIDENCE_RETENTION_DAYS as whole days (at least 1); None when unset or empty."""
    text = env.get(RETENTION_VARIABLE, "").strip()
    if not text:
        return None
    if not (text.isascii() and text.isdigit()) or int(text) < 1:
        raise ValueError(f"{RETENTION_VARIABLE}={env[RETENTION_VARIABLE]!r}: give a whole number of days, at least 1, "
                         "or leave it unset to keep every stored body")
    return int(text)


def _flag(env: Mapping[str, str], name: str) -> bool:
    value = env.get(name, "").strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(f"{name}={env[name]!r}: use one of {sorted(_TRUE | _FALSE - {''})}")
