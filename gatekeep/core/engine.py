"""``decide(policy, command, context) -> Decision``: pure, no clock, environment or terminal.

Per segment the strictest matching rule wins (deny > ask > allow) and no match
gives the policy's ``default``; hazards found by program knowledge, protected
paths and writes outside the working tree add their own verdicts; the whole
command gets the strictest segment decision.
"""

from __future__ import annotations

import posixpath
import re
from functools import lru_cache

from gatekeep.core import globs, manifests, outputs, values, written
from gatekeep.core.approvals import Shape
from gatekeep.core.paths import (
    OUTSIDE,
    TEMP_UNSHARED,
    Context,
    Protection,
    compile_protection,
    joined_text,
    resolve_text,
    within,
)
from gatekeep.core.written import process_substitution as _process_substitution
from gatekeep.policy.model import STRICTNESS, Pattern, Policy, Rule, strictest
from gatekeep.policy.values import PackageGuard
from gatekeep.runtime.patterns import on_use
from gatekeep.sandbox.records import NamedTuple
from gatekeep.shell.analyze import Invocation, analyze
from gatekeep.shell.braces import first_is_character
from gatekeep.shell.effects import (
    INFO,
    INTERPRETS,
    NAMES_WORDS,
    READS_NAMED,
    SETS,
    UNSEEN_OPTIONS,
    UNSEEN_READS,
    describe,
)
from gatekeep.shell.knowledge import ProgramEffects, ProgramSpec, abbreviates_long
from gatekeep.shell.model import (
    Assignment,
    Hazard,
    ParsedCommand,
    Problem,
    Segment,
    SegmentKind,
    Span,
    Word,
)

# a path through links each process has its own of, which gatekeep cannot walk for the
# shell: up (`..`) from under /dev or /proc, or on past a descriptor, a working directory or
# a root (`/dev/stdin/environ < /proc/self`, `/proc/self/cwd/bin/git`)
_PER_PROCESS = on_use(r"/(?:dev|proc)/.*/\.\.(?:/|$)|/dev/(?:std(?:in|out|err)|fd/[^/]+)/."
                      r"|/proc/(?:[^/]+/)+(?:fd/[^/]+|cwd|root)/.")
# Effects that make a box with the network (``sandbox.policy.boxed_network``)
_NETWORK = frozenset({"network", "network-loopback"})
_SAME_FOLDER = on_use(r"/(?:\.?/)+")  # `//` and `/./`: one `/` to the system

# a plain variable's value: a word that names no file outside the system's own directories
_PLAIN_VALUE = on_use(r"(?!/)(?!.*\.\.)(?!.*:/)[A-Za-z0-9_.:@+,=/-]*")
_CONSTRUCTS = {
    SegmentKind.ASSIGNMENT: "sets shell variables",
    SegmentKind.TEST: "a test expression; runs no program",
    SegmentKind.REDIRECT_ONLY: "redirects the commands before it; runs no program",
    SegmentKind.DECLARATION: "declares shell variables",
}


def _per_process(path: str, glob: bool = False) -> bool:
    """Whether the path goes past a link each process has its own of (``_PER_PROCESS``),
    however its folders are spelt (``/dev//stdin/environ``, ``/proc/./self/cwd``); a shell
    pattern (``glob``) when one of the paths it may match does (``/dev/std*/environ``)."""
    spelt = _SAME_FOLDER.sub("/", path + "/")
    if _PER_PROCESS.match(spelt):
        return True
    return glob and _may_match_per_process(spelt.strip("/").split("/"))


def _may_match_per_process(folders: list[str]) -> bool:
    """Whether a pattern's folders may match a path ``_PER_PROCESS`` takes: its first may be
    `dev` or `proc`, and a later one `..`, or one that may name a descriptor, a working
    directory or a root with a folder after it. A folder whose pattern Python's fnmatch
    reads otherwise than bash (brackets, extended patterns, escapes) may be anything."""
    from fnmatch import fnmatchcase  # loaded for a pattern only

    def may(pattern: str, *names: str) -> bool:
        return any(c in pattern for c in "[(\\") or any(fnmatchcase(name, pattern)
                                                         for name in names)

    if not folders or not may(folders[0], "dev", "proc"):
        return False
    if any(f == ".." or "**" in f for f in folders):
        return True
    if may(folders[0], "dev") and len(folders) >= 3 and (
            may(folders[1], "stdin", "stdout", "stderr")
            or (len(folders) >= 4 and may(folders[1], "fd"))):
        return True
    return may(folders[0], "proc") and any(may(f, "fd", "cwd", "root")
                                           for f in folders[2:-1])


class Verdict(NamedTuple):
    """One reason for a segment's decision: a rule, a hazard, a protected path."""

    rule: str
    decision: str
    reason: str | None = None
    suggest: str | None = None
    source: str | None = None
    # the reason is the rule's own words (its ``reason:``), not something analysis found:
    # shown only where no effect describes the part
    own: bool = False


class SegmentDecision(NamedTuple):
    text: str
    span: Span
    decision: str
    verdicts: tuple[Verdict, ...]
    via: tuple[str, ...] = ()
    wrapper: str | None = None
    # what an "always" answer would save, or why it cannot (None: nothing asked)
    shape: Shape | str | None = None
    # (the program and subcommand words, its effects), for `does` (None: not described)
    described: tuple[str, tuple[str, ...]] | None = None
    output: str = ""  # where its output goes, said after its reason ("; its output is ...")
    binding: str | None = None  # in one pass of a loop over literal words: `d=src`

    @property
    def deciding(self) -> tuple[Verdict, ...]:
        return tuple(v for v in self.verdicts if v.decision == self.decision)

    @property
    def rules(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(v.rule for v in self.deciding))

    @property
    def reason(self) -> str | None:
        """The first deciding reason; a rule's is what the part's effects say it does, where
        they describe it, so that it is as true as the knowledge (the rule's own words
        only where nothing describes the part)."""
        for verdict in self.deciding:
            if verdict.own and self.does is not None:
                return self.does + self.output
            if verdict.reason:
                return verdict.reason
        return None

    @property
    def derived(self) -> bool:
        """Whether the reason shown is the effects' line (then no ``does:`` line beside it)."""
        first = next((v for v in self.deciding if v.reason or (v.own and self.does)), None)
        return first is not None and first.own and self.does is not None

    @property
    def reason_from(self) -> str:
        """``effects``, ``rule`` (the rule's own words) or ``analysis`` (a hazard, a path,
        a guardrail: found in this command)."""
        if self.derived:
            return "effects"
        first = next((v for v in self.deciding if v.reason), None)
        return "rule" if first is not None and first.own else "analysis"

    @property
    def suggest(self) -> str | None:
        return next((v.suggest for v in self.deciding if v.suggest), None)

    @property
    def does(self) -> str | None:
        """What it does, from its effects alone (``kubectl apply: changes deployed systems
        (deploys)``): a rule's reason, or shown beside a reason analysis found; None when
        the knowledge says nothing."""
        return describe(*self.described) if self.described is not None else None


class Decision(NamedTuple):
    decision: str
    command: str
    segments: tuple[SegmentDecision, ...]
    policies: tuple[tuple[str, str], ...]  # (name, sha256)

    @property
    def deciding(self) -> tuple[SegmentDecision, ...]:
        return tuple(s for s in self.segments if s.decision == self.decision)


def decide(policy: Policy, command: ParsedCommand, context: Context) -> Decision:
    """Judge every segment of ``command`` under ``policy``."""
    analysis = analyze(command, policy.knowledge)
    judge, judged = _judged(policy, context, command.source, analysis.invocations, [])
    if judge.venv_bins:  # an activation: parts before it too (a loop runs them after it)
        judge, judged = _judged(policy, context, command.source, analysis.invocations,
                                judge.venv_bins)
    # Code one part writes and another runs, and approvals last: by then every directory
    # the command may ``cd`` to is known, loops too.
    writes = written.writes(judge, analysis.invocations)
    judged = [(inv, judge.first(segment, written.verdict(judge, inv, writes)))
              for inv, segment in judged]
    if judge.temp_written and any(s.described is not None and _NETWORK.intersection(
            s.described[1]) for _, s in judged):
        judged = [(inv, judge.temp_unshared(segment, judge.temp_by_part.get(id(inv), [])))
                  for inv, segment in judged]
    segments = [judge.approve(inv, segment) for inv, segment in judged]
    segments.extend(judge.problem(command.source, p) for p in analysis.problems)
    if not segments:
        segments.append(judge.problem(command.source, Problem("nothing to run", Span(0, 0))))
    overall = strictest(*(s.decision for s in segments))
    return Decision(overall, command.source, tuple(segments), ((policy.name, policy.sha256),))


def _judged(policy: Policy, context: Context, source: str,
            invocations: tuple[Invocation, ...], venv_bins: list[str]
            ) -> tuple[_Judge, list[tuple[Invocation, SegmentDecision]]]:
    """Each part judged in order; ``venv_bins``: those an activation in the command puts
    first on PATH, known before the first part."""
    judge = _Judge(policy, context, source)
    judge.venv_bins = list(venv_bins)
    extra = judge.whole(invocations)
    # runs_from is judged just before its invocation: a `cd` before it has moved the cwd
    return judge, [(inv, judge.invocation(inv, extra.get(index, ()) + judge.runs_from(inv)))
                   for index, inv in enumerate(invocations)
                   if inv.program is not None or inv.segment.kind is not SegmentKind.COMMAND]


def combine(decisions: list[Decision]) -> Decision:
    """The strictest of several policies' decisions on one command (tightening)."""
    first = decisions[0]
    if len(decisions) == 1:
        return first
    segments = list(first.segments)
    for other in decisions[1:]:
        if len(other.segments) != len(segments):
            segments.extend(other.segments)
            continue
        for index, segment in enumerate(other.segments):
            if STRICTNESS[segment.decision] > STRICTNESS[segments[index].decision]:
                segments[index] = segment
            elif segment.decision == segments[index].decision:
                # an allow that holds only by an approval under one policy says so
                kept = segments[index].verdicts
                lifted = tuple(v for v in segment.verdicts
                               if v.rule.startswith("approval:") and v not in kept)
                segments[index] = segments[index]._replace(verdicts=kept + lifted)
    overall = strictest(*(d.decision for d in decisions))
    policies = tuple(p for d in decisions for p in d.policies)
    return Decision(overall, first.command, tuple(segments), policies)


# a `.python-version` line that names a version (`3.12`, `cpython@3.12.1`, `pypy3.10`), not
# a path (`..`, `/opt/x`: uv runs it as the interpreter, red teams 95 and 96)
_PYTHON_VERSION = on_use(r"(?:[a-z]+[@-]?)?\d+(?:\.\d+){0,2}[a-z0-9+]*")


def _ancestors(cwds: list[str | None]) -> list[str]:
    """Each known working directory and every directory above it, once, nearest first."""
    found: list[str] = []
    for cwd in cwds:
        directory = cwd or "/"
        while True:
            found.append(directory)
            if directory == "/":
                break
            directory = posixpath.dirname(directory)
    return list(dict.fromkeys(found))


