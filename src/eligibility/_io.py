"""Reading dossiers from files, with errors that name the field and the reason."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from ._dossier import Dossier
from ._errors import DossierError


def field_path(loc: tuple[Any, ...], whole: str = "(dossier)") -> str:
    """A pydantic error location as a dotted path: ``housing[0].floor_area_m2``."""
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or whole


def parse_dossier(data: Any, source: str) -> Dossier:
    try:
        return Dossier.model_validate(data)
    except ValidationError as exc:
        problems = [(field_path(error["loc"]), error["msg"]) for error in exc.errors()]
        raise DossierError(source, problems) from exc


def load_dossier(path: Path) -> Dossier:
    """A dossier from JSON (or YAML, by extension). Nothing is guessed: invalid input is an error."""
    return parse_dossier(read_data(path), str(path))


def read_data(path: Path, raw: bytes | None = None) -> Any:
    """JSON (or YAML, by extension) data from a file, or from its ``raw`` bytes already read;
    ``DossierError`` names the line or the reason."""
    try:
        text = (path.read_bytes() if raw is None else raw).decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise DossierError(str(path), [("(file)", str(exc))]) from exc
    try:
        if path.suffix.lower() in (".yaml", ".yml"):
            data = yaml.safe_load(text)
        else:
            data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DossierError(str(path), [(f"line {exc.lineno}, column {exc.colno}", f"invalid JSON: {exc.msg}")]) from exc
    except yaml.YAMLError as exc:
        raise DossierError(str(path), [("(file)", f"invalid YAML: {exc}")]) from exc
    return data
