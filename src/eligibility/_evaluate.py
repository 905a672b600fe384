"""Evaluation: dossier + pack + decision date -> decision. Engines only say which clauses match.

Everything around matching (applicability, derived facts, precedence of outcomes, the verdict,
explanations) is shared, so the native and durable engines can only differ in matching, and
a cross-check compares exactly that.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Container, Iterable
from functools import cached_property
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from ._canonical import sha256_hex
from ._conditions import Check, compile_condition
from ._decision import (
    CriterionDecision,
    Decision,
    EngineInfo,
    EvidenceUsed,
    Outcome,
    PackInfo,
    Verdict,
    verdict_of,
)
from ._dossier import Dossier
from ._errors import BeforePackError
from ._facts import Deriver, FactSet, flatten
from ._memo import STAND_IN, CriterionMemo, Entry, entry_of, for_number
from ._pack import RulePack

from ._rules_model import AllOf, AnyItem, Clause, LocalText, Rule
from ._version import __version__

Matches = dict[str, set[str]]
"""Per rule id, the ids of the clauses whose condition holds."""


class MatchEngine(Protocol):
    name: str
    version: str

    def match(self, compiled: CompiledPack, facts: list[FactSet]) -> list[Matches]: ...


class CompiledPack:
    """A pack ready for one decision date: parameters resolved, predicates compiled once."""

    def __init__(self, pack: RulePack, as_of: date) -> None:
        check_applies(pack, as_of)
        self.pack = pack
        self.as_of = as_of
        self.deriver = Deriver(pack, as_of)
        self.params = {name: self._safe_value(name) for name in pack.parameters}
        self.in_effect = {rule.id: _in_effect(rule, as_of) for rule in pack.rules}
        param = self.param
        self.clauses: dict[str, list[tuple[str, Clause]]] = {r.id: r.outcomes.clauses() for r in pack.rules}
        self.traced = {
            (rule.id, clause.id): compile_condition(clause.when, param, traced=True)
            for rule in pack.rules if self.in_effect[rule.id] for _, clause in self.clauses[rule.id]
        }
        self.bare = {
            (rule.id, clause.id): compile_condition(clause.when, param, traced=False)
            for rule in pack.rules if self.in_effect[rule.id] for _, clause in self.clauses[rule.id]
        }
        self.static = {rule.id: self._static(rule) for rule in pack.rules}
        self.evidence_paths = sorted({evidence.path for rule in pack.rules for evidence in rule.evidence})
        self.item_filters = {
            (rule.id, clause.id): (condition, compile_condition(condition.where, param, traced=False))
            for rule in pack.rules if self.in_effect[rule.id] for _, clause in self.clauses[rule.id]
            if (condition := _explained_items(clause)) is not None
        }

    @cached_property
    def memo(self) -> CriterionMemo:
        """Criterion decisions remembered across this pack's decisions (``_memo``)."""
        return CriterionMemo(self.pack)

    def _static(self, rule: Rule) -> dict[str, Any]:
        """What a criterion's decision holds whatever the dossier: computed once per pack and date."""
        facts, params = self.pack.rule_dependencies(rule)
        return {
            "fact_paths": facts,
            "parameters": {name: self.param(name) for name in sorted(params)} if self.in_effect[rule.id] else {},
            "common": {"id": rule.id, "title": rule.title.model_dump(), "severity": rule.severity, "floor": rule.floor,
                       "citation": rule.citation.model_dump(mode="json", exclude_none=True)},
        }

    def _safe_value(self, name: str) -> Any:
        try:
            return self.pack.parameter_value(name, self.as_of)
        except Exception:  # reported when a rule in effect actually uses it
            return None

    def param(self, name: str) -> Any:
        return self.pack.parameter_value(name, self.as_of)

    def derive(self, dossier: Dossier, only: Container[str] | None = None, kvk_number: str | None = None) -> FactSet:
        """The dossier's facts (only those ``only`` names, with what they read), the partner's
        KvK number replaced by ``kvk_number`` if given (``_memo.STAND_IN``)."""
        base = flatten(dossier.json_data)
        if kvk_number is not None:
            base["partner.kvk_number"] = kvk_number
        return self.deriver.derive(base, only)

    @property
    def pack_status(self) -> str:
        if self.as_of > self.pack.index.valid_until:
            return "expired"
        if self.as_of < self.pack.index.valid_from:
            return "not_yet_in_force"
        return "in_force"


