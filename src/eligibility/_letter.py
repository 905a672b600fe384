"""The decision letter: one logged decision as HTML for the file (PDF where a renderer exists).

What an auditor or officer needs on paper: the partner, the verdict (and an approved override,
shown apart from the automatic verdict with who asked, who approved, why and on what basis),
the decision date, the exact rule pack (id, version, hash), every criterion with its reasons,
remedies and the quoted article, and an appendix of every piece of evidence (URL, time read,
hash of the bytes) linking to the stored snapshot when an evidence store is given, or saying
when the store removed it under its retention setting (``scrapers/_store.py``, ``prune``).

Everything from the dossier is untrusted text (a partner may call itself ``<script>``): the
template is rendered with autoescaping, and only http(s) URLs become links.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from ._decision import OUTCOME_LABELS, VERDICT_LABELS
from ._evaluate import format_value
from ._errors import EligibilityError
from ._log import LogEntry, Override, effective_verdict, override_in_force
from ._name_links import name_matches

TEMPLATES = Path(__file__).parent / "templates"

_WORDS = {
    "nl": {
        "title": "Besluit geschiktheid samenwerkingspartner", "partner": "Partij", "kvk": "KvK-nummer", "roles": "Rol(len)",
        "as_of": "Peildatum", "logged_at": "Vastgelegd", "record": "Logrecord", "record_hash": "Record-hash",
        "pack": "Regelpakket", "pack_hash": "Hash regelpakket", "region": "Regio", "engine": "Engine",
        "dossier": "Dossier-hash", "verdict": "Oordeel", "automatic": "Automatisch oordeel",
        "effective": "Geldend oordeel (na handmatige herziening)", "override": "Handmatige herziening (vier-ogen)",
        "officer": "Aangevraagd door", "approver": "Goedgekeurd door", "justification": "Motivering",
        "citation": "Grondslag", "requested_at": "Aangevraagd op", "approved_at": "Goedgekeurd op",
        "pending": "Herziening aangevraagd, nog niet goedgekeurd: telt niet mee",
        "superseded": "Eerder goedgekeurde herziening, vervangen door een latere: telt niet meer mee",
        "criteria": "Criteria", "criterion": "Criterium", "outcome": "Uitkomst", "reasons": "Wat is gevonden",
        "remedies": "Wat verandert de uitkomst", "source": "Bron", "severity_warning": "waarschuwing",
        "parameters": "Parameters", "appendix": "Bijlage: bewijs", "where": "Onderdeel", "register": "Register",
        "url": "Adres", "retrieved_at": "Gelezen op", "sha256": "sha256 van de ruwe bytes", "snapshot": "Opgeslagen kopie",
        "open": "openen", "not_stored": "niet in de opslag", "no_store": "geen opslag opgegeven",
        "removed": "verwijderd op {date} volgens de bewaartermijn (ouder dan {days} dagen)",
        "no_evidence": "Het dossier bevat geen herkomstgegevens.",
        "name_links": "Gekoppeld op naam: te bevestigen",
        "name_links_intro": "Deze registergegevens zijn niet op KvK-nummer maar alleen op naam aan de partij gekoppeld "
                            "(register: gevonden naam en score 0-100). Een medewerker bevestigt of verwerpt elke koppeling.",
        "name_only_partner": "De partij heeft geen KvK-nummer in het dossier: zij is alleen op naam en plaats gekoppeld "
                             "en kan daardoor niet geschikt zijn.",
        "name_links_unreadable": "De koppelingen op naam zijn niet te tonen: het opgeslagen dossier is met deze versie "
                                 "niet te lezen ({error}).",
        "footer": "Dit besluit is vastgelegd in een verzegeld, alleen-toevoegen logboek; "
                  "'eligibility audit verify' en 'eligibility audit replay' tonen of het ongewijzigd en reproduceerbaar is.",
    },
    "en": {
        "title": "Partner eligibility decision", "partner": "Partner", "kvk": "KvK number", "roles": "Role(s)",
        "as_of": "Decision date", "logged_at": "Logged", "record": "Log record", "record_hash": "Record hash",
        "pack": "Rule pack", "pack_hash": "Rule pack hash", "region": "Region", "engine": "Engine",
        "dossier": "Dossier hash", "verdict": "Verdict", "automatic": "Automatic verdict",
        "effective": "Verdict in force (after manual override)", "override": "Manual override (four eyes)",
        "officer": "Requested by", "approver": "Approved by", "justification": "Justification",
        "citation": "Basis", "requested_at": "Requested", "approved_at": "Approved",
        "pending": "Override requested, not yet approved: not in force",
        "superseded": "Override approved earlier, replaced by a later one: no longer in force",
        "criteria": "Criteria", "criterion": "Criterion", "outcome": "Outcome", "reasons": "What was found",
        "remedies": "What would change the outcome", "source": "Source", "severity_warning": "warning",
        "parameters": "Parameters", "appendix": "Appendix: evidence", "where": "Part", "register": "Register",
        "url": "Address", "retrieved_at": "Read at", "sha256": "sha256 of the raw bytes", "snapshot": "Stored copy",
        "open": "open", "not_stored": "not in the store", "no_store": "no store given",
        "removed": "removed on {date} under the retention setting (older than {days} days)",
        "no_evidence": "The dossier holds no provenance.",
        "name_links": "Linked by name: to be confirmed",
        "name_links_intro": "These register records are tied to the partner by name only, not by KvK number "
                            "(register: name found and score 0-100). An officer confirms or rejects each link.",
        "name_only_partner": "The dossier gives no KvK number for the partner: it is linked by name and place only, "
                             "and so cannot be eligible.",
        "name_links_unreadable": "The links by name cannot be shown: the stored dossier does not read under this "
                                 "version ({error}).",
        "footer": "This decision is kept in a sealed, append-only log; "
                  "'eligibility audit verify' and 'eligibility audit replay' show whether it is unaltered and reproducible.",
    },
}


@dataclass(frozen=True)
class EvidenceItem:
    """One provenance found in the dossier, with every place it backs and its stored snapshot."""

    where: list[str]
    source: str
    url: str | None
    link: str | None
    """``url`` when it is http(s), else None (never a ``javascript:`` link)."""
    retrieved_at: str | None
    sha256: str | None
    snapshot: str | None
    """file URI of the stored snapshot, when an evidence store holds it."""
    snapshot_state: str
    """stored, removed (by the store's retention setting), missing, or no_store"""
    removed_on: str | None = None
    """When the store removed the bytes under its retention setting (YYYY-MM-DD)."""
    retention_days: int | None = None
    """The retention period it removed them under."""


def render_letter(entry: LogEntry, overrides: list[Override] | None = None, lang: str = "nl", *,
                  store_dir: Path | None = None) -> str:
    """The HTML letter for one logged decision and its overrides (approved ones in force)."""
    if entry.kind != "decision":
        raise ValueError(f"record {entry.record_id} is {entry.kind_named}, not a decision")
    if lang not in _WORDS:
        raise ValueError(f"language {lang!r}: choose nl or en")
    decision = entry.decision
    overrides = overrides or []
    in_force = override_in_force(overrides)
    context = {
        "lang": lang, "w": _WORDS[lang], "entry": entry, "decision": decision, "pack": entry.pack,
        "automatic": VERDICT_LABELS[lang][decision.verdict], "automatic_class": decision.verdict.value,
        "effective": VERDICT_LABELS[lang][effective_verdict(entry, overrides)], "override": in_force,
        "override_verdict": VERDICT_LABELS[lang][in_force.verdict] if in_force else None,
        "pending": [(o, VERDICT_LABELS[lang][o.verdict]) for o in overrides if not o.approved],
        "superseded": [(o, VERDICT_LABELS[lang][o.verdict]) for o in sorted(overrides, key=lambda o: o.approved_seq or 0)
                       if o.approved and o is not in_force],
        "criteria": [_criterion_view(c, lang) for c in decision.criteria],
        "evidence": evidence_items(entry.record["dossier"], store_dir),
        **_name_links(entry),
        "store_given": store_dir is not None,
    }
    return _environment().get_template("letter.html.j2").render(**context)


def _name_links(entry: LogEntry) -> dict[str, Any]:
    """The records tied by name only, or why they cannot be listed (a dossier logged under an
    older version that no longer validates: the letter still renders)."""
    try:
        return {"name_links": name_matches(entry.dossier), "name_links_error": None}
    except EligibilityError as exc:
        return {"name_links": [], "name_links_error": str(exc).splitlines()[0]}


def _environment() -> Environment:
    return Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined,
                       trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)


