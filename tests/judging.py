"""What the red-team tests share: judging a command under a policy, in a fake project or in
a real directory, and whether an allowed command runs with the network (the default
policy is conftest.py's `policy` fixture)."""

from __future__ import annotations

from pathlib import Path

from test_engine import CWD, HOME, FakeResolver

from gatekeep.core.engine import Decision, decide
from gatekeep.core.paths import Context, SystemResolver
from gatekeep.policy.model import Policy
from gatekeep.sandbox.policy import boxed_network, spec_for
from gatekeep.shell.parse import parse


def judge(policy: Policy, command: str) -> Decision:
    """In a project that exists only in a fake file system (test_engine's)."""
    return decide(policy, parse(command), Context(cwd=CWD, home=HOME, resolver=FakeResolver()))


def judged_in(policy: Policy, work: Path, command: str, path: str = "/usr/bin:/bin"
              ) -> Decision:
    """In a real directory, with the real file system and ``path`` for PATH."""
    context = Context(cwd=str(work), home=str(work.parent / "home"),
                      resolver=SystemResolver(path))
    return decide(policy, parse(command), context)


def linked_tree(tmp_path: Path) -> Path:
    """A tree whose `bin/git` links to /usr/bin/git, and whose `sub` holds a script named
    `bin/git` and a project script `gradlew`."""
    work = tmp_path / "work"
    (work / "bin").mkdir(parents=True)
    (work / "bin" / "git").symlink_to("/usr/bin/git")
    (work / "sub" / "bin").mkdir(parents=True)
    (work / "sub" / "bin" / "git").write_text("#!/bin/sh\nenv\n")
    (work / "sub" / "gradlew").write_text("#!/bin/sh\n")
    (work / "sub" / "gradlew").chmod(0o755)
    return work


def networked(policy: Policy, decision: Decision) -> bool:
    """Whether the command runs unattended with the network."""
    return decision.decision == "allow" and boxed_network(decision, policy.knowledge)


def with_secrets(policy: Policy, decision: Decision) -> bool:
    """Whether the command runs unattended with the network and the secret variables its
    networked programs send (those of ``environment.credentials``)."""
    return networked(policy, decision) and bool(spec_for([policy], decision).credentials)