def check_applies(pack: RulePack, as_of: date) -> None:
    """Raises ``BeforePackError`` for a decision date before the pack applies (its parameters have no
    value then); after it has expired, a decision is made and says so (``_pack_status_reason``)."""
    index = pack.index
    if as_of < index.valid_from:
        raise BeforePackError(f"the decision date {as_of.isoformat()} lies before rule pack {index.id} {index.version} "
                              f"applies ({index.valid_from.isoformat()}, the day the covenant was signed): nothing can "
                              "be decided under it")


def _in_effect(rule: Rule, as_of: date) -> bool:
    return rule.effective.from_ <= as_of and (rule.effective.until is None or as_of <= rule.effective.until)


class NativeEngine:
    """The reference engine: pure Python closures, every comparison traced."""

    name = "native"
    version = __version__

    def match(self, compiled: CompiledPack, facts: list[FactSet]) -> list[Matches]:
        return [self.match_one(compiled, f)[0] for f in facts]

    def match_one(self, compiled: CompiledPack, facts: FactSet, traced: bool = True,
                  only: Container[str] | None = None) -> tuple[Matches, dict[str, list[Check]]]:
        """Matches (and traces) of every rule in effect, or of the rules ``only`` names."""
        matches: Matches = {}
        traces: dict[str, list[Check]] = {}
        top = facts.facts
        for rule in compiled.pack.rules:
            if not compiled.in_effect[rule.id] or (only is not None and rule.id not in only):
                continue
            trace: list[Check] = []
            matched = set()
            for _, clause in compiled.clauses[rule.id]:
                key = (rule.id, clause.id)
                if compiled.traced[key](top, top, trace) if traced else compiled.bare[key](top, top):
                    matched.add(clause.id)
            matches[rule.id] = matched
            traces[rule.id] = trace
        return matches, traces


_PRECEDENCE = (Outcome.NOT_APPLICABLE, Outcome.FAIL, Outcome.UNKNOWN, Outcome.PASS)


def outcome_of(clauses: list[tuple[str, Clause]], matched: set[str]) -> tuple[Outcome, list[Clause]]:
    """Precedence: not applicable, fail, unknown, pass; nothing matched is unknown."""
    if not matched:
        return Outcome.UNKNOWN, []
    for outcome in _PRECEDENCE:
        hits = [clause for name, clause in clauses if name == outcome and clause.id in matched]
        if hits:
            return outcome, hits
    return Outcome.UNKNOWN, []


def dossier_sha256(dossier: Dossier) -> str:
    return sha256_hex(dossier.canonical_json)


