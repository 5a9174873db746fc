"""The attack surface of issue 7's security review: names that could leave their folder, YAML
that could build objects, input that could reach the audit log or a terminal, and the audit
key, which must never appear in any output."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from itbcheck.cli import ExitCode
from itbcheck.exceptions import ConfigurationError
from itbcheck.profiles import load_profile
from tests.conftest import TEST_KEY, run_cli
from tests.generated import Visit

ESCAPES = [
    "../../etc/passwd",
    "../pump_profiles/synchromed-ii-20ml",
    "synchromed-ii-20ml/../synchromed-ii-20ml",
    "/etc/passwd",
    "synchromed-ii-20ml.toml",
    "synchromed-ii-20ml\n",
    "synchromed-ii-20ml\x00",
    "..",
    "README",
    "%2e%2e%2fetc%2fpasswd",
    "SYNCHROMED-II-20ML",
    "synchromed\u2010ii\u201020ml",
]


@pytest.mark.parametrize("name", ESCAPES)
def test_profile_name_cannot_leave_the_profiles_folder(name: str) -> None:
    """load_profile accepts only the plain names of shipped profiles: no path, no suffix, no
    other case, no look-alike hyphen."""
    with pytest.raises(ConfigurationError):
        load_profile(name)


@pytest.mark.parametrize("name", ESCAPES)
def test_record_naming_a_profile_outside_the_folder_is_refused(name: str, tmp_path: Path) -> None:
    """A record whose pump.profile is a path or a near-miss name is refused with exit 3."""
    record = Visit().record()
    record["pump"]["profile"] = name
    path = tmp_path / "record.json"
    path.write_text(json.dumps(record), "utf-8")
    assert ExitCode.INVALID_RECORD == run_cli("check", str(path)).exit_code


@pytest.mark.parametrize(
    "value",
    [
        "!!python/object/apply:os.system ['touch {marker}']",
        "!!python/object/new:os.system ['touch {marker}']",
        "!!python/name:os.system",
        "!!python/module:os",
    ],
)
def test_yaml_cannot_construct_objects(value: str, tmp_path: Path) -> None:
    """A YAML tag that would build a Python object or run a command is refused before anything
    is constructed."""
    marker = tmp_path / "constructed"
    path = tmp_path / "record.yaml"
    path.write_text(f"record_version: {value.format(marker=marker)}\n", "utf-8")
    result = run_cli("check", str(path))
    assert (ExitCode.INVALID_RECORD, False) == (result.exit_code, marker.exists())


SECRETS = {
    "patient.id": "MRN-SECRET-4242",
    "pump.serial": "NGP-SECRET-SERIAL",
    "change_reason": "SECRET-REASON-TEXT",
}


def _secret_record() -> dict[str, Any]:
    record = Visit().record()
    record["patient"]["id"] = SECRETS["patient.id"]
    record["pump"]["serial"] = SECRETS["pump.serial"]
    record["dosing"]["change_reason"] = SECRETS["change_reason"]
    return record


def test_no_identifier_or_input_reaches_the_audit_log(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, audit_log: Path
) -> None:
    """Checked or refused, with or without a key, the audit log holds no patient id, serial,
    free text, unknown key or refused value from the record (override approver and reason are
    logged by design, docs/audit-log.md)."""
    good = tmp_path / "good.json"
    good.write_text(json.dumps(_secret_record()), "utf-8")
    bad_record = _secret_record()
    bad_record["refill"]["fill_volume"] = "SECRET-VALUE mL"
    bad_record["patient"]["SECRET-KEY"] = "SECRET-UNKNOWN"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(bad_record), "utf-8")
    for key in (None, TEST_KEY):
        if key:
            monkeypatch.setenv("ITBCHECK_AUDIT_KEY", key)
        run_cli("check", str(good))
        run_cli("check", str(bad))
    log = audit_log.read_text("utf-8")
    assert [] == [secret for secret in (*SECRETS.values(), "SECRET") if secret in log]


def test_terminal_output_carries_no_control_character_from_the_input(tmp_path: Path) -> None:
    """Escape sequences in a key or value of a refused record reach neither stdout nor stderr,
    in human or JSON output."""
    record = Visit().record()
    record["patient"]["\x1b]0;owned\x07\x9b31m"] = "\x1b[2J"
    record["refill"]["fill_volume"] = "18 \x1b[31mmL"
    path = tmp_path / "record.json"
    path.write_text(json.dumps(record, ensure_ascii=False), "utf-8")
    for output in ("human", "json"):
        result = run_cli("check", "--format", output, str(path))
        shown = result.stdout + result.stderr
        assert [] == [ch for ch in "\x1b\x07\x9b" if ch in shown]


@pytest.mark.parametrize("command", ["check", "sheet"])
def test_json_output_escapes_what_a_terminal_or_reader_would_act_on(
    command: str, tmp_path: Path
) -> None:
    """A file name with a C1 escape (U+009B), a bidi override (U+202E), DEL and a tag character
    reaches JSON and JSON lines output escaped: no raw character on stdout, and the document
    still gives the name back exactly."""
    name = "visit\x9b2J\u202e\x7f\U000e0041.yaml" if command == "check" else "day\x9b\u202e.csv"
    if command == "check":
        (tmp_path / name).write_text(Path("examples/visit-clear.yaml").read_text("utf-8"))
    else:
        (tmp_path / name).write_text(Path("examples/refill-day.csv").read_text("utf-8"))
    option = "json" if command == "check" else "jsonl"
    result = run_cli(command, "--format", option, str(tmp_path / name))
    raw = [ch for ch in "\x9b\u202e\x7f\U000e0041" if ch in result.stdout]
    first = json.loads(result.stdout.splitlines()[0] if command == "sheet" else result.stdout)
    assert ([], True) == (raw, first["source"].startswith(str(tmp_path / name)))


def test_the_audit_key_never_appears_in_any_output(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, audit_log: Path
) -> None:
    """With the key set, no command's stdout or stderr, no audit entry, no exported file and
    no visit store file holds the key, nor the private key that signs checkpoints."""
    monkeypatch.setenv("ITBCHECK_AUDIT_KEY", TEST_KEY)
    keys = tmp_path / "keys"
    run_cli("audit", "keygen", "--private-key", str(keys / "k"), "--public-key", str(keys / "p"))
    monkeypatch.setenv("ITBCHECK_SIGNING_KEY_FILE", str(keys / "k"))
    private_body = (keys / "k").read_text("utf-8").splitlines()[1]
    record = tmp_path / "record.json"
    record.write_text(json.dumps(Visit().record()), "utf-8")
    broken = tmp_path / "broken.json"
    broken.write_text("{", "utf-8")
    export = tmp_path / "export.csv"
    results = [
        run_cli("check", str(record)),
        run_cli("check", "--format", "json", str(record)),
        run_cli("check", "--format", "json", str(broken)),
        run_cli("audit", "verify", str(audit_log)),
        run_cli("audit", "export", str(audit_log), "-o", str(export)),
        run_cli("audit", "summary", str(audit_log)),
        run_cli("audit", "token", "MRN-00412345"),
    ]
    # The visit store's files are binary: decoded leniently, they are scanned for the key too.
    files = [
        path.read_bytes().decode("utf-8", "replace")
        for path in tmp_path.iterdir()
        if path.is_file()
    ]
    outputs = [r.stdout + r.stderr for r in results] + files
    assert len(files) >= 4
    assert [] == [text for text in outputs if TEST_KEY in text or private_body in text]
    short = "0123456789"
    monkeypatch.setenv("ITBCHECK_AUDIT_KEY", short)
    refused = run_cli("check", str(record))
    assert (ExitCode.CONFIGURATION, False) == (refused.exit_code, short in refused.stderr)


@pytest.mark.parametrize("name", ESCAPES)
def test_profiles_show_cannot_leave_the_profiles_folder(name: str) -> None:
    """`itbcheck profiles show ../../x` is an unknown profile (exit 2), never a file read; the
    name is echoed escaped, so no control character reaches the terminal."""
    result = run_cli("profiles", "show", name)
    assert (ExitCode.USAGE, "") == (result.exit_code, result.stdout)
    assert [] == [ch for ch in "\x00\n" if ch in result.stderr.rstrip("\n")]
