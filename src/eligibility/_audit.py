"""Replay: re-make a logged decision from its stored dossier, rule pack and decision date.

An auditor months later needs to know whether the decision on file is what the rules give for
the evidence on file. Replay reloads the pack the record names (read afresh from disk, never
from a cache; after a new release, from the copy the log keeps, ``_log_packs``), checks that its
content hash is the one stored, evaluates with the engine the
decision names, and compares canonical bytes. When they differ it lists what differs
(criterion ids and fields) and why (the pack changed, the engine version changed, ...).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from . import _pack
from ._canonical import sha256_hex
from ._decision import Decision
from ._errors import EligibilityError, EngineError
from ._evaluate import NativeEngine, evaluate
from ._log import DecisionLog, LogEntry, LogError, Override, override_in_force
from ._log_packs import restore_pack
from ._pack import RULES_DIR, RulePack, apply_overlay


@dataclass(frozen=True)
class Difference:
    """One field that differs; ``criterion`` is None for fields of the decision itself."""

    criterion: str | None
    field: str
    stored: Any
    replayed: Any

    def __str__(self) -> str:
        where = f"{self.criterion}.{self.field}" if self.criterion else self.field
        return f"{where}: stored {_short(self.stored)}, replayed {_short(self.replayed)}"


@dataclass(frozen=True)
class ReplayResult:
    record_id: str
    identical: bool
    stored_sha256: str
    replayed_sha256: str | None
    """sha256 of the replayed decision's canonical bytes; None when it could not be made."""
    differences: list[Difference] = field(default_factory=list)
    causes: list[str] = field(default_factory=list)
    """Why the bytes may differ (pack changed, engine version, engine unavailable) or why replay failed."""
    pack_changed: bool = False
    error: str | None = None
    replayed: Decision | None = None
    overrides: list[str] = field(default_factory=list)
    """The decision's overrides, one line each: replay re-makes the automatic decision, not what is in force."""
    notes: list[str] = field(default_factory=list)
    """How replay went about it, where an auditor should know (the pack read from the log's copy)."""

    def describe(self) -> str:
        lines = [f"record {self.record_id}"]
        if self.error:
            lines.append(f"cannot replay: {self.error}")
        elif self.identical:
            lines.append(f"replayed decision is byte-identical to the stored one (sha256 {self.stored_sha256})")
        else:
            lines.append(f"replayed decision DIFFERS: stored sha256 {self.stored_sha256}, replayed {self.replayed_sha256}")
        lines += [f"  note: {note}" for note in self.notes]
        lines += [f"  why: {cause}" for cause in self.causes]
        if self.differences:
            lines.append(f"  {len(self.differences)} difference(s):")
            lines += [f"    {difference}" for difference in self.differences]
        if self.overrides:
            lines.append("  overrides (replay re-makes the automatic decision; the verdict in force is the override's):")
            lines += [f"    {line}" for line in self.overrides]
        return "\n".join(lines) + "\n"


def replay(log: DecisionLog, record_id: str) -> ReplayResult:
    """Re-evaluate a stored decision and compare it byte for byte with what was logged."""
    entry = log.get(record_id)
    if entry.kind != "decision":
        target = entry.record.get("decision_record_id")
        raise LogError(f"record {record_id} is {entry.kind_named}; replay the decision it refers to ({target})")
    return replace(replay_entry(entry, log.archived_pack), overrides=override_lines(log.overrides(record_id)))


def override_lines(overrides: list[Override]) -> list[str]:
    """Each override of one decision as a line, the one in force (the latest approval) marked."""
    in_force = override_in_force(overrides)
    lines = []
    for override in overrides:
        state = ("IN FORCE" if override is in_force else "approved, replaced by a later one" if override.approved
                 else "requested, not approved: not in force")
        approval = f", approved by {override.approver} (record {override.approval_id})" if override.approved else ""
        lines.append(f"{state}: {override.verdict.value} (was {override.automatic_verdict.value}), requested by "
                     f"{override.officer}{approval}: {override.justification}; {override.citation}; record "
                     f"{override.override_id}")
    return lines


