"""Tie register records to a partner: by KvK number first, by name (+ place) only without one.

The rule: **a name-only link never makes a criterion pass or fail.** It is a candidate shown to
an officer with its score and reasons; the rules treat method ``name`` as *needs review* until an
officer confirms it (method ``confirmed``). Only a KvK number, the partner's own or a
predecessor's (a takeover or change of legal form gives a new number), links a record as fact.

Two consequences, both on purpose:
- a record that carries a KvK number other than the partner's (or a predecessor's) is never
  linked by name, however alike the names: a sister company with its own number is not the partner.
  The one exception is opt-in (``name_match_other_kvk``): for fines, such a record may be an
  undeclared predecessor's (a takeover gives a new number), so it becomes a name candidate for
  review, its reasons saying which number it carries;
- every KvK link is returned (a partner may have many fines); ``limit`` caps name candidates only.

Name scoring uses ``token_sort_ratio`` on normalised names, not ``WRatio``. ``WRatio`` mixes in
partial matching, so a short name scores about 90 against any longer name that contains it
("Flex" against "Flex Uitzend Nederland", "Jansen" against "Jansen Schoonmaak"): far too many
sister and namesake companies for an officer to wade through. ``token_sort_ratio`` ignores word
order ("Uitzendbureau Jansen" = "Jansen Uitzendbureau"), is symmetric, and penalises every extra
or missing word, which is what separates "Flex Uitzend Noord" from "Flex Uitzend".
``NameIndex`` stores each name with its words already sorted and scores with ``fuzz.ratio``:
the same number as ``token_sort_ratio`` (a test checks it), computed about four times faster,
because sorting the register's words happens once rather than once per partner.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Generic, TypeVar

from rapidfuzz import fuzz, process

from eligibility._dossier import Dossier, GivenName, Link, LinkMethod

T = TypeVar("T")

LEGAL_FORM_TOKENS: tuple[tuple[str, ...], ...] = (
    # Legal-form words removed wherever they stand as separate words, matched after folding
    # (lower case, no accents, "B.V." and "B. V." already read as "bv" or "b v"). The longest
    # sequence wins. "holding" is deliberately absent: "X Holding" and "X" are different entities.
    # Dutch
    ("bv",), ("b", "v"), ("besloten", "vennootschap"),
    ("nv",), ("n", "v"), ("naamloze", "vennootschap"),
    ("vof",), ("v", "o", "f"), ("vennootschap", "onder", "firma"),
    ("cv",), ("c", "v"), ("commanditaire", "vennootschap"),
    ("stichting",),
    ("vereniging",),
    ("cooperatie",), ("cooperatieve",),
    ("ua",), ("u", "a"), ("wa",), ("w", "a"), ("ba",), ("b", "a"),  # liability of co-op members
    ("eenmanszaak",),
    # German, Polish, Romanian/Italian, British
    ("gmbh",),
    ("sp", "z", "oo"), ("sp", "zoo"), ("sp", "z", "o", "o"),
    ("srl",), ("s", "r", "l"),
    ("ltd",), ("limited",),
)

TRADE_NAME_MARKERS: tuple[tuple[str, ...], ...] = (
    # "handelend onder de naam" (h.o.d.n., also "tevens ..."): what follows is another name of
    # the same company. Each side becomes an alternative name, scored on its own.
    ("tevens", "handelend", "onder", "de", "naam"),
    ("handelend", "onder", "de", "naam"),
    ("tevens", "hodn"),
    ("thodn",),
    ("hodn",),
    ("h", "o", "d", "n"),
)

PLACE_MISMATCH_PENALTY = 10.0
"""Points taken off a name score when record and partner name different places.

