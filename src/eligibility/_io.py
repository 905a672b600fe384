"""Reading dossiers from files, with errors that name the field and the reason."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from ._dossier import Dossier
from ._errors import DossierError, RuleFileError
from ._yamlfile import _Loader


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
    ``DossierError`` names the line or the reason. A key given twice in one object is an error:
    the parsers would silently keep the second (``"endorses": false`` then ``"endorses": true``)."""
    try:
        text = (path.read_bytes() if raw is None else raw).decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise DossierError(str(path), [("(file)", str(exc))]) from exc
    try:
        if path.suffix.lower() in (".yaml", ".yml"):
            return yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader
        return json.loads(text, object_pairs_hook=_unique_keys)
    except json.JSONDecodeError as exc:
        raise DossierError(str(path), [(f"line {exc.lineno}, column {exc.colno}", f"invalid JSON: {exc.msg}")]) from exc
    except _DuplicateKey as exc:
        raise DossierError(str(path), [(_lines_of(text, exc.key), str(exc))]) from exc
    except RuleFileError as exc:  # a duplicate key in YAML, with its line
        line = f"line {exc.location.line}" if exc.location and exc.location.line else "(file)"
        raise DossierError(str(path), [(line, exc.message)]) from exc
    except yaml.YAMLError as exc:
        raise DossierError(str(path), [("(file)", f"invalid YAML: {exc}")]) from exc


class _DuplicateKey(ValueError):
    def __init__(self, key: str, keys: list[str]) -> None:
        super().__init__(f"duplicate key '{key}' in the object with keys {', '.join(keys)}: "
                         "the second would silently replace the first")
        self.key = key


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """``json.loads``'s object hook: the object, or ``_DuplicateKey`` when a key repeats."""
    data: dict[str, Any] = {}
    for key, value in pairs:
        if key in data:
            raise _DuplicateKey(key, [k for k, _ in pairs])
        data[key] = value
    return data


def _lines_of(text: str, key: str) -> str:
    """Where a repeated JSON key is written: its lines, when the key is written on at most a few."""
    lines = [number for number, line in enumerate(text.splitlines(), 1) if f'"{key}"' in line]
    return f"lines {', '.join(map(str, lines))}" if 2 <= len(lines) <= 4 else "(file)"
