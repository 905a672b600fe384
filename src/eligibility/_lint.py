"""``eligibility rules lint``: what the schema alone cannot check.

Every fact a rule reads exists in the dossier model or is declared as derived; every parameter
referenced exists and has a value on every day its rules are in effect; every placeholder in an
explanation resolves; citations are recent enough; both engines can run every condition.
"""

from __future__ import annotations

import re
import types
import typing
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal

from pydantic import BaseModel

from ._dossier import Dossier
from ._errors import Location
from ._pack import RulePack, derived_inputs, derived_path, params_in, walk_compares
from ._rules_model import AnyItem, Compare, Condition, Derived, LocalText, Param, Rule

CITATION_MAX_AGE_DAYS = 366
"""A citation whose ``verified_on`` is older than this (relative to the lint date) is a warning."""


@dataclass(frozen=True)
class LintProblem:
    severity: Literal["error", "warning"]
    location: Location | None
    message: str

    def __str__(self) -> str:
        where = f"{self.location}: " if self.location else ""
        return f"{where}{self.severity}: {self.message}"


def model_paths(model: type[BaseModel] = Dossier, prefix: str = "") -> dict[str, set[str]]:
    """Flat fact paths of a model: ``{"": top-level paths, "<list path>": item field names}``."""
    found: dict[str, set[str]] = {"": set()}

    def visit(model_type: type[BaseModel], path: str, scope: str) -> None:
        for name, field in model_type.model_fields.items():
            full = f"{path}{name}"
            annotation = field.annotation
            inner = _strip_optional(annotation)
            origin = typing.get_origin(inner)
            if origin is list:
                (item,) = typing.get_args(inner)
                item = _strip_optional(item)
                found[scope].add(full)
                list_path = full if not scope else f"{scope}.{full}"
                found.setdefault(list_path, set())
                if isinstance(item, type) and issubclass(item, BaseModel):
                    visit(item, "", list_path)
                else:
                    found[list_path].add("value")  # a scalar item, as counts see it
            elif isinstance(inner, type) and issubclass(inner, BaseModel):
                visit(inner, f"{full}.", scope)
            else:
                found[scope].add(full)

    visit(model, prefix, "")
    return found


def _strip_optional(annotation: Any) -> Any:
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        options = [a for a in typing.get_args(annotation) if a is not type(None)]
        return options[0] if len(options) == 1 else annotation
    return annotation


_PLACEHOLDER = re.compile(r"\{([a-z_$][a-z0-9_.$]*)\}")


