"""What pharmacy does with the audit log (issue 16, point 4): the `audit` commands read the
log `check` writes, `-o -` exports to standard output, `audit token` gives the token to search
for and is audited, exports show times with their UTC offset in a chosen zone, the Excel export
has typed cells, and checkpoints are signed so that a public key verifies but cannot forge."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import hmac
import io
import json
from pathlib import Path

import openpyxl
import pytest

from itbcheck.audit.chain import append
from itbcheck.audit.verification import verify
from itbcheck.cli import ExitCode
from tests.conftest import EXAMPLES, TEST_KEY, audit_entries, run_cli

WINTER = "2026-11-27T18:29:46.022944+00:00"
SUMMER = "2026-07-01T12:00:00+00:00"
LATE = "2026-11-28T02:00:00+00:00"  # still 27 November in New York (UTC-05:00)


def _keys(folder: Path, name: str) -> tuple[Path, Path]:
    private, public = folder / f"{name}.key", folder / f"{name}.pub"
    result = run_cli("audit", "keygen", "--private-key", str(private), "--public-key", str(public))
    assert (ExitCode.CLEAR, "") == (result.exit_code, result.stderr)
    return private, public


def _timed_log(path: Path) -> None:
    for number, stamp in enumerate((WINTER, SUMMER, LATE), start=1):
        fields = {"schema": 1, "event": "record_checked", "timestamp": stamp, "verdict": "CLEAR"}
        append(path, {**fields, "operator": f"nurse-{number}"})


def test_audit_commands_default_to_the_log_check_writes(audit_log: Path) -> None:
    """With no LOG argument, verify and summary read the log `check` appended to."""
    run_cli("check", str(EXAMPLES / "visit-clear.yaml"))
    verified = run_cli("audit", "verify")
    assert (ExitCode.CLEAR, "verified: 1 entries") == (
        verified.exit_code,
        verified.stdout.split(", head")[0],
    )
    assert "  CLEAR" in run_cli("audit", "summary").stdout


def test_export_to_standard_output(
    audit_log: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`-o -` writes the export to stdout and the message to stderr, creating no file named
    '-'; without --checkpoint-out or --no-checkpoint it is refused with exit 2."""
    monkeypatch.chdir(tmp_path)
    run_cli("check", str(EXAMPLES / "visit-clear.yaml"))
    refused = run_cli("audit", "export", "-o", "-")
    assert (ExitCode.USAGE, "") == (refused.exit_code, refused.stdout)
    result = run_cli("audit", "export", "-o", "-", "--format", "jsonl", "--no-checkpoint")
    exported = [json.loads(line) for line in result.stdout.splitlines()]
    assert (ExitCode.CLEAR, audit_entries(audit_log)) == (result.exit_code, exported)
    assert "exported 1 entries to standard output\n" == result.stderr
    assert not (tmp_path / "-").exists()


def test_export_to_standard_output_with_a_checkpoint_file(audit_log: Path, tmp_path: Path) -> None:
    """`-o - --checkpoint-out FILE` writes the signed checkpoint to FILE, and it verifies."""
    private, public = _keys(tmp_path, "site")
    run_cli("check", str(EXAMPLES / "visit-clear.yaml"))
    point = tmp_path / "day.checkpoint.json"
    result = run_cli(
        "audit", "export", "-o", "-", "--signing-key", str(private), "--checkpoint-out", str(point)
    )
    assert ExitCode.CLEAR == result.exit_code
    assert result.stdout.startswith("\ufeffseq,timestamp,")
    verified = run_cli("audit", "verify", "--checkpoint", str(point), "--public-key", str(public))
    assert ExitCode.CLEAR == verified.exit_code


