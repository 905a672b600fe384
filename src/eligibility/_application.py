"""What a partner supplied with its application: the parts of a dossier no register can show.

The covenant asks for signed declarations (annex 3 a, b, d, e, f), for housing providers the
locations with their floor areas and marks, and sometimes proof of equivalence to a mark (e.g. a
NEN 4400 report). Registers hold none of it, so a dossier built from the registers alone can at
best be *needs review*. A region keeps what each partner handed in as an **application file**:
JSON or YAML, named after the partner's KvK number (``68750110.json``), holding exactly the
dossier's ``declarations``, ``housing`` and ``equivalence`` sections (same schema, same
provenance per item: which document, received when) and optionally ``kvk_number`` (then it must
match the file name). ``eligibility schema application`` prints the schema.

``check --kvk`` and ``dossier build`` take one file (``--application``); ``screen`` takes a
folder of them (``--applications``) and attaches each to the list row with that KvK number. The
registers' sections are never taken from an application: a partner cannot vouch for itself in
a register.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from hashlib import sha256
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError, model_validator

from ._dossier import Declarations, EquivalenceEvidence, HousingLocation, KvkNumber, _Model, unique_housing_ids
from ._errors import DossierError
from ._io import field_path, read_data

SUFFIXES = (".json", ".yaml", ".yml")
_FILE_NAME = re.compile(r"[0-9]{8}")  # ASCII digits, as a KvK number (\d takes other scripts' too)


class Application(_Model):
    """The partner-supplied sections of a dossier (see the module docstring)."""

    kvk_number: KvkNumber | None = Field(default=None, description="The partner's KvK number; must match the file name.")
    declarations: Declarations = Declarations()
    housing: list[HousingLocation] = []
    equivalence: list[EquivalenceEvidence] = []

    @model_validator(mode="after")
    def _unique_housing_ids(self) -> Application:
        unique_housing_ids(self.housing)
        return self

    def sections(self) -> dict[str, Any]:
        """The keyword arguments ``scrapers._pipeline.build_dossier`` takes them as."""
        return {"declarations": self.declarations, "housing": self.housing, "equivalence": self.equivalence}


class ApplicationError(DossierError):
    """An application file that cannot be used; ``problems`` lists (field path, reason)."""

    WHAT = "application file"

    def one_line(self) -> str:
        """For a results row: file name and every problem on one line."""
        return f"application file {Path(self.source).name}: " + "; ".join(f"{w}: {r}" for w, r in self.problems)


def load_application(path: Path, kvk_number: str | None = None, raw: bytes | None = None) -> Application:
    """An application from JSON or YAML (``raw``: its bytes, already read); ``kvk_number`` (the
    partner's) must match the file's. Raises ``ApplicationError`` naming the file, the field and the reason.
    """
    try:
        data = read_data(path, raw)
    except DossierError as exc:
        raise ApplicationError(exc.source, exc.problems) from exc
    try:
        application = Application.model_validate(data)
    except ValidationError as exc:
        raise ApplicationError(str(path), [(field_path(e["loc"], "(application)"), e["msg"]) for e in exc.errors()]) from exc
    if kvk_number is not None and application.kvk_number not in (None, kvk_number):
        raise ApplicationError(str(path), [("kvk_number", f"is {application.kvk_number}, but the partner's KvK number "
                                                          f"is {kvk_number}")])
    named = path.stem if _FILE_NAME.fullmatch(path.stem) else None  # as a folder names them: 68750110.json
    if kvk_number is not None and application.kvk_number is None and named not in (None, kvk_number):
        raise ApplicationError(str(path), [("(file name)", f"names KvK number {named}, but the partner's is {kvk_number}, "
                                                           "and the file gives no kvk_number of its own")])
    if kvk_number is not None and application.kvk_number is None and named is None:
        # the declarations carry no partner identity: another company's signed form would count for this one
        raise ApplicationError(str(path), [("kvk_number", f"is missing, and the file name does not name the partner: "
                                                          f"give kvk_number {kvk_number} in the file, or name it "
                                                          f"{kvk_number}{path.suffix or '.json'}")])
    return application


@dataclass(frozen=True)
class ApplicationFolder:
    """A folder of application files, one per partner, named by KvK number.

    Read and parsed once, in the process that starts a screening run (forked workers inherit it):
    ``files`` maps KvK number to path, ``parsed`` to the application or why it cannot be used;
    ``warnings`` names files that were ignored and why; ``digest`` is taken of the very bytes
    parsed, so a resumed run can tell it is judging the same applications, even if a file
    changes during a run.
    """

    directory: Path
    files: dict[str, Path] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    digest: str = ""
    parsed: dict[str, Application | ApplicationError] = field(default_factory=dict)

    @classmethod
    def read(cls, directory: Path) -> ApplicationFolder:
        if not directory.is_dir():
            raise ApplicationError(str(directory), [("(folder)", "is not a folder of application files")])
        files: dict[str, Path] = {}
        parsed: dict[str, Application | ApplicationError] = {}
        warnings: list[str] = []
        hasher = sha256()
        for path in sorted(directory.iterdir()):
            if not path.is_file() or path.name.startswith("."):
                continue
            if path.suffix.lower() not in SUFFIXES:
                warnings.append(f"applications: {path.name} ignored: not .json, .yaml or .yml")
                continue
            if not _FILE_NAME.fullmatch(path.stem):
                warnings.append(f"applications: {path.name} ignored: the name is not an 8-digit KvK number")
                continue
            raw = path.read_bytes()
            hasher.update(f"{path.name}\0{sha256(raw).hexdigest()}\0".encode())
            if path.stem in files:  # which one speaks for the partner? neither is chosen: the row is an error row
                first = files[path.stem].name
                warnings.append(f"applications: {first} and {path.name} are both for KvK number {path.stem}: neither is used")
                parsed[path.stem] = ApplicationError(str(directory), [(
                    "(folder)", f"two application files for KvK number {path.stem}: {first} and {path.name}; keep one")])
                continue
            files[path.stem] = path
            try:
                parsed[path.stem] = load_application(path, path.stem, raw)
            except ApplicationError as exc:
                parsed[path.stem] = exc
        return cls(directory, files, warnings, hasher.hexdigest(), parsed)

    def load(self, kvk_number: str) -> Application | None:
        """The application for a KvK number, None when there is none; raises ``ApplicationError``."""
        found = self.parsed.get(kvk_number)
        if isinstance(found, ApplicationError):
            raise ApplicationError(found.source, found.problems)  # a fresh one each time: no traceback piling up
        return found

    def unmatched(self, kvk_numbers: Iterable[str]) -> list[str]:
        """File names whose KvK number is not among ``kvk_numbers`` (applications for no row)."""
        wanted = set(kvk_numbers)
        return [path.name for number, path in self.files.items() if number not in wanted]


__all__ = ["Application", "ApplicationError", "ApplicationFolder", "load_application"]
