"""Pages read with lexbor (selectolax), as a browser reads them: SNF result pages.

SNF is searched for every partner, and BeautifulSoup building its tree in Python was most of the
cost of deciding a searched partner. Lexbor builds the tree in C, by the HTML standard's rules, so
a malformed page (a cell left open, a block inside ``<p>``) is read as a browser shows it to the
officer who checks the verdict. What the paging rules read of it is the same ``Outline`` that
``_pages.outline`` takes from a BeautifulSoup tree, with two differences kept on purpose:
script and style text is never page text, and a ``<template>``'s links come after the page's own
(a template is no part of the page a browser shows; its links, and those of templates within it,
still count as signs of more pages).

Where a browser's reading hides what the page's author meant, the page is refused rather than read:
an element whose content is raw text (``<iframe/>``, ``<textarea/>``, ``<title/>`` closed the XHTML
way, ``<script src="..."/>``) takes in all that follows it up to its end tag, rows and pagers
included, which would then silently be missing.
"""

from __future__ import annotations

import codecs
import re

from bs4.dammit import UnicodeDammit
from selectolax.lexbor import LexborHTMLParser, LexborNode

from eligibility._errors import LayoutChangedError
from scrapers._pages import ELEMENTS, ONLY_PAGE_OF, Element, Outline

_ELEMENTS = ", ".join(ELEMENTS)
_NEVER_TEXT = "script, style"
_RAW_TEXT = "iframe, noembed, noframes, plaintext, style, textarea, title, xmp"
"""Elements whose content the tree keeps as text; none of them holds markup on a page as written."""
_MARKUP = re.compile(r"<[A-Za-z/]")
_DECLARED = re.compile(rb"""charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_TABLE_SECTIONS = frozenset({"tbody", "thead", "tfoot"})
"""Implied by the parser where the page has none: never one of the "nearest ancestors" of a pager."""


def parse(body: bytes, url: str) -> LexborHTMLParser:
    """The page's tree, without scripts and styles (no page text, and no element of the page).

    Lexbor takes bytes as UTF-8 whatever the page declares. A page that declares another encoding
    in its first 1,024 bytes (where a browser looks), or is no UTF-8, is decoded as BeautifulSoup
    decodes it (the declared encoding, else a guess), as before. Raises LayoutChangedError for a page
    whose raw-text element holds markup (see the module's docstring)."""
    tree = LexborHTMLParser(_decoded(body))
    for node in tree.css(f"{_RAW_TEXT}, script[src]"):
        text = node.text()
        if _MARKUP.search(text) or (node.tag == "script" and text.strip()):
            raise LayoutChangedError(url, f"markup read as the text of a <{node.tag}> (closed as <{node.tag}/>?): "
                                          f"{' '.join(text.split())[:60]!r}")
    for node in reversed(tree.css(_NEVER_TEXT)):  # inner first: a <style> may stand in an <svg>'s <script>
        node.decompose()
    return tree


def _decoded(body: bytes) -> str:
    declared = _DECLARED.search(body[:1024])
    try:
        other = declared is not None and codecs.lookup(declared[1].decode("ascii")).name != "utf-8"
    except LookupError:
        other = True
    if not other:
        try:
            return body.decode("utf-8-sig")
        except UnicodeDecodeError:
            pass
    return UnicodeDammit(body, is_html=True).unicode_markup or body.decode("windows-1252", "replace")


def words(node: LexborNode, separator: str = " ") -> str:
    """The node's text, its words single-spaced (comments are no text)."""
    return " ".join(node.text(separator=separator).split())


def outline(tree: LexborHTMLParser) -> Outline:
    """What the paging rules read of the page: see ``_pages.Outline``."""
    roots = [tree.root] if tree.root is not None else []
    for root in roots:  # grows: templates within templates (a script's x-if inside its x-for)
        roots.extend(root.template_fragments())
    elements = tuple(_element(node) for root in roots for node in root.css(_ELEMENTS))
    title = tree.css_first("title")
    texts = [title.text(separator=" ")] if title is not None else []
    for root in roots:
        for node in root.traverse(include_text=True):
            text = node.text_content if node.is_text_node else node.comment_content if node.is_comment_node else None
            if text and ONLY_PAGE_OF.fullmatch(text):
                texts.append(text)
    return Outline(elements, tuple(texts))


def attribute(node: LexborNode, name: str) -> str | None:
    """The attribute's value; "" when it has none (``<a href>``), None when the element lacks it."""
    attributes = node.attributes
    return (attributes[name] or "") if name in attributes else None


def _element(node: LexborNode) -> Element:
    return Element.of(node.tag or "", _attributes(node), words(node, ""),
                      (_attributes(ancestor) for ancestor in _ancestors(node, 3)))


def _attributes(node: LexborNode) -> dict[str, str]:
    return {name: value or "" for name, value in node.attributes.items()} if node.is_element_node else {}


def _ancestors(node: LexborNode, up: int) -> list[LexborNode]:
    """The ``up`` nearest ancestors, not counting table sections (which the tree may hold where the
    page has none: ``<table class="pager"><tr>`` gets a ``<tbody>``), but keeping them."""
    found = []
    counted = 0
    parent = node.parent
    while parent is not None and counted < up:
        found.append(parent)
        counted += parent.tag not in _TABLE_SECTIONS
        parent = parent.parent
    return found
