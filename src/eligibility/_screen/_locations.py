"""Housing locations a list names, paired with the ones the partner's application describes.

A list naming three locations for a partner whose application describes one would otherwise be
judged on that one (PRODUCT.md principle 1: what nobody described is unknown). Each location the
list names is paired with a described one when its words say the same address, down to the house
number and its addition; the rest go into the dossier by name only (``provenance.source``
"list"), and the rules leave their housing
criteria unknown. A wrong pairing would hide a location, so pairing is strict: when in doubt the
location stays undescribed and the partner goes to review: also a listed text that fits two
described locations equally well.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz.utils import default_process

from .._dossier import HousingLocation, Provenance
from .._text_keys import address_key


@dataclass(frozen=True)
class Paired:
    """The locations the list names that no described location matches, and how the others were paired."""

    named_only: list[HousingLocation]
    notes: list[str]


def pair_listed_locations(listed: Sequence[str], line: int, described: Sequence[HousingLocation],
                          provenance: Provenance) -> Paired:
    """Pair each location of a list row (``line``) with at most one described location.

    A listed text matches a described location when every word of it is in the described
    address (with its municipality) and every number in it follows the same word there: a house
    number after its street ("Industrieweg 3" is not "Industrieweg 12 unit 3"). Both must name
    the same house: the listed text gives a house number, the same as the described address's,
    and the same addition or unit after it, or none on either side ("Zandstraat 14 Veldhoven" is
    not "Zandstraat 14 unit 3, Veldhoven", and "Veldhoven" or "Zandstraat, Veldhoven" names no
    house at all). The id is not read: partners choose ids freely ("venlo-2"). The closest pairs
    (fewest words the described address has beyond the listed text) are made first, so "Kerkstraat 14" does not take
    "Kerkstraat 14 unit 2" from the text that names it. A pairing that is not word for word is
    noted, so the officer can check it. ``provenance`` is the list's (source "list").
    """
    texts = [_words(text) for text in listed]
    addresses = [_words(" ".join(filter(None, (location.address, location.municipality)))) for location in described]
    candidates = sorted(
        (len(set(address) - set(text)), i, j)
        for i, text in enumerate(texts) for j, address in enumerate(addresses)
        if _says(text, address) and _same_house(listed[i], described[j].address))
    ambiguous = _ambiguous(candidates)
    pairs: dict[int, int] = {}
    for _, i, j in candidates:
        if i not in ambiguous and i not in pairs and j not in pairs.values():
            pairs[i] = j
    notes = [f"the list's location '{listed[i]}' is taken as the application's {described[j].id} "
             f"({described[j].address})" for i, j in sorted(pairs.items()) if set(texts[i]) != set(addresses[j])]
    notes += [f"the list's location '{listed[i]}' fits the application's {' and '.join(ids)} as well: not paired, "
              "its housing criteria are unknown" for i, ids in sorted(ambiguous.items())
              for ids in [[described[j].id for _, k, j in candidates if k == i]]]
    taken = {location.id for location in described}
    named_only = []
    for i, text in enumerate(listed):
        if i not in pairs:
            named_only.append(HousingLocation(id=_free_id(f"list-row-{line}-location-{i + 1}", taken), address=text,
                                              provenance=provenance))
    return Paired(named_only, notes)


def _ambiguous(candidates: list[tuple[int, int, int]]) -> dict[int, None]:
    """Listed texts (by index) whose two closest described locations are equally close: "Kerkstraat 1 Venlo"
    fits "Kerkstraat 1, Tegelen" and "Kerkstraat 1, Blerick" (both in Venlo). Paired with either, by the order
    the list happened to give, one location would be judged on another's figures."""
    closest: dict[int, list[int]] = {}
    for distance, i, _ in candidates:  # sorted: each text's distances come closest first
        closest.setdefault(i, []).append(distance)
    return {i: None for i, distances in closest.items() if len(distances) > 1 and distances[0] == distances[1]}


def _says(text: list[str], address: list[str]) -> bool:
    """Whether the listed words are all in the address, each number after the word before it."""
    if not text or not set(text) <= set(address):
        return False
    return all(
        any(address[j] == word and (k == 0 or (j > 0 and address[j - 1] == text[k - 1])) for j in range(len(address)))
        for k, word in enumerate(text) if any(char.isdigit() for char in word))


def _same_house(listed: str, address: str | None) -> bool:
    """Whether the listed text and the described address give the same house number and addition (``address_key``:
    "14-A", "14 A" and "14A" are one, "14" and "14 unit 3" are two); False when either gives no house number."""
    mine, theirs = address_key(listed), address_key(address)
    return mine is not None and theirs is not None and (mine.number, mine.addition) == (theirs.number, theirs.addition)


def _words(text: str) -> list[str]:
    """Lower-case words without punctuation, in order (rapidfuzz's normalisation)."""
    return default_process(text).split()


def _free_id(wanted: str, taken: set[str]) -> str:
    """``wanted``, or with a suffix when the application already uses that id."""
    candidate, suffix = wanted, 1
    while candidate in taken:
        suffix += 1
        candidate = f"{wanted}-{suffix}"
    taken.add(candidate)
    return candidate
