"""``load_policy``: the one place that reads, validates and compiles a policy file."""

from __future__ import annotations

import hashlib
import os
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TypeVar

import yaml

from gatekeep.errors import PolicyError
from gatekeep.policy.audit import load_audit
from gatekeep.policy.guardrails import load_at, load_rate, load_when
from gatekeep.policy.keys import (
    DECISIONS,
    MODES,
    PATTERN_KEYS,
    RULE_KEYS,
    SANDBOX_KEYS,
    TEST_KEYS,
    TOP_KEYS,
)
from gatekeep.policy.knowledge import load_knowledge
from gatekeep.policy.model import Example, Glob, Pattern, Policy, Rule
from gatekeep.policy.refs import builtin_dir, confinement, resolve_reference
from gatekeep.policy.sandbox import load_sandbox, sandbox_fields
from gatekeep.policy.values import PackageGuard, load_bounds, load_limits, load_packages
from gatekeep.policy.yamlsource import (
    Located,
    compose,
    read_source,
    require_marker,
    unknown_key_message,
)
from gatekeep.shell.analyze import analyze_argv
from gatekeep.shell.effects import VOCABULARY
from gatekeep.shell.knowledge import Knowledge
from gatekeep.validate import problem

_TOP_KEYS = TOP_KEYS
_RULE_KEYS = RULE_KEYS
_PATTERN_KEYS = PATTERN_KEYS
_EFFECTS = VOCABULARY  # what program knowledge says an invocation does
_TEST_KEYS = TEST_KEYS
_MAX_EXTENDS = 8
_MAX_COMMAND = 65536  # a tests: command may be longer than a path, but not without end
_T = TypeVar("_T")


def load_knowledge_default(extension: Path | None = None) -> Knowledge:
    """The shipped program knowledge, extended by the operator's file when there is one."""
    builtin = load_knowledge(builtin_dir() / "programs.yaml")
    return load_knowledge(extension, builtin) if extension is not None else builtin


def load_policy(reference: str | Path, knowledge: Knowledge | None = None,
                operator_dir: str | None = None) -> Policy:
    """Load, validate and compile a policy (a path or ``builtin:NAME``).

    ``operator_dir`` is the operator's config dir (by default from the environment):
    only a policy in it may extend files outside its own project (see ``confinement``).
    """
    return _build(reference, knowledge, None, operator_dir)


def check_policy(reference: str | Path, knowledge: Knowledge | None = None,
                 operator_dir: str | None = None
                 ) -> tuple[Policy | None, tuple[PolicyError, ...]]:
    """Load like :func:`load_policy`, but report every error instead of the first.

    Independent parts (top-level keys, each ``extends`` entry, each rule, each test)
    are checked one by one; the policy is returned only when there is no error.
    """
    errors: list[PolicyError] = []
    try:
        policy = _build(reference, knowledge, errors, operator_dir)
    except PolicyError as error:  # unreadable, not YAML, not a mapping: nothing more to check
        errors.append(error)
    return (None if errors else policy), tuple(errors)


def _build(reference: str | Path, knowledge: Knowledge | None,
           errors: list[PolicyError] | None, operator_dir: str | None) -> Policy:
    reason = problem(str(reference))
    if reason is not None:
        raise PolicyError(str(reference)[:200], None, None, "", f"the policy name {reason}")
    knowledge = knowledge or load_knowledge_default()
    path = resolve_reference(str(reference)) if isinstance(reference, str) else reference
    if operator_dir is None:
        from gatekeep.runtime.sysfs import user_dirs

        operator_dir = user_dirs(os.environ)[0]
    root = confinement(str(reference), path, operator_dir)
    parts = _Loader(knowledge, errors, root).load(path, chain=())
    digest = hashlib.sha256()
    for file, text in parts.texts:
        # the content identifies a policy, wherever it is installed
        digest.update(os.path.basename(file).encode() + b"\0" + text.encode() + b"\0")
    return Policy.build(
        name=str(reference), files=tuple(f for f, _ in parts.texts), sha256=digest.hexdigest(),
        default=parts.settings.get("default", "ask"),
        unparseable=parts.settings.get("unparseable", "ask"),
        prompt_timeout=float(parts.settings.get("prompt_timeout", 120)),
        prompt_no_tty=parts.settings.get("prompt_no_tty", "deny"),
        prompt_via=parts.settings.get("prompt_via", ""),
        protect_write=tuple(parts.protect_write), protect_read=tuple(parts.protect_read),
        rules=tuple(parts.rules), tests=tuple(parts.tests), knowledge=knowledge,
        **sandbox_fields(parts.sandbox), packages=parts.packages, **parts.guard,
        **parts.audit,
    )


