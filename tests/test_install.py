"""Installing itbcheck (issue 10, point 11): an editable install finds the pump profiles, and
a missing profiles folder is a configuration error that names where it looked."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import sysconfig
import types
from pathlib import Path

import pytest

import itbcheck.profilefiles
from itbcheck.cli import ExitCode
from tests.conftest import EXAMPLES, REPO, audit_entries, run_cli


def test_point_11_a_missing_profiles_folder_is_a_configuration_error(
    tmp_path: Path, audit_log: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With neither the packaged nor the checkout folder present, `check` exits 4 naming both
    paths, never 70, and the audit entry says the check failed on the configuration."""
    package = tmp_path / "installed" / "itbcheck"
    checkout = tmp_path / "checkout"
    package.mkdir(parents=True)
    (checkout / "src" / "itbcheck").mkdir(parents=True)
    fake_resources = types.SimpleNamespace(files=lambda _: package)
    monkeypatch.setattr(itbcheck.profilefiles, "resources", fake_resources)
    monkeypatch.setattr(
        itbcheck.profilefiles, "__file__", str(checkout / "src/itbcheck/profilefiles.py")
    )
    result = run_cli("check", str(EXAMPLES / "visit-clear.yaml"))
    expected = (
        f"profiles: pump_profiles: no pump profiles folder: looked in {package / 'pump_profiles'} "
        f"and {checkout / 'pump_profiles'}; reinstall itbcheck\n"
    )
    assert (ExitCode.CONFIGURATION, expected) == (result.exit_code, result.stderr)
    assert ["check_failed"] == [entry["event"] for entry in audit_entries(audit_log)]


@pytest.mark.parametrize(
    "command",
    [
        ("sheet", str(EXAMPLES / "refill-day.csv")),
        ("scenarios", "run", str(REPO / "scenarios")),
        ("profiles", "list"),
        ("profiles", "show", "synchromed-ii-20ml"),
        ("profiles", "validate"),
        ("simulate", str(EXAMPLES / "visit-clear.yaml")),
        ("sweep", str(EXAMPLES / "visit-clear.yaml"), "--doses", "400:500:100"),
    ],
    ids=lambda command: "-".join(command[:2]).split("/")[0],
)
def test_point_11_every_command_refuses_a_missing_profiles_folder_up_front(
    command: tuple[str, ...], tmp_path: Path, audit_log: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every command that needs the profiles exits 4 naming the missing folder: a sheet does
    not report each row as a failure of itbcheck, nor `scenarios run` each scenario as failed."""
    package = tmp_path / "installed" / "itbcheck"
    package.mkdir(parents=True)
    monkeypatch.setattr(
        itbcheck.profilefiles, "resources", types.SimpleNamespace(files=lambda _: package)
    )
    monkeypatch.setattr(
        itbcheck.profilefiles, "__file__", str(tmp_path / "src/itbcheck/profilefiles.py")
    )
    result = run_cli(*command)
    assert (ExitCode.CONFIGURATION, True, False) == (
        result.exit_code,
        "no pump profiles folder" in result.stderr,
        "a bug" in result.stdout + result.stderr,
    )


def _shared_dependencies(folder: Path) -> Path:
    """A folder of links to the running environment's packages, itbcheck's own left out, so
    that a new environment gets the dependencies and hatchling but not this itbcheck."""
    folder.mkdir()
    for entry in Path(sysconfig.get_paths()["purelib"]).iterdir():
        name = entry.name.lower()
        if not name.startswith(("itbcheck", "_editable_impl_itbcheck", "__editable__")):
            (folder / entry.name).symlink_to(entry)
    return folder


def _run(*command: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "ITBCHECK_"))}
    return subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        env=environ,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.mark.skipif(
    any(importlib.util.find_spec(name) is None for name in ("hatchling", "editables")),
    reason="needs hatchling and editables importable to build the editable install offline "
    "(pip install -e '.[test]' brings them)",
)
def test_point_11_an_editable_install_checks_a_record(tmp_path: Path) -> None:
    """`pip install -e .` into a fresh environment gives an `itbcheck` that imports from this
    checkout and checks examples/visit-clear.yaml from another folder: CLEAR, exit 0."""
    env = tmp_path / "env"
    made = _run(sys.executable, "-m", "venv", "--system-site-packages", env, cwd=tmp_path)
    assert 0 == made.returncode, made.stderr
    python = env / "bin" / "python"
    site = _run(
        python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=tmp_path
    )
    shared = _shared_dependencies(tmp_path / "shared")
    (Path(site.stdout.strip()) / "itbcheck_test_dependencies.pth").write_text(f"{shared}\n")
    if _run(python, "-c", "import itbcheck.cli", cwd=tmp_path).returncode == 0:
        pytest.skip("itbcheck is already importable without installing it here")
    install = _run(
        python,
        "-m",
        "pip",
        "install",
        "--no-deps",
        "--no-build-isolation",
        "--no-index",
        "-e",
        REPO,
        cwd=tmp_path,
    )
    assert 0 == install.returncode, install.stderr
    where = _run(python, "-c", "import itbcheck; print(itbcheck.__file__)", cwd=tmp_path)
    log = tmp_path / "audit.jsonl"
    record = EXAMPLES / "visit-clear.yaml"
    checked = _run(env / "bin" / "itbcheck", "check", record, "--audit-log", log, cwd=tmp_path)
    assert str(REPO / "src" / "itbcheck" / "__init__.py") == where.stdout.strip()
    assert (ExitCode.CLEAR, "") == (checked.returncode, checked.stderr)
    assert checked.stdout.startswith("CLEAR")
