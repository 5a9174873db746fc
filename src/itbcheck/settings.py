"""Where itbcheck keeps its files on each platform, and which of a clinic's settings is in
force, and where it came from.

Each key is taken from the first of: a command-line option, its environment variable, the
config file, the built-in default (docs/configuration.md). The config file is TOML:
`$ITBCHECK_CONFIG`, else `config.toml` in this platform's config folder. Folders follow each
platform's convention (`platformdirs`): on Linux the XDG folders (`~/.local/state/itbcheck`
for the audit log and visit store, `~/.config/itbcheck` for the config file), on Windows
`%LOCALAPPDATA%\\itbcheck` for both, on macOS `~/Library/Application Support/itbcheck`.
"""

from __future__ import annotations

import getpass
import sys
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from platformdirs.api import PlatformDirsABC

from itbcheck.exceptions import ConfigFileError

APP = "itbcheck"
CONFIG_ENV = "ITBCHECK_CONFIG"
CONFIG_FILE_NAME = "config.toml"
AUDIT_LOG_NAME = "audit.jsonl"
VISIT_STORE_NAME = "visits.sqlite3"
# The documented keys of the config file, each with its environment variable.
ENVIRONMENT = {
    "policy": "ITBCHECK_POLICY",
    "audit_log": "ITBCHECK_AUDIT_LOG",
    "visit_store": "ITBCHECK_VISIT_STORE",
    "site_profiles": "ITBCHECK_SITE_PROFILES",
    "operator": "ITBCHECK_OPERATOR",
}
PATH_KEYS = frozenset({"policy", "audit_log", "visit_store", "site_profiles"})
System = Literal["linux", "windows", "macos"]


def native_system() -> System:
    if sys.platform == "win32":
        return "windows"
    return "macos" if sys.platform == "darwin" else "linux"


def _dirs(system: System) -> PlatformDirsABC:
    if system == "windows":
        from platformdirs.windows import Windows

        return Windows(APP, appauthor=False)
    if system == "macos":
        from platformdirs.macos import MacOS

        return MacOS(APP, appauthor=False)
    from platformdirs.unix import Unix

    return Unix(APP, appauthor=False)


def state_dir(environ: Mapping[str, str], system: System | None = None) -> Path:
    """The folder of the default audit log and visit store."""
    chosen = system or native_system()
    if chosen == "linux" and environ.get("XDG_STATE_HOME"):
        return Path(environ["XDG_STATE_HOME"]) / APP
    return Path(_dirs(chosen).user_state_dir)


def config_dir(environ: Mapping[str, str], system: System | None = None) -> Path:
    """The folder of the default config file."""
    chosen = system or native_system()
    if chosen == "linux" and environ.get("XDG_CONFIG_HOME"):
        return Path(environ["XDG_CONFIG_HOME"]) / APP
    return Path(_dirs(chosen).user_config_dir)


@dataclass(frozen=True)
class Setting:
    key: str
    value: str | None  # None: not set (the shipped policy, no site profiles)
    source: str


def config_file(environ: Mapping[str, str], system: System | None = None) -> Setting:
    if environ.get(CONFIG_ENV):
        return Setting("config_file", environ[CONFIG_ENV], f"environment {CONFIG_ENV}")
    path = config_dir(environ, system) / CONFIG_FILE_NAME
    return Setting("config_file", str(path), "default: this platform's config folder")


def read_config(path: Path, *, required: bool) -> dict[str, str]:
    """The settings in the config file, paths made absolute (relative to the file's folder).
    A missing file is no settings unless it was named (`required`); anything else wrong is a
    `ConfigFileError` naming the file, the key and the value."""
    try:
        text = path.read_text("utf-8")
    except FileNotFoundError:
        if required:
            raise ConfigFileError(str(path), CONFIG_ENV, str(path), "no such file") from None
        return {}
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or type(error).__name__
        raise ConfigFileError(str(path), "(file)", "(unread)", f"cannot read: {reason}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigFileError(str(path), "(syntax)", "(not TOML)", str(error)) from None
    settings: dict[str, str] = {}
    for key, value in data.items():
        if key not in ENVIRONMENT:
            known = ", ".join(ENVIRONMENT)
            raise ConfigFileError(str(path), key, _shown(value), f"unknown key; known: {known}")
        if not isinstance(value, str) or not value.strip():
            raise ConfigFileError(str(path), key, _shown(value), "must be a non-empty string")
        settings[key] = str(path.parent / Path(value).expanduser()) if key in PATH_KEYS else value
    return settings


def _shown(value: object) -> str:
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 60 else text[:57] + "..."


def in_force(
    environ: Mapping[str, str],
    options: Mapping[str, str | Path | None] | None = None,
    system: System | None = None,
) -> dict[str, Setting]:
    """Every setting with the value in force and its source, config file first."""
    given = {key: str(value) for key, value in (options or {}).items() if value is not None}
    file = config_file(environ, system)
    assert file.value is not None  # a config file always has a place
    from_file = read_config(Path(file.value), required=environ.get(CONFIG_ENV) is not None)
    chosen: dict[str, Setting] = {"config_file": file}
    for key, variable in ENVIRONMENT.items():
        if key in given:
            chosen[key] = Setting(key, given[key], f"option --{key.replace('_', '-')}")
        elif environ.get(variable):
            chosen[key] = Setting(key, environ[variable], f"environment {variable}")
        elif key in from_file:
            chosen[key] = Setting(key, from_file[key], f"config file {file.value}")
        else:
            chosen[key] = _default(key, chosen, environ, system)
    return chosen


def _default(
    key: str, chosen: Mapping[str, Setting], environ: Mapping[str, str], system: System | None
) -> Setting:
    if key == "audit_log":
        path = state_dir(environ, system) / AUDIT_LOG_NAME
        return Setting(key, str(path), "default: this platform's state folder")
    if key == "visit_store":
        log = chosen["audit_log"].value
        assert log is not None  # the audit log always has a place
        return Setting(
            key, str(Path(log).parent / VISIT_STORE_NAME), "default: beside the audit log"
        )
    if key == "operator":
        return Setting(key, getpass.getuser(), "default: the login name")
    if key == "policy":
        return Setting(key, None, "default: the policy shipped with itbcheck")
    return Setting(key, None, "default: none, the shipped profiles only")


def path_in_force(
    key: str, environ: Mapping[str, str], options: Mapping[str, str | Path | None] | None = None
) -> Path | None:
    value = in_force(environ, options)[key].value
    return None if value is None else Path(value)