@dataclass
class Evaluator:
    """Turns matches into a decision with explanations; shared by every engine."""

    compiled: CompiledPack

    def decide(self, dossier: Dossier, facts: FactSet, matches: Matches, engine: MatchEngine,
               traces: dict[str, list[Check]] | None = None) -> Decision:
        compiled = self.compiled
        dossier_json = dossier.json_data
        roles = set(dossier.roles)
        evidence = {path: _evidence(path, dossier_json, facts.facts) for path in compiled.evidence_paths}
        criteria = [self._criterion(rule, roles, facts, matches, evidence, traces) for rule in compiled.pack.rules]
        return self._decision(dossier, criteria, engine)

    def decide_remembered(self, dossier: Dossier, engine: NativeEngine) -> Decision:
        """``decide`` for the native engine, reusing criterion decisions made for the same parts.

        Facts are derived, and rules matched, only when some criterion is not remembered; the
        decision's JSON is then put together from each criterion's remembered bytes."""
        compiled = self.compiled
        memo = compiled.memo
        keys, blind = memo.keys(dossier.json_data)
        rules = compiled.pack.rules
        entries: dict[str, Entry] = {}
        missing = []
        for rule in rules:
            entry = memo.get(rule.id, keys[rule.id])
            if entry is None:
                missing.append(rule)
            else:
                entries[rule.id] = entry
        for group, stand_in in (([r for r in missing if r.id not in blind], None),
                                ([r for r in missing if r.id in blind], STAND_IN)):
            if group:
                for rule, entry in zip(group, self._criteria(dossier, group, engine, stand_in), strict=True):
                    memo.put(rule.id, keys[rule.id], entry)
                    entries[rule.id] = entry
        number = dossier.partner.kvk_number
        for rule_id in blind:
            entries[rule_id] = for_number(entries[rule_id], number or "")
        decision = self._decision(dossier, [entries[rule.id][0] for rule in rules], engine)
        decision.__dict__["criteria_json"] = b"[" + b",".join(entries[rule.id][1] for rule in rules) + b"]"
        return decision

    def _criteria(self, dossier: Dossier, rules: list[Rule], engine: NativeEngine, stand_in: str | None) -> list[Entry]:
        """Decide ``rules`` alone, deriving only the facts they read (with the KvK number stood in for)."""
        compiled = self.compiled
        memo = compiled.memo
        facts = compiled.derive(dossier, only=set().union(*(memo.facts[rule.id] for rule in rules)), kvk_number=stand_in)
        matches, traces = engine.match_one(compiled, facts, only={rule.id for rule in rules})
        roles = set(dossier.roles)
        evidence = {e.path: _evidence(e.path, dossier.json_data, facts.facts) for rule in rules for e in rule.evidence}
        return [entry_of(self._criterion(rule, roles, facts, matches, evidence, traces)) for rule in rules]

    def _decision(self, dossier: Dossier, criteria: list[CriterionDecision], engine: MatchEngine) -> Decision:
        compiled = self.compiled
        pack_status = compiled.pack_status
        verdict = verdict_of([(c.severity, c.outcome) for c in criteria])
        reason = _verdict_reason(verdict, criteria)
        if pack_status != "in_force":
            verdict = Verdict.NEEDS_REVIEW
            reason = _pack_status_reason(compiled, pack_status)
        pack = compiled.pack
        summary: dict[str, int] = {o.value: 0 for o in Outcome}
        for c in criteria:
            summary[c.outcome.value] += 1
        return Decision.model_construct(
            verdict=verdict,
            verdict_reason=reason,
            as_of=compiled.as_of.isoformat(),
            partner={"name": dossier.partner.name, "kvk_number": dossier.partner.kvk_number},
            roles=sorted(r.value for r in dossier.roles),
            pack=PackInfo.model_construct(
                id=pack.id, version=pack.version, sha256=pack.sha256,
                valid_from=pack.index.valid_from.isoformat(), valid_until=pack.index.valid_until.isoformat(),
                status=pack_status, region=pack.region, overlay_version=pack.overlay_version,
                overlay_sha256=pack.overlay_sha256,
            ),
            engine=EngineInfo.model_construct(name=engine.name, version=engine.version),
            dossier_sha256=sha256_hex(dossier.canonical_json),
            criteria=criteria,
            summary=summary,
        )

    def _criterion(self, rule: Rule, roles: set[Any], facts: FactSet, matches: Matches,
                   evidence: dict[str, EvidenceUsed], traces: dict[str, list[Check]] | None) -> CriterionDecision:
        compiled = self.compiled
        static = compiled.static[rule.id]
        common: dict[str, Any] = {
            **static["common"],
            "evidence": [evidence[path.path] for path in rule.evidence],
        }
        if not roles.intersection(rule.roles):
            return CriterionDecision.model_construct(
                **common, outcome=Outcome.NOT_APPLICABLE, clause=None, matched_clauses=[],
                reasons=[{"nl": "Geldt niet voor de rol(len) van deze partij ("
                          + ", ".join(sorted(roles)) + ").",
                          "en": "Does not apply to this partner's role(s) (" + ", ".join(sorted(roles)) + ")."}],
                remedies=[], parameters={}, facts={}, notes=[],
            )
        if not compiled.in_effect[rule.id]:
            until = rule.effective.until.isoformat() if rule.effective.until else None
            return CriterionDecision.model_construct(
                **common, outcome=Outcome.NOT_APPLICABLE, clause=None, matched_clauses=[],
                reasons=[{"nl": f"Niet van kracht op {compiled.as_of.isoformat()} (geldt vanaf {rule.effective.from_.isoformat()}"
                          + (f" tot en met {until}" if until else "") + ").",
                          "en": f"Not in effect on {compiled.as_of.isoformat()} (applies from {rule.effective.from_.isoformat()}"
                          + (f" until {until}" if until else "") + ")."}],
                remedies=[], parameters={}, facts={}, notes=[],
            )
        fact_paths, parameters = static["fact_paths"], static["parameters"]
        matched = matches.get(rule.id, set())
        outcome, deciding = outcome_of(compiled.clauses[rule.id], matched)
        reasons: list[dict[str, str]] = []
        remedies: list[dict[str, str]] = []
        for clause in deciding:
            for scope in self._scopes(rule.id, clause, facts.facts):
                reasons.append(render(clause.reason, scope, facts.facts, parameters))
                if clause.remedy is not None and outcome is not Outcome.PASS:
                    remedies.append(render(clause.remedy, scope, facts.facts, parameters))
        if not deciding:
            reasons.append(render(rule.outcomes.otherwise, {}, facts.facts, parameters))
        used = {path: facts.facts[path] for path in sorted(fact_paths) if path in facts.facts
                and not isinstance(facts.facts[path], list)}
        notes = _unique([n.text for n in facts.notes if n.fact in fact_paths])
        return CriterionDecision.model_construct(
            **common, outcome=outcome, clause=deciding[0].id if deciding else None,
            matched_clauses=sorted(matched), reasons=_unique(reasons), remedies=_unique(remedies),
            parameters=parameters, facts=used, notes=notes,
            trace=traces[rule.id] if traces is not None and rule.id in traces else None,
        )

    def _scopes(self, rule_id: str, clause: Clause, top: dict[str, Any]) -> list[dict[str, Any]]:
        """Item scopes for an ``any_item`` clause (one explanation per matching item), else the top."""
        found = self.compiled.item_filters.get((rule_id, clause.id))
        if found is not None:
            condition, where = found
            items = top.get(condition.any_item)
            matching = [item for item in items if where(item, top)] if isinstance(items, list) else []
            if matching:
                return matching
        return [{}]


