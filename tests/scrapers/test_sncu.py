"""SNCU adapter: list and detail parsing, dates in Dutch and English, paging, on our own fixtures."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest

from eligibility._dossier import Link, LinkMethod
from eligibility._errors import FetchError, LayoutChangedError, ScrapingError
from scrapers.sncu import (
    LIST_URL,
    MONTHS,
    fetch_all,
    find_dates,
    parse_date,
    parse_detail,
    parse_list,
    parties_from,
    to_verdict,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "registers" / "sncu"
SITE = "https://www.sncu.nl/vonnissen-en-arresten/"
PAGE_2 = f"{SITE}page/2/"
FLEXWERK = f"{SITE}vonnis-sncu-vs-flexwerk-voorbeeld-bv-2024/"
PROEFPERSONEEL = f"{SITE}arrest-hof-den-bosch-proefpersoneel-2/"
DE_PROEF = f"{SITE}vonnis-sncu-vs-uitzendbureau-de-proef-2019/"
TESTMAN = f"{SITE}vonnis-sncu-vs-bouwbedrijf-testman-2017/"
SERVED: dict[str, str | bytes] = {
    LIST_URL: "list_page_1.html",
    PAGE_2: "list_page_2.html",
    FLEXWERK: "detail_flexwerk_voorbeeld_2024.html",
    PROEFPERSONEEL: "detail_proefpersoneel_arrest_2021.html",
    DE_PROEF: "detail_uitzendbureau_de_proef_2019.html",
    TESTMAN: "detail_bouwbedrijf_testman_2017.html",
}


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


# --- list pages -------------------------------------------------------------------------------


def test_list_page_reads_three_entries_with_absolute_urls_dates_and_next_link() -> None:
    page = parse_list(fixture("list_page_1.html"), LIST_URL)
    assert [(e.title, e.url, e.date) for e in page.entries] == [
        ("Vonnis SNCU vs. Flexwerk Voorbeeld B.V.", FLEXWERK, date(2024, 3, 12)),
        ("Arrest Gerechtshof: Proefpersoneel Nederland B.V. tegen SNCU", PROEFPERSONEEL, date(2021, 10, 5)),
        ("Vonnis SNCU vs. Uitzendbureau De Proef B.V. en J. de Vries", DE_PROEF, date(2019, 1, 17)),
    ]
    assert page.next_url == PAGE_2


def test_list_ignores_links_outside_the_content_area() -> None:
    page = parse_list(fixture("list_page_1.html"), LIST_URL)
    assert not any("uitgelicht" in entry.url for entry in page.entries)


def test_last_list_page_has_no_next_link() -> None:
    page = parse_list(fixture("list_page_2.html"), PAGE_2)
    assert [(e.title, e.url, e.date) for e in page.entries] == [
        ("Vonnis SNCU vs. Bouwbedrijf Testman V.O.F. (2017)", TESTMAN, date(2017, 5, 3)),
    ]
    assert page.next_url is None


def test_list_entry_without_date_has_none() -> None:
    body = b'<html><body><main><ul><li><a href="/vonnissen-en-arresten/x-y/">Vonnis SNCU vs. X</a></li></ul></main></body></html>'
    (entry,) = parse_list(body, LIST_URL).entries
    assert (entry.url, entry.date) == (f"{SITE}x-y/", None)


def test_list_next_link_found_by_its_text_and_kept_within_the_section() -> None:
    body = (
        b'<html><body><main><a href="/vonnissen-en-arresten/a/">Vonnis SNCU vs. A</a>'
        b'<a href="https://elders.example/vonnissen-en-arresten/page/2/">Volgende</a>'
        b'<a href="/nieuws/page/2/">Next</a>'
        b'<a href="/vonnissen-en-arresten/page/2/">Volgende pagina \xc2\xbb</a></main></body></html>'
    )
    assert parse_list(body, LIST_URL).next_url == PAGE_2


def test_list_malformed_link_outside_the_section_is_skipped() -> None:
    """A malformed href (urljoin raises ValueError) that cannot be a verdict link is left out."""
    page = parse_list(fixture("list_page_1_bad_href.html"), LIST_URL)
    assert [e.url for e in page.entries] == [FLEXWERK, PROEFPERSONEEL, DE_PROEF]
    assert page.next_url == PAGE_2


def test_list_malformed_link_into_the_section_is_a_layout_change() -> None:
    """A malformed link that may be a verdict cannot be skipped: the verdict would vanish."""
    body = (
        b'<html><body><main><a href="/vonnissen-en-arresten/a/">Vonnis SNCU vs. A</a>'
        b'<a href="http://[x/vonnissen-en-arresten/b/">Vonnis SNCU vs. B</a></main></body></html>'
    )
    with pytest.raises(LayoutChangedError, match="not a valid URL") as caught:
        parse_list(body, LIST_URL)
    assert caught.value.url == LIST_URL


def test_list_malformed_next_link_is_a_layout_change() -> None:
    body = (
        b'<html><body><main><a href="/vonnissen-en-arresten/a/">Vonnis SNCU vs. A</a>'
        b'<a rel="next" href="http://[x/vonnissen-en-arresten/page/2/">Volgende</a></main></body></html>'
    )
    with pytest.raises(LayoutChangedError, match="not a valid URL"):
        parse_list(body, LIST_URL)


def test_list_numbered_pagination_without_next_link_is_followed() -> None:
    """Only page numbers (no rel=next, no "Volgende"): page N links page N+1."""
    assert parse_list(fixture("list_page_1_numbered_only.html"), LIST_URL).next_url == PAGE_2
    body = (
        b'<html><body><main><a href="/vonnissen-en-arresten/a/">Vonnis SNCU vs. A</a>'
        b'<a class="page-numbers" href="/vonnissen-en-arresten/">1</a><span class="current">2</span>'
        b'<a class="page-numbers" href="/vonnissen-en-arresten/page/3/">3</a></main></body></html>'
    )
    assert parse_list(body, PAGE_2).next_url == f"{SITE}page/3/"
    last = body.replace(b"page/3/", b"page/1/")
    assert parse_list(last, PAGE_2).next_url is None
    malformed = body.replace(b'href="/vonnissen-en-arresten/page/3/"', b'href="http://[x/vonnissen-en-arresten/page/3/"')
    with pytest.raises(LayoutChangedError, match="is not a valid URL"):
        parse_list(malformed, PAGE_2)


def test_changed_list_layout_names_url_and_what_is_missing() -> None:
    with pytest.raises(LayoutChangedError) as caught:
        parse_list(fixture("list_changed_layout.html"), LIST_URL)
    assert caught.value.url == LIST_URL
    assert caught.value.missing == "links to verdict pages (/vonnissen-en-arresten/<slug>/) in the content area"


# --- detail pages -----------------------------------------------------------------------------


def test_detail_with_labelled_date_court_ecli_parties_and_outcome() -> None:
    detail = parse_detail(fixture("detail_flexwerk_voorbeeld_2024.html"), FLEXWERK)
    assert detail.title == "Vonnis SNCU vs. Flexwerk Voorbeeld B.V."
    assert detail.slug == "vonnis-sncu-vs-flexwerk-voorbeeld-bv-2024"
    assert (detail.verdict_date, detail.date_text, detail.date_labelled) == (date(2024, 3, 12), "12 mrt 2024", True)
    assert detail.court == "Rechtbank Limburg"
    assert detail.ecli == "ECLI:NL:RBLIM:2024:1873"
    assert detail.parties == ("Flexwerk Voorbeeld B.V.",)
    assert detail.outcome is not None and detail.outcome.startswith("De kantonrechter veroordeelt Flexwerk Voorbeeld B.V.")


def test_detail_with_english_abbreviation_company_and_director() -> None:
    detail = parse_detail(fixture("detail_uitzendbureau_de_proef_2019.html"), DE_PROEF)
    assert (detail.verdict_date, detail.date_text, detail.date_labelled) == (date(2019, 1, 17), "17 Jan 2019", False)
    assert detail.court == "Rechtbank Gelderland"
    assert detail.ecli is None
    assert detail.parties == ("Uitzendbureau De Proef B.V.", "J. de Vries")
    assert detail.outcome == "De vordering van de SNCU wordt toegewezen; gedaagden worden hoofdelijk veroordeeld in de proceskosten."


def test_appeal_with_irregular_slug_counts_from_its_own_date() -> None:
    detail = parse_detail(fixture("detail_proefpersoneel_arrest_2021.html"), PROEFPERSONEEL)
    assert detail.slug == "arrest-hof-den-bosch-proefpersoneel-2"
    assert detail.verdict_date == date(2021, 10, 5)
    assert detail.court == "Gerechtshof 's-Hertogenbosch"
    assert detail.parties == ("Proefpersoneel Nederland B.V.",)


def test_detail_with_english_full_month_and_kantonrechter() -> None:
    detail = parse_detail(fixture("detail_bouwbedrijf_testman_2017.html"), TESTMAN)
    assert detail.verdict_date == date(2017, 5, 3)
    assert detail.court == "Kantonrechter te Zwolle"
    assert detail.parties == ("Bouwbedrijf Testman V.O.F.",)
    assert detail.outcome is not None and "ordered to pay" in detail.outcome


def test_detail_without_date_raises_naming_url() -> None:
    url = f"{SITE}vonnis-zonder-datum/"
    with pytest.raises(LayoutChangedError) as caught:
        parse_detail(fixture("detail_without_date.html"), url)
    assert caught.value.url == url
    assert caught.value.missing == "a verdict date (e.g. '17 januari 2019' or '17 Jan 2019')"


def test_detail_without_title_raises() -> None:
    with pytest.raises(LayoutChangedError, match="the verdict title"):
        parse_detail(b"<html><body><main><p>Datum uitspraak: 1 mei 2020</p></main></body></html>", FLEXWERK)


def test_title_without_versus_gives_parties_only_from_labels() -> None:
    body = (
        "<html><body><article><h1>Uitspraak kantonrechter over loonvordering</h1><p>1 mei 2020</p>"
        "<p>Gedaagde: Proef Flex B.V.</p></article></body></html>"
    ).encode()
    assert parse_detail(body, FLEXWERK).parties == ("Proef Flex B.V.",)


def test_labelled_date_wins_over_an_earlier_unlabelled_one() -> None:
    body = (
        "<html><body><article><h1>Vonnis SNCU vs. X B.V.</h1><p>Geplaatst 2 juni 2020</p>"
        "<p>Datum uitspraak: 28 mei 2020</p></article></body></html>"
    ).encode()
    detail = parse_detail(body, FLEXWERK)
    assert (detail.verdict_date, detail.date_labelled) == (date(2020, 5, 28), True)


@pytest.mark.parametrize(
    ("dates", "impossible"),
    [
        # skipped, the next label's date was taken as the labelled verdict date: 2020, out of the window
        (("Datum uitspraak: 31-02-2026", "Datum: 14-07-2020"), "31-02-2026"),
        (("Datum uitspraak: 31 feb 2026", "Datum uitspraak: 28 mei 2020"), "31 feb 2026"),
    ],
)
def test_an_impossible_labelled_date_fails_the_page_instead_of_another_date_being_taken(
    dates: tuple[str, ...], impossible: str
) -> None:
    paragraphs = "".join(f"<p>{text}</p>" for text in dates)
    body = f"<html><body><article><h1>Vonnis SNCU vs. X B.V.</h1>{paragraphs}</article></body></html>".encode()
    with pytest.raises(ValueError, match=f"date '{impossible}' does not exist"):
        parse_detail(body, FLEXWERK)


def test_an_impossible_date_in_running_text_is_skipped_and_the_verdict_goes_to_review() -> None:
    """Unlabelled, the verdict date is a guess whatever is skipped: ``date_labelled`` is False, which
    sends B3.g to review; failing the page would fail SNCU for every partner over one typo."""
    body = ("<html><body><article><h1>Vonnis SNCU vs. X B.V.</h1><p>Controlerapport van 14 juli 2020.</p>"
            "<p>Vonnis van 30-02-2026.</p></article></body></html>").encode()
    detail = parse_detail(body, FLEXWERK)
    assert (detail.verdict_date, detail.date_labelled) == (date(2020, 7, 14), False)
    assert detail.dates_skipped == ("30-02-2026",)  # named to the officer by the pipeline's note


def test_an_impossible_date_on_the_list_page_is_skipped() -> None:
    body = fixture("list_page_1.html").replace(b"12 mrt 2024", b"31-04-2024", 1)
    assert body != fixture("list_page_1.html")
    entries = parse_list(body, LIST_URL).entries
    assert [entry.url for entry in entries] == [entry.url for entry in parse_list(fixture("list_page_1.html"), LIST_URL).entries]


def test_title_with_a_slash_between_sncu_and_the_party_names_the_party() -> None:
    detail = parse_detail(fixture("detail_slash_title.html"), f"{SITE}vonnis-sncu-flexwerk-voorbeeld-2024/")
    assert detail.parties == ("Flexwerk Voorbeeld B.V.",)
    assert (detail.verdict_date, detail.date_labelled) == (date(2026, 3, 12), True)


def test_without_a_label_the_latest_date_in_the_article_is_the_verdict_date() -> None:
    """"controlerapport van 14 juli 2020 ... vonnis van 2 februari 2026": the first date would put
    the verdict outside a two-year window; the latest keeps it in (the conservative reading)."""
    detail = parse_detail(fixture("detail_unlabelled_dates.html"), f"{SITE}x/")
    assert (detail.verdict_date, detail.date_text, detail.date_labelled) == (date(2026, 2, 2), "2 februari 2026", False)
    assert detail.parties == ("Flexwerk Voorbeeld B.V.",)


def test_to_verdict_carries_every_field_and_the_link() -> None:
    link = Link(method=LinkMethod.NAME, score=92.5, matched_name="Flexwerk Voorbeeld B.V.")
    verdict = to_verdict(parse_detail(fixture("detail_flexwerk_voorbeeld_2024.html"), FLEXWERK), link)
    assert verdict.model_dump() == {
        "title": "Vonnis SNCU vs. Flexwerk Voorbeeld B.V.",
        "verdict_date": date(2024, 3, 12),
        "date_labelled": True,
        "court": "Rechtbank Limburg",
        "ecli": "ECLI:NL:RBLIM:2024:1873",
        "url": FLEXWERK,
        "parties": [],  # linked against, not kept (LEGAL.md art. 10.3): see the next test
        "outcome": verdict.outcome,
        "link": link.model_dump(),
    }
    assert verdict.outcome is not None and "€ 25.000" in verdict.outcome


def test_to_verdict_leaves_out_a_director_named_as_a_party() -> None:
    """Directors' names are personal data that no rule reads; the party that matched is in the link."""
    detail = parse_detail(fixture("detail_uitzendbureau_de_proef_2019.html"), DE_PROEF)
    assert "J. de Vries" in detail.parties  # linked against by the pipeline
    link = Link(method=LinkMethod.NAME, score=100, matched_name="Uitzendbureau De Proef B.V.")
    verdict = to_verdict(detail, link)
    assert verdict.parties == [] and "de Vries" not in verdict.model_dump_json(exclude={"title"})
    assert "J. de Vries" in verdict.title  # the title as published stays: the rules quote it
    assert verdict.link.matched_name == "Uitzendbureau De Proef B.V."