An identical name in another town still shows (100 -> 90), but a near-identical name in another
town (e.g. 92 -> 82) drops below the default threshold of 85: two weak signals are not shown.
"""

# Letters that NFKD does not decompose, common in partners' names (Polish, Danish, Croatian).
_EXTRA_FOLDS = str.maketrans({"ł": "l", "ø": "o", "đ": "d", "ı": "i", "æ": "ae", "œ": "oe"})
_APOSTROPHES = frozenset("'’`´")
# Single letters joined by "." or "/", standing alone: "b.v.", "u.a.", "h/o/d/n" (not "1.5").
_ABBREVIATION = re.compile(r"(?<!\w)[^\W\d_](?:[./][^\W\d_])+(?!\w)[./]?")
_ABBREVIATION_SEPARATOR = re.compile(r"[./]")


def _fold(text: str) -> str:
    """Case-fold and drop accents: "Coöperatie" -> "cooperatie", "Łódź" -> "lodz"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).translate(_EXTRA_FOLDS)


def _join_abbreviations(text: str) -> str:
    """Join single letters separated by dots or slashes: "b.v." -> "bv", "h/o/d/n" -> "hodn".

    Other dots separate words ("flex.uitzend" -> "flex uitzend" once punctuation goes).
    """
    return _ABBREVIATION.sub(lambda match: _ABBREVIATION_SEPARATOR.sub("", match.group()), text)


def _tokens(name: str) -> list[str]:
    """Folded words of a name: "&" read as "en", abbreviations joined, punctuation removed."""
    text = _join_abbreviations(_fold(name).replace("&", " en "))
    kept: list[str] = []
    for char in text:
        if char in _APOSTROPHES:
            continue  # "'t Hoekje" -> "t hoekje", "Jansen's" -> "jansens"
        category = unicodedata.category(char)
        kept.append(" " if category[0] in "PSZC" else char)
    return "".join(kept).split()


def _by_first_word(table: tuple[tuple[str, ...], ...]) -> dict[str, tuple[tuple[str, ...], ...]]:
    """Entries per first word, longest first: a lookup then tries only the entries that can match."""
    index: dict[str, list[tuple[str, ...]]] = {}
    for entry in table:
        index.setdefault(entry[0], []).append(entry)
    return {word: tuple(sorted(entries, key=len, reverse=True)) for word, entries in index.items()}


_LEGAL_FORMS_BY_WORD = _by_first_word(LEGAL_FORM_TOKENS)
_TRADE_NAME_MARKERS_BY_WORD = _by_first_word(TRADE_NAME_MARKERS)


def _match_at(tokens: Sequence[str], start: int, table: dict[str, tuple[tuple[str, ...], ...]]) -> int:
    """Length of the longest table entry found at tokens[start:], 0 when none."""
    for entry in table.get(tokens[start], ()):
        if tuple(tokens[start : start + len(entry)]) == entry:
            return len(entry)
    return 0


def _strip_legal_forms(tokens: Sequence[str]) -> list[str]:
    """Drop legal-form words; a name made only of them ("Stichting") is kept whole."""
    kept: list[str] = []
    i = 0
    while i < len(tokens):
        length = _match_at(tokens, i, _LEGAL_FORMS_BY_WORD)
        if length:
            i += length
        else:
            kept.append(tokens[i])
            i += 1
    return kept or list(tokens)


def _split_trade_names(tokens: Sequence[str]) -> list[list[str]]:
    """Split at each "h.o.d.n." marker; empty parts are dropped."""
    parts: list[list[str]] = [[]]
    i = 0
    while i < len(tokens):
        length = _match_at(tokens, i, _TRADE_NAME_MARKERS_BY_WORD)
        if length:
            parts.append([])
            i += length
        else:
            parts[-1].append(tokens[i])
            i += 1
    return [part for part in parts if part]


def normalise_name(name: str) -> str:
    """A company name reduced to what identifies it, for comparing names across registers.

    Case-folded, accents removed, "&" read as "en", punctuation removed, legal forms dropped
    (see ``LEGAL_FORM_TOKENS``), "h.o.d.n." markers dropped (``name_variants`` splits there).
    "Flex Uitzend B.V.", "flex uitzend bv" and "FLEX-UITZEND BV" all give "flex uitzend".
    """
    parts = _split_trade_names(_tokens(name))
    return " ".join(word for part in parts for word in _strip_legal_forms(part))