def replay_entry(entry: LogEntry, archive: Callable[[str], dict[str, str] | None] | None = None) -> ReplayResult:
    """Re-make one logged decision. ``archive`` gives the files of a pack the log keeps (``_log_packs``):
    used when the pack on disk no longer has the hash the decision names (a later release)."""
    stored_bytes = entry.decision_json
    stored = entry.record["decision"]
    stored_sha = sha256_hex(stored_bytes)
    info = entry.pack
    causes: list[str] = []
    notes: list[str] = []
    pack: RulePack | None = None
    problem = ""
    try:
        pack = load_logged_pack(info)
    except (EligibilityError, OSError) as exc:
        problem = f"the rule pack {info['id']} {info['version']} cannot be loaded: {exc}"
    if archive is not None and (pack is None or pack.pack_hash != _key(info)):
        pack = _kept_pack(info, archive, pack, notes) or pack
    if pack is None:
        return ReplayResult(entry.record_id, False, stored_sha, None, causes=causes, error=problem, notes=notes)
    pack_changed = _pack_causes(info, pack, causes)
    try:
        dossier = entry.dossier
    except EligibilityError as exc:
        return ReplayResult(entry.record_id, False, stored_sha, None, causes=causes, pack_changed=pack_changed,
                            error=f"the stored dossier no longer validates: {exc}")
    as_of = date.fromisoformat(entry.as_of)
    try:
        decision = _evaluate_with(stored["engine"], dossier, pack, as_of, causes)
    except EligibilityError as exc:
        return ReplayResult(entry.record_id, False, stored_sha, None, causes=causes, pack_changed=pack_changed,
                            error=f"evaluation failed: {exc}")
    replayed_bytes = decision.to_json()
    identical = replayed_bytes == stored_bytes
    differences = [] if identical else diff_decisions(stored, decision.as_dict())
    if not identical and not causes:
        causes.append("same pack, same engine and version, yet a different result: evaluation is not "
                      "reproducible here; report this as a bug")
    return ReplayResult(entry.record_id, identical, stored_sha, sha256_hex(replayed_bytes), differences, causes,
                        pack_changed, None, decision, notes=notes)


def _key(info: dict[str, Any]) -> str:
    """The ``RulePack.pack_hash`` of the pack a record names."""
    return _pack.pack_key(info["sha256"], info.get("overlay_sha256"))


def _kept_pack(info: dict[str, Any], archive: Callable[[str], dict[str, str] | None], on_disk: RulePack | None,
               notes: list[str]) -> RulePack | None:
    """The pack as the log keeps it, when it hashes to what the decision names; None (with a note) otherwise."""
    try:
        files = archive(_key(info))
        kept = None if files is None else restore_pack(files, _fresh_base)
    except EligibilityError as exc:
        notes.append(f"the decision log's copy of the rule pack {info['id']} {info['version']} cannot be used: {exc}")
        return None
    if kept is None:
        return None
    now = f"now {on_disk.version}, sha256 {on_disk.sha256}" if on_disk is not None else "not found on disk"
    if kept.pack_hash != _key(info):
        notes.append(f"the decision log's copy of the rule pack {info['id']} {info['version']} does not hash to "
                     f"{_key(info)} (it gives {kept.pack_hash}): not used")
        return None
    notes.append(f"the rule pack {info['id']} {info['version']} was read from the decision log's copy (sha256 "
                 f"{info['sha256']}); the pack as installed is {now}")
    return kept


def load_logged_pack(info: dict[str, Any]) -> RulePack:
    """The pack a record names, read afresh from disk: its directory, or the bundled pack by id."""
    root = Path(info["root"]) if info.get("root") else RULES_DIR / info["id"]
    base = _fresh_base(root)
    overlay = info.get("overlay")
    if overlay is None:
        return base
    return apply_overlay(base, _pack._overlay_path(overlay))


