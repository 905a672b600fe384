"""The partner dossier: everything the rules may look at, each fact with where it came from.

A register section that is absent was not consulted. A section with ``status: read`` and no
record means "read, and nothing found" (itself a fact, with provenance); ``status: failed``
means the register could not be read. Rules treat the three differently (PRODUCT.md, principle 4).

**Personal data** (LEGAL.md, "Privacy (art. 10.3)"): a field that can hold a person's name is
made with ``personal_data(...)``, which marks it ``x-personal-data: true`` in the JSON Schema
(``eligibility schema dossier``); ``eligibility._privacy.personal_data_fields`` lists them. What
is kept, and why:

- the partner's own names as each register lists them (for a sole trader, an eenmanszaak, they
  are a person's name): the decision is about the partner; they identify it, they are what the
  name-only registers are searched and linked by, and the rules quote them where a record is
  shown to the officer (``registers.sna.certificate.name``, ``company_name``, ``link.matched_name``);
- the signatory of each declaration: annex 3 asks for a *signed* declaration (LEGAL.md: "signed
  declaration (date, signatory)"), and who signed is what makes it one;
- the officer who confirmed a name link (``link.confirmed_by``): that a person, and who, turned a
  name match into a fact is part of the evidence;
- an SNCU verdict's title and outcome, as published: the rules quote the title, the officer
  reviewing a name link reads the outcome; both are the register's free text and may name a
  director, which cannot be taken out reliably.

Left out: the other parties of an SNCU verdict (often directors). The scraper links by them
(``scrapers._pipeline._map_sncu``), but no rule reads them; the party that matched is in
``link.matched_name``. ``SncuVerdict.parties`` stays in the schema so older dossiers still load.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime
from enum import StrEnum
from functools import cached_property, lru_cache
from types import UnionType
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from ._canonical import canonical_json
from ._visible import letters_and_digits, meaningful, visible

KvkNumber = Annotated[
    str,
    StringConstraints(pattern=r"^[0-9]{8}$"),
    Field(description="KvK number: exactly 8 digits, kept as text (leading zeros occur)."),
]
Vestigingsnummer = Annotated[
    str,
    StringConstraints(pattern=r"^[0-9]{12}$"),
    Field(description="Branch number (vestigingsnummer): exactly 12 digits, kept as text."),
]
Sha256 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]


@lru_cache(maxsize=1)
def _iso_639_1() -> frozenset[str]:
    """The ISO 639-1 codes (pycountry's ISO 639-3 table, the entries that have one); loaded on first use."""
    import pycountry

    return frozenset(language.alpha_2 for language in pycountry.languages if hasattr(language, "alpha_2"))


def _known_language(code: str) -> str:
    """B3.e asks for a language migrants understand: a code no language has ('zz') shows none."""
    if code not in _iso_639_1():
        raise ValueError(f"{code!r} is not an ISO 639-1 language code (nl, en, pl, ro, bg, ...)")
    return code


LanguageCode = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z]{2}$"),
    AfterValidator(_known_language),
    Field(description="ISO 639-1 language code, lower case (nl, en, pl, ro, bg, ...)."),
]

_RSIN_WEIGHTS = (9, 8, 7, 6, 5, 4, 3, 2, -1)


def _check_rsin(value: str) -> str:
    """RSIN: 9 digits passing the 11-test (weights 9..2, -1)."""
    if len(value) != 9 or not value.isascii() or not value.isdigit():
        raise ValueError("RSIN must be exactly 9 digits")
    total = sum(int(digit) * weight for digit, weight in zip(value, _RSIN_WEIGHTS))
    if total % 11 != 0:
        raise ValueError(f"RSIN {value} fails the 11-test (weighted sum {total} is not a multiple of 11)")
    return value


Rsin = Annotated[str, AfterValidator(_check_rsin)]


EARLIEST_DAY, LATEST_DAY = date(1900, 1, 1), date(2199, 12, 31)
"""Dates a dossier may hold: wider than any register's, narrow enough that a window or a freshness
age computed from one stays a date (9999-12-31 plus two years is no date)."""
LARGEST_NUMBER = 10**9
"""Counts and amounts a dossier may hold: no partner houses or fines beyond this, and a number of
400 digits could not be compared with a norm as a float."""


_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