def test_to_verdict_says_when_the_date_was_not_labelled() -> None:
    """The rules send such a verdict to review (b3_g_sncu date_not_labelled): the date is a guess."""
    link = Link(method=LinkMethod.NAME, score=92.5, matched_name="Flexwerk Voorbeeld B.V.")
    verdict = to_verdict(parse_detail(fixture("detail_unlabelled_dates.html"), FLEXWERK), link)
    assert verdict.date_labelled is False


# --- dates and parties ------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "month"), sorted(MONTHS.items()))
def test_every_month_form_is_read(name: str, month: int) -> None:
    expected = date(2019, month, 17)
    assert parse_date(f"17 {name} 2019") == expected
    assert parse_date(f"17 {name.capitalize()}. 2019") == expected
    assert find_dates(f"Uitspraak van 17 {name.upper()} 2019.") == [(expected, f"17 {name.upper()} 2019")]


def test_every_month_has_dutch_and_english_forms() -> None:
    assert sorted(set(MONTHS.values())) == list(range(1, 13))
    assert {"mrt", "mar", "mei", "may", "okt", "oct", "sep", "sept", "maart", "march"} <= set(MONTHS)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("17 Jan 2019", date(2019, 1, 17)),
        ("17 januari 2019", date(2019, 1, 17)),
        ("17 mrt 2021", date(2021, 3, 17)),
        ("1 mei 2020", date(2020, 5, 1)),
        ("17-01-2019", date(2019, 1, 17)),
        (" 29-02-2024 ", date(2024, 2, 29)),
        ("17 foo 2019", None),  # no month: not a date at all
        ("31 foo 2019", None),
        ("januari 2019", None),
        ("2019-01-17", None),
    ],
)
def test_parse_date(text: str, expected: date | None) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    "text", ["31-02-2024", "31 feb 2019", "30 Februari 2020", "29-02-2023", "0 januari 2020", "00-01-2020",
             "17-13-2019", "32 mei 2020", " 31-04-2024 "],
)  # fmt: skip
def test_parse_date_refuses_a_date_that_does_not_exist_naming_it(text: str) -> None:
    """Returned as None it was dropped: the verdict date became another date of the article."""
    with pytest.raises(ValueError, match=f"date '{text.strip()}' does not exist"):
        parse_date(text)


