"""Red team 87 (all older than the last changes): each command was allowed and wrote a git
hook, ran code gatekeep never saw or printed a secret.

- A value attached to an option that writes, reads or runs (`gcc -o.git/hooks/pre-commit`,
  `-include.env`, `-Bdir`, zip's `-TTcmd`), for programs whose options are words.
- What gcc hands the linker, preprocessor or assembler (`-Wl,-plugin,x.so`), `--specs=`,
  `-include FILE`, `-MF FILE` and `@FILE`.
- zip's `-TT` among its letters (`-qTT`), and its long options abbreviated (`--mov`,
  `--unzip-c`).
- javac's `-J` (an option of the JVM it runs in: `-J-javaagent:x.jar`).
- find's `-files0-from FILE` (its error prints the file's lines).
- go's `-ldflags=-extld=/tmp/x` (the linker it runs).
- `npm view URL` reaches the URL's host: npm view is unknown again.
"""

from __future__ import annotations

import pytest
from judging import judge

from gatekeep.policy.model import Policy


@pytest.mark.parametrize(("command", "decision"), [
    ("gcc -o.git/hooks/pre-commit src/a.c", "deny"),
    ("gcc -MD -MF .git/hooks/x -c src/a.c", "deny"),
    ("javac -d .git/hooks X.java", "deny"),
    ("gcc -Wl,-plugin,/tmp/p.so src/a.c", "ask"),
    ("gcc -Wp,-include,.env -E -", "ask"),
    ("gcc --specs=/tmp/s src/a.c", "ask"),
    ("gcc -include .env -E -", "ask"),
    ("gcc -include.env -E -", "ask"),
    ("gcc @resp", "ask"),
    ("gcc -Bfoo x.c", "ask"),
    ("zip -T -TTcmd a.zip x", "ask"),
    ("zip -qTT cmd -T a.zip x", "ask"),
    ("zip --unzip-c cmd -T a.zip x", "ask"),
    ("zip -q --mov /tmp/f.zip src/a.py", "ask"),
    ("javac -J-javaagent:a.jar X.java", "ask"),
    ("find . -files0-from .env", "ask"),
    ("go build -ldflags=-extld=/tmp/x .", "ask"),
    ("npm view http://example.com/x.tgz", "ask"),
])
def test_not_allowed(policy: Policy, command: str, decision: str) -> None:
    assert judge(policy, command).decision == decision


@pytest.mark.parametrize("command", [
    "gcc -Wall -O2 -fno-omit-frame-pointer -o build/app src/a.c",
    "cc -O2 -Iinclude -DNDEBUG -c src/a.c -o build/a.o",
    "g++ -std=c++17 -Wextra -pedantic src/a.cc -o build/a",
    "zip -qr build/x.zip src", "javac -d build/classes src/X.java",
    'go build -ldflags="-s -w -X main.version=1.2" -o build/app .',
])
def test_builds_stay_allowed(policy: Policy, command: str) -> None:
    decision = judge(policy, command)
    assert decision.decision == "allow", [(s.text, s.reason) for s in decision.segments]
