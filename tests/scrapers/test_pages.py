"""Links between register pages: resolving hrefs and finding page N+1 (shared by SNF, SNCU, ABU)."""

from __future__ import annotations

import re
from urllib.parse import SplitResult

import pytest
from bs4 import BeautifulSoup

from eligibility._errors import LayoutChangedError
from scrapers._pages import next_links, numbered_next, resolve

LIST = "https://www.example.nl/lijst/"
_PAGE = re.compile(r"/lijst/page/(\d+)/")


def page_number(parts: SplitResult) -> int | None:
    match = _PAGE.fullmatch(parts.path)
    return int(match[1]) if match else None


def soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def test_resolve_makes_links_absolute_and_a_malformed_one_none() -> None:
    assert resolve(LIST, "page/2/?a=1")[0] == "https://www.example.nl/lijst/page/2/?a=1"
    assert resolve(LIST, "http://[x/lijst/") is None


def test_numbered_next_finds_page_n_plus_1_on_the_same_host() -> None:
    html = (
        '<a href="https://elders.example/lijst/page/3/">3</a><a href="/lijst/page/4/">4</a>'
        '<a href="/lijst/page/3/#top">3</a>'
    )
    assert numbered_next(soup(html), LIST + "page/2/", page_number)[0] == "https://www.example.nl/lijst/page/3/#top"
    assert numbered_next(soup('<a href="/lijst/page/2/">2</a>'), LIST, page_number)[0] == LIST + "page/2/"
    assert numbered_next(soup('<a href="/lijst/page/2/">2</a>'), LIST + "page/2/", page_number) is None


def test_a_malformed_href_is_skipped_unless_it_may_be_the_page_link() -> None:
    html = '<a href="http://[x/lijst/page/2/">2</a><a href="/lijst/page/2/">2</a>'
    assert numbered_next(soup(html), LIST, page_number)[0] == LIST + "page/2/"
    with pytest.raises(LayoutChangedError, match="page link is not a valid URL") as caught:
        numbered_next(soup(html), LIST, page_number, raise_if_malformed="/lijst/page/")
    assert caught.value.url == LIST
    elsewhere = soup('<a href="http://[x/nieuws/">x</a>')
    assert numbered_next(elsewhere, LIST, page_number, raise_if_malformed="/lijst/page/") is None


def test_next_links_by_rel_class_or_text() -> None:
    html = (
        '<link rel="next" href="/a"><a class="next" href="/b">x</a><a href="/c">Volgende</a>'
        '<a href="/d">Oudere berichten »</a><a href="/e">Vorige</a><a href="/f">2</a>'
    )
    assert [tag["href"] for tag in next_links(soup(html))] == ["/a", "/b", "/c", "/d"]
