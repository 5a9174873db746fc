"""A writer process for tests/test_locking.py: appends entries to one audit log through the
lock's named platform branch, with Windows' msvcrt faked by tests/fake_msvcrt.py.

    python -m tests.locking_writer LOG BACKEND NAME COUNT
    python -m tests.locking_writer LOG BACKEND --after MARKER   (take the lock once, then say
        whether MARKER, written by the process that held the lock before, already exists)
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import cast

from itbcheck.audit.chain import append
from itbcheck.audit.lock import Backend, exclusive, open_for_append
from tests import fake_msvcrt


def main(argv: list[str]) -> None:
    sys.modules["msvcrt"] = fake_msvcrt  # only the windows branch imports it
    log, backend = Path(argv[0]), cast(Backend, argv[1])
    if argv[2] == "--after":
        marker = Path(argv[3])
        marker.with_suffix(".waiting").touch()
        fd = open_for_append(log)
        with exclusive(fd, backend):
            print("after" if marker.exists() else "before", flush=True)
        return
    name, count = argv[2], int(argv[3])
    for number in range(count):
        append(log, {"schema": 1, "event": "lock_test", "id": f"{name}-{number}"}, backend)


if __name__ == "__main__":
    main(sys.argv[1:])
