"""The lint checks: rules that cannot match, cannot decide, or allow too much.

Findings are about the named file: an extended file's rules count only where they
interact with the named file's rules (a deny there that overrides an allow here).
"""

from __future__ import annotations

from pathlib import Path

from gatekeep.errors import PolicyError
from gatekeep.lint.globs import sample
from gatekeep.lint.guardrails import guardrail_findings
from gatekeep.lint.layers import loosenings
from gatekeep.lint.model import ERROR, WARNING, Finding
from gatekeep.lint.probe import allowed_probes, instance, matches_itself
from gatekeep.lint.runners import PROBES
from gatekeep.lint.subsume import subsumes
from gatekeep.policy.model import STRICTNESS, Glob, Pattern, Policy, Rule
from gatekeep.shell.analyze import analyze, analyze_argv, literal_segment
from gatekeep.shell.knowledge import Knowledge
from gatekeep.shell.model import ParsedCommand


def lint_policy(reference: str, knowledge: Knowledge | None = None,
                compiled: Policy | None = None) -> list[Finding]:
    """Every finding in the policy ``reference`` (a path or ``builtin:NAME``).

    ``compiled`` is the policy as compiled from exactly its current files (the sealed
    cache's entry): such a policy loaded without an error, so its text has none to report.
    """
    policy, errors = (compiled, ()) if compiled is not None else _checked(reference, knowledge)
    if policy is None:
        return sorted((Finding.from_error(e) for e in errors),
                      key=lambda f: (f.file, f.line or 0, f.column or 0))
    own = policy.files[-1]
    findings = [*_unmatchable(policy, own), *_ignored_words(policy, own),
                *_broad_allows(policy, own), *_shadowed(policy, own),
                *guardrail_findings(policy, own), *loosenings(policy, own),
                *_reason_claims(policy)]
    return sorted(findings, key=lambda f: (f.file, f.line or 0, f.code, f.message))


def _checked(reference: str, knowledge: Knowledge | None
             ) -> tuple[Policy | None, tuple[PolicyError, ...]]:
    from gatekeep.policy.load import check_policy  # YAML: only for a text to check

    return check_policy(reference, knowledge)


def _reason_claims(policy: Policy) -> list[Finding]:
    """Reasons that claim what the effects of their examples' parts do not back."""
    from gatekeep.lint.claims import claim_findings
    from gatekeep.offline.batch import Places
    from gatekeep.offline.examples import policy_examples, run_examples

    report = run_examples(policy, policy_examples(policy), Places.for_tests(), lambda _: None)
    return claim_findings(policy, report.outcomes)


def _own_patterns(policy: Policy, own: str) -> list[tuple[Rule, Pattern]]:
    return [(rule, pattern) for rule in policy.rules if rule.file == own
            for pattern in rule.patterns]


def _at(rule: Rule, severity: str, code: str, message: str) -> Finding:
    return Finding(severity, code, rule.file, rule.line, None, message)


# -- patterns that cannot match ------------------------------------------------------------

def _unmatchable(policy: Policy, own: str) -> list[Finding]:
    findings = []
    for rule, pattern in _own_patterns(policy, own):
        reason = _why_unmatchable(policy, rule, pattern)
        if reason is not None:
            findings.append(_at(rule, ERROR, "unmatchable",
                                f"rule {rule.id!r}: pattern {pattern.text!r} can never match: "
                                f"{reason}"))
    return findings


def _why_unmatchable(policy: Policy, rule: Rule, pattern: Pattern) -> str | None:
    globs = [pattern.program, *pattern.args, *(v for _, v in pattern.flags_all if v)]
    for glob in globs:
        if sample(glob) is None:
            return f"{glob.text!r} matches no word (a character range with nothing in it)"
    if pattern.by_path and not pattern.program.literal:
        return ("a program named by path is compared with the resolved path as it is; "
                "glob characters in it match nothing")
    tabled = [e for e in pattern.effects if e in _TABLE_ONLY]
    if tabled:  # the probe's made-up place has no system program for the table to describe
        missing = [e for e in tabled if not _table_gives(policy, pattern.program, e)]
        return (f"program knowledge gives no run of {pattern.program.text!r} the effect "
                f"{missing[0]!r}") if missing else None
    if set(pattern.effects) & _FROM_PATHS:
        return None  # any program may write through a redirect or run code from elsewhere
    if matches_itself(policy, rule, pattern) is False:
        shown = " ".join(instance(pattern) or [])
        return f"gatekeep does not read even {shown!r} as this pattern"
    return None


# effects only the knowledge's table gives, and those any run may have by what it touches
_TABLE_ONLY = frozenset({"reads", "deploys", "changes-services", "discards"})
_FROM_PATHS = frozenset({"writes-tree", "writes-elsewhere", "runs-foreign-code"})


