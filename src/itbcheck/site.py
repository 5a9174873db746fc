"""A site's own pump profiles: validated TOML files in the folder the clinic configures
(`site_profiles` in the config file, or $ITBCHECK_SITE_PROFILES; docs/configuration.md), used
beside the shipped ones without rebuilding the package.

A site profile may not take a shipped profile's name: the folder is refused as a whole (a
configuration error) until the file is renamed. If the site's file won silently, one name
would mean two pumps' facts depending on the computer, and a record or an audit entry naming
`synchromed-ii-20ml` could no longer say which limits were used; with its own name, every
record says which profile it was checked against.
"""

from __future__ import annotations

import os
from pathlib import Path

from itbcheck.exceptions import ConfigurationError, Problem
from itbcheck.profiles import PumpProfile
from itbcheck.profilevalidation import parse_profile

SOURCE = "site profiles"


def site_folder() -> Path | None:
    from itbcheck.settings import path_in_force

    return path_in_force("site_profiles", os.environ)


def site_profiles() -> dict[str, Path]:
    """The site's profiles by name; none when no folder is configured. A configured folder
    that is missing, a file name that is not a profile name, or a shipped name is refused."""
    from itbcheck.profilefiles import shipped_profile_names
    from itbcheck.profiles import PROFILE_NAME

    folder = site_folder()
    if folder is None:
        return {}
    if not folder.is_dir():
        raise ConfigurationError(
            [Problem("site_profiles", "no such folder", str(folder), kind="missing_profiles")],
            SOURCE,
        )
    found = {path.stem: path for path in sorted(folder.glob("*.toml"))}
    problems = [
        Problem("site_profiles", "not a profile name (a-z, 0-9 and -, up to 64)", str(path))
        for name, path in found.items()
        if not PROFILE_NAME.fullmatch(name)
    ]
    shipped = set(shipped_profile_names())
    problems += [
        Problem(
            "site_profiles",
            "has the name of a shipped profile; give the site's profile its own name",
            str(path),
        )
        for name, path in found.items()
        if name in shipped
    ]
    if problems:
        raise ConfigurationError(problems, SOURCE)
    return found


def site_profile(path: Path) -> PumpProfile:
    """A site's profile file, held to the same rules as a shipped one."""
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or type(error).__name__
        raise ConfigurationError(
            [Problem("profile", f"cannot read: {reason}", kind="unreadable")], str(path)
        ) from None
    return parse_profile(text, str(path), path.stem)