def test_token_prints_the_patients_token_and_is_audited(
    audit_log: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`audit token MRN` prints only the token that patient's entries hold; the lookup gets
    its own entry with the token and without the hospital number, and the log verifies."""
    monkeypatch.setenv("ITBCHECK_AUDIT_KEY", TEST_KEY)
    run_cli("check", str(EXAMPLES / "visit-clear.yaml"))
    [checked] = audit_entries(audit_log)
    result = run_cli("audit", "token", "MRN-00412345")
    assert (ExitCode.CLEAR, checked["patient_token"] + "\n", "") == (
        result.exit_code,
        result.stdout,
        result.stderr,
    )
    lookup = audit_entries(audit_log)[-1]
    assert ("token_looked_up", "audit token", checked["patient_token"], None) == (
        lookup["event"],
        lookup["command"],
        lookup["patient_token"],
        lookup["pump_token"],
    )
    assert "MRN-00412345" not in audit_log.read_text("utf-8")
    assert verify(audit_log.read_bytes()).ok


def test_token_of_a_pump_serial_read_from_stdin(
    audit_log: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`audit token --pump -` reads the serial from stdin (kept out of the shell history) and
    prints the pump token the check's entry holds."""
    monkeypatch.setenv("ITBCHECK_AUDIT_KEY", TEST_KEY)
    run_cli("check", str(EXAMPLES / "visit-clear.yaml"))
    [checked] = audit_entries(audit_log)
    result = run_cli("audit", "token", "--pump", "-", input="NGP100234H\n")
    assert checked["pump_token"] + "\n" == result.stdout


def test_token_needs_the_audit_key_and_gives_nothing_without_it(audit_log: Path) -> None:
    """With no audit key there is no token: exit 4, nothing on stdout, no entry."""
    result = run_cli("audit", "token", "MRN-00412345")
    assert (ExitCode.CONFIGURATION, "") == (result.exit_code, result.stdout)
    assert [] == audit_entries(audit_log)


def test_token_not_recorded_is_not_given(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """If the lookup cannot be audited, no token is printed and the exit code is 5."""
    monkeypatch.setenv("ITBCHECK_AUDIT_KEY", TEST_KEY)
    blocker = tmp_path / "file"
    blocker.write_text("", "utf-8")
    result = run_cli("audit", "token", "--audit-log", str(blocker / "a.jsonl"), "MRN-1")
    assert (ExitCode.AUDIT_FAILED, "") == (result.exit_code, result.stdout)
    assert "no token is given" in result.stderr


def test_csv_export_times_have_their_offset_in_the_zone_asked_for(tmp_path: Path) -> None:
    """In New York, 18:29:46 UTC on 27 November is 13:29:46-05:00, 12:00 UTC on 1 July is
    08:00-04:00 (daylight time), and 02:00 UTC on 28 November falls on the 27th."""
    log, out = tmp_path / "log.jsonl", tmp_path / "out.csv"
    _timed_log(log)
    zone = ("--tz", "America/New_York", "--no-checkpoint")
    run_cli("audit", "export", str(log), "-o", str(out), *zone, "--from", "2026-11-27")
    rows = list(csv.DictReader(io.StringIO(out.read_text("utf-8-sig"))))
    assert ["2026-11-27T13:29:46.022944-05:00", "2026-11-27T21:00:00-05:00"] == [
        row["timestamp"] for row in rows
    ]
    run_cli("audit", "export", str(log), "-o", str(out), "--no-checkpoint")
    rows = list(csv.DictReader(io.StringIO(out.read_text("utf-8-sig"))))
    assert [WINTER, SUMMER, LATE] == [row["timestamp"] for row in rows]
    run_cli("audit", "export", str(log), "-o", str(out), *zone, "--to", "2026-07-01")
    rows = list(csv.DictReader(io.StringIO(out.read_text("utf-8-sig"))))
    assert ["2026-07-01T08:00:00-04:00"] == [row["timestamp"] for row in rows]


def test_an_unknown_zone_is_a_usage_error(tmp_path: Path) -> None:
    """--tz takes an IANA name; anything else is refused with exit 2 and nothing written."""
    log, out = tmp_path / "log.jsonl", tmp_path / "out.csv"
    _timed_log(log)
    result = run_cli("audit", "export", str(log), "-o", str(out), "--tz", "Mars/Olympus")
    assert (ExitCode.USAGE, False) == (result.exit_code, out.exists())
    assert "unknown time zone 'Mars/Olympus'" in result.stderr


def test_xlsx_export_has_typed_cells(tmp_path: Path) -> None:
    """The workbook's timestamp is a date-time cell in the zone asked for, with its offset
    beside it, seq is a number, a value starting with '=' stays text, and a control character
    a cell cannot hold is shown as its escape."""
    log, out = tmp_path / "log.jsonl", tmp_path / "out.xlsx"
    append(log, {"schema": 1, "event": "record_checked", "timestamp": WINTER, "operator": "=1+1"})
    append(log, {"schema": 1, "event": "record_checked", "timestamp": WINTER, "operator": "a\x07"})
    options = ("--format", "xlsx", "--tz", "Europe/Berlin", "--no-checkpoint")
    assert (
        ExitCode.CLEAR == run_cli("audit", "export", str(log), "-o", str(out), *options).exit_code
    )
    sheet = openpyxl.load_workbook(out)["audit"]
    header = [cell.value for cell in sheet[1]]
    row = dict(zip(header, sheet[2], strict=True))
    assert (dt.datetime(2026, 11, 27, 19, 29, 46, 23000), "+01:00", 1) == (
        row["timestamp"].value,
        row["utc_offset"].value,
        row["seq"].value,
    )
    assert ("=1+1", "s") == (row["operator"].value, row["operator"].data_type)
    assert "a\\x07" == sheet.cell(row=3, column=header.index("operator") + 1).value


def test_keygen_never_overwrites_and_keeps_the_private_key_private(tmp_path: Path) -> None:
    """keygen writes the private key readable by its owner only, and refuses to replace an
    existing key file (exit 2), leaving it as it was."""
    private, public = _keys(tmp_path, "site")
    assert 0o600 == private.stat().st_mode & 0o777
    before = private.read_bytes()
    again = run_cli("audit", "keygen", "--private-key", str(private), "--public-key", str(public))
    assert (ExitCode.USAGE, before) == (again.exit_code, private.read_bytes())


def test_a_signing_key_can_be_kept_under_a_passphrase(
    audit_log: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With ITBCHECK_SIGNING_KEY_PASSPHRASE set, keygen encrypts the private key; export signs
    with it only when the same passphrase is set (exit 4 naming the variable without it, or
    with another), and its checkpoint verifies. The passphrase is in no output or log."""
    secret = "correct horse battery staple"
    monkeypatch.setenv("ITBCHECK_SIGNING_KEY_PASSPHRASE", secret)
    private, public = _keys(tmp_path, "site")
    run_cli("check", str(EXAMPLES / "visit-clear.yaml"))
    outcomes: list[tuple[int, bool]] = []
    for passphrase in (None, "another passphrase", secret):
        if passphrase is None:
            monkeypatch.delenv("ITBCHECK_SIGNING_KEY_PASSPHRASE")
        else:
            monkeypatch.setenv("ITBCHECK_SIGNING_KEY_PASSPHRASE", passphrase)
        out = tmp_path / f"export-{len(outcomes)}.csv"
        result = run_cli("audit", "export", "-o", str(out), "--signing-key", str(private))
        outcomes.append((result.exit_code, "ITBCHECK_SIGNING_KEY_PASSPHRASE" in result.stderr))
        assert secret not in result.stdout + result.stderr
    checkpoint = tmp_path / "export-2.csv.checkpoint.json"
    verified = run_cli(
        "audit", "verify", "--checkpoint", str(checkpoint), "--public-key", str(public)
    )
    assert (b"ENCRYPTED PRIVATE KEY" in private.read_bytes(), outcomes, verified.exit_code) == (
        True,
        [(ExitCode.CONFIGURATION, True), (ExitCode.CONFIGURATION, True), (ExitCode.CLEAR, False)],
        ExitCode.CLEAR,
    )
    assert secret not in audit_log.read_text("utf-8")


def test_a_forged_checkpoint_is_refused_and_a_valid_one_verifies(
    audit_log: Path, tmp_path: Path
) -> None:
    """Pharmacy holds the site's public key only. A checkpoint the site signed verifies; one
    signed with any other private key (all a holder of the public key can make) is refused
    with exit 6, and so is an HMAC checkpoint of the old kind made with the token key."""
    site_private, site_public = _keys(tmp_path, "site")
    forger_private, _ = _keys(tmp_path, "forger")
    run_cli("check", str(EXAMPLES / "visit-clear.yaml"))
    exported = {}
    for name, key in (("site", site_private), ("forger", forger_private)):
        out = tmp_path / f"{name}.csv"
        run_cli("audit", "export", "-o", str(out), "--signing-key", str(key))
        exported[name] = out.with_name(out.name + ".checkpoint.json")
    head = json.loads(exported["site"].read_text("utf-8"))["head_hash"]
    mac = hmac.new(TEST_KEY.encode(), f"itbcheck-checkpoint:1:{head}".encode(), hashlib.sha256)
    exported["hmac"] = tmp_path / "old.checkpoint.json"
    exported["hmac"].write_text(json.dumps({"seq": 1, "head_hash": head, "hmac": mac.hexdigest()}))

    def verified(name: str) -> tuple[int, str]:
        point = ("--checkpoint", str(exported[name]), "--public-key", str(site_public))
        result = run_cli("audit", "verify", *point)
        return result.exit_code, result.stderr

    assert (ExitCode.CLEAR, "") == verified("site")
    code, message = verified("forger")
    assert (ExitCode.AUDIT_INVALID, True) == (code, message.rstrip().endswith(": forged"))
    code, message = verified("hmac")
    assert (ExitCode.AUDIT_INVALID, True) == (code, "HMAC checkpoint" in message)


def test_a_checkpoint_needs_the_public_key(tmp_path: Path, audit_log: Path) -> None:
    """--checkpoint without --public-key is a usage error (exit 2), never a pass."""
    run_cli("check", str(EXAMPLES / "visit-clear.yaml"))
    point = tmp_path / "p.json"
    point.write_text("{}", "utf-8")
    result = run_cli("audit", "verify", "--checkpoint", str(point))
    assert ExitCode.USAGE == result.exit_code
