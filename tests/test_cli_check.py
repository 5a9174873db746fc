"""`itbcheck check` end to end: exit codes, stdout, stderr and the audit entry it leaves."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from itbcheck.cli import ExitCode
from tests.conftest import EXAMPLES, TEST_KEY, audit_entries, run_cli

CLEAR_RECORD: dict[str, Any] = yaml.safe_load((EXAMPLES / "visit-clear.yaml").read_text("utf-8"))


def _with(path: tuple[str, ...], value: object) -> dict[str, Any]:
    record = copy.deepcopy(CLEAR_RECORD)
    target = record
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return record


def _write(tmp_path: Path, record: object, name: str = "record.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(record), "utf-8")
    return path


@pytest.mark.parametrize(
    ("name", "code", "verdict"),
    [
        ("visit-clear.yaml", ExitCode.CLEAR, "CLEAR"),
        ("visit-caution.yaml", ExitCode.CAUTION, "CAUTION"),
        ("visit-stop.yaml", ExitCode.STOP, "STOP"),
    ],
)
def test_verdict_sets_exit_code_and_heads_the_output(
    name: str, code: ExitCode, verdict: str, audit_log: Path
) -> None:
    """The verdict is the first word on stdout and picks the exit code; stderr stays empty."""
    result = run_cli("check", str(EXAMPLES / name))
    assert (code, "") == (result.exit_code, result.stderr)
    assert verdict == result.stdout.split()[0]
    assert [verdict] == [entry["verdict"] for entry in audit_entries(audit_log)]


def test_point_15_human_output_fits_80_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every line of the human report fits an 80-column terminal, for a record named by a
    short relative path, so the checkout's folder does not matter (issue 10 point 15)."""
    monkeypatch.chdir(EXAMPLES)
    result = run_cli("check", "visit-stop.yaml")
    assert [line for line in result.stdout.splitlines() if len(line) > 80] == []


def test_stop_report_shows_the_numbers_and_action() -> None:
    """The 4x overdose report names the delivered dose, the flow and what to do."""
    out = run_cli("check", str(EXAMPLES / "visit-stop.yaml")).stdout
    for expected in ("CONCENTRATION_MISMATCH", "3200 mcg/day", "1.6 mL/day", "Action:"):
        assert expected in out


def test_dates_from_a_wrong_flow_carry_a_caveat() -> None:
    """The 4x overdose's alarm and empty dates come from the 1.6 mL/day that
    CONCENTRATION_MISMATCH says is wrong: a caveat line follows them; the CLEAR example has
    none."""
    stop = run_cli("check", str(EXAMPLES / "visit-stop.yaml")).stdout.splitlines()
    clear = run_cli("check", str(EXAMPLES / "visit-clear.yaml")).stdout
    refill = next(i for i, line in enumerate(stop) if line.startswith("  refill "))
    expected = ("  caveat   these dates use the flow and fill as entered, which", False)
    assert expected == (stop[refill + 1], "caveat" in clear)


def test_no_colour_unless_a_terminal() -> None:
    """Output captured by a program carries no ANSI escape codes."""
    assert "\x1b[" not in run_cli("check", str(EXAMPLES / "visit-stop.yaml")).stdout


def test_reads_a_record_from_stdin(audit_log: Path) -> None:
    """'-' reads the record from standard input."""
    data = (EXAMPLES / "visit-stop.yaml").read_bytes()
    result = run_cli("check", "-", input=data)
    assert result.exit_code == ExitCode.STOP
    assert [entry["verdict"] for entry in audit_entries(audit_log)] == ["STOP"]


def test_json_and_yaml_spellings_of_a_record_agree(tmp_path: Path) -> None:
    """The same record as JSON and as YAML gives the same JSON document, bar the source."""
    as_json = _write(tmp_path, CLEAR_RECORD)
    from_yaml = json.loads(
        run_cli("check", "--format", "json", str(EXAMPLES / "visit-clear.yaml")).stdout
    )
    from_json = json.loads(run_cli("check", "--format", "json", str(as_json)).stdout)
    for document in (from_yaml, from_json):
        document.pop("source")
    assert from_yaml == from_json


