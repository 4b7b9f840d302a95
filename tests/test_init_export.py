"""`salesplan init` from what a newcomer knows: --company, --currency, --fiscal-year-start, --rep, --reps-from,
--export (scaffold/ and cli/init.py). The result validates clean and `salesplan report` runs on it."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from salesplan_cli.scaffold.detect import DetectError, match_header, profile_export
from salesplan_cli.scaffold.people import PeopleError, make_people, match_owners, parse_rep, people_from_owners

OWNERS = ["Aiko Tanaka", "Ben Carter", "Chloé Martin", "Dev Patel", "Eva Novak", "Farid Haddad"]
STAGES = ["appointmentscheduled", "qualifiedtobuy", "presentationscheduled", "closedwon", "closedlost"]
DEAL_HEADER = ["Record ID", "Deal Name", "Deal owner", "Associated Company", "Deal Stage", "Amount", "Close Date", "Create Date", "Deal probability"]
ACTIVITY_HEADER = ["Record ID", "Activity assigned to", "Associated Company", "Activity type", "Activity date", "Task Status"]


def write_csv(path: Path, header: list[str], rows: list[list[str]], delimiter: str = ",", encoding: str = "utf-8") -> Path:
    with open(path, "w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def hubspot_deals(path: Path, rows: int = 60) -> Path:
    """A HubSpot deals export of a 6-rep company: US dates (some days over 12), probabilities as fractions."""
    out = []
    for i in range(rows):
        stage = STAGES[i % len(STAGES)]
        day = 1 + i % 28
        out.append([str(1000 + i), f"Deal {i}", OWNERS[i % 6], f"Company {i % 9}", stage, f"{1000 + 250 * i}.00", f"0{1 + i % 9}/{day:02d}/2027", f"01/{day:02d}/2027", "0.4"])
    return write_csv(path, DEAL_HEADER, out)


def hubspot_activities(path: Path, rows: int = 40) -> Path:
    types = ["CALL", "MEETING", "EMAIL"]
    out = [[str(5000 + i), OWNERS[i % 6], f"Company {i % 9}", types[i % 3], f"2027-0{1 + i % 9}-{1 + i % 28:02d} 09:30", "Completed"] for i in range(rows)]
    return write_csv(path, ACTIVITY_HEADER, out)


def _json(run_cli, *args):
    result = run_cli(*args)
    return result, json.loads(result.out) if result.out.strip().startswith("{") else None


# --- detection ---------------------------------------------------------------------------------


def test_header_detection_picks_kind_and_preset():
    assert match_header(DEAL_HEADER)[:2] == ("opportunities", "hubspot")
    assert match_header(ACTIVITY_HEADER)[:2] == ("activities", "hubspot")
    sf = ["Opportunity ID", "Opportunity Owner", "Account Name", "Stage", "Amount", "Close Date"]
    assert match_header(sf)[:2] == ("opportunities", "salesforce")
    kind, preset, partial = match_header(["Deal owner", "Amount", "Something"])
    assert kind is None and partial["missing"]


def test_profile_reads_values_and_dialect(tmp_path):
    profile = profile_export(hubspot_deals(tmp_path / "deals.csv"))
    assert (profile.kind, profile.preset, profile.rows) == ("opportunities", "hubspot", 60)
    assert profile.date_format == "%m/%d/%Y"
    assert profile.probability == "fraction"
    assert profile.decimal == "."
    assert [v for v, _ in profile.found("owner")] == OWNERS
    assert dict(profile.found("stage")) == {s: 12 for s in STAGES}


def test_profile_european_csv(tmp_path):
    rows = [["1", "Ana", "Acme", "appointmentscheduled", "1.234,50", "15.03.2027"], ["2", "Ana", "Acme", "closedwon", "99,00", "28.02.2027"]]
    path = write_csv(tmp_path / "deals.csv", ["Record ID", "Deal owner", "Associated Company", "Deal Stage", "Amount", "Close Date"], rows, ";", "cp1252")
    profile = profile_export(path)
    assert (profile.delimiter, profile.decimal, profile.date_format, profile.encoding) == (";", ",", "%d.%m.%Y", "utf-8")
    path.write_bytes(path.read_bytes().replace(b"Ana", "Ana\u00efs".encode("cp1252")))
    assert profile_export(path).encoding == "cp1252"


def test_profile_refuses_an_unknown_header(tmp_path):
    path = write_csv(tmp_path / "x.csv", ["Deal owner", "Amount", "Other"], [["a", "1", "x"]])
    with pytest.raises(DetectError, match="closest: hubspot"):
        profile_export(path)
    with pytest.raises(DetectError, match="CSV"):
        profile_export(tmp_path / "x.xlsx")


def test_people_parsing_and_matching():
    assert parse_rep("Aiko Tanaka <aiko@example.com>") == ("Aiko Tanaka", "aiko@example.com")
    assert parse_rep("ben.carter@example.com") == ("Ben Carter", "ben.carter@example.com")
    assert parse_rep("Chloé Martin") == ("Chloé Martin", None)
    with pytest.raises(PeopleError):
        parse_rep("Aiko <not-an-email>")
    people = make_people([("Chloé Martin", None), ("Chloe Martin", "chloe2@example.com")])
    assert [p.id for p in people] == ["chloe-martin", "chloe-martin-2"]
    with pytest.raises(PeopleError, match="twice"):
        make_people([("Ana", None), ("ana", None)])
    people = make_people([("Aiko Tanaka", "aiko@example.com"), ("Ben Carter", None)])
    matched, unmatched = match_owners(people, [("aiko@example.com", 3), ("BEN  CARTER", 2), ("Aiko T.", 1), ("Zed", 1)])
    assert matched == {"aiko@example.com": "aiko-tanaka", "BEN  CARTER": "ben-carter"}
    assert unmatched == {"Aiko T.": (1, "aiko-tanaka"), "Zed": (1, None)}
    assert [p.id for p in people_from_owners([("Ana Lee", 3), ("ana lee", 1), ("bo@x.io", 1)])] == ["ana-lee", "bo"]


# --- the command ---------------------------------------------------------------------------------


def test_init_from_a_hubspot_export_validates_and_reports(tmp_path, run_cli):
    deals = hubspot_deals(tmp_path / "deals.csv")
    calls = hubspot_activities(tmp_path / "activities.csv")
    ws = tmp_path / "ws"
    result = run_cli("init", ws, "--company", "Acme: Widgets", "--currency", "usd", "--fiscal-year-start", "2027-01", "--export", deals, "--export", calls)
    assert result.code == 0, result.err
    assert sorted(p.name for p in (ws / "reps").iterdir()) == sorted(f"{n.lower().replace(' ', '-').replace('é', 'e')}.yaml" for n in OWNERS)
    assert (ws / "data" / "deals.csv").read_bytes() == deals.read_bytes()  # copied, never moved
    assert deals.is_file()
    settings = (ws / "salesplan.yaml").read_text(encoding="utf-8")
    assert 'company: "Acme: Widgets"' in settings and "currency: USD" in settings and "start: 2027-01-01" in settings
    assert "preset: hubspot" in settings and 'date_format: "%m/%d/%Y"' in settings and "probability: fraction" in settings
    assert "#     appointmentscheduled:" in settings  # the values found, as a mapping to fill in
    assert "#     CALL:" in settings
    strategy = (ws / "strategy.yaml").read_text(encoding="utf-8")
    assert "stages: [appointmentscheduled, qualifiedtobuy, presentationscheduled, won, lost]" in strategy
    assert "actions: [CALL, MEETING, EMAIL]" in strategy
    for text in ("found", "hubspot deals export (preset hubspot), 60 rows", "appointmentscheduled (12)", "CALL (14)", "reps: one per owner found (6)"):
        assert text in result.out, text
    check, payload = _json(run_cli, "validate", "-w", ws, "-f", "json")
    assert check.code == 0 and payload["diagnostics"] == [], payload
    report = run_cli("report", "-w", ws, "--as-of", "2027-10-15", "-f", "json")
    assert report.code == 0, report.err
    rows = json.loads(report.out)["tables"]["dashboard"]
    assert {row["rep"] for row in rows} == {"aiko-tanaka", "ben-carter", "chloe-martin", "dev-patel", "eva-novak", "farid-haddad"}
    assert all(row["actual"] > 0 for row in rows)  # the won deals (closedwon, by the preset) reach their reps
    assert "unknown stage" not in report.err and "rejected" not in report.err


def test_init_with_given_reps_maps_owners(tmp_path, run_cli):
    deals = hubspot_deals(tmp_path / "deals.csv")
    reps_csv = tmp_path / "reps.csv"
    reps_csv.write_text("name,email\nDev Patel,dev@example.com\nEva Novak,\n", encoding="utf-8")
    ws = tmp_path / "ws"
    result = run_cli("init", ws, "--rep", "Aiko Tanaka <aiko@example.com>", "--rep", "Ben Carter", "--reps-from", reps_csv, "--export", f"opportunities={deals}")
    assert result.code == 0, result.err
    assert sorted(p.stem for p in (ws / "reps").iterdir()) == ["aiko-tanaka", "ben-carter", "dev-patel", "eva-novak"]
    assert "email: aiko@example.com" in (ws / "reps" / "aiko-tanaka.yaml").read_text(encoding="utf-8")
    assert "2 owners of the exports match no rep" in result.out and "Chloé Martin" in result.out
    settings = (ws / "salesplan.yaml").read_text(encoding="utf-8")
    assert "#   owners:" in settings and "#     Farid Haddad:" in settings
    check, payload = _json(run_cli, "validate", "-w", ws, "-f", "json")
    assert check.code == 0 and payload["diagnostics"] == []


def test_init_export_inside_the_folder_is_not_copied(tmp_path, run_cli):
    ws = tmp_path / "ws"
    (ws / "exports").mkdir(parents=True)
    hubspot_deals(ws / "exports" / "deals.csv")
    result = run_cli("init", ws, "--export", ws / "exports" / "deals.csv")
    assert result.code == 0, result.err
    assert "path: exports/deals.csv" in (ws / "salesplan.yaml").read_text(encoding="utf-8")
    assert not (ws / "data").exists()


@pytest.mark.parametrize(
    "args, message",
    [
        (["--currency", "euro"], "not an ISO 4217 code"),
        (["--fiscal-year-start", "2027-01-15"], "first day of a month"),
        (["--fiscal-year-start", "soon"], "is not a date"),
        (["--rep", "Aiko <nope>"], "not 'Name <e-mail>'"),
        (["--export", "missing.csv"], "no such file"),
        (["--export", "widgets=deals.csv"], "unknown kind 'widgets'"),
    ],
)
def test_init_bad_options_are_usage_errors(tmp_path, run_cli, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    hubspot_deals(tmp_path / "deals.csv")
    result = run_cli("init", "ws", *args)
    assert result.code == 2
    assert message in result.err
    assert "Traceback" not in result.err
    assert not (tmp_path / "ws" / "salesplan.yaml").exists()


def test_init_unknown_export_is_a_usage_error_and_writes_nothing(tmp_path, run_cli):
    other = write_csv(tmp_path / "other.csv", ["Name", "Value"], [["a", "1"]])
    result = run_cli("init", tmp_path / "ws", "--export", other)
    assert result.code == 2
    assert "matches no Salesforce, HubSpot or Pipedrive export" in result.err
    assert not (tmp_path / "ws").exists()


def test_init_never_overwrites_a_copied_export(tmp_path, run_cli):
    deals = hubspot_deals(tmp_path / "deals.csv")
    (tmp_path / "ws" / "data").mkdir(parents=True)
    (tmp_path / "ws" / "data" / "deals.csv").write_text("mine\n", encoding="utf-8")
    result = run_cli("init", tmp_path / "ws", "--export", deals)
    assert result.code == 2 and "data/deals.csv" in result.err
    assert (tmp_path / "ws" / "data" / "deals.csv").read_text(encoding="utf-8") == "mine\n"
    assert not (tmp_path / "ws" / "salesplan.yaml").exists()


def test_init_company_and_currency_without_export(tmp_path, run_cli):
    ws = tmp_path / "ws"
    assert run_cli("init", ws, "--company", "Nordwind Digital", "--currency", "GBP", "--fiscal-year-start", "2027-04-01").code == 0
    settings = (ws / "salesplan.yaml").read_text(encoding="utf-8")
    assert "company: Nordwind Digital" in settings and "currency: GBP" in settings and "start: 2027-04-01" in settings
    check, payload = _json(run_cli, "validate", "-w", ws, "-f", "json", "--as-of", "2027-03-01")
    assert check.code == 0 and payload["diagnostics"] == []


def test_init_with_export_imports_no_pandas(tmp_path):
    deals = hubspot_deals(tmp_path / "deals.csv")
    code = (
        "import sys\n"
        "from salesplan_cli.cli.app import main\n"
        f"code = main(['init', {str(tmp_path / 'ws')!r}, '--export', {str(deals)!r}])\n"
        "heavy = sorted(m for m in ('pandas', 'pyarrow', 'numpy') if m in sys.modules)\n"
        "print('HEAVY=' + ','.join(heavy))\n"
        "sys.exit(code)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "HEAVY=\n" in done.stdout


def test_init_with_hostile_values_still_validates(tmp_path, run_cli):
    """Names that YAML would misread (yes, a colon, a hash, brackets, quotes, a leading dash) or that are too
    long for a plan name are quoted or only listed: the workspace validates clean and the report runs."""
    odd = ["yes", "Stage: one", "two # three", "[four]", 'say "five"', "- six", "x" * 150, "Ünïcødé stage", "NO"]
    owners = ["O'Brien, Pat", "null", "José  Ramos", "pat@example.com"]
    rows = []
    for i in range(45):
        stage = (odd + ["closedwon", "closedlost"])[i % (len(odd) + 2)]
        rows.append([str(i), owners[i % 4], "Acme", stage, "100", "2027-03-01"])
    path = write_csv(tmp_path / "deals.csv", ["Record ID", "Deal owner", "Associated Company", "Deal Stage", "Amount", "Close Date"], rows)
    types = ["on: off", "#tag", "Call", "call"]
    acts = write_csv(tmp_path / "acts.csv", ["Activity assigned to", "Activity type", "Activity date"], [[owners[i % 4], types[i % 4], "2027-03-01"] for i in range(12)])
    ws = tmp_path / "ws"
    result = run_cli("init", ws, "--fiscal-year-start", "2027-01", "--export", path, "--export", acts)
    assert result.code == 0, result.err
    check, payload = _json(run_cli, "validate", "-w", ws, "-f", "json")
    assert check.code == 0 and payload["diagnostics"] == [], payload
    report = run_cli("report", "pipeline", "-w", ws, "--as-of", "2027-10-15", "-f", "json")
    assert report.code == 0, report.err
    strategy = (ws / "strategy.yaml").read_text(encoding="utf-8")
    assert "x" * 150 not in strategy and "x" * 150 in (ws / "salesplan.yaml").read_text(encoding="utf-8")


def test_open_stages_in_funnel_order_by_probability(tmp_path, run_cli):
    """The plan's stages follow the deals' mean probability (least likely first), not their frequency."""
    stages = {"contractsent": "90", "appointmentscheduled": "20", "qualifiedtobuy": "40", "closedwon": "100"}
    rows = []
    for i, (stage, probability) in enumerate([(s, p) for s, p in stages.items() for _ in range(1 + (s == "contractsent") * 5)]):
        rows.append([str(i), "Ana Lee", "Acme", stage, "100", "2027-03-01", probability])
    path = write_csv(tmp_path / "deals.csv", ["Record ID", "Deal owner", "Associated Company", "Deal Stage", "Amount", "Close Date", "Deal probability"], rows)
    result = run_cli("init", tmp_path / "ws", "--export", path)
    assert result.code == 0, result.err
    strategy = (tmp_path / "ws" / "strategy.yaml").read_text(encoding="utf-8")
    assert "stages: [appointmentscheduled, qualifiedtobuy, contractsent, won, lost]" in strategy