def _iso_day(value: Any) -> Any:
    """A date as YYYY-MM-DD only. Pydantic alone reads "1795392000" and 1795392000 as seconds since 1970, and
    "2026-11-24T00:00:00+14:00" as 24 November where the Dutch calendar says the 23rd: guesses, refused."""
    if isinstance(value, datetime) or not (isinstance(value, date) or isinstance(value, str)
                                           and _ISO_DAY.fullmatch(value.strip())):
        raise ValueError(f"a date is written YYYY-MM-DD (e.g. 2026-11-23); got {value!r}")
    return value


def _iso_moment(value: Any) -> Any:
    """A moment as ISO 8601 text (or a datetime): a number is not read as seconds since 1970 (20261123, a date
    typed as a number, was read as 1970-08-23)."""
    if not (isinstance(value, datetime) or isinstance(value, str) and _ISO_MOMENT.match(value.strip())):
        raise ValueError(f"a moment is written as ISO 8601 with a time zone (e.g. 2026-11-23T09:00:00+01:00); "
                         f"got {value!r}")
    return value


Day = Annotated[date, BeforeValidator(_iso_day)]
"""A calendar date, written YYYY-MM-DD."""
Moment = Annotated[datetime, BeforeValidator(_iso_moment)]
"""A moment, written as ISO 8601 (with a time zone, where the model asks for one)."""


def _absent(value: Any) -> bool:
    """Fields added later are left out of the JSON form while absent: dossiers from before keep their bytes, and
    so their hash."""
    return value is None


def _none_listed(value: Any) -> bool:
    """Lists added later whose empty form says nothing (none found) are left out of the JSON form while empty,
    as ``_absent`` leaves out absent values: dossiers from before keep their bytes."""
    return not value


