"""Whether text shows anything: spaces and invisible characters say nothing.

A zero-width space (U+200B), a word joiner (U+2060), a combining grapheme joiner (U+034F), a
variation selector (U+FE0F), the Hangul filler (U+3164) or a blank Braille cell (U+2800) each
passed as an action, a motivation, a justification or another officer's name. Unicode's
categories catch most of them (format, control, unassigned and private-use characters, marks
without a letter to sit on, separators); a few blank *letters* and symbols are listed by name.
"""

from __future__ import annotations

import unicodedata

_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Mn", "Me", "Zs", "Zl", "Zp"})
UNDECOMPOSED = str.maketrans({"ı": "i", "ł": "l", "ø": "o", "đ": "d", "ħ": "h"})
"""Latin letters that NFKD leaves whole (dotless i, letters with a stroke) as the plain letter they are read as:
"Spółka" is "spolka" (``_text_keys``), and "Łukasz" cannot approve the override "Lukasz" asked for
(``_log._LOOKALIKES``)."""

_BLANK_LOOKING = frozenset("\u115f\u1160\u3164\uffa0\u2800\u180e\u2028\u2029")
"""Hangul fillers, the blank Braille cell, the Mongolian vowel separator: letters or symbols that draw nothing."""


def invisible(character: str) -> bool:
    """Whether one character draws nothing on its own."""
    return (character.isspace() or character in _BLANK_LOOKING
            or unicodedata.category(character) in _INVISIBLE_CATEGORIES)


def visible(text: str) -> bool:
    """Whether ``text`` shows anything at all."""
    if plain_ascii(text):  # of printable ASCII only the space draws nothing
        return bool(text.strip(" "))
    return any(not invisible(character) for character in text)


def meaningful(text: str) -> bool:
    """Whether ``text`` holds a letter or a digit: "-", "." or "?" show something but say nothing
    (a signatory "-" or an action "..." passed as given)."""
    return any(unicodedata.category(character)[0] in "LN" and not invisible(character) for character in text)


def letters_and_digits(text: str) -> str:
    """``text`` case folded, accents dropped, with only its letters and digits: what two spellings of one
    word share ("N.v.t." and "nvt", "Twente" and "twente "). Blank-looking letters (a Hangul filler) are
    dropped too: Python counts them as letters, and "\u3164Anna" is no other name than "Anna"."""
    return "".join(c for c in unicodedata.normalize("NFKD", text.casefold()) if c.isalnum() and c not in _BLANK_LOOKING)


def without_invisible(text: str) -> str:
    """``text`` without the characters that draw nothing, spaces kept (for comparing names)."""
    if plain_ascii(text):  # nearly every cell of a list: nothing to drop
        return text
    return "".join(character for character in text if character == " " or not invisible(character))


def plain_ascii(text: str) -> bool:
    """Printable ASCII only (no tab, no control character): a fast answer for most texts, which a
    test holds to the character-by-character one."""
    return text.isascii() and text.isprintable()
