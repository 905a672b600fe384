"""The rule language, as pydantic models: the one schema every rule file is validated against.

A rule pack holds dated, cited **parameters**, declared **derived facts** (the only place where
arithmetic and dates are computed) and **rules**. A rule's outcome clauses are condition trees
that compare facts with constants or parameters; no Python, no ``eval``.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Discriminator, Field, StringConstraints, Tag, field_validator, model_validator

from ._dossier import Role

Identifier = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]
FactPath = Annotated[str, StringConstraints(pattern=r"^\$?[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)*$")]
Version = Annotated[str, StringConstraints(pattern=r"^\d+\.\d+\.\d+$")]

Unit = Literal[
    "years",
    "days",
    "months",
    "eur",
    "count",
    "m2_per_person",
    "persons_per_bedroom",
    "flag",
    "date",
    "statuses",
    "laws",
    "kinds",
    "languages",
    "table_m2_per_person",
    "table_persons_per_bedroom",
    "score",
]
"""The closed list of units a parameter may have."""

Stricter = Literal["higher", "lower", "subset", "superset", "false", "true"]
"""Which direction of change makes a parameter stricter (overlays may only move that way)."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class LocalText(_Strict):
    """Text in Dutch and English. May hold ``{name}`` placeholders filled from facts and parameters."""

    nl: Annotated[str, StringConstraints(min_length=1)]
    en: Annotated[str, StringConstraints(min_length=1)]


class Reference(_Strict):
    """A structured citation of the official text (see CONTRIBUTING.md for the style)."""

    document: Annotated[str, StringConstraints(min_length=1)]
    article: Annotated[str, StringConstraints(min_length=1)]
    quote: str | None = None
    url: str | None = None
    verified_on: date | None = None


class Citation(Reference):
    """A rule's citation: the quoted sentence is required."""

    quote: Annotated[str, StringConstraints(min_length=1)]


ParamRef = Annotated[Identifier, Field(description="Name of a parameter of the pack.")]


class Param(_Strict):
    """A reference to a parameter, resolved for the decision date."""

    param: ParamRef


Scalar = Union[bool, int, float, str]
Value = Union[Param, Scalar, list[Scalar]]


class ParameterValue(_Strict):
    value: Any = Field(description="The value from this date on; null ends the parameter.")
    reference: Reference | list[Reference]
    note: str | None = Field(default=None, description="What was simplified or chosen, and why.")

    @field_validator("value", mode="before")
    @classmethod
    def _dates_as_text(cls, value: Any) -> Any:
        """A date value (YAML reads ``2025-06-18`` as one) is kept as ISO text, as a decision's JSON shows it."""
        return value.isoformat() if isinstance(value, date) else value


class Parameter(_Strict):
    description: Annotated[str, StringConstraints(min_length=1)]
    unit: Unit
    stricter: Stricter | None = None
    values: dict[date, ParameterValue] = Field(min_length=1)


# --- conditions -----------------------------------------------------------------------------


class AllOf(_Strict):
    all: list[Condition] = Field(min_length=1)


class AnyOf(_Strict):
    any: list[Condition] = Field(min_length=1)


class AnyItem(_Strict):
    """True when at least one item of a list satisfies ``where`` (item fields by plain name)."""

    any_item: FactPath
    where: Condition


OPERATORS = ("eq", "ne", "lt", "lte", "gt", "gte", "in", "not_in", "exists", "missing")


class Compare(_Strict):
    """Compare one fact with a constant or parameter. A missing fact makes every operator false
    except ``missing``."""

    fact: FactPath
    eq: Value | None = None
    ne: Value | None = None
    lt: Value | None = None
    lte: Value | None = None
    gt: Value | None = None
    gte: Value | None = None
    in_: Value | None = Field(default=None, alias="in")
    not_in: Value | None = None
    exists: Literal[True] | None = None
    missing: Literal[True] | None = None

    @model_validator(mode="after")
    def _one_operator(self) -> Compare:
        given = [name for name in self.model_fields_set if name != "fact"]
        if len(given) != 1:
            raise ValueError(f"a comparison needs exactly one operator of {', '.join(OPERATORS)}; got {sorted(given) or 'none'}")
        return self

    @property
    def operator(self) -> str:
        (name,) = [n for n in self.model_fields_set if n != "fact"]
        return "in" if name == "in_" else name

    @property
    def operand(self) -> Value | None:
        return getattr(self, "in_" if self.operator == "in" else self.operator)


def _condition_kind(value: Any) -> str | None:
    """Which kind of condition a mapping is, by its key: errors then speak about that kind only."""
    if isinstance(value, dict):
        for key, tag in (("all", "AllOf"), ("any", "AnyOf"), ("any_item", "AnyItem"), ("fact", "Compare")):
            if key in value:
                return tag
        return None
    return type(value).__name__