def test_find_dates_keeps_order() -> None:
    text = "Zitting 3 feb 2020, vonnis 3 maart 2020, hoger beroep 1 Oct 2021 en 02-11-2021."
    assert find_dates(text) == [
        (date(2020, 2, 3), "3 feb 2020"),
        (date(2020, 3, 3), "3 maart 2020"),
        (date(2021, 10, 1), "1 Oct 2021"),
        (date(2021, 11, 2), "02-11-2021"),
    ]


def test_find_dates_skips_a_date_that_does_not_exist() -> None:
    assert find_dates("Zitting 30 feb 2020, vonnis 3 maart 2020.") == [(date(2020, 3, 3), "3 maart 2020")]


@pytest.mark.parametrize(
    ("text", "parties"),
    [
        ("Vonnis SNCU vs. Flexwerk Voorbeeld B.V.", ["Flexwerk Voorbeeld B.V."]),
        ("Vonnis SNCU vs Flexwerk Voorbeeld B.V. 2019", ["Flexwerk Voorbeeld B.V."]),
        ("Vonnis SNCU tegen Bouw en Techniek B.V.", ["Bouw en Techniek B.V."]),
        ("Vonnis SNCU vs. X B.V. en J. de Vries", ["X B.V.", "J. de Vries"]),
        ("X B.V. en de heer J. de Vries (bestuurder)", ["X B.V.", "J. de Vries"]),
        ("Arrest Gerechtshof: Y N.V. tegen SNCU", ["Y N.V."]),
        ("Stichting Naleving CAO voor Uitzendkrachten (SNCU) tegen Z V.O.F. (2017)", ["Z V.O.F."]),
        ("Vonnis SNCU / Flexwerk Voorbeeld B.V.", ["Flexwerk Voorbeeld B.V."]),
        ("SNCU v Flexwerk Voorbeeld B.V.", ["Flexwerk Voorbeeld B.V."]),
        ("Vonnis SNCU contra Flexwerk Voorbeeld B.V. (2024)", ["Flexwerk Voorbeeld B.V."]),
        ("Uitspraak: SNCU v Jansen/De Vries Personeel B.V.", ["Jansen/De Vries Personeel B.V."]),
        ("Vonnis SNCU vs. Bouwbedrijf v d Berg B.V.", ["Bouwbedrijf v d Berg B.V."]),
        ("Flexwerk Voorbeeld B.V. / SNCU", ["Flexwerk Voorbeeld B.V."]),
    ],
    ids=["vs", "vs-year", "tegen", "company-and-director", "honorific", "appeal", "full-name", "slash", "v",
         "contra", "slash-inside-a-name", "v-inside-a-name", "slash-before-sncu"],
)
def test_parties_from(text: str, parties: list[str]) -> None:
    assert parties_from(text) == parties


