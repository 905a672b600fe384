"""Where a screened row's dossier comes from: the registers, through ``scrapers._pipeline``.

Rows with a KvK number go through ``build_dossier`` unchanged (offline: the evidence store
replayed; online: a ``PoliteClient``), so a screened dossier is the one ``dossier build`` gives.

Rows without a KvK number ("name-only") cannot: ``build_dossier`` needs a number to read KvK
by. For them this module runs the pipeline's own per-register readers and mappers with the
partner known by name and place only, and keeps a section **only when something was linked
by name, or the register failed**. A section read with nothing linked is left out (with a note),
because the registers' records that carry a KvK number are never linked by name
(``scrapers._link``): "nothing found by name" is no evidence of absence, and kept as "read,
nothing found" it would make a criterion fail or pass on no evidence (no SNA certificate found
-> fail; no fine found -> pass). KvK and NAU are not consulted (both are looked up by number).
Every criterion fed by a left-out section is then *unknown*, and name links are *needs
review* by the rules: a name-only row is never *eligible*, as PRODUCT.md principle 1 asks.

The name-only build uses ``_pipeline``'s private ``_Build``/``_Partner``; a public
``build_dossier`` without a KvK number in ``scrapers._pipeline`` would replace it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from .._application import Application
from .._dossier import Dossier, HousingLocation, Identity, Provenance, ReadStatus, Registers, Role
from ._locations import pair_listed_locations
from ._lists import PartnerRow

NAME_ONLY_SKIPPED = ("kvk", "nau")
"""Registers looked up by KvK number only: not consulted for a row without one."""

_NOT_LINK_FIELDS = {"status", "provenance", "error"}


@dataclass(frozen=True)
class Built:
    """A dossier and the notes on how it was built (registers not consulted, dropped matches)."""

    dossier: Dossier
    problems: list[str]


class DossierSource(Protocol):
    """Builds one row's dossier, with what the partner supplied when there is an application;
    must be usable in a forked worker process. It may also have a ``prepare()``, which the runner
    calls once before the workers fork (``RegisterSource.prepare``)."""

    def build(self, row: PartnerRow, application: Application | None = None) -> Built: ...


class RegisterSource:
    """Dossiers from the registers: offline from the evidence store, or live (one process only)."""

    def __init__(self, *, store_dir: Path, offline: bool, now: datetime, config: Any = None, client: Any = None,
                 list_provenance: Provenance | None = None, read_before: datetime | None = None) -> None:
        """``client`` (live only) replaces the ``PoliteClient`` made from ``config``: for tests.
        ``list_provenance`` is the list's (file name, sha256, read at ``now``: the run's start,
        kept for a resumed run), given to the housing locations only the list names. ``read_before``
        (offline): the store is replayed as it stood then (``StoreReplay``), the end of the decision date."""
        from scrapers._config import ScraperConfig
        from scrapers._store import EvidenceStore

        self.config = config or ScraperConfig.from_env()
        self.offline = offline
        self.now = now
        self.store_dir = store_dir
        self.list_provenance = list_provenance or Provenance(source="list", retrieved_at=now)
        self.read_before = read_before
        self._client: Any = client
        self._replay: Any = None
        self._store: Any = EvidenceStore(store_dir)  # fails early (in the parent) when unusable

    def _ready(self) -> None:
        """Make the client lazily: after a fork, each process reads (and caches) on its own, unless
        ``prepare`` made it before the fork.

        Offline, one ``StoreReplay`` serves the whole run: each bulk register is read and parsed
        once (once per process without ``prepare``), and every row is judged on the same snapshots."""
        from scrapers._http import PoliteClient
        from scrapers._pipeline import StoreReplay

        if self.offline and self._replay is None:
            self._replay = StoreReplay(self._store, self.read_before)
        elif not self.offline and self._client is None:
            self._client = PoliteClient(self.config, self._store)

    def prepare(self) -> None:
        """Offline: read and index the registers every row reads (``scrapers._pipeline.warm_up``) now, once.
        The runner calls it before its workers fork, so they share that reading instead of each making its own."""
        from scrapers._pipeline import warm_up

        if self.offline:
            self._ready()
            warm_up(self._replay, self._store, self.config, self.now)

    def build(self, row: PartnerRow, application: Application | None = None) -> Built:
        from scrapers._pipeline import build_dossier

        self._ready()
        sections = application.sections() if application is not None else {}
        described = list(sections.get("housing", ()))
        roles, notes = roles_of(row, housing_given=bool(described))
        paired = pair_listed_locations(row.housing, row.line, described, self.list_provenance)
        named_only = paired.named_only
        notes.extend(paired.notes)
        if named_only:
            notes.append(f"the list names {len(named_only)} housing location(s) no application describes "
                         f"({'; '.join(str(location.address) for location in named_only)}): their housing "
                         "criteria are unknown")
        if row.kvk_number is None:  # applications are matched by KvK number: never to a name-only row
            built = self._name_only(row, roles, named_only)
            return Built(built.dossier, notes + built.problems)
        result = build_dossier(
            row.kvk_number, roles, name=row.name, place=row.place, offline=self.offline,
            store=self._store, client=self._client, config=self.config, now=self.now, replay=self._replay,
            **{**sections, "housing": described + named_only},
        )
        return Built(result.dossier, notes + list(result.problems))

    def _name_only(self, row: PartnerRow, roles: list[Role], housing: list[HousingLocation]) -> Built:
        from scrapers._pipeline import ADAPTERS, _Build, _Partner

        assert row.name is not None  # the list reader refuses rows with neither number nor name
        build = _Build(
            online=not self.offline,
            client=self._replay if self.offline else self._client,
            client_records_failures=not self.offline,
            store=self._store,
            config=self.config,
            now=self.now,
        )
        partner = _Partner("", (), (row.name,), row.place)
        sections: dict[str, Any] = {}
        problems = [f"{register}: not consulted: looked up by KvK number, and the list gives none"
                    for register in NAME_ONLY_SKIPPED]
        for register in ADAPTERS:
            if register in NAME_ONLY_SKIPPED:
                continue
            section, _ = build.consult(register, partner)
            if section is None:
                continue
            if section.status is ReadStatus.READ and not _links_something(section):
                problems.append(f"{register}: read, nothing linked by name; without a KvK number that is no "
                                "evidence of absence, so the section is left out")
                continue
            sections[register] = section
        problems.extend(build.problems)
        dossier = Dossier(
            partner=Identity(name=row.name, place=row.place),
            roles=roles,
            registers=Registers(**sections),
            housing=housing,
        )
        return Built(dossier, problems)


def roles_of(row: PartnerRow, housing_given: bool = False) -> tuple[list[Role], list[str]]:
    """The row's roles, and huisvester too when the list gives housing locations for it that no
    application describes.

    A partner that houses workers offers housing (art. 14.3: "partijen die huisvesting
    aanbieden"), whatever role the list gives it. The list names the locations but not their
    floor areas or marks, so without an application giving them the dossier has them by name
    only (``_locations``), and as a housing provider its housing criteria are unknown. When an
    application gives the locations (``housing_given``), they are in the dossier, the housing
    criteria apply to whatever role the list gives, and the role decides the norm (art. 5.4 for
    employers, 5.5 for housing providers): the row's roles are kept as they are.
    """
    roles = list(row.roles)
    if not row.housing or Role.HUISVESTER in roles or housing_given:
        return roles, []
    return roles + [Role.HUISVESTER], [
        f"the list gives {len(row.housing)} housing location(s): judged as a housing provider (huisvester) too"]


def _links_something(section: Any) -> bool:
    """Whether a read section holds a linked record (certificate, results, verdicts, ...)."""
    return any(bool(getattr(section, name)) for name in type(section).model_fields if name not in _NOT_LINK_FIELDS)


def roles_text(roles: Sequence[Role]) -> str:
    return ", ".join(role.value for role in roles)