@lru_cache(maxsize=65536)  # pure; a partner's name is looked up in every register
def name_variants(name: str) -> tuple[str, ...]:
    """The normalised alternatives in one name: "A B.V. h.o.d.n. B" -> ("a", "b")."""
    parts = _split_trade_names(_tokens(name))
    variants = (" ".join(_strip_legal_forms(part)) for part in parts)
    return tuple(dict.fromkeys(variants))


@lru_cache(maxsize=4096)  # pure; a list names few places, each for many partners
def _place_key(place: str | None) -> str | None:
    """Comparable place: folded, no punctuation ("'s-Hertogenbosch" = "S HERTOGENBOSCH")."""
    if place is None:
        return None
    key = " ".join(_tokens(place))
    return key or None


def _kvk_key(kvk: str | None) -> str | None:
    """KvK number as 8 digits; spreadsheets drop leading zeros (1085927 -> 01085927)."""
    if kvk is None or not kvk.strip():
        return None
    key = "".join(kvk.split())
    return key.zfill(8) if key.isdigit() and len(key) < 8 else key


GENERIC_NAME_WORDS = frozenset({
    "flex", "flexwerk", "uitzend", "uitzendbureau", "uitzendburo", "uitzendorganisatie", "uitzendgroep",
    "uitzendkrachten", "personeel", "personeelsdienst", "personeelsdiensten", "personeelsbemiddeling", "detachering",
    "detacheringen", "payrolling", "payroll", "recruitment", "werving", "selectie", "bemiddeling",
    "arbeidsbemiddeling", "interim", "employment", "agency", "agencies", "staffing", "staff", "workforce", "people",
    "talent", "hr", "services", "service", "diensten", "dienstverlening", "solutions", "work", "werk", "jobs",
    "groep", "group", "holding", "nederland", "netherlands", "international", "europe", "europa", "polska", "polen",
    "de", "het", "en", "and", "the", "van", "huisvesting", "logies", "housing", "agri", "logistiek", "logistics",
    "bouw",
})
"""Words that name a trade, not a company: many agencies are called "... Flex" or "... Uitzendbureau", so a
given name made of these alone ("Flex B.V.") is no short form of one company's name."""


def name_score(given: str, names: Sequence[str]) -> float:
    """The best ``token_sort_ratio`` (0-100) of ``given`` against any of ``names``, over their h.o.d.n. variants.

    100 when the given words are the words of one of them, or some of them including every word that is not a
    trade word (``GENERIC_NAME_WORDS``): lists shorten names ("Randstad" for "Randstad Nederland B.V." scores
    61.5 by ratio), and a shortened name is no sign of another company; but "Recruitment B.V." is no short
    form of "Jansen Recruitment B.V.". A name of trade words only ("Staffing Solutions") scores 0 against any
    other name: it names no company, whatever its ratio (87.8 against "Acme Staffing Solutions")."""
    wanted = [set(variant.split()) for variant in name_variants(given) if variant]
    known = [set(variant.split()) for name in names for variant in name_variants(name) if variant]
    if any(a == b for a in wanted for b in known):
        return 100.0
    best = 0.0
    for a in wanted:
        if a <= GENERIC_NAME_WORDS:
            continue
        for b in known:
            if a <= b and b - GENERIC_NAME_WORDS <= a:
                return 100.0
            best = max(best, fuzz.ratio(" ".join(sorted(a)), " ".join(sorted(b))))
    return best


def with_given_name(dossier: Dossier) -> Dossier:
    """A dossier file's partner name scored against the trade register's names, as ``given_name``, when the
    file has none: b3_c compares the two, and a file whose partner name is another company's than the KvK
    number's was judged on that company's evidence without a word (helper 52). Unchanged when there is no
    KvK name to compare with, or a ``given_name`` already."""
    kvk = dossier.registers.kvk
    registered = kvk.registration.name if kvk is not None and kvk.registration is not None else None
    if dossier.partner.given_name is not None or not registered:
        return dossier
    given = given_name(dossier.partner.name, (registered, *dossier.partner.trade_names))
    return dossier.model_copy(update={"partner": dossier.partner.model_copy(update={"given_name": given})})


