"""The compiled policy: rules indexed by program, protected paths, settings."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from fnmatch import translate
from functools import lru_cache
from types import MappingProxyType

from gatekeep.policy.values import Bound, PackageGuard
from gatekeep.runtime.sinks import Settings
from gatekeep.sandbox.records import NamedTuple
from gatekeep.sandbox.spec import BWRAP, Limits
from gatekeep.shell.knowledge import Knowledge

STRICTNESS = {"allow": 0, "ask": 1, "deny": 2}


def strictest(*decisions: str) -> str:
    return max(decisions, key=STRICTNESS.__getitem__)


@lru_cache(maxsize=4096)
def _matcher(text: str) -> Callable[[str], bool]:
    """A glob's test of a word: a glob without ``*``, ``?`` or ``[`` matches the word that
    is its text and no other (its regex would be that text, escaped and anchored), so it
    is compared, not compiled (``lint`` asks of ~1,000 of them)."""
    if "*" not in text and "?" not in text and "[" not in text:
        return text.__eq__
    regex = re.compile(translate(text))
    return lambda value: regex.match(value) is not None


class Glob(NamedTuple):
    """A shell-style glob inside one word, compiled on first use (start-up stays fast)."""

    text: str

    @classmethod
    def from_text(cls, text: str) -> Glob:
        return cls(text)

    @property
    def literal(self) -> bool:
        text = self.text
        return "*" not in text and "?" not in text and "[" not in text

    def matches(self, value: str) -> bool:
        return _matcher(self.text)(value)


class Pattern(NamedTuple):
    """``program`` then positional words that must be a prefix, then flags.

    ``flags_all`` must all be present; ``flags_any`` needs one of them (the map
    form's ``flags:``). A flag with a value only matches that value (a glob). The map
    form's ``without:`` flags must be absent, its ``effects:`` (from program knowledge)
    present.
    """

    text: str
    program: Glob
    args: tuple[Glob, ...] = ()
    flags_all: tuple[tuple[str, Glob | None], ...] = ()
    flags_any: tuple[str, ...] = ()
    without: tuple[str, ...] = ()  # flags that must be absent (`git rm` without `--cached`)
    effects: tuple[str, ...] = ()  # effects the invocation must have (`network-loopback`)

    @property
    def by_path(self) -> bool:
        return "/" in self.program.text


class Example(NamedTuple):
    """A ``tests:`` entry: a command and the decision it must get.

    ``at`` (ISO 8601) is the moment guardrails are judged at, ``counted`` (``count:``) the
    runs a rate counter is taken to hold; without ``at`` the guardrails are not applied.
    """

    cmd: str
    expect: str
    cwd: str | None
    file: str
    line: int
    rule: str | None = None
    at: str | None = None
    counted: int | None = None


class Window(NamedTuple):
    """A ``when:`` time window: weekdays (0 is Monday), minute ranges, zone, excluded dates.

    A range whose end is not after its start runs across midnight and belongs to the day
    it opens on; ``exclude`` holds inclusive ISO date ranges. ``tz`` "" is the local zone.
    """

    text: str
    days: tuple[int, ...] = (0, 1, 2, 3, 4, 5, 6)
    hours: tuple[tuple[int, int], ...] = ((0, 1440),)
    tz: str = ""
    exclude: tuple[tuple[str, str], ...] = ()


class Rate(NamedTuple):
    """A ``rate:`` limit: ``limit`` runs per ``seconds``, counted per rule or per command."""

    text: str
    limit: int
    seconds: int
    per: str = "rule"  # rule | command
    over: str = "ask"  # what a run past the limit gets: ask | deny


class Rule(NamedTuple):
    id: str
    decision: str
    patterns: tuple[Pattern, ...]
    reason: str | None = None
    suggest: str | None = None
    file: str = ""
    line: int = 0
    tests: tuple[Example, ...] = ()
    # guardrails of values, sources and limits (gatekeep.policy.values)
    bounds: tuple[Bound, ...] = ()
    packages: PackageGuard | None = None
    limits: tuple[tuple[str, float], ...] = ()
    when: Window | None = None
    rate: Rate | None = None

    @property
    def source(self) -> str:
        return f"{self.file}:{self.line}"
    # how deep in ``extends`` the rule's file is (0: the policy named); a rule that matches
    # decides instead of the deeper rules, except their denies not named in ``overrides``
    layer: int = 0
    overrides: tuple[str, ...] = ()  # inherited denies and checks this rule lifts, by name


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
    sandbox_separate: tuple[str, ...] = ()
    sandbox_owners: tuple[tuple[str, str], ...] = ()  # (program, a shared cache it writes)
    sandbox_not_scanned: tuple[str, ...] = ()
    sandbox_readable: tuple[str, ...] = ()
    sandbox_without_secrets: tuple[str, ...] = ()
    sandbox_bwrap: tuple[str, ...] = BWRAP
    limits: Limits = Limits()
    # the ``audit`` key (see gatekeep.policy.audit): sinks and rotation, extra redaction
    audit_sinks: Settings = Settings()
    audit_redact: tuple[tuple[str, str], ...] = ()
    packages: PackageGuard | None = None  # the policy-wide ``packages:`` guardrail
    # guardrails (gatekeep.core.guardrails): the whole policy's time window, and the mode
    when: Window | None = None
    mode: str = "enforce"  # enforce | observe (the operator's policy only)

    @property
    def guarded(self) -> bool:
        """Whether a decision of this policy may depend on the clock or a counter."""
        return self.when is not None or any(r.when or r.rate for r in self.rules)

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

    def rule(self, rule_id: str) -> Rule | None:
        """The rule of that id (ids are unique across a policy and what it extends)."""
        return next((r for r in self.rules if r.id == rule_id), None)

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
            found = found + _globbed(self.by_glob, name)
        return found


_Entries = tuple[tuple[Pattern, Rule], ...]
_GLOBBED: dict[int, tuple[_Entries, dict[str, _Entries]]] = {}


def _globbed(entries: _Entries, name: str) -> _Entries:
    """The entries whose program glob matches ``name``: remembered per policy (its index,
    held here so that its id stays its own) and program name, since every part asks."""
    kept = _GLOBBED.get(id(entries))
    if kept is None or kept[0] is not entries or len(kept[1]) >= 4096:
        if len(_GLOBBED) >= 64:
            _GLOBBED.clear()
        kept = _GLOBBED[id(entries)] = (entries, {})
    found = kept[1].get(name)
    if found is None:
        found = kept[1][name] = tuple(p for p in entries if p[0].program.matches(name))
    return found