def _criterion_view(criterion: Any, lang: str) -> dict[str, Any]:
    citation = criterion.citation
    return {
        "id": criterion.id, "title": criterion.title.get(lang, criterion.id), "warning": criterion.severity == "warning",
        "outcome": OUTCOME_LABELS[lang][criterion.outcome], "outcome_class": criterion.outcome.value,
        "reasons": [r.get(lang, "") for r in criterion.reasons],
        "remedies": [r.get(lang, "") for r in criterion.remedies],
        "notes": [n.get(lang, "") for n in criterion.notes],
        "parameters": [f"{k} = {format_value(v, lang)}" for k, v in criterion.parameters.items()],
        "citation": {"document": citation.get("document", ""), "article": citation.get("article", ""),
                     "quote": citation.get("quote", ""), "url": _http(citation.get("url"))},
    }


def evidence_items(dossier: dict[str, Any], store_dir: Path | None) -> list[EvidenceItem]:
    """Every provenance in the dossier, once per distinct reading, in the order first met."""
    found: dict[tuple[Any, ...], tuple[list[str], dict[str, Any]]] = {}
    for where, provenance in _provenances(dossier, ""):
        key = tuple(provenance.get(k) for k in ("source", "url", "retrieved_at", "sha256"))
        found.setdefault(key, ([], provenance))[0].append(where)
    items = []
    for places, provenance in found.values():
        digest = provenance.get("sha256")
        snapshot, state, removal = None, "no_store", None
        if store_dir is not None and digest:
            path = snapshot_path(store_dir, digest)
            if path.is_file():
                snapshot, state = path.resolve().as_uri(), "stored"
            else:
                removal = _removal_of(store_dir, digest, provenance.get("retrieved_at"))
                state = "missing" if removal is None else "removed"
        elif store_dir is not None:
            state = "missing"
        url = provenance.get("url")
        items.append(EvidenceItem(places, str(provenance.get("source", "")), url, _http(url),
                                  provenance.get("retrieved_at"), digest, snapshot, state,
                                  f"{removal.removed_at:%Y-%m-%d}" if removal else None,
                                  removal.older_than_days if removal else None))
    return items


