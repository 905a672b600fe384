"""The command line: outputs, languages, exit codes, and errors that name the field."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from eligibility._cli import ExitCode, main

ROOT = Path(__file__).parents[1]
LENDER = str(ROOT / "fixtures/dossiers/lender-complete.json")


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def check_lender_with(tmp_path: Path, path: tuple[str, ...], value: object) -> tuple[int, str, str]:
    """``check`` of the lender fixture with the field at ``path`` set to ``value``."""
    data = json.loads(Path(LENDER).read_text())
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    changed = tmp_path / "changed.json"
    changed.write_text(json.dumps(data))
    return run("check", str(changed), "--as-of", "2026-11-23")


def test_check_text_in_dutch_and_english() -> None:
    code, out, _ = run("check", LENDER, "--as-of", "2026-11-23")
    assert code == ExitCode.ELIGIBLE
    assert "Oordeel: GESCHIKT" in out and "Bijlage 3, onder a" in out
    code, out, _ = run("check", LENDER, "--as-of", "2026-11-23", "--lang", "en")
    assert "Verdict: ELIGIBLE" in out and "Every blocking criterion is met." in out


def test_check_text_lists_records_linked_by_name_only() -> None:
    matched = str(ROOT / "fixtures/dossiers/lender-sncu-name-match.json")
    code, out, _ = run("check", matched, "--as-of", "2026-11-25", "--lang", "en")
    assert code == ExitCode.NEEDS_REVIEW
    assert "Linked by name only (confirm or reject each link):\n  - sncu: Flexwerk Oost Uitzendingen 86\n" in out
    assert "Linked by name only" not in run("check", LENDER, "--as-of", "2026-11-23", "--lang", "en")[1]


def test_check_json_is_canonical_and_has_pack_and_hashes() -> None:
    code, out, _ = run("check", LENDER, "--as-of", "2026-11-23", "--format", "json")
    data = json.loads(out)
    assert out.strip() == json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert data["pack"]["id"] == "convenant-2025" and len(data["pack"]["sha256"]) == 64
    assert len(data["dossier_sha256"]) == 64 and data["engine"]["name"] == "native"
    assert data["verdict"] == "eligible"


def test_needs_review_and_expired_exit_codes() -> None:
    code, out, _ = run("check", LENDER, "--as-of", "2027-03-01", "--lang", "en")
    assert code == ExitCode.NEEDS_REVIEW and "days old" in out
    code, out, _ = run("check", LENDER, "--as-of", "2028-01-02", "--lang", "en")
    assert code == ExitCode.NEEDS_REVIEW and "expired on 2027-12-31" in out


def test_not_eligible_exit_code(tmp_path: Path) -> None:
    data = json.loads(Path(LENDER).read_text())
    data["registers"]["kvk"]["registration"]["ended_on"] = "2026-01-01"
    path = tmp_path / "ended.json"
    path.write_text(json.dumps(data))
    code, out, _ = run("check", str(path), "--as-of", "2026-11-23", "--lang", "en")
    assert code == ExitCode.NOT_ELIGIBLE and "The registration ended on 2026-01-01." in out


def test_invalid_dossier_names_field_and_reason(tmp_path: Path) -> None:
    data = json.loads(Path(LENDER).read_text())
    data["partner"]["kvk_number"] = "1234567"
    data["partner"]["rsin"] = "123456789"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))
    code, _, err = run("check", str(path), "--as-of", "2026-11-23")
    assert code == ExitCode.INVALID_INPUT
    assert "partner.kvk_number" in err and "partner.rsin" in err and "11-test" in err


def test_blank_actions_and_regions_are_refused_not_counted(tmp_path: Path) -> None:
    """B3.b asks for actions and regions: a blank entry is no action (it passed as "1 action in 1 region: ")."""
    data = json.loads(Path(LENDER).read_text())
    data["declarations"]["motivation"]["actions"] = ["  "]
    data["declarations"]["motivation"]["regions"] = [""]
    path = tmp_path / "blank.json"
    path.write_text(json.dumps(data))
    code, _, err = run("check", str(path), "--as-of", "2026-11-23")
    assert code == ExitCode.INVALID_INPUT
    assert "declarations.motivation.actions[0]" in err and "declarations.motivation.regions[0]" in err


def test_invisible_actions_regions_and_declared_municipalities_are_refused(tmp_path: Path) -> None:
    """A zero-width space, a word joiner or an empty municipality said nothing, yet passed B3.b and the Wgv check."""
    data = json.loads(Path(LENDER).read_text())
    data["declarations"]["motivation"]["actions"] = ["\u200b"]
    data["declarations"]["motivation"]["regions"] = ["\u2060 "]
    data["declarations"]["fines"]["housing_municipalities"] = ["Enschede", ""]
    path = tmp_path / "invisible.json"
    path.write_text(json.dumps(data))
    code, _, err = run("check", str(path), "--as-of", "2026-11-23")
    assert code == ExitCode.INVALID_INPUT
    for field in ("declarations.motivation.actions[0]", "declarations.motivation.regions[0]",
                  "declarations.fines.housing_municipalities[1]"):
        assert field in err
    assert "only spaces or invisible characters" in err


@pytest.mark.parametrize("as_of", ["20261123", "2026-W47-1", "2026-11-23T10:00", "23-11-2026", "2026-11-23 "])
def test_as_of_takes_yyyy_mm_dd_only(as_of: str, tmp_path: Path) -> None:
    """Python's fromisoformat read 20261123 and the week date 2026-W47-1 (2026-11-16) without a word;
    ``screen`` took them until the commands shared one check."""
    code, _, err = run("check", LENDER, "--as-of", as_of)
    assert code == 2 and "is not a date as YYYY-MM-DD" in err
    code, _, err = run("screen", str(ROOT / "fixtures/lists/partners-nl.csv"), "--as-of", as_of, "--out", str(tmp_path))
    assert code == 2 and "is not a date as YYYY-MM-DD" in err and not any(tmp_path.iterdir())


@pytest.mark.parametrize("option, value, hint", [
    ("--kvk", "8750110", "with its leading zero: 08750110?"), ("--kvk", "6875O110", "8 digits"),
    ("--kvk", "687501101", "8 digits"), ("--predecessor", "1234567", "with its leading zero: 01234567?"),
    ("--kvk", "٦٨٧٥٠١١٠", "8 digits"), ("--predecessor", "１２３４５６７", "8 digits")])  # digits of other scripts
def test_a_kvk_number_that_is_not_8_digits_is_a_usage_error_naming_the_option(option: str, value: str, hint: str) -> None:
    """It gave a Python traceback, or (with --application) blamed the application file."""
    numbers = {"--kvk": "68750110", "--predecessor": "12345678", option: value}
    code, _, err = run("check", "--kvk", numbers["--kvk"], "--predecessor", numbers["--predecessor"], "--role", "uitlener",
                       "--offline", "--as-of", "2026-11-23")
    assert code == 2 and f"Invalid value for '{option}': '{value}' is not a KvK number" in err and hint in err
    assert "Traceback" not in err


def test_a_key_given_twice_in_a_dossier_file_is_refused_naming_it(tmp_path: Path) -> None:
    """``"roles": ["uitlener"]`` then ``"roles": ["werkgever"]``: the lender criteria silently fell away."""
    text = Path(LENDER).read_text(encoding="utf-8")
    doubled = text.replace('"roles": [', '"roles": ["werkgever"],\n  "roles": [', 1)
    assert doubled != text
    path = tmp_path / "doubled.json"
    path.write_text(doubled, encoding="utf-8")
    code, _, err = run("check", str(path), "--as-of", "2026-11-23")
    assert code == ExitCode.INVALID_INPUT and "duplicate key 'roles' in the object with keys" in err


@pytest.mark.parametrize("path, value", [
    (("declarations", "fines", "signed_on"), "1795392000"),
    (("declarations", "fines", "signed_on"), 1795392000),
    (("declarations", "fines", "signed_on"), "2026-11-24T00:00:00+14:00"),
    (("declarations", "fines", "provenance", "retrieved_at"), 20261123),
    (("declarations", "fines", "provenance", "retrieved_at"), "1795392000"),
])
def test_dates_in_a_dossier_are_iso_text_not_numbers(tmp_path: Path, path: tuple[str, ...], value: object) -> None:
    """A number was read as seconds since 1970 (20261123 became 1970-08-23), a midnight in another zone as its
    nominal day: each a guess. Refused, naming the field."""
    code, _, err = check_lender_with(tmp_path, path, value)
    assert code == ExitCode.INVALID_INPUT and ".".join(path) in err
    assert "is written YYYY-MM-DD" in err or "is written as ISO 8601" in err


def test_a_confirmed_link_nobody_confirmed_is_refused(tmp_path: Path) -> None:
    """A link 'confirmed' by nobody counted like a KvK link: an SNF entry of another name passed art. 14.3b."""
    data = json.loads((Path(LENDER).parent / "housing-provider.json").read_text())
    organisation = data["registers"]["snf"]["organisation"]
    for confirmed_by in (None, " ", "\u200b"):
        organisation.update(kvk_number=None, name="Andere Huisvester B.V.",
                            link={"method": "confirmed", "score": 41, "confirmed_by": confirmed_by})
        path = tmp_path / "confirmed.json"
        path.write_text(json.dumps(data))
        code, _, err = run("check", str(path), "--as-of", "2026-11-23")
        assert code == ExitCode.INVALID_INPUT, confirmed_by
        assert "registers.snf.organisation.link" in err and "needs 'confirmed_by'" in err
    organisation["link"]["confirmed_by"] = "officer-kempen-01"
    path.write_text(json.dumps(data))
    code, _, _ = run("check", str(path), "--as-of", "2026-11-23", "--log", str(tmp_path / "log.sqlite"))
    assert code != ExitCode.INVALID_INPUT


def test_one_inspection_and_law_listed_twice_is_refused_not_counted_twice(tmp_path: Path) -> None:
    """Two rows of one inspection (one per employee) counted as two fined decisions: a wrong not eligible."""
    data = json.loads(Path(LENDER).read_text())
    result = {"inspection_id": "INS-1", "law": "wml", "kind": "fine", "amount_eur": 500, "final": True,
              "decision_date": "2026-03-01", "link": {"method": "kvk"}}
    data["registers"]["inspectorate"]["results"] = [result, dict(result)]
    path = tmp_path / "twice.json"
    path.write_text(json.dumps(data))
    code, _, err = run("check", str(path), "--as-of", "2026-11-23")
    assert code == ExitCode.INVALID_INPUT
    assert "registers.inspectorate" in err and "results 0 and 1 are both inspection INS-1 under wml" in err


def test_a_decision_date_before_the_covenant_is_a_clear_error() -> None:
    """It stopped on "parameter 'seasonal_max_months' has no value in force", naming a YAML line."""
    code, _, err = run("check", LENDER, "--as-of", "2025-06-17")
    assert code == ExitCode.INVALID_INPUT
    assert "the decision date 2025-06-17 lies before rule pack convenant-2025" in err and "(2025-06-18," in err
    assert run("check", LENDER, "--as-of", "2025-06-18")[0] != ExitCode.INVALID_INPUT


def test_values_no_dossier_can_hold_are_refused_naming_the_field(tmp_path: Path) -> None:
    """Each crashed the evaluation (a window from 9999-12-31, infinity as JSON, a 400-digit count) or passed
    (an invisible signatory)."""
    data = json.loads(Path(LENDER).read_text())
    data["registers"]["inspectorate"]["results"] = [
        {"inspection_id": "I", "law": "wml", "kind": "fine", "final": True, "inspection_start_date": "9999-12-31",
         "link": {"method": "kvk"}},
        {"inspection_id": "J", "law": "wml", "kind": "fine", "final": True, "decision_date": "2026-01-05",
         "amount_eur": 8000, "link": {"method": "kvk"}}]
    data["declarations"]["endorsement"]["signatory"] = "\u200b"
    path = tmp_path / "bounds.json"
    path.write_text(json.dumps(data).replace('"amount_eur": 8000', '"amount_eur": Infinity'))
    code, _, err = run("check", str(path), "--as-of", "2026-11-23")
    assert code == ExitCode.INVALID_INPUT
    assert "registers.inspectorate.results[0]" in err and "inspection_start_date 9999-12-31 lies outside" in err
    assert "declarations.endorsement.signatory" in err
    assert "registers.inspectorate.results[1].amount_eur" in err and "finite number" in err


def test_a_language_declared_twice_counts_once() -> None:
    from eligibility._dossier import LanguageDeclaration

    declaration = LanguageDeclaration.model_validate(json.loads(Path(LENDER).read_text())["declarations"]["languages"]
                                                     | {"languages": ["nl", "pl", "pl"]})
    assert declaration.languages == ["nl", "pl"]


def test_broken_json_names_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"partner": {\n  "name": "x",\n}')
    code, _, err = run("check", str(path), "--as-of", "2026-11-23")
    assert code == ExitCode.INVALID_INPUT and "line 3" in err


def test_bad_date_is_a_usage_error() -> None:
    code, _, err = run("check", LENDER, "--as-of", "23-11-2026")
    assert code == ExitCode.USAGE and "YYYY-MM-DD" in err


@pytest.mark.parametrize("engine_args", [["--engine", "durable"], ["--cross-check"]])
def test_durable_engine_and_cross_check(engine_args: list[str]) -> None:
    code, out, err = run("check", LENDER, "--as-of", "2026-11-23", "--format", "json", *engine_args)
    assert code == ExitCode.ELIGIBLE, err
    data = json.loads(out)
    if "--engine" in engine_args:
        assert data["engine"]["name"] == "durable" and data["engine"]["version"].startswith("durable-rules")
    else:
        assert "agree on every clause" in err


def test_rules_commands() -> None:
    code, out, _ = run("rules", "lint", "--today", "2026-11-23")
    assert code == 0 and "0 errors" in out
    code, out, _ = run("rules", "show")
    assert code == 0 and "art14_4_wtta" in out and "floor" in out
    code, out, _ = run("rules", "show", "art5_floor_area", "--as-of", "2026-01-01")
    assert code == 0 and '"akf_jaarrond": 15' in out
    code, _, err = run("rules", "show", "nope")
    assert code == ExitCode.INVALID_INPUT and "no rule" in err


def test_schema_dossier_is_json_schema() -> None:
    code, out, _ = run("schema", "dossier")
    schema = json.loads(out)
    assert code == 0 and schema["title"] == "Dossier" and "partner" in schema["properties"]


STORE = str(ROOT / "fixtures/registers/store-demo/evidence")


def test_check_by_kvk_offline_from_the_evidence_store() -> None:
    code, out, err = run("check", "--kvk", "68750110", "--role", "uitlener", "--as-of", "2026-11-23",
                         "--offline", "--store", STORE, "--lang", "en")
    # registers pass, but no signed declarations are in any register: needs review, never eligible
    assert code == ExitCode.NEEDS_REVIEW
    assert "[+] Registered with the Chamber of Commerce: met" in out
    assert "[+] Lenders are SNA-certified: met" in out
    assert "NAU adapter disabled by configuration" in err


def test_check_by_kvk_offline_with_a_store_given_as_a_relative_path(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """As the README's first command gives it (a path relative to where it runs)."""
    import shutil

    shutil.copytree(STORE, tmp_path / "evidence")  # opening a store writes its WAL files beside it
    monkeypatch.chdir(tmp_path)
    code, out, _ = run("check", "--kvk", "68750110", "--role", "uitlener", "--as-of", "2026-11-23",
                       "--offline", "--store", "evidence", "--lang", "en")
    assert code == ExitCode.NEEDS_REVIEW and "[+] Lenders are SNA-certified: met" in out