REJECTED = [
    pytest.param(("refill", "fill_volume"), "18", "missing unit", id="missing-unit"),
    pytest.param(("refill", "fill_volume"), 18, "missing unit", id="bare-number"),
    pytest.param(
        ("refill", "dispensed_concentration"), "2000 MCG/mL", "unknown unit", id="wrong-case-MCG"
    ),
    pytest.param(
        ("refill", "dispensed_concentration"), "2 MG/mL", "case-sensitive", id="wrong-case-MG"
    ),
    pytest.param(
        ("refill", "dispensed_concentration"), "2 Mg/mL", "case-sensitive", id="wrong-case-Mg"
    ),
    pytest.param(("refill", "dispensed_concentration"), "5 u/mL", "unknown unit", id="unknown-u"),
    pytest.param(("refill", "dispensed_concentration"), "5 U/mL", "unknown unit", id="unknown-U"),
    pytest.param(
        ("refill", "dispensed_concentration"), "5 units/mL", "unknown unit", id="unknown-units"
    ),
    pytest.param(("refill", "fill_volume"), "18 mcg", "wrong kind", id="wrong-dimension"),
    pytest.param(("refill", "fill_volume"), "1,5 mL", "decimal comma", id="decimal-comma"),
    pytest.param(
        ("refill", "dispensed_concentration"), "2,000 mcg/mL", "grouping", id="grouping-comma"
    ),
    pytest.param(
        ("refill", "dispensed_concentration"), "2_000 mcg/mL", "grouping", id="underscore"
    ),
    pytest.param(
        ("dosing", "previous_daily_dose"), "0.3 mL/24h", "number in it", id="24h-compound"
    ),
    pytest.param(("refill", "fill_volume"), "-5 mL", "negative", id="negative"),
    pytest.param(
        ("refill", "programmed_concentration"),
        "0 mcg/mL",
        "greater than zero",
        id="zero-concentration",
    ),
    pytest.param(("refill", "fill_volume"), "nan mL", "finite", id="nan"),
    pytest.param(("refill", "fill_volume"), "inf mL", "finite", id="infinity"),
    pytest.param(("refill", "fill_volume"), "1e309 mL", "exponent", id="1e309"),
    pytest.param(("refill", "fill_volume"), "١٨ mL", "ASCII", id="non-ascii-digits"),
    pytest.param(("refill", "fill_volume"), "", "empty", id="empty"),
    pytest.param(("patient", "origin"), "Spinal", "spinal", id="enum-case"),
    pytest.param(("patient", "age_years"), "42", "valid integer", id="age-as-text"),
    pytest.param(("patient", "age_years"), 42.5, "valid integer", id="age-fraction"),
    pytest.param(("patient", "renal_impairment"), "no", "valid boolean", id="bool-as-text"),
    pytest.param(("visit_time",), "2026-11-27T10:30:00", "time zone", id="naive-time"),
    pytest.param(("next_refill",), "15/01/2027", "2027-01-15", id="date-format"),
    pytest.param(
        ("pump", "profile"), "../../etc/passwd", "not a pump profile name", id="profile-path"
    ),
    pytest.param(
        ("pump", "profile"), "synchromed-iii", "unknown pump profile", id="profile-unknown"
    ),
    pytest.param(("record_version",), 2, "1", id="record-version"),
]


