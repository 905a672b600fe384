"""What-if for rule maintainers: which logged decisions a changed rule pack would flip.

Before a pack change is published (a release: version bump and CHANGELOG entry), the maintainer
replays the log's decisions under the new pack: the latest decision per dossier, decision date,
pack and region, evaluated on its stored dossier and as-of date, compared criterion by criterion
with what was decided. The report lists every verdict flip and every criterion flip, with counts
per verdict transition and per (criterion, old outcome -> new outcome).

Only decisions made under the same pack id and the same region (none, for a national pack) are
compared: another instrument's decisions say nothing about this change, and a regional decision
differs from the national pack by its overlay, not by the change. Skipped ones are counted with
the reason.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from ._errors import EligibilityError
from ._evaluate import CompiledPack, evaluate
from ._log import DecisionLog, Override, override_in_force
from ._pack import RulePack

ABSENT = "absent"
"""Outcome of a criterion the other pack does not have."""


@dataclass(frozen=True)
class CriterionFlip:
    criterion: str
    old: str
    new: str


@dataclass(frozen=True)
class Flip:
    """One logged decision that the new pack decides differently (verdict or any criterion)."""

    record_id: str
    partner: str
    kvk_number: str | None
    as_of: str
    old_verdict: str
    new_verdict: str
    criteria: list[CriterionFlip]
    override_verdict: str | None = None
    """An approved override on the logged decision: the verdict in force was a person's."""

    @property
    def verdict_flipped(self) -> bool:
        return self.old_verdict != self.new_verdict


@dataclass
class ImpactReport:
    pack_id: str
    pack_version: str
    pack_hash: str
    compared: int = 0
    unchanged: int = 0
    flips: list[Flip] = field(default_factory=list)
    verdict_transitions: Counter[tuple[str, str]] = field(default_factory=Counter)
    """Every (old, new) verdict pair, unchanged ones included, so the counts add up to ``compared``."""
    criterion_flips: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    """(criterion, old outcome, new outcome) for outcomes that changed."""
    skipped: Counter[str] = field(default_factory=Counter)
    """Reason -> number of logged decisions not compared."""
    errors: list[tuple[str, str]] = field(default_factory=list)
    """(record id, why) for decisions that could not be re-evaluated."""

    @property
    def verdict_flips(self) -> list[Flip]:
        return [flip for flip in self.flips if flip.verdict_flipped]

    def describe(self, limit: int | None = None) -> str:
        lines = [(f"impact of {self.pack_id} {self.pack_version} (sha256 {self.pack_hash}) on {self.compared} logged "
                  f"decisions (latest per dossier, decision date, pack and region): {len(self.verdict_flips)} "
                  f"verdict flip(s), {len(self.flips)} decision(s) with any flip, {self.unchanged} unchanged")]
        for reason, count in sorted(self.skipped.items()):
            lines.append(f"  skipped {count}: {reason}")
        for record_id, why in self.errors:
            lines.append(f"  ERROR {record_id}: {why}")
        lines.append("verdicts (old -> new):")
        for (old, new), count in sorted(self.verdict_transitions.items()):
            lines.append(f"  {old:13} -> {new:13} {count:7}{'' if old == new else '  FLIP'}")
        lines.append("criteria that flip (criterion: old -> new):")
        if not self.criterion_flips:
            lines.append("  none")
        for (criterion, old, new), count in sorted(self.criterion_flips.items()):
            lines.append(f"  {criterion:32} {old:15} -> {new:15} {count:7}")
        lines.append("decisions that flip:")
        shown = self.flips if limit is None else self.flips[:limit]
        for flip in shown:
            kvk = f" KvK {flip.kvk_number}" if flip.kvk_number else ""
            override = f" (override in force: {flip.override_verdict})" if flip.override_verdict else ""
            changes = ", ".join(f"{c.criterion} {c.old}->{c.new}" for c in flip.criteria)
            lines.append(f"  {flip.record_id} {flip.partner}{kvk} as of {flip.as_of}: "
                         f"{flip.old_verdict} -> {flip.new_verdict}{override}; {changes or 'no criterion flips'}")
        if len(shown) < len(self.flips):
            lines.append(f"  ... and {len(self.flips) - len(shown)} more")
        return "\n".join(lines) + "\n"


def impact(log: DecisionLog, new_pack: RulePack, *, progress: Callable[[int], None] | None = None) -> ImpactReport:
    """Replay the latest logged decision per (dossier, decision date) under ``new_pack``."""
    report = ImpactReport(new_pack.id, new_pack.version, new_pack.pack_hash)
    overrides = log.all_overrides()
    compiled: dict[str, CompiledPack] = {}
    for done, entry in enumerate(log.latest_decisions(), start=1):
        if progress is not None:
            progress(done)
        info = entry.pack
        if info["id"] != new_pack.id:
            report.skipped[f"made under another pack ({info['id']})"] += 1
            continue
        if info.get("region") != new_pack.region:
            reason = (f"not made under region {new_pack.region}" if new_pack.region is not None else
                      f"made under a regional overlay ({info.get('region')}); give --region to compare them")
            report.skipped[reason] += 1
            continue
        stored = entry.record["decision"]
        try:
            as_of = date.fromisoformat(entry.as_of)
            if entry.as_of not in compiled:
                compiled[entry.as_of] = CompiledPack(new_pack, as_of)
            decision = evaluate(entry.dossier, new_pack, as_of, compiled=compiled[entry.as_of])
        except (EligibilityError, ValueError) as exc:
            report.errors.append((entry.record_id, str(exc).splitlines()[0]))
            continue
        report.compared += 1
        old_verdict, new_verdict = stored["verdict"], decision.verdict.value
        report.verdict_transitions[(old_verdict, new_verdict)] += 1
        old_outcomes = {c["id"]: c["outcome"] for c in stored["criteria"]}
        new_outcomes = {c.id: c.outcome.value for c in decision.criteria}
        changed = [CriterionFlip(rule_id, old_outcomes.get(rule_id, ABSENT), new_outcomes.get(rule_id, ABSENT))
                   for rule_id in list(old_outcomes) + [r for r in new_outcomes if r not in old_outcomes]
                   if old_outcomes.get(rule_id, ABSENT) != new_outcomes.get(rule_id, ABSENT)]
        for change in changed:
            report.criterion_flips[(change.criterion, change.old, change.new)] += 1
        if not changed and old_verdict == new_verdict:
            report.unchanged += 1
            continue
        report.flips.append(Flip(
            entry.record_id, str(stored["partner"].get("name")), stored["partner"].get("kvk_number"), entry.as_of,
            old_verdict, new_verdict, changed, _override_in_force(overrides.get(entry.record_id, [])),
        ))
    return report


def _override_in_force(overrides: list[Override]) -> str | None:
    in_force = override_in_force(overrides)
    return None if in_force is None else in_force.verdict.value