@pytest.mark.parametrize("command", [("check", "--as-of", "2026-11-23"), ("dossier", "build")])
def test_offline_with_a_store_that_is_none_is_an_error_and_makes_none(command: tuple[str, ...], tmp_path: Path) -> None:
    """A mistyped --store (the folder above the store, say) made an empty store there, and every register read as
    "no stored snapshot": the partner went to review with nothing said about the path."""
    wrong = tmp_path / "store-demo"
    code, out, err = run(*command, "--kvk", "68750110", "--role", "uitlener", "--offline", "--store", str(wrong))
    assert code == ExitCode.INVALID_INPUT and out == ""
    assert f"no evidence store at {wrong} (it holds no index.sqlite)" in err and "Traceback" not in err
    assert not wrong.exists()


def test_registers_status_of_a_store_that_is_none_is_an_error_and_makes_none(tmp_path: Path) -> None:
    """It made an empty store at a mistyped path (every register "never" read), which offline checks then read."""
    wrong = tmp_path / "typo-store"
    code, out, err = run("registers", "status", "--store", str(wrong))
    assert code == ExitCode.INVALID_INPUT and out == "" and f"no evidence store at {wrong}" in err
    assert not wrong.exists()


def test_dossier_build_offline_prints_a_valid_dossier() -> None:
    from eligibility import Dossier

    code, out, _ = run("dossier", "build", "--kvk", "01234567", "--role", "uitlener", "--offline", "--store", STORE)
    assert code == 0
    dossier = Dossier.model_validate_json(out)
    verdicts = dossier.registers.sncu.verdicts  # type: ignore[union-attr]
    assert any(v.link.method.value == "name" for v in verdicts)


