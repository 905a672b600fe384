"""The polite client: every failure is a FetchError, robots.txt is obeyed, hosts are spared.

Two kinds of test: `responses` mocks requests' transport (fast, exact failure injection; note that
it applies urllib3 Retry counts but never sleeps), and a small real HTTP server on 127.0.0.1 for
what only a real exchange shows (throttling, Retry-After waits, revalidation, truncated bodies).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
import responses

from eligibility._errors import FetchError
from scrapers._config import KVK_TEST_API_KEY, KVK_TEST_BASE_URL, ScraperConfig
from scrapers._http import MAX_REDIRECTS, MAX_RETRY_AFTER_S, PoliteClient, build_session, prune_http_cache, redirect_target
from scrapers._store import EvidenceStore

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
SITE = "https://register.example"
PAGE = f"{SITE}/list"


def _config(tmp_path: Path, **overrides: object) -> ScraperConfig:
    settings: dict[str, object] = {
        "min_interval_s": 0,
        "retries": 2,
        "backoff_factor": 0,
        "obey_robots": False,
        "contact": "tests@example.org",
        "cache_path": tmp_path / "http-cache.sqlite",
        "evidence_dir": tmp_path / "evidence",
    }
    settings.update(overrides)
    return ScraperConfig(**settings)  # type: ignore[arg-type]


@pytest.fixture
def store(tmp_path: Path) -> EvidenceStore:
    return EvidenceStore(tmp_path / "evidence")


@pytest.fixture
def make_client(tmp_path: Path, store: EvidenceStore) -> Iterator[Callable[..., PoliteClient]]:
    """Clients with a fixed clock and a store; the session is closed after the test."""
    sessions: list[requests.Session] = []

    def make(cache: bool = False, rate_limit: bool = False, **overrides: object) -> PoliteClient:
        config = _config(tmp_path, **overrides)
        session = build_session(config, cache=cache, rate_limit=rate_limit)
        sessions.append(session)
        return PoliteClient(config, store=store, session=session, clock=lambda: T0)

    yield make
    for session in sessions:
        session.close()


@pytest.fixture
def mocked() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


# --- configuration ---------------------------------------------------------------------------


def test_config_defaults_are_polite() -> None:
    config = ScraperConfig()
    assert (config.min_interval_s, config.timeout, config.retries, config.obey_robots) == (1.0, (10.0, 30.0), 4, True)
    assert config.user_agent.startswith("eligibility/")
    assert "contact: set ELIGIBILITY_CONTACT" in config.user_agent
    assert (config.kvk_base_url, config.kvk_api_key, config.nau_enabled) == (KVK_TEST_BASE_URL, KVK_TEST_API_KEY, False)


def test_config_from_env(tmp_path: Path) -> None:
    config = ScraperConfig.from_env(
        {
            "ELIGIBILITY_CONTACT": "screening@region.example",
            "ELIGIBILITY_HOME": str(tmp_path),
            "ELIGIBILITY_KVK_BASE_URL": "https://api.kvk.nl/api",
            "ELIGIBILITY_KVK_API_KEY": "secret",
            "ELIGIBILITY_NAU_ENABLED": "yes",
        }
    )
    assert "contact: screening@region.example" in config.user_agent
    assert (config.cache_path, config.evidence_dir) == (tmp_path / "http-cache.sqlite", tmp_path / "evidence")
    assert (config.kvk_base_url, config.kvk_api_key, config.nau_enabled) == ("https://api.kvk.nl/api", "secret", True)
    assert ScraperConfig.from_env({}) == ScraperConfig()


def test_config_refuses_an_unclear_flag() -> None:
    with pytest.raises(ValueError, match="ELIGIBILITY_NAU_ENABLED"):
        ScraperConfig.from_env({"ELIGIBILITY_NAU_ENABLED": "maybe"})


def test_evidence_retention_is_off_unless_set() -> None:
    """Unset, every stored body is kept, as before the setting existed."""
    assert ScraperConfig().evidence_retention_days is None
    assert ScraperConfig.from_env({}).evidence_retention_days is None
    assert ScraperConfig.from_env({"ELIGIBILITY_EVIDENCE_RETENTION_DAYS": " "}).evidence_retention_days is None
    assert ScraperConfig.from_env({"ELIGIBILITY_EVIDENCE_RETENTION_DAYS": " 400 "}).evidence_retention_days == 400


@pytest.mark.parametrize("value", ["0", "-30", "30 days", "1.5", "abc", "٣"])
def test_evidence_retention_refuses_what_is_not_a_whole_number_of_days(value: str) -> None:
    with pytest.raises(ValueError, match=f"ELIGIBILITY_EVIDENCE_RETENTION_DAYS='{value}'.*whole number of days"):
        ScraperConfig.from_env({"ELIGIBILITY_EVIDENCE_RETENTION_DAYS": value})
    with pytest.raises(ValueError, match="at least 1 day"):
        ScraperConfig(evidence_retention_days=0)


def test_retry_after_is_capped(tmp_path: Path) -> None:
    session = build_session(_config(tmp_path), cache=False, rate_limit=False)
    try:
        retry = session.get_adapter(PAGE).max_retries
        assert retry.respect_retry_after_header and retry.retry_after_max == MAX_RETRY_AFTER_S
    finally:
        session.close()


# --- errors become FetchError (responses) ------------------------------------------------------


@pytest.mark.parametrize(
    "raised",
    [
        requests.exceptions.ConnectTimeout("connect timed out"),
        requests.exceptions.ReadTimeout("read timed out"),
        requests.exceptions.ConnectionError("connection refused"),
        requests.exceptions.TooManyRedirects("loop"),
        requests.exceptions.InvalidURL("bad"),
    ],
)
def test_transport_errors_become_fetch_errors_and_are_recorded(
    make_client: Callable[..., PoliteClient], mocked: responses.RequestsMock, store: EvidenceStore, raised: Exception
) -> None:
    mocked.add(responses.GET, PAGE, body=raised)
    with pytest.raises(FetchError, match=type(raised).__name__) as caught:
        make_client().get(PAGE, register="sncu")
    assert caught.value.__cause__ is raised
    assert caught.value.url == PAGE
    [status] = store.status()
    assert (status.register, status.failures, status.fetches) == ("sncu", 1, 0)
    assert type(raised).__name__ in (status.last_error or "")


@pytest.mark.parametrize("url", ["not a url", "ftp://register.example/file", "https:///nohost", "http://[::1"])
def test_invalid_urls_are_fetch_errors(make_client: Callable[..., PoliteClient], url: str) -> None:
    with pytest.raises(FetchError):
        make_client().get(url, register="sncu")


def test_server_error_then_success_is_retried(
    make_client: Callable[..., PoliteClient], mocked: responses.RequestsMock
) -> None:
    mocked.add(responses.GET, PAGE, status=500)
    mocked.add(responses.GET, PAGE, status=200, body=b"<table>")
    snap = make_client().get(PAGE, register="sncu")
    assert (snap.status, snap.body) == (200, b"<table>")
    assert len(mocked.calls) == 2


def test_persistent_503_fails_after_retries_and_keeps_the_body(
    make_client: Callable[..., PoliteClient], mocked: responses.RequestsMock, store: EvidenceStore
) -> None:
    mocked.add(responses.GET, PAGE, status=503, body=b"maintenance")
    with pytest.raises(FetchError, match="HTTP 503 after 2 retries"):
        make_client(retries=2).get(PAGE, register="sncu")
    assert len(mocked.calls) == 3
    [fetch] = store.history("sncu", PAGE)
    assert fetch.status == 503 and store.get_body(fetch.sha256) == b"maintenance"
    assert store.status()[0].last_error == f"HTTP 503 after 2 retries ({PAGE})"


@pytest.mark.parametrize("status", [400, 404, 410])
def test_client_errors_are_answers_not_failures(
    make_client: Callable[..., PoliteClient], mocked: responses.RequestsMock, store: EvidenceStore, status: int
) -> None:
    body = b'{"fout":[{"code":"IPD5200","omschrijving":"Geen gegevens gevonden"}]}'
    mocked.add(responses.GET, PAGE, status=status, body=body, content_type="application/hal+json")
    snap = make_client().get(PAGE, register="kvk")
    assert (snap.status, snap.body, snap.headers["content-type"]) == (status, body, "application/hal+json")
    assert len(mocked.calls) == 1
    assert store.latest("kvk", PAGE) == snap


def test_truncated_body_is_a_fetch_error(
    make_client: Callable[..., PoliteClient], mocked: responses.RequestsMock
) -> None:
    mocked.add(responses.GET, PAGE, body=b"0123456789", headers={"Content-Length": "100"})
    with pytest.raises(FetchError, match="IncompleteRead"):
        make_client().get(PAGE, register="sna")


def test_user_agent_and_caller_headers_are_sent_with_params(
    make_client: Callable[..., PoliteClient], mocked: responses.RequestsMock
) -> None:
    mocked.add(responses.GET, PAGE, body=b"ok")
    client = make_client()
    snap = client.get(PAGE, register="kvk", params={"naam": "Test BV", "pagina": "1"}, headers={"apikey": "k"})
    sent = mocked.calls[0].request
    assert sent.headers["User-Agent"] == client.config.user_agent
    assert "contact: tests@example.org" in sent.headers["User-Agent"]
    assert sent.headers["apikey"] == "k"
    assert snap.url == f"{PAGE}?naam=Test+BV&pagina=1" == sent.url


def test_redirect_is_followed_and_the_final_url_recorded(
    make_client: Callable[..., PoliteClient], mocked: responses.RequestsMock
) -> None:
    mocked.add(responses.GET, PAGE, status=301, headers={"Location": "/list/"})
    mocked.add(responses.GET, f"{PAGE}/", body=b"final")
    snap = make_client().get(PAGE, register="sncu", headers={"apikey": "k"})
    assert (snap.url, snap.body) == (f"{PAGE}/", b"final")
    assert mocked.calls[1].request.headers["apikey"] == "k"


def test_each_redirect_is_stored_under_its_url_with_its_location(
    make_client: Callable[..., PoliteClient], mocked: responses.RequestsMock, store: EvidenceStore
) -> None:
    """The body lies under the final URL only: the hops lead an offline replay of the URL asked for to it."""
    mocked.add(responses.GET, PAGE, status=301, headers={"Location": "/list/"})
    mocked.add(responses.GET, f"{PAGE}/", status=302, headers={"Location": "https://other.example/x"})
    mocked.add(responses.GET, "https://other.example/x", body=b"final")
    snap = make_client().get(PAGE, register="sncu")
    assert snap.url == "https://other.example/x"
    assert [(r.url, r.status, r.headers.get("location")) for r in store.history("sncu")] == [
        (PAGE, 301, "/list/"), (f"{PAGE}/", 302, "https://other.example/x"), ("https://other.example/x", 200, None)
    ]  # fmt: skip
    assert [redirect_target(store.latest("sncu", url)) for url in (PAGE, f"{PAGE}/")] == [  # type: ignore[arg-type]
        f"{PAGE}/", "https://other.example/x"
    ]
    assert redirect_target(snap) is None


def test_caller_headers_do_not_follow_a_redirect_to_another_host(
    make_client: Callable[..., PoliteClient], mocked: responses.RequestsMock
) -> None:
    mocked.add(responses.GET, PAGE, status=302, headers={"Location": "https://other.example/x"})
    mocked.add(responses.GET, "https://other.example/x", body=b"elsewhere")
    client = make_client()
    client.get(PAGE, register="kvk", headers={"apikey": "secret"})
    moved = mocked.calls[1].request
    assert "apikey" not in moved.headers
    assert moved.headers["User-Agent"] == client.config.user_agent


def test_redirect_loop_is_a_fetch_error(
    make_client: Callable[..., PoliteClient], mocked: responses.RequestsMock
) -> None:
    mocked.add(responses.GET, PAGE, status=302, headers={"Location": PAGE})
    with pytest.raises(FetchError, match="redirects"):
        make_client().get(PAGE, register="sncu")
    assert len(mocked.calls) == MAX_REDIRECTS + 1


def test_without_a_store_the_snapshot_is_still_hashed_and_dated(
    tmp_path: Path, mocked: responses.RequestsMock
) -> None:
    mocked.add(responses.GET, PAGE, body=b"x", headers={"ETag": '"1"'})
    config = _config(tmp_path)
    with PoliteClient(config, session=build_session(config, cache=False, rate_limit=False), clock=lambda: T0) as client:
        snap = client.get(PAGE, register="sncu")
        client.session.close()
    assert snap.sha256 == "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881"
    assert (snap.retrieved_at, snap.headers["etag"]) == (T0, '"1"')


# --- robots.txt (responses) ------------------------------------------------------------------


def test_robots_disallow_refuses_without_requesting_the_url(
    make_client: Callable[..., PoliteClient], mocked: responses.RequestsMock, store: EvidenceStore
) -> None:
    mocked.add(responses.GET, f"{SITE}/robots.txt", body="User-agent: *\nDisallow: /list\n")
    mocked.add(responses.GET, PAGE, body=b"secret")
    with pytest.raises(FetchError, match="robots.txt") as caught:
        make_client(obey_robots=True).get(PAGE, register="sncu")
    assert caught.value.url == PAGE and PAGE in str(caught.value)
    assert [c.request.url for c in mocked.calls] == [f"{SITE}/robots.txt"]
    assert store.status()[0].failures == 1


def test_robots_rules_for_our_token_apply_and_are_read_once(
    make_client: Callable[..., PoliteClient], mocked: responses.RequestsMock
) -> None:
    robots = "User-agent: *\nDisallow: /\n\nUser-agent: eligibility\nAllow: /list\nDisallow: /\n"
    mocked.add(responses.GET, f"{SITE}/robots.txt", body=robots)
    mocked.add(responses.GET, PAGE, body=b"ok")
    client = make_client(obey_robots=True)
    assert client.get(PAGE, register="sncu").body == b"ok"
    assert client.get(PAGE, register="sncu").body == b"ok"
    with pytest.raises(FetchError, match="disallowed"):
        client.get(f"{SITE}/admin", register="sncu")
    assert [c.request.url for c in mocked.calls].count(f"{SITE}/robots.txt") == 1


@pytest.mark.parametrize("status", [404, 410, 403])
def test_missing_robots_means_allowed(
    make_client: Callable[..., PoliteClient], mocked: responses.RequestsMock, status: int
) -> None:
    mocked.add(responses.GET, f"{SITE}/robots.txt", status=status)
    mocked.add(responses.GET, PAGE, body=b"ok")
    assert make_client(obey_robots=True).get(PAGE, register="sncu").body == b"ok"


@pytest.mark.parametrize(
    "robots",
    [
        {"status": 503},
        {"status": 429},
        {"body": requests.exceptions.ConnectionError("refused")},
        {"body": requests.exceptions.ReadTimeout("slow")},
    ],
)
def test_unreachable_robots_means_disallowed(
    make_client: Callable[..., PoliteClient], mocked: responses.RequestsMock, robots: dict[str, object]
) -> None:
    mocked.add(responses.GET, f"{SITE}/robots.txt", **robots)  # type: ignore[arg-type]
    mocked.add(responses.GET, PAGE, body=b"ok")
    client = make_client(obey_robots=True)
    for _ in range(2):  # the verdict is kept: the host is not asked again in this run
        with pytest.raises(FetchError, match="could not be read"):
            client.get(PAGE, register="sncu")
    assert PAGE not in [c.request.url for c in mocked.calls]
    assert len({c.request.url for c in mocked.calls}) == 1


def test_redirect_into_a_disallowed_host_is_refused(
    make_client: Callable[..., PoliteClient], mocked: responses.RequestsMock
) -> None:
    mocked.add(responses.GET, f"{SITE}/robots.txt", status=404)
    mocked.add(responses.GET, PAGE, status=302, headers={"Location": "https://other.example/x"})
    mocked.add(responses.GET, "https://other.example/robots.txt", body="User-agent: *\nDisallow: /\n")
    mocked.add(responses.GET, "https://other.example/x", body=b"no")
    with pytest.raises(FetchError, match="disallowed") as caught:
        make_client(obey_robots=True).get(PAGE, register="sncu")
    assert caught.value.url == "https://other.example/x"
    assert "https://other.example/x" not in [c.request.url for c in mocked.calls]


# --- a real server on 127.0.0.1 --------------------------------------------------------------


@dataclass
class Seen:
    path: str
    headers: dict[str, str]
    at: float


Route = Callable[[BaseHTTPRequestHandler], None]


@dataclass
class LocalServer:
    port: int
    routes: dict[str, Route] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def arrivals(self, path: str) -> list[float]:
        return [s.at for s in self.seen if s.path == path]


MAX_REQUESTS = 40


def reply(status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> Route:
    def route(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(status)
        for name, value in {"Content-Length": str(len(body)), **(headers or {})}.items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(body)

    return route


@pytest.fixture
def server() -> Iterator[LocalServer]:
    """An HTTP/1.0 server in a thread; it answers at most MAX_REQUESTS requests, then 404s."""
    state = LocalServer(port=0)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            path = urlsplit(self.path).path
            if len(state.seen) >= MAX_REQUESTS:
                self.send_error(404, "request budget of the test server used up")
                return
            state.seen.append(Seen(path, {k.lower(): v for k, v in self.headers.items()}, time.monotonic()))
            state.routes.get(path, reply(404))(self)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            """Quiet: the test asserts on `seen`, not on logs."""

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.port = httpd.server_address[1]
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def test_requests_to_one_host_are_spaced_by_the_minimum_interval(
    make_client: Callable[..., PoliteClient], server: LocalServer
) -> None:
    server.routes["/a"] = reply(200, b"a")
    client = make_client(rate_limit=True, min_interval_s=0.3)
    for _ in range(3):
        client.get(server.url("/a"), register="sncu")
    arrivals = server.arrivals("/a")
    gaps = [later - earlier for earlier, later in zip(arrivals, arrivals[1:])]
    assert len(gaps) == 2 and min(gaps) >= 0.3 * 0.95, gaps


def test_different_hosts_are_not_throttled_against_each_other(
    make_client: Callable[..., PoliteClient], server: LocalServer
) -> None:
    server.routes["/a"] = reply(200, b"a")
    client = make_client(rate_limit=True, min_interval_s=0.3)
    client.get(server.url("/a", host="127.0.0.1"), register="sncu")
    client.get(server.url("/a", host="localhost"), register="sncu")
    first, second = server.arrivals("/a")
    assert second - first < 0.25


def test_robots_served_by_the_host_is_honoured(
    make_client: Callable[..., PoliteClient], server: LocalServer
) -> None:
    server.routes["/robots.txt"] = reply(200, b"User-agent: *\nDisallow: /private\n", {"Content-Type": "text/plain"})
    server.routes["/public"] = reply(200, b"open")
    server.routes["/private"] = reply(200, b"closed")
    client = make_client(obey_robots=True)
    assert client.get(server.url("/public"), register="sncu").body == b"open"
    with pytest.raises(FetchError, match="robots.txt"):
        client.get(server.url("/private"), register="sncu")
    assert [s.path for s in server.seen] == ["/robots.txt", "/public"]
    assert all(s.headers["user-agent"] == client.config.user_agent for s in server.seen)


def test_second_read_revalidates_with_the_etag_and_a_304_yields_the_cached_body(
    make_client: Callable[..., PoliteClient], server: LocalServer, store: EvidenceStore
) -> None:
    body = b"Naam;KvK-nummer\nTest BV Donald;68750110\n"

    def export(handler: BaseHTTPRequestHandler) -> None:
        if handler.headers.get("If-None-Match") == '"v1"':
            reply(304, headers={"ETag": '"v1"'})(handler)
        else:
            reply(200, body, {"ETag": '"v1"', "Content-Type": "text/csv"})(handler)

    server.routes["/export"] = export
    client = make_client(cache=True)
    first = client.get(server.url("/export"), register="sna")
    second = client.get(server.url("/export"), register="sna")

    assert "if-none-match" not in server.seen[0].headers
    assert server.seen[1].headers["if-none-match"] == '"v1"'
    assert (second.status, second.body, second.sha256) == (200, body, first.sha256)
    assert len(store.history("sna")) == 2


def test_default_session_composes_robots_cache_throttle_and_store(
    tmp_path: Path, server: LocalServer, store: EvidenceStore
) -> None:
    server.routes["/robots.txt"] = reply(404)
    server.routes["/page"] = reply(200, b"page", {"Last-Modified": "Mon, 23 Nov 2026 08:00:00 GMT"})
    config = _config(tmp_path / "deeper", obey_robots=True, min_interval_s=0.3)
    with PoliteClient(config, store=store) as client:
        client.get(server.url("/page"), register="abu")
        client.get(server.url("/page"), register="abu")
    assert [s.path for s in server.seen] == ["/robots.txt", "/page", "/page"]
    assert server.seen[2].headers["if-modified-since"] == "Mon, 23 Nov 2026 08:00:00 GMT"
    assert min(b.at - a.at for a, b in zip(server.seen, server.seen[1:])) >= 0.3 * 0.95
    assert config.cache_path.exists()
    assert [r.status for r in store.history("abu")] == [200, 200]


def test_prune_http_cache_drops_responses_first_received_before_the_cutoff(
    make_client: Callable[..., PoliteClient], server: LocalServer, tmp_path: Path
) -> None:
    """The cache keeps a copy of each body for revalidation: retention applies to it too."""
    server.routes["/verdict"] = reply(200, b"Gedaagden: J. de Vries", {"ETag": '"v1"'})
    client = make_client(cache=True)
    client.get(server.url("/verdict"), register="sncu")
    cache = tmp_path / "http-cache.sqlite"
    now = datetime.now(UTC)

    assert prune_http_cache(cache, now - timedelta(days=1)) == 0  # received after that: kept
    assert prune_http_cache(cache, now + timedelta(minutes=1), dry_run=True) == 1
    client.get(server.url("/verdict"), register="sncu")
    assert server.seen[-1].headers.get("if-none-match") == '"v1"'  # the dry run kept it

    assert prune_http_cache(cache, now + timedelta(minutes=1)) == 1
    client.get(server.url("/verdict"), register="sncu")
    assert "if-none-match" not in server.seen[-1].headers  # gone: asked for in full
    assert prune_http_cache(tmp_path / "no-cache.sqlite", now) == 0


def test_429_with_retry_after_waits_then_succeeds(
    make_client: Callable[..., PoliteClient], server: LocalServer
) -> None:
    answers = iter([reply(429, b"slow down", {"Retry-After": "1"}), reply(200, b"ok")])
    server.routes["/busy"] = lambda handler: next(answers)(handler)
    snap = make_client(retries=2).get(server.url("/busy"), register="inspectorate")
    first, second = server.arrivals("/busy")
    assert snap.body == b"ok"
    assert 1.0 <= second - first < 5


def test_truncated_body_from_a_real_server_is_a_fetch_error(
    make_client: Callable[..., PoliteClient], server: LocalServer, store: EvidenceStore
) -> None:
    server.routes["/cut"] = reply(200, b"0123456789", {"Content-Length": "100"})
    with pytest.raises(FetchError, match="IncompleteRead"):
        make_client().get(server.url("/cut"), register="sna")
    assert store.history("sna") == []
    assert store.status()[0].failures == 1


def test_connection_refused_is_a_fetch_error(make_client: Callable[..., PoliteClient]) -> None:
    with socket.socket() as probe:  # a port with nothing listening: bound, then released
        probe.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{probe.getsockname()[1]}/a"
    with pytest.raises(FetchError, match="ConnectionError") as caught:
        make_client(retries=1).get(closed, register="sncu")
    assert isinstance(caught.value.__cause__, requests.exceptions.ConnectionError)


# --- the URL a body is stored under ------------------------------------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from scrapers import inspectorate, snf  # noqa: E402
from scrapers._http import _PREPARED_FORM, _full_url  # noqa: E402

_BASES = [inspectorate.SEARCH_URL, snf.REGISTER_URL, "https://example.org", "https://example.org/a b/ü",
          "https://EXAMPLE.org:443/zoek/"]


@settings(max_examples=300, deadline=None)
@given(base=st.sampled_from(_BASES),
       params=st.dictionaries(st.text(min_size=1, max_size=12), st.text(max_size=40), max_size=4))
def test_full_url_is_the_url_requests_prepares(base: str, params: dict[str, str]) -> None:
    """Searches are stored under the URL requests prepares; the fast path must give the same string,
    whatever the searched name holds (accents, '&', '%', '+', spaces, quotes)."""
    expected = requests.Request("GET", base, params=list(params.items()) or None).prepare().url
    assert _full_url(base, params) == expected


def test_full_url_keeps_a_query_the_base_already_has() -> None:
    expected = requests.Request("GET", "https://example.org/s?x=1", params=[("q", "a b")]).prepare().url
    assert _full_url("https://example.org/s?x=1", {"q": "a b"}) == expected == "https://example.org/s?x=1&q=a+b"


def test_full_url_refuses_what_is_not_an_absolute_http_url() -> None:
    with pytest.raises(FetchError):
        _full_url("ftp://example.org/", {"q": "x"})


@settings(max_examples=300, deadline=None)
@given(url=st.from_regex(_PREPARED_FORM, fullmatch=True))
def test_a_url_in_prepared_form_is_what_requests_prepares(url: str) -> None:
    """URLs that skip preparation (one KvK profile URL per partner) are exactly what requests makes of them."""
    assert _full_url(url) == requests.Request("GET", url).prepare().url == url


def test_urls_that_need_preparing_are_prepared() -> None:
    assert _full_url("https://Example.org") == "https://example.org/"
    assert _full_url("https://example.org/a/../b") == requests.Request("GET", "https://example.org/a/../b").prepare().url
    assert _full_url("https://example.org/ü") == "https://example.org/%C3%BC"
