"""What changed since a previous run (``--previous DIR``): read from that run's ``results.csv``.

Rows are matched by KvK number; name-only rows (no number in the list) by name and place,
normalised as the registers are linked (``scrapers._link.normalise_name``). A partner listed
twice is matched in list order. Verdicts are compared as they are in force: an approved override's
verdict where one is (``verdict_in_force``; a previous run written before that column, its
``verdict``), so a partner whose override lapsed with a new decision shows as changed. Per matched
partner, each that applies:

- ``newly_not_eligible``: not eligible now, and was not before;
- ``newly_eligible``: eligible now, and was not before;
- ``evidence_stale``: criteria that were decided before and are unknown now by a ``stale``
  clause (the evidence got too old: a register should be read again);
- ``verdict_changed``: any other change of verdict (e.g. eligible -> needs review, or -> error).

Partners only in one of the two lists are ``new_in_list`` / ``not_in_list``; a row with neither
KvK number nor name (an error row) cannot be matched and is not compared. The previous run may
have used another rule pack: only criteria both runs know are compared.
"""

from __future__ import annotations

import csv
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._errors import EligibilityError
from ._lists import normalise_kvk
from ._results import LINK_NAME_ONLY

CHANGE_KINDS = ("newly_not_eligible", "newly_eligible", "evidence_stale", "verdict_changed", "new_in_list",
                "not_in_list")

CHANGE_COLUMNS = ("change", "row", "previous_row", "kvk", "name", "place", "link", "previous_verdict", "verdict",
                  "criteria", "detail")


class PreviousRunError(EligibilityError):
    """The previous run's results cannot be read: nothing to compare with."""


@dataclass(frozen=True)
class Change:
    kind: str
    row: int | None
    previous_row: int | None
    kvk: str | None
    name: str | None
    place: str | None
    link: str
    """kvk or name-only: how the partner was tied to the registers (and matched between the runs)."""
    previous_verdict: str | None
    verdict: str | None
    criteria: tuple[str, ...] = ()
    detail: str = ""

    def as_row(self) -> list[str]:
        return [self.kind, _text(self.row), _text(self.previous_row), self.kvk or "", self.name or "", self.place or "",
                self.link, self.previous_verdict or "", self.verdict or "", " ".join(self.criteria), self.detail]


def _text(value: int | None) -> str:
    return "" if value is None else str(value)


@dataclass
class _Previous:
    row: int
    kvk: str | None
    name: str | None
    place: str | None
    link: str
    verdict: str
    """The verdict in force in that run (an approved override's, else the automatic one)."""
    outcomes: dict[str, str]
    automatic: str = ""
    """The automatic verdict, when an override was in force instead; "" otherwise."""


def unescape_cell(value: str) -> str:
    """Undo the quote ``results.csv`` puts before text a spreadsheet would run as a formula."""
    return value[1:] if len(value) > 1 and value[0] == "'" and value[1] in "=+-@\t\r" else value


def match_key(kvk: str | None, name: str | None, place: str | None, link: str) -> str | None:
    """KvK number, or for a name-only row its normalised name and place; None when neither.

    The number as the reader normalises it: an error row keeps the list's text (``1085927``), a
    read row has it padded (``01085927``); both are the same partner.
    """
    from scrapers._link import normalise_name

    if link != LINK_NAME_ONLY and kvk:
        number = normalise_kvk(kvk)[0]
        return f"kvk:{number or kvk}"
    if name:
        folded_place = " ".join(normalise_name(place).split()) if place else ""
        return f"name:{normalise_name(name)}|{folded_place}"
    return None