# --- fetch_all --------------------------------------------------------------------------------


@dataclass(frozen=True)
class FakeSnapshot:
    url: str
    status: int
    body: bytes
    register: str


@dataclass
class FakeClient:
    """Same ``get`` signature as scrapers._http.PoliteClient; serves fixture files by URL."""

    served: dict[str, str | bytes]
    statuses: dict[str, int] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)

    def get(
        self, url: str, *, register: str, params: dict[str, str] | None = None, headers: dict[str, str] | None = None
    ) -> FakeSnapshot:
        self.calls.append(url)
        body = self.served[url]
        return FakeSnapshot(url, self.statuses.get(url, 200), fixture(body) if isinstance(body, str) else body, register)


def test_fetch_all_follows_pagination_then_reads_each_verdict_once() -> None:
    client = FakeClient(SERVED)
    snapshots, details = fetch_all(client)  # type: ignore[arg-type]
    assert client.calls == [LIST_URL, PAGE_2, FLEXWERK, PROEFPERSONEEL, DE_PROEF, TESTMAN]
    assert [s.register for s in snapshots] == ["sncu"] * 6
    assert [(d.url, d.verdict_date) for d in details] == [
        (FLEXWERK, date(2024, 3, 12)),
        (PROEFPERSONEEL, date(2021, 10, 5)),
        (DE_PROEF, date(2019, 1, 17)),
        (TESTMAN, date(2017, 5, 3)),
    ]


