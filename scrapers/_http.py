"""Polite HTTP for the register adapters: identify, obey robots.txt, throttle, retry, revalidate.

Each concern is a well-kept library, composed in ``build_session`` and switchable there:

- requests-cache: an SQLite cache that revalidates every reuse (If-None-Match /
  If-Modified-Since), so the server is always asked and a 304 costs no body;
- requests-ratelimiter: at most one request per ``min_interval_s`` per host;
- urllib3 ``Retry``: exponential backoff on connect/read errors and 408/429/5xx, honouring
  Retry-After (capped at ``MAX_RETRY_AFTER_S`` so one host cannot stall a batch for hours);
- protego: robots.txt (RFC 9309: 4xx means allowed, unreachable or 5xx means disallowed).

``PoliteClient`` adds what no library does for us: a robots.txt check before every hop of a
redirect, timeouts and User-Agent on every request, every transport error mapped to
``FetchError``, and every body (or failure) recorded in the evidence store, a redirect's too:
each hop under its own URL with its Location, so that an offline replay asking for the URL
first asked for follows the hops to the final body (``redirect_target``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from types import TracebackType
from urllib.parse import urlencode, urljoin, urlsplit

import requests
import urllib3
from protego import Protego
from requests.adapters import HTTPAdapter
from requests.models import REDIRECT_STATI
from requests_cache import CachedSession, CacheMixin, SQLiteCache
from requests_cache.policy import EXPIRE_IMMEDIATELY
from requests_ratelimiter import LimiterMixin, LimiterSession
from urllib3.util.retry import Retry

from eligibility._errors import FetchError

from ._config import ROBOTS_TOKEN, ScraperConfig
from ._store import EvidenceStore, Snapshot, snapshot_of

RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
MAX_REDIRECTS = 5
MAX_RETRY_AFTER_S = 120


class _CachedLimiterSession(CacheMixin, LimiterMixin, requests.Session):
    """Cache outside the limiter: every request that reaches the network is throttled."""


def build_session(config: ScraperConfig, *, cache: bool = True, rate_limit: bool = True) -> requests.Session:
    """A requests Session with the polite parts switched on (tests switch some off)."""
    rate_limit = rate_limit and config.min_interval_s > 0
    cache_kwargs = {
        "cache_name": str(config.cache_path),
        "backend": "sqlite",
        # Responses with a validator are kept and revalidated on every use; others are not kept.
        "expire_after": EXPIRE_IMMEDIATELY,
        "always_revalidate": True,
    }
    # burst=interval with per_second=1/interval gives the limiter a window of exactly one
    # request per interval (per_second alone would allow bursts within a second).
    limit_kwargs = {
        "per_second": 1 / config.min_interval_s if rate_limit else 0,
        "burst": config.min_interval_s,
        "per_host": True,
    }
    session: requests.Session
    if cache and rate_limit:
        session = _CachedLimiterSession(**cache_kwargs, **limit_kwargs)
    elif cache:
        session = CachedSession(**cache_kwargs)
    elif rate_limit:
        session = LimiterSession(**limit_kwargs)
    else:
        session = requests.Session()
    mount_retries(session, config)
    session.headers["User-Agent"] = config.user_agent
    return session


def prune_http_cache(path: Path, cutoff: datetime, *, dry_run: bool = False) -> int:
    """Delete the cached responses first received before ``cutoff``; their number.

    The HTTP cache keeps each URL's last body with a validator, for conditional requests: a copy
    of what the evidence store holds, so the store's retention setting applies to it too. A
    response deleted here costs one full download on the next request, nothing else. No file, no
    cache: 0."""
    if not Path(path).is_file():
        return 0
    cache = SQLiteCache(str(path))
    try:
        old = [response.cache_key for response in cache.filter(valid=True, expired=True)
               if _aware(response.created_at) < cutoff]
        if old and not dry_run:
            cache.delete(*old)  # and vacuums: the bodies leave the file too
        return len(old)
    finally:
        cache.close()


def _aware(moment: datetime) -> datetime:
    """requests-cache keeps times in UTC; older versions without a zone."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def mount_retries(session: requests.Session, config: ScraperConfig) -> None:
    """Retry idempotent requests with exponential backoff on transient failures."""
    retry = Retry(
        total=config.retries,
        connect=config.retries,
        read=config.retries,
        status=config.retries,
        redirect=False,
        backoff_factor=config.backoff_factor,
        status_forcelist=RETRY_STATUSES,
        allowed_methods=frozenset({"GET", "HEAD"}),
        respect_retry_after_header=True,
        retry_after_max=MAX_RETRY_AFTER_S,
        raise_on_status=False,  # hand back the last answer: its body is evidence too
    )
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)


def _utc_now() -> datetime:
    return datetime.now(UTC)


