"""Links between register pages: resolving hrefs and finding page N+1 (shared by SNF, SNCU, ABU)."""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import SplitResult, urlsplit

import pytest
from bs4 import BeautifulSoup

from eligibility._errors import LayoutChangedError
from scrapers._pages import (
    Outline,
    more_pages,
    next_links,
    numbered_next,
    outline,
    page_of,
    resolve,
)
from scrapers._pages_lexbor import outline as lexbor_outline
from scrapers._pages_lexbor import parse

LIST = "https://www.example.nl/lijst/"
_PAGE = re.compile(r"/lijst/page/(\d+)/")


def page_number(parts: SplitResult) -> int | None:
    match = _PAGE.fullmatch(parts.path)
    return int(match[1]) if match else None


Reader = Callable[[str], Outline]
READERS: dict[str, Reader] = {
    "bs4": lambda html: outline(BeautifulSoup(html, "html.parser")),
    "lexbor": lambda html: lexbor_outline(parse(html.encode(), LIST)),
}


@pytest.fixture(params=sorted(READERS))
def soup(request: pytest.FixtureRequest) -> Reader:
    """Each paging rule must decide alike on both trees the adapters read pages into."""
    return READERS[request.param]


def test_resolve_makes_links_absolute_and_a_malformed_one_none() -> None:
    assert resolve(LIST, "page/2/?a=1")[0] == "https://www.example.nl/lijst/page/2/?a=1"
    assert resolve(LIST, "http://[x/lijst/") is None


def test_numbered_next_finds_page_n_plus_1_on_the_same_host(soup: Reader) -> None:
    html = (
        '<a href="https://elders.example/lijst/page/3/">3</a><a href="/lijst/page/4/">4</a>'
        '<a href="/lijst/page/3/#top">3</a>'
    )
    assert numbered_next(soup(html), LIST + "page/2/", page_number)[0] == "https://www.example.nl/lijst/page/3/#top"
    assert numbered_next(soup('<a href="/lijst/page/2/">2</a>'), LIST, page_number)[0] == LIST + "page/2/"
    assert numbered_next(soup('<a href="/lijst/page/2/">2</a>'), LIST + "page/2/", page_number) is None


def test_a_malformed_href_is_skipped_unless_it_may_be_the_page_link(soup: Reader) -> None:
    html = '<a href="http://[x/lijst/page/2/">2</a><a href="/lijst/page/2/">2</a>'
    assert numbered_next(soup(html), LIST, page_number)[0] == LIST + "page/2/"
    with pytest.raises(LayoutChangedError, match="page link is not a valid URL") as caught:
        numbered_next(soup(html), LIST, page_number, raise_if_malformed="/lijst/page/")
    assert caught.value.url == LIST
    elsewhere = soup('<a href="http://[x/nieuws/">x</a>')
    assert numbered_next(elsewhere, LIST, page_number, raise_if_malformed="/lijst/page/") is None


def test_next_links_by_rel_class_or_text(soup: Reader) -> None:
    html = (
        '<link rel="next" href="/a"><a class="next" href="/b">x</a><a href="/c">Volgende</a>'
        '<a href="/d">Oudere berichten »</a><a href="/e">Vorige</a><a href="/f">2</a>'
    )
    assert [link.href for link in next_links(soup(html))] == ["/a", "/b", "/c", "/d"]


@pytest.mark.parametrize(
    ("url", "number"),
    [
        (LIST, None),
        (LIST + "page/3/", 3),
        (LIST + "pagina/4", 4),
        (LIST + "?sf_paged=2", 2),
        (LIST + "?paged=5&orderby=date", 5),
        (LIST + "?query-12-page=2", 2),
        (LIST + "?pagina=7", 7),
        (LIST + "?p=123", None),  # WordPress's post id, not a page
        (LIST + "?page=laatste", None),
    ],
)
def test_page_of(url: str, number: int | None) -> None:
    assert page_of(urlsplit(url)) == number


@pytest.mark.parametrize(
    ("html", "url", "sign"),
    [
        ('<a href="/lijst/?sf_paged=2">2</a>', LIST, "a link to page 2 (https://www.example.nl/lijst/?sf_paged=2)"),
        ('<a href="/lijst/?sf_paged=1">1</a><a href="/lijst/?sf_paged=3">3</a>', LIST + "?sf_paged=2",
         "a link to page 3 (https://www.example.nl/lijst/?sf_paged=3)"),
        ('<a href="/lijst/page/5/">5</a>', LIST + "page/2/", "a link to page 5 (https://www.example.nl/lijst/page/5/)"),
        ('<link rel="next" href="/elders/2/">', LIST, 'a rel="next" link to https://www.example.nl/elders/2/'),
        ('<div class="pagination"><span>1</span><button>2</button></div>', LIST, "a page number 2 beyond page 1"),
        ('<ul class="pager"><li><a href="javascript:go(2)">2</a></li></ul>', LIST, "a page number 2 beyond page 1"),
        ('<table class="pager"><tr><td><a href="javascript:go(2)">2</a></td></tr></table>', LIST,
         "a page number 2 beyond page 1"),  # lexbor's tree puts a <tbody> between the row and the table
        ('<button class="load-more">Toon meer</button>', LIST, "a load-more control ('Toon meer')"),
        ('<a class="btn" href="#">Load more</a>', LIST, "a load-more control ('Load more')"),
        ('<a class="js-loadmore" href="#"></a>', LIST, "a load-more control ('js-loadmore')"),
        ("<title>Lijst - Pagina 1 van 3</title>", LIST, "'Pagina 1 van 3'"),
        ("<p>Page 2 of 4</p>", LIST + "page/2/", "'Page 2 of 4'"),
    ],
    ids=["query", "query-beyond-next", "path-beyond-next", "rel-next", "button-pager", "script-pager", "table-pager", "load-more",
         "load-more-en", "load-more-class", "pagina-van", "page-of"],
)
def test_more_pages_names_what_says_the_list_goes_on(html: str, url: str, sign: str, soup: Reader) -> None:
    assert more_pages(soup(html), url, within="/lijst/") == sign


@pytest.mark.parametrize(
    ("html", "url"),
    [
        ('<a href="/lijst/page/1/">1</a><span class="current">2</span>', LIST + "page/2/"),  # the last page
        ('<a href="/lijst/x/">Lees meer</a><a href="/lijst/y/">Meer over y</a>', LIST),
        ('<a href="/nieuws/?paged=2">Ouder nieuws</a>', LIST),  # another list's pages
        ('<a href="https://elders.example/lijst/page/2/">2</a>', LIST),  # another site
        ('<nav class="pagination"><a href="/lijst/page/1/">3</a></nav>', LIST + "page/2/"),  # its URL decides
        ('<button class="load-more" disabled>Meer laden</button>', LIST),
        ('<a class="load-more" aria-disabled="true" href="#">Meer laden</a>', LIST),
        ("<title>Lijst - Pagina 3 van 3</title>", LIST + "page/3/"),
        ('<p><a href="#fn2">2</a></p>', LIST),  # a footnote, not a pager
        ("<p>Zie pagina 3 van 12 van het controlerapport.</p>", LIST),  # an excerpt, not a pager
    ],
    ids=["last-page", "read-more", "other-list", "other-site", "number-with-url", "disabled-button",
         "aria-disabled", "last-of-n", "footnote", "page-of-in-running-text"],
)
def test_more_pages_is_none_on_a_page_that_shows_no_more(html: str, url: str, soup: Reader) -> None:
    assert more_pages(soup(html), url, within="/lijst/") is None