@dataclass
class _Parts:
    texts: list[tuple[str, str]]
    settings: dict[str, str]
    protect_write: list[Glob]
    protect_read: list[Glob]
    rules: list[Rule]
    tests: list[Example]
    sandbox: dict[str, object] = field(default_factory=dict)
    packages: PackageGuard | None = None
    guard: dict[str, object] = field(default_factory=dict)  # the policy's when and mode
    audit: dict[str, object] = field(default_factory=dict)


class _Loader:
    def __init__(self, knowledge: Knowledge, errors: list[PolicyError] | None = None,
                 root: Path | None = None) -> None:
        self.knowledge = knowledge
        self.errors = errors  # None: raise the first error; a list: collect them and go on
        self.root = root  # files extended must be inside it (None: anywhere)

    def fail(self, error: PolicyError) -> None:
        if self.errors is None:
            raise error
        self.errors.append(error)

    def attempt(self, action: Callable[[Located], _T], located: Located) -> _T | None:
        """``action(located)``; when collecting, an error is recorded and gives None."""
        if self.errors is None:
            return action(located)
        try:
            return action(located)
        except PolicyError as error:
            self.errors.append(error)
            return None

    def top(self, root: Located) -> dict[str, Located]:
        if self.errors is None:
            return root.mapping(_TOP_KEYS)
        fields = root.mapping()
        for key, _ in root.node.value:
            if key.value not in _TOP_KEYS:
                del fields[key.value]
                self.errors.append(root.child(key, key.value).error(
                    unknown_key_message(key.value, _TOP_KEYS)))
        return fields

    def load(self, path: Path, chain: tuple[Path, ...]) -> _Parts:
        text = read_source(path, "policy")
        file = str(path)
        root = compose(text, file)
        # nothing of a file is quoted back before it shows it is a policy
        require_marker(root, "gatekeep", "not a gatekeep policy: expected a mapping with "
                       "'gatekeep: 1' (the format version)")
        top = self.top(root)
        if top["gatekeep"].scalar() != 1:
            raise top["gatekeep"].error("unsupported format version; this gatekeep reads 1")
        parts = _Parts([], {}, [], [], [], [])
        if "extends" in top:
            for item in top["extends"].items():
                self.attempt(lambda i: self.extend(parts, i, path, chain), item)
        parts.texts.append((file, text))
        for key in ("default", "unparseable"):
            if key in top:
                choice = self.attempt(lambda v: v.choice(("ask", "deny")), top[key])
                if choice is not None:
                    parts.settings[key] = choice
        if "prompt" in top:
            self.attempt(lambda v: self.prompt(v, parts), top["prompt"])
        if "protect" in top:
            self.attempt(lambda v: self.protect(v, parts), top["protect"])
        if "packages" in top:  # the extending file's guardrail replaces what it inherits
            parts.packages = self.attempt(load_packages, top["packages"]) or parts.packages
        if "audit" in top:
            self.attempt(partial(load_audit, settings=parts.audit), top["audit"])
        for key in SANDBOX_KEYS & top.keys():
            self.attempt(partial(load_sandbox, key, settings=parts.sandbox), top[key])
        if "when" in top:
            parts.guard["when"] = self.attempt(load_when, top["when"])
        if "mode" in top:
            self.attempt(lambda v: self.mode(v, parts), top["mode"])
        items = self.attempt(Located.sequence, top["rules"]) or [] if "rules" in top else []
        own_rules = [(item, self.attempt(self.rule, item)) for item in items]
        own_rules = [(item, rule and rule._replace(layer=len(chain))) for item, rule in own_rules]
        seen = {rule.id: rule for rule in parts.rules}
        for item, rule in own_rules:
            if rule is None:
                continue
            if rule.id in seen:
                other = seen[rule.id]
                self.fail(item.mapping()["id"].error(
                    f"duplicate rule id {rule.id!r} (also at {other.file}:{other.line})"))
                continue
            seen[rule.id] = rule
            parts.rules.append(rule)
        parts.tests = [] if not chain else parts.tests
        if "tests" in top:
            examples = self.attempt(Located.sequence, top["tests"]) or []
            found = [self.attempt(lambda i: self.example(i, None), item) for item in examples]
            parts.tests = [example for example in found if example is not None]
        return parts

    def extend(self, parts: _Parts, item: Located, path: Path, chain: tuple[Path, ...]) -> _Parts:
        name = item.string()
        try:
            target = resolve_reference(name, path.parent)
            resolved = target.resolve()
            # before looking at the file: whether it exists is not told either
            if self.root is not None and not name.startswith("builtin:") \
                    and not resolved.is_relative_to(self.root):
                raise item.error(f"this policy may extend only builtin:NAME and files inside "
                                 f"{self.root} (only the operator's own policy may extend "
                                 "other files)")
            if resolved in chain + (path.resolve(),) or len(chain) >= _MAX_EXTENDS:
                raise item.error(f"'extends' loops or nests deeper than {_MAX_EXTENDS}: "
                                 f"{target}")
            if not target.is_file():
                raise item.error(f"extended policy not found: {target}")
        except PolicyError as error:
            raise (error if error.line is not None else item.error(error.message)) from None
        except (OSError, RuntimeError) as error:  # ENAMETOOLONG, a symlink loop
            reason = error.strerror if isinstance(error, OSError) else "a symlink loop"
            raise item.error(f"cannot use this path: {reason}") from None
        base = self.load(target, chain + (path.resolve(),))
        parts.texts.extend(base.texts)
        parts.settings.update(base.settings)
        parts.protect_write.extend(base.protect_write)
        parts.protect_read.extend(base.protect_read)
        parts.rules.extend(base.rules)
        parts.sandbox.update(base.sandbox)
        parts.packages = base.packages or parts.packages
        parts.guard.update(base.guard)
        parts.audit.update(base.audit)
        return parts

    def mode(self, located: Located, parts: _Parts) -> None:
        """``mode: observe`` runs what would be asked: only the operator may say so."""
        mode = located.choice(MODES)
        if self.root is not None:
            raise located.error("'mode' is for the operator's own policy only: a project "
                                "policy, --policy or GATEKEEP_POLICY may only tighten")
        parts.guard["mode"] = mode

    def protect(self, located: Located, parts: _Parts) -> None:
        protect = located.mapping(frozenset({"write", "read"}))
        for key, target in (("write", parts.protect_write), ("read", parts.protect_read)):
            if key in protect:
                target.extend(Glob.from_text(g) for g in protect[key].strings())

    def prompt(self, located: Located, parts: _Parts) -> None:
        prompt = located.mapping(frozenset({"timeout", "no_tty", "via"}))
        if "timeout" in prompt:
            parts.settings["prompt_timeout"] = str(prompt["timeout"].number(minimum=1))
        if "no_tty" in prompt:
            parts.settings["prompt_no_tty"] = prompt["no_tty"].choice(("deny", "queue"))
        if "via" in prompt:
            parts.settings["prompt_via"] = prompt["via"].choice(("agent", "queue", "tty"))

    def rule(self, located: Located) -> Rule:
        fields = located.mapping(_RULE_KEYS)
        if "id" not in fields:
            raise located.error("a rule needs an 'id'")
        rule_id = fields["id"].string()
        given = [d for d in DECISIONS if d in fields]
        if len(given) != 1:
            raise located.error(f"rule {rule_id!r} needs exactly one of allow, ask, deny "
                                f"(got {', '.join(given) or 'none'})")
        decision = given[0]
        patterns = tuple(self.pattern(item) for item in fields[decision].items())
        if not patterns:
            raise fields[decision].error("expected at least one pattern")
        line = located.node.start_mark.line + 1
        tests = tuple(self.example(item, rule_id) for item in fields["tests"].sequence()) \
            if "tests" in fields else ()
        for key in ("when", "rate"):
            if key in fields and decision != "allow":
                raise fields[key].error(f"'{key}' guards an allow; rule {rule_id!r} says "
                                        f"{decision}")
        return Rule(
            rule_id, decision, patterns,
            reason=fields["reason"].string() if "reason" in fields else None,
            suggest=fields["suggest"].string() if "suggest" in fields else None,
            file=located.file, line=line, tests=tests,
            bounds=load_bounds(fields["bounds"]) if "bounds" in fields else (),
            packages=load_packages(fields["packages"]) if "packages" in fields else None,
            limits=load_limits(fields["limits"]) if "limits" in fields else (),
            when=load_when(fields["when"]) if "when" in fields else None,
            rate=load_rate(fields["rate"]) if "rate" in fields else None,
            overrides=fields["overrides"].strings() if "overrides" in fields else (),
        )

    def pattern(self, located: Located) -> Pattern:
        if isinstance(located.scalar_or_none(), str):
            text = located.string()
            try:
                words = shlex.split(text)
            except ValueError as error:
                raise located.error(f"cannot split pattern {text!r}: {error}") from None
            if not words:
                raise located.error("empty pattern")
            return self.compile_words(text, words, ())
        if not isinstance(located.node, yaml.MappingNode):
            raise located.error(f"expected a pattern (a string, or a mapping with program, "
                                f"args, flags), got {located.node.value!r}; quote words "
                                "such as true, yes or on")
        fields = located.mapping(_PATTERN_KEYS)
        if "program" not in fields:
            raise located.error("a pattern mapping needs 'program'")
        program = fields["program"].string()
        args = list(fields["args"].strings()) if "args" in fields else []
        flags = fields["flags"].strings() if "flags" in fields else ()
        for flag in flags:
            if not flag.startswith("-"):
                raise fields["flags"].error(f"flags start with '-': {flag!r}")
        without = fields["without"].strings() if "without" in fields else ()
        for flag in without:
            if not flag.startswith("-"):
                raise fields["without"].error(f"flags start with '-': {flag!r}")
        effects = tuple(e.choice(_EFFECTS) for e in fields["effects"].items()) \
            if "effects" in fields else ()
        text = " ".join([program, *args] + ([f"[{' | '.join(flags)}]"] if flags else [])
                        + [f"!{flag}" for flag in without]
                        + [f"<{effect}>" for effect in effects])
        pattern = self.compile_words(text, [program, *args], flags)
        return pattern._replace(without=self.flag_names([program, *args], without),
                                effects=effects)

    def flag_names(self, words: list[str], flags: tuple[str, ...]) -> tuple[str, ...]:
        """Flags as the knowledge names them after ``words`` (``git rm`` then ``-r``)."""
        names: list[str] = []
        base = len(analyze_argv(words, self.knowledge).options)
        for flag in flags:
            parsed = analyze_argv([*words, flag], self.knowledge).options
            names.extend([o.name for o in parsed[base:]] or [flag])
        return tuple(names)

    def compile_words(self, text: str, words: list[str], any_flags: tuple[str, ...]) -> Pattern:
        invocation = analyze_argv(words, self.knowledge)
        flags_all = tuple(
            (o.name, Glob.from_text(o.value.value) if o.value and o.value.value else None)
            for o in invocation.options
        )
        flags_any: list[str] = []
        for flag in any_flags:
            # after the args, so a subcommand's aliases apply (git push -f is --force)
            parsed = analyze_argv([*words, flag], self.knowledge).options
            flags_any.extend([o.name for o in parsed[len(invocation.options):]] or [flag])
        return Pattern(
            text, Glob.from_text(words[0]),
            tuple(Glob.from_text(w.value or "") for w in invocation.positionals),
            flags_all, tuple(flags_any),
        )

    def example(self, located: Located, rule: str | None) -> Example:
        return load_example(located, rule)


def load_example(located: Located, rule: str | None) -> Example:
    """A ``tests:`` entry (also a case file's ``cases:`` entry): ``cmd``, ``expect``, ``cwd``,
    and for guardrails ``at`` (the moment) and ``count`` (runs a rate counter holds)."""
    fields = located.mapping(_TEST_KEYS)
    for key in ("cmd", "expect"):
        if key not in fields:
            raise located.error(f"a test needs {key!r}")
    if "count" in fields and "at" not in fields:
        raise fields["count"].error("'count' needs 'at': guardrails are judged at a moment")
    return Example(
        fields["cmd"].string(_MAX_COMMAND), fields["expect"].choice(DECISIONS),
        fields["cwd"].string() if "cwd" in fields else None,
        located.file, located.node.start_mark.line + 1, rule,
        at=load_at(fields["at"]) if "at" in fields else None,
        counted=_whole(fields["count"]) if "count" in fields else None,
    )


def _whole(located: Located) -> int:
    value = located.number(minimum=0)
    if not value.is_integer():
        raise located.error(f"expected a whole number of runs, got {value:g}")
    return int(value)
