"""Programs precision probe 84 found asked as unknown ("no rule matches"), now known:
`ss` (but `-K`, which closes sockets, and `-D FILE`), `mktemp`, `size`; and build
output that a .gitignore lists (`bin/`, `obj/`, `*.o`) or Gradle's cache (`.gradle`)."""

from __future__ import annotations

from pathlib import Path

import pytest
from judging import judge, judged_in

from gatekeep.policy.model import Policy


@pytest.mark.parametrize("command", [
    "ss -ltnp | grep 8080", "TMP=$(mktemp -d) && echo $TMP", "mktemp --suffix=.json",
    "size build/app",
])
def test_known_now(policy: Policy, command: str) -> None:
    decision = judge(policy, command)
    assert decision.decision == "allow", [(s.text, s.reason) for s in decision.segments]


@pytest.mark.parametrize(("command", "decision"), [
    ("ss -K dst 10.0.0.1", "ask"), ("ss -D ~/.bashrc", "deny"),
    ("mktemp -p .git/hooks", "deny"), ("mktemp ~/.bashrcXXX", "ask"),
    # a URL or a git spec in place of a package's name reaches any host (red team 87)
    ("npm view http://example.com/x.tgz", "ask"), ("npm view express version", "ask"),
])
def test_what_they_change_is_judged(policy: Policy, command: str, decision: str) -> None:
    assert judge(policy, command).decision == decision


def test_ignored_binaries_and_gradle_s_cache_are_output(policy: Policy, tmp_path: Path) -> None:
    work = tmp_path / "work"
    for directory in ("bin", "obj", ".gradle/8.5", "src", "tools/bin"):
        (work / directory).mkdir(parents=True)
    (work / "src" / "main.o").write_bytes(b"\0")
    (work / ".gitignore").write_text("/bin/\nobj/\n*.o\n")
    for command in ("rm -rf bin obj", "rm -f src/main.o", "rm -rf .gradle"):
        assert judged_in(policy, work, command).decision == "allow", command
    assert judged_in(policy, work, "rm -rf tools/bin").decision != "allow"  # not listed