class PoliteClient:
    """GETs register pages and files politely and returns them as snapshots."""

    def __init__(
        self,
        config: ScraperConfig,
        store: EvidenceStore | None = None,
        session: requests.Session | None = None,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self.config = config
        self.store = store
        self.session = session if session is not None else build_session(config)
        self._owns_session = session is None
        self._clock = clock
        self._robots: dict[str, Protego | str] = {}  # origin -> rules, or why none could be read

    def get(
        self,
        url: str,
        *,
        register: str,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Snapshot:
        """Read ``url``: a Snapshot for any final status below 500 except 408/429.

        Raises FetchError on refusal by robots.txt, network errors, timeouts, too many
        redirects, and 408/429/5xx after retries; each such failure is recorded in the store.
        """
        try:
            final_url, response = self._follow(register, _full_url(url, params), headers or {})
        except FetchError as exc:
            self._record_failure(register, exc.url or url, str(exc))
            raise
        snapshot = self._snapshot(register, final_url, response)
        if response.status_code in RETRY_STATUSES or response.status_code >= 500:
            error = FetchError(f"HTTP {response.status_code} after {self.config.retries} retries", final_url)
            self._record_failure(register, final_url, str(error))
            raise error
        return snapshot

    def close(self) -> None:
        """Close the session if this client built it."""
        if self._owns_session:
            self.session.close()

    def __enter__(self) -> PoliteClient:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _follow(self, register: str, url: str, headers: dict[str, str]) -> tuple[str, requests.Response]:
        """Follow redirects by hand so that robots.txt is checked for every hop.

        The caller's headers (which may carry an API key) go only to the host first asked. Each
        redirect is stored under its URL: the final body is stored under the final URL only.
        """
        origin = _origin(url)
        for _ in range(MAX_REDIRECTS + 1):
            self._check_robots(url)
            sent = {**(headers if _origin(url) == origin else {}), "User-Agent": self.config.user_agent}
            response = self._send(url, sent, allow_redirects=False)
            if not response.is_redirect:
                return url, response
            if self.store is not None:
                self._snapshot(register, url, response)
            url = _redirect_target(url, response.headers["Location"])
        raise FetchError(f"more than {MAX_REDIRECTS} redirects", url)

    def _send(self, url: str, headers: dict[str, str], *, allow_redirects: bool) -> requests.Response:
        try:
            return self.session.get(
                url, headers=headers, timeout=self.config.timeout, allow_redirects=allow_redirects
            )
        except (requests.RequestException, urllib3.exceptions.HTTPError) as exc:
            raise FetchError(f"{type(exc).__name__}: {exc}", url) from exc

    def _check_robots(self, url: str) -> None:
        if not self.config.obey_robots:
            return
        origin = _origin(url)
        if origin not in self._robots:
            self._robots[origin] = self._read_robots(origin)
        rules = self._robots[origin]
        if isinstance(rules, str):
            raise FetchError(f"refused: robots.txt of {origin} could not be read ({rules})", url)
        if not rules.can_fetch(url, ROBOTS_TOKEN):
            raise FetchError("refused: disallowed by robots.txt", url)

    def _read_robots(self, origin: str) -> Protego | str:
        """Rules for one host, or the reason there are none (then everything is refused)."""
        robots_url = f"{origin}/robots.txt"
        headers = {"User-Agent": self.config.user_agent}
        try:
            response = self._send(robots_url, headers, allow_redirects=True)
        except FetchError as exc:
            return str(exc)
        status = response.status_code
        if 200 <= status < 300:
            return Protego.parse(response.content.decode("utf-8", errors="replace"))
        if 400 <= status < 500 and status not in RETRY_STATUSES:
            return Protego.parse("")  # no robots.txt: everything allowed
        return f"HTTP {status}"

    def _snapshot(self, register: str, url: str, response: requests.Response) -> Snapshot:
        at = self._clock()
        headers = dict(response.headers)
        if self.store is not None:
            return self.store.put(register, url, response.status_code, headers, response.content, at)
        return snapshot_of(register, url, response.status_code, headers, response.content, at)

    def _record_failure(self, register: str, url: str, error: str) -> None:
        if self.store is not None:
            self.store.record_failure(register, url, error, self._clock())


def _full_url(url: str, params: dict[str, str] | None = None) -> str:
    """The URL with its query, validated: only absolute http(s) URLs are read."""
    return _prepared_url(url, tuple(params.items()) if params else ())


_PREPARED_FORM = re.compile(r"https?://[a-z0-9]+(?:[.-][a-z0-9]+)*(?::[1-9][0-9]{0,3})?(?:/[A-Za-z0-9_~-]+(?:\.[A-Za-z0-9_~-]+)*)+/?")
"""A URL that requests prepares to itself: lower-case ASCII host, plain path segments (no dot
segments, no escapes), no query (tests check this against requests)."""


@lru_cache(maxsize=4096)  # an offline batch asks for the same bulk-register URLs for every partner
def _prepared_url(url: str, params: tuple[tuple[str, str], ...]) -> str:
    """The URL as requests prepares it (the store keys bodies by that form).

    A query on a base URL without one is added here, by ``urlencode`` as requests does: the
    base is prepared once, not once per partner searched (tests check the two agree)."""
    if params:
        base = _prepared_url(url, ())
        if "?" not in base and "#" not in base:
            return f"{base}?{urlencode(params)}"
    elif _PREPARED_FORM.fullmatch(url):  # e.g. a KvK profile per partner: nothing to prepare
        return url
    try:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise FetchError("not an absolute http(s) URL", url)
        return str(requests.Request("GET", url, params=list(params) or None).prepare().url)
    except (ValueError, requests.RequestException) as exc:  # InvalidURL is both
        raise FetchError(f"{type(exc).__name__}: {exc}", url) from exc


def redirect_target(snapshot: Snapshot) -> str | None:
    """Where a stored redirect leads (its Location, resolved as ``PoliteClient`` followed it);
    None for any other answer. Raises FetchError for a Location that cannot be followed."""
    location = snapshot.headers.get("location")
    if snapshot.status not in REDIRECT_STATI or location is None:
        return None
    return _redirect_target(snapshot.url, location)


def _redirect_target(url: str, location: str) -> str:
    try:
        target = urljoin(url, location)
    except ValueError as exc:
        raise FetchError(f"unusable redirect to {location!r}: {exc}", url) from exc
    return _full_url(target)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()
