"""Keys for telling whether two texts name the same thing: one house written two ways, one certificate
number with and without dashes. The rule pack's ``repeated`` operation compares by them
(``compare: address`` or ``code``): a house listed twice, each entry meeting a norm the two together
miss, must be found however its address is written.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from ._visible import UNDECOMPOSED


def _words(value: str) -> list[str]:
    """A text's words without case, accents or punctuation: what code keys and legal-form words compare."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", value.casefold().translate(UNDECOMPOSED))
                    if not unicodedata.combining(c))
    return "".join(c if c.isalnum() else " " for c in plain).split()


@lru_cache(maxsize=4096)
def _spaced_words(value: str) -> str:
    """``_words`` joined by single spaces, with a space before and after ("" for none): one run of whole words
    holds another exactly when its spaced form is a substring. Remembered: a pack's phrases and the partners'
    legal forms are the same few texts, compared for every partner."""
    words = _words(value)
    return f" {' '.join(words)} " if words else ""


_CODE_LABELS = frozenset({"nr", "no", "nummer", "number", "cert", "certificaat", "certificaatnummer", "certificate",
                          "registratienummer", "registratie", "kenmerk"})
"""Words written before a code that are no part of it ("Nr. SNF-2026-L-11803", "Certificaat SNF-...")."""


def code_key(value: Any) -> str | None:
    """A code (a certificate number, a municipality) as compared: letters and digits only, without case or accents
    ("SNF-2026-L-11803" is "SNF 2026 L 11803" is "snf2026l11803"), without the label words before it ("Nr.",
    "Certificaat") and text in brackets after it ("(kopie)"); None when it has none."""
    return _code_key(value) if isinstance(value, str) else value


@lru_cache(maxsize=4096)
def _code_key(value: str) -> str | None:
    """``code_key`` of a text, remembered: ``repeated`` keys every item once for each item of its list."""
    words = _words(_BRACKETED.sub(" ", value))
    while len(words) > 1 and words[0] in _CODE_LABELS:
        words = words[1:]
    return "".join(words) or None


@dataclass(frozen=True)
class AddressKey:
    """What identifies a Dutch address: its postcode (when given), street, house number and addition.

    ``street`` is the words before the house number, joined without spaces and with common abbreviations
    written out ("Zandstr." is "zandstraat", "St. Jansstraat" is "sintjansstraat"); ``addition`` the letters or
    digits after the number, written on or with "-", "/" or a space between ("14-A", "14 A" and "14A" are 14 and
    "a"; "14 unit 3" and "14-3" are 14 and "3"). Text in parentheses is no part of an address ("(januari-juni)")."""

    postcode: str | None
    street: str | None
    number: str
    addition: str

    def same(self, other: AddressKey) -> bool:
        """Whether two addresses may be one house: the same number and addition, and the same postcode, or the same
        street (one street key ending with the other: "Pand Zandstraat 14" is "Zandstraat 14") unless the postcodes
        lie in two postcode areas, or no street on one side ("5504 AB 14" may be "Zandstraat 14"). So "Zandstraat 14, Veldhoven" is "Zandstraat 14, 5504 AB Veldhoven", and a
        mistyped postcode letter ("5504 BA") does not make two houses of one. The place is not compared. Erring this way sends two houses of one street name in two places to review;
        erring the other way let one house meet the norm by halves."""
        if (self.number, self.addition) != (other.number, other.addition):
            return False
        if self.postcode is not None and other.postcode is not None:
            if self.postcode == other.postcode:
                return True
            if self.postcode[:4] != other.postcode[:4]:  # another postcode area: another place
                return False
        mine, theirs = self.street, other.street
        if mine is None or theirs is None:  # "5504 AB 14" beside "Zandstraat 14": nothing tells them apart
            return True
        return mine.endswith(theirs) or theirs.endswith(mine)