@pytest.mark.parametrize(("path", "value", "reason"), REJECTED)
def test_rejected_input_is_one_clear_line_and_exit_3(
    path: tuple[str, ...], value: object, reason: str, tmp_path: Path, audit_log: Path
) -> None:
    """A refused value gives one stderr line naming field and reason, exit 3, no verdict."""
    record_file = _write(tmp_path, _with(path, value))
    result = run_cli("check", str(record_file))
    lines = result.stderr.splitlines()
    assert (result.exit_code, result.stdout, len(lines)) == (ExitCode.INVALID_RECORD, "", 1)
    assert ".".join(path) in lines[0]
    assert reason in lines[0]
    assert "Traceback" not in result.stderr
    entries = audit_entries(audit_log)
    assert [(e["event"], e["verdict"]) for e in entries] == [("record_rejected", None)]


def test_every_problem_is_reported_not_just_the_first(tmp_path: Path) -> None:
    """Three bad fields give three stderr lines, one per problem."""
    record = _with(("refill", "fill_volume"), "18")
    record["refill"]["dispensed_concentration"] = "2000 MCG/mL"
    record["patient"]["origin"] = "brain"
    result = run_cli("check", str(_write(tmp_path, record)))
    assert result.exit_code == ExitCode.INVALID_RECORD
    assert len(result.stderr.splitlines()) == 3


def test_unknown_and_missing_fields_are_named(tmp_path: Path) -> None:
    """An unknown key and a missing key are each reported by location."""
    record = copy.deepcopy(CLEAR_RECORD)
    record["refill"]["fill_volum"] = "18 mL"
    del record["refill"]["fill_volume"]
    lines = run_cli("check", str(_write(tmp_path, record))).stderr.splitlines()
    assert sorted(lines) == sorted(
        [
            f"{tmp_path / 'record.json'}: refill.fill_volume: missing field",
            f"{tmp_path / 'record.json'}: refill.fill_volum: unknown field (got '18 mL')",
        ]
    )


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("a: &x 1\nb: *x\n", "anchors and aliases"),
        ("record_version: 1\nrecord_version: 1\n", "duplicate key"),
        ("record_version: !!python/object:os.system 1\n", "tag"),
        ("record_version: [1\n", "not valid YAML"),
        ("", "empty"),
        ("- 1\n- 2\n", "valid dictionary"),
    ],
)
def test_unsafe_or_broken_yaml_is_refused(text: str, reason: str, tmp_path: Path) -> None:
    """YAML that could expand, construct objects or hide a duplicate is refused with a reason."""
    path = tmp_path / "record.yaml"
    path.write_text(text, "utf-8")
    result = run_cli("check", str(path))
    assert result.exit_code == ExitCode.INVALID_RECORD
    assert reason in result.stderr


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ('{"record_version": 1, "record_version": 1}', "duplicate key"),
        ('{"record_version": NaN}', "NaN is not a number"),
        ('{"record_version": 1.0}', "record_version: write the record version as the integer 1"),
        ('{"record_version": 1', "not valid JSON"),
    ],
)
def test_json_traps_are_refused(text: str, reason: str, tmp_path: Path) -> None:
    """JSON's duplicate keys and NaN, which Python's json accepts, are refused."""
    path = tmp_path / "record.json"
    path.write_text(text, "utf-8")
    result = run_cli("check", str(path))
    assert result.exit_code == ExitCode.INVALID_RECORD
    assert reason in result.stderr


def test_invalid_utf8_and_missing_file_are_rejected_with_audit(
    tmp_path: Path, audit_log: Path
) -> None:
    """Bytes that are not UTF-8, and a file that does not exist, are rejected and audited."""
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(b"record_version: 1\npatient: \xff\xfe\n")
    first = run_cli("check", str(bad))
    second = run_cli("check", str(tmp_path / "missing.yaml"))
    assert (first.exit_code, second.exit_code) == (ExitCode.INVALID_RECORD, ExitCode.INVALID_RECORD)
    assert "not valid UTF-8" in first.stderr
    assert "cannot read" in second.stderr
    assert [e["event"] for e in audit_entries(audit_log)] == ["record_rejected", "record_rejected"]


