"""One screened row as the outputs show it: made once, when the row is decided, and kept in the state.

The full decision goes to ``decisions.jsonl`` and the log; this small record is what the
spreadsheet, the summary and the comparison with a previous run need, so writing the outputs
never parses a decision again.
"""

from __future__ import annotations

from datetime import UTC
from typing import Any

from .._canonical import canonical_json
from .._decision import Decision, Outcome, Verdict
from .._dossier import Dossier
from .._name_links import REGISTERS, name_matches
from ._lists import BadRow, PartnerRow

RESULT_SCHEMA = "eligibility.screen-result/1"

LINK_KVK = "kvk"
LINK_NAME_ONLY = "name-only"
"""How the row was tied to the registers: by its KvK number, or (no number in the list) by name."""

ERROR = "error"
"""The verdict column of a row that could not be screened."""

def jsonl_fields(result: dict[str, Any]) -> tuple[bytes, bytes]:
    """The row's members in decisions.jsonl other than its decision, log record id and override, as
    canonical JSON pieces (``_outputs.jsonl_joined`` puts them in place): the members that sort before
    ``log_id`` without the braces, and the value of ``name_matches`` (which sorts after it). Made
    where the row is decided, so the process that writes decisions.jsonl does not serialise them again."""
    head = canonical_json({key: result[key] for key in ("error", "input", "line", "link")})[1:-1]
    return head, canonical_json(result["name_matches"])


def input_of(row: PartnerRow | BadRow) -> dict[str, Any]:
    """The row as the list gave it (normalised where the reader repaired it)."""
    if isinstance(row, BadRow):
        return {"name": row.name, "kvk": row.kvk_text, "roles": row.roles_text, "place": row.place, "housing": []}
    return {"name": row.name, "kvk": row.kvk_number, "roles": ", ".join(r.value for r in row.roles),
            "place": row.place, "housing": list(row.housing)}


def error_result(row: PartnerRow | BadRow, reason: str) -> dict[str, Any]:
    """A row that could not be read or screened: kept, with why."""
    link = "" if isinstance(row, BadRow) else LINK_NAME_ONLY if row.name_only else LINK_KVK
    notes = list(row.notes) if isinstance(row, PartnerRow) else []
    return {"schema": RESULT_SCHEMA, "line": row.line, "input": input_of(row), "link": link, "verdict": ERROR,
            "registered_name": None, "outcomes": {}, "clauses": {}, "reason": {"nl": "", "en": ""},
            "evidence": {}, "name_matches": [], "notes": notes, "error": reason}


def decided_result(row: PartnerRow, dossier: Dossier, decision: Decision, problems: list[str]) -> dict[str, Any]:
    """A decided row: verdict, each criterion's outcome and clause, the main reason, evidence dates."""
    return {
        "schema": RESULT_SCHEMA,
        "line": row.line,
        "input": input_of(row),
        "link": LINK_NAME_ONLY if row.name_only else LINK_KVK,
        "verdict": decision.verdict.value,
        "registered_name": dossier.partner.name if dossier.partner.name != row.name else None,
        "outcomes": {c.id: c.outcome.value for c in decision.criteria},
        "clauses": {c.id: c.clause for c in decision.criteria if c.clause},
        "reason": main_reason(decision),
        "evidence": evidence_dates(dossier),
        "name_matches": name_matches(dossier),
        "notes": [*row.notes, *problems],
        "error": None,
    }


def main_reason(decision: Decision) -> dict[str, str]:
    """The first blocking criterion that decided the verdict, with its first reason and how many more.

    Not eligible: the first failing blocking criterion; needs review: the first unknown one;
    eligible, or a pack not in force: the verdict's own reason.
    """
    wanted = {Verdict.NOT_ELIGIBLE: Outcome.FAIL, Verdict.NEEDS_REVIEW: Outcome.UNKNOWN}.get(decision.verdict)
    if wanted is None or decision.pack.status != "in_force":
        return dict(decision.verdict_reason)
    deciding = [c for c in decision.criteria if c.severity == "blocking" and c.outcome is wanted and c.reasons]
    if not deciding:
        return dict(decision.verdict_reason)
    first, more = deciding[0], len(deciding) - 1
    tail = {"nl": f" (en nog {more} criteri{'um' if more == 1 else 'a'})",
            "en": f" (and {more} more criteri{'on' if more == 1 else 'a'})"} if more else {}
    return {lang: f"{first.id}: {first.reasons[0].get(lang, '')}{tail.get(lang, '')}" for lang in ("nl", "en")}


def evidence_dates(dossier: Dossier) -> dict[str, str]:
    """Per register consulted: the date (UTC) of its oldest evidence, or "failed <date>"."""
    dates = {}
    for register in REGISTERS:
        section = getattr(dossier.registers, register)
        if section is None:
            continue
        day = section.provenance.retrieved_at.astimezone(UTC).date().isoformat()
        dates[register] = day if section.status.value == "read" else f"failed {day}"
    return dates
