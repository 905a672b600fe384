"""Application files: what partners supplied (declarations, housing, equivalence), attached to
``check --kvk``, ``dossier build`` and ``screen`` by KvK number."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from eligibility._application import ApplicationError, ApplicationFolder, load_application
from eligibility._cli import main
from eligibility._exit import ExitCode
from eligibility._log import DecisionLog
from eligibility._screen import ScreenError, ScreenOptions, screen

ROOT = Path(__file__).resolve().parents[1]
APPLICATION = ROOT / "fixtures" / "applications" / "68750110.json"
DEMO_STORE = ROOT / "fixtures" / "registers" / "store-demo" / "evidence"
LIST = ROOT / "fixtures" / "lists" / "partners-nl.csv"
AS_OF = date(2026, 11, 23)


def data() -> dict[str, Any]:
    return json.loads(APPLICATION.read_text(encoding="utf-8"))


def write(path: Path, content: dict[str, Any]) -> Path:
    path.write_text(json.dumps(content, indent=2), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("store") / "evidence"
    shutil.copytree(DEMO_STORE, target)
    return target


# --- one file -----------------------------------------------------------------------------------


def test_the_fixture_application_holds_the_five_declarations() -> None:
    application = load_application(APPLICATION, "68750110")
    assert application.kvk_number == "68750110"
    assert all(getattr(application.declarations, name) is not None
               for name in ("endorsement", "motivation", "compliance", "languages", "fines"))
    assert application.housing == [] and application.equivalence == []


def test_yaml_reads_the_same_as_json(tmp_path: Path) -> None:
    path = tmp_path / "68750110.yaml"
    path.write_text(yaml.safe_dump(data()), encoding="utf-8")
    assert load_application(path) == load_application(APPLICATION)


@pytest.mark.parametrize(("change", "where", "reason"), [
    (lambda d: d["declarations"]["endorsement"].update(signed_on="1 september"), "declarations.endorsement.signed_on",
     "date"),
    (lambda d: d.update(registers={}), "registers", "Extra inputs are not permitted"),
    (lambda d: d["declarations"]["fines"]["provenance"].update(retrieved_at="2026-09-02T10:00:00"),
     "declarations.fines.provenance", "time zone"),
    (lambda d: d.update(kvk_number="01234567"), "kvk_number", "the partner's KvK number is 68750110"),
    (lambda d: d["declarations"]["languages"].update(languages=["nl", "zz"]), "declarations.languages.languages[1]",
     "'zz' is not an ISO 639-1 language code"),
])
def test_a_bad_file_names_the_file_the_field_and_the_reason(tmp_path: Path, change: Any, where: str, reason: str) -> None:
    content = data()
    change(content)
    path = write(tmp_path / "68750110.json", content)
    with pytest.raises(ApplicationError) as caught:
        load_application(path, "68750110")
    assert str(path) in str(caught.value) and "invalid application file" in str(caught.value)
    assert any(field == where and reason in problem for field, problem in caught.value.problems), caught.value.problems
    assert caught.value.one_line().startswith(f"application file 68750110.json: {where}")


def test_invalid_json_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "68750110.json"
    path.write_text('{\n  "declarations": {,\n}', encoding="utf-8")
    with pytest.raises(ApplicationError, match="line 2, column 20: invalid JSON"):
        load_application(path)


# --- a folder -----------------------------------------------------------------------------------


def test_a_folder_indexes_files_by_kvk_number_and_says_what_it_ignored(tmp_path: Path) -> None:
    shutil.copy(APPLICATION, tmp_path / "68750110.json")
    shutil.copy(APPLICATION, tmp_path / "68750110.yaml")
    (tmp_path / "notes.txt").write_text("x", encoding="utf-8")
    (tmp_path / "Flexwerk.json").write_text("{}", encoding="utf-8")
    (tmp_path / "٦٨٧٥٠١١٠.json").write_text("{}", encoding="utf-8")  # Arabic-Indic digits: no row has that number
    shutil.copy(APPLICATION, tmp_path / "12345678.json")
    folder = ApplicationFolder.read(tmp_path)
    assert folder.files == {"68750110": tmp_path / "68750110.json", "12345678": tmp_path / "12345678.json"}
    assert folder.warnings == [
        "applications: 68750110.json and 68750110.yaml are both for KvK number 68750110: neither is used",
        "applications: Flexwerk.json ignored: the name is not an 8-digit KvK number",
        "applications: notes.txt ignored: not .json, .yaml or .yml",
        "applications: ٦٨٧٥٠١١٠.json ignored: the name is not an 8-digit KvK number",
    ]
    assert folder.load("01234567") is None
    with pytest.raises(ApplicationError, match="two application files for KvK number 68750110: 68750110.json and "
                                               "68750110.yaml; keep one"):
        folder.load("68750110")  # not the first by name: the row becomes an error row naming both
    assert folder.unmatched(["01234567", "68750110"]) == ["12345678.json"] and folder.unmatched(["12345678", "68750110"]) == []


def test_a_key_given_twice_in_an_application_is_refused_naming_it(tmp_path: Path) -> None:
    """The parsers keep the last of two equal keys: ``"endorses": false`` then ``true`` read as yes."""
    text = APPLICATION.read_text(encoding="utf-8")
    doubled = text.replace('"endorses": true', '"endorses": false,\n      "endorses": true', 1)
    assert doubled != text
    path = tmp_path / "68750110.json"
    path.write_text(doubled, encoding="utf-8")
    with pytest.raises(ApplicationError, match="duplicate key 'endorses' in the object with keys signed_on, signatory, "
                                               "endorses, endorses, provenance"):
        load_application(path)
    yaml_path = tmp_path / "68750110.yaml"
    yaml_path.write_text("kvk_number: '68750110'\nkvk_number: '12345678'\n", encoding="utf-8")
    with pytest.raises(ApplicationError) as caught:
        load_application(yaml_path)
    assert caught.value.problems == [("line 2", "duplicate key 'kvk_number' (first at line 1): the second would "
                                                "silently replace the first")]


def test_what_is_judged_is_what_was_read_and_digested(tmp_path: Path) -> None:
    """A file changed during a run does not change the applications the run judges by."""
    path = Path(shutil.copy(APPLICATION, tmp_path / "68750110.json"))
    folder = ApplicationFolder.read(tmp_path)
    path.write_bytes(path.read_bytes().replace(b"J. de Vries", b"Iemand Anders"))
    loaded = folder.load("68750110")
    assert loaded is not None and loaded.declarations.endorsement is not None
    assert loaded.declarations.endorsement.signatory == "J. de Vries"


def test_the_folder_digest_changes_with_any_byte(tmp_path: Path) -> None:
    path = shutil.copy(APPLICATION, tmp_path / "68750110.json")
    before = ApplicationFolder.read(tmp_path).digest
    assert ApplicationFolder.read(tmp_path).digest == before
    Path(path).write_bytes(Path(path).read_bytes().replace(b"J. de Vries", b"J. de Vriez"))
    assert ApplicationFolder.read(tmp_path).digest != before
    with pytest.raises(ApplicationError, match="not a folder"):
        ApplicationFolder.read(tmp_path / "none")


# --- check --kvk and dossier build ---------------------------------------------------------------------


def cli(*args: str) -> Any:
    return CliRunner().invoke(main, list(args))


def test_check_with_the_application_is_eligible_and_without_it_needs_review(tmp_path: Path, store: Path) -> None:
    base = ["check", "--kvk", "68750110", "--role", "uitlener", "--as-of", "2026-11-23", "--offline",
            "--store", str(store), "--log", str(tmp_path / "log.sqlite"), "--format", "json"]
    without = cli(*base)
    assert without.exit_code == ExitCode.NEEDS_REVIEW, without.output
    result = cli(*base, "--application", str(APPLICATION))
    assert result.exit_code == ExitCode.ELIGIBLE, result.output
    decision = json.loads(result.stdout)
    outcomes = {c["id"]: c["outcome"] for c in decision["criteria"]}
    assert outcomes["b3_a_endorsement"] == "pass" and outcomes["b3_f_fines"] == "pass"
    (entry,) = DecisionLog(tmp_path / "log.sqlite").tail(1)
    assert entry.dossier.declarations.endorsement is not None  # the log keeps what was supplied, for replay


def test_check_refuses_an_application_for_another_partner_or_with_a_dossier_file(tmp_path: Path, store: Path) -> None:
    other = write(tmp_path / "app.json", {**data(), "kvk_number": "01234567"})
    result = cli("check", "--kvk", "68750110", "--role", "uitlener", "--as-of", "2026-11-23", "--offline",
                 "--store", str(store), "--log", str(tmp_path / "log.sqlite"), "--application", str(other))
    assert result.exit_code == ExitCode.INVALID_INPUT and "kvk_number: is 01234567" in result.stderr
    dossier = ROOT / "fixtures" / "dossiers" / "lender-complete.json"
    result = cli("check", str(dossier), "--as-of", "2026-11-23", "--application", str(APPLICATION))
    assert result.exit_code == 2 and "--application goes with --kvk" in result.stderr


def test_an_application_named_after_another_partner_without_a_number_of_its_own_is_refused(tmp_path: Path) -> None:
    """Copied to 12345678.json with its kvk_number taken out, it was accepted for 68750110 (eligible)."""
    content = data()
    content.pop("kvk_number", None)
    path = write(tmp_path / "12345678.json", content)
    with pytest.raises(ApplicationError, match="names KvK number 12345678, but the partner's is 68750110"):
        load_application(path, "68750110")
    assert load_application(write(tmp_path / "68750110.json", content), "68750110").kvk_number is None


def test_an_application_that_names_no_partner_at_all_is_refused(tmp_path: Path) -> None:
    """Without kvk_number and under a name that is no KvK number (toetreding.json, 68750110-aanvraag.json), any
    partner's --kvk took another company's signed declarations (helper 42: eligible)."""
    content = data()
    content.pop("kvk_number", None)
    for name in ("toetreding-flexwerk-oost.json", "68750110-aanvraag.json", "٦٨٧٥٠١١٠.json"):  # no ASCII digits
        with pytest.raises(ApplicationError, match="kvk_number: is missing, and the file name does not name the partner"):
            load_application(write(tmp_path / name, content), "33112233")
    assert load_application(write(tmp_path / "with-number.json", data()), "68750110").kvk_number == "68750110"


def test_dossier_build_puts_the_application_in_the_dossier(store: Path) -> None:
    result = cli("dossier", "build", "--kvk", "68750110", "--role", "uitlener", "--offline", "--store", str(store),
                 "--application", str(APPLICATION))
    assert result.exit_code == 0, result.output
    dossier = json.loads(result.stdout)
    assert dossier["declarations"]["languages"]["languages"] == ["nl", "pl", "ro", "en"]
    assert dossier["registers"]["kvk"]["status"] == "read"  # registers still come from the registers


def test_schema_application() -> None:
    result = cli("schema", "application")
    assert result.exit_code == 0 and set(json.loads(result.stdout)["properties"]) == {
        "kvk_number", "declarations", "housing", "equivalence"}


# --- screen --------------------------------------------------------------------------------------


def screened(tmp_path: Path, store: Path, applications: Path | None, out: str = "out") -> tuple[Any, dict[int, dict[str, str]]]:
    report = screen(ScreenOptions(list_path=LIST, out_dir=tmp_path / out, as_of=AS_OF, offline=True, store_dir=store,
                                  log_path=tmp_path / "log.sqlite", applications=applications, workers=1,
                                  progress=False), err=io.StringIO())
    with (tmp_path / out / "results.csv").open(encoding="utf-8", newline="") as handle:
        return report, {int(r["row"]): r for r in csv.DictReader(handle)}


def test_screen_attaches_applications_by_kvk_number(tmp_path: Path, store: Path) -> None:
    folder = tmp_path / "applications"
    folder.mkdir()
    shutil.copy(APPLICATION, folder / "68750110.json")
    bad = data()
    bad["declarations"]["endorsement"]["signed_on"] = "1 september"
    write(folder / "01234567.json", {**bad, "kvk_number": None})
    write(folder / "99999999.json", {})
    (folder / "readme.txt").write_text("x", encoding="utf-8")
    _, without = screened(tmp_path, store, None, "plain")
    report, rows = screened(tmp_path, store, folder)
    assert without[3]["verdict"] == "needs_review" and rows[3]["verdict"] == "eligible"
    assert rows[3]["b3_a_endorsement"] == "pass" and without[3]["b3_a_endorsement"] == "unknown"
    assert rows[4]["verdict"] == "error" and rows[4]["error"].startswith(
        "application file 01234567.json: declarations.endorsement.signed_on: ")  # that row only; the run goes on
    assert rows[6]["verdict"] == without[6]["verdict"] and rows[7]["verdict"] == without[7]["verdict"]
    assert report.warnings[-2:] == ["applications: readme.txt ignored: not .json, .yaml or .yml",
                                    "applications: no row of the list has the KvK number of 99999999.json"]
    summary = (tmp_path / "out" / "summary.html").read_text(encoding="utf-8")
    assert "aanvragen" in summary and "applications: 3 file(s), sha256" in summary and "99999999.json" in summary
    decisions = [json.loads(line) for line in (tmp_path / "out" / "decisions.jsonl").read_bytes().splitlines()]
    entry = DecisionLog(tmp_path / "log.sqlite").get(next(d["log_id"] for d in decisions if d["line"] == 3))
    assert entry.dossier.declarations.motivation is not None


def test_a_changed_application_is_another_run(tmp_path: Path, store: Path) -> None:
    folder = tmp_path / "applications"
    folder.mkdir()
    path = shutil.copy(APPLICATION, folder / "68750110.json")
    screened(tmp_path, store, folder)
    screened(tmp_path, store, folder)  # the same files: the finished run is found again
    Path(path).write_bytes(Path(path).read_bytes().replace(b"Twente", b"Limburg"))
    with pytest.raises(ScreenError, match="holds another screening run"):
        screened(tmp_path, store, folder)


def test_housing_locations_in_the_list_make_the_partner_a_housing_provider(tmp_path: Path, store: Path) -> None:
    """An employer whose row lists housing locations offers housing (art. 14.3): without the
    locations' areas and marks in its application, its housing criteria are unknown, not "not
    applicable" (it came out eligible with only its declarations)."""
    folder = tmp_path / "applications"
    folder.mkdir()
    shutil.copy(APPLICATION, folder / "68750110.json")
    listed = tmp_path / "list.csv"
    listed.write_text("naam;kvk-nummer;rol;plaats;huisvestingslocaties\n"  # an uitzendbureau (KvK: SBI 78201) lends
                      "Fixture Uitzend B.V.;68750110;uitlener en werkgever;Rotterdam;Achterweg 3, Deil\n"
                      "Fixture Uitzend B.V.;68750110;uitlener en werkgever;Rotterdam;\n", encoding="utf-8")
    report = screen(ScreenOptions(list_path=listed, out_dir=tmp_path / "out", as_of=AS_OF, offline=True,
                                  store_dir=store, log_path=tmp_path / "log.sqlite", applications=folder, workers=1,
                                  progress=False), err=io.StringIO())
    with (tmp_path / "out" / "results.csv").open(encoding="utf-8", newline="") as handle:
        housing, plain = list(csv.DictReader(handle))
    assert report.rows == 2
    assert housing["verdict"] == "needs_review" and housing["art14_3_b_housing_marks"] == "unknown"
    assert "judged as a housing provider (huisvester) too" in housing["notes"]
    # the same party on another row without the location is judged on it too (1.7.0: one party, every location)
    assert plain["verdict"] == "needs_review" and plain["art14_3_b_housing_marks"] == "unknown"
    assert "housing location(s) Achterweg 3, Deil added from line(s) 2" in plain["notes"]


