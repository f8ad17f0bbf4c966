"""What a saved approval is, and when one applies: values only, no file.

An approval is the narrowest useful rule: one invocation exactly as the operator
saw it (the program's resolved path, its words, its assignments and redirections,
the wrapper that ran it), valid while every directory it may run in lies inside
one working tree, until it expires. It cancels only the asks the operator saw
when approving it (the policy's rule or default, and hazards of its own words);
protected paths, writes outside the tree and any new reason still decide, and it
never overrides a deny. Saving and loading them is ``gatekeep.approval.store``.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from gatekeep.sandbox.records import NamedTuple

DEFAULT_DAYS = 7
# Never saved on their own: they run whatever follows them.
TOO_BROAD = frozenset({
    "bash", "sh", "zsh", "dash", "ksh", "fish", "python", "python3", "node", "perl", "ruby",
    "php", "lua", "env", "sudo", "doas", "xargs", "eval", "exec", "command", "builtin",
    "nohup", "time", "timeout", "nice", "setsid", "su", "ssh", "parallel", "busybox",
})


class Shape(NamedTuple):
    """What an approval must match word for word: one invocation as written."""

    argv: tuple[str, ...]
    program: str  # the resolved path of the program that runs
    assignments: tuple[str, ...] = ()
    redirects: tuple[str, ...] = ()  # a here-document with its lines
    wrapper: str | None = None  # the whole command that runs it (find's roots, a script)
    files: tuple[str, ...] = ()  # path=fingerprint of each file the words name, as approved


class Approval(NamedTuple):
    id: str
    shape: Shape | None  # None: saved by an older gatekeep; it matches nothing
    scope: str
    created: float
    expires: float
    command: str
    argv: tuple[str, ...] = ()
    lifts: tuple[str, ...] = ()  # the rules whose asks the operator saw and approved

    def covers(self, shape: Shape, asked: Collection[str], cwds: Sequence[str | None]) -> bool:
        """Whether this approval allows exactly ``shape``, asked only for what the operator
        saw, run from every directory in ``cwds``."""
        return self.shape is not None and shape == self.shape \
            and all(rule in self.lifts for rule in asked) \
            and all(cwd is not None and _inside(cwd, self.scope) for cwd in cwds)

    def expired(self, now: float) -> bool:
        return now >= self.expires

    def shown(self) -> str:
        import shlex

        if self.shape is None:
            return f"{shlex.join(self.argv)} (saved by an older gatekeep: matches nothing)"
        shown = " ".join([*self.shape.assignments, shlex.join(self.argv),
                          *(r.split("\n", 1)[0] for r in self.shape.redirects)])
        return shown if self.shape.wrapper is None else f"{shown} (run by: {self.shape.wrapper})"


def _inside(path: str, scope: str) -> bool:
    return path == scope or path.startswith(scope.rstrip("/") + "/")


def new(shape: Shape, lifts: Collection[str], scope: str, command: str, now: float,
        days: float = DEFAULT_DAYS) -> Approval:
    import secrets

    return Approval(secrets.token_hex(4), shape, scope, now, now + days * 86400, command,
                    shape.argv, tuple(sorted(lifts)))


def cannot_save(argv: Sequence[str]) -> str | None:
    """Why ``argv`` cannot be saved as an approval, or None when it can."""
    if not argv:
        return "nothing to save"
    program = argv[0].rsplit("/", 1)[-1]
    if program in TOO_BROAD and len(argv) == 1:
        return f"{program} alone would approve anything it runs"
    return None




def split(approvals: Sequence[Approval], now: float) -> tuple[list[Approval], list[Approval]]:
    """``(valid, expired)``."""
    valid = [a for a in approvals if not a.expired(now)]
    return valid, [a for a in approvals if a.expired(now)]