class _Model(BaseModel):
    """Strict base: unknown fields are errors, nothing is guessed; dates and numbers within bounds,
    no infinity or NaN (JSON has none; Python's reader accepts them)."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True, allow_inf_nan=False)

    @model_validator(mode="after")
    def _within_bounds(self) -> Any:
        for name in _bounded_fields(type(self)):
            value = getattr(self, name)
            day = value.date() if isinstance(value, datetime) else value if isinstance(value, date) else None
            if day is not None and not EARLIEST_DAY <= day <= LATEST_DAY:
                raise ValueError(f"{name} {value} lies outside {EARLIEST_DAY} to {LATEST_DAY}")
            if isinstance(value, (int, float)) and not isinstance(value, bool) and abs(value) > LARGEST_NUMBER:
                raise ValueError(f"{name} is larger than {LARGEST_NUMBER:,} (as a number, either way)")
        return self


@lru_cache(maxsize=None)
def _bounded_fields(model: type[BaseModel]) -> tuple[str, ...]:
    """The fields of ``model`` that can hold a date, a moment or a number: the only ones ``_within_bounds`` looks
    at. It runs for every model made (about twenty per dossier), and most fields hold texts, lists or models."""
    return tuple(name for name, info in model.model_fields.items() if _may_hold_bounded(info.annotation))


def _may_hold_bounded(annotation: Any) -> bool:
    """Whether a field of this type can hold a date, datetime, int or float itself (not inside a list or model).
    Only types known to hold none are passed over (texts, booleans, text enums, models, literals, containers);
    anything else counts as one that can (``Any``, pydantic's ``AwareDatetime``, a type this does not know)."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _may_hold_bounded(get_args(annotation)[0])
    if origin is Union or origin is UnionType:
        return any(_may_hold_bounded(arg) for arg in get_args(annotation))
    if origin is Literal or annotation is None or annotation is type(None):
        return False
    if origin is not None:  # list[...], dict[...], tuple[...]: containers, whose items are not looked into
        return False
    return not (isinstance(annotation, type) and issubclass(annotation, (str, bytes, bool, BaseModel)))


PERSONAL_DATA = "x-personal-data"
"""JSON Schema keyword marking a field that can hold a person's name (LEGAL.md art. 10.3)."""


def personal_data(description: str, **field: Any) -> Any:
    """A pydantic ``Field`` marked as personal data: ``x-personal-data: true`` in the JSON Schema."""
    return Field(description=description, json_schema_extra={PERSONAL_DATA: True}, **field)


class Role(StrEnum):
    UITLENER = "uitlener"
    HUISVESTER = "huisvester"
    WERKGEVER = "werkgever"
    DIENSTVERLENER = "dienstverlener"


class Provenance(_Model):
    """Where a fact came from: enough for an auditor to find the raw bytes again."""

    source: str = Field(description="Register or origin: kvk, sna, snf, akf, inspectorate, sncu, nau, abu, nbbu, declaration, upload, list (a housing location named only in a screening list).")
    url: str | None = Field(default=None, description="URL that was read, or the uploaded file's name.")
    retrieved_at: Moment = Field(description="When the source was read (ISO 8601 with time zone).")
    sha256: Sha256 | None = Field(default=None, description="sha256 of the raw bytes as received.")
    parser_version: str | None = Field(default=None, description="Version of the parser that read the bytes.")
    read_until: Moment | None = Field(
        default=None, exclude_if=_absent,
        description="When the last page of a reading of several pages was read, if later than retrieved_at (the "
                    "first): a reading is fresh only if all of it was taken on or before the decision date.")

    @model_validator(mode="after")
    def _aware(self) -> Provenance:
        if self.retrieved_at.tzinfo is None:
            raise ValueError("retrieved_at needs a time zone (e.g. 2026-11-23T09:00:00+01:00 or ...Z)")
        return self


class ReadStatus(StrEnum):
    READ = "read"
    FAILED = "failed"


class LinkMethod(StrEnum):
    """How a register record was tied to this partner."""

    KVK = "kvk"
    PREDECESSOR_KVK = "predecessor_kvk"
    NAME = "name"
    CONFIRMED = "confirmed"


class Link(_Model):
    method: LinkMethod
    score: float | None = Field(default=None, ge=0, le=100, description="Name-match score 0-100 for name links.")
    matched_name: str | None = personal_data(
        "The register's name that was matched (for a sole trader, or a director in an SNCU verdict, a person's name).",
        default=None)
    confirmed_by: str | None = personal_data(
        "Officer who confirmed a name match by hand; required for a confirmed link.", default=None)

    @model_validator(mode="after")
    def _confirmed_by_someone(self) -> Link:
        """A confirmed link counts like a KvK link: without who confirmed it, it is a claim nobody answers for."""
        if self.method is LinkMethod.CONFIRMED and not visible(self.confirmed_by or ""):
            raise ValueError("a confirmed link needs 'confirmed_by': the officer who confirmed the match")
        return self


class _RegisterSection(_Model):
    """Common part of every register finding: was it read, and from where."""

    status: ReadStatus
    provenance: Provenance
    error: str | None = Field(default=None, description="Why the register could not be read.")

    @model_validator(mode="after")
    def _error_when_failed(self) -> _RegisterSection:
        if self.status is ReadStatus.FAILED and not self.error:
            raise ValueError("a failed register reading needs an 'error' saying why")
        return self


# --- identity -------------------------------------------------------------------------------


class SbiCode(_Model):
    code: Annotated[str, StringConstraints(pattern=r"^[0-9]{2,6}$")]
    description: str | None = None
    main: bool = False


_SOLE_TRADER = " For a sole trader (eenmanszaak) a person's name."


class GivenName(_Model):
    """The name the list (or the officer) gave the partner, beside the trade register's names: a list name that
    is not the company's points to a mistyped KvK number, which makes one company's evidence count for another."""

    name: str = personal_data("The name as given." + _SOLE_TRADER)
    score: float = Field(ge=0, le=100, description=(
        "Best name score (0-100) against the KvK name and trade names; 100 when its words are all words of one of "
        "them (a short name: 'Randstad' for 'Randstad Nederland B.V.'). The rule pack sets the least that matches."))


class Identity(_Model):
    name: Annotated[str, StringConstraints(min_length=1)] = personal_data("The partner's name." + _SOLE_TRADER)
    kvk_number: KvkNumber | None = None
    branches: list[Vestigingsnummer] = []
    rsin: Rsin | None = None
    legal_form: str | None = None
    sbi_codes: list[SbiCode] = []
    trade_names: list[str] = personal_data(
        "Other names the partner trades under (searched and linked by)." + _SOLE_TRADER, default=[])
    place: str | None = None
    predecessor_kvk_numbers: list[KvkNumber] = Field(
        default=[], description="KvK numbers before a takeover or change of legal form."
    )
    foreign: bool = Field(default=False, description="Established outside the Netherlands (NEN 4400-2 applies).")
    given_name: GivenName | None = Field(
        default=None, exclude_if=_absent,
        description="The name the list or the officer gave, when the trade register was read too.")


# --- declarations (signed by the partner, uploaded with the application) --------------------


_PLACEHOLDERS = frozenset({
    "nvt", "nietvantoepassing", "nb", "nn", "nnb", "na", "ntb", "nadertebepalen", "pm", "tbd", "tba", "tbc", "todo",
    "geen", "none", "onbekend", "unknown", "invullen", "intevullen", "nogintevullen", "tevullen", "naam", "name",
    "handtekening", "signature", "tekenbevoegde", "naamtekenbevoegde", "naamenhandtekening", "voornaamachternaam",
})
"""Texts a form holds before anyone answers it, or that answer nothing ("n.v.t.": not applicable; "N.N.":
name unknown; "n.t.b.", "p.m.": yet to be settled), compared by their letters and digits only."""

_PLACEHOLDER_SHAPES = re.compile(r"x+|loremipsum.*|(?:nvt|ntb|pm|tbd)(?:nietvantoepassing|nadertebepalen)")
"""Placeholders by their shape (letters and digits only): a run of x's, any Lorem ipsum, an abbreviation with
its words written out ("n.v.t. (niet van toepassing)"); each alone is in ``_PLACEHOLDERS``."""

_TEMPLATE_FIELD = re.compile(r"\s*[\[<{].*[\]>}]\s*")
"""A whole text in brackets, as a form's template writes its fields: "[naam tekenbevoegde]", "<signatory>"."""


def _says_something(text: str) -> str:
    if not visible(text):
        raise ValueError("holds only spaces or invisible characters")
    if not meaningful(text):
        raise ValueError(f"{text!r} holds no letter or digit: it says nothing")
    if placeholder(text):
        raise ValueError(f"{text!r} is a placeholder of a form, not an answer")
    return text


def _once_each(texts: list[str] | None) -> list[str] | None:
    """A list of texts with each one once, compared by letters and digits without case ("Twente" and "twente"
    are one region: counted twice, one region passed as two)."""
    if texts is None:
        return None
    seen: dict[str, str] = {}
    for text in texts:
        seen.setdefault(letters_and_digits(text), text)
    return list(seen.values())


def placeholder(text: str) -> bool:
    """Whether ``text`` is a form's placeholder rather than an answer (``_PLACEHOLDERS``, ``_TEMPLATE_FIELD``)."""
    folded = letters_and_digits(text)
    return (folded in _PLACEHOLDERS or bool(_PLACEHOLDER_SHAPES.fullmatch(folded))
            or bool(_TEMPLATE_FIELD.fullmatch(text)))


NonBlank = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1), AfterValidator(_says_something)]
"""Text that says something: empty after trimming, or only invisible characters, is refused (B3.b asks for
non-empty actions)."""

