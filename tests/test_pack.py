"""Loading rule packs: one broken pack per loader error, each naming file, line and what is wrong."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from eligibility import ParameterNotInForce, RuleFileError, load_pack
from eligibility._pack import RULES_DIR

PACK_DIR = RULES_DIR / "convenant-2025"


@pytest.fixture()
def pack_copy(tmp_path: Path) -> Path:
    target = tmp_path / "convenant-2025"
    shutil.copytree(PACK_DIR, target)
    return target


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"fixture edit does not apply: {old!r}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


BROKEN = [
    # (file, old, new, message fragment, expected line of the problem)
    ("concepts/window.yaml", "      2025-06-18:\n        value: 2\n",
     "      2025-06-18:\n        value: 2\n        reference: {document: x, article: y}\n      2025-06-18:\n        value: 3\n",
     "duplicate key '2025-06-18'", 14),
    ("criteria/b3_a_endorsement.yaml", "  severity: blocking", "  severity: blocking\n  severity: warning", "duplicate key 'severity'", None),
    ("criteria/b3_a_endorsement.yaml", "  roles: [uitlener, huisvester, werkgever, dienstverlener]", "  roles: [uitlener, huisvester", "YAML syntax", None),
    ("criteria/b3_a_endorsement.yaml", "  severity: blocking", "  severity: critical", "severity", None),
    ("criteria/b3_a_endorsement.yaml", "when: {fact: declarations.endorsement.endorses, eq: false}",
     "when: {fact: declarations.endorsement.endorses, equals: false}", "Extra inputs", None),
    ("criteria/b3_a_endorsement.yaml", "when: {fact: declarations.endorsement.endorses, eq: false}",
     "when: {fact: declarations.endorsement.endorses, eq: false, ne: true}", "exactly one operator", None),
    ("criteria/b3_a_endorsement.yaml", '    quote: "De toetredende Partij onderschrijft', '    quot: "De toetredende Partij onderschrijft',
     "quote", None),
    ("criteria/b3_e_language.yaml", "    languages_not_counted:", "    window_years:", "defined twice", None),
    ("criteria/b3_g_sncu.yaml", "      within_window: {date: verdict_date, years: {param: window_years}, include_start: true, include_end: true}",
     "      within_window: {date: verdict_date, years: {param: window_years}, include_end: true}", "include_start", None),
]


@pytest.mark.parametrize(("file", "old", "new", "message", "line"), BROKEN, ids=[b[3] for b in BROKEN])
def test_broken_pack_names_file_line_and_reason(pack_copy: Path, file: str, old: str, new: str, message: str,
                                                line: int | None) -> None:
    _edit(pack_copy / file, old, new)
    with pytest.raises(RuleFileError) as caught:
        load_pack(pack_copy)
    error = caught.value
    assert message in str(error)
    assert error.location is not None and Path(error.location.file).name == Path(file).name
    assert error.location.line is not None
    if line is not None:
        assert error.location.line == line


def test_schema_error_points_at_the_offending_line(pack_copy: Path) -> None:
    path = pack_copy / "criteria/b3_a_endorsement.yaml"
    _edit(path, "  severity: blocking", "  severity: critical")
    expected = next(i for i, text in enumerate(path.read_text().splitlines(), 1) if "severity: critical" in text)
    with pytest.raises(RuleFileError) as caught:
        load_pack(pack_copy)
    assert caught.value.location is not None and caught.value.location.line == expected


def test_not_a_pack_directory(tmp_path: Path) -> None:
    with pytest.raises(RuleFileError, match="no index.yaml"):
        load_pack(tmp_path)


def test_pack_hash_is_stable_and_follows_content(pack_copy: Path) -> None:
    original = load_pack(pack_copy).sha256
    assert original == load_pack(PACK_DIR).sha256
    _edit(pack_copy / "criteria/b3_d_compliance.yaml", "Complies with applicable law", "Complies with all applicable law")
    load_pack.__wrapped__ if hasattr(load_pack, "__wrapped__") else None
    from eligibility._pack import _load_base

    _load_base.cache_clear()
    assert load_pack(pack_copy).sha256 != original


def test_parameter_values_in_force() -> None:
    pack = load_pack()
    table = "area_norm_m2_per_person"
    assert pack.parameter_value(table, date(2025, 12, 31))["akf_jaarrond"] == 13
    assert pack.parameter_value(table, date(2026, 1, 1))["akf_jaarrond"] == 15
    assert pack.parameter_value(table, date(2025, 6, 30))["snf_nieuwbouw"] == 12
    assert pack.parameter_value(table, date(2025, 7, 1))["snf_nieuwbouw"] == 15
    with pytest.raises(ParameterNotInForce, match="window_years"):
        pack.parameter_value("window_years", date(2025, 6, 17))


def test_every_boundary_date_resolves_every_parameter_without_gap() -> None:
    """Both sides of every change: the day before and the day of each dated value resolve."""
    pack = load_pack()
    boundaries = {d for p in pack.parameters.values() for d in p.values} | {pack.index.valid_from, pack.index.valid_until}
    for rule in pack.rules:
        boundaries |= {rule.effective.from_} | ({rule.effective.until} if rule.effective.until else set())
    from datetime import timedelta

    for rule in pack.rules:
        for boundary in sorted(boundaries):
            for day in (boundary - timedelta(days=1), boundary):
                in_effect = rule.effective.from_ <= day <= (rule.effective.until or pack.index.valid_until)
                if not in_effect or day < pack.index.valid_from:
                    continue
                for name in pack.rule_params(rule):
                    assert pack.parameter_value(name, day) is not None, (rule.id, name, day)


def test_rule_files_read_alike_with_libyaml_and_pure_python(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rule files are read with libyaml where PyYAML has it (four times faster): the data and every position that
    errors and lint name must be those PyYAML's own reader gives."""
    import yaml

    from eligibility import _yamlfile

    files = sorted(RULES_DIR.glob("**/*.yaml"))
    fast = {path: _yamlfile.load_yaml(path) for path in files}

    class PurePython(yaml.SafeLoader):
        pass

    PurePython.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _yamlfile._construct_mapping)
    monkeypatch.setattr(_yamlfile, "_Loader", PurePython)
    assert len(files) > 20
    for path in files:
        slow = _yamlfile.load_yaml(path)
        assert (fast[path].data, fast[path].positions) == (slow.data, slow.positions), path
