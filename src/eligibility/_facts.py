"""From a dossier to the flat fact dictionary both engines read, with the declared derived facts.

Facts are flat: ``registers.kvk.registration.ended_on``. Lists of objects stay lists of flat
dictionaries. A missing value is an absent key (never ``None``), so that "missing" means the
same thing to every engine. All date and arithmetic work happens here, before matching.
"""

from __future__ import annotations

from collections.abc import Container
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from ._pack import RulePack, derived_path
from ._rules_model import Derived, FactValue, Param, Window
from ._text_keys import address_key, code_key, holds_words, same_key
from ._conditions import compile_condition

Facts = dict[str, Any]


def flatten(value: dict[str, Any], prefix: str = "") -> Facts:
    """Nested JSON to dotted keys; ``None`` dropped; lists of objects flattened item by item."""
    flat: Facts = {}
    for key, item in value.items():
        name = f"{prefix}{key}"
        if item is None:
            continue
        if isinstance(item, dict):
            flat.update(flatten(item, f"{name}."))
        elif isinstance(item, list):
            flat[name] = [flatten(i) if isinstance(i, dict) else i for i in item]
        else:
            flat[name] = item
    return flat


DUTCH_TIME = ZoneInfo("Europe/Amsterdam")
"""Dates in a decision are Dutch calendar dates: a moment with a zone (a register read at
2026-11-24T00:30+01:00, stored as 23:30Z the day before) is dated by the Dutch clock."""


def dutch_day_end(day: date) -> datetime:
    """The first moment after ``day`` on the Dutch clock: what was read before it was read on or before that day."""
    return datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=DUTCH_TIME)


def as_dutch_date(value: Any) -> date | None:
    """A date, or the Dutch calendar date of a moment ("2026-05-23T22:30:00Z" is 24 May); None for None."""
    if value is None:
        return None
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    text = str(value)
    if "T" in text:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        return moment.astimezone(DUTCH_TIME).date() if moment.tzinfo else moment.date()
    return date.fromisoformat(text)


def years_before(day: date, years: int) -> tuple[date, bool]:
    """``day`` minus whole years; 29 February becomes 28 February (second value says so)."""
    try:
        return day.replace(year=day.year - years), False
    except ValueError:
        return day.replace(year=day.year - years, day=28), True


def years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, month=3, day=1)


@dataclass
class DerivedNote:
    """A remark a derived fact leaves for the explanation (e.g. the 29 February rule)."""

    fact: str
    text: dict[str, str]


@dataclass
class FactSet:
    facts: Facts
    notes: list[DerivedNote] = field(default_factory=list)


