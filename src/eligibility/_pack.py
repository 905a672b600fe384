"""Loading a rule pack (and a regional overlay): validation with positions, hashing, parameters in force."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from ._errors import Location, OverlayError, ParameterNotInForce, RuleFileError
from ._rules_model import (
    AllOf,
    AnyItem,
    AnyOf,
    Compare,
    ConceptFile,
    Condition,
    Derived,
    FactValue,
    Overlay,
    PackIndex,
    Param,
    Parameter,
    Rule,
    RuleFile,
)
from ._yamlfile import YamlDocument, load_yaml

ModelT = TypeVar("ModelT", bound=BaseModel)

RULES_DIR = Path(__file__).resolve().parents[2] / "rules"
"""The bundled rule packs (the repository's ``rules/``)."""
DEFAULT_PACK = "convenant-2025"


def validate(model: type[ModelT], document: YamlDocument) -> ModelT:
    """Validate a YAML document against a rule-language model; errors carry file, line and column."""
    try:
        return model.model_validate(document.data)
    except ValidationError as exc:
        errors = sorted(exc.errors(), key=lambda e: -len(e["loc"]))
        first = errors[0]
        path = _yaml_path(document, first["loc"])
        key = ".".join(str(p) for p in first["loc"] if not _is_union_tag(p)) or None
        more = f" (and {len(errors) - 1} more problems)" if len(errors) > 1 else ""
        raise RuleFileError(first["msg"] + more, document.location(path), key=key) from exc


def _is_union_tag(part: Any) -> bool:
    """Pydantic puts the union member tried (``Compare``, ``function-after[...]``) into error locations."""
    return isinstance(part, str) and (part[:1].isupper() or "[" in part)


def _yaml_path(document: YamlDocument, loc: tuple[Any, ...]) -> tuple[str | int, ...]:
    """Keep the parts of a pydantic error location that exist in the YAML (drops union member names)."""
    path: tuple[str | int, ...] = ()
    for part in loc:
        candidate = path + (part if isinstance(part, int) else str(part).replace("in_", "in").replace("pass_", "pass"),)
        if candidate in document.positions:
            path = candidate
    return path


# --- references inside conditions and derived facts -----------------------------------------


def walk_compares(condition: Condition, prefix: str = "") -> Iterator[tuple[str, Compare]]:
    """Every comparison in a condition, with its full fact path (item facts as ``list.field``)."""
    if isinstance(condition, AllOf):
        for part in condition.all:
            yield from walk_compares(part, prefix)
    elif isinstance(condition, AnyOf):
        for part in condition.any:
            yield from walk_compares(part, prefix)
    elif isinstance(condition, AnyItem):
        yield from walk_compares(condition.where, f"{condition.any_item}.")
    else:
        yield prefix + condition.fact, condition


def params_in(value: Any) -> set[str]:
    """Parameter names referenced anywhere inside a model or value."""
    if isinstance(value, Param):
        return {value.param}
    if isinstance(value, BaseModel):
        return set().union(*(params_in(getattr(value, name)) for name in type(value).model_fields))
    if isinstance(value, (list, tuple)):
        return set().union(*(params_in(v) for v in value))
    return set()


def derived_inputs(derived: Derived) -> set[str]:
    """Fact paths a derived fact reads (item-relative names prefixed with the list path)."""
    operation = getattr(derived, derived.operation)
    prefix = f"{derived.for_each}." if derived.for_each else ""
    found: set[str] = set()

    def add(path: str, within: str = prefix) -> None:
        found.add(_resolved(path, within))

    def visit(value: Any) -> None:
        if isinstance(value, str):
            add(value)
        elif isinstance(value, list):
            for v in value:
                visit(v)
    if derived.operation == "count":
        add(operation.items)
        if operation.where is not None:
            items = _resolved(operation.items, prefix)
            for path, compare in walk_compares(operation.where, f"{items}."):  # any_item within: its own list
                found.add(compare.fact[1:] if compare.fact.startswith("$") else path)
    elif derived.operation in ("within_window", "window_exit"):
        visit(operation.date)
    elif derived.operation == "fresh":
        add(operation.date)
    elif derived.operation == "divide":
        add(operation.numerator)
        visit(operation.denominator)
    elif derived.operation == "lookup":
        visit(operation.key)
    elif derived.operation == "contains":
        add(operation.list)
        if isinstance(operation.value, FactValue):
            add(operation.value.fact)
    elif derived.operation in ("coalesce", "equals", "first_present"):
        visit(operation)
    elif derived.operation in ("subtract", "sum"):
        visit(operation.terms)
    elif derived.operation == "concat":
        visit([part.list for part in operation])
    elif derived.operation == "relative_to_as_of":
        add(operation.date)
        if isinstance(operation.since, FactValue):
            add(operation.since.fact)
    elif derived.operation == "holds":
        for path, _ in walk_compares(operation):
            add(path)
    elif derived.operation == "repeated":
        add(operation.list)
        add(operation.value)
    elif derived.operation == "choose":
        visit([operation.when, operation.then, operation.otherwise])
    elif derived.operation == "uncovered":
        add(operation.list)
        add(operation.items)
        add(operation.value, f"{_resolved(operation.items, prefix)}.")
    return found


def _resolved(path: str, prefix: str) -> str:
    """A path as written in a derived fact, in full: ``$name`` is a top-level fact, any other name is read
    within ``prefix`` (the list a ``for_each`` or ``count`` walks)."""
    return path[1:] if path.startswith("$") else prefix + path


def pack_key(sha256: str, overlay_sha256: str | None) -> str:
    """What identifies a pack as it decides: its files' hash, and its overlay's when it has one."""
    return sha256 if overlay_sha256 is None else f"{sha256}+{overlay_sha256}"


def derived_path(derived: Derived) -> str:
    return f"{derived.for_each}.{derived.name}" if derived.for_each else derived.name


# --- the pack -------------------------------------------------------------------------------


@dataclass
class RulePack:
    """A loaded, validated rule pack, optionally with one regional overlay applied."""

    index: PackIndex
    root: Path
    sha256: str
    parameters: dict[str, Parameter]
    derived: list[Derived]
    """Derived facts of the concept files; each rule carries its own in ``rule.derived``."""
    rules: list[Rule]
    locations: dict[str, Location] = field(default_factory=dict)
    region: str | None = None
    overlay_version: str | None = None
    overlay_sha256: str | None = None

    @property
    def id(self) -> str:
        return self.index.id

    @property
    def version(self) -> str:
        return self.index.version

    def rule(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)

    def parameter_value(self, name: str, on: date) -> Any:
        """The latest dated value on or before ``on``; a dated null ends the parameter."""
        parameter = self.parameters[name]
        in_force = [d for d in parameter.values if d <= on]
        if not in_force:
            raise ParameterNotInForce(name, on, self.locations.get(f"parameter:{name}"))
        value = parameter.values[max(in_force)].value
        if value is None:
            raise ParameterNotInForce(name, on, self.locations.get(f"parameter:{name}"))
        return value

    def resolve(self, on: date, names: set[str] | None = None) -> dict[str, Any]:
        return {name: self.parameter_value(name, on) for name in sorted(names or self.parameters)}

    def rule_params(self, rule: Rule) -> set[str]:
        """Parameters a rule uses, directly or through the derived facts it reads."""
        facts, params = self.rule_dependencies(rule)
        return params

    def rule_dependencies(self, rule: Rule) -> tuple[set[str], set[str]]:
        """(fact paths, parameter names) a rule reads, following derived facts transitively."""
        by_path = {derived_path(d): d for d in self.all_derived()}
        facts: set[str] = set()
        params = params_in(rule.outcomes) | params_in(rule.evidence)
        pending = [path for _, clause in rule.outcomes.clauses() for path, _ in walk_compares(clause.when)]
        while pending:
            path = pending.pop()
            if path in facts:
                continue
            facts.add(path)
            if path in by_path:
                params |= params_in(by_path[path])
                if by_path[path].param is not None:
                    params.add(by_path[path].param)
                pending.extend(derived_inputs(by_path[path]))
        return facts, params

    def all_derived(self) -> list[Derived]:
        return list(self.derived) + [d for rule in self.rules for d in rule.derived]

    @property
    def pack_hash(self) -> str:
        return pack_key(self.sha256, self.overlay_sha256)


def _file_hash(files: list[Path], root: Path) -> str:
    return content_hash((path.relative_to(root).as_posix(), path.read_bytes()) for path in files)


def content_hash(files: Iterable[tuple[str, bytes]]) -> str:
    """A pack's hash: of each file's path (relative to the pack) and bytes, in order. Also taken of the
    copies a decision log keeps (``_log_packs``), so a copy hashes as the files it was made of."""
    digest = hashlib.sha256()
    for name, data in files:
        digest.update(name.encode() + b"\0" + data + b"\0")
    return digest.hexdigest()


def _register(target: dict[str, Any], locations: dict[str, Location], key: str, value: Any, where: Location) -> None:
    if key in target:
        raise RuleFileError(f"{key.split(':', 1)[-1]!r} is defined twice (first at {locations[key]})", where)
    target[key] = value
    locations[key] = where


def load_pack(path: Path | str | None = None, *, region: str | Path | None = None) -> RulePack:
    """Load a pack directory (default: the bundled covenant pack) and optionally a region overlay."""
    pack = _load_base(Path(path) if path else RULES_DIR / DEFAULT_PACK)
    if region is not None:
        pack = apply_overlay(pack, _overlay_path(region))
    return pack


def _overlay_path(region: str | Path) -> Path:
    candidate = Path(region)
    if candidate.suffix in (".yaml", ".yml") or candidate.exists():
        return candidate
    return RULES_DIR / "regions" / f"{region}.yaml"


@cache
def _load_base(root: Path) -> RulePack:
    root = root.resolve()
    index_path = root / "index.yaml"
    if not index_path.is_file():
        raise RuleFileError("no index.yaml: not a rule pack directory", Location(root))
    index = validate(PackIndex, load_yaml(index_path))
    entries: dict[str, Any] = {}
    locations: dict[str, Location] = {}
    derived: list[Derived] = []
    rules: list[Rule] = []
    files = [index_path]

    for relative in index.concepts:
        document = load_yaml(root / relative)
        files.append(root / relative)
        concept = validate(ConceptFile, document)
        _collect(concept.parameters, concept.derived, document, ("",), entries, locations, derived)
    for relative in index.rules:
        document = load_yaml(root / relative)
        files.append(root / relative)
        rule = validate(RuleFile, document).rule
        _register(entries, locations, f"rule:{rule.id}", rule, document.location(("rule", "id")))
        _collect(rule.parameters, rule.derived, document, ("rule",), entries, locations, None)
        rules.append(rule)

    parameters = {k.split(":", 1)[1]: v for k, v in entries.items() if k.startswith("parameter:")}
    return RulePack(index, root, _file_hash(files, root), parameters, derived, rules, locations)


def _collect(
    parameters: dict[str, Parameter],
    derived: list[Derived],
    document: YamlDocument,
    base: tuple[str, ...],
    entries: dict[str, Any],
    locations: dict[str, Location],
    concept_derived: list[Derived] | None,
) -> None:
    prefix = tuple(p for p in base if p)
    for name, parameter in parameters.items():
        _register(entries, locations, f"parameter:{name}", parameter, document.location(prefix + ("parameters", name)))
    for position, item in enumerate(derived):
        _register(entries, locations, f"derived:{derived_path(item)}", item, document.location(prefix + ("derived", position)))
        if concept_derived is not None:
            concept_derived.append(item)


# --- overlays -------------------------------------------------------------------------------


def apply_overlay(pack: RulePack, overlay_path: Path) -> RulePack:
    """A region's overlay: may add rules and tighten parameters; may not drop or loosen a floor rule."""
    document = load_yaml(overlay_path)
    overlay = validate(Overlay, document)
    if overlay.extends != pack.id:
        raise OverlayError(f"extends {overlay.extends!r}, but the pack is {pack.id!r}", document.location(("extends",)))

    floor_params: set[str] = set()
    for rule in pack.rules:
        if rule.floor:
            floor_params |= pack.rule_params(rule)

    for position, rule_id in enumerate(overlay.drop):
        where = document.location(("drop", position))
        try:
            dropped = pack.rule(rule_id)
        except KeyError:
            raise OverlayError(f"cannot drop unknown rule {rule_id!r}", where) from None
        if dropped.floor:
            raise OverlayError(f"rule {rule_id!r} is a floor of art. 14.3/14.4 and may not be dropped", where)

    parameters = dict(pack.parameters)
    for name, override in overlay.parameters.items():
        where = document.location(("parameters", name))
        if name not in parameters:
            raise OverlayError(f"unknown parameter {name!r}", where)
        base = parameters[name]
        merged = base.model_copy(update={"values": {**base.values, **override.values}})
        if name in floor_params:
            _check_not_looser(name, base, merged, where)
        parameters[name] = merged

    rules = [rule for rule in pack.rules if rule.id not in overlay.drop]
    locations = dict(pack.locations)
    defined = {derived_path(d) for d in pack.all_derived()}
    for position, rule in enumerate(overlay.rules):
        where = document.location(("rules", position, "id"))
        if any(existing.id == rule.id for existing in pack.rules):
            raise OverlayError(f"rule {rule.id!r} already exists in the pack; add a new id instead", where)
        locations[f"rule:{rule.id}"] = where
        rules.append(rule)
        for derived in rule.derived:
            path = derived_path(derived)
            if path in defined:  # derived facts are shared by name: redefining one would change the pack's rules
                raise OverlayError(f"derived fact {path!r} is already defined by the pack (or this overlay); "
                                   "give the region's fact another name", where)
            defined.add(path)
            locations[f"derived:{path}"] = where
        for pname, parameter in rule.parameters.items():
            if pname in parameters:
                raise OverlayError(f"parameter {pname!r} is already defined by the pack", where)
            parameters[pname] = parameter
    return RulePack(
        pack.index, pack.root, pack.sha256, parameters, list(pack.derived), rules, locations,
        region=overlay.region, overlay_version=overlay.version,
        overlay_sha256=hashlib.sha256(overlay_path.read_bytes()).hexdigest(),
    )


def _check_not_looser(name: str, base: Parameter, merged: Parameter, where: Location) -> None:
    if base.stricter is None:
        raise OverlayError(f"parameter {name!r} serves a floor rule and declares no 'stricter' direction; it cannot be changed", where)
    for on in sorted(set(base.values) | set(merged.values)):
        old = _value_on(base, on)
        new = _value_on(merged, on)
        if old is not None and not _as_strict(base.stricter, old, new):
            raise OverlayError(
                f"loosens floor parameter {name!r} on {on.isoformat()}: {old!r} -> {new!r} (stricter is {base.stricter})",
                where,
            )


def _value_on(parameter: Parameter, on: date) -> Any:
    dates = [d for d in parameter.values if d <= on]
    return parameter.values[max(dates)].value if dates else None


def _as_strict(direction: str, old: Any, new: Any) -> bool:
    if new is None:
        return False
    if isinstance(old, dict):
        return isinstance(new, dict) and all(k in new and _as_strict(direction, v, new[k]) for k, v in old.items() if v is not None)
    if direction == "higher":
        return bool(new >= old)
    if direction == "lower":
        return bool(new <= old)
    if direction == "subset":
        return set(new) <= set(old)
    if direction == "superset":
        return set(new) >= set(old)
    return bool(new == old or new == (direction == "true"))