def test_an_employer_whose_application_gives_its_locations_keeps_its_role_and_the_employer_norms(
        tmp_path: Path, store: Path) -> None:
    """With the locations in its application the housing criteria apply anyway; judged as a housing
    provider, the employer's AKF seasonal site at 11 m² would be held to art. 5.5's 12 m² (it was:
    not eligible from screen, eligible from check)."""
    (row,) = screen_the_agri_locations(tmp_path, store, ["Achterweg 3, Deil"])
    assert row["roles"] == "uitlener, werkgever" and "judged as a housing provider" not in row["notes"]
    assert row["art5_floor_area"] == "pass" and row["art5_seasonal"] == "pass"


def test_a_location_the_list_names_and_no_application_describes_is_unknown_not_left_out(
        tmp_path: Path, store: Path) -> None:
    """The list names two locations, the application describes one: the other was never judged and
    the partner came out eligible on the described one alone. It is now in the dossier by name only
    (source "list"), so its housing criteria are unknown; the described one is matched by its words."""
    (tmp_path / "more").mkdir()
    (tmp_path / "described").mkdir()  # two runs: one party's rows in one list are judged together (1.7.0)
    (more,) = screen_the_agri_locations(tmp_path / "more", store, ["achterweg 3 DEIL; Kerkstraat 9, Venlo"])
    (described,) = screen_the_agri_locations(tmp_path / "described", store, ["Achterweg 3, Deil; Rijksstraatweg 112"])
    tmp_path = tmp_path / "more"
    assert more["verdict"] == "needs_review"
    assert more["art14_3_b_housing_marks"] == more["art5_floor_area"] == more["art5_bedrooms"] == "unknown"
    assert "the list names 1 housing location(s) no application describes (Kerkstraat 9, Venlo)" in more["notes"]
    assert described["verdict"] == "eligible" and "no application describes" not in described["notes"]
    decision = json.loads((tmp_path / "out" / "decisions.jsonl").read_bytes().splitlines()[0])
    entry = DecisionLog(tmp_path / "log.sqlite").get(decision["log_id"])
    named = [location for location in entry.dossier.housing if location.provenance.source == "list"]
    assert [(location.id, location.address, location.mark) for location in named] == [
        ("list-row-2-location-2", "Kerkstraat 9, Venlo", None)]
    assert named[0].provenance.url == "list.csv" and named[0].provenance.sha256 == hashlib.sha256(
        (tmp_path / "list.csv").read_bytes()).hexdigest()