OptionalText = Annotated[str | None, AfterValidator(lambda text: text if text is None or meaningful(text) else None)]
"""Text that may be absent: blank or invisible text, or text without a letter or digit ("-"), is absent (a
location's municipality of "" is no municipality)."""


class _Declaration(_Model):
    signed_on: Day
    signatory: NonBlank = personal_data(
        "Who signed the declaration: annex 3 asks for a signed declaration (date and signatory).")
    provenance: Provenance


class Endorsement(_Declaration):
    """B3.a: endorses the covenant's goals, agreements and intentions."""

    endorses: bool | None = Field(default=None, description="The answer the declaration gives; not given is unknown, "
                                  "never a yes.")


class Motivation(_Declaration):
    """B3.b: motivation, actions and regions."""

    motivation: Annotated[str, AfterValidator(lambda text: text if meaningful(text) and not placeholder(text) else "")] = Field(
        default="", description="Why the partner accedes; blank or invisible text, text without a letter or digit, "
                                "or a form's placeholder (\"n.v.t.\"), counts as none (\"\").")
    actions: Annotated[list[NonBlank] | None, AfterValidator(_once_each)] = Field(
        default=None, exclude_if=_absent,
        description="Concrete actions; a blank one is an error, not an action. Not given: not answered (unknown); "
                    "an empty list: the declaration names none.")
    regions: Annotated[list[NonBlank] | None, AfterValidator(_once_each)] = Field(
        default=None, exclude_if=_absent,
        description="Regions the actions are for; a blank one is an error. Not given: not answered (unknown).")


