"""Pipeline: read the registers for one partner and build its dossier, honestly.

Each register section of the dossier ends up in one of three states (PRODUCT.md, principle 4):

- **absent**: not consulted (offline with nothing stored, NAU switched off, no name to search by);
- **read**: the register was read; an empty list or ``None`` record means "read, nothing found";
- **failed**: the register could not be read or understood; ``error`` says why.

Online, the adapters' fetch functions run against a ``PoliteClient`` (which keeps every body in
the evidence store). Offline, the *same* fetch functions run against ``StoreReplay``, a client
that serves the latest stored snapshot of each URL: the adapter's pure parser reads the stored
bytes, and provenance carries the stored time and sha256. One code path for both modes is what
makes an offline dossier equal to the online one built from the same bytes.

Records are tied to the partner by ``scrapers._link``: KvK number first (the partner's own, then
predecessors'), name (+ place) only for records without a KvK number (the inspectorate also for
records carrying another number: a fine may sit on an undeclared predecessor's number). A name
link goes into the dossier with method ``name`` and its score; the rules treat it as *needs review*.

A parser that raises ValueError on input it did not foresee (urljoin on ``href="http://[x/"``)
fails that register's section, or that register's refresh, like any other unreadable register.

Bulk registers (SNA export, SNCU verdicts, ABU and NBBU members, NAU) can be read once for all
partners with ``refresh``; a batch run then builds offline. KvK, the Labour Inspectorate and SNF
are searched per partner and are read by online builds only; the Labour Inspectorate and SNF by
every distinct name of the partner (registered and trade names), since each may list a company
under a trade name.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache, partial
from datetime import datetime
from typing import Any, Generic, Protocol, TypeVar

from pydantic import TypeAdapter, ValidationError

from eligibility._dossier import (
    Declarations,
    Dossier,
    EquivalenceEvidence,
    GivenName,
    HousingLocation,
    Identity,
    InspectorateFinding,
    KvkFinding,
    LinkMethod,
    MembershipFinding,
    NauFinding,
    Provenance,
    ReadStatus,
    Registers,
    Role,
    Rsin,
    SbiCode,
    SncuFinding,
    SnaFinding,
    SnfFinding,
)
from eligibility._errors import FetchError, ScrapingError
from eligibility._facts import DUTCH_TIME  # a reading's day is its Dutch calendar date
from scrapers import inspectorate, kvk, members, nau, sna, sncu, snf
from scrapers._config import ScraperConfig
from scrapers._http import MAX_REDIRECTS, _full_url, redirect_target
from scrapers._link import Candidate, NameIndex, given_name, name_variants, normalise_name, sorted_words, to_link
from scrapers._store import EvidenceStore, Snapshot

NAU_REGISTER_URL = "https://www.toelatinguitleenmarkt.nl/register.json"
"""[assumed] The NAU register is not live (expected about 2027-07-01); this placeholder is read
only when ``ScraperConfig.nau_enabled`` is set. Replace it when the real address is known."""

NAME_THRESHOLD = 85.0
"""Least name score (0-100) for a name candidate; ``scrapers._link`` explains the scale."""

NAME_REVIEW_THRESHOLD = 70.0
"""Least name score (0-100) for a name candidate in a negative register (the Labour Inspectorate's
fines), for a record its search returned that carries no usable KvK number.

There, a record dropped reads as "no fine": one variant of the partner's name ("Fixture
Uitzendbureau B.V." for "Fixture Uitzend B.V." scores 83.3) or a place written differently must
not make a Waadi shutdown vanish. A name candidate only sends the criterion to review, so the
lower bar costs an officer a look, never a wrong verdict. Records below it are not dropped
silently either: the build lists them as problems."""

NAME_LIMIT = 10
"""Most name candidates kept per register: enough for an officer to review, not a flood."""

NBBU_SLUG_THRESHOLD = 70.0
"""NBBU member pages whose URL slug scores this or more against a partner name are read.

The sitemap lists about 1,300 member pages by slug only; reading all of them per partner would
cost over 20 minutes at one request a second. The slug is a lower bar than the name (slugs are
shortened), and the page's own name and place are then linked at ``NAME_THRESHOLD``."""

BULK_REGISTERS = ("sna", "sncu", "abu", "nbbu", "nau")
"""Registers ``refresh`` reads once for all partners. KvK, inspectorate and SNF are searches."""