Condition = Annotated[
    Union[
        Annotated[AllOf, Tag("AllOf")],
        Annotated[AnyOf, Tag("AnyOf")],
        Annotated[AnyItem, Tag("AnyItem")],
        Annotated[Compare, Tag("Compare")],
    ],
    Discriminator(
        _condition_kind,
        custom_error_type="condition",
        custom_error_message="a condition is a mapping with one of the keys all, any, any_item or fact",
    ),
]
AllOf.model_rebuild()
AnyOf.model_rebuild()
AnyItem.model_rebuild()


# --- derived facts --------------------------------------------------------------------------


class Window(_Strict):
    """A date window ending on the decision date: [as_of - years, as_of], ends stated explicitly."""

    date: FactPath | list[FactPath] = Field(description="Date fact, or several: the first present counts.")
    years: Value
    include_start: bool
    include_end: bool


class YearsBack(_Strict):
    years: Value


class Freshness(_Strict):
    date: FactPath
    max_age_days: Value


class Count(_Strict):
    items: FactPath
    where: Condition | None = None


DIGITS = ("Decimals the result is rounded to; null keeps it unrounded. A fact a norm is compared with must be "
          "unrounded: 11.9999999 m² rounded to 6 decimals is 12.0 and would meet a 12 m² norm it misses.")


class Divide(_Strict):
    numerator: FactPath
    denominator: FactPath | list[FactPath]
    digits: int | None = Field(default=2, ge=0, le=6, description=DIGITS)


class Lookup(_Strict):
    table: Value
    key: FactPath | list[FactPath]
    default_key: str | None = None


class FactValue(_Strict):
    """The value of another fact, where an operation compares with one (``{fact: municipality}``)."""

    fact: FactPath


class Contains(_Strict):
    """Whether a list holds a value, or the value of another fact (missing when either is missing)."""

    list: FactPath
    value: FactValue | Value
    ignore_case: bool = Field(default=False, description="Compare texts case-insensitively (place names).")
    words: bool = Field(default=False, description=(
        "Whether the value holds a text of the list as whole words (``_text_keys.holds_words``: case, accents and "
        "punctuation aside, words written together split at their capitals), rather than being one of them: "
        "legal forms (\"Buitenl. EG-vennootschap\" holds \"buitenl\", \"BuitenlandseEGVennootschap\" holds "
        "\"buitenlandse\", \"Sp. z o.o.\" holds \"sp z o o\"; \"Stichting Beheer\" holds no \"EER\"). A text "
        "ending in \"*\" also matches where its last word begins a longer one, and one beginning with \"*\" where its "
        "first word ends one (\"*buitenl*\": \"OVERIGEBUITENLANDSERECHTSPERSOON\")."))


class Arithmetic(_Strict):
    """``left - right`` (or a sum of ``terms``); missing operands give a missing result."""

    terms: list[FactPath] = Field(min_length=2)
    digits: int | None = Field(default=2, ge=0, le=6, description=DIGITS)


class ConcatPart(_Strict):
    list: FactPath
    set: dict[str, Scalar] = Field(default={}, description="Fields added to every item (e.g. its source).")


class RelativeDate(_Strict):
    """Whether a date fact lies before or after the decision date, or ``since`` when given."""

    date: FactPath
    test: Literal["before", "on_or_before", "after", "on_or_after"]
    since: FactValue | Value | None = Field(default=None, description=(
        "Compare with this date, date parameter or date fact (``{fact: ...}``) instead of the decision date; "
        "missing when that fact is missing."))


class Repeated(_Strict):
    """For an item of ``list`` (with ``for_each``): whether another item of it has the same ``value`` (an item
    field). ``compare: code`` (the default) compares letters and digits only, without case or accents
    ("SNF-2026-L-11803" is "snf2026l11803"); ``compare: address`` compares Dutch addresses by postcode, house
    number and addition, or street, number and addition ("Zandstr. 14-A" is "Zandstraat 14a, 5504 AB
    Veldhoven"; ``_text_keys``). Missing when the item's value gives no key. One certificate for two locations,
    or one house listed twice, each of them meeting a norm that the two together miss."""

    list: FactPath
    value: FactPath
    compare: Literal["code", "address"] = "code"


class Uncovered(_Strict):
    """How many texts of ``list`` no item of ``items`` holds as its ``value`` (an item field), compared as
    ``contains`` with ``ignore_case`` compares (case and spacing aside); a text given twice counts once. Missing
    when either list is missing. The municipalities a declaration names where no housing location lies: the
    housing there was never listed, so never assessed."""

    list: FactPath
    items: FactPath
    value: FactPath


class Choose(_Strict):
    """One of two facts by a boolean fact: ``then`` when ``when`` is true, ``otherwise`` when it is
    false, missing when ``when`` is missing (e.g. the seasonal or the year-round floor-area norm)."""

    when: FactPath
    then: FactPath
    otherwise: FactPath