class ComplianceDeclaration(_Declaration):
    """B3.d: declares compliance with all law applicable to its services."""

    complies: bool | None = Field(default=None, description="The answer the declaration gives; not given is unknown, "
                                  "never a yes.")


class LanguageDeclaration(_Declaration):
    """B3.e: languages in which migrants are supported."""

    languages: Annotated[list[LanguageCode] | None,
                         AfterValidator(lambda codes: None if codes is None else list(dict.fromkeys(codes)))] = Field(
        default=None, exclude_if=_absent,
        description="ISO 639-1 codes; one given twice counts once. Not given: not answered (unknown), never 'Dutch only'.")


class FineKind(StrEnum):
    FINE = "fine"
    SHUTDOWN = "shutdown"
    SHUTDOWN_WARNING = "shutdown_warning"
    WARNING = "warning"
    NO_VIOLATION = "no_violation"


class Law(StrEnum):
    ARBOWET = "arbowet"
    WML = "wml"
    WAV = "wav"
    WAADI = "waadi"
    WTTA = "wtta"
    OTHER = "other"


class DeclaredFine(_Model):
    """A fine or measure the partner declares (Arbowet fines are in no national register)."""

    law: Law
    kind: FineKind
    amount_eur: float | None = Field(default=None, ge=0)
    decision_date: Day
    final: bool | None = None
    description: str | None = None

    @field_validator("kind")
    @classmethod
    def _a_fine_not_a_clean_inspection(cls, kind: FineKind) -> FineKind:
        """An entry in the partner's own list of fines that says "no violation" contradicts itself (with an
        amount it read as a clean inspection and was ignored): leave it out, or give the measure's kind."""
        if kind is FineKind.NO_VIOLATION:
            raise ValueError("a declared fine cannot be of kind 'no_violation': leave a clean inspection out of the "
                             "list, or give the kind of measure (fine, shutdown, shutdown_warning, warning)")
        return kind


class WgvMeasureKind(StrEnum):
    FINE = "fine"
    PERMIT_WITHDRAWN = "permit_withdrawn"
    MANAGEMENT_TAKEOVER = "management_takeover"
    WARNING = "warning"
    OTHER = "other"


class WgvMeasure(_Model):
    """A measure under the Wet goed verhuurderschap, declared or found at a municipality."""

    municipality: NonBlank
    kind: WgvMeasureKind
    decision_date: Day
    final: bool | None = None
    description: str | None = None


class FinesDeclaration(_Declaration):
    """B3.f: declared Arbowet fines and Wgv measures; an empty list is a declaration of none, a list
    not given is a question not answered (no register holds Arbowet fines or Wgv measures: the
    declaration is the only evidence, so silence must not read as "none")."""

    arbowet_fines: list[DeclaredFine] | None = Field(default=None, exclude_if=_absent)
    housing_municipalities: list[NonBlank] = []
    wgv_measures: list[WgvMeasure] | None = Field(default=None, exclude_if=_absent)


class Declarations(_Model):
    endorsement: Endorsement | None = None
    motivation: Motivation | None = None
    compliance: ComplianceDeclaration | None = None
    languages: LanguageDeclaration | None = None
    fines: FinesDeclaration | None = None


# --- register findings ----------------------------------------------------------------------


def kvk_date_range(raw: str) -> tuple[date, date] | None:
    """A KvK date "YYYYMMDD" whose unknown parts are zeros, as the first and last day it can be:
    "20200600" -> (2020-06-01, 2020-06-30); "20200000" -> the year; "20200615" -> that day twice;
    "00000000" -> None. A day without a month counts as the year only, as ``scrapers.kvk`` reads it."""
    year, month, day = int(raw[:4]), int(raw[4:6]), int(raw[6:])
    if year == 0:
        return None
    if month == 0:
        return date(year, 1, 1), date(year, 12, 31)
    if day == 0:
        return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
    return date(year, month, day), date(year, month, day)