def _table_gives(policy: Policy, program: Glob, effect: str) -> bool:
    """Whether the table of some program the glob names claims ``effect`` for some run."""
    for name, table in policy.knowledge.effects.items():
        claims = {*table.every, *(e for v in table.subcommands.values() for e in v),
                  *(e for v in table.options.values() for e in v),
                  *(e for v in table.actions.values() for e in v),
                  *(e for v in table.path_operands.values() for e in v)}
        if effect in claims and program.matches(name):
            return True
    return False


def _ignored_words(policy: Policy, own: str) -> list[Finding]:
    """Words after a wrapper's inner command starts: the pattern silently drops them."""
    findings = []
    shapes = _Shapes(policy.knowledge)
    for rule, pattern in _own_patterns(policy, own):
        words = instance(pattern)
        if words is None or len(words) < 2:
            continue
        words = words[: len(words) - len(pattern.flags_any[:1])]
        inner = _dropped_inner(words, shapes)
        if inner is not None:
            findings.append(_at(rule, WARNING, "ignored-words", (
                f"rule {rule.id!r}: pattern {pattern.text!r} matches every {words[0]!r} command "
                f"whatever it runs: gatekeep judges the command {words[0]} runs ({inner!r}) on "
                "its own, with the rules for that program")))
    return findings


def _dropped_inner(words: list[str], shapes: _Shapes) -> str | None:
    if len(words) < 2 or shapes[tuple(words)] != shapes[tuple(words[:-1])]:
        return None
    invocations = analyze(ParsedCommand(" ".join(words), (literal_segment(words),)),
                          shapes.knowledge).invocations
    return invocations[1].text if len(invocations) > 1 else None


class _Shapes(dict[tuple[str, ...], tuple[object, ...]]):
    """Each argv's shape, analysed once: most patterns share their words but the last with
    another pattern (``git push`` and ``git``), whose shape they are compared with."""

    def __init__(self, knowledge: Knowledge) -> None:
        super().__init__()
        self.knowledge = knowledge

    def __missing__(self, words: tuple[str, ...]) -> tuple[object, ...]:
        found = self[words] = _shape(list(words), self.knowledge)
        return found


def _shape(words: list[str], knowledge: Knowledge) -> tuple[object, ...]:
    invocation = analyze_argv(words, knowledge)
    options = tuple((o.name, o.value.value if o.value else None) for o in invocation.options)
    return options, tuple(w.value for w in invocation.positionals)


# -- allow rules that allow too much ----------------------------------------------------------

def _broad_allows(policy: Policy, own: str) -> list[Finding]:
    findings = []
    for rule, pattern in _own_patterns(policy, own):
        if rule.decision != "allow" or pattern.args or pattern.flags_all or pattern.flags_any \
                or pattern.effects:  # an effect names what it does, whatever the program
            continue
        message = _why_broad(policy, rule, pattern)
        if message is not None:
            findings.append(_at(rule, ERROR, "broad-allow",
                                f"rule {rule.id!r}: pattern {pattern.text!r} {message}"))
    return findings


def _why_broad(policy: Policy, rule: Rule, pattern: Pattern) -> str | None:
    program = pattern.program
    if set(program.text) <= {"*", "?"}:
        return "allows every program with any arguments"
    if program.literal:
        base = Path(program.text).name
        names = [(program.text, p) for p in (base, policy.knowledge.spec(base).name)
                 if p in PROBES][:1]
    else:
        names = [(name, name) for name in PROBES if program.matches(name)]
    for shown, key in names:
        allowed = allowed_probes(policy, rule, pattern, PROBES[key], shown)
        if allowed:
            return (f"allows {allowed[0]!r}, which runs code gatekeep does not see; allow "
                    f"only the {shown} commands you mean (for example '{shown} --version')")
    return None


# -- rules that can never decide -------------------------------------------------------------

def _shadowed(policy: Policy, own: str) -> list[Finding]:
    """Rules and patterns a stricter rule always matches with.

    Reported when the dead rule is in the named file, or when it is an allow that a
    deny in another file of the policy contradicts. A rule of an extended file that
    the named file's stricter rule overrides is tightening, not a mistake.
    """
    findings: list[Finding] = []
    index = _Index(policy)
    for rule in policy.rules:
        if rule.rate is not None:
            continue  # its count still speaks where a stricter rule asks (docs/guardrails.md)
        covering = [index.covering(rule, pattern) for pattern in rule.patterns]
        reported = [rules if _reported(rule, rules, own) else [] for rules in covering]
        if all(reported):
            findings.append(_dead_rule(rule, reported, own))
            continue
        findings.extend(_dead_pattern(rule, pattern, rules, own)
                        for pattern, rules in zip(rule.patterns, reported, strict=True) if rules)
    return findings