class _Judge:
    def __init__(self, policy: Policy, context: Context, source: str = "") -> None:
        self.policy = policy
        self.context = context
        self.source = source
        self.knowledge = policy.knowledge
        # Directories relative paths may start from: the cwd, and every `cd` target so far
        # (a `cd` inside a subshell may or may not still apply); None: one known only at run time.
        self.cwds: list[str | None] = [context.cwd]
        self.setting = setting = _Setting.of(policy, context)
        self.protect_write, self.protect_read = setting.protect_write, setting.protect_read
        self.real = setting.real
        self.shell_options: frozenset[str] = frozenset()  # set by `shopt -s` anywhere
        self.parts: tuple[Invocation, ...] = ()  # every part of the command (whole())
        self.lifted: dict[int, frozenset[str]] = {}  # per invocation: what its rules lift
        self.listed: list[str] = []  # requirements files read (a write to one is asked)
        self.identities: dict[str, tuple[str | None, str | None]] = {}
        self.venv_interpreters: set[str] = set()  # programs named by such a link
        self.venv_bins: list[str] = []  # `<venv>/bin` of each venv a part activates, in order
        self.special_dirs = setting.special_dirs
        self.temp_written: list[str] = []  # paths in temp dirs the command writes
        self.temp_by_part: dict[int, list[str]] = {}  # per invocation: those it writes

    def invocation(self, invocation: Invocation, extra: tuple[Verdict, ...] = ()
                   ) -> SegmentDecision:
        part = id(invocation)  # the analysis's own: decide() finds its temp writes by it
        invocation = self.backups(self.into_dir(self.link_texts(self.venv_code(
            self.tree_module(self.package_tool(self.tree_script(self.activated(invocation))))))))
        foreign = bool(extra) and any(v.rule == "path:runs-code" for v in extra)
        invocation, described = self.known_effects(invocation, foreign)
        described = self.code_file(invocation, described)
        if described is not None and any(self.paths(w) is None for w in invocation.reads) \
                and not self._says_only(invocation, described[0]):
            # `cat "$PWD/environ"`, `cat "$(cat f)"`: what it reads is known only as it runs
            # (a networked box's `/proc/self/environ` holds its secret variables); `echo
            # "$x"` opens no file
            described = described[0], (*described[1], UNSEEN_READS)
        if described is not None and self._option_reads(invocation, described[0]):
            # `date -f FILE`, `git tag -F FILE`: a file named to an option is read (beside
            # networked git, a git part writing the tree may make it a link first)
            said = self._spec(invocation).says_only and "reads" not in described[1]
            described = described[0], (*described[1], *(("reads",) if said else ()), READS_NAMED)
        elif described is not None and any(r.reads and r.target is not None
                                           for r in invocation.segment.redirects):
            # `timeout 5 cat < e`, `xargs -0 < e`, `git check-ignore --stdin < e`, `exec 3< e`:
            # whatever the part's program, the shell opens the file (red team 54)
            described = described[0], (*described[1], READS_NAMED)
        spec = self._spec(invocation)
        if described is not None and (spec.script is not None or spec.interprets or any(
                not self.plain_assignment(a) for a in invocation.segment.assignments)):
            # `sed ':a e env'`, `awk '/"/{} BEGIN{system("env")}'`, `LESS=--lesskey-src=ks
            # less`: a language or a variable the checks may not read in full
            described = described[0], (*described[1], INTERPRETS)
        if described is not None and self._names_words(invocation):
            # `git notes add -F e`, `git hash-object e`: which words are files, no list says
            described = described[0], (*described[1], NAMES_WORDS)
        if described is not None and self._acting_options(invocation) and (
                invocation.dynamic_options or self._pattern_options(invocation)):
            described = described[0], (*described[1], UNSEEN_OPTIONS)
        verdicts = []
        if self.policy.packages is not None:  # first: its reason is the one shown
            verdicts.extend(self.packages(invocation, self.policy.packages, "packages", "allow"))
            verdicts.extend(self.locked(invocation, self.policy.packages))
        verdicts.extend(self.rules(invocation))
        verdicts.extend(extra)
        verdicts.extend(Verdict(f"hazard:{h.kind}", h.decision, h.detail)
                        for h in invocation.hazards)
        temp = len(self.temp_written)
        verdicts.extend(self.writes(invocation.writes))
        verdicts.extend(self.writes(invocation.rewrites, holders=False))
        self.temp_by_part[part] = self.temp_written[temp:]
        verdicts.extend(self.reads(invocation.reads, invocation.reads_trees,
                                   invocation.writes))
        verdicts.extend(self.secrets_written(invocation.writes, invocation.reads))
        lifted = self.lifted.pop(id(invocation), frozenset())
        if lifted:  # the operator's rule names the checks it lifts where it matches
            verdicts = [v for v in verdicts if v.rule not in lifted]
        if invocation.changes_directory:
            self.change_directory(invocation)
        if not verdicts:
            verdicts.append(Verdict("default", self.policy.default, "nothing decided this part"))
        decision = strictest(*(v.decision for v in verdicts))
        segment = invocation.segment
        return SegmentDecision(segment.text, segment.span, decision, tuple(verdicts),
                               segment.via, segment.wrapper, described=described,
                               output=_output(segment), binding=segment.binding)

    # -- effects -----------------------------------------------------------------
    def known_effects(self, invocation: Invocation, foreign: bool
                      ) -> tuple[Invocation, tuple[str, tuple[str, ...]] | None]:
        """The invocation with every effect known of it (program knowledge's table, the
        paths it writes, code it runs from outside the tree: ``foreign``), and what to
        describe it by."""
        program = invocation.program
        if invocation.segment.kind in (SegmentKind.ASSIGNMENT, SegmentKind.DECLARATION):
            return invocation, self.sets_plain(invocation)
        if program is None:  # a test expression (`[ -f x ]`, `[[ ... ]]`) is `test`'s
            segment = invocation.segment
            test = segment.kind is SegmentKind.TEST and not segment.redirects \
                and not segment.assignments
            return invocation, ("test", ()) if test else None
        base = _base(program)
        # only the system program (or a virtualenv's tool) is what the table describes:
        # `./kubectl` in the tree is the project's script, whatever its name
        system = self.identity(program)[0] is not None
        table = None if not system else (
            self.knowledge.effects.get(base)
            or self.knowledge.effects.get(self.knowledge.spec(base).name))
        words: list[str] = []
        for word in invocation.positionals:
            if not word.static or word.value is None:
                break
            words.append(word.value)
        named, declared = self.table_effects(invocation, table, base, tuple(words))
        module = invocation.module.value if invocation.module is not None else None
        if system and table is None and module is not None \
                and module in self.knowledge.effects \
                and "runs-tree-code" not in invocation.effects:
            # `python -m pip install x` runs pip (the tree's own `pip.py` would be tree code)
            named, declared = self.table_effects(invocation, self.knowledge.effects[module],
                                                 module, tuple(words))
            named = ("-m", module, *named)
        if named and "network" not in declared \
                and not self.knowledge.spec(base).address_operands:
            # the program's `network` flag is for all its runs; the subcommand's entry is
            # about this one (`helm template` renders locally)
            invocation = invocation._replace(
                effects=tuple(e for e in invocation.effects if e != "network"))
        if foreign:  # `git -C /opt/x commit`: the repository it changes is not the tree
            declared = tuple("writes-elsewhere" if e == "writes-tree" else e for e in declared)
        effects = tuple(dict.fromkeys((*invocation.effects, *declared,
                                       *self.written_effects(invocation.writes),
                                       *self.written_effects(invocation.rewrites),
                                       *(("runs-foreign-code",) if foreign else ()))))
        # (only a part with a network effect can obey the tree's code this way)
        if system and "network" in effects \
                and manifests.runs_tree_code(self, invocation._replace(effects=effects), base):
            effects = (*effects, "runs-tree-code")  # package.json's install scripts
        if system and self._deletes(invocation, base):
            if not outputs.regenerable(self, self._moved(invocation, base)):
                effects = (*effects, "deletes")  # `rm -rf dist` removes only build output
            elif "writes-tree" not in effects:
                effects = (*effects, "writes-tree")  # `find . -name '*.pyc' -delete`
        if effects != invocation.effects:
            invocation = invocation._replace(effects=effects)
        # a program that is not the system one is not described by what knowledge says of it
        if not system:
            return invocation, None
        info = self.info_only(invocation, base)
        if info is not None:
            return invocation, (f"{base} {info}", (*effects, INFO))
        return invocation, (" ".join((base, *named)), effects)

    def _deletes(self, invocation: Invocation, base: str) -> bool:
        """Whether the run deletes its operands (`rm`), what it finds (`find -delete`), or
        moves operands of the tree out of it (`mv src /tmp/old`)."""
        spec = self.knowledge.spec(base)
        if spec.moves_operands:
            operands = self._operands(invocation)
            targets = _named_to_writes(spec, invocation) or operands[-1:]
            if not targets:
                return True  # `mv` alone moves nothing (it fails); operands only run time knows
            return bool(self._moved(invocation, base).positionals) and any(
                paths is None or not all(self._in_tree(p) for p in paths)
                for paths in map(self.paths, targets))
        return spec.deletes_operands or (bool(spec.names_found) and any(
            o.name in spec.destructive for o in invocation.options))

    def _operands(self, invocation: Invocation) -> list[Word]:
        """The operands as bash gives them: a brace's words each (`mv {src,/tmp/x}` is `mv
        src /tmp/x`); none when a word splits into words known only at run time."""
        found: list[Word] = []
        for word in invocation.positionals:
            if not word.splits:
                found.append(word)
            elif word.value is None:
                return []
            else:
                found.extend(word._replace(raw=text, value=text, splits=False,
                                           glob=any(c in text for c in "*?["))
                             for text in globs.braces(word.value, first_is_character(word.raw))
                             if text)
        return found

    def _moved(self, invocation: Invocation, base: str) -> Invocation:
        """The run with only the operands it deletes or takes from the tree: for a move,
        those of the tree (or known only at run time) but its target (`mv /tmp/a /tmp/b`
        takes nothing from it)."""
        spec = self.knowledge.spec(base)
        if not spec.moves_operands:
            return invocation
        operands = self._operands(invocation)
        sources = operands if _named_to_writes(spec, invocation) else operands[:-1]
        return invocation._replace(positionals=tuple(
            w for w in sources
            if (paths := self.paths(w)) is None or any(self._in_tree(p) for p in paths)))

    def sets_plain(self, invocation: Invocation) -> tuple[str, tuple[str, ...]] | None:
        """``export CI=1`` before ``npm ci``: variables ``environment.plain`` names, set or
        exported with nothing else (no option, redirect, hazard or wrapper), change no more
        than ``CI=1 npm ci`` does; described by ``SETS``, which may share a networked box.
        None for any other declaration or assignment (described by nothing)."""
        segment = invocation.segment
        if segment.redirects or invocation.hazards or segment.wrapper is not None:
            return None
        if not all(self.plain_assignment(a) for a in segment.assignments):
            return None
        names = [a.name for a in segment.assignments]
        if segment.kind is SegmentKind.DECLARATION:
            if invocation.program != "export":
                return None
            given = {a.text for a in segment.assignments}
            for word in segment.argv[1:]:
                if word.raw in given:
                    continue
                if not word.static or word.value is None or word.value.startswith("-"):
                    return None  # an option (`-f`, `-n`, `--`); the analysis gave any word
                    # that is no name a hazard (`dynamic-declaration`), checked above
                names.append(word.value)
        if not names or not all(self.knowledge.plain_variable(n) for n in names):
            return None
        return invocation.program or "", (SETS,)

    def plain_assignment(self, assignment: Assignment) -> bool:
        """A plain variable (``environment.plain``) given a value written out that names no
        file of the agent's: no ``..`` and no absolute path (glibc reads ``LANGUAGE=../x``
        and ``LC_ALL=/x`` as a locale's directory, whose translations git prints its
        environment with; ``TZ=:/x`` as a zone file), no array (bash evaluates its
        subscripts: ``CI=([$(cat f)]=x)``), nothing known only at run time."""
        if not self.knowledge.plain_variable(assignment.name):
            return False
        value = assignment.value
        if value is None:
            return assignment.text == f"{assignment.name}="
        if not value.static or value.value is None:
            return False
        if value.raw == assignment.text:  # a wrapper's `env NAME=VALUE`: the word whole
            text = value.value.split("=", 1)[1] if "=" in value.value else None
        else:
            text = value.value if assignment.text == f"{assignment.name}={value.raw}" else None
        return text is not None and _PLAIN_VALUE.fullmatch(text) is not None

    def info_only(self, invocation: Invocation, base: str) -> str | None:
        """The option of a run that only prints information and exits (``node -v``): one
        of the program's information options and no other word."""
        options = invocation.options
        if len(options) != 1 or invocation.positionals or options[0].value is not None \
                or options[0].name not in self.knowledge.spec(base).info_options:
            return None
        return options[0].name

    def table_effects(self, invocation: Invocation, table: ProgramEffects | None, base: str,
                      words: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """(the subcommand words matched, the effects the table gives this run)."""
        if table is None:
            return (), ()
        options = frozenset(o.name for o in invocation.options)
        spec = self.knowledge.spec(base)
        if not spec.goals or not words:
            named, found = table.of(words, options)
            # `grep -e PATTERN FILE`, `sed -n -e p FILE`: the pattern or program given to an
            # option, the first operand is a file too
            first = table.file_operands_from - bool(options & spec.pattern_options)
            if len(invocation.positionals) < first \
                    and not _reads_redirected(invocation):  # no file named: it reads its input
                found = tuple(e for e in found if e != "reads")
            for key, added in table.path_operands.items():
                size = len(key.split())
                if words[:size] == tuple(key.split()) \
                        and self.names_files(invocation, invocation.positionals[size:]):
                    found = (*found, *(e for e in added if e not in found))
            return named, found
        if len(words) < len(invocation.positionals):  # a goal known only at run time
            return (), ()
        return table.of_goals(words, options, spec.abbreviated_goals)

    def names_files(self, invocation: Invocation, operands: tuple[Word, ...]) -> bool:
        """Whether an operand may name a file that is there (``path_operands``): one that
        exists (a link too), a pattern (quoted too: git matches its pathspecs itself),
        git's pathspec magic (``:/``), a word known only at run time, or any after ``--``,
        which makes every word a path, or given a directory to work in (``git -C sub``),
        from which the words name files this judge does not look at."""
        if "--" in (w.value for w in invocation.segment.argv[1:] if w.static) \
                or any(o.name in self._spec(invocation).code_dirs for o in invocation.options):
            return bool(operands)  # every word a path; or paths from another directory
        resolver = self.context.resolver
        for word in operands:
            if not word.static or (word.value or ":").startswith(":") \
                    or any(c in (word.value or "") for c in "*?[\\"):  # git's own patterns
                return True
            paths = self.paths(word)
            if paths is None or any(manifests.present(resolver, p) for p in paths):
                return True
        return False

    def written_effects(self, words: tuple[Word, ...]) -> list[str]:
        """``writes-tree`` / ``writes-elsewhere`` by where each written path lies (a path
        known only at run time may lie anywhere); ``/dev/null`` and the like are no file."""
        found = []
        for word in words:
            if _process_substitution(word):
                continue
            paths = self.paths(word)
            for path in paths if paths is not None else [None]:
                special = self.special(path) if path is not None else None
                if special == "network":
                    found.append("network")
                elif special != "ignore":
                    inside = path is not None and self._in_tree(path)
                    found.append("writes-tree" if inside else "writes-elsewhere")
        return found


    def first(self, segment: SegmentDecision, found: tuple[str, str, str, str] | None
              ) -> SegmentDecision:
        """The segment with one more verdict, first: its reason is the one shown."""
        if found is None:
            return segment
        verdict = Verdict(*found)
        return segment._replace(decision=strictest(segment.decision, verdict.decision),
                                verdicts=(verdict, *segment.verdicts))

    # -- approvals ---------------------------------------------------------------
    def approve(self, invocation: Invocation, segment: SegmentDecision) -> SegmentDecision:
        """An asked part with what "always" would save, lifted by a saved approval that
        covers it exactly."""
        if segment.decision != "ask":
            return segment
        shape = self.shape(invocation, segment.verdicts)
        if not isinstance(shape, Shape):
            return segment._replace(shape=shape)
        asked = {v.rule for v in segment.verdicts if v.decision == "ask"}
        dirs = self.scope_dirs()
        for approval in self.context.approvals:
            if approval.covers(shape, asked, dirs):
                verdict = Verdict(f"approval:{approval.id}", "allow",
                                  f"approved by the operator for {approval.scope} "
                                  f"(approval {approval.id})")
                return segment._replace(decision="allow", verdicts=(*segment.verdicts, verdict),
                                        shape=shape)
        return segment._replace(shape=shape)

    def scope_dirs(self) -> list[str | None]:
        """Every directory any part of the command may run in: the cwd and every ``cd``
        target anywhere in it; one that is not a directory now (a link or directory an
        earlier part could create) counts as unknown."""
        fingerprint = self.context.resolver.fingerprint
        return [d if d is not None and fingerprint(d) == "dir" else None for d in self.cwds]

    def shape(self, invocation: Invocation, verdicts: tuple[Verdict, ...]) -> Shape | str:
        """The invocation as an approval must match it, or why it cannot be approved."""
        segment = invocation.segment
        if any(v.decision != "allow" and not liftable(v.rule) for v in verdicts):
            return (f"{segment.text} is asked for what it touches or reads (a protected path, "
                    "a write outside the tree, its input as code or arguments), which an "
                    "approval never covers")
        dynamic = (invocation.program is None or not all(w.static for w in segment.argv)
                   or any(a.value is None or not a.value.static for a in segment.assignments)
                   or any(r.target is not None and not r.target.static
                          for r in segment.redirects))
        path = None if dynamic else self.identity(invocation.program or "")[1]
        if path is None:
            return f"{segment.text} has parts known only at run time"
        if segment.binding is not None:  # its words differ from pass to pass
            return (f"{segment.text} takes its words from a loop ({segment.binding} in this "
                    "pass): approve it as a command of its own")
        wrapper = None
        if segment.wrapper is not None:  # the whole wrapper: find's roots, the script's text
            wrapper = self.source[segment.span.start : segment.span.end] or segment.wrapper
        real = self.context.resolver.realpath(path)
        # a program the agent could have written (in the tree or a temp dir, found on PATH
        # as `mytool`): approved as it is now, as a script named by its path is
        mark = self.context.resolver.fingerprint(real) if self._local(real) else None
        own = (f"{real}={mark}",) if mark is not None and mark.startswith("file:") else ()
        return Shape(tuple(w.shown for w in segment.argv), real,
                     tuple(a.text for a in segment.assignments),
                     tuple(r.text + ("\n" + r.body if r.body else "") for r in segment.redirects),
                     wrapper, tuple(dict.fromkeys((*own, *self.files(
                         (*segment.argv, *(r.target for r in segment.redirects
                                           if r.reads and r.target is not None)))))))

    def files(self, words: tuple[Word, ...]) -> tuple[str, ...]:
        """The content of every file the words name (a script, its input): an approval of
        ``python3 s.py`` is an approval of what s.py says now. So is a file an option's value
        names in the same word (``--filename=k.yaml``, ``-fk.yaml``: any text after ``=``,
        or after a short option's letter), and one an input redirect reads (``< q.sql``).
        A directory a word names is bound by its path: ``rm -rf src`` approved in ``build``
        is not an approval of the tree's own ``src``."""
        found = []
        resolver = self.context.resolver
        for word in words:
            for text in _named(word.value) if word.value is not None else ():
                for cwd in self.cwds:
                    path = resolve_text(text, word.home and text == word.value, cwd,
                                        self.context.home) if cwd is not None else None
                    mark = resolver.fingerprint(path) if path is not None else None
                    if mark is not None and (mark.startswith("file:") or mark == "dir"):
                        found.append(f"{path}={mark}")
        return tuple(dict.fromkeys(found))

    def problem(self, source: str, problem: Problem) -> SegmentDecision:
        text = source[problem.span.start : problem.span.end] or source
        verdict = Verdict("unparseable", self.policy.unparseable, problem.reason,
                          "rewrite the command with plain words, or split it into parts")
        return SegmentDecision(text, problem.span, verdict.decision, (verdict,))

    def whole(self, invocations: tuple[Invocation, ...]) -> dict[int, tuple[Verdict, ...]]:
        """Verdicts that need the whole command: a download run as code by an interpreter.

        Also notes the glob options any ``shopt -s`` turns on, wherever it runs: a pattern
        may then match more (``dotglob``: dot files; ``globstar``: ``**`` crosses directories).
        """
        self.parts = invocations
        self.shell_options = frozenset(
            w.value for i in invocations if i.program == "shopt"
            and any(o.name == "-s" for o in i.options) for w in i.positionals if w.value) \
            | frozenset(  # `bash -O dotglob -c ...` (red team 82)
                o.value.value or "" for i in invocations if i.program
                and self.knowledge.spec(_base(i.program)).shell is not None
                for o in i.options if o.name == "-O" and o.value is not None) \
            | frozenset(  # zsh's, ksh's and fish's patterns are their own (red team 83)
                _OTHER_SHELL for i in invocations
                if i.program and _base(i.program) in _OTHER_SHELLS)
        downloads = [i for i in invocations
                     if i.program and self.knowledge.spec(_base(i.program)).network]
        if not downloads:
            return {}
        found: dict[int, tuple[Verdict, ...]] = {}
        for index, runner in enumerate(invocations):
            if any(h.kind == "stdin-code" for h in runner.hazards):
                found[index] = (Verdict(
                    "download-and-run", "deny",
                    f"{downloads[0].program} downloads what {runner.program} runs as code",
                    "download to a file, read it, then run it as a separate command"),)
        return found

    # -- rules -----------------------------------------------------------------
    def rules(self, invocation: Invocation) -> list[Verdict]:
        """The rules' verdicts; a build tool's goals (``mvn clean deploy``) one by one, each
        as if it were the only one: an asked or denied goal decides the command."""
        goals = invocation.positionals
        if len(goals) < 2 or invocation.program is None \
                or not self.knowledge.spec(_base(invocation.program)).goals:
            return self.goal_rules(invocation)
        verdicts: list[Verdict] = []
        lifted: frozenset[str] | None = None
        for goal in goals:
            view = invocation._replace(positionals=(goal,))
            verdicts.extend(v._replace(reason=f"no rule matches the goal {goal.raw} of "
                                       f"{invocation.program}") if v.rule == "default" else v
                            for v in self.goal_rules(view))
            found = self.lifted.pop(id(view), frozenset())
            lifted = found if lifted is None else lifted & found  # lifted by every goal only
        if lifted:
            self.lifted[id(invocation)] = lifted
        return list(dict.fromkeys(verdicts))

    def goal_rules(self, invocation: Invocation) -> list[Verdict]:
        segment = invocation.segment
        if invocation.program is None:
            construct = _CONSTRUCTS.get(segment.kind)
            if construct:
                return [Verdict("shell-construct", "allow", construct + _output(segment))]
            return []
        name, path = self.identity(invocation.program)
        candidates: tuple[tuple[Pattern, Rule], ...] = ()
        if name is not None:
            word = invocation.positionals[0] if invocation.positionals else None
            exact = (word is not None and word.static) or not any(
                w.splits for w in invocation.positionals)
            first = word.value if word is not None else ""
            candidates = self.policy.candidates(name, first, exact)
            canonical = self.knowledge.spec(name).name
            if canonical != name:
                candidates += self.policy.candidates(canonical, first, exact)
        if path is not None and self.policy.by_path:
            candidates += self._path_candidates(path)
        tree = name is None and path is not None and self._project_script(invocation.program)
        unseen = self._unseen(invocation) if tree else None  # no file now: not tree code
        if tree and unseen is None:
            # the project's own script (./gradlew, hack/verify.sh): tree code, as `make` runs
            invocation = invocation._replace(effects=(*invocation.effects, "runs-tree-code"))
            candidates += tuple(c for c in self.policy.by_glob if c[0].effects)
        verdicts = self.matched(invocation, candidates) if candidates else []
        if unseen is not None:
            return [unseen, *verdicts]
        if verdicts:
            return verdicts
        if segment.kind is SegmentKind.DECLARATION:
            return [Verdict("shell-construct", "allow", _CONSTRUCTS[segment.kind])]
        shown = name or path or invocation.program
        reason = f"no rule matches {shown}" if name else self._not_system(
            invocation.program or "", path)
        return [Verdict("default", self.policy.default, reason)]

    def matched(self, invocation: Invocation, candidates: tuple[tuple[Pattern, Rule], ...]
                ) -> list[Verdict]:
        """The verdicts of the candidate rules that match and decide (``_layered``); what
        the operator's deciding rules lift is noted for the invocation."""
        short = self.knowledge.spec(_base(invocation.program or "")).abbreviated_goals
        matched = _layered([rule for pattern, rule in candidates
                            if _matches(pattern, invocation, rule.decision, short)])
        if not matched:
            return []
        top = min(rule.layer for rule in matched)
        lifted = frozenset(o for rule in matched if rule.layer == top for o in rule.overrides)
        if lifted:
            self.lifted[id(invocation)] = lifted
        output = _output(invocation.segment)
        verdicts = [self.guarded(rule, invocation, output) for rule in matched]
        # a guardrail's verdict first: its reason (the bound, the source) is the one shown
        tightened = [v for v, r in zip(verdicts, matched, strict=True) if v.decision != r.decision]
        return tightened + [v for v in verdicts if v not in tightened] if tightened else verdicts

    def guarded(self, rule: Rule, invocation: Invocation, output: str = "") -> Verdict:
        """The rule's verdict, made stricter by its guardrails of values and sources;
        ``output`` says where the segment's output goes, after the rule's reason."""
        verdict = Verdict(rule.id, rule.decision, rule.reason and rule.reason + output,
                          rule.suggest, f"{rule.file}:{rule.line}", own=True)
        found = [Verdict(rule.id, "ask", f"bounds of rule {rule.id}: {problem}",
                         "keep the value within the bound, or ask the operator")
                 for problem in values.out_of_bounds(
                             rule.bounds, invocation, self.knowledge)] if rule.bounds else []
        if rule.packages is not None:
            found.extend(self.packages(invocation, rule.packages, rule.id, rule.decision))
        found = [v for v in found if STRICTNESS[v.decision] > STRICTNESS[rule.decision]]
        return verdict if not found else max(found, key=lambda v: STRICTNESS[v.decision])

    def packages(self, invocation: Invocation, guard: PackageGuard, rule: str,
                 decision: str) -> list[Verdict]:
        """Verdicts of the ``packages`` guardrail: installs not by name from the registry."""
        known = values.installer(invocation, self.knowledge) if invocation.program else None
        if known is None:
            return []
        verdicts = []
        for finding in values.findings(invocation, known):
            why = self.package_problem(finding, guard, known.kind)
            if why is not None:
                verdicts.append(Verdict(rule, *why))
        return [v for v in verdicts if STRICTNESS[v.decision] > STRICTNESS[decision]]

    def locked(self, invocation: Invocation, guard: PackageGuard) -> list[Verdict]:
        """The ``packages`` verdict of what an install's lock file resolves (npm ci)."""
        if invocation.program is None or self.identity(invocation.program)[0] is None:
            return []
        found = manifests.lock_problem(self, invocation, _base(invocation.program),
                                       guard.sources)
        return [Verdict("packages", *found)] if found is not None and found[0] != "allow" else []

    def package_problem(self, finding: values.Finding, guard: PackageGuard,
                        kind: str) -> tuple[str, str, str] | None:
        """``(decision, reason, suggest)`` when the finding does not pass the guardrail."""
        registry = "install it by name from the default registry, or ask the operator"
        if finding.kind == "list" and finding.word is not None:
            from gatekeep.core import requirements

            return requirements.problem(self, finding.word, guard, kind)
        if finding.kind == "unknown":
            return ("ask", f"installs {finding.text}, known only at run time: it may come "
                    "from anywhere", registry)
        if finding.kind == "path":
            paths = self.paths(finding.word) if finding.word is not None else None
            if paths is not None and all(self._in_tree(p) for p in paths):
                return None
            return (guard.sources, f"installs from {finding.text}, a local path outside the "
                    "working tree, not a package from the default registry", registry)
        if finding.kind == "source":
            return (guard.sources, f"installs from {finding.text}, not by name from the "
                    "default registry: code no registry has vetted or kept", registry)
        if values.name_allowed(guard, kind, finding.text):
            return None
        if kind == "go":
            return (guard.sources, f"installs {finding.text}, fetched from its host, which "
                    "the policy's package names do not list", "ask the operator")
        return ("ask", f"installs {finding.text}, which is not among the package names the "
                "policy lists", "ask the operator to add it to the policy's packages names")

    def identity(self, program: str) -> tuple[str | None, str | None]:
        """``(name, path)``: the bare name when it is the system program, and its path
        (asked twice per part: for its effects and for its rules)."""
        named = self._named(program)
        if named is None:
            return None, None
        found = []
        for key in named:
            known = self.setting.identities.get(key) or self.identities.get(key)
            if known is None:
                known = self.identities[key] = self._identity(key)
            found.append(known)
        if len(set(found)) == 1:
            return found[0]
        # from several directories a `cd` may have moved to: the system program only when
        # it is from each (a project script is judged from each: `_project_script`)
        return None, found[0][1] if all(name is None for name, _ in found) else None

    def into_dir(self, invocation: Invocation) -> Invocation:
        """`cp /tmp/x.txt .`, `mv a.txt b.txt sub/`, `cp -t . a.txt`: what such a program
        writes is an entry named after each source in the directory (knowledge's
        ``into_dir``; the directory given to a ``writes`` option, `-t`, is one too), not the
        directory itself, which may hold a protected path (`.git/hooks`). Only for a
        directory there now (a stored decision holds while it is one), sources whose names
        are known, and without an option of ``target_itself`` (`-T`, `cp --parents`)."""
        spec = self._spec(invocation)
        if not spec.into_dir or _given(spec.target_itself, invocation):
            return invocation
        given = _named_to_writes(spec, invocation)
        sources = invocation.positionals if given else invocation.positionals[:-1]
        target = given[-1] if given else invocation.positionals[-1] \
            if len(invocation.positionals) > 1 else None
        if target is None or len(given) > 1 or not sources \
                or not any(w is target for w in invocation.writes):
            return invocation
        paths = self.paths(target)
        if paths is None or len(paths) != 1 or target.value is None \
                or self.context.resolver.fingerprint(paths[0]) != "dir":
            return invocation
        entries = []
        for source in sources:
            name = posixpath.basename((source.value or "").rstrip("/"))
            if source.value is None or name in ("", ".", ".."):
                return invocation
            entries.append(target._replace(  # `~` is the home, with "" for its value
                raw=f"{target.raw.rstrip('/')}/{name}", glob=target.glob or source.glob,
                value=f"{target.value.rstrip('/')}/{name}"))
        dropped = [target, *(sources if given and not spec.positional_writes else ())]
        return invocation._replace(writes=(  # `cp -t DIR A B`: neither A nor B is written
            *(w for w in invocation.writes if not any(w is d for d in dropped)), *entries))

    def _spec(self, invocation: Invocation) -> ProgramSpec:
        return self.knowledge.spec(_base(invocation.program or ""))

    def backups(self, invocation: Invocation) -> Invocation:
        """`cp -b -S .yml F lefthook`: each file it replaces is kept beside it under the
        suffix, so that name is written too (red team 83); a suffix known only at run time,
        or one the environment may give (SIMPLE_BACKUP_SUFFIX), names an unknown path."""
        spec = self._spec(invocation)
        suffixes = [o.value for o in invocation.options if o.name in spec.backup_suffixes
                    or abbreviates_long(o.name, spec.backup_suffixes)]
        if not suffixes and not _given(spec.backups_with, invocation):
            return invocation
        given = suffixes[-1].value if suffixes and suffixes[-1] is not None else None
        unknown = (given is None and bool(suffixes)) or (
            not suffixes and "SIMPLE_BACKUP_SUFFIX" in self.source)
        suffix = given if given is not None else "~"
        kept = tuple(w._replace(value=None if unknown or w.value is None else w.value + suffix,
                                glob=w.glob) for w in invocation.writes)
        return invocation._replace(writes=(*invocation.writes, *kept))

    def _writes_nothing(self, part: Invocation) -> bool:
        """A part that writes no file: no write it names, and a shell construct, a program
        that only prints (`echo`), changes directory, or whose table says this run only
        reads (`git status`, `ls`)."""
        if part.writes:
            return False
        if part.program is None:
            return True
        spec = self.knowledge.spec(_base(part.program))
        if spec.says_only or spec.changes_directory:
            return True
        effects = self.described_run(part)
        return effects is not None and _reads_only_table(effects)

    def described_run(self, part: Invocation) -> tuple[str, ...] | None:
        """The effects the program's table gives this run, or None where the table does not
        describe it (no table, or a subcommand it does not list: `git bisect`)."""
        table = self.knowledge.effects.get(_base(part.program or ""))
        if table is None:
            return None
        words = tuple(w.value for w in part.positionals if w.static and w.value is not None)
        named, effects = table.of(words, frozenset(o.name for o in part.options))
        return effects if named or table.every else None

    def link_texts(self, invocation: Invocation) -> Invocation:
        """`ln -s ../data tests/data`: each source is the text of a link, which the system
        resolves from the directory the link is in (knowledge's ``symlinks_with``), so it
        is judged as a path from there: where a write through the link would land. The
        link is made in the directory named to ``-t``, else in the last operand when that
        is a directory as the link is made, else beside it; through a link, where the link
        points. Every such place is judged, as the tree is now and, when another part of
        the command writes (`mv build x && ln -s ../y build`), as it may be then: the last
        operand itself and its directory (red teams 81 and 82)."""
        spec = self._spec(invocation)
        if not spec.symlinks_with or not _given(spec.symlinks_with, invocation) \
                or _given(spec.symlinks_unless, invocation):
            return invocation
        given = _named_to_writes(spec, invocation)
        operands = invocation.positionals
        if len(given) > 1 or (not given and len(operands) < 2):
            return invocation  # one operand: a link in the cwd, named after it
        last = given[0] if given else operands[-1]
        paths = self.paths(last)
        if last.value is None or paths is None:
            return invocation
        changing = not all(p is invocation or self._writes_nothing(p) for p in self.parts)
        itself = not _given(spec.target_itself, invocation)
        places: list[str] = []
        for path in dict.fromkeys([*paths, *(self._realpath(p) for p in paths)]):
            if given or (itself and (changing or self.context.resolver.fingerprint(path)
                                     == "dir")):
                places.append(path)  # in it
            if not given and (changing or path not in places
                              or self._realpath(path) != path):
                # beside it; and beside a link to a directory, which `ln -sfn` replaces
                places.append(posixpath.dirname(path.rstrip("/")) or "/")
        sources = operands if given else operands[:-1]
        texts = [w for w in sources if w.value is not None and not w.home
                 and not w.value.startswith("/")]
        if not texts:
            return invocation
        linking = any(p is not invocation and self._spec(p).symlinks_with for p in self.parts)
        # beside another link made first (`ln -s ../src a/s && ln -s ../../x a/s`), where
        # the link goes only that link's target says: known only at run time (red team 83)
        named = [last._replace(raw=w.raw, value=None if linking else posixpath.join(
                     place, w.value or ""), home=False, glob=w.glob)
                 for w in texts for place in dict.fromkeys(places)]
        kept = [w for w in invocation.writes if not any(w is t for t in texts)]
        return invocation._replace(writes=(*kept, *named))

    def _says_only(self, invocation: Invocation, name: str) -> bool:
        """Whether the part only says what it is given: a ``says_only`` program without an
        option that reads a file (`date -f "$PWD/environ"` prints each line it reads)."""
        spec = self._spec(invocation)
        return spec.says_only and not (spec.reads and invocation.dynamic_options) \
            and not self._option_reads(invocation, name)

    def _option_reads(self, invocation: Invocation, name: str) -> bool:
        """Whether the part is given an option that reads a file: of its program's, or of
        the subcommand ``name`` says (`git tag` of ``git tag -F FILE``), or a ``file_values``
        option given ``@FILE`` (or a value known only at run time)."""
        spec = self._spec(invocation)
        for word in name.split()[1:]:
            spec = spec.subcommands.get(word, spec)
        return any(o.name in spec.reads or abbreviates_long(o.name, spec.reads)
                   or (o.name in spec.file_values and o.value is not None
                       and (o.value.value is None or "@" in o.value.value
                            or "<" in o.value.value))  # `curl -w @FILE`, `-F a=<FILE`
                   for o in invocation.options)

    def _names_words(self, invocation: Invocation) -> bool:
        """Whether a part of a program whose words may name files no list says
        (``reads_unlisted``) is given an option's value or an operand: a word after its
        subcommand, or after the subcommand's own word that knowledge names (`stash pop`)."""
        unlisted = self._spec(invocation).reads_unlisted
        if not unlisted:
            return False
        words = [w.value for w in invocation.positionals[:2]]
        own = 2 if len(words) == 2 and f"{words[0]} {words[1]}" in unlisted else 1
        return any(o.value is not None for o in invocation.options) \
            or len(invocation.positionals) > own

    def _pattern_options(self, invocation: Invocation) -> bool:
        """Whether a shell pattern may expand to an option (`[-]v`, `-?`, `{-v,x}`): one
        that starts with `-` or with a pattern's own character."""
        spec = self._spec(invocation)
        for word in invocation.positionals:
            if word.glob and (word.value or "-")[:1] in "-*?[{@!+":
                return True
            if spec.options_first and not word.glob:
                return False  # the options end at the first operand
        return False

    def _acting_options(self, invocation: Invocation) -> bool:
        """Whether the program has options that read, write or assign (``printf -v``)."""
        spec = self._spec(invocation)
        return bool(spec.reads or spec.writes or spec.assigns)

    def _not_system(self, program: str, path: str | None) -> str:
        """Why a program named by its path is not the system program of its name."""
        if ".." in program.split("/"):
            return (f"{program} is named through `..`, after which a link may lead elsewhere "
                    "than its text: name the program without `..`")
        if _per_process(program):
            return (f"{program} is named through a link each process has its own of "
                    "(/proc/self, /dev/fd), which leads where the shell is, not where gatekeep "
                    "is: name the program by its path")
        if path is None:
            return f"{program} is named from a directory known only as the command runs"
        link = posixpath.normpath(program if program.startswith("/")
                                  else f"{self.context.cwd}/{program}") \
            if "/" in program else path
        real = posixpath.normpath(self.context.resolver.realpath(link))
        if real != link and self._local(link) and not self._local(real):
            return (f"{program} is {link}, a link (to {real}) in the working tree or a temp "
                    f"dir, which a part beside it may replace: run {_base(program)} by its "
                    "name")
        named = program if program == path else f"{program} is {path},"
        return f"{named} not the system program of that name, and no rule names that path"

    def _named(self, program: str) -> list[str] | None:
        """The program as the system finds it: a relative path from each directory a ``cd``
        may have moved to (``cd sub && ./bin/git``: ``sub/bin/git``); None when one is known
        only at run time."""
        if "/" not in program or program.startswith("/"):
            return [program]
        cwds = [cwd for cwd in self.cwds if cwd is not None]
        if len(cwds) != len(self.cwds):
            return None
        return list(dict.fromkeys(program if cwd == self.context.cwd
                                  else posixpath.join(cwd, program) for cwd in cwds))

    def _identity(self, program: str) -> tuple[str | None, str | None]:
        resolver = self.context.resolver
        base = _base(program)
        system = resolver.which(base)
        lasting = self.setting.identities  # answers from `which` and `realpath` alone
        if "/" not in program:
            # a PATH entry in the tree or a temp dir: a file of the agent's, or a link a part
            # beside may replace (`git switch evil`), whatever it leads to now
            if system is not None and (self._local(system)
                                       or self._local(resolver.realpath(system))):
                real = resolver.realpath(system)
                if self._venv_interpreter(system, real):
                    self.venv_interpreters.add(program)
                    return base, system
                return (base if self._venv_tool(real) else None), system
            found = lasting[program] = (program, system)
            return found
        # the system follows a link before the `..` after it (`./l/../../usr/bin/true`)
        joined = program if program.startswith("/") else f"{self.context.cwd}/{program}"
        path = posixpath.normpath(resolver.realpath(joined))
        if ".." in program.split("/") or _per_process(joined) \
                or _per_process(resolver.realpath(joined)):
            return None, path  # a link a part beside makes (a checkout) may lead elsewhere
        link = posixpath.normpath(joined)
        folder = posixpath.normpath(resolver.realpath(posixpath.dirname(link)))
        if system is not None and resolver.realpath(system) == path and not self._local(path) \
                and not self._local(link) and not self._local(folder):
            # (`./bin/git`, a link a checkout may replace, also named as `/proc/self/root/...`)
            found = lasting[program] = (base, path)
            return found
        if self._venv_interpreter(program, path):
            self.venv_interpreters.add(program)
            return base, path
        return (base if self._venv_tool(path) else None), path

    def _venv_interpreter(self, program: str, real: str) -> bool:
        """``.venv/bin/python``: a link, in a project virtual environment in the tree, to an
        interpreter outside the tree and the temp dirs (knowledge ``venv_interpreter``)."""
        link = posixpath.normpath(program if program.startswith("/")
                                  else f"{self.context.cwd}/{program}")
        return (self.knowledge.spec(_base(link)).venv_interpreter
                and self._venv_bin(posixpath.dirname(link)) and self._tree_code(link)
                and not self._local(real)
                and self.knowledge.spec(_base(real)).venv_interpreter)

    def venv_code(self, invocation: Invocation) -> Invocation:
        """A project virtualenv's interpreter loads the venv's packages, files of the tree
        (a ``.pth`` file there runs at start): the tree's code."""
        program = invocation.program
        if program is None or "runs-tree-code" in invocation.effects:
            return invocation
        self.identity(program)
        if not set(self._named(program) or ()) & self.venv_interpreters:
            return invocation
        return invocation._replace(effects=(*invocation.effects, "runs-tree-code"))

    def _project_script(self, program: str) -> bool:
        """A program named by its path inside the working tree (from every directory a ``cd``
        may have moved to), outside ``.git``, whose name is no system program's (or only a
        shell builtin's): it cannot pass for one (``./git`` is not git), and it runs the
        project's code."""
        resolver = self.context.resolver
        base = _base(program)
        known = self.knowledge.programs.get(base)
        if "/" not in program:
            return False
        # a name bash runs as its builtin (`test`) reaches a file only by its path: Rails'
        # bin/test cannot pass for the builtin, so it is judged as the project's script
        if not (known is not None and known.shell_builtin) \
                and (resolver.which(base) is not None or known is not None) \
                and not self._package_bin(program, known):
            return False
        paths = self._from_every_cwd(program)
        return paths is not None and all(
            self._in_tree(path) and not within(path, f"{self.context.cwd}/.git")
            for path in map(resolver.realpath, paths))

    def _from_every_cwd(self, program: str) -> list[str] | None:
        """The program's path from every directory a ``cd`` may have moved to, as written
        (normalized); None when one of them is known only at run time."""
        if any(cwd is None for cwd in self.cwds):
            return None
        return [posixpath.normpath(program if program.startswith("/") else f"{cwd}/{program}")
                for cwd in self.cwds]

    def _package_bin(self, program: str, known: ProgramSpec | None) -> bool:
        """``node_modules/.bin/jest``, ``vendor/bin/phpunit``: a tool a package manager put
        in one of the tree's ``package_bins``, by a name the knowledge does not know or
        marks ``package_tool``, from every directory a ``cd`` may have moved to."""
        if (known is not None and not known.package_tool) or ".." in program.split("/")[:-1]:
            return False
        paths = self._from_every_cwd(program)
        places = {posixpath.join(self.context.cwd, place) for place in self.knowledge.package_bins}
        return paths is not None and all(posixpath.dirname(p) in places for p in paths)

    def _unseen(self, invocation: Invocation) -> Verdict | None:
        """A project script that is no file now, from some directory a ``cd`` may have moved
        to: whatever an earlier part or another process puts there runs unseen."""
        program = invocation.program or ""
        fingerprint = self.context.resolver.fingerprint
        for cwd in self.cwds:
            path = posixpath.normpath(program if program.startswith("/") else f"{cwd}/{program}")
            mark = fingerprint(self.context.resolver.realpath(path))
            if mark is None or not mark.startswith("file:"):
                return Verdict("path:unseen-code", "ask",
                               f"{program} does not exist now: what is there when it runs is "
                               "code gatekeep never saw",
                               "create the script first, then run it as a separate command")
        return None

    def tree_script(self, invocation: Invocation) -> Invocation:
        """An interpreter given only a script file in the working tree (``node
        scripts/x.js``, ``python3 tools/y.py``) runs the tree's code, as ``./hack/x.sh``
        does: its script-file hazard gives way to the ``runs-tree-code`` effect. A script
        outside the tree, known only at run time, under ``.git``, or that is nothing now from
        every directory a ``cd`` may have moved to (what a part beside or another process
        puts there runs unseen) stays asked."""
        if not invocation.runs_from or invocation.program is None:
            return invocation
        hazards = [h for h in invocation.hazards if h.kind != "script-file"]
        if len(hazards) == len(invocation.hazards) \
                or not self.knowledge.spec(_base(invocation.program)).stdin_code:
            return invocation
        for word in invocation.runs_from:
            paths = self.paths(word)
            if not paths or not all(self._tree_code(p) for p in paths) or all(
                    self.context.resolver.fingerprint(p) is None for p in paths):
                return invocation  # (from one directory a `cd` may have moved to, at least)
        if self._spec(invocation).in_shell:
            bins = self._activates(invocation.runs_from[0])
            self.venv_bins.extend(bins)
            shadowed = self._shadowed(bins)
            if shadowed:
                hazards.append(Hazard(
                    "environment", f"{invocation.program} activates a virtual environment "
                    f"whose bin, put first on PATH, holds {', '.join(shadowed)}: a program any "
                    "later part runs may run that file for the system's"))
        return invocation._replace(hazards=tuple(hazards),
                                   effects=(*invocation.effects, "runs-tree-code"))

    def _shadowed(self, bins: list[str]) -> list[str]:
        """The names in the bins that are system programs on PATH, other than those a
        virtual environment holds (knowledge ``venv_tool``, ``venv_interpreter``: pytest,
        python) and its own scripts (``_venv_program``): tar finds gzip on PATH, git finds
        ssh. A name PATH finds in one of the bins already (a shell with the venv active) is
        that file with or without the activation."""
        resolver = self.context.resolver
        found = []
        for directory in dict.fromkeys(bins):
            for path in resolver.expand(posixpath.join(directory, "*")):
                name = _base(path)
                if self._venv_program(name):
                    continue
                system = resolver.which(name)
                if system is not None and not any(within(system, b) for b in bins):
                    found.append(name)
        return sorted(set(found))

    def _activates(self, script: Word) -> list[str]:
        """``<venv>/bin`` for a script sourced from a project virtual environment
        (``<venv>/bin/activate`` beside ``<venv>/pyvenv.cfg``), from every directory a ``cd``
        may have moved to; none for any other script."""
        paths = self.paths(script) or []
        found = [posixpath.dirname(p) for p in paths if _base(p) == "activate"]
        return found if found and len(found) == len(paths) and all(
            self._venv_bin(d) for d in found) else []

    def activated(self, invocation: Invocation) -> Invocation:
        """A program named without a ``/`` where a part of the command sources a virtual
        environment's activate script: that script puts ``<venv>/bin`` first on PATH, so a
        name found there is judged as that file (``.venv/bin/pytest``, the venv's
        ``python``). Applied to every part, before the activation too (a loop runs it
        again; ``decide`` judges the parts twice), whether or not it holds there (a
        subshell, a branch not taken): the file is judged at least as strictly as the name."""
        program = invocation.program
        if program is None or "/" in program or self._spec(invocation).shell_builtin:
            return invocation
        if invocation.venv:
            return self._wrapped_in_venv(invocation, program)
        for directory in reversed(self.venv_bins):  # the last activation comes first
            path = posixpath.join(directory, program)
            mark = self.context.resolver.fingerprint(path)
            if mark is not None and mark.startswith("file:"):
                return invocation._replace(program=path)
        return invocation

    def _wrapped_in_venv(self, invocation: Invocation, program: str) -> Invocation:
        """`uv run NAME`, `poetry run NAME`: the wrapper puts a virtual environment's bin
        first on PATH, for NAME and for what NAME runs (tar finds gzip). Which environment
        depends on the wrapper's options, its settings and the directories above (red team
        94): where any one it may choose holds a system program's name, or more than one
        holds NAME, the run is asked; where one holds NAME, NAME is judged as that file;
        where none does, by its name."""
        bins = self.wrapper_bins(invocation)
        wrapper = invocation.segment.wrapper or "the wrapper"
        if bins is None:
            return invocation._replace(hazards=(*invocation.hazards, Hazard(
                "environment", f"{wrapper} runs {program} from a virtual environment found "
                "from a directory known only at run time")))
        moved = self._wrapper_settings(invocation)
        if moved is not None:
            # `poetry.toml`'s virtualenvs.path, `uv.toml`'s find-links, `.python-version`
            # naming a program (red team 95)
            return invocation._replace(hazards=(*invocation.hazards, Hazard(
                "environment", f"{wrapper} reads {moved}, which may choose the environment "
                f"{program} runs from, or what it installs first")))
        files = self._venv_files(bins, program)
        shadowed = self._shadowed(bins)
        if shadowed or len(files) > 1:
            said = ", ".join(shadowed) if shadowed else f"{program} in {len(files)} of them"
            return invocation._replace(hazards=(*invocation.hazards, Hazard(
                "environment", f"{wrapper} puts a virtual environment's bin first on PATH "
                f"({', '.join(bins)}), holding {said}: {program} or what it runs may be "
                "that file, not the system's")))
        return invocation._replace(program=files[0]) if files else invocation

    def unseen_writer(self, invocation: Invocation) -> Invocation | None:
        """Another part that makes a link or writes files it does not name (`tar -x`),
        but a wrapper that runs a program from a virtual environment (`uv run`)."""
        wrapped = {part.segment.span for part in self.parts if part.venv}
        return next((part for part in self.parts if part is not invocation
                     and part.segment.span != invocation.segment.span  # (its wrapper's)
                     and part.segment.span not in wrapped  # (what it syncs: not judged)
                     and (written.makes_link(self, part)
                          or not outputs.names_its_writes(self, part))),
                    None)

    def wrapper_watched(self, invocation: Invocation) -> list[str]:
        """What a part beside `uv run NAME` must not write: the bins of the environments it
        may run from, and its settings files in the working directories and above."""
        watched = list(self.wrapper_bins(invocation) or [])
        for directory in _ancestors(self._venv_starts(invocation) or self.cwds):
            watched.extend(posixpath.join(directory, name) for name in (
                *invocation.venv_settings, *invocation.venv_versions))
            watched.append(posixpath.join(directory, invocation.venv))
        return list(dict.fromkeys(watched))

    def _venv_starts(self, invocation: Invocation) -> list[str | None] | None:
        """Where the wrapper looks for its project: the working directories, or the
        directories its option names (`uv run --project sub`: red team 96); None where only
        run time knows."""
        if invocation.venv_from is None:
            return self.cwds
        found = self.paths(invocation.venv_from)
        return list(found) if found else None

    def _wrapper_settings(self, invocation: Invocation) -> str | None:
        """A settings file (knowledge ``settings``, ``version_files``) in a directory the
        wrapper starts from or above that may move its environment; a version file that
        names versions only does not."""
        resolver = self.context.resolver
        versions = invocation.venv_versions
        for directory in _ancestors(self._venv_starts(invocation) or []):
            for name in (*invocation.venv_settings, *versions):
                path = posixpath.join(directory, name)
                if resolver.fingerprint(path) is None:
                    continue
                text = resolver.read(path) if name in versions else None
                if text is None or not all(_PYTHON_VERSION.fullmatch(line.strip())
                                           for line in text.splitlines()
                                           if line.strip() and not line.startswith("#")):
                    return path
        return None

    def wrapper_bins(self, invocation: Invocation) -> list[str] | None:
        """`uv run NAME`: the bins of every virtual environment named ``venv`` the wrapper
        may put first on PATH: in the working directory or any directory above it, as uv
        finds one (a workspace's root, a project above, none declared), from every
        directory a `cd` may have moved to; None where a working directory is known only
        at run time."""
        starts = self._venv_starts(invocation)
        if starts is None or None in starts:
            return None
        return [bin_dir for directory in _ancestors(starts)
                for bin_dir in (posixpath.join(directory, invocation.venv, "bin"),)
                if self._venv_bin(bin_dir)]

    def wrapper_venv(self, invocation: Invocation, program: str) -> str | None:
        """The one file named ``program`` in the bins ``wrapper_bins`` finds, or None."""
        files = self._venv_files(self.wrapper_bins(invocation) or [], program)
        return files[0] if len(files) == 1 else None

    def _venv_files(self, bins: list[str], program: str) -> list[str]:
        resolver = self.context.resolver
        return sorted({path for directory in bins for path in (posixpath.join(directory,
                                                                              program),)
                       if (resolver.fingerprint(path) or "").startswith("file:")})

    def package_tool(self, invocation: Invocation) -> Invocation:
        """``npx NAME`` (``bunx``, ``pnpm exec``) runs the project's installed tool when
        ``node_modules/.bin/NAME`` (``node_modules/@scope/pkg/package.json``) is a file in
        the tree, from every directory a ``cd`` may have moved to: ``runs-tree-code``.
        Otherwise it may download the package first: ``installs``."""
        if "runs-package" not in invocation.effects:
            return invocation
        effects = tuple(e for e in invocation.effects if e != "runs-package")
        word = invocation.package
        local = word is not None and word.value is not None \
            and (word.value not in self.knowledge.programs
                 or self.knowledge.spec(word.value).package_tool) \
            and all(cwd is not None and self._installed(cwd, word.value) for cwd in self.cwds)
        return invocation._replace(effects=(*effects,
                                            "runs-tree-code" if local else "installs"))

    def tree_module(self, invocation: Invocation) -> Invocation:
        """``python -m NAME`` runs the tree's code when NAME's source is a file in the working
        tree, outside ``.git``, from every directory a ``cd`` may have moved to: at the top
        (``-m`` looks in the current directory first) or under ``src/`` (the src layout, put
        on the path by the project's editable install). Both the interpreter's part and the
        part of what it runs get ``runs-tree-code``."""
        word = invocation.module
        if word is None or word.value is None \
                or not all(cwd is not None and self._module_file(cwd, word.value)
                           for cwd in self.cwds):
            return invocation
        return invocation._replace(effects=(*invocation.effects, "runs-tree-code"))

    def code_file(self, invocation: Invocation,
                  described: tuple[str, tuple[str, ...]] | None
                  ) -> tuple[str, tuple[str, ...]] | None:
        """What the part is described by, with ``runs-tree-code`` when a file or directory
        of code an option names (``kubectl --kubeconfig kc.yaml``, whose ``exec`` plugin
        kubectl runs; ``git -C dir``, whose settings name programs) is in the working tree
        or a temp dir, or where only run time says: the agent may have written it, so the
        box runs the part without the network and the secret variables
        (``sandbox.policy.boxed_network``). So does a variable set for the part but a plain
        one (``environment.plain``): ``HTTPS_PROXY=`` and ``NODE_EXTRA_CA_CERTS=`` hand what
        it sends to a server the agent picks. So does a code-path variable
        (``PYTHONPATH=src``), whose directories the analysis judged as code the part runs
        (in the tree, or asked). The rules judge the part as before; a file
        of code outside the tree is asked about (``path:runs-code``)."""
        if described is None or "runs-tree-code" in described[1]:
            return described
        assigned = invocation.segment.assignments
        if ("network" in described[1]
                and any(not self.plain_assignment(a) for a in assigned)) \
                or any(a.name in self.knowledge.code_paths for a in assigned):
            return described[0], (*described[1], "runs-tree-code")
        spec = self._spec(invocation)
        known = self.knowledge.manifests.get(_base(invocation.program or ""))
        moves = spec.chdir_options if known is not None and known.manifest else frozenset()
        named = {o.value.span for o in invocation.options
                 if o.value is not None and o.name not in moves}
        for word in invocation.runs_from:
            if word.span not in named:
                continue  # the directory a program runs in (a package manager's `--cwd`,
                # whose files the manifest checks read there), a script operand: judged
                # elsewhere
            paths = self.paths(word)
            if not paths or any(self._local(p) or self._local(self.context.resolver.realpath(p))
                                for p in paths):
                return described[0], (*described[1], "runs-tree-code")
        return described

    def _module_file(self, cwd: str, name: str) -> bool:
        relative = name.replace(".", "/")
        resolver = self.context.resolver
        for base in (cwd, posixpath.join(cwd, "src")):
            for path in (f"{base}/{relative}.py", f"{base}/{relative}/__main__.py"):
                mark = resolver.fingerprint(path)
                real = resolver.realpath(path)
                if mark is not None and mark.startswith("file:") and self._in_tree(real) \
                        and not within(real, f"{self.context.cwd}/.git"):
                    return True
        return False

    def _installed(self, cwd: str, name: str) -> bool:
        """Whether ``name`` is installed for a package runner started in ``cwd``: as npm
        finds it, in the ``node_modules`` of ``cwd`` or of the nearest directory up that has
        it as a file (``cd packages/a && npx tsc`` runs a workspace's top's), looked for in
        the working tree only."""
        resolver = self.context.resolver
        project = cwd
        while True:
            modules = posixpath.join(project, "node_modules")
            path = posixpath.join(modules, name, "package.json") if name.startswith("@") \
                else posixpath.join(modules, ".bin", name)
            mark = resolver.fingerprint(path)
            if mark is not None and mark.startswith("file:"):
                return self._in_tree(resolver.realpath(path))
            parent = posixpath.dirname(project)
            if parent == project or not within(parent, self.context.cwd):
                return False
            project = parent

    def _venv_tool(self, path: str) -> bool:
        """A tool the knowledge marks ``venv_tool`` in a project's virtual environment
        (``.venv/bin/pytest`` beside ``.venv/pyvenv.cfg``): it runs the tree's code, as
        ``npm test`` does, so it is judged by its name."""
        return (self.knowledge.spec(_base(path)).venv_tool
                and self._venv_bin(posixpath.dirname(path)) and self._in_tree(path))

    def _venv_bin(self, directory: str) -> bool:
        """Whether ``directory`` is a virtual environment's ``bin``: beside the file
        ``pyvenv.cfg`` (``python -m venv``, uv), reached through no link (a `.venv` that
        links elsewhere is not the tree's: red team 94)."""
        mark = self.context.resolver.fingerprint(posixpath.join(posixpath.dirname(directory),
                                                                "pyvenv.cfg"))
        return _base(directory) == "bin" and mark is not None and mark.startswith("file:") \
            and self._realpath(directory) == directory

    def _venv_program(self, name: str) -> bool:
        """A program a virtual environment holds by design: its activate scripts, its
        interpreter and the tools the knowledge marks ``venv_tool``, by their names with or
        without a version (``python3.12``, ``pip3.11``)."""
        if name == "activate" or name.startswith("activate."):
            return True
        specs = (self.knowledge.spec(name), self.knowledge.spec(name.rstrip("0123456789.")))
        return any(spec.venv_tool or spec.venv_interpreter for spec in specs)

    def _local(self, path: str) -> bool:
        return within(path, self.context.cwd) or any(
            within(path, tmp) for tmp in self.context.temp_dirs)

    def _in_tree(self, path: str) -> bool:
        return within(path, self.context.cwd)

    def _tree_code(self, path: str, own: frozenset[str] = frozenset()) -> bool:
        """Whether code at ``path`` is the tree's: in the tree, not a ``.git`` directory or
        in one (what git and its hooks write: `cd .git && make`, `PYTHONPATH=.git python3`,
        red team 93). ``own``: names of directories whose code the program runs by design,
        when the path is one (knowledge ``repository_dirs``: `git --git-dir=.git log`)."""
        if not self._in_tree(path):
            return False
        # (case folded: `.GIT` is `.git` where the file system folds case, as macOS's does)
        parts = path[len(self.context.cwd):].lower().split("/")
        return ".git" not in parts[:-1] and (parts[-1] != ".git" or ".git" in own)

    def _path_candidates(self, path: str) -> tuple[tuple[Pattern, Rule], ...]:
        """The path rules naming the file ``path`` (many rules share a path: ``./gradlew``)."""
        return self.setting.path_rules().get(path, ())

    # -- paths -----------------------------------------------------------------
    def writes(self, words: tuple[Word, ...], holders: bool = True) -> list[Verdict]:
        """What writing each of ``words`` is judged; ``holders``: a directory named counts
        as writing the protected paths it holds (not for a formatter's, which rewrites only
        its own files' formatting, and never `.git`)."""
        verdicts: list[Verdict] = []
        for word in words:
            if _process_substitution(word):
                continue  # a pipe into a command judged as its own segment, not a file
            for pattern in self.patterns(word):
                protected = self.protect_write.overlap(pattern, *self.glob_options,
                                                      undotted=False)
                if protected is not None:
                    verdicts.append(Verdict(
                        "protect.write", "deny", f"writes {word.raw}, which may expand to a "
                        f"path protected by {protected.text!r}", "name the exact files you mean"))
            paths = self.paths(word)
            if paths is None:
                verdicts.append(Verdict("path:unknown", "ask",
                                        f"writes to {word.raw}, a path known only at run time"))
                continue
            for path in paths:
                verdict = self.write(path, holders)
                if verdict is not None:
                    verdicts.append(verdict)
        return verdicts

    def write(self, path: str, holders: bool = True) -> Verdict | None:
        special = self.special(path)
        if special == "ignore":
            return None
        if special == "network":
            return Verdict("path:network", "ask", f"{path} opens a network connection")
        protected = self.protect_write.match(path)
        if protected is not None:
            return Verdict("protect.write", "deny",
                           f"writes {path}, protected by {protected.text!r}",
                           "leave protected files to the operator")
        protected = self.protect_write.holder(path) if holders else None
        if protected is not None:
            return Verdict("protect.write", "deny",
                           f"writes or deletes {path}, which holds {protected.text!r}",
                           "name the exact files inside it you mean")
        for own in self.context.self_paths:
            if within(path, own) or within(own, path):
                return Verdict("self-protection", "deny",
                               f"writes {path}, which holds gatekeep's own policy, approvals "
                               "or audit log", "ask the operator to change gatekeep's files")
        if not self._in_tree(path):
            if self._in_temp(path):
                self.temp_written.append(path)  # asked only beside the network (decide)
                return None
            return Verdict("path:outside", "ask", f"{OUTSIDE[0]}{path}{OUTSIDE[1]}")
        return None

    def _in_temp(self, path: str) -> bool:
        """A path in a temp dir, not the dir itself: every box writes them, and every
        allowed part may write there too (README, "The boundary")."""
        return any(path != temp and within(path, temp) for temp in self.context.temp_dirs)

    def temp_unshared(self, segment: SegmentDecision, written: list[str]) -> SegmentDecision:
        """``segment`` with its writes in a temp dir asked about: the command reaches the
        network, and a box with the network has temp dirs of its own, empty, so what it
        wrote there would be gone after the run (an approval makes the real one writable)."""
        if not written:
            return segment
        verdicts = (*segment.verdicts, *(Verdict(
            "path:outside", "ask", f"{TEMP_UNSHARED[0]}{path}{TEMP_UNSHARED[1]}")
            for path in written))
        return segment._replace(verdicts=verdicts, decision=strictest(
            *(v.decision for v in verdicts)))

    def change_directory(self, invocation: Invocation) -> None:
        target = invocation.positionals[0] if invocation.positionals else None
        if target is None:
            self.cwds.append(self.context.home)
            return
        if target.value == "-":
            self.cwds.append(None)
            return
        parts = (target.value or "..").split("/")
        if ".." in parts and (any(o.name == "-P" for o in invocation.options)
                              or any(p not in ("", ".", "..") for p in
                                     parts[:len(parts) - parts[::-1].index("..") - 1])):
            # `cd -P link/..`, or `cd link/../x` where no ./x is (bash then goes through
            # the link): a directory known only at run time
            self.cwds.append(None)
            return
        self.cwds.extend(self.paths(target) or [None])

    def runs_from(self, invocation: Invocation) -> tuple[Verdict, ...]:
        """Code a program runs from files outside the tree (make -f, git -C, pytest DIR)."""
        verdicts: list[Verdict] = []
        for word in invocation.plain_files:
            # `require('./x.json')`: a directory there runs its package.json's `main`, a link
            # is loaded by its target's name (`.env` as JavaScript) (red team 93)
            found = self.resolved(word) or [""]
            odd = next((p for p in found if not p or self._realpath(p) != p or not (
                self.context.resolver.fingerprint(p) or "").startswith("file:")), None)
            if odd is not None:
                verdicts.append(Verdict(
                    "path:runs-code", "ask", f"requires {word.raw}, which is not a plain file "
                    "now: Node would load code in its place", "read it with "
                    "fs.readFileSync and JSON.parse, or name a plain JSON file"))
        for word in (*invocation.runs_from, *invocation.loads_from):
            paths = self.paths(word)
            if paths is None:
                verdicts.append(Verdict("path:runs-code", "ask",
                                        f"runs code from {word.raw}, a path known only at "
                                        "run time"))
                continue
            own = self._spec(invocation).repository_dirs
            outside = next((p for p in paths if not self._tree_code(p, own)), None)
            if outside is not None:
                where = "outside the working tree" if not self._in_tree(outside) \
                    else "git's own directory in the tree, which git and its hooks write"
                verdicts.append(Verdict(
                    "path:runs-code", "ask",
                    f"runs code from {outside}, {where}: code gatekeep never saw",
                    "run it from inside the project, or read that code first"))
        return tuple(verdicts)

    def reads(self, words: tuple[Word, ...], trees: bool = False,
              written: tuple[Word, ...] = ()) -> list[Verdict]:
        """What reading each of ``words`` is judged; one also among ``written`` (the same
        word: `cp`'s target, which holds secrets when protected from reads) is said as
        overwritten."""
        verdicts: list[Verdict] = []
        held: list[tuple[bool, Verdict]] = []  # (a directory is there, why it is asked)
        for word in words:
            if word.value is None:
                verdicts.extend(self.dynamic_read(word))
            for pattern in self.patterns(word):
                protected = self.protect_read.overlap(pattern, *self.glob_options,
                                                      anywhere=False)
                if protected is not None:
                    verdicts.append(Verdict("protect.read", "ask", f"reads {word.raw}, which may "
                                            f"expand to a path protected by {protected.text!r}"))
            found = self.paths(word)
            if found is None and word.value is not None:
                # `cd /proc/self/fd/..; cat environ`, `/dev/stdin/../environ`: where only the
                # running shell knows
                verdicts.append(Verdict("path:unknown", "ask", f"reads {word.raw}, a path "
                                        "known only at run time"))
            for path in found or ():
                if self.special(path) == "network":
                    verdicts.append(Verdict("path:network", "ask",
                                            f"{path} opens a network connection"))
                    continue
                protected = self.protect_read.match(path)
                if protected is not None:
                    said = ("overwrites", " (it may hold secrets)") if any(
                        word is w for w in written) else ("reads", "")
                    verdicts.append(Verdict("protect.read", "ask", f"{said[0]} {path}, "
                                            f"protected by {protected.text!r}{said[1]}"))
                    continue
                holder = self.protect_read.holder(path) if trees else None
                if holder is not None:
                    held.append((self.context.resolver.fingerprint(path) == "dir", Verdict(
                        "protect.read", "ask", f"reads the tree {path}, which holds "
                        f"{holder.text!r}")))
        # `cd /proc/2 && grep -r TOKEN .`: the tree that is there is the reason, not the
        # pattern's word, read as a path that is not (either alone would be asked)
        there = [verdict for exists, verdict in held if exists]
        return verdicts + (there or [verdict for _, verdict in held])

    def secrets_written(self, written: tuple[Word, ...],
                        read: tuple[Word, ...]) -> list[Verdict]:
        """Files protected from reads that a part writes without reading them (`> .env`,
        `sort -o .env`): asked as ``reads`` asks `cp x .env`, since a file of secrets is
        lost, or one of settings (an ``.npmrc``, a ``.env`` a tool loads) replaced."""
        verdicts: list[Verdict] = []
        for word in written:
            if any(word is w for w in read):
                continue  # said by `reads`, as overwritten
            for path in self.paths(word) or ():
                protected = self.protect_read.match(path)
                if protected is not None:
                    verdicts.append(Verdict("protect.read", "ask", f"writes {path}, protected "
                                            f"by {protected.text!r} (it may hold secrets)"))
        return verdicts

    def dynamic_read(self, word: Word) -> list[Verdict]:
        """A path known only in part (``~/.ssh/id_$K``): asked when a protected file may match."""
        start = (self.context.home + word.prefix) if word.home else word.prefix
        if start.startswith("~/"):
            start = self.context.home + start[1:]
        for compiled in self.protect_read.globs:
            if compiled.may_start_with(start):
                return [Verdict("protect.read", "ask",
                                f"reads {word.raw}, which may be {compiled.text!r}")]
        return []

    def paths(self, word: Word) -> list[str] | None:
        """Every path the word may name: as written, through symlinks, and glob matches.

        A relative word is resolved from every directory a ``cd`` may have moved to.
        """
        if word.value is None or (word.splits and not word.glob):
            return None
        if word.glob and (_may_match_dots(word.value)
                          or any(m in word.value for m in _POSIX_BRACKETS)
                          or not self.shell_options.isdisjoint(_UNMODELLED_GLOBS)
                          or ("**" in word.value and "globstar" in self.shell_options)):
            # `build/.?/src`: `..` to dash and to bash before 5.2 (red team 80); `[[:alpha:]]`,
            # `[^x]`: what the system's match, not Python's (red team 81)
            return None
        found = self.resolved(word)
        if found is None:
            return None
        resolver = self.context.resolver
        if word.glob:
            found.extend(match for path in list(found) for match in resolver.expand(path))
        walked = self.resolved(word, lexical=False) or []
        if any(_per_process(p, word.glob) for p in walked):
            return None  # a link of the running process's (its stdin, its /proc entry)
        real = [self._realpath(p) for p in found]
        if any(_per_process(p) for p in real):
            return None  # through a link of the agent's to one (`s -> /dev/stdin`)
        if ".." in word.value.split("/"):  # `/dev/fd/../environ`: /proc/self/environ
            if word.glob:  # `/dev/f?/../env*`: matched as the system walks it
                walked += [match for path in walked for match in resolver.expand(path)]
            real.extend(posixpath.normpath(self._realpath(p)) for p in walked)
        return list(dict.fromkeys(found + real))

    def resolved(self, word: Word, lexical: bool = True) -> list[str] | None:
        """The word's absolute paths, one per brace alternative and possible directory;
        not ``lexical``: with each ``..`` as written, for the system to follow."""
        assert word.value is not None
        values = globs.braces(word.value, first_is_character(word.raw)) if word.splits \
            else [word.value]
        found: list[str] = []
        for value in values:
            relative = not (word.home or value.startswith(("/", "~")))
            for cwd in self.cwds if relative else self.cwds[:1]:
                if cwd is None:
                    return None
                found.append((resolve_text if lexical else joined_text)(
                    value, word.home, cwd, self.context.home))
        return found

    def patterns(self, word: Word) -> list[str]:
        """The word's paths that are still shell patterns (or brace alternatives)."""
        if not word.glob or word.value is None:
            return []
        return [p for p in self.resolved(word) or () if _PATTERN.search(p) or "{" in word.value]

    @property
    def glob_options(self) -> tuple[bool, bool]:
        return "dotglob" in self.shell_options, "globstar" in self.shell_options

    def _realpath(self, path: str) -> str:
        known = self.real.get(path)
        if known is None:
            known = self.real[path] = self.context.resolver.realpath(path)
        return known

    def special(self, path: str) -> str | None:
        """What a special path is (``/dev/null``: ignore, ``/dev/tcp/...``: network)."""
        if not path.startswith(self.special_dirs):
            return None
        from fnmatch import fnmatchcase

        for pattern, meaning in self.knowledge.special_paths.items():
            if fnmatchcase(path, pattern):
                return meaning
        return None


class _Setting:
    """What judging needs that depends only on the policy and the context, worked out once
    for the pair: a batch (``test``, ``replay``) decides command after command under the
    same two. Only answers the resolver gives once and for all (``realpath``) are kept;
    a fingerprint may change between two decisions, so nothing built on one is."""

    def __init__(self, policy: Policy, context: Context) -> None:
        self.policy = policy
        self.context = context
        self.protect_write, self.protect_read = _protection(policy, context.home, context.cwd)
        # where special paths live (``/dev/``): a quick test before their globs
        self.special_dirs = _literal_dirs(tuple(policy.knowledge.special_paths))
        self.real: dict[str, str] = {}  # the resolver's realpath answers, once asked
        self._path_rules: dict[str, tuple[tuple[Pattern, Rule], ...]] | None = None
        # a program's (name, path) where no fingerprint decided it (``_Judge.identity``)
        self.identities: dict[str, tuple[str | None, str | None]] = {}

    @classmethod
    def of(cls, policy: Policy, context: Context) -> _Setting:
        """The pair's setting, kept by identity (the setting holds both, so neither id can
        be reused by another object while it is kept)."""
        key = (id(policy), id(context))
        found = _SETTINGS.get(key)
        if found is None or found.policy is not policy or found.context is not context:
            if len(_SETTINGS) >= 64:
                _SETTINGS.clear()
            found = _SETTINGS[key] = cls(policy, context)
        return found

    def path_rules(self) -> dict[str, tuple[tuple[Pattern, Rule], ...]]:
        """The path rules by the real path of the file they name (a relative one counts from
        the working directory), in the rules' order; the resolver is first asked when a part
        has a path to compare, as each part asked it before."""
        if self._path_rules is None:
            by_path = self.policy.by_path
            real = {text: self.context.resolver.realpath(_absolute(text, self.context.cwd))
                    for text in dict.fromkeys(c[0].program.text for c in by_path)}
            found: dict[str, list[tuple[Pattern, Rule]]] = {}
            for entry in by_path:
                found.setdefault(real[entry[0].program.text], []).append(entry)
            self._path_rules = {path: tuple(entries) for path, entries in found.items()}
        return self._path_rules


_SETTINGS: dict[tuple[int, int], _Setting] = {}


@lru_cache(maxsize=1024)
def _absolute(path: str, cwd: str) -> str:
    """``path`` made absolute from ``cwd`` and normalized (a pure function of both)."""
    return posixpath.normpath(path if path.startswith("/") else posixpath.join(cwd, path))


_PATTERN = on_use(r"[*?\[]|[@+!]\(")
_PROTECTIONS: dict[tuple[str, str, str], tuple[Protection, Protection]] = {}


def _protection(policy: Policy, home: str, cwd: str) -> tuple[Protection, Protection]:
    """The policy's protect lists compiled for this home and working directory (memoized)."""
    key = (policy.sha256, home, cwd)
    found = _PROTECTIONS.get(key)
    if found is None:
        if len(_PROTECTIONS) > 256:
            _PROTECTIONS.clear()
        found = _PROTECTIONS[key] = (
            compile_protection(tuple(g.text for g in policy.protect_write), home, cwd),
            compile_protection(tuple(g.text for g in policy.protect_read), home, cwd))
    return found


@lru_cache(maxsize=8)
def _literal_dirs(patterns: tuple[str, ...]) -> tuple[str, ...]:
    """The directories special paths live in (``/dev/``): a quick test before the globs."""
    return tuple({re.split(r"[*?\[]", p, maxsplit=1)[0].rsplit("/", 1)[0] + "/" for p in patterns})


def _named(text: str) -> list[str]:
    """What a word may name as a file: itself, what follows an option's ``=``, and what
    follows a short option's letter (``-fk.yaml``). Binding a file too many only makes an
    approval match less."""
    found = [text]
    if text.startswith("-") and "=" in text:
        found.append(text.split("=", 1)[1])
    if text.startswith("-") and not text.startswith("--") and len(text) > 2:
        found.append(text[2:])
    # bash expands no `~` inside a word (`--file=~/x` names ./~/x): a relative path
    return [t if t is text or not t.startswith("~") else "./" + t for t in found if t]


def liftable(rule: str) -> bool:
    """Whether an approval may cancel an ask of this rule: a policy rule, the default, or a
    hazard of the words themselves; never what the command touches (paths, protections)."""
    return not rule.startswith(_NEVER_LIFTED)


_NEVER_LIFTED = ("path:", "protect.", "self-protection", "download-and-run", "unparseable",
                 # what runs depends on the input, not on the approved words
                 "hazard:input-arguments", "hazard:stdin-code")


def _layered(matched: list[Rule]) -> list[Rule]:
    """The matching rules that decide: those of the shallowest layer that has any (the
    operator's own file before what it extends), and deeper denies it does not name in
    ``overrides``. Within one layer the strictest still wins."""
    if not matched:
        return matched
    top = min(rule.layer for rule in matched)
    named = {o for rule in matched if rule.layer == top for o in rule.overrides}
    return [rule for rule in matched if rule.layer == top
            or (rule.decision == "deny" and rule.id not in named)]


def _output(segment: Segment) -> str:
    """Where the part's output goes, said with its reason (``cat > f <<EOF`` writes f)."""
    targets = [r.target.shown for r in segment.redirects
               if r.writes and r.target is not None and r.target.value not in _QUIET]
    return f"; its output is written to {', '.join(targets)}" if targets else ""


_QUIET = ("/dev/null", "/dev/stdout", "/dev/stderr", "/dev/tty")


_POSIX_BRACKETS = ("[:", "[=", "[.", "[^")
# shell options that change what a pattern matches in ways Python's glob does not follow
# (`**` under globstar too: Python's matches one directory); shells whose patterns differ
_OTHER_SHELL = "(another shell's patterns)"
_OTHER_SHELLS = frozenset({"zsh", "ksh", "mksh", "fish"})
# ("": an option named only at run time, `bash -O "$x"`)
_UNMODELLED_GLOBS = frozenset({"nocaseglob", "extglob", "", _OTHER_SHELL})


def _reads_only_table(effects: tuple[str, ...]) -> bool:
    return bool(effects) and set(effects) <= {"reads", "network", "network-loopback"}


def _may_match_dots(pattern: str) -> bool:
    """Whether a part of a pattern may match `.` or `..` (`.?`, `.*`, `.[.]`; not
    `.env.*`), as dash and bash before 5.2 (or without globskipdots) match them."""
    parts = [p for p in pattern.split("/") if p[:1] == "." and any(c in p for c in "*?[")]
    if not parts:
        return False
    from fnmatch import fnmatchcase  # only for such a pattern: it imports re

    return any(fnmatchcase(dots, part) for part in parts for dots in (".", ".."))


def _named_to_writes(spec: ProgramSpec, invocation: Invocation) -> list[Word]:
    """The values given to the options that name what it writes (`cp -t DIR`)."""
    return [o.value for o in invocation.options if o.value is not None
            and (o.name in spec.writes or abbreviates_long(o.name, spec.writes))]


def _given(options: frozenset[str], invocation: Invocation) -> bool:
    """Whether one of ``options`` is given: by name, a start of a long one, or a letter in
    a cluster (`-rT`, `-sf`)."""
    letters = {o[1] for o in options if len(o) == 2 and o[0] == "-"}
    return any(o.name in options or abbreviates_long(o.name, options)
               or (not o.name.startswith("--") and letters.intersection(o.name[1:]))
               for o in invocation.options)


def _reads_redirected(invocation: Invocation) -> bool:
    """Whether a redirect gives it a file to read (``cat < f``; a here-document is none)."""
    return invocation.reads_trees or any(
        r.reads and r.target is not None for r in invocation.segment.redirects)


def _base(program: str) -> str:
    return program.rsplit("/", 1)[-1]


def _matches(pattern: Pattern, invocation: Invocation, decision: str,
             short: bool = False) -> bool:
    """Whether ``pattern`` matches; unknown words count as a match for ask and deny only,
    and so does a goal that may be an abbreviation of a matching one (``short``)."""
    cautious = decision != "allow"
    positionals = invocation.positionals
    if len(pattern.args) > len(positionals) and not (
            cautious and any(w.splits for w in positionals)):
        return False
    for index, (glob, word) in enumerate(zip(pattern.args, positionals, strict=False)):
        if word.static and word.value is not None:
            if not glob.matches(word.value) and not (
                    cautious and short and index == 0 and _abbreviates(word.value, glob.text)):
                return False
        elif not cautious:
            return False
    unknown = cautious and invocation.dynamic_options
    if pattern.effects and not set(pattern.effects) <= set(invocation.effects):
        return False
    if pattern.without and (any(_has_flag(invocation, name, None) for name in pattern.without)
                            or (invocation.dynamic_options and not cautious)):
        return False  # an allow never guesses that an unknown word is not the flag
    for name, value in pattern.flags_all:
        if not _has_flag(invocation, name, value) and not unknown:
            return False
    if pattern.flags_any and not unknown:
        return any(_has_flag(invocation, name, None) for name in pattern.flags_any)
    return True


def _has_flag(invocation: Invocation, name: str, value: object) -> bool:
    for option in invocation.options:
        if option.name != name:
            continue
        if value is None:
            return True
        if option.value is not None and option.value.value is not None \
                and value.matches(option.value.value):  # type: ignore[attr-defined]
            return True
    return False


def _abbreviates(goal: str, glob: str) -> bool:
    """Whether ``goal`` may name a task ``glob`` matches by an abbreviation of its name
    (gradle runs ``pub`` or ``pTML`` as ``publishToMavenLocal`` when no other task fits):
    the goal's first camel-case part and the glob's literal start, after any project
    path (``:lib:``), are one a prefix of the other."""
    first = re.match(r"[^A-Z]*", goal.rsplit(":", 1)[-1])
    literal = re.split(r"[*?\[]", glob.rsplit(":", 1)[-1], maxsplit=1)[0]
    part = first.group(0) if first else ""
    return literal.startswith(part) or part.startswith(literal)