def _fresh_base(root: Path) -> RulePack:
    """``load_pack`` caches packs by directory; an audit must see the files as they are now."""
    loader = getattr(_pack._load_base, "__wrapped__", _pack._load_base)
    pack: RulePack = loader(root.resolve())
    return pack


def _pack_causes(info: dict[str, Any], pack: RulePack, causes: list[str]) -> bool:
    changed = False
    if pack.sha256 != info["sha256"]:
        changed = True
        causes.append(f"the rule pack {info['id']} changed since the decision (stored version {info['version']}, "
                      f"now {pack.version}): stored sha256 {info['sha256']}, now {pack.sha256}; the decision cannot "
                      "be reproduced byte for byte with the pack as it is now")
    if pack.overlay_sha256 != info.get("overlay_sha256"):
        changed = True
        causes.append(f"the regional overlay {info.get('overlay') or info.get('region')} changed: stored sha256 "
                      f"{info.get('overlay_sha256')}, now {pack.overlay_sha256}")
    return changed


def _evaluate_with(engine_info: dict[str, str], dossier: Any, pack: RulePack, as_of: date, causes: list[str]) -> Decision:
    """Evaluate with the engine the decision names (durable when recorded and available)."""
    name, version = engine_info["name"], engine_info["version"]
    if name == "durable":
        try:
            from ._durable import DurableEngine

            with DurableEngine() as durable:
                decision = evaluate(dossier, pack, as_of, engine=durable)
            if durable.version != version:
                causes.append(f"engine version differs: stored {name} {version}, now {durable.version}")
            return decision
        except EngineError as exc:
            causes.append(f"the durable engine is not available here ({exc}); replayed with the native engine")
    elif name != NativeEngine.name:
        causes.append(f"the decision names an unknown engine {name!r}; replayed with the native engine")
    native = NativeEngine()
    if name == NativeEngine.name and native.version != version:
        causes.append(f"engine version differs: stored {name} {version}, now {native.version}")
    return evaluate(dossier, pack, as_of, engine=native)


def diff_decisions(stored: dict[str, Any], replayed: dict[str, Any]) -> list[Difference]:
    """Field by field, criterion by criterion; nested pack and engine fields by their own names."""
    differences: list[Difference] = []
    for key in sorted(set(stored) | set(replayed)):
        if key == "criteria":
            continue
        old, new = stored.get(key), replayed.get(key)
        if old == new:
            continue
        if isinstance(old, dict) and isinstance(new, dict) and key in ("pack", "engine"):
            differences += [Difference(None, f"{key}.{sub}", old.get(sub), new.get(sub))
                            for sub in sorted(set(old) | set(new)) if old.get(sub) != new.get(sub)]
        else:
            differences.append(Difference(None, key, old, new))
    old_criteria = {c["id"]: c for c in stored.get("criteria", [])}
    new_criteria = {c["id"]: c for c in replayed.get("criteria", [])}
    for rule_id in list(old_criteria) + [r for r in new_criteria if r not in old_criteria]:
        old_c, new_c = old_criteria.get(rule_id), new_criteria.get(rule_id)
        if old_c is None or new_c is None:
            differences.append(Difference(rule_id, "(criterion)", "present" if old_c else "absent",
                                          "present" if new_c else "absent"))
            continue
        differences += [Difference(rule_id, key, old_c.get(key), new_c.get(key))
                        for key in sorted(set(old_c) | set(new_c)) if old_c.get(key) != new_c.get(key)]
    if not differences and [c["id"] for c in stored.get("criteria", [])] != [c["id"] for c in replayed.get("criteria", [])]:
        differences.append(Difference(None, "criteria (order)", list(old_criteria), list(new_criteria)))
    return differences


def _short(value: Any, limit: int = 160) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