class _Index:
    """Patterns by the program they name and their first word; only those can cover a
    pattern (or a glob's).

    A pattern covers another only if its first word covers the other's: a word without
    glob characters covers that same word alone, and no glob (``covers``), so a literal
    first word is looked up, not compared with every pattern of the program.
    """

    def __init__(self, policy: Policy) -> None:
        self.knowledge = policy.knowledge
        self.named: dict[tuple[str, _Key], list[_Entry]] = {}
        self.globbed: list[_Entry] = []
        patterns = [(pattern, rule) for rule in policy.rules for pattern in rule.patterns]
        for place, (pattern, rule) in enumerate(patterns):
            entry = (place, pattern, rule)
            if pattern.program.literal:
                self.named.setdefault((pattern.program.text, _first(pattern)), []).append(entry)
            else:
                self.globbed.append(entry)

    def covering(self, rule: Rule, pattern: Pattern) -> list[Rule]:
        """The stricter rules with a pattern that matches every command ``pattern`` does."""
        name = pattern.program.text
        canonical = self.knowledge.spec(name).name
        candidates = self.program(name, pattern) + self.globbed
        if canonical != name:
            candidates = candidates + self.program(canonical, pattern)
        strictness = STRICTNESS[rule.decision]
        found = [other for _, outer, other in candidates
                 if STRICTNESS[other.decision] > strictness and _decides_with(other, rule)
                 and subsumes(outer, pattern, self.knowledge)]
        return list(dict.fromkeys(found))

    def program(self, name: str, pattern: Pattern) -> list[_Entry]:
        """The patterns naming ``name`` whose first word may cover ``pattern``'s, in the
        policy's order: none, a glob, or the same literal word."""
        first = _first(pattern)
        keys = dict.fromkeys((None, True, first))
        return sorted((e for key in keys for e in self.named.get((name, key), ())),
                      key=lambda entry: entry[0])


_Entry = tuple[int, Pattern, Rule]  # its place in the policy, the pattern, its rule
_Key = str | bool | None


def _first(pattern: Pattern) -> _Key:
    """The index key of a pattern's first word after the program: None without one, True
    for a glob, else the word."""
    if not pattern.args:
        return None
    return pattern.args[0].text if pattern.args[0].literal else True


def _decides_with(other: Rule, rule: Rule) -> bool:
    """Whether ``other`` still counts where ``rule`` matches: a rule of the same layer, one
    of a policy that extends it, or a deeper deny ``rule`` does not name in ``overrides``."""
    return other.layer <= rule.layer or (other.decision == "deny"
                                         and other.id not in rule.overrides)


def _reported(rule: Rule, covering: list[Rule], own: str) -> bool:
    return bool(covering) and (rule.file == own or bool(_contradicting(rule, covering, own)))


def _contradicting(rule: Rule, covering: list[Rule], own: str) -> list[Rule]:
    """Denies in another file that cover this allow, where one of the two is the named file."""
    if rule.decision != "allow":
        return []
    return [r for r in covering
            if r.decision == "deny" and r.file != rule.file and own in (r.file, rule.file)
            and r.layer > rule.layer]  # a deny of the extending file only tightens


def _where(rule: Rule, shadows: list[Rule], own: str) -> Rule:
    return rule if rule.file == own else next(r for r in shadows if r.file == own)


def _contradicted(rule: Rule, against: list[Rule], own: str, what: str,
                  tail: str = "") -> Finding:
    """An allow (``what``: the whole rule, or one of its patterns) that a deny in another
    file of the policy always outranks."""
    return _at(_where(rule, against, own), WARNING, "contradicted", (
        f"allow rule {rule.id!r} ({_short(rule)}){what} can never allow anything: deny rule "
        f"{against[0].id!r} ({_short(against[0])}) in another file of the policy matches "
        f"every command it matches{tail}"))


def _dead_rule(rule: Rule, covering: list[list[Rule]], own: str) -> Finding:
    shadows = list(dict.fromkeys(r for rules in covering for r in rules))
    against = _contradicting(rule, shadows, own)
    if against:
        return _contradicted(rule, against, own, "", ", and the stricter decision wins")
    names = ", ".join(f"{r.id!r} ({r.decision}, {_short(r)})" for r in shadows)
    return _at(rule, WARNING, "shadowed-rule", (
        f"rule {rule.id!r} ({rule.decision}) can never decide anything: every command it "
        f"matches is also matched by the stricter {names}"))


def _dead_pattern(rule: Rule, pattern: Pattern, covering: list[Rule], own: str) -> Finding:
    against = _contradicting(rule, covering, own)
    if against:
        return _contradicted(rule, against, own, f": pattern {pattern.text!r}")
    shadow = covering[0]
    return _at(rule, WARNING, "shadowed-pattern", (
        f"rule {rule.id!r} ({rule.decision}): pattern {pattern.text!r} can never decide: "
        f"rule {shadow.id!r} ({shadow.decision}, {_short(shadow)}) matches every command it "
        "matches"))


def _short(rule: Rule) -> str:
    return f"{Path(rule.file).name}:{rule.line}"
