"""Asking the engine itself what a rule does, on commands made up for the purpose.

A probe judges one command under a policy made of the rule alone (anything else is
asked about), in a made-up place where no program is installed and no file exists:
the answer depends on the rule and program knowledge only.
"""

from __future__ import annotations

import posixpath
import shlex
from functools import lru_cache

from gatekeep.core.engine import Decision, decide
from gatekeep.core.inputs import Request, parse_request
from gatekeep.core.paths import Context
from gatekeep.lint.globs import sample
from gatekeep.policy.model import Glob, Pattern, Policy, Rule

PAYLOAD = "gatekeep-lint-payload"
_CWD = "/gatekeep-lint/work"
# Feeds a script on standard input (`cat payload.sh | bash`) without being asked about.
_FEEDER = Rule("gatekeep-lint-feeder", "allow", (Pattern("cat", Glob("cat")),))


class _NoSystem:
    """A file system with no programs and no files but ``scripts``: names stay names."""

    def __init__(self, scripts: frozenset[str] = frozenset()) -> None:
        self.scripts = scripts

    def which(self, name: str) -> str | None:
        return None

    def realpath(self, path: str) -> str:
        return posixpath.normpath(posixpath.join(_CWD, path))

    def expand(self, pattern: str) -> list[str]:
        return []

    def fingerprint(self, path: str) -> str | None:
        return "file:lint" if path in self.scripts else None

    def read(self, path: str) -> str | None:
        return None


def alone(policy: Policy, rule: Rule) -> Policy:
    """A policy of ``rule`` (and a harmless ``cat``) with ``policy``'s program knowledge."""
    return Policy.build(
        name=f"lint:{rule.id}", files=(), sha256="", default="ask", unparseable="ask",
        prompt_timeout=120.0, prompt_no_tty="deny", protect_write=(), protect_read=(),
        rules=(rule, _FEEDER), tests=(), knowledge=policy.knowledge,
    )


def judge(policy: Policy, request: Request, scripts: frozenset[str] = frozenset()) -> Decision:
    context = Context(cwd=_CWD, home="/gatekeep-lint/home", resolver=_NoSystem(scripts))
    return decide(policy, parse_request(request), context)


def instance(pattern: Pattern) -> list[str] | None:
    """A command line the pattern is meant to match, or None when it cannot be made."""
    made = _instance(pattern)
    return None if made is None else list(made)


@lru_cache(maxsize=8192)  # lint asks for each pattern's command several times
def _instance(pattern: Pattern) -> tuple[str, ...] | None:
    text = pattern.text
    if pattern.flags_any:  # the map form: "program args [-a | -b] !-c <effect>"
        text = text[: text.rfind(" [")]
    try:
        words = split(text)
    except ValueError:
        return None
    if pattern.without or pattern.effects:
        words = words[: len(words) - len(pattern.without) - len(pattern.effects)] \
            if not pattern.flags_any else words
    made = [sample(Glob(word)) for word in words]
    if any(word is None for word in made):
        return None
    # an address on this machine is what `network-loopback` means; a script of the project
    # (by its path in the tree) what `runs-tree-code` means
    local = ["http://localhost/"] if "network-loopback" in pattern.effects else []
    # the address before the flag: a flag that takes a value (`curl -d`) would take it
    argv = [word for word in made if word is not None] + local + list(pattern.flags_any[:1])
    if "runs-tree-code" in pattern.effects and argv:
        argv[0] = "./" + (argv[0] or "project-script")
    return tuple(argv)


# printable ASCII but quotes and the backslash: shlex splits such text at its spaces alone
_PLAIN = frozenset(chr(code) for code in range(32, 127)) - frozenset("'\"\\")


def split(text: str) -> list[str]:
    """``shlex.split(text)``; a pattern's usual text (no quote, escape, tab or newline) is
    split at its spaces, as shlex splits it, without shlex's per-character reader."""
    if _PLAIN.issuperset(text):
        return [word for word in text.split(" ") if word]
    return shlex.split(text)


def matches_itself(policy: Policy, rule: Rule, pattern: Pattern) -> bool | None:
    """Whether the pattern matches the command it describes (None: no such command)."""
    argv = instance(pattern)
    if argv is None:
        return None
    single = alone(policy, rule._replace(patterns=(pattern,)))
    # a project script is one that exists: the made-up place holds that one file
    script = posixpath.normpath(posixpath.join(_CWD, argv[0])) \
        if argv and argv[0].startswith("./") else None
    decision = judge(single, Request(None, tuple(argv)),
                     frozenset({script}) if script is not None else frozenset())
    return any(v.rule == rule.id for s in decision.segments for v in s.verdicts)


def allowed_probes(policy: Policy, rule: Rule, pattern: Pattern,
                   probes: tuple[str, ...], program: str) -> list[str]:
    """The probe commands (``{p}`` is the program) the pattern's rule alone allows."""
    single = alone(policy, rule._replace(patterns=(pattern,)))
    found = []
    for probe in probes:
        command = probe.replace("{p}", program).replace("{cmd}", PAYLOAD)
        if judge(single, Request(command, None)).decision == "allow":
            found.append(command)
    return found