class KvkRegistration(_Model):
    kvk_number: KvkNumber
    name: str | None = personal_data("The name KvK registers." + _SOLE_TRADER, default=None)
    registered_on: Day | None = Field(default=None, description="formeleRegistratiedatum; None when partly unknown.")
    started_on: Day | None = Field(default=None, description="materieleRegistratie.datumAanvang")
    ended_on: Day | None = Field(default=None, description="materieleRegistratie.datumEinde: set means deregistered.")
    ended_on_raw: str | None = Field(
        default=None, pattern=r"^[0-9]{8}$",
        description="datumEinde exactly as KvK gives it (YYYYMMDD, unknown parts zero). Set means deregistered, "
                    "also when ended_on is None because only the year or month is known.")
    ended_from: Day | None = Field(
        default=None, description="The first day the registration can have ended (see ended_by).")
    ended_by: Day | None = Field(
        default=None,
        description="The last day the registration can have ended: ended_on, or the last day of the known year or "
                    "month of a partly known datumEinde; None when not even its year is known.")
    started_from: Day | None = Field(
        default=None, description="The first day the registration can have begun (see started_by).")
    started_by: Day | None = Field(
        default=None,
        description="The last day the registration can have begun: of datumAanvang, even when only partly known, "
                    "or else (datumAanvang absent or without a year) of formeleRegistratiedatum.")
    legal_form: str | None = None
    legal_form_extended: str | None = Field(
        default=None, exclude_if=_absent,
        description="uitgebreideRechtsvorm: the legal form written out (\"Buitenlandse EG-vennootschap met "
                    "onderneming/nevenvestiging in Nederland\"), which can name a foreign company where the short form "
                    "does not; the rule pack reads both by its words (foreign_legal_forms). Left out of the JSON form "
                    "while absent, so dossiers from before keep their bytes and hash.")
    sbi_codes: list[SbiCode] = []
    waadi_indicator: bool | None = None

    @model_validator(mode="after")
    def _dates_agree(self) -> KvkRegistration:
        """A partly known date is kept as a range; the dates taken from one date must say the same."""
        if self.ended_on_raw is not None:
            found = kvk_date_range(self.ended_on_raw)
            first, last = found if found is not None else (None, None)
            expected = (first if first == last else None, first, last)
            if (self.ended_on, self.ended_from, self.ended_by) != expected:
                raise ValueError(f"ended_on_raw {self.ended_on_raw} means ended_on, ended_from, ended_by = "
                                 f"{expected}; got {(self.ended_on, self.ended_from, self.ended_by)}")
        elif self.ended_on is None and (self.ended_from, self.ended_by) != (None, None):
            raise ValueError("ended_from or ended_by without the end date they come from (ended_on or ended_on_raw)")
        for name, exact, first, last in (("ended", self.ended_on, self.ended_from, self.ended_by),
                                         ("started", self.started_on, self.started_from, self.started_by)):
            if (first is None) != (last is None):
                raise ValueError(f"{name}_from and {name}_by come together (the first and last day it can be)")
            if first is not None and last is not None and first > last:
                raise ValueError(f"{name}_from {first} is after {name}_by {last}")
            if exact is not None and first is not None and (first, last) != (exact, exact):
                raise ValueError(f"{name}_from and {name}_by ({first}, {last}) differ from the full date {name}_on {exact}")
        return self


class KvkFinding(_RegisterSection):
    registration: KvkRegistration | None = Field(default=None, description="None when read and not found.")


class SnaStatus(StrEnum):
    GECERTIFICEERD = "gecertificeerd"
    AANGEMELD = "aangemeld"
    OPGESCHORT = "opgeschort"
    DOORGEHAALD = "doorgehaald"


class SnaModule(StrEnum):
    TBA = "tba"
    AANNEMING = "aanneming_van_werk"


class SnaNorm(StrEnum):
    NEN_4400_1 = "nen_4400_1"
    NEN_4400_2 = "nen_4400_2"


class SnaCertificate(_Model):
    kvk_number: KvkNumber | None = None
    name: str = personal_data("The name the SNA register lists." + _SOLE_TRADER)
    status: SnaStatus
    norm: SnaNorm | None = None
    modules: list[SnaModule] = []
    place: str | None = None
    link: Link


