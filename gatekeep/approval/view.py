"""What the operator is shown and offered about a command: the rendered explanation, the
agent's stated purpose, and the approvals "always" would save."""

from __future__ import annotations

import os
import time
from collections.abc import Mapping

from gatekeep.core import approvals
from gatekeep.core.engine import Decision
from gatekeep.core.explain import explain
from gatekeep.policy.model import Policy
from gatekeep.shell.analyze import Invocation
from gatekeep.text import visible


def explanation_text(decision: Decision, invocations: tuple[Invocation, ...],
                     policies: list[Policy], cwd: str, env: Mapping[str, str], width: int,
                     color: bool = False) -> tuple[str, str]:
    """The explanation and the details, rendered for a terminal ``width`` columns wide."""
    from gatekeep.approval.preview import previews
    from gatekeep.ui.prompt import details, explanation, to_text

    view = explain(decision, invocations, policies[0].knowledge, cwd)
    view = view._replace(previews=previews(invocations, cwd, env))
    return (to_text(explanation(view), width, color), to_text(details(decision), width, color))


def stated_purpose(why: str | None) -> str:
    """The agent's own words for what a command is for, marked as the agent's."""
    return f"The agent says it is for: {visible(why)}\n" if why else ""


def approval_offer(decision: Decision, cwd: str) -> list[approvals.Approval] | str:
    """The approvals "always" would save (the asked parts, exactly as written), or why none."""
    offer = []
    now = time.time()
    scope = working_tree(cwd)
    for segment in decision.segments:
        if segment.decision != "ask":
            continue
        if any(v.rule == "unparseable" for v in segment.verdicts):
            return "gatekeep could not fully analyse this command"
        if not isinstance(segment.shape, approvals.Shape):
            return visible(segment.shape or "nothing to save")
        reason = approvals.cannot_save(segment.shape.argv)
        if reason is not None:
            return reason
        lifts = {v.rule for v in segment.verdicts if v.decision == "ask"}
        offer.append(approvals.new(segment.shape, lifts, scope, decision.command, now))
    return offer or "nothing in this command needs approval"


TEMP_DIRS = ("/tmp", "/var/tmp")  # noqa: S108 - compared with, never written


def working_tree(cwd: str, home: str | None = None) -> str:
    """The enclosing git working tree, else ``cwd`` itself; never the home directory or the
    root (a dotfiles repository would make an approval cover every project), nor a temp dir."""
    home = os.path.expanduser("~") if home is None else home
    # nor a temp dir itself: every box writes the temp dirs, so a `.git` there may be one a
    # box left, to make an approval in any project there cover all of them
    temps = {os.path.realpath(t) for t in (*TEMP_DIRS, os.environ.get("TMPDIR") or "/")
             if t != "/"}
    directory = cwd
    while True:
        if os.path.exists(os.path.join(directory, ".git")):
            refused = directory in (home.rstrip("/") or "/", "/") \
                or os.path.realpath(directory) in temps
            return cwd if refused else directory
        parent = os.path.dirname(directory)
        if parent == directory:
            return cwd
        directory = parent
