"""A clinic's own settings: precedence (option > environment > config file > default), the
platform folders, `config show`, a bad config file, ITBCHECK_POLICY and site profiles."""

from __future__ import annotations

import hashlib
import json
from importlib import resources
from pathlib import Path

import platformdirs.windows
import pytest

from itbcheck.settings import config_dir, in_force, state_dir
from tests.conftest import EXAMPLES, REPO, TEST_KEY, audit_entries, run_cli

SHIPPED_POLICY = REPO / "src" / "itbcheck" / "data" / "policy.toml"
SHIPPED_PROFILE = REPO / "pump_profiles" / "synchromed-ii-20ml.toml"


def _clinic_policy(folder: Path) -> Path:
    """The shipped policy under the clinic's own version name."""
    path = folder / "clinic-policy.toml"
    text = SHIPPED_POLICY.read_text("utf-8")
    path.write_text(text.replace('"itbcheck-default-2026.1"', '"st-marys-2027.1"'), "utf-8")
    return path


def _config(folder: Path, text: str) -> Path:
    path = folder / "config" / "itbcheck" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")
    return path


@pytest.mark.parametrize(
    ("option", "variable", "in_file", "expected_value", "expected_source"),
    [
        ("/o.toml", "/e.toml", "/f.toml", "/o.toml", "option --policy"),
        (None, "/e.toml", "/f.toml", "/e.toml", "environment ITBCHECK_POLICY"),
        (None, "", "/f.toml", "/f.toml", "config file {config}"),
        (None, None, None, None, "default: the policy shipped with itbcheck"),
    ],
)
def test_the_first_setting_given_wins(  # noqa: PLR0917  # pytest passes the cases by name
    tmp_path: Path,
    option: str | None,
    variable: str | None,
    in_file: str | None,
    expected_value: str | None,
    expected_source: str,
) -> None:
    """Option, then environment variable (an empty one counts as unset), then config file,
    then the default."""
    config = _config(tmp_path, "" if in_file is None else f'policy = "{in_file}"\n')
    environ = {"XDG_CONFIG_HOME": str(tmp_path / "config")}
    if variable is not None:
        environ["ITBCHECK_POLICY"] = variable
    policy = in_force(environ, {"policy": option}, "linux")["policy"]
    assert (expected_value, expected_source.format(config=config)) == (
        policy.value,
        policy.source,
    )


def test_relative_paths_in_the_config_file_are_from_its_folder(tmp_path: Path) -> None:
    """`audit_log = "logs/audit.jsonl"` is beside the config file, and the default visit store
    follows the audit log in force."""
    config = _config(tmp_path, 'audit_log = "logs/audit.jsonl"\n')
    settings = in_force({"XDG_CONFIG_HOME": str(tmp_path / "config")}, None, "linux")
    assert (
        str(config.parent / "logs" / "audit.jsonl"),
        str(config.parent / "logs" / "visits.sqlite3"),
        "default: beside the audit log",
    ) == (
        settings["audit_log"].value,
        settings["visit_store"].value,
        settings["visit_store"].source,
    )


