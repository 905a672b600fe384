"""The decision record: a versioned schema, written as canonical JSON (same inputs, same bytes)."""

from __future__ import annotations

from enum import StrEnum
from functools import cached_property
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ._canonical import canonical_json, canonical_json_with
from ._dossier import personal_data

DECISION_SCHEMA = "eligibility.decision/1"


class Outcome(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    UNKNOWN = "unknown"
    NOT_APPLICABLE = "not_applicable"


class Verdict(StrEnum):
    ELIGIBLE = "eligible"
    NOT_ELIGIBLE = "not_eligible"
    NEEDS_REVIEW = "needs_review"


VERDICT_LABELS = {
    "nl": {Verdict.ELIGIBLE: "Geschikt", Verdict.NOT_ELIGIBLE: "Niet geschikt", Verdict.NEEDS_REVIEW: "Beoordeling nodig"},
    "en": {Verdict.ELIGIBLE: "Eligible", Verdict.NOT_ELIGIBLE: "Not eligible", Verdict.NEEDS_REVIEW: "Needs review"},
}
"""How a verdict is named to people, in every report."""
OUTCOME_LABELS = {
    "nl": {Outcome.PASS: "voldaan", Outcome.FAIL: "niet voldaan", Outcome.UNKNOWN: "onbekend, beoordeling nodig",
           Outcome.NOT_APPLICABLE: "niet van toepassing"},
    "en": {Outcome.PASS: "met", Outcome.FAIL: "not met", Outcome.UNKNOWN: "unknown, needs review",
           Outcome.NOT_APPLICABLE: "not applicable"},
}
"""How a criterion's outcome is named to people, in every report."""


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class EvidenceUsed(_Record):
    path: str
    status: Literal["read", "failed", "absent", "present"]
    age_days: int | None = None
    fresh: bool | None = None
    provenance: list[dict[str, Any]] = []
    error: str | None = None


class CriterionDecision(_Record):
    id: str
    title: dict[str, str]
    severity: Literal["blocking", "warning"]
    floor: bool
    outcome: Outcome
    clause: str | None
    matched_clauses: list[str]
    reasons: list[dict[str, str]]
    remedies: list[dict[str, str]]
    citation: dict[str, Any]
    parameters: dict[str, Any]
    facts: dict[str, Any]
    evidence: list[EvidenceUsed]
    notes: list[dict[str, str]]
    trace: list[tuple[str, str, Any, Any, bool]] | None = Field(
        default=None, description="Native engine only: every comparison as [fact, operator, expected, actual, result].")


class PackInfo(_Record):
    id: str
    version: str
    sha256: str
    valid_from: str
    valid_until: str
    status: Literal["in_force", "expired", "not_yet_in_force"]
    region: str | None = None
    overlay_version: str | None = None
    overlay_sha256: str | None = None


class EngineInfo(_Record):
    name: str
    version: str


class Decision(_Record):
    schema_: str = DECISION_SCHEMA
    verdict: Verdict
    verdict_reason: dict[str, str]
    as_of: str
    partner: dict[str, Any] = personal_data(
        "The partner's name and KvK number (the name is a person's name for a sole trader). The reasons "
        "quote names found in the registers too.")
    roles: list[str]
    pack: PackInfo
    engine: EngineInfo
    dossier_sha256: str
    criteria: list[CriterionDecision]
    summary: dict[str, int]

    def to_json(self) -> bytes:
        data = self.model_dump(mode="json", exclude={"criteria"})
        data["schema"] = data.pop("schema_")
        return canonical_json_with(data, {"criteria": self.criteria_json})

    @cached_property
    def criteria_json(self) -> bytes:
        """The canonical JSON of ``criteria``. An evaluator that remembers criterion decisions
        sets it from their remembered bytes (``_memo``); not a field, so equality ignores it."""
        return b"[" + b",".join(canonical_json(c.model_dump(mode="json")) for c in self.criteria) + b"]"

    def as_dict(self) -> dict[str, Any]:
        data = self.model_dump(mode="json")
        data["schema"] = data.pop("schema_")
        return data

    def criterion(self, rule_id: str) -> CriterionDecision:
        for criterion in self.criteria:
            if criterion.id == rule_id:
                return criterion
        raise KeyError(rule_id)

    @property
    def outcomes(self) -> dict[str, Outcome]:
        return {c.id: c.outcome for c in self.criteria}


def verdict_of(outcomes: list[tuple[str, Outcome]]) -> Verdict:
    """PRODUCT.md principle 1: eligible only when every blocking criterion passes or does not apply."""
    blocking = [outcome for severity, outcome in outcomes if severity == "blocking"]
    if Outcome.FAIL in blocking:
        return Verdict.NOT_ELIGIBLE
    if Outcome.UNKNOWN in blocking or not blocking:
        return Verdict.NEEDS_REVIEW
    if Outcome.PASS not in blocking:
        return Verdict.NEEDS_REVIEW
    return Verdict.ELIGIBLE