class Derived(_Strict):
    """One derived fact. Exactly one operation; ``for_each`` makes it an item fact of that list."""

    name: Identifier
    for_each: FactPath | None = None
    coalesce: list[FactPath] | None = None
    within_window: Window | None = None
    window_exit: Window | None = None
    window_start: YearsBack | None = None
    fresh: Freshness | None = None
    count: Count | None = None
    divide: Divide | None = None
    lookup: Lookup | None = None
    equals: list[FactPath] | None = Field(default=None, min_length=2, max_length=2)
    contains: Contains | None = None
    relative_to_as_of: RelativeDate | None = None
    subtract: Arithmetic | None = None
    sum: Arithmetic | None = None
    concat: list[ConcatPart] | None = Field(default=None, min_length=1)
    param: ParamRef | None = None
    first_present: list[FactPath] | None = Field(default=None, min_length=1)
    holds: Condition | None = Field(default=None, description=(
        "Whether a condition holds, true or false, never missing: a comparison with a missing fact is false (as in "
        "any condition), so use it where false is the stricter side (e.g. 'seasonal use shown', not 'no fine')."))
    choose: Choose | None = None
    repeated: Repeated | None = None
    uncovered: Uncovered | None = None

    @model_validator(mode="after")
    def _one_operation(self) -> Derived:
        ops = [name for name in self.model_fields_set if name not in ("name", "for_each")]
        if len(ops) != 1:
            raise ValueError(f"a derived fact needs exactly one operation; got {sorted(ops) or 'none'}")
        if self.repeated is not None and self.for_each is None:
            raise ValueError("'repeated' is a fact of each item: it needs for_each")
        return self

    @property
    def operation(self) -> str:
        (name,) = [n for n in self.model_fields_set if n not in ("name", "for_each")]
        return name


# --- rules ----------------------------------------------------------------------------------


class Clause(_Strict):
    id: Identifier
    when: Condition
    reason: LocalText
    remedy: LocalText | None = Field(default=None, description="What would change the outcome.")


class Outcomes(_Strict):
    """Clauses by outcome. Precedence: not_applicable, fail, unknown, pass; nothing matched is unknown."""

    not_applicable: list[Clause] = []
    fail: list[Clause] = []
    unknown: list[Clause] = []
    pass_: list[Clause] = Field(default=[], alias="pass")
    otherwise: LocalText

    def clauses(self) -> list[tuple[str, Clause]]:
        """(outcome, clause) in precedence order."""
        return [(outcome, clause)
                for outcome, clauses in (("not_applicable", self.not_applicable), ("fail", self.fail),
                                         ("unknown", self.unknown), ("pass", self.pass_))
                for clause in clauses]


class Effective(_Strict):
    from_: date = Field(alias="from")
    until: date | None = None


class EvidenceRef(_Strict):
    """A dossier section this criterion depends on; with a maximum age it gets a ``<path>.fresh`` fact."""

    path: FactPath
    max_age_days: Value | None = None


class Rule(_Strict):
    id: Identifier
    title: LocalText
    description: LocalText
    citation: Citation
    roles: list[Role] = Field(min_length=1)
    effective: Effective
    severity: Literal["blocking", "warning"]
    floor: bool = Field(default=False, description="Art. 14.3/14.4 floor: overlays may not drop or loosen it.")
    evidence: list[EvidenceRef] = Field(min_length=1)
    parameters: dict[Identifier, Parameter] = {}
    derived: list[Derived] = []
    outcomes: Outcomes


class ConceptFile(_Strict):
    """A legal concept shared by several rules: its parameters and derived facts."""

    concept: Identifier
    description: LocalText
    parameters: dict[Identifier, Parameter] = {}
    derived: list[Derived] = []


class RuleFile(_Strict):
    rule: Rule


class PackIndex(_Strict):
    id: Annotated[str, StringConstraints(pattern=r"^[a-z0-9-]+$")]
    version: Version
    title: LocalText
    instrument: Reference
    valid_from: date
    valid_until: date
    concepts: list[str] = Field(description="Concept files, relative to the index, in order.")
    rules: list[str] = Field(min_length=1, description="Rule files, relative to the index, in order.")
    tests: list[str] = Field(default=[], description="Rule test case files (glob patterns allowed).")


class ParameterOverride(_Strict):
    values: dict[date, ParameterValue] = Field(min_length=1)


class Overlay(_Strict):
    """A region's additions to a pack (art. 14.2): new rules, stricter parameters, dropped non-floor rules."""

    region: Identifier
    extends: str
    version: Version
    description: LocalText
    parameters: dict[Identifier, ParameterOverride] = {}
    rules: list[Rule] = []
    drop: list[Identifier] = []