def test_fetch_all_follows_numbered_only_pagination() -> None:
    client = FakeClient({**SERVED, LIST_URL: "list_page_1_numbered_only.html"})
    _, details = fetch_all(client)  # type: ignore[arg-type]
    assert client.calls[:2] == [LIST_URL, PAGE_2]
    assert TESTMAN in [d.url for d in details]


def test_fetch_all_refuses_more_list_pages_than_allowed() -> None:
    client = FakeClient(SERVED)
    with pytest.raises(ScrapingError, match="more than 1 pages") as caught:
        fetch_all(client, max_pages=1)  # type: ignore[arg-type]
    assert type(caught.value) is ScrapingError
    assert client.calls == [LIST_URL]


def test_fetch_all_detects_a_pagination_loop() -> None:
    back_to_start = fixture("list_page_2.html").replace(
        b'<link rel="prev" href="https://www.sncu.nl/vonnissen-en-arresten/">',
        b'<link rel="next" href="https://www.sncu.nl/vonnissen-en-arresten/">',
    )
    client = FakeClient({**SERVED, PAGE_2: back_to_start})
    with pytest.raises(LayoutChangedError, match="a next-page link to an unread page"):
        fetch_all(client)  # type: ignore[arg-type]


def test_fetch_all_raises_fetch_error_when_a_verdict_page_is_gone() -> None:
    client = FakeClient(SERVED, statuses={DE_PROEF: 404})
    with pytest.raises(FetchError, match="HTTP 404") as caught:
        fetch_all(client)  # type: ignore[arg-type]
    assert caught.value.url == DE_PROEF