def test_a_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    """A UTF-8 byte-order mark, as some editors write, does not change the result."""
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + (EXAMPLES / "visit-clear.yaml").read_bytes())
    assert run_cli("check", str(path)).exit_code == ExitCode.CLEAR


def test_oversized_input_is_refused(tmp_path: Path) -> None:
    """A document larger than any record could be is refused before parsing."""
    path = tmp_path / "big.yaml"
    path.write_text("# " + "x" * 300_000 + "\n", "utf-8")
    result = run_cli("check", str(path))
    assert result.exit_code == ExitCode.INVALID_RECORD
    assert "larger than" in result.stderr


def test_rejected_values_never_reach_the_audit_log(tmp_path: Path, audit_log: Path) -> None:
    """Neither a bad value nor an unknown key nor the patient id appears in the audit entry."""
    record = _with(("refill", "fill_volume"), "17 secretvalue")
    record["refill"]["Jane Doe"] = "x"
    run_cli("check", str(_write(tmp_path, record)))
    text = audit_log.read_text("utf-8")
    for secret in (
        "secretvalue",
        "Jane Doe",
        CLEAR_RECORD["patient"]["id"],
        CLEAR_RECORD["pump"]["serial"],
    ):
        assert secret not in text


def test_audit_entry_of_a_checked_record(monkeypatch: pytest.MonkeyPatch, audit_log: Path) -> None:
    """A checked record's entry has time, version, input hash, verdict, codes and tokens only."""
    import hashlib
    import hmac

    monkeypatch.setenv("ITBCHECK_AUDIT_KEY", TEST_KEY)
    path = EXAMPLES / "visit-stop.yaml"
    run_cli("check", str(path))
    [entry] = audit_entries(audit_log)
    patient_id = yaml.safe_load(path.read_text("utf-8"))["patient"]["id"]
    expected_token = hmac.new(
        TEST_KEY.encode(), f"patient:{patient_id}".encode(), hashlib.sha256
    ).hexdigest()
    assert {
        "event": "record_checked",
        "verdict": "STOP",
        "finding_codes": ["CONCENTRATION_MISMATCH", "REFILL_AFTER_ALARM", "RATE_RANGE_UNCHECKED"],
        "input_sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        "patient_token": expected_token,
        "operator": "test-operator",
        "identifiers": "tokenised",
    }.items() <= entry.items()
    assert entry["timestamp"].endswith("+00:00")
    assert patient_id not in audit_log.read_text("utf-8")


def test_without_a_key_identifiers_are_withheld(audit_log: Path) -> None:
    """With no audit key configured the check still runs and the entry says so."""
    run_cli("check", str(EXAMPLES / "visit-clear.yaml"))
    [entry] = audit_entries(audit_log)
    assert (entry["patient_token"], entry["identifiers"]) == (None, "withheld: no audit key")


def test_a_too_short_key_is_a_configuration_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """A key that is set but too weak stops the check instead of silently withholding."""
    monkeypatch.setenv("ITBCHECK_AUDIT_KEY", "short")
    result = run_cli("check", str(EXAMPLES / "visit-clear.yaml"))
    assert result.exit_code == ExitCode.CONFIGURATION
    assert "at least 16 bytes" in result.stderr


def test_unwritable_audit_log_withholds_the_verdict(tmp_path: Path) -> None:
    """If the audit entry cannot be written, no verdict is shown and the exit code says so."""
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("", "utf-8")
    result = run_cli(
        "check", "--audit-log", str(blocker / "audit.jsonl"), str(EXAMPLES / "visit-clear.yaml")
    )
    assert (result.exit_code, result.stdout) == (ExitCode.AUDIT_FAILED, "")
    assert "not recorded" in result.stderr


