"""Red team 79: options of `uv run` whose value was taken for the program it runs, letters
whose value is optional (`make -j`), Go's `--flag` spelling, `cc --output`, and what `uv
run` runs or loads besides its command (`--python PATH`, `--env-file`, `--script`)."""

from __future__ import annotations

import pytest
from judging import judge

from gatekeep.policy.model import Policy


@pytest.mark.parametrize(("command", "expected"), [
    # F1: a value option uv run has, unknown, made its value the program judged
    ("uv run -P cat python3 -c 'import os'", "ask"),
    ("uv run --refresh-package ls sh -c 'rm -rf ~'", "deny"),
    ("uv run --reinstall-package x python3 -c 'import os'", "ask"),
    ("uv run --only-group dev python3 -c 'import os'", "ask"),
    ("uv run --no-extra x python3 -c 'import os'", "ask"),
    ("uv run --only-group dev pytest", "allow"),
    # F2: -j, -l and -O take a value only in the same word
    ("make -j --eval='$(shell id)'", "ask"), ("make -O -E '$(shell id)'", "ask"),
    ("make -l --eval='$(shell id)'", "ask"), ("make -j -f /tmp/evil.mk", "ask"),
    ("make -j4 test", "allow"), ("make -j 4", "allow"), ("make -j", "allow"),
    ("make -j 4 test", "allow"), ('make -j"$(nproc)" test', "allow"), ("isort -j 4 .", "allow"),
    ("isort -j --add-import 'import os' src", "ask"),
    ("git commit -S --no-verify -m x", "ask"), ("git commit -S --amend --no-edit", "ask"),
    # F3: Go's flag package reads --flag as -flag
    ("go test --exec=sh ./...", "ask"), ("go test --toolexec=/tmp/x ./...", "ask"),
    ("go build --overlay=/tmp/o.json ./...", "ask"), ("go --C=/tmp build", "ask"),
    ("go vet -vettool=/tmp/x ./...", "ask"), ("go build -o ~/.bashrc .", "deny"),
    ("go test -coverprofile=/opt/c.out ./...", "ask"),
    ("go test ./...", "allow"), ("go build -o bin/app ./cmd/app", "allow"),
    # F4: --output is -o
    ("clang --output=.git/hooks/pre-commit x.c", "deny"), ("cc --output /opt/x x.c", "ask"),
    # F5 to F7: what uv run runs besides its command
    ("uv run -p /tmp/x pytest", "ask"), ("uv run --python /tmp/x pytest", "ask"),
    ("uv run --env-file /tmp/e pytest", "ask"), ("uv run --script s.py", "ask"),
    ("uv run -p 3.12 pytest", "allow"),
])
def test_red_team_79_decisions(policy: Policy, command: str, expected: str) -> None:
    assert judge(policy, command).decision == expected
