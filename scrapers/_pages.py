"""Links between a register's pages, shared by the HTML adapters (SNF, SNCU, ABU).

A parser must never let urljoin's ValueError on an href such as "http://[x/" escape, and must
never skip the link behind which the rest of a register lies (the rest would read as "not
listed"). Each adapter therefore says which malformed links it may skip.

The paging rules read an ``Outline`` of the page, plain values taken from its tree, so that one
code decides for both trees the adapters parse into: BeautifulSoup's (``outline`` here: SNCU
and ABU pages, read once a run) and lexbor's (``_pages_lexbor``: SNF result pages, read for
every searched partner).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from urllib.parse import SplitResult, parse_qsl, urljoin, urlsplit

from bs4 import NavigableString, Tag

from eligibility._errors import LayoutChangedError

_NEXT_TEXT = re.compile(
    r"^(volgende(\s+pagina)?|next(\s+page)?|oudere\s+berichten|older\s+(posts|entries))?\s*[»›>]?$", re.I
)

ELEMENTS = ("a", "link", "button", "input")
"""The elements an outline holds: links, and the controls a pager may be made of."""


@dataclass(frozen=True)
class Element:
    """What the paging rules read of one ``<a>``, ``<link>``, ``<button>`` or ``<input>``."""

    name: str
    href: str | None
    """None when it has no href; "" for an href without a value."""
    rel: tuple[str, ...]
    classes: tuple[str, ...]
    text: str
    """Its words, single-spaced (an ``<input>``'s value); no comments or script text."""
    disabled: bool
    """``disabled``, ``aria-disabled="true"`` or class "disabled"."""
    marks: tuple[str, ...]
    """Class, id and aria-label of it and of its three nearest ancestors, nearest first."""

    @classmethod
    def of(cls, name: str, attributes: Mapping[str, str], text: str, ancestors: Iterable[Mapping[str, str]]) -> Element:
        """From what either tree gives: the element's attributes (one without a value as ""), its
        text, and the attributes of its three nearest ancestors."""
        classes = tuple(attributes.get("class", "").split())
        return cls(
            name=name,
            href=attributes.get("href"),
            rel=tuple(attributes.get("rel", "").split()),
            classes=classes,
            text=" ".join((attributes.get("value", "") if name == "input" else text).split()),
            disabled="disabled" in attributes or attributes.get("aria-disabled") == "true" or "disabled" in classes,
            marks=tuple(_marks(each) for each in (attributes, *ancestors)),
        )


@dataclass(frozen=True)
class Outline:
    """A page as its paging rules read it."""

    elements: tuple[Element, ...]
    """Every ``<a>``, ``<link>``, ``<button>`` and ``<input>``, in page order."""
    texts: tuple[str, ...]
    """The ``<title>``'s text, then every text (comments included) that says only "Pagina N van M"."""

    def links(self, names: tuple[str, ...] = ("a", "link")) -> Iterator[Element]:
        """The elements named ``names`` that carry an href, in page order."""
        return (element for element in self.elements if element.name in names and element.href is not None)


def resolve(base: str, href: str) -> tuple[str, SplitResult] | None:
    """The absolute URL and its parts; None for a malformed href (urljoin and urlsplit raise
    ValueError on e.g. "http://[x/"): the caller decides whether it may skip that link."""
    try:
        url = urljoin(base, href)
        return url, urlsplit(url)
    except ValueError:
        return None


def same_site(a: SplitResult, b: SplitResult) -> bool:
    """Whether two URLs are on one site: host (any case, with or without a leading "www.") and port.
    A site links itself both ways (sncu.nl and www.sncu.nl); a link to the other form that a reader
    did not follow ended the list early, its later entries read as "not listed"."""
    def site(parts: SplitResult) -> tuple[str, int | None]:
        return (parts.hostname or "").lower().removeprefix("www."), parts.port

    return site(a) == site(b)


def tags(root: Tag, names: tuple[str, ...], *, having: str | None = None) -> list[Tag]:
    """``root.find_all(names)`` (with ``having``: only tags that carry that attribute), in page order, as a plain
    walk of the tree: bs4's matching costs about ten times the walk (measured on a 5 KB page: 0.68 ms against
    0.06 ms)."""
    return list(_walk(root, names, having))


def first(root: Tag, names: tuple[str, ...], *, having: str | None = None) -> Tag | None:
    """``root.find(names)`` as ``tags`` walks: the first such tag in page order, or None."""
    return next(_walk(root, names, having), None)


def _walk(root: Tag, names: tuple[str, ...], having: str | None) -> Iterator[Tag]:
    for node in root.descendants:
        if isinstance(node, Tag) and node.name in names and (having is None or node.has_attr(having)):
            yield node


def strings(root: Tag, matching: Callable[[str], object]) -> list[str]:
    """``root.find_all(string=matching)`` as a plain walk (see ``tags``): the texts (comments included, as
    bs4 gives them) for which ``matching`` is true, in page order."""
    return [str(node) for node in root.descendants if isinstance(node, NavigableString) and matching(node)]


def next_links(page: Outline) -> list[Element]:
    """Links that call themselves the next page: rel="next" (``<a>`` or ``<link>``), class "next",
    then those with a "Volgende", "Next", "Oudere berichten" or "»" text, each in page order.
    Where they lead is for the caller to check."""
    marked: list[Element] = []
    by_text: list[Element] = []
    for link in page.links():
        if "next" in link.rel or (link.name == "a" and "next" in link.classes):
            marked.append(link)
        if link.name == "a" and link.text and _NEXT_TEXT.match(link.text):
            by_text.append(link)
    return marked + by_text


def numbered_next(
    page: Outline,
    page_url: str,
    page_number: Callable[[SplitResult], int | None],
    *,
    raise_if_malformed: str | None = None,
) -> tuple[str, SplitResult] | None:
    """The link to page N+1 (N is ``page_number`` of ``page_url``, 1 when it has none).

    For paginations that show page numbers only (no rel="next", no "Volgende"): without this a
    reader stops after page 1 and whatever stands on later pages reads as "not listed". A
    malformed href is skipped, unless it contains ``raise_if_malformed``: then it may be this
    very link, and skipping it would end the list early, so it raises LayoutChangedError.
    """
    current = urlsplit(page_url)
    wanted = (page_number(current) or 1) + 1
    for anchor in page.links(("a",)):
        href = anchor.href or ""
        resolved = resolve(page_url, href)
        if resolved is None:
            if raise_if_malformed is not None and raise_if_malformed in href:
                raise LayoutChangedError(page_url, f"page link is not a valid URL: {href!r}")
            continue
        if same_site(resolved[1], current) and page_number(resolved[1]) == wanted:
            return resolved
    return None


# Paginations a parser does not follow, recognised so that a list is never read as complete
# while the page itself says it goes on (PRODUCT.md principle 6).
_PAGE_PATH = re.compile(r"/(?:page|pagina)/(\d+)/?$", re.I)
_PAGE_PARAM = re.compile(r"(?:^|[_-])(?:paged?|pagina|pg)$", re.I)  # paged, sf_paged, page, query-2-page
_PAGE_OF = re.compile(r"\b(?:pagina|page)\s+(\d+)\s+(?:van|of|/)\s+(\d+)\b", re.I)
ONLY_PAGE_OF = re.compile(rf"[^\w]*{_PAGE_OF.pattern}[^\w]*", re.I)
"""A text that says nothing but "Pagina N van M" (``Outline.texts``)."""
_LOAD_MORE_TEXT = re.compile(
    r"^(?:(?:toon|laad)\s+meer|meer\s+(?:\w+\s+)?(?:laden|tonen|weergeven)|(?:load|show)\s+more)\b", re.I
)
_LOAD_MORE_MARK = re.compile(r"load[-_]?more|infinite[-_]?scroll", re.I)
_PAGINATION_MARK = re.compile(r"pagination|page-numbers|pager|paging", re.I)


def page_of(parts: SplitResult) -> int | None:
    """The page number a list URL names: a path .../page/N/ or .../pagina/N/, or a query
    parameter paged=N, sf_paged=N, page=N, pagina=N (not "p=", WordPress's post id)."""
    if match := _PAGE_PATH.search(parts.path):
        return int(match[1])
    for name, value in parse_qsl(parts.query):
        if _PAGE_PARAM.search(name) and value.isdigit():
            return int(value)
    return None


def more_pages(page: Outline, page_url: str, *, within: str) -> str | None:
    """What on a list page says the list goes on, or None; for a caller that found no next link it
    can follow, which must then fail rather than read the list as complete. Signs: a rel="next"
    link on the site, a link on the site under ``within`` to a page number beyond this page's
    (``page_of``; 1 without one), a page number beyond it in a pagination block without a URL
    (a JavaScript pager: a button, href="#..."), "Pagina 1 van 3", or a "load more" control
    ("Meer vonnissen laden") that is not disabled."""
    current = urlsplit(page_url)
    number = page_of(current) or 1
    for link in page.links():
        resolved = resolve(page_url, link.href or "")
        if resolved is None or not same_site(resolved[1], current):
            continue
        if "next" in link.rel:
            return f"a rel=\"next\" link to {resolved[0]}"
        beyond = page_of(resolved[1])
        if resolved[1].path.startswith(within) and beyond is not None and beyond > number:
            return f"a link to page {beyond} ({resolved[0]})"
    for control in page.elements:
        if control.name == "link":
            continue
        scripted = (control.href if control.href is not None else "#").strip().lower().startswith(("#", "javascript:"))
        text = control.text
        if scripted and text.isdigit() and int(text) > number and any(_PAGINATION_MARK.search(m) for m in control.marks):
            return f"a page number {text} beyond page {number}"
        if not control.disabled and (_LOAD_MORE_TEXT.match(text) or _LOAD_MORE_MARK.search(control.marks[0])):
            return f"a load-more control ({text or control.marks[0].strip()!r})"
    # in the page's <title> or as a text of its own: "zie pagina 3 van 12" in an excerpt is no pager
    for text in page.texts:
        for match in _PAGE_OF.finditer(" ".join(text.split())):
            if int(match[1]) < int(match[2]):
                return f"{match[0]!r}"
    return None


def outline(soup: Tag) -> Outline:
    """What the paging rules read of a BeautifulSoup tree (SNCU and ABU pages)."""
    title = first(soup, ("title",))
    texts = [title.get_text(" ")] if title is not None else []
    texts += strings(soup, ONLY_PAGE_OF.fullmatch)
    return Outline(tuple(_element(tag) for tag in tags(soup, ELEMENTS)), tuple(texts))


def _element(tag: Tag) -> Element:
    return Element.of(tag.name, _attributes(tag), tag.get_text(), (_attributes(node) for node in list(tag.parents)[:3]))


def _attributes(tag: Tag) -> dict[str, str]:
    """bs4 splits class and rel into lists: joined again, as the other tree gives them."""
    return {name: " ".join(value) if isinstance(value, list) else str(value) for name, value in tag.attrs.items()}


def _marks(attributes: Mapping[str, str]) -> str:
    return " ".join([*attributes.get("class", "").split(), attributes.get("id", ""), attributes.get("aria-label", "")])
