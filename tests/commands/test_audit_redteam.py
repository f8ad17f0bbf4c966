"""Attacks on the audit trail: records that cannot be written whole, secrets that take a
side road into the log, and log lines made to mislead or crash the readers."""

from __future__ import annotations

import json
import resource
import subprocess
from pathlib import Path
from typing import Any

Sandbox = Any  # the fixture's class lives in conftest.py


# -- fail closed: a record written only in part is not a logged decision ------------------

def test_a_record_cut_short_by_the_file_size_limit_runs_nothing(sandbox: Sandbox) -> None:
    """Near RLIMIT_FSIZE (or a full disk) a write takes part of the record without an error;
    the decision must not count as logged, and the command must not run."""
    filler = b'{"note": "' + b"x" * 4000 + b'"}\n'
    sandbox.audit_log.parent.mkdir(parents=True, exist_ok=True)
    sandbox.audit_log.write_bytes(filler)
    limit = len(filler) + 200  # room for the start of the decision record, not for all of it

    def limited() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    result = subprocess.run([str(sandbox.GATEKEEP), "run", "--", "echo", "RAN"],
                            capture_output=True, text=True, env=sandbox.env, cwd=sandbox.work,
                            timeout=sandbox.TIMEOUT, check=False, preexec_fn=limited,
                            start_new_session=True)

    assert "RAN" not in result.stdout
    assert result.returncode == 126, result.stderr
    assert "not run (nothing runs without its audit record)" in result.stderr
