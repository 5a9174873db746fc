"""What every request shares: the policy, the audit log and its key, the operator, the access
secret and the previous-visit lookup. One `WebConfig` per application, given to views as a
FastAPI dependency (`config_of`), never a module global."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from itbcheck import audit
from itbcheck.exceptions import ConfigurationError, Problem

SECRET_ENV = "ITBCHECK_WEB_SECRET"
POLICY_ENV = "ITBCHECK_POLICY"
MIN_SECRET_BYTES = 16  # as the audit key: a secret a person can still type, not a PIN

# (patient id, pump serial) -> (values keyed by record path, a status message for the nurse)
PreviousValues = Callable[[str, str], tuple[Mapping[str, str], str | None]]


def no_visit_store(patient_id: str, pump_serial: str) -> tuple[Mapping[str, str], str | None]:
    """The lookup when no visit store is wired in: nothing to pre-fill, and it says so."""
    return {}, "visit store not available"


@dataclass(frozen=True)
class WebConfig:
    audit_log: Path
    operator: str
    policy: Path | None = None
    secret: str | None = None
    environ: Mapping[str, str] = field(default_factory=dict)
    previous_values: PreviousValues = no_visit_store
    visit_store: Path | None = None  # None: checks without history, records no visit

    def audit_key(self) -> bytes | None:
        return audit.load_key(self.environ)

    def secret_matches(self, given: str) -> bool:
        if self.secret is None:
            return False
        return secrets.compare_digest(given.encode("utf-8"), self.secret.encode("utf-8"))


def _from_store(
    store: Path, environ: Mapping[str, str], patient_id: str, pump_serial: str
) -> tuple[Mapping[str, str], str | None]:
    from itbcheck.history.carried import carried_forward

    try:
        key = audit.load_key(environ)
    except ConfigurationError:
        key = None
    return carried_forward(store, key, patient_id, pump_serial)


def access_secret(environ: Mapping[str, str]) -> str | None:
    """$ITBCHECK_WEB_SECRET, or None; a secret that is set but too short is an error."""
    secret = environ.get(SECRET_ENV) or None
    if secret is not None and len(secret.encode("utf-8")) < MIN_SECRET_BYTES:
        raise ConfigurationError(
            [Problem(SECRET_ENV, f"the access secret must be at least {MIN_SECRET_BYTES} bytes")],
            "access secret",
        )
    return secret


def config_from(
    environ: Mapping[str, str] | None = None,
    *,
    policy: Path | None = None,
    audit_log: Path | None = None,
    operator: str | None = None,
    previous_values: PreviousValues = no_visit_store,
) -> WebConfig:
    """The configuration `itbcheck serve` and the app factory use: options first, then the
    environment (the CLI's variables, plus ITBCHECK_WEB_SECRET), then the config file
    (`itbcheck.settings`)."""
    from functools import partial

    from itbcheck.settings import in_force

    env: Mapping[str, str] = os.environ if environ is None else environ
    given = {"policy": policy, "audit_log": audit_log, "operator": operator}
    settings = in_force(env, given)  # option, environment, config file, default
    policy = None if settings["policy"].value is None else Path(settings["policy"].value)
    operator = settings["operator"].value
    if operator is None:
        raise ConfigurationError(
            [Problem("operator", "no login name on this computer; set ITBCHECK_OPERATOR")],
            "operator",
        )
    log = Path(str(settings["audit_log"].value))
    store = Path(str(settings["visit_store"].value))
    if previous_values is no_visit_store:
        previous_values = partial(_from_store, store, env)
    return WebConfig(
        audit_log=log,
        visit_store=store,
        operator=operator,
        policy=policy,
        secret=access_secret(env),
        environ=dict(env),
        previous_values=previous_values,
    )