class Deriver:
    """Computes a pack's derived facts for one decision date (parameters resolved once)."""

    def __init__(self, pack: RulePack, as_of: date) -> None:
        self.pack = pack
        self.as_of = as_of
        self._params: dict[str, Any] = {}
        self._ages: dict[str, Any] | None = None
        in_effect = [r for r in pack.rules if r.effective.from_ <= as_of and (r.effective.until is None or as_of <= r.effective.until)]
        self.derived = list(pack.derived) + [d for rule in in_effect for d in rule.derived]
        self.evidence = [e for rule in in_effect for e in rule.evidence if e.max_age_days is not None]
        self._paths = [(d, derived_path(d)) for d in self.derived]
        self._conditions = {
            id(d): compile_condition(condition, self._param, traced=False)
            for d in self.derived
            if (condition := d.holds if d.holds is not None else d.count.where if d.count is not None else None)
            is not None
        }

    def _max_ages(self) -> dict[str, Any]:
        """Per section, the strictest maximum age any rule in effect gives it: ``<path>.fresh`` is
        one fact shared by every rule reading the section, so a rule added by an overlay with a
        longer maximum age cannot make a floor rule's evidence fresh."""
        if self._ages is None:
            self._ages = {}
            for evidence in self.evidence:
                age = self._value(evidence.max_age_days)
                if evidence.path not in self._ages or age < self._ages[evidence.path]:
                    self._ages[evidence.path] = age
        return self._ages

    def _param(self, name: str) -> Any:
        if name not in self._params:
            self._params[name] = self.pack.parameter_value(name, self.as_of)
        return self._params[name]

    def _value(self, value: Any) -> Any:
        return self._param(value.param) if isinstance(value, Param) else value

    def derive(self, base: Facts, only: Container[str] | None = None) -> FactSet:
        """Every derived fact, or only those whose paths ``only`` holds (with what they read)."""
        facts = dict(base)
        facts["as_of"] = self.as_of.isoformat()
        result = FactSet(facts)
        for path, max_age_days in self._max_ages().items():
            self._fresh(facts, path, max_age_days)
        for derived, path in self._paths:
            if only is not None and path not in only:
                continue
            if derived.for_each:
                items = facts.get(derived.for_each)
                if isinstance(items, list):
                    facts[derived.for_each] = [self._set(dict(item), derived, item, facts, result) for item in items]
            else:
                self._set(facts, derived, facts, facts, result)
        return result

    def _leap_day_note(self, derived: Derived, years: int, result: FactSet) -> None:
        """A window that starts on 29 February minus whole years says so, once per fact."""
        start, clamped = years_before(self.as_of, years)
        name = f"{derived.for_each}.{derived.name}" if derived.for_each else derived.name
        if clamped and all(note.fact != name for note in result.notes):
            result.notes.append(DerivedNote(name, {
                "nl": f"29 februari min {years} jaar is {start.isoformat()} (28 februari); het venster begint daar.",
                "en": f"29 February minus {years} years is {start.isoformat()} (28 February); the window starts there.",
            }))

    def _fresh(self, facts: Facts, section: str, max_age: int) -> None:
        retrieved = facts.get(f"{section}.provenance.retrieved_at")
        if retrieved is None:
            return
        age = (self.as_of - as_dutch_date(retrieved)).days  # type: ignore[operator]
        facts[f"{section}.age_days"] = age
        facts[f"{section}.max_age_days"] = max_age  # the strictest of the rules in effect: what reasons must quote
        last = facts.get(f"{section}.provenance.read_until")  # a later page of the reading
        after = age < 0 or (last is not None and as_dutch_date(last) > self.as_of)  # type: ignore[operator]
        facts[f"{section}.read_after_as_of"] = after  # not evidence of the decision date: reasons say so apart
        facts[f"{section}.fresh"] = _is_fresh(age, max_age) and not after

    def _set(self, target: Facts, derived: Derived, scope: Facts, top: Facts, result: FactSet) -> Facts:
        value = self._compute(derived, scope, top, result)
        if value is not None:
            target[derived.name] = value
        return target

    def _get(self, path: str, scope: Facts, top: Facts) -> Any:
        return top.get(path[1:]) if path.startswith("$") else scope.get(path)

    def _first(self, paths: str | list[str], scope: Facts, top: Facts) -> Any:
        for path in [paths] if isinstance(paths, str) else paths:
            value = self._get(path, scope, top)
            if value is not None:
                return value
        return None

    def _compute(self, derived: Derived, scope: Facts, top: Facts, result: FactSet) -> Any:
        op = derived.operation
        spec = getattr(derived, op)
        if op == "coalesce":
            return self._first(spec, scope, top)
        if op == "window_start":
            self._leap_day_note(derived, int(self._value(spec.years)), result)
            return years_before(self.as_of, int(self._value(spec.years)))[0].isoformat()
        if op in ("within_window", "window_exit"):
            self._leap_day_note(derived, int(self._value(spec.years)), result)
            return self._window(op, spec, scope, top)
        if op == "fresh":
            day = as_dutch_date(self._get(spec.date, scope, top))
            return None if day is None else _is_fresh((self.as_of - day).days, int(self._value(spec.max_age_days)))
        if op == "count":
            items = self._get(spec.items, scope, top)
            if not isinstance(items, list):
                return None
            where = self._conditions.get(id(derived))
            return sum(1 for item in items if where is None or where(item if isinstance(item, dict) else {"value": item}, top))
        if op == "divide":
            numerator = self._get(spec.numerator, scope, top)
            denominator = self._first(spec.denominator, scope, top)
            if numerator is None or not denominator:
                return None
            return _rounded(numerator / denominator, spec.digits)
        if op == "lookup":
            table = self._value(spec.table)
            key = self._first(spec.key, scope, top)
            key = key if key is not None else spec.default_key
            return table.get(key) if key is not None else None
        if op == "equals":
            left, right = (self._get(p, scope, top) for p in spec)
            return None if left is None or right is None else left == right
        if op == "contains":
            values = self._get(spec.list, scope, top)
            needle = self._get(spec.value.fact, scope, top) if isinstance(spec.value, FactValue) else self._value(spec.value)
            if not isinstance(values, list) or needle is None:
                return None
            if spec.words:
                return isinstance(needle, str) and holds_words(needle, values)
            if spec.ignore_case:
                return _folded(needle) in {_folded(value) for value in values}
            return needle in values
        if op == "relative_to_as_of":
            day = as_dutch_date(self._get(spec.date, scope, top))
            if spec.since is None:
                reference = self.as_of
            elif isinstance(spec.since, FactValue):
                reference = as_dutch_date(self._get(spec.since.fact, scope, top))
            else:
                reference = as_dutch_date(self._value(spec.since))
            if day is None or reference is None:
                return None
            return {"before": day < reference, "on_or_before": day <= reference,
                    "after": day > reference, "on_or_after": day >= reference}[spec.test]
        if op in ("subtract", "sum"):
            values = [self._get(p, scope, top) for p in spec.terms]
            if any(not isinstance(v, (int, float)) or isinstance(v, bool) for v in values):
                return None
            total = values[0] - sum(values[1:]) if op == "subtract" else sum(values)
            return _rounded(total, spec.digits)
        if op == "concat":
            parts = [(self._get(part.list, scope, top), part.set) for part in spec]
            if not any(isinstance(items, list) for items, _ in parts):
                return None  # none of the sources is present: missing, not "nothing found"
            return [{**item, **extra} for items, extra in parts if isinstance(items, list) for item in items]
        if op == "param":
            return self._param(spec)
        if op == "holds":
            return self._conditions[id(derived)](scope, top)
        if op == "choose":
            flag = self._get(spec.when, scope, top)
            if not isinstance(flag, bool):
                return None
            return self._get(spec.then if flag else spec.otherwise, scope, top)
        if op == "repeated":
            key = address_key if spec.compare == "address" else code_key
            mine = key(scope.get(spec.value))
            items = self._get(spec.list, scope, top)
            if mine is None or not isinstance(items, list):
                return None
            others = (key(item.get(spec.value)) for item in items if isinstance(item, dict))
            return sum(1 for other in others if other is not None and same_key(mine, other)) > 1
        if op == "uncovered":
            texts, items = self._get(spec.list, scope, top), self._get(spec.items, scope, top)
            if not isinstance(texts, list) or not isinstance(items, list):
                return None
            held = {_folded(item.get(spec.value)) for item in items if isinstance(item, dict) and item.get(spec.value)}
            return len({_folded(text) for text in texts} - held)
        if op == "first_present":
            for path in spec:
                if self._get(path, scope, top) is not None:
                    return path.lstrip("$")
            return None
        raise AssertionError(f"unhandled derived operation {op}")  # the model admits no other

    def _window(self, op: str, spec: Window, scope: Facts, top: Facts) -> Any:
        day = as_dutch_date(self._first(spec.date, scope, top))
        if day is None:
            return None
        years = int(self._value(spec.years))
        if op == "window_exit":
            # first decision date on which this date is no longer inside the window (29 Feb safe)
            candidate = years_after(day, years) - timedelta(days=2)
            while _inside(day, candidate, years, spec):
                candidate += timedelta(days=1)
            return candidate.isoformat()
        return _inside(day, self.as_of, years, spec)


def _rounded(value: float, digits: int | None) -> float:
    """``value`` rounded to ``digits`` decimals, or as it is when the rule asks for no rounding."""
    return value if digits is None else round(value, digits)


def _folded(value: Any) -> Any:
    """A text without case or surrounding/double spaces ("Den  Haag " is "den haag"); other values as they are."""
    return " ".join(value.casefold().split()) if isinstance(value, str) else value


def _is_fresh(age_days: int, max_age_days: int) -> bool:
    """Read on or before the decision date and at most ``max_age_days`` before it. A reading taken
    after the decision date shows the register as it was later, not on that date: never fresh."""
    return 0 <= age_days <= max_age_days


def _inside(day: date, as_of: date, years: int, spec: Window) -> bool:
    start, _ = years_before(as_of, years)
    after_start = day >= start if spec.include_start else day > start
    before_end = day <= as_of if spec.include_end else day < as_of
    return after_start and before_end