def given_name(name: str, registered: Sequence[str]) -> GivenName:
    """The name given for a partner, scored against the trade register's name and trade names (``name_score``)."""
    return GivenName(name=name, score=round(name_score(name, registered), 1))


def sorted_words(normalised: str) -> str:
    """What ``token_sort_ratio`` compares: the words in alphabetical order."""
    return " ".join(sorted(normalised.split()))


@dataclass(frozen=True)
class Candidate:
    """A register record that may belong to the partner, and why."""

    record: Any
    name: str
    place: str | None
    kvk_number: str | None
    score: float
    method: LinkMethod
    reasons: list[str]


_METHOD_ORDER = {LinkMethod.KVK: 0, LinkMethod.PREDECESSOR_KVK: 1, LinkMethod.NAME: 2}


class NameIndex(Generic[T]):
    """A register prepared once for linking many partners (names normalised once, not per query)."""

    def __init__(
        self,
        records: Iterable[T],
        *,
        kvk_of: Callable[[T], str | None],
        name_of: Callable[[T], str],
        place_of: Callable[[T], str | None],
        name_match_other_kvk: bool = False,
    ) -> None:
        """``name_match_other_kvk``: records carrying a KvK number are name candidates too, unless
        the number is the partner's or a predecessor's (module docstring: for fines only)."""
        self._records = list(records)
        self._names = [name_of(record) for record in self._records]
        self._places = [place_of(record) for record in self._records]
        self._place_keys = [_place_key(place) for place in self._places]
        self._kvks = [_kvk_key(kvk_of(record)) for record in self._records]
        self._by_kvk: dict[str, list[int]] = {}
        self._choices: list[str] = []  # sorted words of one name variant of a record without KvK
        self._owners: list[int] = []  # record index of each choice
        for index, (name, kvk) in enumerate(zip(self._names, self._kvks)):
            if kvk is not None:
                self._by_kvk.setdefault(kvk, []).append(index)
                if not name_match_other_kvk:
                    continue
            for variant in name_variants(name):
                self._choices.append(sorted_words(variant))
                self._owners.append(index)

    def __len__(self) -> int:
        return len(self._records)

    def link(
        self,
        partner_kvk: str | None,
        predecessor_kvks: Sequence[str],
        partner_names: Sequence[str],
        partner_place: str | None,
        *,
        threshold: float = 85.0,
        limit: int = 5,
    ) -> list[Candidate]:
        """Every KvK link, then at most ``limit`` name candidates scoring ``threshold`` or more."""
        if not 0 <= threshold <= 100:
            raise ValueError(f"threshold must be between 0 and 100, got {threshold}")
        if limit < 0:
            raise ValueError(f"limit must be 0 or more, got {limit}")
        wanted = self._wanted(partner_kvk, predecessor_kvks)
        kvk_links = self._kvk_candidates(wanted)
        name_links = self._name_candidates(partner_names, partner_place, threshold, wanted)
        return kvk_links + name_links[:limit]

    @staticmethod
    def _wanted(partner_kvk: str | None, predecessor_kvks: Sequence[str]) -> dict[str, LinkMethod]:
        """The partner's own and predecessors' numbers, each with the link method it gives."""
        own = _kvk_key(partner_kvk)
        wanted: dict[str, LinkMethod] = {}
        for kvk in predecessor_kvks:
            key = _kvk_key(kvk)
            if key is not None:
                wanted[key] = LinkMethod.PREDECESSOR_KVK
        if own is not None:
            wanted[own] = LinkMethod.KVK  # the partner's own number wins over a listed predecessor
        return wanted

    def _kvk_candidates(self, wanted: dict[str, LinkMethod]) -> list[Candidate]:
        found = []
        for key, method in wanted.items():
            why = (
                f"KvK number {key} is the partner's"
                if method is LinkMethod.KVK
                else f"KvK number {key} belonged to a predecessor of the partner"
            )
            found += [self._candidate(index, 100.0, method, [why]) for index in self._by_kvk.get(key, [])]
        return sorted(found, key=self._order)

    def _name_candidates(
        self, partner_names: Sequence[str], partner_place: str | None, threshold: float, wanted: dict[str, LinkMethod]
    ) -> list[Candidate]:
        queries = dict.fromkeys(variant for name in partner_names for variant in name_variants(name))
        best: dict[int, tuple[float, str, str]] = {}  # record -> (score, partner variant, record variant)
        for query in queries:
            for _, score, position in process.extract(
                sorted_words(query),
                self._choices,
                scorer=fuzz.ratio,  # on sorted words: equal to token_sort_ratio (module docstring)
                processor=None,  # both sides are normalised already
                score_cutoff=threshold,  # a place can only lower a score, never raise it
                limit=None,
            ):
                index = self._owners[position]
                if self._kvks[index] in wanted:
                    continue  # the partner's own or a predecessor's record: a KvK link already
                if index not in best or score > best[index][0]:
                    best[index] = (score, query, self._choices[position])
        place = _place_key(partner_place)
        found = []
        for index, (score, query, matched) in best.items():
            reasons = [f"name {matched!r} matches partner name {query!r} (token_sort_ratio {score:.1f})"]
            record_place = self._place_keys[index]
            if place is None or record_place is None:
                reasons.append("place not compared: unknown on one side")
            elif place == record_place:
                reasons.append(f"same place: {self._places[index]}")
            else:
                score -= PLACE_MISMATCH_PENALTY
                reasons.append(
                    f"other place: {self._places[index]} vs partner's {partner_place}"
                    f" (-{PLACE_MISMATCH_PENALTY:g})"
                )
            if (other := self._kvks[index]) is not None:
                reasons.append(
                    f"carries KvK number {other}, not the partner's: a predecessor or another company with this name"
                )
            if score >= threshold:
                found.append(self._candidate(index, round(score, 1), LinkMethod.NAME, reasons))
        return sorted(found, key=self._order)

    def _candidate(self, index: int, score: float, method: LinkMethod, reasons: list[str]) -> Candidate:
        return Candidate(
            record=self._records[index],
            name=self._names[index],
            place=self._places[index],
            kvk_number=self._kvks[index],
            score=score,
            method=method,
            reasons=reasons,
        )

    def _order(self, candidate: Candidate) -> tuple[int, float, str, str, str]:
        """Method, then score (high first), then name: the same inputs give the same order."""
        return (
            _METHOD_ORDER[candidate.method],
            -candidate.score,
            candidate.name.casefold(),
            candidate.name,
            candidate.place or "",
        )


def link_records(
    partner_kvk: str | None,
    predecessor_kvks: list[str],
    partner_names: list[str],
    partner_place: str | None,
    records: Iterable[T],
    *,
    kvk_of: Callable[[T], str | None],
    name_of: Callable[[T], str],
    place_of: Callable[[T], str | None],
    threshold: float = 85.0,
    limit: int = 5,
    name_match_other_kvk: bool = False,
) -> list[Candidate]:
    """Link one partner to a register; for many partners build one ``NameIndex`` and reuse it.

    ``partner_names`` holds the partner's name and trade names; ``kvk_of`` returns None for a
    record without a KvK number (only those can be name candidates, unless
    ``name_match_other_kvk``).
    """
    index = NameIndex(
        records, kvk_of=kvk_of, name_of=name_of, place_of=place_of, name_match_other_kvk=name_match_other_kvk
    )
    return index.link(
        partner_kvk, predecessor_kvks, partner_names, partner_place, threshold=threshold, limit=limit
    )


def to_link(candidate: Candidate) -> Link:
    """The dossier's link; a score is kept for name links only (what the officer weighs)."""
    return Link(
        method=candidate.method,
        score=candidate.score if candidate.method is LinkMethod.NAME else None,
        matched_name=candidate.name,
    )
