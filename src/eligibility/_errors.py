"""Errors raised by eligibility, kept apart by what went wrong.

    EligibilityError
    ├── RuleError                 a rule pack or overlay is wrong (names file, line, column)
    │   ├── RuleFileError         YAML syntax, duplicate keys, schema violations
    │   ├── OverlayError          a regional overlay drops or loosens a floor rule (art. 14.3/14.4)
    │   └── ParameterNotInForce   a parameter has no value on the decision date
    ├── DossierError              a dossier is invalid (names the field and why)
    ├── EngineError               an engine failed or is unavailable
    │   └── EngineUnavailable     e.g. durable-rules does not import on this Python
    ├── LogError                  the decision log cannot do what was asked
    │   ├── LogWriteError         a record could not be written (the evaluation fails too)
    │   ├── RecordNotFound        no record with this id
    │   └── OverrideError         an override breaks a rule (justification, citation, four eyes)
    └── ScrapingError             a register could not be read (see scrapers/)
        ├── FetchError            network, HTTP status, robots.txt refusal
        └── LayoutChangedError    the page or file no longer has the structure the parser expects
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path


class EligibilityError(Exception):
    """Base of every error this package raises on purpose."""


@dataclass(frozen=True)
class Location:
    """Where in a rule file something is wrong (1-based line and column)."""

    file: Path | str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        parts = [str(self.file)]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)


class RuleError(EligibilityError):
    """A rule pack is wrong. Carries the location when known."""

    def __init__(self, message: str, location: Location | None = None, key: str | None = None) -> None:
        self.message = message
        self.location = location
        self.key = key
        prefix = f"{location}: " if location else ""
        where = f"{key}: " if key else ""
        super().__init__(f"{prefix}{where}{message}")


class RuleFileError(RuleError):
    """YAML syntax, duplicate keys, or a schema violation in a rule file."""


class OverlayError(RuleError):
    """A regional overlay tries to drop or loosen a rule that art. 14.3/14.4 make a floor."""


class BeforePackError(EligibilityError):
    """The decision date lies before the rule pack applies: there is nothing to decide under it."""


class ParameterNotInForce(RuleError):
    """A parameter has no value on the decision date."""

    def __init__(self, name: str, on: date, location: Location | None = None) -> None:
        self.name = name
        self.on = on
        super().__init__(f"parameter {name!r} has no value in force on {on.isoformat()}", location, key=name)


class DossierError(EligibilityError):
    """A dossier failed validation. ``problems`` lists (field path, reason)."""

    WHAT = "dossier"
    """What the file is, in the message ("invalid dossier")."""

    def __init__(self, source: str, problems: list[tuple[str, str]]) -> None:
        self.source = source
        self.problems = problems
        lines = "\n".join(f"  {field}: {reason}" for field, reason in problems)
        super().__init__(f"{source}: invalid {self.WHAT}\n{lines}")


class EngineError(EligibilityError):
    """An engine failed while evaluating."""


class EngineUnavailable(EngineError):
    """The engine cannot run on this installation."""


class LogError(EligibilityError):
    """The decision log cannot do what was asked (see the subclasses)."""


class LogWriteError(LogError):
    """A record could not be written. The evaluation that produced it must fail too."""


class RecordNotFound(LogError):
    """No record with this id in the log."""

    def __init__(self, record_id: str, path: Path, kind: str | None = None) -> None:
        self.record_id = record_id
        what = f"no {kind} record" if kind else "no record"
        super().__init__(f"{what} {record_id!r} in the decision log {path}")


class OverrideError(LogError):
    """An override request or approval breaks a rule (justification, citation, four eyes)."""


class ScrapingError(EligibilityError):
    """A register could not be read or understood."""

    def __init__(self, message: str, url: str | None = None) -> None:
        self.url = url
        super().__init__(f"{message} ({url})" if url else message)


class FetchError(ScrapingError):
    """Network failure, refused by robots.txt, or an HTTP error status after retries."""


class LayoutChangedError(ScrapingError):
    """The response no longer has the structure the parser relies on; never an empty result."""

    def __init__(self, url: str | None, missing: str) -> None:
        self.missing = missing
        super().__init__(f"layout changed: {missing}", url)
