"""Pairing the housing locations a list names with the ones an application describes: a wrong
pairing hides a location nobody described (the partner was eligible on the others)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from eligibility._dossier import HousingLocation, Provenance
from eligibility._screen._locations import pair_listed_locations

LIST = Provenance(source="list", url="partners.csv", sha256="ab" * 32, retrieved_at=datetime(2026, 11, 23, 8, tzinfo=UTC))
DECLARED = Provenance(source="declaration", url="locaties.xlsx", retrieved_at=datetime(2026, 10, 5, 12, tzinfo=UTC))


def described(location_id: str, address: str | None, municipality: str | None = None) -> HousingLocation:
    return HousingLocation(id=location_id, address=address, municipality=municipality, provenance=DECLARED)


def unpaired(listed: list[str], *locations: HousingLocation) -> list[str]:
    return [str(location.address) for location in pair_listed_locations(listed, 4, locations, LIST).named_only]


@pytest.mark.parametrize(("listed", "location"), [
    ("Zandstraat 14, Veldhoven", described("a", "Zandstraat 14, 5501 AB Veldhoven")),
    ("zandstraat 14 VELDHOVEN", described("a", "Zandstraat 14, 5501 AB Veldhoven")),
    ("Kerkstraat 14-2, Venlo", described("a", "Kerkstraat 14-2, 5911 AB Venlo")),
    ("Achterweg 3", described("a", "Achterweg 3, 4157 RB Deil")),
    ("Industrieweg 12, Venlo", described("a", "Industrieweg 12, 5911 AB Tegelen", "Venlo")),  # the municipality
])
def test_a_listed_location_is_paired_with_the_described_address_it_names(listed: str, location: HousingLocation) -> None:
    assert unpaired([listed], location) == []


@pytest.mark.parametrize(("listed", "location"), [
    ("Kerkstraat 2, Venlo", described("venlo-2", "Kerkstraat 14, 5911 AB Venlo")),  # the 2 is the id's
    ("Industrieweg 3, Venlo", described("b", "Industrieweg 12 unit 3, 5911 AB Venlo")),  # 3 is the unit
    ("Zandstraat 14, Veldhoven", described("veldhoven-zandstraat-14", None)),  # no address: ids are not read
    ("Zandstraat 14, 5501 AB Veldhoven", described("d", "Zandstraat 14, Veldhoven")),  # more words than described
])
def test_numbers_of_ids_units_or_other_words_do_not_pair(listed: str, location: HousingLocation) -> None:
    assert unpaired([listed], location) == [listed]


def test_the_closest_pairs_are_made_first() -> None:
    """Listed in the other order, the plain address took "unit 2" and its own text was left over."""
    unit = described("unit", "Kerkstraat 14 unit 2, 5911 AB Venlo")
    plain = described("plain", "Kerkstraat 14, 5911 AB Venlo")
    assert unpaired(["Kerkstraat 14, Venlo", "Kerkstraat 14 unit 2, Venlo"], unit, plain) == []


@pytest.mark.parametrize("listed", [["Kerkstraat 1 Tegelen", "Kerkstraat 1 Venlo"],
                                    ["Kerkstraat 1 Venlo", "Kerkstraat 1 Tegelen"]])
def test_a_listed_location_that_fits_two_described_ones_equally_is_not_paired(listed: list[str]) -> None:
    """"Kerkstraat 1 Venlo" fits Tegelen's and Blerick's Kerkstraat 1 (both in Venlo): it was paired with whichever
    the list order left, so one order was eligible and the other not (helper 45). Both orders now agree."""
    tegelen = described("tegelen", "Kerkstraat 1, 5932 AB Tegelen", "Venlo")
    blerick = described("blerick", "Kerkstraat 1, 5925 XX Blerick", "Venlo")
    paired = pair_listed_locations(listed, 4, [tegelen, blerick], LIST)
    assert [str(location.address) for location in paired.named_only] == ["Kerkstraat 1 Venlo"]
    assert any("fits the application's tegelen and blerick as well" in note for note in paired.notes)


def test_each_described_location_answers_for_one_listed_location() -> None:
    assert unpaired(["Achterweg 3, Deil", "Achterweg 3"], described("a", "Achterweg 3, 4157 RB Deil")) == [
        "Achterweg 3"]


def test_a_pairing_that_is_not_word_for_word_is_noted_and_an_exact_one_is_not() -> None:
    paired = pair_listed_locations(["Achterweg 3, Deil", "Spoorweg 8, Venlo"], 4, [
        described("deil", "Achterweg 3, 4157 RB Deil"), described("venlo", "Spoorweg 8", "Venlo")], LIST)
    assert paired.named_only == []
    assert paired.notes == ["the list's location 'Achterweg 3, Deil' is taken as the application's deil "
                            "(Achterweg 3, 4157 RB Deil)"]


def test_locations_only_the_list_names_carry_its_provenance_and_ids_the_application_does_not_use() -> None:
    paired = pair_listed_locations(["Kerkstraat 9, Venlo", "Spoorweg 8, Venlo"], 4, [
        described("list-row-4-location-1", "Achterweg 3, Deil")], LIST)
    assert [(location.id, location.address, location.provenance) for location in paired.named_only] == [
        ("list-row-4-location-1-2", "Kerkstraat 9, Venlo", LIST), ("list-row-4-location-2", "Spoorweg 8, Venlo", LIST)]
    assert all(location.mark is None and location.floor_area_m2 is None for location in paired.named_only)


@pytest.mark.parametrize(("listed", "location"), [
    # the described address adds a unit or an addition the listed text lacks: another house (helper 61)
    ("Zandstraat 14 Veldhoven", described("annex", "Zandstraat 14 unit 3, 5504 AB Veldhoven", "Veldhoven")),
    ("Zandstraat 14, Veldhoven", described("a", "Zandstraat 14-A, 5504 AB Veldhoven")),
    ("Zandstraat 14 Veldhoven", described("a", "Zandstraat 14 A, 5504 AB Veldhoven")),
    # the listed text names no house: a place, a street without its number
    ("Veldhoven", described("annex", "Zandstraat 14 unit 3, 5504 AB Veldhoven", "Veldhoven")),
    ("Zandstraat Veldhoven", described("a", "Zandstraat 14, 5504 AB Veldhoven")),
    ("Zandstraat", described("a", "Zandstraat 14")),
])
def test_a_listed_text_pairs_only_with_the_same_house_number_and_addition(listed: str, location: HousingLocation) -> None:
    assert unpaired([listed], location) == [listed]


@pytest.mark.parametrize(("listed", "location"), [
    ("Zandstraat 14 unit 3 Veldhoven", described("annex", "Zandstraat 14 unit 3, 5504 AB Veldhoven", "Veldhoven")),
    ("Zandstraat 14 A, Veldhoven", described("a", "Zandstraat 14-A, 5504 AB Veldhoven")),
    ("Zandstraat 14-A", described("a", "Zandstraat 14 A, 5504 AB Veldhoven")),
    ("Zandstraat 14 (januari-juni)", described("a", "Zandstraat 14 (januari-juni), 5504 AB Veldhoven")),
])
def test_the_same_addition_written_alike_pairs(listed: str, location: HousingLocation) -> None:
    assert unpaired([listed], location) == []


def test_a_listed_house_takes_its_own_described_entry_and_not_the_unit_beside_it() -> None:
    unit = described("unit", "Zandstraat 14 unit 3, 5504 AB Veldhoven")
    house = described("house", "Zandstraat 14, 5504 AB Veldhoven")
    paired = pair_listed_locations(["Zandstraat 14 Veldhoven"], 4, [unit, house], LIST)
    assert paired.named_only == [] and not any("unit" in note and "fits" in note for note in paired.notes)
