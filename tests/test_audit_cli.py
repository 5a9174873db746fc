"""`itbcheck audit verify | export | summary`, and what `check` does when the log cannot be
written."""

from __future__ import annotations

import csv
import errno
import io
import json
import multiprocessing
import os
from pathlib import Path

import pytest

from itbcheck.audit.verification import verify
from itbcheck.cli import ExitCode
from tests.conftest import EXAMPLES, TEST_KEY, audit_entries, run_cli


@pytest.fixture
def site_keys(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The site's key pair, made by `audit keygen`, with ITBCHECK_SIGNING_KEY_FILE set to the
    private key; returns the public key file."""
    private, public = tmp_path / "keys" / "site.key", tmp_path / "keys" / "site.pub"
    result = run_cli("audit", "keygen", "--private-key", str(private), "--public-key", str(public))
    assert ExitCode.CLEAR == result.exit_code
    monkeypatch.setenv("ITBCHECK_SIGNING_KEY_FILE", str(private))
    return public


def _log_of_three(audit_log: Path) -> None:
    for name in ("visit-clear.yaml", "visit-caution.yaml", "visit-stop.yaml"):
        run_cli("check", str(EXAMPLES / name))
    assert 3 == len(audit_entries(audit_log))


def test_verify_accepts_what_check_wrote(audit_log: Path) -> None:
    """Entries appended by real checks verify, and the output says what a chain cannot see."""
    _log_of_three(audit_log)
    result = run_cli("audit", "verify", str(audit_log))
    assert (ExitCode.CLEAR, "") == (result.exit_code, result.stderr)
    assert result.stdout.startswith("verified: 3 entries, head 3 ")
    assert "cannot be detected" in result.stdout


def test_verify_names_the_first_bad_line(audit_log: Path) -> None:
    """An edited verdict is reported with its line number and exit code 6."""
    _log_of_three(audit_log)
    lines = audit_log.read_text("utf-8").splitlines(keepends=True)
    lines[1] = lines[1].replace('"verdict":"CAUTION"', '"verdict":"CLEAR"')
    audit_log.write_text("".join(lines), "utf-8")
    result = run_cli("audit", "verify", str(audit_log))
    assert ExitCode.AUDIT_INVALID == result.exit_code
    assert f"{audit_log}: line 2: edited: the entry does not match its hash\n" == result.stderr


def test_export_writes_csv_and_a_checkpoint_that_catches_truncation(
    audit_log: Path, tmp_path: Path, site_keys: Path
) -> None:
    """Export writes one CSV row per check and a signed checkpoint; dropping the last entry
    afterwards passes the chain but fails against the checkpoint."""
    _log_of_three(audit_log)
    out = tmp_path / "export.csv"
    result = run_cli("audit", "export", str(audit_log), "--output", str(out))
    assert ExitCode.CLEAR == result.exit_code
    rows = list(csv.DictReader(io.StringIO(out.read_text("utf-8-sig"))))
    assert ["CLEAR", "CAUTION", "STOP"] == [row["verdict"] for row in rows]
    point = tmp_path / "export.csv.checkpoint.json"
    with_key = ("--checkpoint", str(point), "--public-key", str(site_keys))
    assert ExitCode.CLEAR == run_cli("audit", "verify", str(audit_log), *with_key).exit_code
    lines = audit_log.read_text("utf-8").splitlines(keepends=True)
    audit_log.write_text("".join(lines[:2]), "utf-8")
    assert verify(audit_log.read_bytes()).ok
    result = run_cli("audit", "verify", str(audit_log), *with_key)
    assert ExitCode.AUDIT_INVALID == result.exit_code
    assert "truncated: entry 3" in result.stderr


def test_export_needs_the_signing_key_for_its_checkpoint(
    audit_log: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without a signing key no unsigned checkpoint is written: a configuration error, and
    nothing exported; the token key alone does not do."""
    monkeypatch.setenv("ITBCHECK_AUDIT_KEY", TEST_KEY)
    _log_of_three(audit_log)
    result = run_cli("audit", "export", str(audit_log), "--output", str(tmp_path / "x.csv"))
    assert ExitCode.CONFIGURATION == result.exit_code
    assert "itbcheck audit keygen" in result.stderr
    assert not (tmp_path / "x.csv").exists()


def test_export_by_date_range_and_as_json_lines(
    audit_log: Path, tmp_path: Path, site_keys: Path
) -> None:
    """--from/--to keep only the entries of those UTC days; jsonl keeps every field."""
    _log_of_three(audit_log)
    today = audit_entries(audit_log)[0]["timestamp"][:10]
    out = tmp_path / "x.jsonl"
    run_cli("audit", "export", str(audit_log), "-o", str(out), "--format", "jsonl", "--from", today)
    assert 3 == len(out.read_text("utf-8").splitlines())
    run_cli(
        "audit", "export", str(audit_log), "-o", str(out), "--format", "jsonl", "--to", "2000-01-01"
    )
    assert "" == out.read_text("utf-8")


def test_csv_cells_cannot_become_spreadsheet_formulas(
    audit_log: Path, tmp_path: Path, site_keys: Path
) -> None:
    """A cell that would start with '=', '+', '-' or '@' is exported as text, quoted by "'"."""
    run_cli("check", "--operator", "=HYPERLINK(1)", str(EXAMPLES / "visit-clear.yaml"))
    run_cli("check", "--operator", "@SUM(1)", str(EXAMPLES / "visit-clear.yaml"))
    out = tmp_path / "export.csv"
    run_cli("audit", "export", str(audit_log), "-o", str(out))
    rows = list(csv.DictReader(io.StringIO(out.read_text("utf-8-sig"))))
    assert ["'=HYPERLINK(1)", "'@SUM(1)"] == [row["operator"] for row in rows]


def test_summary_counts(audit_log: Path, tmp_path: Path) -> None:
    """summary counts checks by verdict (rejected ones too), code and operator."""
    _log_of_three(audit_log)
    bad = tmp_path / "bad.yaml"
    bad.write_text("record_version: 1\n", "utf-8")
    run_cli("check", str(bad))
    out = run_cli("audit", "summary", str(audit_log)).stdout
    for line in ("CLEAR", "CAUTION", "STOP", "REJECTED"):
        assert any(row.split() == [line, "1"] for row in out.splitlines()), line
    assert any(row.split() == ["test-operator", "4"] for row in out.splitlines())


@pytest.mark.parametrize(
    ("target", "error"),
    [
        ("fsync", errno.ENOSPC),
        ("fsync", errno.EIO),
        ("write", errno.EIO),
        ("open", errno.EROFS),
    ],
)
def test_a_failed_write_gives_no_verdict(
    target: str, error: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If the entry cannot be written or reach the disk, check prints no verdict and exits 5."""
    real = getattr(os, target)

    def failing(*args: object, **kwargs: object) -> object:
        if target == "open" and not str(args[0]).endswith("audit.jsonl"):
            return real(*args, **kwargs)
        raise OSError(error, os.strerror(error))

    monkeypatch.setattr(os, target, failing)
    result = run_cli("check", str(EXAMPLES / "visit-clear.yaml"))
    assert (ExitCode.AUDIT_FAILED, "") == (result.exit_code, result.stdout)
    assert os.strerror(error) in result.stderr
    assert "no verdict is given" in result.stderr


def test_a_torn_tail_is_reported_and_kept(audit_log: Path) -> None:
    """After a crash cut the last line short, the next check warns, keeps the bytes, and the
    log verifies again."""
    _log_of_three(audit_log)
    with audit_log.open("ab") as handle:
        handle.write(b'{"seq":4,"ev')
    result = run_cli("check", str(EXAMPLES / "visit-clear.yaml"))
    assert ExitCode.CLEAR == result.exit_code
    assert "torn line (12 bytes)" in result.stderr
    assert b'{"seq":4,"ev\n' in audit_log.read_bytes()
    assert verify(audit_log.read_bytes()).ok


def test_point_13_a_log_that_lost_its_final_newline_keeps_working(
    audit_log: Path, tmp_path: Path, site_keys: Path
) -> None:
    """Three entries and no final newline: verify, summary and export work; the next check adds
    the newline without a torn-line warning, and all three still work on the four entries."""
    _log_of_three(audit_log)
    audit_log.write_bytes(audit_log.read_bytes().removesuffix(b"\n"))

    def working() -> list[tuple[int, str]]:
        commands = [
            ("verify", str(audit_log)),
            ("summary", str(audit_log)),
            ("export", str(audit_log), "--output", str(tmp_path / "out.csv")),
        ]
        return [
            (result.exit_code, result.stderr)
            for result in (run_cli("audit", *command) for command in commands)
        ]

    assert [(ExitCode.CLEAR, "")] * 3 == working()
    assert "lacks its final newline" in run_cli("audit", "verify", str(audit_log)).stdout
    result = run_cli("check", str(EXAMPLES / "visit-clear.yaml"))
    assert (ExitCode.CLEAR, "") == (result.exit_code, result.stderr)
    assert [(ExitCode.CLEAR, "")] * 3 == working()
    assert [1, 2, 3, 4] == [entry["seq"] for entry in audit_entries(audit_log)]
    assert (
        "exported 4 entries"
        in run_cli("audit", "export", str(audit_log), "--output", str(tmp_path / "out.csv")).stdout
    )


def _append_many(path: str, writer: int, count: int) -> None:
    from itbcheck.audit.chain import append

    for number in range(count):
        append(Path(path), {"schema": 1, "event": "record_checked", "id": f"{writer}-{number}"})


def test_concurrent_writers_keep_one_chain(tmp_path: Path) -> None:
    """Four processes appending at once leave every entry, each once, in one valid chain."""
    path = tmp_path / "shared.jsonl"
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_append_many, args=(str(path), w, 50)) for w in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    entries = [json.loads(line) for line in path.read_text("utf-8").splitlines()]
    assert verify(path.read_bytes()).ok
    assert list(range(1, 201)) == [entry["seq"] for entry in entries]
    assert {f"{w}-{n}" for w in range(4) for n in range(50)} == {entry["id"] for entry in entries}