def _explained_items(clause: Clause) -> AnyItem | None:
    """The ``any_item`` whose matching items a clause's explanation is rendered for, if any."""
    condition = clause.when
    if isinstance(condition, AllOf):
        condition = next((c for c in condition.all if isinstance(c, AnyItem)), condition)
    return condition if isinstance(condition, AnyItem) else None


def _unique(texts: list[dict[str, str]]) -> list[dict[str, str]]:
    seen: list[dict[str, str]] = []
    for text in texts:
        if text not in seen:
            seen.append(text)
    return seen


_PLACEHOLDER = re.compile(r"\{([a-z_$][a-z0-9_.$]*)\}")


def render(text: LocalText, scope: dict[str, Any], top: dict[str, Any], params: dict[str, Any]) -> dict[str, str]:
    """Fill ``{name}`` from the item, then the facts, then the parameters."""
    def filled(lang: str) -> Callable[[re.Match[str]], str]:
        def value(match: re.Match[str]) -> str:
            name = match.group(1).lstrip("$")
            for source in (scope, top, params):
                if name in source:
                    return format_value(source[name], lang)
            return "?"
        return value
    return {"nl": _PLACEHOLDER.sub(filled("nl"), text.nl), "en": _PLACEHOLDER.sub(filled("en"), text.en)}


_YES_NO = {"nl": ("ja", "nee"), "en": ("yes", "no")}


