"""Which fields hold personal data (LEGAL.md, "Privacy (art. 10.3)"): one list, read from the marks.

A field that can hold a person's name (a sole trader's, a director's, a signatory's, an
officer's) is marked where it is defined: ``x-personal-data: true`` in the JSON Schema of the
pydantic models (``_dossier.personal_data``), and the same key in the metadata of the decision
log's ``Override`` fields. ``personal_data_fields`` reads those marks, so the list cannot drift
from the models; the README's "Privacy" paragraph and the tests use it. Why each field is kept is
said in ``_dossier``'s module docstring.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from ._dossier import PERSONAL_DATA

WHAT = ("dossier", "application", "decision", "log")
"""What ``personal_data_fields`` can list: the three schemas of ``eligibility schema`` that hold
names, and a decision-log record."""

_LOG_RECORD_KIND = {"officer": "override", "approver": "approval"}
"""The log record that holds each marked field of ``Override`` (a view of request and approval)."""


def personal_data_fields(what: str = "dossier") -> list[str]:
    """Dotted paths of the fields marked as personal data, sorted; ``[]`` stands for a list's items.

    ``what``: ``dossier``, ``application`` or ``decision`` (paths in that JSON document), or
    ``log`` (paths in a decision-log record, after its kind: ``decision.dossier.partner.name``,
    ``override.officer``, ``approval.approver``).
    """
    from ._application import Application
    from ._decision import Decision
    from ._dossier import Dossier

    models: dict[str, Any] = {"dossier": Dossier, "application": Application, "decision": Decision}
    if what in models:
        schema = models[what].model_json_schema(by_alias=True)
        return sorted(_marked(schema, schema.get("$defs", {}), ""))
    if what != "log":
        raise ValueError(f"personal data of {what!r}: choose one of {', '.join(WHAT)}")
    from ._log import Override

    paths = [f"decision.dossier.{path}" for path in personal_data_fields("dossier")]
    paths += [f"decision.decision.{path}" for path in personal_data_fields("decision")]
    for field in dataclasses.fields(Override):
        if field.metadata.get(PERSONAL_DATA):
            if field.name not in _LOG_RECORD_KIND:
                raise ValueError(f"Override.{field.name} is marked as personal data; name its log record kind")
            paths.append(f"{_LOG_RECORD_KIND[field.name]}.{field.name}")
    return sorted(paths)


def _marked(node: Any, defs: dict[str, Any], path: str) -> set[str]:
    """Paths under ``node`` (a JSON Schema) whose schema carries the mark; ``$ref``s followed."""
    if not isinstance(node, dict):
        return set()
    found = {path} if node.get(PERSONAL_DATA) is True else set()
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        found |= _marked(defs[ref.removeprefix("#/$defs/")], defs, path)
    for key in ("anyOf", "oneOf", "allOf"):
        for branch in node.get(key, []):
            found |= _marked(branch, defs, path)
    for name, child in node.get("properties", {}).items():
        found |= _marked(child, defs, f"{path}.{name}" if path else name)
    if isinstance(node.get("items"), dict):
        found |= _marked(node["items"], defs, f"{path}[]")
    if isinstance(node.get("additionalProperties"), dict):
        found |= _marked(node["additionalProperties"], defs, f"{path}.*")
    return found