class SnaFinding(_RegisterSection):
    certificate: SnaCertificate | None = Field(default=None, description="None when read and not found.")


class InspectionResult(_Model):
    """One published Labour Inspectorate result, deduplicated per inspection and law."""

    inspection_id: str
    law: Law
    kind: FineKind
    amount_eur: float | None = Field(default=None, ge=0)
    final: bool | None = Field(default=None, description="None when finality is not known (treated as not final).")
    decision_date: Day | None = None
    publication_date: Day | None = None
    inspection_start_date: Day | None = None
    company_name: str | None = personal_data("The name the result is published under." + _SOLE_TRADER, default=None)
    place: str | None = None
    link: Link

    @model_validator(mode="after")
    def _some_date(self) -> InspectionResult:
        if not (self.decision_date or self.publication_date or self.inspection_start_date):
            raise ValueError("an inspection result needs a decision, publication or inspection start date")
        return self


class InspectorateFinding(_RegisterSection):
    results: list[InspectionResult] = []

    @model_validator(mode="after")
    def _one_result_per_inspection_and_law(self) -> InspectorateFinding:
        """The register lists a violation per employee (REGISTERS.md): kept twice, one decision would count as
        two fined decisions, and two fined decisions fail B3.f."""
        first: dict[tuple[str, str], int] = {}
        for index, result in enumerate(self.results):
            seen = first.setdefault((result.inspection_id, result.law.value), index)
            if seen != index:
                raise ValueError(f"results {seen} and {index} are both inspection {result.inspection_id} under "
                                 f"{result.law.value}: keep one result per inspection and law")
        return self


class SncuVerdict(_Model):
    title: str = personal_data("The verdict's title as published; may name a director (the rules quote it).")
    verdict_date: Day
    date_labelled: bool | None = Field(
        default=None, exclude_if=_absent,
        description="True when the page labels the verdict date; false when the date was taken from the text: it may "
                    "be another date (a hearing, a report). Not given: not known to be labelled (as false).")
    court: str | None = None
    ecli: str | None = None
    url: str | None = None
    parties: list[str] = personal_data(
        "Parties named by the verdict (directors among them). Not filled by the scrapers (LEGAL.md art. 10.3): "
        "no rule reads it and the party that matched is in link.matched_name; kept so older dossiers load.",
        default=[])
    outcome: str | None = personal_data("What the court decided, as published; may name a director.", default=None)
    link: Link


class SncuFinding(_RegisterSection):
    verdicts: list[SncuVerdict] = []


class NauStatus(StrEnum):
    TOEGELATEN = "toegelaten"
    VOORLOPIG_TOEGELATEN = "voorlopig_toegelaten"
    ONTHEFFING = "ontheffing"
    AANVRAAG_IN_BEHANDELING = "aanvraag_in_behandeling"
    AANGEMELD = "aangemeld"
    GESCHORST = "geschorst"
    INGETROKKEN = "ingetrokken"
    AFGEWEZEN = "afgewezen"


class NauRegistration(_Model):
    kvk_number: KvkNumber | None = None
    status: NauStatus
    since: Day | None = None


class NauFinding(_RegisterSection):
    registration: NauRegistration | None = Field(default=None, description="None when read and not found.")


class SnfOrganisation(_Model):
    name: str = personal_data("The name the SNF register lists." + _SOLE_TRADER)
    kvk_number: KvkNumber | None = None
    status: str | None = None
    link: Link


class SnfFinding(_RegisterSection):
    organisation: SnfOrganisation | None = None
    name_linked_not_certified: list[SnfOrganisation] = Field(
        default=[], exclude_if=_none_listed,
        description="Other rows the search returned that are tied to the partner by name only (no KvK number) and that "
                    "the register does not show as certified (removed, suspended, applied, or another or no status): "
                    "perhaps a location or an earlier entity of the partner's whose registration ended. Evidence "
                    "against the partner that only an officer can dismiss; the rules read each row's status. Empty: "
                    "none (and left out of the JSON form, so dossiers from before keep their bytes).")


class Membership(_Model):
    association: str
    member_name: str | None = personal_data("The name the association lists." + _SOLE_TRADER, default=None)
    link: Link


class MembershipFinding(_RegisterSection):
    memberships: list[Membership] = []