def format_value(value: Any, lang: str) -> str:
    """A fact or parameter as a reason shows it, in ``lang`` (nl or en)."""
    if isinstance(value, bool):
        yes, no = _YES_NO[lang]
        return yes if value else no
    if isinstance(value, float):
        if round(value, 1) == value:
            return f"{value:.1f}"
        if round(value, 2) == value:
            return f"{value:.2f}"
        # 11.996667 shows as 11.9967, not as 12.00, and 11.9999999 as itself, not as 12.0000: a norm missed must show
        for digits in range(4, 16):
            shown = round(value, digits)
            if shown != round(value):
                return f"{shown:.{digits}f}".rstrip("0")
        return repr(value)
    if isinstance(value, list):
        return ", ".join(format_value(v, lang) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {format_value(v, lang)}" for k, v in value.items())
    return str(value)


def _evidence(path: str, dossier_json: dict[str, Any], facts: dict[str, Any]) -> EvidenceUsed:
    node: Any = dossier_json
    for part in path.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    if node is None:
        return EvidenceUsed.model_construct(path=path, status="absent", age_days=None, fresh=None, provenance=[], error=None)
    if isinstance(node, list):
        provenance = [item[key]["provenance"] if key else item["provenance"]
                      for item in node for key in ("", "mark")
                      if (item.get(key) if key else item) and isinstance(item.get(key) if key else item, dict)
                      and "provenance" in (item.get(key) if key else item)]
        return EvidenceUsed.model_construct(path=path, status="present", age_days=None, fresh=None, provenance=provenance, error=None)
    provenance = [node["provenance"]] if isinstance(node, dict) and "provenance" in node else []
    status = node.get("status", "present") if isinstance(node, dict) else "present"
    return EvidenceUsed.model_construct(
        path=path, status=status if status in ("read", "failed") else "present",
        age_days=facts.get(f"{path}.age_days"), fresh=facts.get(f"{path}.fresh"),
        provenance=provenance, error=node.get("error") if isinstance(node, dict) else None,
    )


def _verdict_reason(verdict: Verdict, criteria: Iterable[CriterionDecision]) -> dict[str, str]:
    blocking = [c for c in criteria if c.severity == "blocking"]
    failing = [c.id for c in blocking if c.outcome is Outcome.FAIL]
    unknown = [c.id for c in blocking if c.outcome is Outcome.UNKNOWN]
    if verdict is Verdict.NOT_ELIGIBLE:
        return {"nl": "Niet voldaan aan: " + ", ".join(failing) + ".", "en": "Not met: " + ", ".join(failing) + "."}
    if verdict is Verdict.NEEDS_REVIEW:
        return {"nl": "Onvoldoende zekerheid over: " + ", ".join(unknown) + ".",
                "en": "Not established: " + ", ".join(unknown) + "."}
    return {"nl": "Alle blokkerende criteria zijn voldaan.", "en": "Every blocking criterion is met."}


def _pack_status_reason(compiled: CompiledPack, status: str) -> dict[str, str]:
    index = compiled.pack.index
    if status == "expired":
        return {"nl": f"Het regelpakket {index.id} {index.version} is verlopen op {index.valid_until.isoformat()} "
                      f"(looptijd convenant, art. 17.1); een beoordeling op {compiled.as_of.isoformat()} vraagt een nieuw pakket.",
                "en": f"Rule pack {index.id} {index.version} expired on {index.valid_until.isoformat()} "
                      f"(the covenant's term, art. 17.1); a decision dated {compiled.as_of.isoformat()} needs a new pack."}
    return {"nl": f"Het regelpakket {index.id} geldt pas vanaf {index.valid_from.isoformat()}.",
            "en": f"Rule pack {index.id} applies only from {index.valid_from.isoformat()}."}


def evaluate(dossier: Dossier, pack: RulePack, as_of: date, *, engine: MatchEngine | None = None,
             compiled: CompiledPack | None = None) -> Decision:
    """Evaluate one dossier. The decision date is an input: nothing here reads the clock."""
    compiled = compiled if compiled is not None else CompiledPack(pack, as_of)
    engine = engine or NativeEngine()
    evaluator = Evaluator(compiled)
    if isinstance(engine, NativeEngine):
        return evaluator.decide_remembered(dossier, engine)
    facts = compiled.derive(dossier)
    (matches,) = engine.match(compiled, [facts])
    return evaluator.decide(dossier, facts, matches, engine)



