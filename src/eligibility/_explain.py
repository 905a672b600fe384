"""A decision as plain text for an officer's file, in Dutch (default) or English."""

from __future__ import annotations

from collections.abc import Sequence

from ._decision import OUTCOME_LABELS, VERDICT_LABELS, CriterionDecision, Decision, Outcome
from ._evaluate import format_value

_MARK = {Outcome.PASS: "[+]", Outcome.FAIL: "[x]", Outcome.UNKNOWN: "[?]", Outcome.NOT_APPLICABLE: "[-]"}
_WORDS = {
    "nl": {"partner": "Partij", "roles": "rol", "as_of": "Peildatum", "pack": "Regelpakket", "engine": "Engine",
           "verdict": "Oordeel", "source": "Bron", "change": "Wat verandert de uitkomst", "evidence": "Bewijs",
           "read": "gelezen", "failed": "niet te lezen", "absent": "niet geraadpleegd", "present": "aangeleverd", "not_supplied": "niet aangeleverd",
           "days": "dagen oud", "stale": "VEROUDERD", "parameters": "Parameters", "warning": "waarschuwing",
           "dossier": "Dossier-hash", "region": "regio", "note": "Let op",
           "name_links": "Alleen op naam gekoppeld (bevestig of verwerp elke koppeling)"},
    "en": {"partner": "Partner", "roles": "role", "as_of": "Decision date", "pack": "Rule pack", "engine": "Engine",
           "verdict": "Verdict", "source": "Source", "change": "What would change the outcome", "evidence": "Evidence",
           "read": "read", "failed": "could not be read", "absent": "not consulted", "present": "supplied", "not_supplied": "not supplied",
           "days": "days old", "stale": "STALE", "parameters": "Parameters", "warning": "warning",
           "dossier": "Dossier hash", "region": "region", "note": "Note",
           "name_links": "Linked by name only (confirm or reject each link)"},
}


def explain(decision: Decision, lang: str = "nl", *, show_not_applicable: bool = True,
            name_links: Sequence[str] = ()) -> str:
    """The decision, criterion by criterion: what was checked, found, where and when, and why it matters.

    ``name_links`` (``_name_links.name_matches`` of the dossier) are listed under the verdict: the
    decision itself quotes a record linked by name only where it decided an outcome.
    """
    words = _WORDS[lang]
    partner = decision.partner
    kvk = f" (KvK {partner['kvk_number']})" if partner.get("kvk_number") else ""
    pack = decision.pack
    region = f", {words['region']} {pack.region} {pack.overlay_version}" if pack.region else ""
    lines = [
        f"{words['partner']}: {partner['name']}{kvk}, {words['roles']}: {', '.join(decision.roles)}",
        f"{words['as_of']}: {decision.as_of}",
        f"{words['pack']}: {pack.id} {pack.version} (sha256 {pack.sha256[:12]}, {pack.status}{region})",
        f"{words['engine']}: {decision.engine.name} {decision.engine.version}; {words['dossier']}: {decision.dossier_sha256[:12]}",
        "",
        f"{words['verdict']}: {VERDICT_LABELS[lang][decision.verdict].upper()}",
        f"  {decision.verdict_reason[lang]}",
        "",
    ]
    if name_links:
        lines += [f"{words['name_links']}:", *(f"  - {found}" for found in name_links), ""]
    for criterion in decision.criteria:
        if criterion.outcome is Outcome.NOT_APPLICABLE and not show_not_applicable:
            continue
        lines.extend(_criterion(criterion, lang))
    return "\n".join(lines).rstrip() + "\n"


def _criterion(criterion: CriterionDecision, lang: str) -> list[str]:
    words = _WORDS[lang]
    severity = f" ({words['warning']})" if criterion.severity == "warning" else ""
    lines = [f"{_MARK[criterion.outcome]} {criterion.title[lang]}{severity}: {OUTCOME_LABELS[lang][criterion.outcome]}"
             f"  [{criterion.id}]"]
    lines += [f"    {reason[lang]}" for reason in criterion.reasons]
    if criterion.outcome is Outcome.NOT_APPLICABLE:
        return lines
    lines += [f"    {words['note']}: {note[lang]}" for note in criterion.notes]
    if criterion.remedies:
        lines.append(f"    {words['change']}:")
        lines += [f"      - {remedy[lang]}" for remedy in criterion.remedies]
    for evidence in criterion.evidence:
        if evidence.status == "absent" and evidence.path.startswith("registers.") and criterion.id.startswith("b3_c") \
                and evidence.path != "registers.kvk":
            continue  # memberships and marks that were not consulted are informative only
        lines.append(f"    {words['evidence']}: {_evidence_line(evidence, words)}")
    if criterion.parameters:
        shown = ", ".join(f"{k}={format_value(v, lang)}" for k, v in criterion.parameters.items())
        lines.append(f"    {words['parameters']}: {shown}")
    citation = criterion.citation
    lines.append(f"    {words['source']}: {citation['document']}, {citation['article']}: \u201c{citation['quote']}\u201d")
    lines.append("")
    return lines


def _evidence_line(evidence, words: dict[str, str]) -> str:  # type: ignore[no-untyped-def]
    status = "not_supplied" if evidence.status == "absent" and not evidence.path.startswith("registers.") else evidence.status
    text = f"{evidence.path} {words[status]}"
    if evidence.provenance:
        first = evidence.provenance[0]
        text += f" {first.get('retrieved_at', '')}"
        if first.get("url"):
            text += f" ({first['url']})"
        if first.get("sha256"):
            text += f" sha256 {first['sha256'][:12]}"
        if len(evidence.provenance) > 1:
            text += f" +{len(evidence.provenance) - 1}"
    if evidence.age_days is not None:
        text += f", {evidence.age_days} {words['days']}"
    if evidence.fresh is False:
        text += f" [{words['stale']}]"
    if evidence.error:
        text += f": {evidence.error}"
    return text