def test_registers_status_names_every_register() -> None:
    code, out, _ = run("registers", "status", "--store", STORE)
    assert code == 0
    for register in ("kvk", "sna", "inspectorate", "sncu", "abu", "nbbu", "snf"):
        assert f"\n{register} " in out
    assert "could not be read" in out  # the demo store keeps an honest NBBU failure


def test_check_needs_a_dossier_or_kvk() -> None:
    code, _, err = run("check", "--as-of", "2026-11-23")
    assert code == ExitCode.USAGE and "DOSSIER" in err


# --- retention of the evidence store (LEGAL.md art. 10.3) -------------------------------------

PRUNED_AT = datetime(2027, 1, 1, 3, 0, tzinfo=UTC)


@pytest.fixture
def demo_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the demo store (readings of 2026-11-20), a fresh home, and the clock on PRUNED_AT."""
    monkeypatch.setenv("ELIGIBILITY_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("ELIGIBILITY_EVIDENCE_RETENTION_DAYS", raising=False)
    monkeypatch.setattr("eligibility._cli._now", lambda: PRUNED_AT)
    return Path(shutil.copytree(STORE, tmp_path / "evidence"))


def _bodies(store: Path) -> list[Path]:
    return sorted(p for p in (store / "snapshots").rglob("*") if p.is_file())


def test_prune_needs_a_period_and_names_a_bad_one(demo_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, _, err = run("registers", "prune", "--store", str(demo_copy))
    assert code == ExitCode.USAGE and "--older-than" in err and "ELIGIBILITY_EVIDENCE_RETENTION_DAYS" in err
    code, _, err = run("registers", "prune", "--store", str(demo_copy), "--older-than", "0")
    assert code == ExitCode.USAGE and "--older-than" in err
    monkeypatch.setenv("ELIGIBILITY_EVIDENCE_RETENTION_DAYS", "two years")
    code, _, err = run("registers", "prune", "--store", str(demo_copy))
    assert code == ExitCode.INVALID_INPUT and "ELIGIBILITY_EVIDENCE_RETENTION_DAYS='two years'" in err
    code, _, err = run("registers", "status", "--store", str(demo_copy))  # every scraper command names it
    assert code == ExitCode.INVALID_INPUT and "ELIGIBILITY_EVIDENCE_RETENTION_DAYS" in err
    partners = demo_copy.parent / "list.csv"
    partners.write_text("kvk;role\n68750110;uitlener\n", encoding="utf-8")
    code, _, err = run("screen", str(partners), "--as-of", "2026-11-23", "--out", str(demo_copy.parent / "out"),
                       "--offline", "--store", str(demo_copy))
    assert code == ExitCode.INVALID_INPUT and "ELIGIBILITY_EVIDENCE_RETENTION_DAYS='two years'" in err
    assert not (demo_copy.parent / "out").exists()
    monkeypatch.delenv("ELIGIBILITY_EVIDENCE_RETENTION_DAYS")
    code, _, err = run("registers", "prune", "--older-than", "30", "--store", str(demo_copy.parent / "none"))
    assert code == ExitCode.INVALID_INPUT and "no evidence store at" in err
    assert not (demo_copy.parent / "none").exists()
    assert len(_bodies(demo_copy)) == len(_bodies(Path(STORE)))


def test_prune_dry_run_says_what_would_go_and_changes_nothing(demo_copy: Path) -> None:
    before = [(p, p.read_bytes()) for p in _bodies(demo_copy)] + [(demo_copy / "index.sqlite",
                                                                  (demo_copy / "index.sqlite").read_bytes())]
    code, out, _ = run("registers", "prune", "--store", str(demo_copy), "--older-than", "30", "--dry-run")
    assert code == 0 and f"would remove {len(before) - 1} snapshot bodies" in out
    assert "before 2026-12-02 03:00 UTC (--older-than 30)" in out
    assert [(p, p.read_bytes()) for p in [*_bodies(demo_copy), demo_copy / "index.sqlite"]] == before


def test_prune_by_the_setting_then_offline_checks_say_the_evidence_was_removed(
    demo_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ELIGIBILITY_EVIDENCE_RETENTION_DAYS", "30")
    code, out, _ = run("registers", "prune", "--store", str(demo_copy), "--older-than", "45", "--dry-run")
    assert code == 0 and "(--older-than 45)" in out  # the option wins over the setting
    code, out, _ = run("registers", "prune", "--store", str(demo_copy))
    assert code == 0 and out.startswith("removed ") and "(ELIGIBILITY_EVIDENCE_RETENTION_DAYS=30)" in out
    assert _bodies(demo_copy) == []

    code, out, _ = run("registers", "status", "--store", str(demo_copy))
    assert code == 0 and "snapshot bodies removed under the retention setting" in out
    code, out, err = run("check", "--kvk", "68750110", "--role", "uitlener", "--as-of", "2026-11-23",
                         "--offline", "--store", str(demo_copy), "--lang", "en")
    assert code == ExitCode.NEEDS_REVIEW
    assert "[?] Registered with the Chamber of Commerce: unknown" in out
    assert "kvk: failed: SnapshotRemovedError" in err and "removed on 2027-01-01 under the retention setting" in out


def test_a_dossier_file_whose_partner_name_is_another_company_s_goes_to_review(tmp_path: Path) -> None:
    """A file naming "Malafide Flex Uitzendbureau B.V." with the KvK number (and evidence) of "Flexwerk Oost B.V."
    was eligible, shown under the malafide name: b3_c compares the list's name only when given_name is set, which
    only `dossier build` and `screen` did (helper 52). `check` now scores a file's partner name itself."""
    data = json.loads(Path(LENDER).read_text())
    data["partner"]["name"] = "Malafide Flex Uitzendbureau B.V."
    path = tmp_path / "renamed.json"
    path.write_text(json.dumps(data))
    code, out, _ = run("check", str(path), "--as-of", "2026-11-23", "--lang", "en", "--format", "json")
    b3_c = next(c for c in json.loads(out)["criteria"] if c["id"] == "b3_c_kvk_registration")
    assert code == ExitCode.NEEDS_REVIEW and b3_c["clause"] == "given_name_differs"
    assert run("check", LENDER, "--as-of", "2026-11-23")[0] == ExitCode.ELIGIBLE  # its own name scores 100


