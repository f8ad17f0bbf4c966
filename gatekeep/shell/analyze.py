"""From segments to invocations: options normalized, wrappers unwrapped, hazards found.

An :class:`Invocation` is what one program run would do: its name, its
normalized options, its positional words, the paths it writes and reads, and
the hazards program knowledge reveals (an option that runs code, a script that
writes files). Wrapped commands (``sudo rm``, ``find -exec``, ``bash -c``)
become invocations of their own, so a wrapper never hides what it runs.
"""

from __future__ import annotations

import posixpath
import re
from fnmatch import fnmatchcase
from functools import lru_cache

from gatekeep.runtime.patterns import on_use
from gatekeep.sandbox.records import NamedTuple
from gatekeep.shell import scripts
from gatekeep.shell.knowledge import (
    Knowledge,
    ProgramSpec,
    WrapperSpec,
    abbreviates_long,
    named_as,
)
from gatekeep.shell.model import (
    Assignment,
    Hazard,
    Option,
    ParsedCommand,
    Problem,
    Redirect,
    RedirectKind,
    Segment,
    SegmentKind,
    Span,
    Word,
)

MAX_UNWRAP = 6
# PEP 263's coding declaration, on a script's first or second line
_CODING = on_use(r"^[ \t\f]*#.*?coding[:=]", re.MULTILINE)
# what reads whole trees in any program, spelt in full or, as getopt_long and argparse take
# it, by any start of a long one (`grep --recur`); a program's own other names for it are
# its knowledge's `reads_trees_with` (grep's `-d recurse`)
RECURSIVE = frozenset({"-r", "-R", "--recursive", "--dereference-recursive"})
_NAME = on_use(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_MODULE = on_use(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")  # a dotted name
# ${!x}, ${!x[0]}: the value of the variable x names (not ${!x*}, ${!x@}: names;
# ${!x[@]}, ${!x[*]}: keys)
_INDIRECT = on_use(r"\$\{!([A-Za-z_][A-Za-z0-9_]*)(?![A-Za-z0-9_]|[*@]\}|\[[@*]\])")
# Where bash evaluates names as arithmetic: (( )), $(( )), a subscript or an offset in
# ${ }, [[ ]] with an arithmetic comparison, let
_ARITHMETIC_REGIONS = on_use(
    r"\(\(.*?\)\)|\$\{[^}]*[\[:][^}]*\}|\[\[[^]]*-(?:eq|ne|lt|le|gt|ge)\b[^]]*\]\]"
    r"|\blet\s[^;&|\n]*", re.DOTALL)
_IDENTIFIER = on_use(r"(?<!\w)[A-Za-z_][A-Za-z0-9_]*")
# Where bash may assign a name without an assignment word: arithmetic ($((X=1)), ((X++)),
# $[X=1], [[ X=1 -eq 1 ]], a subscript, an offset, let) and ${X:=v} / ${X=v}
_ASSIGNING_REGIONS = on_use(
    r"\(\(.*?\)\)|\$\[.*?\]|\$\{[^}]*\}|\[\[.*?\]\]|\[[^]\n]*\]|\blet\s[^;&|\n]*",
    re.DOTALL)
_ARITHMETIC_ASSIGNS = on_use(
    r"(?<![\w$])([A-Za-z_]\w*)\s*(?:\[[^]]*\]\s*)?(?:[-+*/%&|^]|<<|>>)?=(?!=)"
    r"|(?:\+\+|--)\s*([A-Za-z_]\w*)|([A-Za-z_]\w*)\s*(?:\+\+|--)")
_DEFAULT_ASSIGNS = on_use(r"\$\{([A-Za-z_]\w*):?=")
_DESCRIPTOR_ASSIGNS = on_use(r"\{([A-Za-z_]\w*)\}[\s\\]*[<>]")  # `{HOME}>f`: a descriptor
_LOOP_ASSIGNS = on_use(r"\b(?:for|select)\s+([A-Za-z_]\w*)\s*(?:\bin\b|;|\n|\bdo\b|$)")
_EXPANDED = on_use(r"\$\{?[#!]?([A-Za-z_][A-Za-z0-9_]*)")  # $NAME, ${NAME...}, ${#NAME}
# a code-path variable's value of literal paths, or the variable's own value (checked)
_CODE_PATH = r"(?:[\w./@+,=-]*|\$\{?[A-Za-z_]\w*\}?)"
_CODE_PATHS = on_use(f"{_CODE_PATH}(?::{_CODE_PATH})*")
_VARIABLE = on_use(r'"?\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?"?\Z')  # $f, "${f}": one variable


class Invocation(NamedTuple):
    segment: Segment
    program: str | None
    options: tuple[Option, ...] = ()
    positionals: tuple[Word, ...] = ()
    writes: tuple[Word, ...] = ()
    reads: tuple[Word, ...] = ()
    hazards: tuple[Hazard, ...] = ()
    dynamic_options: bool = False
    wrapped_by: str | None = None
    reads_trees: bool = False  # reads whole directory trees (grep -r, tar, rsync)
    changes_directory: bool = False  # cd, pushd: later relative paths start elsewhere
    runs_from: tuple[Word, ...] = ()  # files and directories whose code it runs (make -f)
    effects: tuple[str, ...] = ()  # what it does that rules may name (`network-loopback`)
    package: Word | None = None  # the tool a package runner runs (`npx vite`), when plain
    # the module `python -m NAME` runs, when nothing else can change which code that is:
    # set on the interpreter's invocation and on the one of what it runs
    module: Word | None = None
    # the directories a code-path variable set for it names (`PYTHONPATH=src`): code it
    # loads from there, judged as `runs_from` is
    loads_from: tuple[Word, ...] = ()
    # files, or directories of files, a formatter rewrites in place (`black src`): judged
    # by where they lie and by the protected files they name, not by what a directory holds
    rewrites: tuple[Word, ...] = ()
    # the name of every entry a search finds (`find src -name __pycache__`), on the search's
    # invocation and on those of what it runs, where `{}` stands for one; with the
    # directories it starts from (knowledge `names_found`)
    found_as: str = ""
    found_in: tuple[Word, ...] = ()
    # the name of the virtual environment whose bin the wrapper that runs it puts first on
    # PATH (`uv run NAME`: `.venv`)
    venv: str = ""
    # files that may move it (knowledge `settings`), and those unless they name versions
    venv_settings: tuple[str, ...] = ()
    venv_versions: tuple[str, ...] = ()
    # the directory the wrapper's option names as the project (`uv run --project sub`)
    venv_from: Word | None = None
    # files that must be plain files now, reached through no link (Node's `require('./x.json')`)
    plain_files: tuple[Word, ...] = ()

    @property
    def text(self) -> str:
        return self.segment.text


class Analysis(NamedTuple):
    invocations: tuple[Invocation, ...]
    problems: tuple[Problem, ...]


def analyze(parsed: ParsedCommand, knowledge: Knowledge) -> Analysis:
    """Analyse every segment of ``parsed``; nested scripts are parsed and added."""
    state = _State(knowledge, parsed.source)
    for segment in parsed.segments:
        state.segment(segment, depth=0)
    state.fork_bombs(parsed.segments)
    state.secrets_in_arithmetic()
    state.secrets_anywhere()
    state.unseen_assignments()
    state.names_from_elsewhere()
    return Analysis(tuple(state.invocations), parsed.problems + tuple(state.problems))


def analyze_argv(argv: list[str], knowledge: Knowledge) -> Invocation:
    """Analyse a literal argv (a policy pattern, or ``gatekeep run -- ARGV``)."""
    segment = literal_segment(argv)
    return _State(knowledge).command(segment, depth=MAX_UNWRAP)


def literal_segment(argv: list[str]) -> Segment:
    from gatekeep.shell.model import Span

    text = " ".join(argv)
    words = tuple(Word(arg, arg, Span(0, len(text))) for arg in argv)
    return Segment(SegmentKind.COMMAND, text, Span(0, len(text)), words)


class _State:
    def __init__(self, knowledge: Knowledge, source: str = "") -> None:
        self.knowledge = knowledge
        self.source = source
        self.invocations: list[Invocation] = []
        self.problems: list[Problem] = []
        self.secrets_said: set[str] = set()  # secret variables a part's hazard names

    def segment(self, segment: Segment, depth: int) -> None:
        kind = segment.kind
        if kind is SegmentKind.COMMAND:
            self.command(segment, depth)
        elif kind in (SegmentKind.ASSIGNMENT, SegmentKind.DECLARATION):
            invocation = self.declaration(segment)
            secrets = self.secret_hazards(segment.name or "an assignment", segment)
            self.invocations.append(invocation._replace(
                hazards=invocation.hazards + tuple(secrets)) if secrets else invocation)
        elif kind is SegmentKind.FUNCTION:
            hazard = Hazard("function", f"defines a shell function {segment.name!r}")
            self.invocations.append(Invocation(segment, None, hazards=(hazard,)))
        else:
            invocation = self.redirect_only(segment)
            secrets = self.secret_hazards("a test" if kind is SegmentKind.TEST
                                          else "a redirect", segment)
            self.invocations.append(invocation._replace(
                hazards=invocation.hazards + tuple(secrets)) if secrets else invocation)

    def secrets_anywhere(self) -> None:
        """A secret variable expanded where no part's words show it: a ``case`` word, a
        loop's list (``case $GH_TOKEN in g*)`` tells its value a letter at a time). Found in
        the whole text, quoted or not, as in the parts' words; asked."""
        if not self.knowledge.secrets or "$" not in self.source:
            return
        for match in _EXPANDED.finditer(self.source):
            name = match[1]
            if name not in self.secrets_said and self.knowledge.secret_variable(name):
                self.secrets_said.add(name)
                self.problems.append(Problem(
                    f"the command expands ${name} outside any part's words (a case word, a "
                    "loop's list), and its name says it holds a secret: what the command "
                    "prints or does with it reaches the agent", Span(match.start(), match.end())))

    def secrets_in_arithmetic(self) -> None:
        """A secret variable named where bash evaluates it as arithmetic (``$((X))``,
        ``((X))``, ``${a[X]}``, ``${s:X}``, ``[[ X -eq 0 ]]``, ``let``): its value is
        evaluated, and bash's error on one that is not a number prints it. Found in the
        whole text, quoted or not: asked, never missed."""
        source = self.source
        if not self.knowledge.secrets or not any(m in source for m in ("((", "[", "let", ":")):
            return
        for region in _ARITHMETIC_REGIONS.finditer(source):
            for name in _IDENTIFIER.findall(region.group(0)):
                if self.knowledge.secret_variable(name):
                    self.problems.append(Problem(
                        f"bash evaluates ${name} as arithmetic, and its error would print a "
                        "value that is not a number; the name says it holds a secret",
                        Span(region.start(), region.end())))
                    return

    def unseen_assignments(self) -> None:
        """A variable that changes what programs run (``PATH``, ``HOME``, ``CDPATH``,
        ``GIT_*``) assigned where no assignment word shows it: by arithmetic
        (``$((HOME=1))``, ``((PATH++))``, ``[[ HOME=1 -eq 1 ]]``, a subscript, ``let``), by
        ``${CDPATH:=dir}``, or as a loop's variable (``for HOME in 1; do git fetch; done``).
        No part would be judged with it: asked, found in the whole text, quoted or not. Not
        every spelling is found (a name in another variable's value: ``for y in HOME=1; do
        ((y))``); a networked part gets no network beside any such construct
        (``sandbox.policy._EVALUATES``)."""
        source = self.source
        looped = _LOOP_ASSIGNS.findall(source) if "for" in source or "select" in source else []
        for name in [*looped, *(_DESCRIPTOR_ASSIGNS.findall(source) if "}" in source else ())]:
            if self.knowledge.risky_variable(name):
                self.problems.append(Problem(f"a loop or a redirect assigns {name}, which "
                                             "changes what programs run or load",
                                             Span(0, len(source))))
                return
        if "=" not in source and "++" not in source and "--" not in source:
            return
        for region in _ASSIGNING_REGIONS.finditer(source):
            text = region.group(0)
            names = [n for m in _ARITHMETIC_ASSIGNS.finditer(text) for n in m.groups() if n]
            names += _DEFAULT_ASSIGNS.findall(text)
            for name in names:
                if self.knowledge.risky_variable(name):
                    self.problems.append(Problem(
                        f"bash assigns {name} inside an expansion, which changes what "
                        "programs run or load", Span(region.start(), region.end())))
                    return

    def secret_hazards(self, program: str, segment: Segment) -> list[Hazard]:
        """An expansion of a variable whose name says it holds a secret: its value reaches
        the command, and what the command prints reaches the agent (as ``printenv`` would
        print it). Any ``$NAME`` in the words' text counts, quoted or not."""
        if not self.knowledge.secrets:
            return []
        texts = [word.raw for word in segment.argv] + [a.text for a in segment.assignments]
        for redirect in segment.redirects:  # a here-string's word is in its text alone
            texts += [redirect.body, redirect.text]
        if segment.kind is SegmentKind.TEST:
            texts.append(segment.text)
        names = dict.fromkeys(name for text in texts if "$" in text
                              for name in _EXPANDED.findall(text)
                              if self.knowledge.secret_variable(name))
        self.secrets_said.update(names)
        found = [Hazard("secret-variable", f"{program} is given ${name}, whose name says it "
                        "holds a secret; what the command prints reaches the agent")
                 for name in names]
        if any("${!" in text and _INDIRECT.search(text) for text in texts):
            found.append(Hazard("secret-variable", f"{program} is given the value of a "
                                "variable another names (${!name}), which may hold a secret"))
        return found

    # -- plain commands ----------------------------------------------------
    def command(self, segment: Segment, depth: int, extra_args: str | None = None,
                roots: tuple[Word, ...] = (), unknown_input: bool = False,
                module: Word | None = None, found_as: str = "",
                venv: tuple[str, WrapperSpec | None, Word | None] = ("", None, None)
                ) -> Invocation:
        """Analyse one program run, record it, then record what it wraps."""
        argv = segment.argv
        program = argv[0].value if argv and argv[0].static else None
        if program is None:  # the parser reported the dynamic program name as a problem
            return Invocation(segment, None, hazards=self.env_hazards(segment.assignments))
        spec = self.knowledge.spec(program.rsplit("/", 1)[-1])
        parsed = _Options(spec, argv[1:])
        own = tuple(a for a in segment.assignments if a.name not in spec.own_variables)
        code_paths = [(a, self.code_paths(a)) for a in own]
        hazards = list(self.env_hazards(tuple(a for a, paths in code_paths if paths is None)))
        writes = list(parsed.writes)
        reads = ([] if parsed.spec.looks_only else _operand_files(parsed)) + list(parsed.reads)
        if spec.reads_unlisted:  # `git format-patch --signature-file=e`: no list says which
            reads.extend(o.value for o in parsed.options if o.value is not None)
        spec_now = parsed.spec
        # `find . -name __pycache__ -delete`, `find . -name '*.class' -delete`: what it
        # deletes is judged as a delete is (core: a build's output only where a .gitignore
        # lists it); a search for any other name deletes what gatekeep cannot see
        finds = _found_as(spec_now, parsed)
        finds = finds if named_as(finds, (*self.knowledge.output_caches,
                                          *self.knowledge.output_built)) else ""
        hazards.extend(h for h in parsed.hazards if not (finds and h in parsed.destroying))
        if spec_now.inline_reader:
            _read_inline(spec_now, parsed, hazards, reads)
            _read_input(spec_now, parsed, segment.redirects, hazards, reads)
        hazards.extend(self.secret_hazards(program, segment))
        operands = parsed.positionals[parsed.subcommand_words:]
        assigned = parsed.assigned + (operands if spec_now.assigns_operands else [])
        if assigned:
            hazards.extend(
                Hazard("environment", f"{program} sets {w.raw}, which changes what programs run")
                for w in assigned
                if w.value is None or w.glob or self.knowledge.risky_variable(w.value))
        if spec_now.positional_writes:
            writes.extend(operands)
        for number in spec_now.writes_positional:
            if -len(operands) <= (number - 1 if number > 0 else number) < len(operands):
                writes.append(operands[number - 1 if number > 0 else number])
        if spec_now.url_args and any(w.value is None for w in operands):
            hazards.append(Hazard("network", f"{program} reaches an address known only at "
                                  "run time, which may carry data out"))
        elif spec_now.url_args and operands and _address(operands[0].value or ""):
            hazards.append(Hazard("network", f"{program} reaches {operands[0].raw}, an address "
                                  "no configured remote names"))
        reader = _reads_environment(spec_now, operands, parsed.options)
        if reader is not None:
            hazards.append(Hazard("secret-variable", f"{program} {reader.raw} reads the "
                                  "environment, which may hold secrets; what the command "
                                  "prints reaches the agent"))
        loader = _loads_code(spec_now, operands, parsed.options)
        if loader is not None:
            hazards.append(Hazard("runs-code", f"{program} {loader.raw} loads code from a file "
                                  "(a module), which gatekeep does not see"))
        named = _named_host(spec_now, operands, parsed.options)
        if named is not None:
            hazards.append(Hazard("network", f"{program} reaches {named.raw}, a host the "
                                  "command names (it may be sent data, or a token)"))
        if spec_now.option_files and any(
                (w.value or "@").startswith("@") if w.value is not None or not w.prefix
                else w.prefix.startswith("@") for w in parsed.positionals):
            hazards.append(Hazard("dynamic-option", f"{program} reads more of its options from "
                                  "a file an @ operand names, which gatekeep does not read"))
        if spec_now.unseen_writes and not operands and not any(
                o.name in spec_now.unseen_writes_unless for o in parsed.options):
            hazards.append(Hazard("input-paths", f"{program} writes the files its input names, "
                                  "which gatekeep cannot see (they may be protected, such as "
                                  ".git/hooks)"))
        for word in parsed.positionals if spec_now.operand_writes else ():
            for prefix in spec_now.operand_writes:
                if word.value is not None and word.value.startswith(prefix):
                    writes.append(word._replace(value=word.value[len(prefix):]))
        if spec_now.script is not None:
            hazards.extend(scripts.check(spec_now.script, parsed.options, parsed.positionals,
                                         [w.value for w in segment.argv[1:]]))
        if spec.hazard or spec_now.hazard:
            hazards.extend(Hazard("runs-code", f"{s.name} {s.hazard}") for s in (
                (spec,) if spec is spec_now else (spec, spec_now)) if s.hazard)
        if spec_now.writes_positionals_with and _given(parsed.options,
                                                       spec_now.writes_positionals_with):
            writes.extend(_files_of(spec_now, parsed.options, operands))
        rewrites = operands if (
            (spec_now.rewrites_with and _given(parsed.options, spec_now.rewrites_with))
            or (spec_now.rewrites_unless is not None
                and not _given(parsed.options, spec_now.rewrites_unless))) else []
        for redirect in segment.redirects:
            if redirect.target is None or redirect.kind.value in ("duplicate", "close"):
                continue
            (writes if redirect.writes else reads).append(redirect.target)
        if spec_now.wrapper is not None and spec_now.wrapper.assignments:
            hazards.extend(_environment_wrapper(program, parsed))
        hazards.extend(Hazard("runs-code", f"{program} {o.name} gives the program it runs "
                              "another name, which some act on (git named git-clone clones)")
                       for o in parsed.options if o.name in spec_now.renames)
        trees = spec_now.reads_trees or any(_recurses(o, spec_now) for o in parsed.options)
        invocation = Invocation(
            segment, program, tuple(parsed.options), tuple(parsed.positionals), tuple(writes),
            tuple(reads), tuple(hazards), parsed.dynamic, segment.wrapper, trees,
            spec_now.changes_directory, parsed.code_paths(spec, operands),
            _effects(spec_now, parsed.options, operands, bool(segment.assignments))
            + (("runs-package",) if spec_now.runs_package else ()),
            _package(spec_now, parsed.options, operands),
            module if module is not None else parsed.plain_module(),
            tuple(word for _, words in code_paths for word in words or ()), tuple(rewrites),
        )
        if venv[0]:
            invocation = invocation._replace(
                venv=venv[0], venv_settings=venv[1].settings if venv[1] else (),
                venv_versions=venv[1].version_files if venv[1] else (), venv_from=venv[2])
        if parsed.plain:
            invocation = invocation._replace(plain_files=tuple(parsed.plain))
        if finds:
            invocation = invocation._replace(found_as=finds, found_in=tuple(parsed.positionals))
        elif found_as and spec_now.deletes_operands and parsed.positionals:
            # `find . -name __pycache__ -exec rm -rf {} +`: each `{}` is an entry found so;
            # whether all it deletes is build output is judged as for any `rm`
            invocation = invocation._replace(found_as=found_as, found_in=roots)
            extra_args = None
        if extra_args is not None:
            invocation = self.extra_args(invocation, extra_args, spec_now)
        if unknown_input and not _opens_nothing(spec_now):  # `xargs echo`
            invocation = invocation._replace(hazards=invocation.hazards + (Hazard(
                "input-names", f"{extra_args} gives {program} file names from its input, "
                "which gatekeep cannot see: they may name protected files"),))
        if roots:  # find -exec: the files it is given come from these trees
            invocation = invocation._replace(reads=invocation.reads + roots, reads_trees=True)
        self.invocations.append(invocation)
        if depth < MAX_UNWRAP:
            self.unwrap(invocation, parsed, depth)
        elif parsed.inner is not None or parsed.scripts:
            self.problems.append(Problem(f"wrappers nested deeper than {MAX_UNWRAP}", segment.span))
        return invocation

    def unwrap(self, invocation: Invocation, parsed: _Options, depth: int) -> None:
        segment = invocation.segment
        name = invocation.program or "?"
        for script in parsed.scripts:
            self.script(script, segment, name, depth)
        # each `-exec ... ;` of a find runs, not only its last (`find . -exec rm -rf src \;
        # -exec echo {} \;`)
        for inner in (*parsed.earlier, *(() if parsed.inner is None else (parsed.inner,))):
            self.run_inner(invocation, parsed, inner, depth)

    def run_inner(self, invocation: Invocation, parsed: _Options,
                  inner_words: tuple[tuple[Word, ...], bool], depth: int) -> None:
        """Record the command ``invocation`` runs: its words, and whether it is given more."""
        segment = invocation.segment
        name = invocation.program or "?"
        words, extra_args = inner_words
        assignments: list[Assignment] = []
        spec = parsed.spec
        if spec.wrapper is not None and spec.wrapper.assignments:
            # env takes every leading word with a `=` for an assignment, whatever its name
            # (`env /x=/../usr/bin/true sh x.sh` runs `sh x.sh`)
            while words and words[0].value is not None and "=" in words[0].value:
                key, _ = words[0].value.split("=", 1)
                if not _NAME.fullmatch(key):
                    self.problems.append(Problem(
                        f"{name} sets {key!r}, which is no variable's name: a word with `=` "
                        "is an assignment to it, not the program", words[0].span))
                    return
                assignments.append(Assignment(key, words[0], words[0].raw))
                words = words[1:]
        if spec.wrapper is not None and spec.wrapper.join:
            if words:
                joined = Word(" ".join(w.raw for w in words),
                              None if any(not w.static for w in words) else
                              " ".join(w.value or "" for w in words), words[0].span)
                self.script(joined, segment, name, depth)
            return
        if not words:
            if assignments:
                self.invocations.append(self.declaration(segment._replace(
                    kind=SegmentKind.ASSIGNMENT, assignments=tuple(assignments))))
            return
        if words[0].value is None or not words[0].static:
            self.problems.append(Problem(
                f"the program run by {name} ({words[0].raw!r}) is only known at run time",
                words[0].span))
            return
        inner = Segment(
            SegmentKind.COMMAND, " ".join(w.raw for w in words), segment.span, tuple(words),
            tuple(assignments), (), segment.via + (name,), wrapper=name,
        )
        roots: tuple[Word, ...] | None = invocation.positionals if spec.exec is not None else ()
        if extra_args and spec.exec is None:  # xargs: the files named by its input
            roots = self.named_by_input(invocation)
        # `uv run NAME`: NAME, and what it runs, found in a virtual environment's bin first
        venv = spec.wrapper.venv if spec.wrapper is not None else None
        # (`uv run --project sub`, `poetry -C sub run`: the environment is another
        # project's, looked for from there: red team 96)
        outer = self.knowledge.spec(_base_name(name))
        moved = next((o.value or Word(o.name, None, Span(0, 0)) for o in parsed.options
                      if o.name in spec.code_dirs or o.name in outer.code_dirs), None)
        self.command(inner, depth + 1, name if extra_args else None, roots or (),
                     unknown_input=roots is None, module=parsed.plain_module(),
                     found_as=invocation.found_as,
                     venv=(venv or "", spec.wrapper, moved))

    def named_by_input(self, feeder: Invocation) -> tuple[Word, ...] | None:
        """The trees the names piped into ``feeder`` lie in, or None when unknown.

        ``find DIR | xargs cat`` reads only files under DIR; ``ls``, ``echo`` and the like
        name files under their operands; ``grep``/``sort`` with no file only pass lines on.
        Names read from a file or a program's output are unknown.
        """
        if feeder.reads or any(o.name in ("-a", "--arg-file") for o in feeder.options):
            return None  # xargs < list, xargs -a list: names from a file
        end = feeder.segment.span.start
        depth = len(feeder.segment.via)
        for producer in reversed(self.invocations[: self.invocations.index(feeder)]):
            if len(producer.segment.via) > depth:
                continue  # inside a substitution of the producer: not the pipe's input
            gap = self.source[producer.segment.span.end : end].strip()
            if gap not in ("|", "|&") or producer.program is None:
                return None
            spec = self.knowledge.spec(producer.program.rsplit("/", 1)[-1])
            if spec.lists_names:
                return producer.positionals or (Word(".", ".", feeder.segment.span),)
            listed = _listed_by_subcommand(producer, spec)
            if listed is not None:
                return (Word(".", ".", feeder.segment.span), *listed)
            if not (spec.selects_lines and not producer.positionals and not producer.reads):
                return None
            end = producer.segment.span.start
        return None

    def extra_args(self, invocation: Invocation, wrapper: str, spec_now: ProgramSpec
                   ) -> Invocation:
        """``invocation`` given more words from its input (``xargs ruff check``): a hazard
        when the program, or the subcommand its own words chose (``spec_now``), has options
        or operands that write or run what they name."""
        spec = self.knowledge.spec((invocation.program or "").rsplit("/", 1)[-1])
        # its input's words may be its program (`xargs sed`: `1e CMD`), an option that
        # writes (`--in-place`, `ruff check --output-file`) or an operand it writes (`xargs
        # uniq`: `in out`); with no subcommand of its own words, any subcommand (`xargs
        # ruff` given `check --output-file F`)
        chosen = (spec, spec_now) if spec_now is not spec else (spec, *spec.subcommands.values())
        # a shell's `-c` (`xargs bash -n` given `+n -c CMD` runs CMD); not for what a search
        # gives `-exec` (`find . ... -exec bash -n {} +`: paths, each starting with a start)
        fed = self.knowledge.spec(wrapper).exec is None
        if any(s.positional_writes or s.writes or s.runs_code or s.wrapper
               or (fed and (s.shell is not None or bool(s.stdin_code_options)))
               or s.exec is not None or s.script is not None or s.writes_positional
               or s.writes_positionals_with or s.inline_code or s.destructive
               or s.operand_writes or s.rewrites_with or s.rewrites_unless is not None
               for s in chosen):
            hazard = Hazard("input-arguments",
                            f"{wrapper} adds arguments from its input to "
                            f"{invocation.program}, which writes or runs what they name")
            return invocation._replace(hazards=invocation.hazards + (hazard,))
        return invocation

    def script(self, word: Word, outer: Segment, name: str, depth: int) -> None:
        if word.value is None or word.splits:
            self.problems.append(Problem(f"the script run by {name} is only known at run time",
                                         word.span))
            return
        from gatekeep.shell.parse import parse  # imported here: argv-only runs never need it

        nested = parse(word.value, nested=True)
        for problem in nested.problems:
            self.problems.append(Problem(f"in the script run by {name}: {problem.reason}",
                                         word.span))
        for segment in nested.segments:
            self.segment(segment._replace(span=word.span, via=outer.via + (name,) + segment.via,
                                 wrapper=name), depth + 1)

    # -- shell constructs --------------------------------------------------
    def declaration(self, segment: Segment) -> Invocation:
        hazards = list(self.env_hazards(segment.assignments))
        program = segment.argv[0].value if segment.argv else None
        names = {a.text for a in segment.assignments}
        options = [w.value or "" for w in segment.argv[1:]
                   if (w.value or "").startswith(("-", "+")) and w.value != "--"]
        listed = len(options) == len(segment.argv[1:]) - ("--" in (w.value for w in segment.argv))
        if segment.kind is SegmentKind.DECLARATION and (
                listed or any("p" in o[1:] for o in options if not o.startswith("--"))):
            # `export`, `declare -p`, `local`: no name to declare, or -p: it prints them
            hazards.append(Hazard("secret-variable", f"{program} prints the shell's variables "
                                  "and their values, which may hold secrets; what the "
                                  "command prints reaches the agent"))
        if segment.kind is SegmentKind.DECLARATION and program != "export" and any(
                flag in o[1:] for o in options if not o.startswith("--") for flag in "ni"):
            # `declare -n r=PATH; r=1`, `declare -i x; x='HOME=1'`: a later assignment of
            # another name sets a variable no assignment word shows
            hazards.append(Hazard("environment", f"{program} -n or -i makes a later "
                                  "assignment set a variable its words do not show"))
        for word in segment.argv[1:]:
            if word.raw in names or (word.value or "").startswith("-"):
                continue
            if word.value is None or not _NAME.match(word.value):
                hazards.append(Hazard("dynamic-declaration",
                                      f"{program} with a name known only at run time: {word.raw}"))
            elif self.knowledge.risky_variable(word.value) and program == "export":
                hazards.append(Hazard("environment", f"exports {word.value}, which changes "
                                      "what later commands run"))
        return Invocation(segment, program, hazards=tuple(hazards))

    def code_paths(self, assignment: Assignment) -> tuple[Word, ...] | None:
        """The directories a code-path variable set for one command names (knowledge
        ``environment.code_paths``: ``PYTHONPATH=src:lib``), judged as code the command runs
        from there; None for any other variable, or a value not made of literal paths (an
        entry that is the variable's own value, ``$PYTHONPATH``, is the caller's)."""
        value = assignment.value
        if assignment.name not in self.knowledge.code_paths or value is None \
                or assignment.text not in (f"{assignment.name}={value.raw}",
                                           f"{assignment.name}+={value.raw}") \
                or not _CODE_PATHS.fullmatch(value.raw):
            return None  # (a wrapper's `env NAME=VALUE`: the word whole, not read here)
        own = (f"${assignment.name}", f"${{{assignment.name}}}")
        entries = value.raw.split(":")
        if any((entry.startswith("$") and entry not in own) or ".." in entry.split("/")
               for entry in entries):
            return None  # `..` after a link leaves the tree where the program follows it
        # the caller's own value only when nothing else in the command sets the variable
        # (`PYTHONPATH=x PYTHONPATH=$PYTHONPATH`, a loop's, `${PYTHONPATH:=x}`)
        mentions = len(re.findall(rf"(?<!\w){assignment.name}(?!\w)", self.source))
        if mentions > 1 + sum(entry in own for entry in entries):
            return None
        return tuple(Word(entry or ".", entry or ".", value.span)
                     for entry in entries if entry not in own)

    def env_hazards(self, assignments: tuple[Assignment, ...]) -> tuple[Hazard, ...]:
        return tuple(
            Hazard("environment", f"sets {a.name}, which changes what programs run or load")
            for a in assignments if self.knowledge.risky_variable(a.name)
            and not self.plain_value(a)
        )

    def plain_value(self, assignment: Assignment) -> bool:
        """Whether a variable is set, for this command, to a literal value that knowledge
        ``environment.values`` says changes nothing it runs or loads (``GOFLAGS=-count=1``)."""
        value = assignment.value
        patterns = self.knowledge.values.get(assignment.name, ())
        return bool(patterns) and value is not None and value.value is not None \
            and assignment.text == f"{assignment.name}={value.raw}" \
            and any(re.fullmatch(pattern, value.value) for pattern in patterns)

    def redirect_only(self, segment: Segment) -> Invocation:
        writes = tuple(r.target for r in segment.redirects if r.writes and r.target is not None)
        reads = tuple(r.target for r in segment.redirects if r.reads and r.target is not None)
        return Invocation(segment, None, writes=writes, reads=reads)

    def names_from_elsewhere(self) -> None:
        """Files an argument may name that its text does not show.

        ``f=~/.ssh/id_rsa; cat "$f"``: an argument that is one variable may hold any value
        the command gives that variable. ``cat $(find ~/.ssh -name 'id_*')``: names printed
        by a program that lists files lie under what it lists. Both are added as reads.
        """
        values: dict[str, list[Word]] = {}
        for invocation in self.invocations:
            for assignment in invocation.segment.assignments:
                if assignment.value is not None and assignment.value.value is not None:
                    values.setdefault(assignment.name, []).append(assignment.value)
        for index, invocation in enumerate(self.invocations):
            held: list[Word] = []
            listed: list[Word] = []
            for word in invocation.positionals:
                if word.value is not None:
                    continue
                match = _VARIABLE.match(word.raw)
                if match is not None:
                    held.extend(v._replace(span=word.span) for v in values.get(match[1], ()))
                listed.extend(self.listed_in(invocation, word))
            if held or listed:
                self.invocations[index] = invocation._replace(
                    reads=invocation.reads + tuple(held) + tuple(listed),
                    reads_trees=invocation.reads_trees or bool(listed))

    def listed_in(self, invocation: Invocation, word: Word) -> list[Word]:
        """The trees a program listing files inside ``word``'s command substitution names."""
        via = invocation.segment.via
        found: list[Word] = []
        for other in self.invocations:
            segment = other.segment
            inside = segment.via[: len(via) + 1] == (*via, "command-substitution") \
                and word.span.start <= segment.span.start and segment.span.end <= word.span.end
            if not inside or other.program is None or other is invocation:
                continue
            if self.knowledge.spec(other.program.rsplit("/", 1)[-1]).lists_names:
                found.extend(other.positionals or (Word(".", ".", word.span),))
        return found

    def fork_bombs(self, segments: tuple[Segment, ...]) -> None:
        for definition in segments:
            if definition.kind is not SegmentKind.FUNCTION:
                continue
            scope = f"function {definition.name}"
            for index, invocation in enumerate(self.invocations):
                seg = invocation.segment
                if invocation.program == definition.name and scope in seg.via and (
                        seg.background or "pipeline" in seg.via or "background" in seg.via):
                    hazard = Hazard("fork-bomb", f"function {definition.name!r} calls itself "
                                    "in the background or a pipeline: a fork bomb", "deny")
                    self.invocations[index] = invocation._replace(
                        hazards=invocation.hazards + (hazard,))


class _Options:
    """Normalize one argv against program knowledge (GNU conventions by default).

    ``-rf`` becomes ``-r -f``; ``--force=x`` is ``--force`` with value ``x``; an option
    the knowledge says takes a value consumes it (``-n5``, ``-n 5``); ``--`` ends
    options. Global options come before a subcommand, which brings its own spec.
    """

    def __init__(self, spec: ProgramSpec, words: tuple[Word, ...]) -> None:
        self.spec = spec
        self.options: list[Option] = []
        self.positionals: list[Word] = []
        self.writes: list[Word] = []
        self.reads: list[Word] = []
        self.hazards: list[Hazard] = []
        self.scripts: list[Word] = []
        self.assigned: list[Word] = []
        self.inner: tuple[tuple[Word, ...], bool] | None = None
        self.earlier: list[tuple[tuple[Word, ...], bool]] = []  # find's other `-exec`s
        self.destroying: list[Hazard] = []  # those of the options that delete (`-delete`)
        self.dynamic = False
        self.subcommand_words = 0
        self.code: list[Word] = []  # paths whose code the program runs (make -f, git -C)
        self.plain: list[Word] = []  # files that must be plain files (Invocation.plain_files)
        self.base: Word | None = None  # the directory a -C moved to, if one did
        self._parse(list(words))

    def _parse(self, words: list[Word]) -> None:
        spec = self.spec
        index = 0
        options_done = spec.no_options
        if spec.old_style and words and words[0].static and words[0].value \
                and not words[0].value.startswith("-"):
            index = self._old_style(words)
        while index < len(words):
            word = words[index]
            value = word.value
            if spec.exec is not None and value in spec.exec.start:
                index = self._exec(words, index)
                continue
            if spec.exec is not None and word.static and value and _joins_exec(value, spec):
                # `fd -Hx rm`, `fd --exec=rm`: what runs, in a form not read as such
                self.hazards.append(Hazard("runs-code", f"{value} starts a command the "
                                           "program runs, in a form gatekeep does not read"))
            if not options_done and word.static and value == "--":
                options_done = True
                index += 1
                continue
            if not options_done and not word.static \
                    and self._dynamic_option(word, last=index == len(words) - 1):
                index += 1
                continue
            if not options_done and word.may_be_option and not word.static:
                self.dynamic = True
                if self._dangerous(spec):
                    self.hazards.append(Hazard(
                        "dynamic-option", f"{word.raw} may become an option of {spec.name}, "
                        "which has options that run code or write files"))
            if not options_done and word.static and value and value.startswith("-") \
                    and value != "-":
                before = len(self.options)
                index = self._option(words, index)
                added = self.options[before:]
                module = next((o.value for o in added if o.name in spec.module_options),
                              None) if spec.module_options else None
                if module is not None:  # python -m pytest ...: pytest runs, with the rest
                    self.inner = ((module, *words[index:]), False)
                    self.positionals.extend(words[index:])
                    if module.static and module.value:
                        # found in the working directory first (`json.py`, `json/`): code
                        # it runs (`cd /tmp && python3 -m json.tool`, red team 93)
                        top = module.value.split(".")[0]
                        self.code.extend(Word(name, name, Span(0, 0))
                                         for name in (f"{top}.py", top))
                    return
                if spec.ends_options and any(o.name in spec.ends_options for o in added):
                    options_done = True
                continue
            # a positional word
            if self._wrapper_starts(words, index):
                return
            if value is not None and spec.globals_first and not self.positionals \
                    and value not in spec.subcommands:
                # `git switch -c x`: git's own options end at the subcommand; what follows
                # is the subcommand's, which the knowledge does not describe
                self.spec = spec = ProgramSpec(spec.name, abbreviations=spec.abbreviations)
            if value is not None and spec.subcommands \
                    and len(self.positionals) == self.subcommand_words \
                    and value in spec.subcommands:
                self.spec = spec = spec.subcommands[value]
                self.subcommand_words += 1
                options_done = spec.no_options
                self.positionals.append(word)
                index += 1
                continue
            self.positionals.append(word)
            if value is not None and spec.force_args \
                    and any(fnmatchcase(value, g) for g in spec.force_args):
                self.options.append(Option("--force", None))
            if spec.options_first and not spec.subcommands and spec.wrapper is None:
                options_done = True
            index += 1
        operands = self.positionals[self.subcommand_words :]
        if self.spec.script_positional and len(operands) > 1 and operands[0].value not in ("-",
                                                                                         ""):
            self.scripts.append(operands[0])  # trap 'code' EXIT (trap - EXIT resets instead)
        self._shell_without_script()
        self._mode_writes()

    def plain_module(self) -> Word | None:
        """The module of ``python -m NAME``, when it is the interpreter's only option (``-W``,
        ``-X`` and the like may load other code first) and a literal dotted name."""
        if len(self.options) != 1 or self.options[0].name not in self.spec.module_options:
            return None
        word = self.options[0].value
        if word is None or not word.static or word.value is None \
                or not _MODULE.fullmatch(word.value):
            return None
        return word

    def _mode_writes(self) -> None:
        """Values written only in some modes (``tar -f`` with ``-c``), now that all are seen."""
        names = {o.name for o in self.options}
        for option in self.options:
            modes = self.spec.writes_with.get(option.name)
            if modes and option.value is not None and names & modes:
                self.writes.append(option.value)

    def _wrapper_starts(self, words: list[Word], index: int) -> bool:
        wrapper = self.spec.wrapper
        if wrapper is None or (wrapper.script_option is not None and self.scripts):
            return False
        skipped = len(self.positionals) - self.subcommand_words
        if skipped < wrapper.skip or any(o.name in self.spec.info_options for o in self.options):
            return False
        self.inner = (tuple(words[index:]), self.spec.stdin_args)
        return True

    def _exec(self, words: list[Word], index: int) -> int:
        assert self.spec.exec is not None
        start = words[index].value or ""
        end = index + 1
        # find ends the command at `;`, and at `+` only right after `{}` (`-exec rm -rf
        # build + src \;` gives rm `build`, `+` and `src`)
        while end < len(words) and not (
                words[end].value in self.spec.exec.end
                and (words[end].value != "+" or words[end - 1].value == "{}")):
            end += 1
        self.options.append(Option(start, None))
        hidden = next((w for w in words[index + 1 : end] if w.glob or w.splits), None)
        if hidden is not None:
            # `-exec echo {} {+,-delete}`, `-exec true {} ?`: bash may make the word that
            # ends the command (`+`, `;`), and find reads what follows as its own
            self.hazards.append(Hazard("runs-code", f"{self.spec.name} {start}: {hidden.raw} "
                                       "may end the command it runs, and what follows is "
                                       "then find's, unseen"))
        if self.inner is not None:
            self.earlier.append(self.inner)
        self.inner = (tuple(words[index + 1 : end]), True)
        return end + 1

    def _option(self, words: list[Word], index: int) -> int:
        spec = self.spec
        value = words[index].value or ""
        if spec.long_single_dash and not value.startswith("--") \
                and len(value.partition("=")[0]) > 2:
            value = "-" + value  # npm reads `-registry=URL` as `--registry=URL`
            words = [*words[:index], _sub(words[index], value), *words[index + 1:]]
        if spec.single_dash_long and not value.startswith("--") \
                and not self._known(value.partition("=")[0]):
            # `gcc -o.git/hooks/x`: -o with its value attached, read before any `=`
            # (`-Wl,-plugin=x.so`, `-oa=b/x`)
            glued = self._attached(value)
            if glued is not None:
                self._add(glued, _sub(words[index], value[len(glued):]))
                return index + 1
        if value.startswith("--") or spec.single_dash_long:
            name, eq, attached = value.partition("=")
            if eq and any(name.startswith(p) for p in spec.write_prefixes):
                self.writes.append(_sub(words[index], attached))  # `-fopt-info-all=FILE`
            names = spec.expand(name) if name.startswith("--") else (name,)
            if eq:
                for each in names:
                    self._add(each, _sub(words[index], attached))
                return index + 1
            following = words[index + 1] if index + 1 < len(words) else None
            taking = [n for n in names if self._takes_value(n)
                      or (self._optional(n) and _number(following))]
            for each in names:
                self._add(each, following if each in taking else None)
            for letter in self._clustered(name):
                self._add(letter, None)  # `zip -qrm`: zip's -m, in a word of letters
            # an ambiguous prefix is refused by the program, and an abbreviation may be one
            # among options the knowledge does not list (npm's `--ta` is --tag or
            # --tag-version-prefix: npm reads it as a switch): its words are judged both ways
            exact = names == (name,)
            return index + 2 if taking and len(taking) == len(names) and exact else index + 1
        return self._cluster(words, index, value[1:], index + 1)

    def _known(self, name: str) -> bool:
        spec = self.spec
        return name in spec.value_options or name in spec.info_options \
            or name in spec.runs_code or name in spec.destructive or name in spec.writes \
            or name in spec.reads or name in spec.inline_code

    def _attached(self, name: str) -> str | None:
        """The longest option taking a value that writes, reads or runs what it names and
        starts a single-dash word no option is named (`-o.git/hooks/x`: `-o`; `-TTcmd`:
        zip's `-TT`), where the program reads the rest of the word as its value; None for
        another word."""
        spec = self.spec
        if len(name) <= 2 or name.startswith("--") or self._known(name):
            return None
        acting = spec.writes | spec.reads | spec.runs_code | spec.inline_code
        taking = [o for o in spec.value_options & acting
                  if o.startswith("-") and not o.startswith("--") and name.startswith(o)]
        return max(taking, key=len) if taking else None

    def _clustered(self, name: str) -> list[str]:
        """The options that delete, write or run code (`zip -m`, `-TT`) among the letters
        of a single-dash word no option of the program is named (`-qrm`, `-qTT`), for a
        program whose options are words that still reads letters together (knowledge
        ``letter_clusters``)."""
        spec = self.spec
        acting = {o for o in spec.destructive | spec.runs_code | spec.writes | spec.inline_code
                  if o.startswith("-") and not o.startswith("--")}
        if not spec.letter_clusters or name.startswith("--") or len(name) <= 2 \
                or self._known(name):
            return []
        return sorted(o for o in acting if o[1:] in name[1:])

    def _dynamic_option(self, word: Word, last: bool) -> bool:
        """`--author="$(git config user.name)"`, `-j"$(nproc)"`: an option whose name is the
        word's literal start, its value known only at run time, added as such. Only where
        the value cannot become another word (no splitting, no pattern) and the name cannot
        change: a long option up to its `=` (empty, it stays the option's value), or a
        letter that takes a value with some of it literal, or as the last word (empty,
        the letter would take the next word for its value: red team 78). Never an option
        that chooses what runs (`python -m"$x"`, `-c`): those stay words that may be any."""
        head, spec = word.prefix, self.spec
        if word.splits or word.glob or word.home or spec.single_dash_long \
                or spec.long_single_dash or not head.startswith("-"):
            return False
        if head.startswith("--") and "=" in head:
            name, _, rest = head.partition("=")
            names = spec.expand(name)
            value = word._replace(raw=word.raw.partition("=")[2], prefix=rest)
        elif len(head) >= 2 and head[1] != "-" and (self._optional(head[:2]) or (
                self._takes_value(head[:2]) and (len(head) > 2 or last))):
            names, rest = (head[:2],), head[2:]
            value = word._replace(raw=word.raw[2:] if word.raw.startswith(head[:2])
                                  else word.raw, prefix=rest)
        else:
            return False
        chooses = spec.module_options | spec.ends_options | spec.inline_code \
            | spec.stdin_code_options | spec.runs_code
        if any(n in chooses or spec.canonical(n) in chooses for n in names):
            return False
        for each in names:
            self._add(each, value)
        return True

    def _optional(self, name: str) -> bool:
        return bool(self.spec.optional_values) and (
            name in self.spec.optional_values
            or self.spec.canonical(name) in self.spec.optional_values)

    def _takes_value(self, name: str) -> bool:
        return self.spec.canonical(name) in self.spec.value_options \
            or name in self.spec.value_options

    def _cluster(self, words: list[Word], index: int, cluster: str, following: int) -> int:
        """``-rf``: one option per letter; the first that takes a value takes the rest."""
        for position, letter in enumerate(cluster):
            name = "-" + letter
            if self._optional(name):  # `-j8`, `-j 8`; `-j` alone or before no number
                rest = cluster[position + 1 :]
                after = words[following] if following < len(words) else None
                if rest or not _number(after):
                    self._add(name, _sub(words[index], rest) if rest else None)
                    return following
                self._add(name, after)
                return following + 1
            if self._takes_value(name):
                rest = cluster[position + 1 :]
                if rest:
                    self._add(name, _sub(words[index], rest))
                    return following
                self._add(name, words[following] if following < len(words) else None)
                return following + 1
            self._add(name, None)
        return following

    def _old_style(self, words: list[Word]) -> int:
        """``tar xzf a.tgz``: a first word without a dash is letters; their values follow."""
        cluster = words[0].value or ""
        following = 1
        for letter in cluster:
            name = "-" + letter
            if self._takes_value(name):
                self._add(name, words[following] if following < len(words) else None)
                following += 1
            else:
                self._add(name, None)
        return following

    def _add(self, name: str, value: Word | None) -> None:
        spec = self.spec
        canonical = spec.canonical(name)
        self.options.append(Option(canonical, value))
        if value is not None and (value.splits or value.glob):
            # `head -n {1,e}`, `-n 1${IFS}e`, `-n [1e]`: bash makes the value several words,
            # and those after the first are operands or options no one judged (red team 58)
            self.dynamic = True  # judged as paths (what a glob matches now), and as words
            self.reads += [value, value._replace(value=None)]  # the run alone knows
            if self._dangerous(spec):
                self.hazards.append(Hazard(
                    "dynamic-option", f"{name} {value.raw} may become several words, an option "
                    f"of {spec.name} among them, which has options that run code or write files"))
        flagged = _flagged(spec)
        if canonical not in flagged and name not in flagged \
                and not _network_prefix(spec, canonical) \
                and not abbreviates_long(name, spec.reads):  # most options: none of below
            if value is not None and _path_like(value):
                self.reads.append(value)
            return
        if (canonical in spec.runs_code or name in spec.runs_code) and not _plain(
                spec, canonical, value):
            shown = f"{name} {value.raw}" if value is not None else name
            self.hazards.append(Hazard("runs-code", f"{spec.name} {shown} runs a program or code"))
        if self._changes_state(canonical, value):
            shown = f"{name} {value.raw}" if value is not None else name
            self.hazards.append(Hazard("shell-state", f"{spec.name} {shown} changes how every "
                                       "later command runs"))
        if canonical in spec.destructive or name in spec.destructive:
            self.destroying.append(Hazard("writes", f"{spec.name} {name} deletes or changes "
                                          "files"))
            self.hazards.append(self.destroying[-1])
        if canonical in spec.inline_code or name in spec.inline_code:
            self.hazards.append(Hazard("inline-code", f"{spec.name} {name} runs inline code"))
        if value is not None and (canonical in spec.writes or name in spec.writes):
            self.writes.append(value)
        if value is not None and (canonical in spec.reads or name in spec.reads
                                  or abbreviates_long(name, spec.reads) or _path_like(value)):
            self.reads.append(value)
        if value is not None and canonical in spec.file_values:
            self.reads.extend(_at_file(value))
        if canonical in spec.reads_list:
            shown = value.raw if value is not None else "its input"
            self.hazards.append(Hazard("file-list", f"{spec.name} {name} reads the files listed "
                                       f"in {shown}, known only at run time"))
        if canonical in spec.names_from_input:
            self.hazards.append(Hazard("input-paths", f"{spec.name} {name} reads or writes paths "
                                       "named in its input, which gatekeep cannot see"))
        if canonical in spec.network_options or _network_prefix(spec, canonical):
            shown = value.raw if value is not None else "an address"
            self.hazards.append(Hazard("network", f"{spec.name} {name} {shown}: reaches a "
                                       "registry or address other than the default"))
        if value is not None and canonical in spec.assigns:
            self.assigned.append(value)
        if spec.shell is not None and canonical == spec.shell and value is not None:
            self.scripts.append(value)
        if spec.wrapper and spec.wrapper.script_option == canonical and value is not None:
            self.scripts.append(value)
        if value is not None and canonical in spec.code_dirs | spec.code_files:
            self.code.append(self.based(value))
        if value is not None and canonical in spec.chdir_options:
            self.base = self.based(value)

    def _changes_state(self, name: str, value: Word | None) -> bool:
        """``set -a``, ``set -o allexport``; a value known only at run time may be either."""
        if name not in self.spec.state_options:
            return False
        if name not in {v.split(" ", 1)[0] for v in self.spec.state_values}:
            return True  # the option itself changes it (`-a`)
        return value is not None and (value.value is None
                                      or f"{name} {value.value}" in self.spec.state_values)

    def based(self, word: Word) -> Word:
        """A relative path after ``-C DIR`` starts from DIR (``git -C a -C b``, ``make -C a``)."""
        base = self.base
        if base is None or word.value is None or word.home or word.value.startswith("/"):
            return word
        if base.value is None:
            return word._replace(value=None, raw=f"{base.raw}/{word.raw}")
        return word._replace(value=posixpath.join(base.value, word.value), home=base.home,
                             raw=f"{base.raw}/{word.raw}")

    def code_paths(self, top: ProgramSpec, operands: list[Word]) -> tuple[Word, ...]:
        """Files and directories whose code runs: named ones, operands, else the directory."""
        found = list(self.code)
        if self.spec.code_positionals or top.code_positionals:
            found.extend(self.based(w) for w in operands)
        named_dir = any(o.name in top.code_dirs | self.spec.code_dirs for o in self.options)
        if (top.runs_cwd or self.spec.runs_cwd) and not named_dir:
            from gatekeep.shell.model import Span

            found.append(self.based(Word(".", ".", Span(0, 0))))
        return tuple(found)

    def _shell_without_script(self) -> None:
        spec = self.spec
        if not spec.stdin_code:
            return
        has_code = self.scripts or any(
            o.name in spec.inline_code or o.name == spec.shell or o.name in spec.ends_options
            for o in self.options)
        if has_code or any(o.name in spec.info_options for o in self.options):
            return  # `python3 --version` prints and exits: it reads no code
        script = self.positionals[0] if self.positionals else None
        if self._checks_syntax_only():
            self.reads.extend([script] if script is not None else [])
            return  # `node --check x.js`, `bash -n x.sh`: the script is read, nothing runs
        from_stdin = any(o.name in spec.stdin_code_options for o in self.options)
        if script is None or script.value == "-" or from_stdin:
            self.hazards.append(Hazard("stdin-code", f"{spec.name} runs code read from its input"))
        elif script.raw.startswith(("<(", "/dev/stdin", "/dev/fd/", "/proc/self/fd/")):
            self.hazards.append(Hazard("stdin-code",
                                       f"{spec.name} runs code that another command writes"))
        else:
            self.hazards.append(Hazard("script-file",
                                       f"{spec.name} runs the script {self.positionals[0].raw}"))
            # `source x` without a `/` looks for x on PATH first: which file, no word says
            if script.static and (not spec.in_shell or "/" in (script.value or "")) and all(
                    (o.name if o.value is None else f"{o.name}=") in spec.script_options
                    for o in self.options):
                # no option of the interpreter's own but how it runs (`-r mod`, `-W x::mod`
                # load other code): the script is all the code it runs, judged by where it is
                self.code.append(script)

    def _checks_syntax_only(self) -> bool:
        """Whether one of the interpreter's syntax-check options is given and no other
        option but those that change only how it runs its script: `node --check -r ./x.js`
        runs ./x.js first."""
        spec = self.spec
        checks = spec.syntax_check_options
        script = self.positionals[0] if self.positionals else None
        if script is not None and (script.value or script.prefix)[:1] in ("", "+", "-"):
            return False  # `bash -n +n x.sh` turns the check off again; so may `"$f"`
        return any(o.name in checks for o in self.options) and all(
            (o.value is None and o.name in checks)
            or (o.name if o.value is None else f"{o.name}=") in spec.script_options
            for o in self.options)

    @staticmethod
    def _dangerous(spec: ProgramSpec) -> bool:
        return bool(spec.runs_code or spec.writes or spec.exec or spec.inline_code
                    or spec.destructive
                    or spec.shell or spec.script or any(
                        _Options._dangerous(sub) for sub in spec.subcommands.values()))


def _found_as(spec: ProgramSpec, parsed: _Options) -> str:
    """The name of every entry a search finds (`find . -type d -name __pycache__`): the
    value of its one ``names_found`` option, known and holding no ``/``, beside no option
    but those that narrow what it finds, run a command or delete, and starting from plain
    paths only (not `!` or `(`, read as operands); "" for any other run."""
    options = _past_pruned(spec, parsed.options)
    named = [o for o in options if o.name in spec.names_found]
    if len(named) != 1 or parsed.dynamic or not parsed.positionals:
        return ""
    value = named[0].value
    if value is None or not value.static or not value.value or "/" in value.value:
        return ""
    starts = spec.exec.start if spec.exec is not None else frozenset()
    if not all(o.name in spec.names_found or o.name in spec.narrows or o.name in starts
               or o.name in spec.destructive
               or (o.name in spec.negations and index + 1 < len(options)
                   and options[index + 1].name in spec.narrows)
               for index, o in enumerate(options)):
        return ""
    if any(not w.static or not w.value or w.value in ("!", "(", ")", ",")
           or w.value.startswith("-") for w in parsed.positionals):
        return ""
    return value.value


def _base_name(program: str) -> str:
    return program.rsplit("/", 1)[-1]


def _past_pruned(spec: ProgramSpec, options: list[Option]) -> list[Option]:
    """A search's options after a first expression that only skips (`-path ./.venv -prune
    -o`: tests that only narrow, then ``prunes`` and ``alternatives``): what follows finds
    every entry that acts; all of them otherwise."""
    for index, option in enumerate(options[:-1]):
        if option.name in spec.prunes and options[index + 1].name in spec.alternatives:
            skipped = options[:index]
            if skipped and all(o.name in spec.narrows or o.name in spec.names_found
                               for o in skipped):
                return options[index + 2:]
            break
    return options


def _environment_wrapper(program: str, parsed: _Options) -> list[Hazard]:
    """``env NAME=VALUE cmd`` sets variables for ``cmd``, judged as a prefix assignment is
    (with the inner command). Without a command it prints the environment; an option
    (``-i``, ``-u``, ``-C``, ``-S``) changes what the command runs with, or where, past what
    gatekeep follows (a box's own settings for git are variables too)."""
    hazards = []
    if parsed.options:
        shown = " ".join(o.name for o in parsed.options)
        hazards.append(Hazard("environment", f"{program} {shown} changes the environment or "
                              "the directory the command runs with"))
    words = parsed.inner[0] if parsed.inner is not None else ()
    if not parsed.scripts and all(w.value is not None and "=" in w.value for w in words):
        hazards.append(Hazard("secret-variable", f"{program} without a command prints the "
                              "environment, which may hold secrets; what the command prints "
                              "reaches the agent"))
    return hazards


_FLAGGED: dict[int, tuple[ProgramSpec, frozenset[str]]] = {}


def _number(word: Word | None) -> bool:
    """Whether ``word`` is a plain number, the only word an optional value takes apart."""
    return word is not None and word.static and (word.value or "").isdigit()


def _given(options: list[Option], names: frozenset[str]) -> bool:
    """Whether one of ``options`` is one of ``names``, or a start of a long one of them
    (`cp --li`: getopt_long's start of `--link`)."""
    return any(o.name in names or abbreviates_long(o.name, names) for o in options)


def _read_inline(spec: ProgramSpec, parsed: _Options, hazards: list[Hazard],
                 reads: list[Word]) -> None:
    """Inline code gatekeep reads (knowledge ``inline_reader``: `python -c CODE`, `node -e
    CODE`): read in full, its inline-code hazard goes, the files it opens are read, and the
    files whose code it may load (Python's imports, found in the working directory first;
    what Node loads for a `.json` it requires) are judged as code it runs; otherwise the
    hazard says why it was not read. Only for the code given alone to the option, with no
    other option but those that change only how it runs (``script_options``); the words
    after it are its arguments, judged as ever."""
    inline = [o for o in parsed.options if o.name in spec.inline_code]
    found = next((h for h in hazards if h.kind == "inline-code"), None)
    given = [o for o in inline if o.value is not None]  # (`node -pe CODE`: -p prints it)
    code = given[0].value if len(given) == 1 else None
    if found is None or code is None or parsed.dynamic \
            or not all(o in inline or o.name in spec.script_options for o in parsed.options):
        return
    text = code.value if code.static and not code.home else None
    _apply_reading(spec, text, code.span, found, parsed, hazards, reads, drop=code)


def _read_input(spec: ProgramSpec, parsed: _Options, redirects: tuple[Redirect, ...],
                hazards: list[Hazard], reads: list[Word]) -> None:
    """Code an interpreter reads from a here-document (`python3 - <<'EOF'`), read as
    ``_read_inline`` reads inline code: when the last redirect of its input is that
    here-document, its text known as written (a quoted delimiter, or no `$`, `` ` `` or
    `\\` in it), and the interpreter given no script but `-` and no option but
    ``script_options``."""
    found = next((h for h in hazards if h.kind == "stdin-code"), None)
    script = parsed.positionals[0] if parsed.positionals else None
    if found is None or parsed.dynamic or (script is not None and script.value != "-") \
            or not all(o.name in spec.script_options for o in parsed.options):
        return
    # (a here-document's descriptor is known: None is one a variable names, `{x}<<`)
    stdin = [r for r in redirects if r.fd == 0 or (
        r.fd is None and r.kind != RedirectKind.HEREDOC and r.text.lstrip().startswith("<"))]
    last = stdin[-1] if stdin else None
    if last is None or last.kind != RedirectKind.HEREDOC:
        return
    body = last.body
    if last.text.lstrip("0123456789").startswith("<<-"):  # bash drops each line's leading tabs
        body = "\n".join(line.lstrip("\t") for line in body.split("\n"))
    text = body if last.literal or not any(mark in body for mark in "$`\\") else None
    unread = "it is known only at run time"
    if text is not None and spec.inline_reader == "python" and _CODING.search(
            "\n".join(text.split("\n", 2)[:2])):
        # read from a file (bash keeps a large here-document in one), Python obeys a coding
        # declaration, which `ast.parse` of the text ignores (red team 94)
        text, unread = None, "it declares its encoding, which Python obeys and gatekeep does not"
    _apply_reading(spec, text, Span(0, 0), found, parsed, hazards, reads, unread)


def _apply_reading(spec: ProgramSpec, text: str | None, span: Span, found: Hazard,
                   parsed: _Options, hazards: list[Hazard], reads: list[Word],
                   unread: str = "it is known only at run time", drop: Word | None = None
                   ) -> None:
    """Read ``text`` (None: not read, for the reason ``unread``) in the interpreter's
    language: read in full, the hazard ``found`` goes, ``drop`` (the code's word) is no
    file read, the files it opens are read and those whose code it may load judged as code
    it runs; otherwise the hazard says why it was not read."""
    if spec.inline_reader == "javascript":
        from gatekeep.shell.jsinline import read
    else:
        from gatekeep.shell.pyinline import read

    reading = read(text) if text is not None else unread
    index = hazards.index(found)
    if isinstance(reading, str):
        hazards[index] = found._replace(detail=f"{found.detail} gatekeep does not read: "
                                        f"{reading}")
        return
    del hazards[index]
    reads[:] = [w for w in reads if w is not drop]
    reads.extend(Word(path, path, span) for path in reading.opened)
    parsed.code.extend(Word(name, name, span) for name in reading.code)
    parsed.plain.extend(Word(name, name, span) for name in reading.plain)


def _operand_files(parsed: _Options) -> list[Word]:
    """The operands that may name files it reads: all but the first for a program whose
    first operand is its pattern or program unless an option gives it (`grep -rn '.env'
    src`, `sed -n '/.env/p' f`: knowledge ``pattern_options``), given none and no word that
    may become one (`grep $o .env x`: `-e` may be in `$o`)."""
    spec, operands = parsed.spec, list(parsed.positionals)
    if not spec.pattern_options or spec.interprets or parsed.dynamic or not operands:
        return operands  # (jq's `--rawfile NAME FILE`: its options may take two words)
    given = any(o.name in spec.pattern_options or abbreviates_long(o.name, spec.pattern_options)
                for o in parsed.options)
    return operands if given else operands[1:]


def _files_of(spec: ProgramSpec, options: list[Option], operands: list[Word]) -> list[Word]:
    """The operands that are files: all but a program's own, given first when no option
    gives it (`sed -i 's/a/b/' f`, `yq -i '.a=1' f`)."""
    if (spec.script is not None or spec.interprets) and not any(
            o.name in spec.pattern_options or abbreviates_long(o.name, spec.pattern_options)
            for o in options):
        return operands[1:]
    return operands


def _joins_exec(value: str, spec: ProgramSpec) -> bool:
    """A word that holds an exec option with more (`-Hx`, `--exec=rm`), not it alone."""
    assert spec.exec is not None
    if any(value.startswith(f"{start}=") for start in spec.exec.start):
        return True
    if not value.startswith("-") or value.startswith("--") or len(value) < 3 \
            or spec.single_dash_long:
        return False
    for letter in value[1:]:  # up to a letter that takes the rest as its value (`-tx`)
        if f"-{letter}" in spec.exec.start:
            return True
        if f"-{letter}" in spec.value_options:
            return False
    return False


def _opens_nothing(spec: ProgramSpec) -> bool:
    """Whether words from input can only be said by the program: it says only, and none of
    its options takes a value (`xargs date` may be given `-f FILE` or a date to set)."""
    return spec.says_only and not (spec.value_options or spec.reads or spec.writes)


def _plain(spec: ProgramSpec, option: str, value: Word | None) -> bool:
    """Whether the value given to a code option is none (``pytest -p no:NAME`` turns a
    plugin off: ``plain_values``)."""
    start = spec.plain_values.get(option)
    return start is not None and value is not None and value.value is not None \
        and value.value.startswith(start)


def _flagged(spec: ProgramSpec) -> frozenset[str]:
    """Every option name ``_Options._add`` looks up in the spec beyond its value's path: an
    option named in none of them is only recorded (and its value read, if a path). Kept
    per spec (held here, so that its id stays its own)."""
    kept = _FLAGGED.get(id(spec))
    if kept is None or kept[0] is not spec:
        if len(_FLAGGED) >= 1024:
            _FLAGGED.clear()
        names = spec.runs_code | spec.destructive | spec.inline_code | spec.writes \
            | spec.reads | spec.file_values | spec.reads_list | spec.names_from_input \
            | spec.network_options | spec.assigns | spec.code_dirs | spec.code_files \
            | spec.chdir_options | spec.state_options
        own = (spec.shell, spec.wrapper.script_option if spec.wrapper is not None else None)
        kept = _FLAGGED[id(spec)] = (spec, names | {o for o in own if o is not None})
    return kept[1]


def _package(spec: ProgramSpec, options: list[Option], operands: list[Word]) -> Word | None:
    """The tool ``npx NAME`` runs, when nothing else can change which one: no option of the
    runner's own (``-p pkg``, ``-c cmd``, ``--yes``) and a literal name without a version."""
    if not spec.runs_package or options or not operands or not operands[0].static:
        return None
    name = operands[0].value or ""
    return operands[0] if re.fullmatch(r"(@[a-z0-9._-]+/)?[a-z0-9._-]+", name, re.I) \
        and not name.startswith(".") else None


def _at_file(word: Word) -> list[Word]:
    """The file an ``@PATH`` (or ``name=@PATH``, ``name=<PATH``) value reads; unknown text
    that may hold one is read as itself, so a protected path in it is still asked."""
    text = word.value
    if text is None:
        return [word]
    found = re.search(r"(?:\A|=)[@<](.*)\Z", text, re.S)
    return [_sub(word, found.group(1))] if found else []


# HTTP only: curl's other schemes to "localhost" are no web service (file:// reads any
# file, scp:// and sftp:// log in with the user's keys, gopher:// and dict:// write raw
# bytes to any local port)
_LOOPBACK = on_use(r"(?:https?://)?(?:localhost|127(?:\.\d{1,3}){3}|\[::1\])"
                   r"(?::\d{1,5})?(?:[/?#][^@\s]*)?\Z", re.I)


def _effects(spec: ProgramSpec, options: list[Option], operands: list[Word],
             assigns: bool = False) -> tuple[str, ...]:
    """``network-loopback`` when every address is this machine, else ``network``.

    Only a program whose operands are addresses (curl) can be told apart; an address known
    only at run time, a config file, an option that may send it elsewhere or a variable set
    for it (``http_proxy=...``) is the network.
    """
    if not spec.address_operands:
        return ("network",) if spec.network else ()
    addresses = [*operands, *(o.value for o in options if o.name == "--url" and o.value)]
    local = bool(addresses) and all(
        w.static and w.value is not None and _LOOPBACK.match(w.value) for w in addresses) \
        and not any(o.name in spec.remote_options for o in options) and not assigns
    return ("network-loopback",) if local else ("network",)


_ADDRESS = on_use(r"[A-Za-z][A-Za-z0-9+.-]*://|[^/:]+:|[./~]")
_URL = on_use(r"[A-Za-z][A-Za-z0-9+.-]*://")
# host/owner/repo, and what a path in it (kustomize's `github.com/o/r/overlays/prod`)
_HOST_REPO = on_use(r"[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+(:\d+)?/[^/]+/[^/]+(/.*)?$")


def _network_prefix(spec: ProgramSpec, option: str) -> bool:
    """An option a ``network_options`` entry names by its prefix (``--config.*``)."""
    return any(o.endswith("*") and option.startswith(o[:-1]) for o in spec.network_options)


def _loads_code(spec: ProgramSpec, operands: list[Word], options: list[Option]) -> Word | None:
    """The first word that loads code from a file by program knowledge's ``code_texts``
    (jq's ``include "m"``, ``import "m" as m``), looked for where ``environment_texts`` are;
    a word known only at run time is judged as its text."""
    if not spec.code_texts:
        return None
    found = _environment_pattern(spec.code_texts)
    for word in _filter_words(spec, operands, options):
        if found.search(word.value if word.value is not None else word.raw):
            return word
    return None


def _filter_words(spec: ProgramSpec, operands: list[Word], options: list[Option]) -> list[Word]:
    """The words ``environment_texts`` and ``code_texts`` are looked for in: with
    ``environment_options``, only those options' values (gh's ``--jq``), else every operand
    and option value."""
    only = spec.environment_options
    values = [o.value for o in options if o.value is not None and (not only or o.name in only)]
    return values if only else [*operands, *values]


def _reads_environment(spec: ProgramSpec, operands: list[Word], options: list[Option]
                       ) -> Word | None:
    """The first word that reads the environment by program knowledge's
    ``environment_texts`` (jq's ``env`` and ``$ENV``, ps's BSD ``e`` and ``environ``),
    where its value is known; one known only at run time is judged as its text, and a glob,
    whose expansion only the run knows, counts where it may become one (``?nv``). With
    ``environment_options``, only those options' values are looked at (gh's ``--jq``)."""
    if not spec.environment_texts:
        return None
    found = _environment_pattern(spec.environment_texts)
    for word in _filter_words(spec, operands, options):
        text = word.value if word.value is not None else word.raw
        if found.search(text) or (word.glob and _may_become(text, _triggers(
                spec.environment_texts))):
            return word  # a glob: what it becomes is a name in the tree (`?nv`, a file env)
    return None


@lru_cache(maxsize=64)
def _triggers(texts: tuple[str, ...]) -> tuple[str, ...]:
    """What a word must hold to read the environment by ``texts``: ``env`` or ``ENV`` (jq's
    ``env``, ``$ENV``, yq's ``strenv``, ``envsubst``, ps's ``environ``), and ``e`` where one
    of them takes a lone ``e`` (ps's BSD ``e``)."""
    lone = any(re.search(text, "e") for text in texts)
    return ("env", "ENV", "e") if lone else ("env", "ENV")


def _may_become(pattern: str, triggers: tuple[str, ...]) -> bool:
    """Whether bash's expansion of the glob ``pattern`` may hold one of ``triggers``: a
    ``*`` (or an extglob) may hold anything; else some run of its characters must each
    admit the trigger's. A bracket expression is tested as fnmatch reads it."""
    atoms: list[str] = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "*" or (char in "@+?!" and pattern[index + 1:index + 2] == "("):
            return True
        end = pattern.find("]", index + 2) if char == "[" else -1
        if char == "[" and end > 0:
            atoms.append("[!" + pattern[index + 2:end + 1] if pattern[index + 1] == "^"
                         else pattern[index:end + 1])
            index = end + 1
            continue
        if char == "\\" and index + 1 < len(pattern):
            index += 1
        atoms.append("?" if pattern[index] == "?" else "[" + pattern[index] + "]"
                     if pattern[index] not in "[]!^" else "[\\" + pattern[index] + "]")
        index += 1
    return any(all("[:" in atom or fnmatchcase(letter, atom)
                   for atom, letter in zip(atoms[start:], trigger, strict=False))
               for trigger in triggers for start in range(len(atoms) - len(trigger) + 1))


@lru_cache(maxsize=64)
def _environment_pattern(texts: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{text})" for text in texts))


def _named_host(spec: ProgramSpec, operands: list[Word], options: list[Option]
                ) -> Word | None:
    """For a program whose words may name the host it reaches (``url_words``: ``gh api
    https://host/x``, ``kubectl get -f https://host/x.yaml``, ``helm template
    oci://host/chart``, ``gh repo view host/owner/repo``), the first word that names one
    other than those it reaches anyway (``own_hosts``: github.com for gh), or may (a word
    known only at run time)."""
    if not spec.url_words:
        return None
    words = [*operands, *(o.value for o in options if o.value is not None)]
    for word in words:
        text = word.value if word.value is not None else word.raw
        if not word.static:
            return word  # known only at run time (an expansion, a glob): it may be a host
        found = _URL.search(text)
        if found is not None:
            authority = text[found.end():].split("/", 1)[0].rpartition("@")[2]
            host = authority.rsplit(":", 1)[0] if authority.count(":") == 1 else authority
        elif _HOST_REPO.match(text):
            host = text.split("/", 1)[0].split(":", 1)[0]
        else:
            continue
        if host.lower() not in spec.own_hosts:
            return word
    return None


def _address(text: str) -> bool:
    """A remote argument that is a URL, ``host:path`` or a path, not a remote's name."""
    return _ADDRESS.match(text) is not None


def _listed_by_subcommand(producer: Invocation, spec: ProgramSpec) -> tuple[Word, ...] | None:
    """The operands of a subcommand that lists files (``git ls-files '*.ts'``): its names lie
    under them, which may be patterns matched below the working directory, or under that
    directory. None when it is no such subcommand, an option has a value (``-C DIR``,
    ``--format``) or an operand is known only at run time or is git's pathspec magic
    (``:/``, the whole repository, above the working directory): then what it prints is
    unknown."""
    words = producer.positionals
    sub = spec.subcommands.get(words[0].value or "") if words and words[0].static else None
    if sub is None or not sub.lists_names or any(o.value is not None for o in producer.options) \
            or any(w.value is None or w.value.startswith(":") for w in words[1:]):
        return None
    return words[1:]


def _recurses(option: Option, spec: ProgramSpec) -> bool:
    """Whether an option makes its program read whole trees: ``-r`` and its like, or one of
    ``reads_trees_with`` (``cp -a``), given its value there, any start of it (``grep -d
    rec``, as argmatch takes it; ``-d re`` is refused), or a value known only as it runs."""
    if option.name in RECURSIVE or abbreviates_long(option.name, RECURSIVE):
        return True
    value = spec.reads_trees_with.get(option.name)
    if value is None:
        return False
    if not value:  # `cp -a`
        return True
    given = option.value.value if option.value is not None else ""
    return given is None or value.startswith(given)


def _path_like(word: Word) -> bool:
    """An option value that names a path (``--from-file=~/.aws/x``), read-checked like operands."""
    text = word.value
    return word.home or (text is not None and ("/" in text or text.startswith("~")))


def _sub(word: Word, value: str) -> Word:
    return word._replace(value=value, raw=value if word.value is not None else word.raw)