def test_policy_file_changes_the_limits(tmp_path: Path) -> None:
    """A clinic policy with a 900 mcg/day maximum makes the 850 mcg/day example CLEAR."""
    from importlib import resources

    default = (resources.files("itbcheck") / "data" / "policy.toml").read_text("utf-8")
    policy = tmp_path / "clinic.toml"
    policy.write_text(
        default.replace('typical_max = "800 mcg/day"', 'typical_max = "900 mcg/day"'), "utf-8"
    )
    result = run_cli("check", "--policy", str(policy), str(EXAMPLES / "visit-caution.yaml"))
    assert result.exit_code == ExitCode.CLEAR


def test_a_broken_policy_is_a_configuration_error(tmp_path: Path, audit_log: Path) -> None:
    """A policy with an unknown key stops with exit 4, names the key, and is audited."""
    policy = tmp_path / "clinic.toml"
    policy.write_text('policy_version = "x"\nsurprise = 1\n', "utf-8")
    result = run_cli("check", "--policy", str(policy), str(EXAMPLES / "visit-clear.yaml"))
    assert result.exit_code == ExitCode.CONFIGURATION
    assert "surprise" in result.stderr
    assert [e["event"] for e in audit_entries(audit_log)] == ["check_failed"]


def test_internal_errors_show_no_traceback(
    monkeypatch: pytest.MonkeyPatch, audit_log: Path
) -> None:
    """An unexpected exception becomes one line and exit 70, and is audited."""
    import itbcheck.checking

    def explode(*_: object) -> None:
        raise KeyError("MRN-00412345")

    monkeypatch.setattr(itbcheck.checking, "summarise", explode)
    result = run_cli("check", str(EXAMPLES / "visit-clear.yaml"))
    assert result.exit_code == ExitCode.INTERNAL
    assert "Traceback" not in result.stderr
    assert "MRN-00412345" not in result.stderr + audit_log.read_text("utf-8")
    assert [e["event"] for e in audit_entries(audit_log)] == ["check_failed"]


def test_usage_errors_exit_2() -> None:
    """An unknown option is a usage error with exit code 2."""
    assert run_cli("check", "--frobnicate", "x").exit_code == ExitCode.USAGE


def test_version() -> None:
    """--version prints the installed version."""
    from itbcheck import __version__

    assert f"itbcheck {__version__}\n" == run_cli("--version").stdout


def test_a_key_under_an_unknown_field_never_reaches_the_audit_log(
    tmp_path: Path, audit_log: Path
) -> None:
    """A problem under a key the format does not know is logged as (withheld), not the key."""
    path = tmp_path / "record.yaml"
    path.write_text("record_version: 1\nJohn Smith 1970-01-01: !!float 1\n", "utf-8")
    run_cli("check", str(path))
    [entry] = audit_entries(audit_log)
    assert [{"location": "(withheld)", "kind": "structure"}] == entry["problems"]
    assert "John Smith" not in audit_log.read_text("utf-8")


@pytest.mark.parametrize("text", ["MRN\u0000123", "Dr\u202eevil", "line\nbreak"])
def test_control_characters_in_text_fields_are_refused(text: str, tmp_path: Path) -> None:
    """NUL, bidirectional overrides and newlines in a text field are refused, not displayed."""
    result = run_cli("check", str(_write(tmp_path, _with(("patient", "id"), text))))
    assert ExitCode.INVALID_RECORD == result.exit_code
    assert "patient.id: control characters are not accepted" in result.stderr


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Pump refilled\u2028Dr Smith", "line and paragraph separators are not accepted"),
        ("Reason one\u2029Reason two", "line and paragraph separators are not accepted"),
        ("MRN\ue000123", "private-use characters are not accepted"),
    ],
)
def test_line_separators_and_private_use_characters_are_refused(
    text: str, message: str, tmp_path: Path
) -> None:
    """A Unicode line or paragraph separator would split one text into two lines of a table
    or report, and a private-use character reads as nothing: both are refused, by name."""
    result = run_cli("check", str(_write(tmp_path, _with(("patient", "id"), text))))
    assert (ExitCode.INVALID_RECORD, True) == (
        result.exit_code,
        f"patient.id: {message}" in result.stderr,
    )
