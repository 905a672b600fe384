"""``rules lint`` finds what the schema cannot: unknown facts, parameters, placeholders, gaps."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from eligibility import lint, load_pack
from eligibility._pack import RULES_DIR, _load_base


def test_bundled_pack_and_overlay_lint_clean() -> None:
    assert [p for p in lint(load_pack(), date(2026, 11, 23)) if p.severity == "error"] == []
    assert [p for p in lint(load_pack(region="voorbeeldregio"), date(2026, 11, 23)) if p.severity == "error"] == []


BROKEN = [
    ("criteria/b3_a_endorsement.yaml", "when: {fact: declarations.endorsement.endorses, eq: false}",
     "when: {fact: declarations.endorsement.endorse, eq: false}", "unknown fact 'declarations.endorsement.endorse'"),
    ("criteria/b3_b_motivation.yaml", "{motivation_actions} actie(s)", "{motivation_acts} actie(s)",
     "unknown placeholder {motivation_acts}"),
    ("criteria/b3_g_sncu.yaml", "window_exit: {date: verdict_date, years: {param: window_years}",
     "window_exit: {date: verdict_date, years: {param: window_yrs}", "unknown parameter 'window_yrs'"),
    ("concepts/window.yaml", "      2025-06-18:\n        value: 2", "      2025-07-01:\n        value: 2",
     "has no value from 2025-06-18 to 2025-06-30"),
    ("criteria/b3_e_language.yaml", "lt: {param: min_support_languages}", "lt: abc", "lt needs a number"),
    ("criteria/art14_3_a_sna.yaml", '"*buitenl*", EER,', '"buitenl* vennootschap", EER,',
     "'buitenl* vennootschap' of parameter 'foreign_legal_forms' (2025-06-18) has a '*' inside"),
]


@pytest.mark.parametrize(("file", "old", "new", "message"), BROKEN, ids=[b[3] for b in BROKEN])
def test_lint_reports(tmp_path: Path, file: str, old: str, new: str, message: str) -> None:
    target = tmp_path / "pack"
    shutil.copytree(RULES_DIR / "convenant-2025", target)
    path = target / file
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    _load_base.cache_clear()
    problems = lint(load_pack(target), date(2026, 11, 23))
    errors = [str(p) for p in problems if p.severity == "error"]
    assert any(message in e for e in errors), errors
    assert all(p.location is not None for p in problems)


def test_old_citations_warn() -> None:
    problems = lint(load_pack(), date(2028, 6, 1))
    assert any(p.severity == "warning" and "more than a year ago" in p.message for p in problems)