@dataclass
class Comparison:
    """Fed the current rows in order; ``finish`` adds the partners that left the list."""

    criteria: list[str]
    previous: dict[str, deque[_Previous]]
    changes: list[Change] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CHANGE_KINDS, 0))

    def feed(self, result: dict[str, Any], in_force: str | None = None) -> list[Change]:
        """The changes for one current row (also kept in ``changes``); ``in_force`` is the verdict of
        an approved override of its decision, if there is one."""
        given = result["input"]
        key = match_key(given["kvk"], given["name"], given["place"], result["link"])
        if key is None:  # neither KvK number nor name: an error row that cannot be matched
            return []
        before = self.previous.get(key)
        common = dict(row=result["line"], kvk=given["kvk"], name=given["name"], place=given["place"],
                      link=result["link"], verdict=in_force or result["verdict"])
        if not before:
            found = [Change("new_in_list", previous_row=None, previous_verdict=None, **common)]
        else:
            found = self._changes(before.popleft(), result, common)
        for change in found:
            self.changes.append(change)
            self.counts[change.kind] += 1
        return found

    def _changes(self, prev: _Previous, result: dict[str, Any], common: dict[str, Any]) -> list[Change]:
        verdict = common["verdict"]
        base = dict(previous_row=prev.row, previous_verdict=prev.verdict, **common)
        found = []
        if verdict != prev.verdict:
            kind = ("newly_not_eligible" if verdict == "not_eligible" else
                    "newly_eligible" if verdict == "eligible" else "verdict_changed")
            flipped = tuple(c for c in self.criteria if c in prev.outcomes and prev.outcomes[c] != result["outcomes"].get(c))
            details = [f"{c}: {prev.outcomes[c]} -> {result['outcomes'].get(c, '')}" for c in flipped]
            if prev.automatic:
                details.insert(0, f"the previous verdict was an approved override (automatic: {prev.automatic})")
            if verdict != result["verdict"]:
                details.insert(0, f"now an approved override (automatic: {result['verdict']})")
            found.append(Change(kind, criteria=flipped, detail="; ".join(details), **base))
        stale = tuple(
            c for c in self.criteria
            if result["outcomes"].get(c) == "unknown" and "stale" in (result["clauses"].get(c) or "")
            and prev.outcomes.get(c) not in (None, "", "unknown")
        )
        if stale:
            detail = "; ".join(f"{c}: {prev.outcomes[c]} -> unknown ({result['clauses'][c]})" for c in stale)
            found.append(Change("evidence_stale", criteria=stale, detail=detail, **base))
        return found

    def finish(self) -> None:
        """Partners of the previous list that the current list no longer holds."""
        left = sorted((p for queue in self.previous.values() for p in queue), key=lambda p: p.row)
        for prev in left:
            self.changes.append(Change("not_in_list", row=None, previous_row=prev.row, kvk=prev.kvk, name=prev.name,
                                       place=prev.place, link=prev.link, previous_verdict=prev.verdict, verdict=None))
            self.counts["not_in_list"] += 1
        self.previous = {}


def load_previous(directory: Path, criteria: Iterable[str]) -> Comparison:
    """Read ``DIR/results.csv`` of a previous run; raises PreviousRunError naming what is wrong."""
    path = directory / "results.csv"
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise PreviousRunError(f"--previous {directory}: cannot read {path.name} ({exc.strerror or exc}): "
                               "is it the work directory of a screening run?") from exc
    wanted = list(criteria)
    previous: dict[str, deque[_Previous]] = {}
    with handle:
        reader = csv.DictReader(handle)
        missing = {"row", "kvk", "name", "place", "link", "verdict"} - set(reader.fieldnames or [])
        if missing:
            raise PreviousRunError(f"--previous {directory}: {path.name} lacks column(s) {', '.join(sorted(missing))}")
        known = [c for c in wanted if c in (reader.fieldnames or [])]
        for record in reader:
            fields = {k: unescape_cell(v or "") for k, v in record.items() if k is not None}
            try:
                row = int(fields["row"])
            except ValueError:
                raise PreviousRunError(f"--previous {directory}: {path.name} line {reader.line_num}: "
                                       f"row {fields['row']!r} is not a number") from None
            in_force = fields.get("verdict_in_force") or fields["verdict"]  # a run written before the column has none
            prev = _Previous(row, fields["kvk"] or None, fields["name"] or None, fields["place"] or None,
                             fields["link"], in_force, {c: fields[c] for c in known},
                             automatic=fields["verdict"] if in_force != fields["verdict"] else "")
            key = match_key(prev.kvk, prev.name, prev.place, fields["link"])
            if key is not None:
                previous.setdefault(key, deque()).append(prev)
    return Comparison(known, previous)
