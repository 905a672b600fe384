"""Dates and numbers in a dossier lie within bounds, in every model (``_Model._within_bounds``).

The check looks only at the fields that can hold a date, a moment or a number (``_bounded_fields``, read from
the fields' types once per model): these tests hold it to the JSON Schema, which is derived another way."""

from __future__ import annotations

import inspect
import json
import re
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import AwareDatetime, ValidationError, create_model

from eligibility import Dossier
from eligibility import _dossier

ROOT = Path(__file__).resolve().parents[1]
MODELS = [model for model in vars(_dossier).values()
          if inspect.isclass(model) and issubclass(model, _dossier._Model) and model is not _dossier._Model]


def _schema_kinds(schema: dict[str, Any]) -> set[str]:
    """The JSON types and formats a property takes itself (``anyOf`` included; not its items or members)."""
    kinds = {schema.get("type"), schema.get("format")}
    for option in schema.get("anyOf", []):
        kinds |= _schema_kinds(option)
    return {kind for kind in kinds if isinstance(kind, str)}


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_every_field_that_holds_a_date_or_a_number_is_checked(model: type[_dossier._Model]) -> None:
    properties = model.model_json_schema()["properties"]
    expected = {name for name, schema in properties.items()
                if _schema_kinds(schema) & {"integer", "number", "date", "date-time"}}
    assert expected <= set(_dossier._bounded_fields(model)), expected - set(_dossier._bounded_fields(model))


def _lender() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((ROOT / "fixtures/dossiers/lender-fine-wav-2025.json").read_text("utf-8"))
    return data


@pytest.mark.parametrize(("where", "value", "message"), [
    (("registers", "inspectorate", "results", 0, "decision_date"), "2200-01-01",
     "decision_date 2200-01-01 lies outside 1900-01-01 to 2199-12-31"),
    (("registers", "inspectorate", "results", 0, "amount_eur"), 10**9 + 1,
     "amount_eur is larger than 1,000,000,000 (as a number, either way)"),
    (("registers", "inspectorate", "provenance", "retrieved_at"), "1899-12-31T23:00:00+00:00",
     "retrieved_at 1899-12-31 23:00:00+00:00 lies outside"),
])
def test_a_date_or_number_out_of_bounds_is_refused_naming_the_field(where: tuple[Any, ...], value: Any,
                                                                      message: str) -> None:
    data = _lender()
    place: Any = data
    for key in where[:-1]:
        place = place[key]
    place[where[-1]] = value
    with pytest.raises(ValidationError, match=re.escape(message)):
        Dossier.model_validate(data)


@pytest.mark.parametrize("annotation", [Any, Any | None, AwareDatetime, date | None], ids=str)
def test_a_field_of_a_type_the_check_cannot_read_is_checked_too(annotation: Any) -> None:
    """A type that is no date class itself (``Any``, pydantic's ``AwareDatetime``) was passed over: only types known
    to hold no date or number are (helper 77)."""
    model = create_model("Later", __base__=_dossier._Model, when=(annotation, None))
    value = datetime(2200, 1, 2, tzinfo=UTC) if annotation is AwareDatetime else date(2200, 1, 2)
    with pytest.raises(ValidationError, match="when 2200-01-02"):
        model(when=value)