_BRACKETED = re.compile(r"\([^()]*\)?|\[[^\[\]]*\]?")
_ANY_POSTCODE = re.compile(r"(?<![0-9a-z])([1-9][0-9]{3}) ?([a-z]{2})(?![0-9a-z])")
_HOUSE_NUMBER = re.compile(r"(?<![0-9])([0-9]{1,5})(?![0-9])")
_ADDITION = re.compile(r"""
    (?P<on>[a-z]{1,4})(?![a-z0-9])                                   # 14a, 14bis
  | \s*[-/]\s*(?P<joined>[a-z0-9]{1,5})(?![a-z0-9])                 # 14-a, 14-2, 14/1
  | \s*,?\s*(?:unit|app|apt|appartement|kamer|woning|bus)\b\.?\s*(?P<unit>[a-z0-9]{1,5})(?![a-z0-9])  # 14 unit 3
  | \s+(?P<spaced>[a-z]|[0-9]{1,3}|ii|iii|iv|bis|hs|bg)(?![a-z0-9])  # 14 a, 14 2, 14 ii
""", re.VERBOSE)
_STREET_WORDS = {"str": "straat", "ln": "laan", "wg": "weg", "pln": "plein", "st": "sint", "burg": "burgemeester",
                 "burgem": "burgemeester", "mr": "meester", "prof": "professor", "dr": "doctor", "v": "van",
                 "1e": "eerste", "2e": "tweede", "3e": "derde", "4e": "vierde", "5e": "vijfde",
                 "nr": "", "no": "", "huisnummer": ""}
"""Abbreviations in street names written out (and the words "nr", "no" before a house number dropped)."""


def address_key(value: Any) -> AddressKey | None:
    """The key of an address text (see ``AddressKey``), or None when it names no house: no house number after a
    street or postcode ("-", "Veldhoven", "Zandstraat, Veldhoven")."""
    return _address_key(value) if isinstance(value, str) else None


@lru_cache(maxsize=4096)
def _address_key(value: str) -> AddressKey | None:
    """``address_key`` of a text, remembered (a frozen key): ``repeated`` keys every item once for each item."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", value.casefold())
                    if not unicodedata.combining(c) and unicodedata.category(c) != "Cf")
    plain = _BRACKETED.sub(" ", plain)
    found = _ANY_POSTCODE.search(plain)
    postcode = found.group(1) + found.group(2) if found else None
    if found:
        plain = f"{plain[:found.start()]},{plain[found.end():]}"
    numbers = list(_HOUSE_NUMBER.finditer(plain))
    number = next((n for n in numbers if re.search(r"[a-z]", plain[:n.start()])), None)
    if number is None and postcode is not None and numbers:
        number = numbers[0]
    if number is None:
        return None
    before = re.split(r"[,;]", plain[:number.start()])[-1]  # "Veldhoven, Zandstraat 14": the street is after the comma
    words = [_STREET_WORDS.get(word, word) for word in re.sub(r"[^a-z0-9]+", " ", before).split()]
    if words and words[-1].endswith("str") and len(words[-1]) > 3:
        words[-1] += "aat"  # "Zandstr. 14"
    street = "".join(words) or None
    if street is None and postcode is None:
        return None
    addition = _ADDITION.match(plain, number.end())
    extra = next((part for part in addition.groups() if part), "") if addition else ""
    return AddressKey(postcode, street, number.group(1).lstrip("0") or "0", extra)


def same_key(mine: Any, other: Any) -> bool:
    """Whether two keys (of ``address_key`` or ``code_key``) name the same thing."""
    return mine.same(other) if isinstance(mine, AddressKey) else bool(mine == other)


_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")


def holds_words(text: str, phrases: Any) -> bool:
    """Whether ``text`` holds one of ``phrases`` as a run of whole words, case, accents and punctuation aside, as written
    or split at its capitals ("KapitaalvennootschapBinnenEER" holds "binnen EER", "GmbH" holds "GmbH"); a phrase
    ending in "*" also where its last word begins a longer one ("buitenl*": "Buitenlandsche"), and one beginning with
    "*" where its first word ends one ("*buitenl*": "OVERIGEBUITENLANDSERECHTSPERSOON", a compound in capitals); a
    "*" elsewhere is punctuation. A legal form names a foreign company's in many spellings, and "Stichting Beheer"
    holds no "EER"."""
    forms = (_spaced_words(text), _spaced_words(_CAMEL.sub(" ", text)))
    for phrase in phrases:
        wanted = _spaced_words(phrase) if isinstance(phrase, str) else ""
        if wanted and phrase.rstrip().endswith("*"):
            wanted = wanted[:-1]  # the last word may go on: "buitenl*" is in "Buitenlandse"
        if wanted and phrase.lstrip().startswith("*"):
            wanted = wanted[1:]  # the first word may begin inside one: "*buitenl*" is in "OVERIGEBUITENLANDSE..."
        if wanted and any(wanted in form for form in forms):
            return True
    return False
