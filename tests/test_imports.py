"""What a cold `itbcheck check` imports (issue 14): only what checking one record needs, never
the renderers and the web stack that other commands use. About behaviour, not timing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import EXAMPLES

NOT_FOR_A_CHECK = ("rich", "structlog", "fastapi", "uvicorn", "jinja2", "pint", "starlette")

_PROBE = """
import sys
from itbcheck.cli import main
try:
    main()
except SystemExit:
    pass
print(" ".join(sorted({name.split(".")[0] for name in sys.modules})), file=sys.stderr)
"""


def test_check_imports_no_renderer_web_or_unit_registry(tmp_path: Path) -> None:
    """A check of the clear example, audited with a key and a visit store, loads none of rich,
    structlog (whose package loads its console renderer and rich), the web stack or pint."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ITBCHECK_")}
    env |= {
        "ITBCHECK_AUDIT_LOG": str(tmp_path / "audit.jsonl"),
        "ITBCHECK_AUDIT_KEY": "import-test-key-0123456789",
        "ITBCHECK_OPERATOR": "test",
        "NO_COLOR": "1",
    }
    argv = ["itbcheck", "check", str(EXAMPLES / "visit-clear.yaml")]
    probe = f"import sys; sys.argv = {argv!r}\n" + _PROBE
    done = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=False
    )
    loaded = set(done.stderr.split("\n")[-2].split())
    assert "itbcheck" in loaded
    assert [] == [name for name in NOT_FOR_A_CHECK if name in loaded]
