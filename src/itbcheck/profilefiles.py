"""Pump profile files: where the shipped profiles are (inside the installed package, or beside
`src/` in a checkout), the names a record may use, validating the files, and loading one
profile by name, shipped or the site's (`site`).
"""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from itbcheck.exceptions import ConfigurationError, Problem
from itbcheck.profiles import PROFILE_NAME, PumpProfile
from itbcheck.profilevalidation import ProfileReport, parse_profile, validate_profile


def profiles_folder() -> Traversable:
    """The shipped profiles: inside the installed package (a wheel force-includes them), or
    beside `src/` in a checkout (an editable install or `PYTHONPATH=src` links only `src/`).
    Neither there: a configuration error naming both places, never an internal error."""
    packaged = resources.files("itbcheck") / "pump_profiles"
    if packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parents[2] / "pump_profiles"
    if checkout.is_dir():
        return checkout
    raise ConfigurationError(
        [
            Problem(
                "pump_profiles",
                f"no pump profiles folder: looked in {packaged} and {checkout}; reinstall itbcheck",
                kind="missing_profiles",
            )
        ],
        "profiles",
    )


def shipped_profile_names() -> list[str]:
    return sorted(
        entry.name.removesuffix(".toml")
        for entry in profiles_folder().iterdir()
        if entry.name.endswith(".toml")
    )


def profile_names() -> list[str]:
    """Every profile a record may name: the shipped ones and the site's (site.py)."""
    from itbcheck.site import site_profiles

    return sorted([*shipped_profile_names(), *site_profiles()])


def validate_profile_file(path: Path) -> ProfileReport:
    """Validate the profile file at `path`; its name must be the file's name."""
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or error
        problem = Problem("profile", f"cannot read: {reason}", kind="unreadable")
        return ProfileReport(str(path), (problem,), (), None)
    return validate_profile(text, str(path), path.stem)


def validate_shipped_profiles() -> list[ProfileReport]:
    """A report for every profile shipped with itbcheck."""
    return [
        validate_profile(
            (profiles_folder() / f"{name}.toml").read_text("utf-8"),
            f"pump_profiles/{name}.toml",
            name,
        )
        for name in shipped_profile_names()
    ]


def load_profile(name: str) -> PumpProfile:
    """The shipped or site profile called `name`. Names are plain words, so they cannot leave
    the profiles folders."""
    from itbcheck.site import site_profile, site_profiles

    site = site_profiles()
    if name in site:
        return site_profile(site[name])
    if not PROFILE_NAME.fullmatch(name) or name not in shipped_profile_names():
        known = ", ".join(profile_names())
        raise ConfigurationError(
            [Problem("pump.profile", f"unknown pump profile; known: {known}", name)], "profiles"
        )
    text = (profiles_folder() / f"{name}.toml").read_text("utf-8")
    return parse_profile(text, f"pump_profiles/{name}.toml", name)