def screen_the_agri_locations(tmp_path: Path, store: Path, locations: list[str]) -> list[dict[str, str]]:
    """Screen one row per locations cell for the lender fixture as a lender and employer whose application
    describes the two locations of agri-employer-seasonal.json (Achterweg 3 Deil, Rijksstraatweg 112)."""
    agri = json.loads((ROOT / "fixtures" / "dossiers" / "agri-employer-seasonal.json").read_text(encoding="utf-8"))
    content = data()
    content["housing"] = agri["housing"]
    content["declarations"]["fines"]["housing_municipalities"] = ["West Betuwe"]
    folder = tmp_path / "applications"
    folder.mkdir()
    write(folder / "68750110.json", content)
    listed = tmp_path / "list.csv"
    listed.write_text("naam;kvk-nummer;rol;plaats;huisvestingslocaties\n" + "".join(
        f'Fixture Uitzend B.V.;68750110;uitlener en werkgever;Rotterdam;"{cell}"\n' for cell in locations),
        encoding="utf-8")
    screen(ScreenOptions(list_path=listed, out_dir=tmp_path / "out", as_of=AS_OF, offline=True, store_dir=store,
                         log_path=tmp_path / "log.sqlite", applications=folder, workers=1, progress=False),
           err=io.StringIO())
    with (tmp_path / "out" / "results.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))