class Registers(_Model):
    kvk: KvkFinding | None = None
    sna: SnaFinding | None = None
    inspectorate: InspectorateFinding | None = None
    sncu: SncuFinding | None = None
    nau: NauFinding | None = None
    snf: SnfFinding | None = None
    abu: MembershipFinding | None = None
    nbbu: MembershipFinding | None = None


# --- housing --------------------------------------------------------------------------------


class MarkCategory(StrEnum):
    SNF_LOGIES = "snf_logies"
    SNF_WONEN = "snf_wonen"
    SNF_NIEUWBOUW = "snf_nieuwbouw"
    SNF_HOTEL_PENSION = "snf_hotel_pension"
    AKF_JAARROND = "akf_jaarrond"
    AKF_SEIZOEN = "akf_seizoen"


class MarkStatus(StrEnum):
    GECERTIFICEERD = "gecertificeerd"
    AANGEMELD = "aangemeld"
    OPGESCHORT = "opgeschort"
    DOORGEHAALD = "doorgehaald"


CertificateNumber = Annotated[
    str | None, AfterValidator(lambda text: text if text is None or any(c.isdigit() and c != "0" for c in text)
                               else None)]
"""A certificate number, or absent: text without a digit other than 0 ("", "-", " ", a zero-width space, "n.v.t.",
"onbekend", "0": what an empty numeric spreadsheet cell becomes) is a placeholder, not a number, and must not count
as a documented mark."""


class HousingMark(_Model):
    """SNF or AKF registration of one location (SNF's location register is login-only: uploaded)."""

    category: MarkCategory
    status: MarkStatus
    certificate_number: CertificateNumber = None
    valid_until: Day | None = None
    provenance: Provenance


class HousingLocation(_Model):
    id: Annotated[str, StringConstraints(min_length=1)]
    address: OptionalText = None
    municipality: OptionalText = None
    seasonal: bool = False
    months_in_use_per_year: int | None = Field(default=None, ge=0, le=12)
    persons: int | None = Field(default=None, ge=0, description="Persons housed; beds are used when absent.")
    beds: int | None = Field(default=None, ge=0)
    floor_area_m2: float | None = Field(default=None, gt=0, description="Usable living area of the location.")
    bedrooms: int | None = Field(default=None, ge=0)
    max_persons_per_bedroom: int | None = Field(default=None, ge=0)
    mark: HousingMark | None = None
    provenance: Provenance


# --- 14.3c equivalence ----------------------------------------------------------------------


class EquivalenceScope(StrEnum):
    LABOUR_SUPPLY = "labour_supply"
    HOUSING = "housing"


class EquivalenceEvidence(_Model):
    """Proof of meeting the same requirements without the mark (e.g. a NEN 4400 inspection report)."""

    scope: EquivalenceScope
    kind: str = Field(description="e.g. nen_4400_inspection_report")
    issued_on: Day
    issuer: str | None = None
    document: str | None = None
    provenance: Provenance


# --- the dossier ----------------------------------------------------------------------------


class Dossier(_Model):
    """One partner, as the rules see it."""

    schema_version: int = 1
    partner: Identity
    roles: list[Role] = Field(min_length=1)
    declarations: Declarations = Declarations()
    registers: Registers = Registers()
    housing: list[HousingLocation] = []
    equivalence: list[EquivalenceEvidence] = []

    @cached_property
    def json_data(self) -> dict[str, Any]:
        """The dossier as JSON data, made once per object (the model is frozen): the facts, the
        evidence in a decision and the canonical bytes all come from it. Read it, never change it.
        Not a field: equality and the JSON form ignore it."""
        return self.model_dump(mode="json")

    @cached_property
    def canonical_json(self) -> bytes:
        """The dossier as canonical JSON: the bytes its hash is taken of and the decision log keeps."""
        return canonical_json(self.json_data)

    @model_validator(mode="after")
    def _unique_housing_ids(self) -> Dossier:
        unique_housing_ids(self.housing)
        return self


def unique_housing_ids(housing: list[HousingLocation]) -> None:
    """Housing locations are named by id in decisions, so an id may occur once."""
    ids = [location.id for location in housing]
    duplicated = sorted({i for i in ids if ids.count(i) > 1})
    if duplicated:
        raise ValueError(f"housing location ids must be unique; repeated: {', '.join(duplicated)}")