def test_linux_folders_are_the_xdg_ones(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """On Linux: $XDG_STATE_HOME/itbcheck and $XDG_CONFIG_HOME/itbcheck, else ~/.local/state
    and ~/.config."""
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("XDG_STATE_HOME", raising=False)
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    given = {"XDG_STATE_HOME": "/s", "XDG_CONFIG_HOME": "/c"}
    assert (Path("/s/itbcheck"), Path("/c/itbcheck")) == (
        state_dir(given, "linux"),
        config_dir(given, "linux"),
    )
    assert (tmp_path / ".local/state/itbcheck", tmp_path / ".config/itbcheck") == (
        state_dir({}, "linux"),
        config_dir({}, "linux"),
    )


def test_windows_folders_are_in_local_app_data(monkeypatch: pytest.MonkeyPatch) -> None:
    """On Windows both folders are %LOCALAPPDATA%\\itbcheck (the known folder is faked here:
    platformdirs asks the Windows shell for it, which Linux does not have)."""
    local = "C:\\Users\\nurse\\AppData\\Local"
    folders = {"CSIDL_LOCAL_APPDATA": local}
    monkeypatch.setattr(platformdirs.windows, "get_win_folder", folders.__getitem__)
    expected = Path(local) / "itbcheck"
    assert (expected, expected) == (state_dir({}, "windows"), config_dir({}, "windows"))


def test_macos_folders_are_in_application_support(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """On macOS both folders are ~/Library/Application Support/itbcheck."""
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("XDG_STATE_HOME", raising=False)
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    expected = tmp_path / "Library" / "Application Support" / "itbcheck"
    assert (expected, expected) == (state_dir({}, "macos"), config_dir({}, "macos"))


def test_config_show_names_every_value_and_its_source(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, audit_log: Path
) -> None:
    """One line per key: key, value, [source]."""
    config = _config(tmp_path, 'policy = "p.toml"\nsite_profiles = "site"\n')
    monkeypatch.delenv("ITBCHECK_OPERATOR")
    monkeypatch.setattr("getpass.getuser", lambda: "nurse")
    result = run_cli("config", "show")
    here = config.parent
    assert (0, "") == (result.exit_code, result.stderr)
    assert [
        f"config_file    {config}  [default: this platform's config folder]",
        f"policy         {here / 'p.toml'}  [config file {config}]",
        f"audit_log      {audit_log}  [environment ITBCHECK_AUDIT_LOG]",
        f"visit_store    {audit_log.parent / 'visits.sqlite3'}  [default: beside the audit log]",
        f"site_profiles  {here / 'site'}  [config file {config}]",
        "operator       nurse  [default: the login name]",
    ] == result.stdout.splitlines()


@pytest.mark.parametrize(
    ("text", "key_and_value", "reason"),
    [
        ('polcy = "clinic.toml"\n', "polcy = 'clinic.toml'", "unknown key; known: policy, "),
        ("audit_log = 3\n", "audit_log = 3", "must be a non-empty string"),
        ('operator = ""\n', "operator = ''", "must be a non-empty string"),
        ("policy = \n", "(syntax) = (not TOML)", "Invalid value"),
    ],
)
def test_a_bad_config_file_is_one_line_and_exit_78(
    tmp_path: Path, text: str, key_and_value: str, reason: str
) -> None:
    """A config file that cannot be used stops the command with exit code 78 and one line
    naming the file, the key and the value; nothing is checked or audited."""
    config = _config(tmp_path, text)
    result = run_cli("check", str(EXAMPLES / "visit-clear.yaml"))
    lines = result.stderr.splitlines()
    assert (78, 1, "") == (result.exit_code, len(lines), result.stdout)
    assert lines[0].startswith(f"error: config file {config}: {key_and_value}: {reason}")
    assert [] == audit_entries(tmp_path / "audit.jsonl")


def test_a_config_file_named_but_missing_is_an_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """ITBCHECK_CONFIG naming a file that does not exist is refused (exit 78), while a missing
    file at the default place is simply no settings."""
    missing = tmp_path / "nowhere.toml"
    assert 0 == run_cli("config", "show").exit_code
    monkeypatch.setenv("ITBCHECK_CONFIG", str(missing))
    result = run_cli("config", "show")
    assert (78, f"error: config file {missing}: ITBCHECK_CONFIG = {missing}: no such file\n") == (
        result.exit_code,
        result.stderr,
    )


@pytest.mark.parametrize("where", ["environment", "config file"])
def test_the_clinic_policy_is_used_without_an_option(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, audit_log: Path, where: str
) -> None:
    """ITBCHECK_POLICY or the config file's `policy` is the policy `check` applies and audits."""
    policy = _clinic_policy(tmp_path)
    if where == "environment":
        monkeypatch.setenv("ITBCHECK_POLICY", str(policy))
    else:
        _config(tmp_path, f"policy = {json.dumps(str(policy))}\n")
    result = run_cli("check", str(EXAMPLES / "visit-clear.yaml"))
    entry = audit_entries(audit_log)[-1]
    assert ("record_checked", "st-marys-2027.1") == (entry["event"], entry["policy_version"])
    assert "policy st-marys-2027.1" in result.stdout


def test_the_option_beats_the_environment_policy(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, audit_log: Path
) -> None:
    """--policy wins over ITBCHECK_POLICY."""
    monkeypatch.setenv("ITBCHECK_POLICY", str(_clinic_policy(tmp_path)))
    run_cli("check", str(EXAMPLES / "visit-clear.yaml"), "--policy", str(SHIPPED_POLICY))
    assert "itbcheck-default-2026.1" == audit_entries(audit_log)[-1]["policy_version"]


@pytest.mark.parametrize(
    "command",
    [
        ["check", str(EXAMPLES / "visit-clear.yaml")],
        ["sheet", str(EXAMPLES / "refill-day.jsonl")],
        ["audit", "token", "MRN-00412345"],
    ],
    ids=["check", "sheet", "audit token"],
)
def test_the_config_file_operator_is_audited(
    command: list[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path, audit_log: Path
) -> None:
    """With no --operator and no ITBCHECK_OPERATOR, every command records the config file's
    operator in its entries."""
    monkeypatch.delenv("ITBCHECK_OPERATOR")
    monkeypatch.setenv("ITBCHECK_AUDIT_KEY", TEST_KEY)
    _config(tmp_path, 'operator = "ward-7"\n')
    run_cli(*command)
    assert {"ward-7"} == {entry["operator"] for entry in audit_entries(audit_log)}


def _site_profile(folder: Path, name: str) -> Path:
    """The shipped 20 mL SynchroMed profile, copied under the site's own name."""
    folder.mkdir(exist_ok=True)
    text = SHIPPED_PROFILE.read_text("utf-8").replace('"synchromed-ii-20ml"', f'"{name}"')
    path = folder / f"{name}.toml"
    path.write_text(text, "utf-8")
    return path


def test_a_site_profile_is_used_without_rebuilding(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, audit_log: Path
) -> None:
    """A record naming a profile from the site folder is checked with it, with the verdict the
    same facts give under the shipped name, and `profiles list` marks it (site)."""
    _site_profile(tmp_path / "site", "st-marys-sm2-20ml")
    monkeypatch.setenv("ITBCHECK_SITE_PROFILES", str(tmp_path / "site"))
    record = tmp_path / "visit.yaml"
    text = (EXAMPLES / "visit-stop.yaml").read_text("utf-8")
    record.write_text(text.replace("synchromed-ii-20ml", "st-marys-sm2-20ml"), "utf-8")
    result = run_cli("check", str(record))
    listed = run_cli("profiles", "list").stdout
    assert (20, "st-marys-sm2-20ml@2026.1") == (
        result.exit_code,
        audit_entries(audit_log)[-1]["profile"],
    )
    assert "st-marys-sm2-20ml (site)" in listed


def test_the_entry_names_the_profile_and_policy_text_it_used(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, audit_log: Path
) -> None:
    """A site profile edited without changing its profile_version, and a clinic policy, are
    told apart in the audit entry by the SHA-256 of their text: the same `profile` twice, two
    `profile_sha256`, and the policy file's own digest."""
    path = _site_profile(tmp_path / "site", "st-marys-sm2-20ml")
    monkeypatch.setenv("ITBCHECK_SITE_PROFILES", str(tmp_path / "site"))
    policy = tmp_path / "policy.toml"
    policy.write_bytes(resources.files("itbcheck").joinpath("data/policy.toml").read_bytes())
    record = tmp_path / "visit.yaml"
    text = (EXAMPLES / "visit-clear.yaml").read_text("utf-8")
    record.write_text(text.replace("synchromed-ii-20ml", "st-marys-sm2-20ml"), "utf-8")
    digests = []
    for _ in range(2):
        digests.append(hashlib.sha256(path.read_bytes()).hexdigest())
        run_cli("check", "--policy", str(policy), str(record))
        path.write_text(path.read_text("utf-8").replace("Medtronic", "Medtronic (site)"), "utf-8")
    entries = audit_entries(audit_log)[-2:]
    policy_digest = hashlib.sha256(policy.read_bytes()).hexdigest()
    assert (
        ["st-marys-sm2-20ml@2026.1"] * 2,
        digests,
        [policy_digest] * 2,
        digests[0] != digests[1],
    ) == (
        [entry["profile"] for entry in entries],
        [entry["profile_sha256"] for entry in entries],
        [entry["policy_sha256"] for entry in entries],
        True,
    )


def test_a_site_profile_with_a_shipped_name_is_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A site file named like a shipped profile refuses the folder (exit 4, naming the file):
    one profile name never means two pumps' facts."""
    path = _site_profile(tmp_path / "site", "synchromed-ii-20ml")
    monkeypatch.setenv("ITBCHECK_SITE_PROFILES", str(tmp_path / "site"))
    result = run_cli("check", str(EXAMPLES / "visit-clear.yaml"))
    assert (4, True) == (result.exit_code, str(path) in result.stderr)
    assert "has the name of a shipped profile" in result.stderr


def test_a_missing_site_folder_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A configured site profiles folder that does not exist is a configuration error."""
    monkeypatch.setenv("ITBCHECK_SITE_PROFILES", str(tmp_path / "absent"))
    result = run_cli("check", str(EXAMPLES / "visit-clear.yaml"))
    assert (4, True) == (result.exit_code, "no such folder" in result.stderr)


def test_an_invalid_site_profile_is_a_configuration_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A site profile is held to the shipped profiles' rules: a broken one stops a record that
    names it with exit code 4."""
    path = _site_profile(tmp_path / "site", "st-marys-sm2-20ml")
    path.write_text(
        path.read_text("utf-8").replace('value = "20 mL"', 'value = "20 ml/h"'), "utf-8"
    )
    monkeypatch.setenv("ITBCHECK_SITE_PROFILES", str(tmp_path / "site"))
    record = tmp_path / "visit.yaml"
    text = (EXAMPLES / "visit-clear.yaml").read_text("utf-8")
    record.write_text(text.replace("synchromed-ii-20ml", "st-marys-sm2-20ml"), "utf-8")
    assert 4 == run_cli("check", str(record)).exit_code


def test_the_web_form_reads_the_same_settings(tmp_path: Path) -> None:
    """`serve` builds its configuration with the same precedence: the config file's policy,
    audit log and operator, unless an option or variable says otherwise."""
    from itbcheck.web.state import config_from

    config = _config(tmp_path, 'policy = "p.toml"\naudit_log = "a.jsonl"\noperator = "ward-7"\n')
    environ = {"XDG_CONFIG_HOME": str(tmp_path / "config"), "ITBCHECK_OPERATOR": ""}
    web = config_from(environ)
    given = config_from(environ, operator="nurse-a")
    here = config.parent
    assert (here / "p.toml", here / "a.jsonl", here / "visits.sqlite3", "ward-7") == (
        web.policy,
        web.audit_log,
        web.visit_store,
        web.operator,
    )
    assert "nurse-a" == given.operator
