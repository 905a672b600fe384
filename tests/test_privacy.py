"""Personal data (LEGAL.md art. 10.3): marked fields, one list of them, and the README naming them."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from eligibility._cli import main
from eligibility._privacy import WHAT, personal_data_fields

ROOT = Path(__file__).parents[1]


def _schema(what: str) -> dict[str, object]:
    result = CliRunner().invoke(main, ["schema", what])
    assert result.exit_code == 0
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_signatories_sole_traders_directors_and_officers_are_listed() -> None:
    dossier = personal_data_fields()
    for path in (
        "declarations.endorsement.signatory",
        "declarations.fines.signatory",
        "partner.name",
        "partner.trade_names",
        "registers.kvk.registration.name",
        "registers.sncu.verdicts[].parties",
        "registers.sncu.verdicts[].title",
        "registers.sncu.verdicts[].link.matched_name",
        "registers.inspectorate.results[].link.confirmed_by",
        "registers.abu.memberships[].member_name",
    ):
        assert path in dossier, path
    assert "partner.kvk_number" not in dossier and "registers.sncu.verdicts[].verdict_date" not in dossier
    assert personal_data_fields("application") == [p for p in dossier if p.startswith("declarations.")]
    assert personal_data_fields("decision") == ["partner"]
    log = personal_data_fields("log")
    assert {"override.officer", "approval.approver", "decision.decision.partner"} <= set(log)
    assert {f"decision.dossier.{path}" for path in dossier} <= set(log)


def test_the_marks_show_in_the_printed_schema() -> None:
    schema = _schema("dossier")
    defs = schema["$defs"]
    assert isinstance(defs, dict)
    assert defs["Endorsement"]["properties"]["signatory"]["x-personal-data"] is True
    assert defs["SncuVerdict"]["properties"]["parties"]["x-personal-data"] is True
    assert defs["Identity"]["properties"]["name"]["x-personal-data"] is True
    assert "x-personal-data" not in defs["Identity"]["properties"]["kvk_number"]
    application = _schema("application")
    assert application["$defs"]["Motivation"]["properties"]["signatory"]["x-personal-data"] is True  # type: ignore[index]


def test_the_list_is_read_from_the_marks_not_kept_by_hand() -> None:
    """Every marked property of the printed schema is listed, and nothing else."""
    schema = _schema("dossier")
    marked = {
        f"{name}.{prop}"
        for name, model in schema["$defs"].items()  # type: ignore[union-attr]
        for prop, spec in model.get("properties", {}).items()
        if spec.get("x-personal-data")
    }
    listed_leaves = {path.rsplit(".", 1)[-1] for path in personal_data_fields()}
    assert {m.rsplit(".", 1)[-1] for m in marked} == listed_leaves


def test_the_readme_names_every_marked_field() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    privacy = readme[readme.index("**Privacy**"):]
    privacy = privacy[: privacy.index("\n\n")]
    named = set(re.findall(r"`([^`]+)`", privacy))
    for path in personal_data_fields("log"):
        assert any(path == name or path.endswith("." + name) for name in named), path


def test_an_unknown_document_is_refused() -> None:
    with pytest.raises(ValueError, match="choose one of"):
        personal_data_fields("rule")
    assert "log" in WHAT