class Client(Protocol):
    """What the adapters need from ``PoliteClient``; ``StoreReplay`` offers the same."""

    def get(
        self,
        url: str,
        *,
        register: str,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Snapshot: ...


Section = KvkFinding | SnaFinding | InspectorateFinding | SncuFinding | NauFinding | SnfFinding | MembershipFinding


@dataclass(frozen=True)
class BuildResult:
    """The dossier, and what the officer should know about how it was built."""

    dossier: Dossier
    problems: list[str]


@dataclass(frozen=True)
class RefreshReport:
    """One register read by ``refresh``: did it work, how many records, and if not, why."""

    register: str
    ok: bool
    records: int | None
    error: str | None = None


@dataclass(frozen=True)
class RegisterStatusRow:
    """How old the stored evidence of one register is, and whether its last reading failed."""

    register: str
    last_read_at: datetime | None
    age_days: int | None
    records: int | None
    """Records in the latest stored reading of a bulk register; None for searches or when unreadable."""
    last_error: str | None
    last_error_at: datetime | None


@dataclass(frozen=True)
class _Partner:
    """What the registers are searched and linked by."""

    kvk_number: str
    predecessors: tuple[str, ...]
    names: tuple[str, ...]
    """The KvK name and trade names, or the name given; empty when no name is known."""
    place: str | None
    branches: tuple[str, ...] = ()
    """Branch numbers (vestigingsnummers) the partner's KvK profile lists: a register that
    publishes one of them where a KvK number belongs names the partner itself."""


# --- clients --------------------------------------------------------------------------------


class _NotStored(Exception):
    """Offline, a URL the adapter asked for was never stored (or, with ``only_after``, only after the
    decision date): the register was not consulted."""

    def __init__(self, register: str, url: str, only_after: datetime | None = None) -> None:
        self.register, self.url, self.only_after = register, url, only_after
        super().__init__(f"no stored snapshot of {url}" if only_after is None else
                         f"no snapshot of {url} was stored before {only_after.isoformat()} (the end of the decision "
                         "date): the later ones do not show the register as it was on that date")


class _NotConsulted(Exception):
    """A register that cannot be consulted for this partner (e.g. a search without a name)."""


class StoreReplay:
    """A client that serves the latest stored snapshot of each URL and never touches the network.

    A stored redirect is followed, hop by hop, as ``PoliteClient`` followed it online: the body
    was stored under the final URL, which the snapshot (and so the provenance) names.

    Keep one for a whole batch (``build_dossier(..., replay=...)``): the bulk registers (SNA,
    SNCU, ABU, NAU) are then read and parsed once, on first use, and every partner of the batch
    is judged on the same snapshots, even if ``registers refresh`` stores newer ones meanwhile.

    ``read_before`` (the end of the decision date, ``dutch_day_end``) serves the latest snapshot
    taken before it: a store refreshed after the decision date still shows the registers as they
    were on it. Without it, a search of several pages could mix a page read after the decision
    date into a reading dated by its oldest page, and pass as fresh.
    """

    def __init__(self, store: EvidenceStore, read_before: datetime | None = None) -> None:
        self.store = store
        self.read_before = read_before
        self._bulk: dict[str, tuple[Any, tuple[Snapshot, ...], str | None, Exception | None]] = {}
        self._latest = lru_cache(maxsize=1024)(partial(store.latest, read_before=read_before))
        """Pages every partner asks for (the NBBU sitemap) are read once; searches pass through."""
        self._stored: dict[str, frozenset[str]] = {}
        """Per register, the URLs stored when the batch first asked: most searches of a long list
        were never made, and a set answers "not stored" without a query."""

    def get(
        self,
        url: str,
        *,
        register: str,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Snapshot:
        full = _full_url(url, params)  # the URL PoliteClient stored the body (or first hop) under
        if register not in self._stored:
            self._stored[register] = frozenset(self.store.urls(register))
        for _ in range(MAX_REDIRECTS + 1):
            stored = full in self._stored[register]
            snapshot = self._latest(register, full) if stored else None
            if snapshot is None:
                raise _NotStored(register, full, self.read_before if stored else None)
            target = redirect_target(snapshot)
            if target is None:
                return snapshot
            full = target
        raise FetchError(f"more than {MAX_REDIRECTS} redirects", full)  # as online

    def read_bulk(self, register: str, reading: _Reading, read: Callable[[Client], Any]) -> Any:
        """``read(reading)`` the first time; afterwards the same result (or error) and snapshots."""
        if register not in self._bulk:
            try:
                parsed, error = read(reading), None
            except (_NotStored, ScrapingError, ValueError) as exc:  # ValidationError is a ValueError
                parsed, error = None, exc
            served = reading.snapshots
            # a section's provenance needs only the oldest snapshot served, a failure the last one
            kept = (min(served, key=lambda snap: snap.retrieved_at), served[-1]) if served else ()
            self._bulk[register] = (parsed, kept, reading.last_url, error)
        parsed, snapshots, last_url, error = self._bulk[register]
        reading.snapshots[:], reading.last_url = list(snapshots), last_url
        reading.shared = True
        if error is not None:
            raise error
        return parsed


@dataclass
class _Reading:
    """Wraps the client for one register: keeps what was served, for provenance and failures."""

    client: Client
    snapshots: list[Snapshot] = field(default_factory=list)
    client_error: FetchError | None = None
    """The FetchError the client itself raised, which a PoliteClient has recorded already."""
    shared: bool = False
    """The snapshots are a batch's bulk reading (``StoreReplay.read_bulk``), served alike to every partner."""
    _last: tuple[str, dict[str, str] | None] | str | None = None

    @property
    def last_url(self) -> str | None:
        """The URL last asked for, for a failure's provenance: built only when read (most reads
        succeed, and offline most searches were never made)."""
        if isinstance(self._last, tuple):
            self._last = _full_url(*self._last)
        return self._last

    @last_url.setter
    def last_url(self, url: str | None) -> None:
        self._last = url

    def get(
        self,
        url: str,
        *,
        register: str,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Snapshot:
        self._last = (url, dict(params) if params is not None else None)
        try:
            snapshot = self.client.get(url, register=register, params=params, headers=headers)
        except FetchError as exc:
            self.client_error = exc
            raise
        self.snapshots.append(snapshot)
        return snapshot

    def provenance(self, parser_version: str) -> Provenance:
        """The oldest snapshot read: freshness rules then judge a section by its oldest evidence; and when
        another page was read later, that moment (``read_until``): a page read after the decision date makes
        the whole reading one taken after it."""
        snapshots = tuple(self.snapshots)
        return _shared_provenance(snapshots, parser_version) if self.shared else _provenance(snapshots, parser_version)


def _provenance(snapshots: Sequence[Snapshot], parser_version: str) -> Provenance:
    oldest = min(snapshots, key=lambda snap: snap.retrieved_at)
    newest = max(snap.retrieved_at for snap in snapshots)
    provenance = oldest.provenance(parser_version)
    return provenance if newest == oldest.retrieved_at else provenance.model_copy(update={"read_until": newest})


_Made = TypeVar("_Made")


def _remembered(cache: dict[Any, tuple[tuple[Any, ...], Any]], limit: int, objects: tuple[Any, ...], extra: Any,
                make: Callable[[], _Made]) -> _Made:
    """``make()``, remembered for these very ``objects`` (and ``extra``): a batch's replay hands every partner the
    same bulk reading, so what is made from it once serves them all. Keyed by identity, not equality (equal
    readings are compared by nothing cheaper than their bodies); an entry holds its objects, so their ids
    cannot be reused while it lives. At most ``limit`` entries: then the cache starts afresh."""
    key = (extra, tuple(map(id, objects)))
    cached = cache.get(key)
    if cached is not None and all(old is new for old, new in zip(cached[0], objects, strict=True)):
        return cached[1]  # type: ignore[no-any-return]
    made = make()
    if len(cache) >= limit:
        cache.clear()
    cache[key] = (objects, made)
    return made


_PROVENANCES: dict[Any, tuple[tuple[Any, ...], Any]] = {}
_MAX_PROVENANCES = 64


def _shared_provenance(snapshots: tuple[Snapshot, ...], parser_version: str) -> Provenance:
    """``_provenance`` of a batch's bulk reading, made once (``_remembered``): a provenance is a frozen model,
    so one serves every partner instead of being validated again for each. Only for bulk readings: other
    snapshots are new objects for each partner, and remembering them would keep their bodies alive for nothing."""
    return _remembered(_PROVENANCES, _MAX_PROVENANCES, snapshots, parser_version,
                       lambda: _provenance(snapshots, parser_version))


# --- linking --------------------------------------------------------------------------------


def _link(
    partner: _Partner,
    records: Sequence[Any],
    *,
    kvk_of: Callable[[Any], str | None],
    name_of: Callable[[Any], str],
    place_of: Callable[[Any], str | None],
    limit: int = NAME_LIMIT,
    name_match_other_kvk: bool = False,
    threshold: float = NAME_THRESHOLD,
) -> list[Candidate]:
    """KvK links (own, then predecessors'), then name candidates for records without a KvK number
    (and, with ``name_match_other_kvk``, for records carrying another number: see ``_link.py``)
    scoring ``threshold`` or more."""
    if not records:  # most searches of a long list find nothing: no index to build
        return []
    index = _index(
        records, kvk_of=kvk_of, name_of=name_of, place_of=place_of, name_match_other_kvk=name_match_other_kvk
    )
    return index.link(
        partner.kvk_number, list(partner.predecessors), list(partner.names), partner.place,
        threshold=threshold, limit=limit,
    )


_INDEXES: dict[Any, tuple[tuple[Any, ...], Any]] = {}
_MAX_INDEXES = 16


def _index(
    records: Sequence[Any],
    *,
    kvk_of: Callable[[Any], str | None],
    name_of: Callable[[Any], str],
    place_of: Callable[[Any], str | None],
    name_match_other_kvk: bool = False,
) -> NameIndex[Any]:
    """A bulk register read for a batch (``StoreReplay``) comes back as the same immutable tuple:
    index its names once for all partners (``_remembered``) instead of once per partner."""
    def build() -> NameIndex[Any]:
        return NameIndex(
            records, kvk_of=kvk_of, name_of=name_of, place_of=place_of, name_match_other_kvk=name_match_other_kvk
        )

    if not isinstance(records, tuple):
        return build()
    return _remembered(_INDEXES, _MAX_INDEXES, (records,), (name_of.__code__, name_match_other_kvk), build)


def _name_capped(linked: list[Candidate], by_name: list[Candidate]) -> list[Candidate]:
    """The KvK links of ``linked``, then the first ``NAME_LIMIT`` of ``by_name``: for a mapper that
    scores every record (so that none vanishes unnamed) but keeps as many name candidates as others."""
    return [c for c in linked if c.method is not LinkMethod.NAME] + by_name[:NAME_LIMIT]


def _best(candidates: list[Candidate], register: str, notes: list[str]) -> Candidate | None:
    """The first candidate (KvK before name, then score) for a section that holds one record."""
    for dropped in candidates[1:]:
        notes.append(
            f"{register}: also matched {dropped.name!r} ({dropped.method.value}, score {dropped.score:g}); "
            "only the best match is in the dossier"
        )
    return candidates[0] if candidates else None


# --- one reader and one mapper per register -------------------------------------------------
# A reader runs the adapter's fetch function (which parses with the adapter's pure parser);
# a mapper links the parsed records to the partner and builds the dossier section.


def _read_kvk(client: Client, partner: _Partner, config: ScraperConfig) -> kvk.KvkProfile | None:
    _, profile = kvk.fetch_basisprofiel(
        client, partner.kvk_number, base_url=config.kvk_base_url, api_key=config.kvk_api_key
    )
    return profile


def _map_kvk(profile: kvk.KvkProfile | None, partner: _Partner, prov: Provenance, notes: list[str]) -> KvkFinding:
    registration = kvk.to_registration(profile) if profile is not None else None
    return KvkFinding(status=ReadStatus.READ, provenance=prov, registration=registration)


def _read_sna(client: Client, partner: _Partner, config: ScraperConfig) -> sna.SnaExport:
    return sna.fetch_export(client)[1]


def _rejected_kvk(text: str | None) -> str | None:
    """The 8-digit KvK number a rejected SNA row's cell spells, separators as spreadsheets write
    them (``68.750.110``, ``68 750 110``, ``'01234567``, ``1234567.0``) undone, as the list reader
    does; None when it spells none.

    Kept local (``_screen._lists.normalise_kvk`` reads list cells): this only decides whether a
    row that could not be read concerns the partner, so a generous reading errs to "unknown"."""
    if not text:
        return None
    digits = text.strip().lstrip("'").strip()
    if digits.endswith(".0"):
        digits = digits[:-2]
    digits = "".join(digits.replace(".", " ").split())  # not "-": "1234-567" is no KvK number
    if not (digits.isascii() and digits.isdigit()) or not 0 < len(digits) <= 8:
        return None
    return digits.zfill(8)


def _map_sna(export: sna.SnaExport, partner: _Partner, prov: Provenance, notes: list[str]) -> SnaFinding:
    """The partner's certificate (rows of one KvK number merged), or a name match for rows without one.

    A rejected row carrying the partner's KvK number makes the section fail: "not in the export"
    would be false, and the row may hold a less favourable status than the rows that parsed
    (an unknown status or activity text rejects the row, so it ends as unknown, not as a finding).
    """
    own = {partner.kvk_number, *partner.predecessors}
    for bad in export.rejected:
        if _rejected_kvk(bad.kvk_text) in own:
            raise ScrapingError(f"SNA export row {bad.row_number} for KvK {bad.kvk_text} could not be read: {bad.reason}")
    best = _best(
        _link(partner, export.rows, kvk_of=lambda r: r.kvk_number, name_of=lambda r: r.name, place_of=lambda r: r.place),
        "sna",
        notes,
    )
    if best is None:
        return SnaFinding(status=ReadStatus.READ, provenance=prov)
    row = sna.find(export, best.kvk_number) if best.kvk_number else best.record
    assert row is not None  # a KvK candidate comes from a row with that number
    return SnaFinding(status=ReadStatus.READ, provenance=prov, certificate=sna.to_certificate(row, to_link(best)))


SEARCH_MAX_NAMES = 20
"""Most distinct names (registered name and trade names) a partner is searched by, in each
register searched by name (the Labour Inspectorate, SNF).

Each search costs a request a second or more. A partner with more names fails the section
(unknown) instead of being searched by the first ones only: a note would not stop a criterion
from passing on a partial search, and a fine or a registration under a name left out would read
as none."""


def search_names(names: Sequence[str]) -> tuple[str, ...]:
    """Each distinct name once, first spelling kept: names differing only in case or spacing give
    the same search, so searching both would only cost a request."""
    distinct: dict[str, str] = {}
    for name in names:
        key = " ".join(name.split()).casefold()
        if key and key not in distinct:
            distinct[key] = name.strip()
    return tuple(distinct.values())


_R = TypeVar("_R")


@dataclass(frozen=True)
class _Searches(Generic[_R]):
    """The union of the searches by every name (repeats counted once), and the names searched."""

    records: list[_R]
    names: tuple[str, ...]


def _search_every_name(
    partner: _Partner,
    search: Callable[[str], list[_R]],
    dedupe: Callable[[list[_R]], list[_R]],
    url: str,
    *,
    unseen: str,
) -> _Searches[_R]:
    """``search`` by every distinct name of the partner; the results of all, in name order, ``dedupe``d.

    ``unseen`` says what a search left out would hide ("a fine under {} would look like no fine").
    More names than ``SEARCH_MAX_NAMES`` fails the section before any request. Offline, a name
    whose search was never stored fails the section when another name's search was stored: "not
    stored" is not "no results". When none was stored, the register was not consulted.
    """
    names = search_names(partner.names)
    if len(names) > SEARCH_MAX_NAMES:
        raise ScrapingError(
            f"the partner has {len(names)} distinct names, more than the {SEARCH_MAX_NAMES} searched: "
            f"{unseen.format('a name left out')}; check the register by hand",
            url,
        )
    records: list[_R] = []
    missing: list[tuple[str, _NotStored]] = []
    for name in names:
        try:
            records += search(name)
        except _NotStored as exc:
            missing.append((name, exc))
    if missing and len(missing) == len(names):
        raise missing[0][1]
    if missing:
        unsearched = ", ".join(repr(name) for name, _ in missing)
        raise ScrapingError(
            f"the search by {unsearched} was never stored (searched by {len(names) - len(missing)} of "
            f"{len(names)} names): {unseen.format('that name')}; run an online build",
            missing[0][1].url,
        )
    return _Searches(dedupe(records), names)


def _note_names(register: str, names: tuple[str, ...], found: str, notes: list[str]) -> None:
    """The provenance names one search only (the oldest page): a note lists every name searched."""
    if len(names) > 1:
        notes.append(
            f"{register}: searched by {len(names)} names ({', '.join(repr(n) for n in names)}); "
            f"{found} found by several counts once"
        )


def _read_inspectorate(
    client: Client, partner: _Partner, config: ScraperConfig
) -> _Searches[inspectorate.InspectionRecord]:
    """Searched by every distinct name, registered and trade names: the site publishes an inspection
    under the company name the inspector saw, which may be a trade name. Whether the API's search
    also matches KvK numbers is unknown. An inspection found by several names counts once (by Id).
    """
    return _search_every_name(
        partner, lambda name: inspectorate.fetch_all(client, name)[1], inspectorate.dedupe, inspectorate.SEARCH_URL,
        unseen="a fine under {} would look like no fine",
    )


def _map_inspectorate(
    found: _Searches[inspectorate.InspectionRecord], partner: _Partner, prov: Provenance, notes: list[str]
) -> InspectorateFinding:
    """KvK links, and name candidates both without a KvK number and with another one.

    A takeover or change of legal form gives a new KvK number, so a fine under the partner's name
    on another number may be an undeclared predecessor's: dropping it would read as "no fine".
    As a name link it sends the fines criterion to review; SNA and the others keep the strict rule.
    The provenance names one search only (the oldest page): a note lists every name searched.

    The register is negative evidence, so a record its search returned never vanishes unseen:
    a branch number the partner's KvK profile lists links like the partner's own number (also one
    published as a JSON number, its leading zeros lost: 37178598 for branch "000037178598"); a record
    without a usable number is a name candidate from ``NAME_REVIEW_THRESHOLD`` (not only from
    ``NAME_THRESHOLD``); a record with a violation that is still not linked is named in a note, as
    is every value the parser could not read (``InspectionRecord.notes``).
    """
    records = found.records
    _note_names("inspectorate", found.names, "an inspection", notes)
    for record in records:
        notes.extend(f"inspectorate: inspection {record.id} of {record.company_name!r}: {n}" for n in record.notes)
    branches = frozenset(partner.branches)

    def partners_branch(record: inspectorate.InspectionRecord) -> str | None:
        """The partner's branch the record carries: a 12-digit branch number, or a JSON number that
        lost its zeros and, padded to 12 digits, is one (never the partner's own KvK number)."""
        if record.kvk_number is None:
            return record.branch_number if record.branch_number in branches else None
        padded = record.kvk_number.rjust(12, "0")
        if record.kvk_number_from_int and record.kvk_number != partner.kvk_number and padded in branches:
            return padded
        return None

    def kvk_of(record: inspectorate.InspectionRecord) -> str | None:
        """The record's KvK number; for a branch number of the partner's, the partner's own number."""
        return partner.kvk_number if partners_branch(record) is not None else record.kvk_number

    # Every record scored (no threshold, no limit): which to keep is decided here, the rest is named.
    # A list, so never ``_index``'s batch cache: its key does not see this partner's branches.
    scored = _link(
        partner, list(records), kvk_of=kvk_of, name_of=lambda r: r.company_name, place_of=lambda r: r.company_place,
        name_match_other_kvk=True, threshold=0.0, limit=len(records),
    )
    by_name = [
        c for c in scored
        if c.method is LinkMethod.NAME
        and c.score >= (NAME_THRESHOLD if c.kvk_number is not None else NAME_REVIEW_THRESHOLD)
    ]
    candidates = _name_capped(scored, by_name)
    for c in candidates:
        if c.method is not LinkMethod.NAME and (branch := partners_branch(c.record)) is not None:
            written = "" if c.record.kvk_number is None else f" (published as the number {int(c.record.kvk_number)})"
            notes.append(
                f"inspectorate: inspection {c.record.id} of {c.name!r} carries branch number {branch}{written}, "
                "which the partner's KvK profile lists: linked as the partner's own KvK number"
            )
        elif c.method is LinkMethod.NAME and c.kvk_number is not None:
            notes.append(
                f"inspectorate: inspection {c.record.id} of {c.name!r} carries KvK number {c.kvk_number}, not the "
                "partner's: a predecessor or another company with this name; linked by name, for review"
            )
        elif c.method is LinkMethod.NAME and c.record.branch_number is not None:
            notes.append(
                f"inspectorate: inspection {c.record.id} of {c.name!r} carries branch number {c.record.branch_number}, "
                "not one the partner's KvK profile lists; linked by name, for review"
            )
    _note_unlinked_inspections(records, candidates, scored, notes)
    results = [result for c in candidates for result in inspectorate.to_results(c.record, to_link(c))]
    return InspectorateFinding(status=ReadStatus.READ, provenance=prov, results=results)


def _note_unlinked_inspections(
    records: Sequence[inspectorate.InspectionRecord], linked: Sequence[Candidate], scored: Sequence[Candidate],
    notes: list[str],
) -> None:
    """Name each record with a violation that the partner's search returned and nothing linked (at
    most ``NAME_LIMIT``, then a count): left out silently, a fine on it would read as none.
    Inspections without violation are left out: the fines rule ignores them."""
    kept = {c.record.id for c in linked}
    scores = {c.record.id: c for c in scored if c.method is LinkMethod.NAME}
    unlinked = [r for r in records if r.id not in kept and any(f.violation for f in r.findings)]
    for record in unlinked[:NAME_LIMIT]:
        scored_as = scores.get(record.id)
        if scored_as is None:
            why = "its name does not resemble the partner's names"
        elif scored_as.kvk_number is not None and scored_as.score < NAME_THRESHOLD:
            why = (
                f"it carries KvK number {scored_as.kvk_number}, not the partner's, and its name scores "
                f"{scored_as.score:g} (below {NAME_THRESHOLD:g})"
            )
        elif scored_as.score < NAME_REVIEW_THRESHOLD:
            why = f"its name scores {scored_as.score:g} (below {NAME_REVIEW_THRESHOLD:g})"
        else:
            why = f"more than {NAME_LIMIT} records were name candidates (score {scored_as.score:g})"
        notes.append(
            f"inspectorate: inspection {record.id} of {record.company_name!r} ({record.company_place or 'no place'}) "
            f"lists a violation and was returned by the search, but is not linked: {why}; check by hand whether it "
            "is the partner's"
        )
    if len(unlinked) > NAME_LIMIT:
        notes.append(
            f"inspectorate: {len(unlinked) - NAME_LIMIT} more inspections with a violation were returned by the search "
            "and not linked; check the search by hand"
        )


@dataclass(frozen=True)
class _SncuVerdicts:
    details: list[sncu.SncuDetail]
    parties: tuple[tuple[sncu.SncuDetail, str], ...]
    """The names linked against: every party of every verdict, and for a verdict naming no party
    every run of words of its title and slug (``_title_windows``). Made with the read, so a batch
    replay hands every partner the same tuple and its name index is built once."""
    title_runs: dict[str, tuple[tuple[sncu.SncuDetail, str], ...]] = field(default_factory=dict)
    """Every verdict's title and slug runs, by their normalised words in sorted order (what a score
    of 100 compares): a partner name that is one of them links the verdict whatever parties were
    read, so a title the party reading gets wrong ("X B.V. te Rotterdam", "curator van X B.V.")
    cannot lose it. Exact only: fuzzy runs of every title would link every partner whose name
    starts like a party's ("Uitzendbureau De" scores 86 against "Uitzendbureau De Brug")."""
    no_party_notes: tuple[str, ...] = ()
    """A note for each verdict naming no party, made with the read: every partner's dossier says so."""


SNCU_WINDOW_WORDS = 12
"""Longest run of title or slug words tried as a name for a verdict naming no party; longer
than any partner name in practice, and it keeps the index small (a title gives at most ~150)."""


def _wordy(word: str) -> bool:
    return any(char.isalnum() for char in word)


def _title_windows(detail: sncu.SncuDetail) -> tuple[str, ...]:
    """Every run of up to ``SNCU_WINDOW_WORDS`` words of the title, then of the slug: a party
    that the title's wording hides ("Uitspraak inzake X B.V.") is still one of these runs, and
    the usual name score finds it. Of runs that normalise alike the longest is kept, so the
    officer sees "Flexwerk Voorbeeld B.V." rather than "Flexwerk Voorbeeld"."""
    kept: dict[str, str] = {}
    for text in (detail.title, detail.slug.replace("-", " ")):
        words = text.split()
        for start in range(len(words)):
            for end in range(start + 1, min(len(words), start + SNCU_WINDOW_WORDS) + 1):
                # "/ X B.V." normalises as "X B.V." does: a run opening or closing on a bare "/" or
                # "-" would only make the name shown longer
                if not _wordy(words[start]) or not _wordy(words[end - 1]):
                    continue
                window = " ".join(words[start:end])
                key = normalise_name(window)
                if key and len(window) > len(kept.get(key, "")):
                    kept[key] = window
    return tuple(kept.values())


def _read_sncu(client: Client, partner: _Partner, config: ScraperConfig) -> _SncuVerdicts:
    details = sncu.fetch_all(client)[1]
    windows = {detail.url: _title_windows(detail) for detail in details}
    names = [(detail, party) for detail in details for party in detail.parties]
    names += [(detail, window) for detail in details if not detail.parties for window in windows[detail.url]]
    runs: dict[str, list[tuple[sncu.SncuDetail, str]]] = {}
    for detail in details:
        for window in windows[detail.url]:
            runs.setdefault(sorted_words(normalise_name(window)), []).append((detail, window))
    no_party = tuple(f"sncu: verdict {detail.url} names no party; its title and slug were matched against the "
                     "partner's names" for detail in details if not detail.parties)
    return _SncuVerdicts(details, tuple(names), {key: tuple(found) for key, found in runs.items()}, no_party)


def _title_run_links(verdicts: _SncuVerdicts, partner: _Partner) -> list[Candidate]:
    """Verdicts whose title or slug holds one of the partner's names as a run of words (score 100)."""
    found = []
    for name in partner.names:
        for variant in name_variants(name):
            for detail, window in verdicts.title_runs.get(sorted_words(variant), ()):
                why = f"the words of partner name {variant!r} are a run of the verdict's title or slug: {window!r}"
                found.append(Candidate((detail, window), window, None, None, 100.0, LinkMethod.NAME, [why]))
    return found


def _map_sncu(verdicts: _SncuVerdicts, partner: _Partner, prov: Provenance, notes: list[str]) -> SncuFinding:
    """Every party of every verdict is a name to match; a verdict is kept once, by its best party.

    A verdict naming no party is matched by the words of its title and slug: dropping it would
    read as "no verdict". Any verdict whose title or slug holds a partner's name exactly is
    matched too (``_SncuVerdicts.title_runs``). Either way the link is by name only, so the rules
    send it to review.
    """
    parties = verdicts.parties
    notes.extend(verdicts.no_party_notes)
    # one verdict may match by several names (parties, title runs): the limit counts verdicts
    candidates = _link(
        partner, parties, kvk_of=lambda p: None, name_of=lambda p: p[1], place_of=lambda p: None, limit=len(parties)
    )
    by_party = {candidate.record[0].url for candidate in candidates}
    ranked = [(c, True) for c in candidates] + [(c, False) for c in _title_run_links(verdicts, partner)]
    ranked.sort(key=lambda found: -found[0].score)  # stable: the linker's order within a score
    best: dict[str, tuple[Candidate, bool]] = {}  # in the order verdicts first appear among the candidates
    for candidate, linked in ranked:
        url, current = candidate.record[0].url, best.get(candidate.record[0].url)
        # of equal scores the linker's name (a party) before an exact title run, then the longest
        # name, which shows the officer most ("Flexwerk Voorbeeld B.V.", not "Flexwerk")
        if current is None or (candidate.score, linked, len(candidate.name)) > (
            current[0].score, current[1], len(current[0].name)
        ):
            best[url] = (candidate, linked)
    kept = [candidate for candidate, _ in best.values()][:NAME_LIMIT]
    for candidate in kept:
        detail = candidate.record[0]
        if detail.parties and detail.url not in by_party:
            notes.append(
                f"sncu: verdict {detail.url}: linked by the words {candidate.name!r} of its title or slug; "
                f"no party read from it ({', '.join(map(repr, detail.parties))}) matched the partner's names"
            )
        if detail.date_labelled:
            continue
        skipped = f"; dates that do not exist were skipped: {', '.join(map(repr, detail.dates_skipped))}" \
            if detail.dates_skipped else ""
        if detail.date_conflicts:  # an appeal counts from its own date: which date is the verdict's?
            ecli = " (an ECLI: 1 January of its year)" if detail.date_text.startswith("ECLI") else ""
            notes.append(
                f"sncu: verdict {detail.url}: the page gives more than one verdict date "
                f"({', '.join(map(repr, (*detail.date_conflicts, detail.date_text)))}); the latest, "
                f"{detail.date_text!r}{ecli}, was taken and is treated as not labelled{skipped}"
            )
        else:
            notes.append(
                f"sncu: verdict {detail.url}: no labelled verdict date; the latest date in the article "
                f"({detail.date_text!r}) was taken{skipped}"
            )
    verdicts_found = [sncu.to_verdict(c.record[0], to_link(c)) for c in kept]
    return SncuFinding(status=ReadStatus.READ, provenance=prov, verdicts=verdicts_found)


def _read_nau(client: Client, partner: _Partner, config: ScraperConfig) -> list[nau.NauRecord]:
    return nau.fetch(client, NAU_REGISTER_URL, enabled=config.nau_enabled)[1]


def _map_nau(records: list[nau.NauRecord], partner: _Partner, prov: Provenance, notes: list[str]) -> NauFinding:
    """By the partner's own KvK number only: admission is not inherited from a predecessor.

    The status in force on the day of the reading (its Dutch calendar date), ``nau.find``. A
    register that also lists a status dated after the reading contradicts itself: then the latest
    status is taken, whatever its date, so that the rules see a status dated after its reading and
    send it to review (``status_dated_after_reading``) rather than passing on an earlier admission
    beside a later suspension. Each such record is noted. The decision date is not known here, and
    the dossier must not depend on it."""
    read_on = prov.retrieved_at.astimezone(DUTCH_TIME).date()
    later = nau.dated_after(records, partner.kvk_number, read_on)
    record = nau.find(records, partner.kvk_number, None if later else read_on)
    for listed in later:
        notes.append(
            f"nau: KvK {partner.kvk_number}: the register read on {read_on.isoformat()} lists {listed.status.value} "
            f"dated {listed.status_date.isoformat() if listed.status_date else '(none)'}, after the reading "
            "(a reading cannot show a later status: sent to review)"
        )
    registration = nau.to_registration(record) if record is not None else None
    return NauFinding(status=ReadStatus.READ, provenance=prov, registration=registration)


def _read_abu(client: Client, partner: _Partner, config: ScraperConfig) -> tuple[members.Member, ...]:
    """A tuple, as SNA's rows and SNCU's parties are: a batch's replay hands each partner the same one, so
    ``_index`` indexes its names once for all partners (a list was indexed again for every partner)."""
    return tuple(members.fetch_abu(client)[1])


def _read_nbbu(client: Client, partner: _Partner, config: ScraperConfig) -> list[members.Member]:
    """The sitemap, then only the member pages whose slug resembles the partner's name."""
    slugs = _nbbu_slugs(client)
    resembling = _index(
        slugs, kvk_of=lambda s: None, name_of=lambda s: s[1], place_of=lambda s: None,
    ).link(None, [], list(partner.names), None, threshold=NBBU_SLUG_THRESHOLD, limit=NAME_LIMIT)
    return members.fetch_nbbu_members(client, [c.record[0] for c in resembling])[1]


def _nbbu_slugs(client: Client) -> tuple[tuple[str, str], ...]:
    """(member URL, its slug as words) from the sitemap; in a batch (``StoreReplay``) read and
    parsed once, like a bulk register, so the slugs' name index is built once too."""
    def read(source: Client) -> tuple[tuple[str, str], ...]:
        urls = members.fetch_nbbu_sitemap(source)[1]
        return tuple((url, url.rstrip("/").rsplit("/", 1)[-1].replace("-", " ")) for url in urls)

    if isinstance(client, _Reading) and isinstance(client.client, StoreReplay):
        return client.client.read_bulk("nbbu sitemap", client, read)  # type: ignore[no-any-return]
    return read(client)


def _map_members(
    found: Sequence[members.Member], partner: _Partner, prov: Provenance, notes: list[str]
) -> MembershipFinding:
    candidates = _link(partner, found, kvk_of=lambda m: m.kvk_number, name_of=lambda m: m.name, place_of=lambda m: m.place)
    memberships = [members.to_membership(c.record, to_link(c)) for c in candidates]
    return MembershipFinding(status=ReadStatus.READ, provenance=prov, memberships=memberships)


def _read_snf(client: Client, partner: _Partner, config: ScraperConfig) -> _Searches[snf.SnfRecord]:
    """Searched by every distinct name, registered and trade names: a housing provider may be
    certified under a trade name, and searched by the first name only it read as not certified.
    A row found by several names counts once (``snf.dedupe``)."""
    return _search_every_name(
        partner, lambda name: snf.search(client, name)[1], snf.dedupe, snf.REGISTER_URL,
        unseen="an SNF registration under {} would look like none",
    )


def _map_snf(found: _Searches[snf.SnfRecord], partner: _Partner, prov: Provenance, notes: list[str]) -> SnfFinding:
    """The best-linked row; the provenance names one search only, a note every name searched.

    Rows linked by the same KvK number that disagree on status are one registration listed
    twice: the least favourable is kept (``snf.least_favourable``, as ``sna.find`` does) and the
    others are noted. Chosen by name and page order, a removed registration passed or failed by
    the order the register happened to list its rows in.

    Every other row linked by name only that is not shown certified is kept in the dossier too
    (``name_linked_not_certified``), not in a note only: it may be the partner's own location or
    earlier entity whose registration was removed, and as a note beside a certified KvK-linked row
    the partner came out eligible. All name candidates are read for it, not ``NAME_LIMIT``: one
    left out would vanish the same way.
    """
    records = found.records
    _note_names("snf", found.names, "a registration", notes)
    # Rows with another KvK number are scored by name too, but only to be noted (``_note_namesakes``): another
    # number is another company, never linked.
    scored = _link(
        partner, records, kvk_of=lambda r: r.kvk_number, name_of=lambda r: r.name, place_of=lambda r: r.place,
        name_match_other_kvk=True, limit=len(records),
    )
    namesakes: list[Candidate] = []
    linked: list[Candidate] = []
    for c in scored:
        (namesakes if c.method is LinkMethod.NAME and c.kvk_number is not None else linked).append(c)
    by_name = [c for c in linked if c.method is LinkMethod.NAME]
    candidates = _name_capped(linked, by_name)
    if candidates and candidates[0].method is not LinkMethod.NAME:
        same = [c for c in candidates if c.method is candidates[0].method and c.kvk_number == candidates[0].kvk_number]
        statuses = sorted({c.record.status for c in same}, key=lambda s: (snf.status_rank(s), s or ""))
        if len(statuses) > 1:
            worst = snf.least_favourable(c.record for c in same)
            chosen = next(c for c in same if c.record is worst)
            notes.append(
                f"snf: KvK number {chosen.kvk_number} is listed with different statuses "
                f"({', '.join(s or 'no status' for s in statuses)}); the least favourable, "
                f"{worst.status or 'no status'} ({worst.name!r}), is in the dossier"
            )
            candidates = [chosen, *(c for c in candidates if c is not chosen)]
    best = _best(candidates, "snf", notes)
    organisation = snf.to_organisation(best.record, to_link(best)) if best is not None else None
    not_certified = [snf.to_organisation(c.record, to_link(c)) for c in by_name
                     if c is not best and c.record.status != snf.CERTIFIED]
    _note_namesakes(namesakes, notes)
    return SnfFinding(
        status=ReadStatus.READ, provenance=prov, organisation=organisation, name_linked_not_certified=not_certified
    )


def _note_namesakes(namesakes: list[Candidate], notes: list[str]) -> None:
    """SNF rows under the partner's name that carry another KvK number and are not certified: another company,
    which is never linked, or a predecessor not given (a takeover gives a new number). Said in a note, so that
    the officer can give it as a predecessor (``--predecessor``); without the note nothing showed it at all."""
    for c in namesakes:
        if c.record.status != snf.CERTIFIED:
            notes.append(f"snf: {c.name!r} ({c.record.status or 'no status'}) has the partner's name (score "
                         f"{c.score:.0f}) but KvK number {c.kvk_number}: another company, or a predecessor; not "
                         "linked (give it with --predecessor to have it judged)")


@dataclass(frozen=True)
class _Adapter:
    """How one dossier section is read and mapped, and which model holds it."""

    parser_version: str
    read: Callable[[Client, _Partner, ScraperConfig], Any]
    map: Callable[[Any, _Partner, Provenance, list[str]], Section]
    finding: type[Section]
    bulk: bool = False
    """The read is the same for every partner (the whole register): a batch reads it once."""
    needs_name: bool = False
    """Searched or linked by name only: without a name, "nothing found" would be a false answer."""


ADAPTERS: dict[str, _Adapter] = {
    "kvk": _Adapter(kvk.PARSER_VERSION, _read_kvk, _map_kvk, KvkFinding),
    "sna": _Adapter(sna.PARSER_VERSION, _read_sna, _map_sna, SnaFinding, bulk=True),
    "inspectorate": _Adapter(inspectorate.PARSER_VERSION, _read_inspectorate, _map_inspectorate, InspectorateFinding,
                             needs_name=True),
    "sncu": _Adapter(sncu.PARSER_VERSION, _read_sncu, _map_sncu, SncuFinding, bulk=True, needs_name=True),
    "nau": _Adapter(nau.PARSER_VERSION, _read_nau, _map_nau, NauFinding, bulk=True),
    "abu": _Adapter(members.PARSER_VERSION, _read_abu, _map_members, MembershipFinding, bulk=True),
    "nbbu": _Adapter(members.PARSER_VERSION, _read_nbbu, _map_members, MembershipFinding, needs_name=True),
    "snf": _Adapter(snf.PARSER_VERSION, _read_snf, _map_snf, SnfFinding, needs_name=True),
}
"""Register -> (read, map), in the order the registers are consulted: KvK first, for the identity."""


# --- building -------------------------------------------------------------------------------


@dataclass
class _Build:
    """What every section of one build shares."""

    online: bool
    client: Client
    client_records_failures: bool
    store: EvidenceStore
    config: ScraperConfig
    now: datetime
    problems: list[str] = field(default_factory=list)

    def consult(self, register: str, partner: _Partner) -> tuple[Section | None, Any]:
        """(section or None when not consulted, the parsed records when the read succeeded)."""
        adapter = ADAPTERS[register]
        if register == "nau" and not self.config.nau_enabled:
            self.problems.append("nau: not consulted: NAU adapter disabled by configuration")
            return None, None
        reading = _Reading(self.client)
        parsed: Any = None
        try:
            if adapter.needs_name and not partner.names:
                raise _NotConsulted(f"{register}: not consulted: no partner name is known to search or link by")
            if adapter.bulk and isinstance(self.client, StoreReplay):
                parsed = self.client.read_bulk(register, reading, lambda c: adapter.read(c, partner, self.config))
            else:
                parsed = adapter.read(reading, partner, self.config)
            notes: list[str] = []
            section = adapter.map(parsed, partner, reading.provenance(adapter.parser_version), notes)
            self.problems.extend(notes)
            return section, parsed
        except _NotStored as missing:
            advice = "; run an online build or refresh first" if missing.only_after is None else ""
            self.problems.append(f"{register}: not consulted: {missing}{advice}")
        except _NotConsulted as reason:
            self.problems.append(str(reason))
        except (ScrapingError, ValueError) as exc:
            # ValueError (pydantic's ValidationError is one) is a parser meeting input it did not
            # foresee, e.g. urljoin on href="http://[x/": a failed read of this register, not a crash.
            return self.failed(register, adapter, reading, exc), parsed
        return None, parsed

    def failed(self, register: str, adapter: _Adapter, reading: _Reading, exc: Exception) -> Section:
        """A failed section, recorded in the store when the failure happened online just now."""
        error = f"{type(exc).__name__}: {exc}"
        url = getattr(exc, "url", None) or reading.last_url
        at = self.now if self.online or not reading.snapshots else reading.snapshots[-1].retrieved_at
        self.problems.append(f"{register}: failed: {error}")
        already_recorded = exc is reading.client_error and self.client_records_failures
        if self.online and not already_recorded:
            self.store.record_failure(register, url or "", error, self.now)
        provenance = Provenance(source=register, url=url, retrieved_at=at, parser_version=adapter.parser_version)
        return adapter.finding(status=ReadStatus.FAILED, provenance=provenance, error=error)


WARM_UP_NAME = "\ue000warm-up\ue000"
"""The name ``warm_up`` consults the registers by: private use characters, which no register holds."""


def warm_up(replay: StoreReplay, store: EvidenceStore, config: ScraperConfig, now: datetime) -> None:
    """Read, parse and index every register a batch reads for all its partners, as its first partner would.

    A screening run calls this in its parent process before the workers fork (``RegisterSource.prepare``):
    the workers then share one reading of SNA, SNCU, ABU, NAU and the NBBU sitemap, and the name indexes
    built on them, instead of each making its own (two seconds and more per worker). Every register but KvK
    is consulted for a partner known by ``WARM_UP_NAME`` only; what the consultations find is dropped."""
    build = _Build(online=False, client=replay, client_records_failures=False, store=store, config=config, now=now)
    stand_in = _Partner("", (), (WARM_UP_NAME,), None)
    try:
        for register in ADAPTERS:
            if register != "kvk":  # read by KvK number only
                build.consult(register, stand_in)
    finally:
        store.close_reader()  # SQLite connections must not cross a fork: each worker opens its own


def build_dossier(
    kvk_number: str,
    roles: Sequence[Role],
    *,
    name: str | None = None,
    place: str | None = None,
    predecessor_kvk_numbers: Sequence[str] = (),
    offline: bool,
    store: EvidenceStore,
    client: Client | None,
    config: ScraperConfig,
    now: datetime,
    declarations: Declarations | None = None,
    housing: Sequence[HousingLocation] = (),
    equivalence: Sequence[EquivalenceEvidence] = (),
    replay: StoreReplay | None = None,
    read_before: datetime | None = None,
) -> BuildResult:
    """Read every register for one partner and build its dossier; a failing register never stops it.

    Online reads through ``client`` (a PoliteClient storing every body in its store), bulk
    registers included (the HTTP cache makes unchanged pages cheap, but SNCU alone is a page per
    verdict): for many partners, ``refresh`` once and build offline. Offline reads only ``store``
    and ignores ``client``. ``now`` dates online failures, which have no snapshot to take a time
    from. ``name``/``place`` are used when the KvK profile cannot be read. ``replay`` (offline
    only, one per batch, over ``store``) reads each bulk register once for all the batch's partners.
    ``read_before`` (offline, without ``replay``): serve only snapshots taken before it (``StoreReplay``).
    """
    if not roles:
        raise ValueError("a dossier needs at least one role")
    kvk_number = kvk.validate_kvk_number(kvk_number)
    predecessors = tuple(kvk.validate_kvk_number(number) for number in predecessor_kvk_numbers)
    if offline:
        source: Client = replay if replay is not None else StoreReplay(store, read_before)
    elif client is None:
        raise ValueError("an online build needs a client; pass offline=True to build from the store")
    else:
        source = client
    build = _Build(
        online=not offline,
        client=source,
        client_records_failures=not offline and getattr(client, "store", None) is store,
        store=store,
        config=config,
        now=now,
    )
    given = _Partner(kvk_number, predecessors, (name.strip(),) if name and name.strip() else (), place)
    kvk_section, profile = build.consult("kvk", given)
    identity = _identity(profile, given, build.problems)
    known_names = (identity.name, *identity.trade_names) if profile or given.names else ()
    partner = _Partner(kvk_number, predecessors, known_names, identity.place, tuple(identity.branches))
    sections: dict[str, Section | None] = {"kvk": kvk_section}
    for register in ADAPTERS:
        if register != "kvk":
            sections[register] = build.consult(register, partner)[0]
    dossier = Dossier(
        partner=identity,
        roles=list(roles),
        declarations=declarations or Declarations(),
        registers=Registers(**sections),
        housing=list(housing),
        equivalence=list(equivalence),
    )
    return BuildResult(dossier=dossier, problems=build.problems)


_RSIN = TypeAdapter(Rsin)


def _foreign(profile: kvk.KvkProfile) -> bool:
    """Established abroad, as the KvK profile shows it by its main-branch address: a country other than the
    Netherlands. False when the profile shows no country: nothing else is guessed from.

    A foreign legal form is not read here: both of the profile's legal forms are in the dossier
    (``registers.kvk.registration.legal_form`` and ``legal_form_extended``), and the rule pack reads them by
    its own words (``foreign_legal_forms``, with citations), so one list decides from every entry point."""
    country = profile.address.country if profile.address else None
    return country is not None and country.strip().casefold() not in _NETHERLANDS


_NETHERLANDS = frozenset({"nederland", "netherlands", "the netherlands", "nl", "nld"})
"""Spellings of the Netherlands as an address country; KvK writes "Nederland"."""


def _identity(profile: kvk.KvkProfile | None, given: _Partner, problems: list[str]) -> Identity:
    """From the KvK profile when it was read; otherwise from what the caller gave.

    ``foreign`` comes from the profile's address only (``_foreign``); without a profile it stays False: the
    caller gives no country. A foreign legal form is the rule pack's to read (``foreign_legal_forms``)."""
    if profile is None:
        if not given.names:
            problems.append("identity: no KvK profile and no name given; registers without KvK numbers not linked")
        return Identity(
            name=given.names[0] if given.names else f"KvK {given.kvk_number}",
            kvk_number=given.kvk_number,
            place=given.place,
            predecessor_kvk_numbers=list(given.predecessors),
        )
    rsin = profile.rsin
    if rsin is not None:
        try:
            _RSIN.validate_python(rsin)
        except ValidationError:
            problems.append(f"identity: RSIN {rsin} from the KvK profile fails the 11-test and is left out")
            rsin = None
    return Identity(
        name=profile.name,
        kvk_number=profile.kvk_number,
        branches=list(profile.branches),
        rsin=rsin,
        legal_form=profile.legal_form,
        sbi_codes=[SbiCode(code=s.code, description=s.description, main=s.main) for s in profile.sbi_codes],
        trade_names=[trade for trade in profile.trade_names if trade != profile.name],
        place=profile.place or given.place,
        predecessor_kvk_numbers=list(given.predecessors),
        given_name=_given_name(given, profile, problems),
        foreign=_foreign(profile),
    )


def _given_name(given: _Partner, profile: kvk.KvkProfile, problems: list[str]) -> GivenName | None:
    """The given name against the KvK name and trade names, scored as the registers link names."""
    if not given.names:
        return None
    scored = given_name(given.names[0], (profile.name, *profile.trade_names))
    if scored.score < NAME_THRESHOLD:
        problems.append(f"identity: the name given, {given.names[0]!r}, is not the trade register's name for KvK "
                        f"{profile.kvk_number} ({profile.name!r}; name score {scored.score:g}): is the KvK number right?")
    return scored


# --- refreshing the bulk registers ----------------------------------------------------------


def _refresh_nbbu(client: Client) -> tuple[int, str | None]:
    """Sitemap and every member page (about 1,300: some 20 minutes); one bad page spoils no other."""
    _, urls = members.fetch_nbbu_sitemap(client)
    read, errors = 0, []
    for url in urls:
        try:
            members.fetch_nbbu_members(client, [url])
            read += 1
        except (ScrapingError, ValueError) as exc:
            errors.append(f"{type(exc).__name__}: {exc}")
    if errors:
        return read, f"{len(errors)} of {len(urls)} member pages could not be read; first: {errors[0]}"
    return read, None


_BULK_READERS: dict[str, Callable[[Client], tuple[int, str | None]]] = {
    "sna": lambda client: (len(sna.fetch_export(client)[1].rows), None),
    "sncu": lambda client: (len(sncu.fetch_all(client)[1]), None),
    "abu": lambda client: (len(members.fetch_abu(client)[1]), None),
    "nbbu": _refresh_nbbu,
    "nau": lambda client: (len(nau.fetch(client, NAU_REGISTER_URL, enabled=True)[1]), None),
}
"""Bulk register -> read all of it (the client stores every body), giving (records, error)."""


def refresh(
    registers: Sequence[str] | None,
    *,
    client: Client,
    store: EvidenceStore,
    config: ScraperConfig,
    now: datetime,
) -> list[RefreshReport]:
    """Read the bulk registers (default: all of them, NAU only when enabled) into the store.

    SNF is left out on purpose: it is searched per partner, and an online build stores each
    search; the same holds for KvK and the Labour Inspectorate.
    """
    names = list(registers) if registers is not None else [
        r for r in BULK_REGISTERS if r != "nau" or config.nau_enabled
    ]
    unknown = [r for r in names if r not in _BULK_READERS]
    if unknown:
        raise ValueError(f"not bulk registers: {unknown}; refresh reads {list(BULK_REGISTERS)}")
    reports = []
    for register in names:
        if register == "nau" and not config.nau_enabled:
            reports.append(RefreshReport(register, ok=False, records=None, error=str(nau.NauDisabled())))
            continue
        reading = _Reading(client)
        try:
            records, error = _BULK_READERS[register](reading)
        except (ScrapingError, ValueError) as exc:  # a parser's ValueError: this register failed, go on
            records, error = None, f"{type(exc).__name__}: {exc}"
            if not (exc is reading.client_error and getattr(client, "store", None) is store):
                store.record_failure(register, getattr(exc, "url", None) or reading.last_url or "", error, now)
        else:
            if error is not None:
                store.record_failure(register, reading.last_url or "", error, now)
        reports.append(RefreshReport(register, ok=error is None, records=records, error=error))
    return reports


# --- status ---------------------------------------------------------------------------------


def _stored_records(store: EvidenceStore, register: str) -> int | None:
    """Records in the latest stored reading of a bulk register, replayed offline; None if unreadable."""
    if register not in _BULK_READERS:
        return None
    try:
        records, error = _BULK_READERS[register](StoreReplay(store))
    except (_NotStored, ScrapingError, ValueError):
        return None
    return records if error is None else None


def status(store: EvidenceStore, now: datetime) -> list[RegisterStatusRow]:
    """Per register (the pipeline's, then any other the store holds): age of the last reading,
    its record count when it is a bulk register, and the last error."""
    by_register = {row.register: row for row in store.status()}
    rows = []
    for register in [*ADAPTERS, *sorted(by_register.keys() - ADAPTERS.keys())]:
        seen = by_register.get(register)
        last = seen.last_read_at if seen else None
        rows.append(
            RegisterStatusRow(
                register=register,
                last_read_at=last,
                age_days=(now - last).days if last else None,
                records=_stored_records(store, register) if last else None,
                last_error=seen.last_error if seen else None,
                last_error_at=seen.last_failure_at if seen else None,
            )
        )
    return rows
