"""The compiled policy: rules indexed by program, protected paths, settings."""

from __future__ import annotations

import re
from collections.abc import Mapping
from fnmatch import translate
from functools import lru_cache
from types import MappingProxyType
from typing import NamedTuple

from gatekeep.runtime.sinks import Settings
from gatekeep.sandbox.spec import BWRAP, Limits
from gatekeep.shell.knowledge import Knowledge

DECISIONS = ("allow", "ask", "deny")
STRICTNESS = {"allow": 0, "ask": 1, "deny": 2}


def strictest(*decisions: str) -> str:
    return max(decisions, key=STRICTNESS.__getitem__)


@lru_cache(maxsize=4096)
def _compile(text: str) -> re.Pattern[str]:
    return re.compile(translate(text))


class Glob(NamedTuple):
    """A shell-style glob inside one word, compiled on first use (start-up stays fast)."""

    text: str

    @classmethod
    def from_text(cls, text: str) -> Glob:
        return cls(text)

    @property
    def regex(self) -> re.Pattern[str]:
        return _compile(self.text)

    @property
    def literal(self) -> bool:
        return not any(char in self.text for char in "*?[")

    def matches(self, value: str) -> bool:
        return self.regex.match(value) is not None


class Pattern(NamedTuple):
    """``program`` then positional words that must be a prefix, then flags.

    ``flags_all`` must all be present; ``flags_any`` needs one of them (the map
    form's ``flags:``). A flag with a value only matches that value (a glob).
    """

    text: str
    program: Glob
    args: tuple[Glob, ...] = ()
    flags_all: tuple[tuple[str, Glob | None], ...] = ()
    flags_any: tuple[str, ...] = ()

    @property
    def by_path(self) -> bool:
        return "/" in self.program.text


class Example(NamedTuple):
    """A ``tests:`` entry: a command and the decision it must get."""

    cmd: str
    expect: str
    cwd: str | None
    file: str
    line: int
    rule: str | None = None


class Rule(NamedTuple):
    id: str
    decision: str
    patterns: tuple[Pattern, ...]
    reason: str | None = None
    suggest: str | None = None
    file: str = ""
    line: int = 0
    tests: tuple[Example, ...] = ()


class Policy(NamedTuple):
    """A loaded policy with everything it extends merged in."""

    name: str
    files: tuple[str, ...]
    sha256: str
    default: str
    unparseable: str
    prompt_timeout: float
    prompt_no_tty: str
    protect_write: tuple[Glob, ...]
    protect_read: tuple[Glob, ...]
    rules: tuple[Rule, ...]
    tests: tuple[Example, ...]
    knowledge: Knowledge
    by_program: Mapping[str, tuple[tuple[Pattern, Rule], ...]] = MappingProxyType({})
    by_glob: tuple[tuple[Pattern, Rule], ...] = ()
    by_path: tuple[tuple[Pattern, Rule], ...] = ()
    # (program, first word) -> patterns whose first word is that literal; and, per program,
    # the patterns whose first word is absent or a glob (checked for every command)
    by_first: Mapping[tuple[str, str], tuple[tuple[Pattern, Rule], ...]] = MappingProxyType({})
    by_program_rest: Mapping[str, tuple[tuple[Pattern, Rule], ...]] = MappingProxyType({})
    prompt_via: str = ""  # agent | queue | tty; "" leaves it to the front end (hooks: agent)
    # the boundary (``sandbox``, ``sandbox_paths``, ``limits``); see gatekeep.sandbox
    sandbox: str = "preferred"
    sandbox_writable: tuple[str, ...] = ()
    sandbox_not_scanned: tuple[str, ...] = ()
    sandbox_bwrap: tuple[str, ...] = BWRAP
    limits: Limits = Limits()
    # the ``audit`` key (see gatekeep.policy.audit): sinks and rotation, extra redaction
    audit_sinks: Settings = Settings()
    audit_redact: tuple[tuple[str, str], ...] = ()

    @classmethod
    def build(cls, **fields: object) -> Policy:
        """A policy with its rules indexed by program."""
        rules: tuple[Rule, ...] = fields["rules"]  # type: ignore[assignment]
        index: dict[str, list[tuple[Pattern, Rule]]] = {}
        globbed: list[tuple[Pattern, Rule]] = []
        paths: list[tuple[Pattern, Rule]] = []
        for rule in rules:
            for pattern in rule.patterns:
                if pattern.by_path:
                    paths.append((pattern, rule))
                elif pattern.program.literal:
                    index.setdefault(pattern.program.text, []).append((pattern, rule))
                else:
                    globbed.append((pattern, rule))
        first: dict[tuple[str, str], list[tuple[Pattern, Rule]]] = {}
        rest: dict[str, list[tuple[Pattern, Rule]]] = {}
        for name, entries in index.items():
            for pattern, rule in entries:
                if pattern.args and pattern.args[0].literal:
                    first.setdefault((name, pattern.args[0].text), []).append((pattern, rule))
                else:
                    rest.setdefault(name, []).append((pattern, rule))
        return cls(**fields, by_program={k: tuple(v) for k, v in index.items()},  # type: ignore[arg-type]
                   by_glob=tuple(globbed), by_path=tuple(paths),
                   by_first={k: tuple(v) for k, v in first.items()},
                   by_program_rest={k: tuple(v) for k, v in rest.items()})

    def candidates(self, name: str, first: str | None = None,
                   exact: bool = False) -> tuple[tuple[Pattern, Rule], ...]:
        """Rules whose program is ``name`` or a glob matching it.

        With ``exact`` (the command's first positional word is known and literal), only the
        patterns whose first word could match it are returned.
        """
        if exact and first is not None:
            found = self.by_first.get((name, first), ()) + self.by_program_rest.get(name, ())
        else:
            found = self.by_program.get(name, ())
        if self.by_glob:
            found = found + tuple(p for p in self.by_glob if p[0].program.matches(name))
        return found