def as_moment(value: Any) -> datetime | None:
    """A provenance's ``retrieved_at`` (ISO text with a zone) as a datetime; None when unreadable."""
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")) if value else None
    except ValueError:
        return None


def _removal_of(store_dir: Path, digest: str, retrieved_at: Any) -> Any:
    """The retention removal that took this reading's body, read-only; None when none did (a body
    gone without one is missing, i.e. damaged: a removal of an earlier reading of the same bytes
    does not explain it)."""
    from scrapers._store import latest_removals

    moment = as_moment(retrieved_at)
    return latest_removals(store_dir, [digest], moment).get(digest) if moment is not None else None


def _provenances(node: Any, path: str) -> list[tuple[str, dict[str, Any]]]:
    found: list[tuple[str, dict[str, Any]]] = []
    if isinstance(node, dict):
        if isinstance(node.get("provenance"), dict):
            found.append((path or "(dossier)", node["provenance"]))
        for key, value in node.items():
            if key != "provenance":
                found += _provenances(value, f"{path}.{key}" if path else key)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _provenances(value, f"{path}[{index}]")
    return found


def snapshot_path(store_dir: Path, sha256: str) -> Path:
    """Where the evidence store keeps the bytes with this hash (``scrapers/_store.py``'s layout:
    ``snapshots/<sha[:2]>/<sha[2:4]>/<sha>``; a test keeps the two in step)."""
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise ValueError(f"not a sha256 hex digest: {sha256!r}")
    return Path(store_dir) / "snapshots" / sha256[:2] / sha256[2:4] / sha256


def _http(url: Any) -> str | None:
    return url if isinstance(url, str) and url.lower().startswith(("http://", "https://")) else None


# --- PDF ------------------------------------------------------------------------------------------

_RENDERERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "wkhtmltopdf")


def pdf_renderer() -> str | None:
    """The first PDF renderer on PATH (a headless Chromium or wkhtmltopdf), or None."""
    for name in _RENDERERS:
        found = shutil.which(name)
        if found:
            return found
    return None


def write_pdf(html_path: Path, pdf_path: Path, renderer: str, timeout: float = 120) -> None:
    """Print the HTML file to PDF with an external renderer; raises RuntimeError when it fails.

    No PDF library is added to the project: the letter is HTML first, PDF where a browser exists.
    """
    source = html_path.resolve().as_uri()
    if Path(renderer).name == "wkhtmltopdf":
        command = [renderer, "--quiet", "--disable-javascript", "--enable-local-file-access", source, str(pdf_path)]
    else:
        command = [renderer, "--headless", "--disable-gpu", "--no-sandbox", "--no-pdf-header-footer",
                   f"--print-to-pdf={pdf_path}", source]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise RuntimeError(f"{renderer} failed: {exc}") from exc
    if result.returncode != 0 or not pdf_path.is_file():
        raise RuntimeError(f"{renderer} exited with {result.returncode}: {result.stderr.strip()[:500]}")
