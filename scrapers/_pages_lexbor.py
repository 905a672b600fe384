"""Pages read with lexbor (selectolax), as a browser reads them: SNF result pages.

SNF is searched for every partner, and BeautifulSoup building its tree in Python was most of the
cost of deciding a searched partner. Lexbor builds the tree in C, by the HTML standard's rules, so
a malformed page (a cell left open, a block inside ``<p>``) is read as a browser shows it to the
officer who checks the verdict. What the paging rules read of it is the same ``Outline`` that
``_pages.outline`` takes from a BeautifulSoup tree, with two differences kept on purpose:
script and style text is never page text, and a ``<template>``'s links come after the page's own
(a template is no part of the page a browser shows; its links still count as signs of more pages).
"""

from __future__ import annotations

from bs4.dammit import UnicodeDammit
from selectolax.lexbor import LexborHTMLParser, LexborNode

from scrapers._pages import ONLY_PAGE_OF, Element, Outline

_ELEMENTS = "a, link, button, input"
_NEVER_TEXT = "script, style"


def parse(body: bytes) -> LexborHTMLParser:
    """The page's tree, without scripts and styles (no page text, and no element of the page).

    Lexbor takes bytes as UTF-8 whatever the page declares; a page that is not UTF-8 is decoded as
    BeautifulSoup decodes it (its declared encoding, else a guess), as before."""
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = UnicodeDammit(body, is_html=True).unicode_markup or body.decode("windows-1252", "replace")
    tree = LexborHTMLParser(text)
    for node in tree.css(_NEVER_TEXT):  # neither nests in the other: any order is safe
        node.decompose()
    return tree


def words(node: LexborNode, separator: str = " ") -> str:
    """The node's text, its words single-spaced (comments are no text)."""
    return " ".join(node.text(separator=separator).split())


def outline(tree: LexborHTMLParser) -> Outline:
    """What the paging rules read of the page: see ``_pages.Outline``."""
    roots = [tree.root, *tree.root.template_fragments()] if tree.root is not None else []
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
    attributes = node.attributes
    classes = tuple((attributes.get("class") or "").split())
    return Element(
        name=node.tag or "",
        href=attribute(node, "href"),
        rel=tuple((attributes.get("rel") or "").split()),
        classes=classes,
        text=" ".join((attributes.get("value") or "").split()) if node.tag == "input" else words(node, ""),
        disabled="disabled" in attributes or attributes.get("aria-disabled") == "true" or "disabled" in classes,
        marks=tuple(_marks(ancestor) for ancestor in _self_and_ancestors(node, 3)),
    )


def _self_and_ancestors(node: LexborNode, up: int) -> list[LexborNode]:
    found = [node]
    parent = node.parent
    while parent is not None and len(found) <= up:
        found.append(parent)
        parent = parent.parent
    return found


def _marks(node: LexborNode) -> str:
    attributes = node.attributes if node.is_element_node else {}
    return " ".join([*(attributes.get("class") or "").split(), attributes.get("id") or "", attributes.get("aria-label") or ""])
