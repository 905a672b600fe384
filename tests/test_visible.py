"""The printable-ASCII shortcuts of ``_visible`` and ``fold_header`` give what the character-by-character way gives."""

from __future__ import annotations

import re
import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from eligibility._screen._lists import fold_header
from eligibility._visible import invisible, plain_ascii, visible, without_invisible

TEXTS = st.one_of(
    st.text(),
    st.text(alphabet=st.characters(max_codepoint=0x7F)),  # controls and tabs among plain letters
    st.text(alphabet=" \t\u00a0\u200bAaÉé-_.()0123456789KkVvNnUuMmEeRr"),
)


def _visible_long_way(text: str) -> bool:
    return any(not invisible(character) for character in text)


def _without_invisible_long_way(text: str) -> str:
    return "".join(character for character in text if character == " " or not invisible(character))


def _fold_long_way(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = _without_invisible_long_way("".join(c for c in decomposed if not unicodedata.combining(c)))
    return re.sub(r"[^0-9a-z]+", " ", plain).strip()


@given(TEXTS)
def test_the_shortcuts_agree_with_the_long_way(text: str) -> None:
    assert visible(text) is _visible_long_way(text)
    assert without_invisible(text) == _without_invisible_long_way(text)
    assert fold_header(text) == _fold_long_way(text)


def test_the_shortcut_is_taken_for_printable_ascii_only() -> None:
    assert plain_ascii("KvK-nummer (8 cijfers)")
    assert not plain_ascii("kvk\tnummer")  # a tab is dropped, not turned into a space
    assert not plain_ascii("Café")
    assert fold_header("kvk\tnummer") == "kvknummer"
    assert fold_header("KVK_Nummer ") == "kvk nummer"
    assert without_invisible("a\u200bb c") == "ab c"
    assert not visible(" \u200b ")