@pytest.mark.parametrize("path, value", [
    (("declarations", "endorsement", "signatory"), "[naam tekenbevoegde]"),
    (("declarations", "endorsement", "signatory"), "N.N."),
    (("declarations", "compliance", "signatory"), "<signatory>"),
    (("declarations", "motivation", "actions"), ["n.v.t."]),
    (("declarations", "motivation", "regions"), ["TBD"]),
    (("declarations", "motivation", "actions"), ["Lorem ipsum"]),
    (("declarations", "motivation", "actions"), ["Lorem ipsum dolor sit amet, consectetur adipiscing elit."]),
    (("declarations", "motivation", "actions"), ["p.m."]),
    (("declarations", "motivation", "regions"), ["n.t.b."]),
    (("declarations", "motivation", "regions"), ["xxxx"]),
    (("declarations", "endorsement", "signatory"), "n.v.t. (niet van toepassing)"),
    (("declarations", "endorsement", "signatory"), "Voornaam Achternaam"),
])
def test_a_form_s_placeholder_is_refused_as_an_answer(tmp_path: Path, path: tuple[str, ...], value: object) -> None:
    """'n.v.t.' as the only action, '[naam tekenbevoegde]' as the signatory: each passed as given (helpers 52, 55)."""
    code, _, err = check_lender_with(tmp_path, path, value)
    assert code == ExitCode.INVALID_INPUT and "is a placeholder of a form, not an answer" in err
    assert ".".join(path) in err


def test_a_placeholder_motivation_counts_as_none_and_repeated_actions_and_regions_count_once(tmp_path: Path) -> None:
    data = json.loads(Path(LENDER).read_text())
    data["declarations"]["motivation"].update(motivation="n.v.t.", actions=["Taalles", "taalles "],
                                              regions=["Twente", "twente"])
    file = tmp_path / "motivation.json"
    file.write_text(json.dumps(data))
    code, out, _ = run("check", str(file), "--as-of", "2026-11-23", "--lang", "en", "--format", "json")
    b3_b = next(c for c in json.loads(out)["criteria"] if c["id"] == "b3_b_motivation")
    assert b3_b["clause"] == "no_motivation_text"
    data["declarations"]["motivation"]["motivation"] = "Wij willen bijdragen."
    file.write_text(json.dumps(data))
    code, out, _ = run("check", str(file), "--as-of", "2026-11-23", "--lang", "en")
    assert "1 action(s) in 1 region(s): Twente." in out