class _Linter:
    def __init__(self, pack: RulePack, today: date) -> None:
        self.pack = pack
        self.today = today
        self.problems: list[LintProblem] = []
        paths = model_paths()
        self.top: set[str] = set(paths.pop("")) | {"as_of"}
        self.items: dict[str, set[str]] = paths
        for rule in pack.rules:
            for evidence in rule.evidence:
                if evidence.max_age_days is not None:
                    self.top |= {f"{evidence.path}.{name}" for name in ("fresh", "age_days", "max_age_days", "read_after_as_of")}
        for derived in pack.all_derived():
            self._declare(derived)

    def _declare(self, derived: Derived) -> None:
        if derived.for_each:
            self.items.setdefault(derived.for_each, set()).add(derived.name)
            return
        self.top.add(derived.name)
        if derived.concat is not None:
            fields = set().union(*(self.items.get(part.list, set()) | set(part.set) for part in derived.concat))
            self.items[derived.name] = fields

    def known(self, path: str) -> bool:
        if path in self.top:
            return True
        for list_path, fields in self.items.items():
            if path.startswith(list_path + ".") and path[len(list_path) + 1:] in fields:
                return True
        return False

    def error(self, where: Location | None, message: str) -> None:
        self.problems.append(LintProblem("error", where, message))

    def warn(self, where: Location | None, message: str) -> None:
        self.problems.append(LintProblem("warning", where, message))

    def run(self) -> list[LintProblem]:
        for derived in self.pack.all_derived():
            where = self.pack.locations.get(f"derived:{derived_path(derived)}")
            for path in sorted(derived_inputs(derived)):
                if not self.known(path):
                    self.error(where, f"derived fact {derived_path(derived)!r} reads unknown fact {path!r}")
            self._check_params(params_in(derived) | ({derived.param} if derived.param else set()), where)
            self._word_stars(derived, where)
        for rule in self.pack.rules:
            self._rule(rule)
        for name, parameter in self.pack.parameters.items():
            where = self.pack.locations.get(f"parameter:{name}")
            for on, value in parameter.values.items():
                references = value.reference if isinstance(value.reference, list) else [value.reference]
                for reference in references:
                    self._citation_age(reference.verified_on, where, f"parameter {name} ({on.isoformat()})")
        return self.problems

    def _rule(self, rule: Rule) -> None:
        where = self.pack.locations.get(f"rule:{rule.id}")
        if "__" in rule.id:
            self.error(where, f"rule id {rule.id!r} may not contain '__' (the durable engine's separator)")
        self._citation_age(rule.citation.verified_on, where, f"rule {rule.id}")
        for evidence in rule.evidence:
            if not (self.known(evidence.path) or any(p.startswith(evidence.path + ".") for p in self.top)
                    or evidence.path in self.items):
                self.error(where, f"rule {rule.id}: evidence path {evidence.path!r} is not in the dossier model")
        names = self.top | set(self.pack.parameters) | {p for fields in self.items.values() for p in fields}
        for outcome, clause in rule.outcomes.clauses():
            self._condition(rule, clause.id, clause.when, where)
            for text in (clause.reason, clause.remedy):
                self._placeholders(rule, clause.id, text, names, where)
        self._placeholders(rule, "otherwise", rule.outcomes.otherwise, names, where)
        _, params = self.pack.rule_dependencies(rule)
        self._check_params(params, where)
        self._params_cover(rule, params, where)

    def _condition(self, rule: Rule, clause_id: str, condition: Condition, where: Location | None) -> None:
        for path, compare in walk_compares(condition):
            if not self.known(path):
                self.error(where, f"rule {rule.id}, clause {clause_id}: unknown fact {path!r}")
            self._operand(rule, clause_id, compare, where)
        self._nesting(rule, clause_id, condition, where, inside=False)

    def _nesting(self, rule: Rule, clause_id: str, condition: Condition, where: Location | None, inside: bool) -> None:
        if isinstance(condition, AnyItem):
            if inside:
                self.error(where, f"rule {rule.id}, clause {clause_id}: any_item inside any_item is not supported")
            self._nesting(rule, clause_id, condition.where, where, inside=True)
        elif isinstance(condition, Compare):
            if inside and condition.fact.startswith("$"):
                self.error(where, f"rule {rule.id}, clause {clause_id}: top-level fact {condition.fact} inside any_item")
        else:
            for part in getattr(condition, "all", None) or getattr(condition, "any", None) or []:
                self._nesting(rule, clause_id, part, where, inside)

    def _operand(self, rule: Rule, clause_id: str, compare: Compare, where: Location | None) -> None:
        value = compare.operand
        if isinstance(value, Param):
            if value.param not in self.pack.parameters:
                self.error(where, f"rule {rule.id}, clause {clause_id}: unknown parameter {value.param!r}")
            return
        if compare.operator in ("in", "not_in") and not isinstance(value, list):
            self.error(where, f"rule {rule.id}, clause {clause_id}: {compare.operator} needs a list")
        if compare.operator in ("lt", "lte", "gt", "gte") and (isinstance(value, bool) or not isinstance(value, (int, float))):
            self.error(where, f"rule {rule.id}, clause {clause_id}: {compare.operator} needs a number")

    def _placeholders(self, rule: Rule, clause_id: str, text: LocalText | None, names: set[str], where: Location | None) -> None:
        if text is None:
            return
        for language in ("nl", "en"):
            for name in _PLACEHOLDER.findall(getattr(text, language)):
                if name.lstrip("$") not in names and not self.known(name.lstrip("$")):
                    self.error(where, f"rule {rule.id}, clause {clause_id} ({language}): unknown placeholder {{{name}}}")

    def _word_stars(self, derived: Derived, where: Location | None) -> None:
        """A ``contains`` with ``words`` reads a ``*`` at the start or end of a text only; one inside ("buitenl*
        vennootschap") would be read as punctuation, and the text match less than its author meant."""
        operation = derived.contains if derived.operation == "contains" else None
        if operation is None or not operation.words:
            return
        source = next((d for d in self.pack.all_derived() if d.name == operation.list and d.param), None)
        parameter = self.pack.parameters.get(source.param) if source is not None and source.param else None
        for on, value in (parameter.values.items() if parameter is not None else ()):
            for text in value.value if isinstance(value.value, list) else ():
                if isinstance(text, str) and "*" in text.strip().strip("*"):
                    self.error(where, f"derived fact {derived_path(derived)!r}: {text!r} of parameter {source.param!r} "
                                      f"({on.isoformat()}) has a '*' inside; contains with words reads one only at "
                                      "the start or end of a text")

    def _check_params(self, params: set[str], where: Location | None) -> None:
        for name in sorted(params - set(self.pack.parameters)):
            self.error(where, f"unknown parameter {name!r}")

    def _params_cover(self, rule: Rule, params: set[str], where: Location | None) -> None:
        """Every parameter a rule uses has a value on every day the rule and the pack are in effect."""
        start = max(rule.effective.from_, self.pack.index.valid_from)
        end = min(rule.effective.until or self.pack.index.valid_until, self.pack.index.valid_until)
        for name in sorted(params & set(self.pack.parameters)):
            values = self.pack.parameters[name].values
            dates = sorted(values)
            if dates[0] > start:
                self.error(where, f"rule {rule.id}: parameter {name!r} has no value from {start.isoformat()} to {(dates[0] - timedelta(days=1)).isoformat()}")
            for on in dates:
                if start <= on <= end and values[on].value is None:
                    self.error(where, f"rule {rule.id}: parameter {name!r} ends on {on.isoformat()} while the rule is in effect")

    def _citation_age(self, verified_on: date | None, where: Location | None, what: str) -> None:
        if verified_on is not None and (self.today - verified_on).days > CITATION_MAX_AGE_DAYS:
            self.warn(where, f"{what}: citation last verified on {verified_on.isoformat()}, more than a year ago")


def lint(pack: RulePack, today: date) -> list[LintProblem]:
    """All problems found; errors make ``eligibility rules lint`` fail. ``today`` only ages citations."""
    return _Linter(pack, today).run()
