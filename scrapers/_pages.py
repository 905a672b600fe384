"""Links between a register's pages, shared by the HTML adapters (SNF, SNCU, ABU).

A parser must never let urljoin's ValueError on an href such as "http://[x/" escape, and must
never skip the link behind which the rest of a register lies (the rest would read as "not
listed"). Each adapter therefore says which malformed links it may skip.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import SplitResult, urljoin, urlsplit

from bs4 import Tag

from eligibility._errors import LayoutChangedError

_NEXT_TEXT = re.compile(
    r"^(volgende(\s+pagina)?|next(\s+page)?|oudere\s+berichten|older\s+(posts|entries))?\s*[»›>]?$", re.I
)


def resolve(base: str, href: str) -> tuple[str, SplitResult] | None:
    """The absolute URL and its parts; None for a malformed href (urljoin and urlsplit raise
    ValueError on e.g. "http://[x/"): the caller decides whether it may skip that link."""
    try:
        url = urljoin(base, href)
        return url, urlsplit(url)
    except ValueError:
        return None


def next_links(soup: Tag) -> list[Tag]:
    """Links that call themselves the next page: rel="next" (``<a>`` or ``<link>``), class "next",
    then those with a "Volgende", "Next", "Oudere berichten" or "»" text, each in page order.
    Where they lead is for the caller to check. (One pass over the links: a CSS selector costs
    more than the whole parse of a small page.)"""
    marked: list[Tag] = []
    by_text: list[Tag] = []
    for link in soup.find_all(("a", "link"), href=True):
        if "next" in link.get_attribute_list("rel") or (link.name == "a" and "next" in link.get_attribute_list("class")):
            marked.append(link)
        if link.name == "a" and (text := " ".join(link.get_text().split())) and _NEXT_TEXT.match(text):
            by_text.append(link)
    return marked + by_text


def numbered_next(
    soup: Tag,
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
    for anchor in soup.find_all("a", href=True):
        href = str(anchor["href"])
        resolved = resolve(page_url, href)
        if resolved is None:
            if raise_if_malformed is not None and raise_if_malformed in href:
                raise LayoutChangedError(page_url, f"page link is not a valid URL: {href!r}")
            continue
        if resolved[1].hostname == current.hostname and page_number(resolved[1]) == wanted:
            return resolved
    return None
