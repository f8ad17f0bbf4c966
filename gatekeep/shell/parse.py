"""Parse a command string with tree-sitter-bash into a :class:`ParsedCommand`.

Every simple command anywhere in the tree becomes a segment. Anything the
walker does not recognise, any ERROR or MISSING node, a dynamic program name,
too many segments or too deep nesting makes the command unparseable: it is
reported, never partially judged.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from functools import lru_cache
from itertools import pairwise
from types import ModuleType

from tree_sitter import Language, Node, Parser

from gatekeep.runtime.patterns import on_use
from gatekeep.shell.evaluation import Evaluations
from gatekeep.shell.model import (
    Assignment,
    ParsedCommand,
    Problem,
    Redirect,
    RedirectKind,
    Segment,
    SegmentKind,
    Span,
    Word,
)
from gatekeep.shell.words import literal_text, word_from_node
from gatekeep.text import invisible_reason

MAX_SEGMENTS = 100
MAX_DEPTH = 12
MAX_LENGTH = 100_000
MAX_LOOP_VALUES = 16  # a loop over more literal words is read once, its variable unknown

# A loop over literal words (`for d in src tests; do find "$d" ...; done`) is read once per
# word, with `$d` and `${d}` that word, where nothing else may set the variable: a name of
# lower-case letters (no variable bash or a program reads), words of plain characters (no
# blank, pattern, quote, `~` or `$`: the same whether split, globbed or not), and nowhere in
# the command a mention of the name but as `$d`, `${d}` or this loop's own, nor anything that
# may set a variable by a name known only at run time (`declare -n`, `read`, `eval`, a
# sourced file, `printf -v`, arithmetic), nor IFS.
_LOOP_NAME = on_use(r"[a-z_][a-z0-9_]*")
_LOOP_WORD = on_use(r"[A-Za-z0-9._/@%+=:,-]+")
_LOOP_SETTERS = on_use(
    r"(?<![\w.-])(?:eval|declare|typeset|local|read|readarray|mapfile|export|source|unset"
    r"|getopts|let|alias|trap|enable|builtin|command|readonly|wait|coproc|IFS)(?![\w-])"
    # arithmetic, which assigns a name a value holds: `(( $x = 7 ))`, `${a[$x]}`, `[[ $x -eq
    # 1 ]]`, `${s:$x}`
    r"|\(\(|\[\[|\$\[|\w\[|\$\{[^}]*[:\[]"
    r"|(?:^|[;&|(){}`\n!]|\b(?:do|then|else|elif|if|while|until|time))[ \t]*\.(?=[\s;&|)]|$)"
    r"|\bprintf\b[^\n]*?\s-[a-zA-Z]*v")

# Nodes whose children are walked for commands and substitutions, and what
# they add to a segment's "via" path.
_CONTAINERS: dict[str, str | None] = {
    "program": None,
    "list": None,
    "pipeline": "pipeline",
    "subshell": "subshell",
    "compound_statement": "group",
    "do_group": None,
    "if_statement": "if",
    "elif_clause": "if",
    "else_clause": "if",
    "while_statement": "loop",
    "for_statement": "loop",
    "c_style_for_statement": "loop",
    "case_statement": "case",
    "case_item": "case",
    "negated_command": None,
    "command_substitution": "command-substitution",
    "process_substitution": "process-substitution",
    "arithmetic_expansion": "arithmetic",
    "heredoc_body": "heredoc",
    "string": None,
    "translated_string": None,
    "concatenation": None,
    "expansion": None,
    "subscript": None,
    "array": None,
    "binary_expression": None,
    "unary_expression": None,
    "ternary_expression": None,
    "postfix_expression": None,
    "parenthesized_expression": None,
    "heredoc_redirect": None,
    "herestring_redirect": None,
    "file_redirect": None,
    "test_command": None,
}
# Leaves that can hold no command.
_LEAVES = frozenset({
    "word", "number", "raw_string", "ansi_c_string", "string_content", "variable_name",
    "special_variable_name", "simple_expansion", "comment", "file_descriptor", "heredoc_start",
    "heredoc_end", "heredoc_content", "test_operator", "regex", "extglob_pattern",
    "brace_expression", "command_name",
})
_ARITHMETIC = frozenset({
    "arithmetic_expansion", "test_command", "subscript", "c_style_for_statement",
    "binary_expression", "postfix_expression", "unary_expression",
})
_ARITHMETIC_TEXT = frozenset({"compound_statement", "expansion"})  # by their text: see below
_REDIRECT_OPS: dict[str, RedirectKind] = {
    "<": RedirectKind.READ,
    ">": RedirectKind.WRITE,
    ">|": RedirectKind.WRITE,
    "&>": RedirectKind.WRITE,
    ">>": RedirectKind.APPEND,
    "&>>": RedirectKind.APPEND,
    "<>": RedirectKind.READ_WRITE,
    ">&": RedirectKind.DUPLICATE,
    "<&": RedirectKind.DUPLICATE,
    ">&-": RedirectKind.CLOSE,
    "<&-": RedirectKind.CLOSE,
}

_ASCII_CONTROL = on_use(r"[\x00-\x08\x0b-\x1f\x7f]")  # all but tab and newline
_CONTINUATIONS = on_use(rb"(?:\\\n)+")
# A word just before < or > that bash reads as the redirection's file descriptor.
_DESCRIPTOR = on_use(r"[0-9]+|\{[A-Za-z_][A-Za-z0-9_]*\}")
# Builtins that read a variable name (whose subscript bash evaluates as arithmetic, running
# any command substitution in it) or an arithmetic expression from their arguments.
_EVALUATES = frozenset({"let", "read", "mapfile", "readarray", "unset", "wait", "getopts",
                        "declare", "typeset", "local", "export", "readonly"})
# ... and those that do so only with an option: printf -v NAME, test -v NAME, test -R NAME.
_EVALUATES_WITH_OPTION = frozenset({"printf", "test"})
# Reserved words tree-sitter may leave as plain words (coproc, time { ...; }, ...).
_KEYWORDS = frozenset({"{", "}", "coproc", "select", "function", "[[", "]]", "!", "if", "then",
                       "else", "elif", "fi", "case", "esac", "for", "while", "until", "do",
                       "done", "in", "time"})
_ESCAPED = on_use(r"\\.", re.DOTALL)
_NAME = on_use(rb"[A-Za-z_][A-Za-z0-9_]*")
_CLOBBER = on_use(r"[0-9]*(?:&>>?|>>?|&>)\s*!")
_ESCAPED_BYTES = on_use(rb"\\.", re.DOTALL)
# a letter sequence in braces (`{Z..a}`): from an upper-case letter to a lower-case one it
# makes `[ \ ] ^ _` and a backquote, which bash reads again as quoting and code
_LETTER_SEQUENCE = on_use(rb"\{([A-Za-z])\.\.([A-Za-z])")
_SIMPLE_EXPANSION = on_use(rb"\$([A-Za-z_][A-Za-z0-9_]*|[0-9@*#?$!_-])")
_NOT_IN_WORD = on_use(r"[|&;<>()\s]")
_BACKTICK_ESCAPE = on_use(r"\\[$`\\\n\"]")  # \" too, in backticks within "..."
# Nodes whose children are separate words, and the nodes that are (parts of) words: two of
# them with nothing between are one word to bash that tree-sitter split.
_WORD_LISTS = frozenset({"command", "file_redirect", "heredoc_redirect", "herestring_redirect",
                         "declaration_command", "unset_command", "for_statement", "array"})
_WORDISH = frozenset({"word", "concatenation", "string", "raw_string", "ansi_c_string", "number",
                      "translated_string", "simple_expansion", "expansion", "command_name",
                      "command_substitution", "process_substitution", "arithmetic_expansion",
                      "brace_expression", "variable_assignment",
                      # $"...": a "$" token, then a string; ==, =~: tokens in an argument
                      "$", "==", "=~"})
# Nodes whose words bash reads from one line (continuations aside).
_ONE_LINE = frozenset({"command", "file_redirect", "herestring_redirect", "declaration_command",
                       "unset_command"})
# Nodes whose text lies partly outside their children.
_NO_GAP_CHECK = frozenset({"heredoc_body"})
_PLAIN_NAME = on_use(r"[A-Za-z_][A-Za-z0-9_]*")  # `test -v NAME` with no subscript
_BUILTIN_RUNNERS = ("command", "builtin", "time")  # what they run is a builtin still
# the tokens of a redirect: inside `[ ]` bash reads them as one, the grammar as a comparison
_REDIRECT_TOKENS = frozenset({">", ">>", "<", "<<", ">|", "&>", "&>>", "<>", ">&", "<&", "<<<"})
# the nodes ``_Walker.note_evaluation`` looks at: the rest need no call
_EVALUATED = frozenset({"arithmetic_expansion", "compound_statement", "c_style_for_statement",
                        "subscript", "expansion", "for_statement", "select_statement"})
# Nodes that are one shell word (or a quoted part of one).
_WORD_NODES = frozenset({"word", "concatenation", "string", "raw_string", "ansi_c_string",
                         "translated_string"})


@lru_cache(maxsize=1)
def _parser() -> Parser:
    return Parser(Language(_grammar().language()))


def _grammar() -> ModuleType:
    """tree-sitter-bash's compiled grammar, loaded from where ``import`` finds it but without
    the package's ``__init__``: that imports ``importlib.resources`` (and with it
    ``tempfile``, ``shutil``, the compression modules: ~4 ms of every fresh decision) for
    query files gatekeep never reads."""
    from importlib.machinery import PathFinder
    from importlib.util import module_from_spec

    package = PathFinder.find_spec("tree_sitter_bash")
    where = package.submodule_search_locations if package is not None else None
    spec = PathFinder.find_spec("tree_sitter_bash._binding", where) if where else None
    if spec is None or spec.loader is None or "tree_sitter_bash" in sys.modules:
        import tree_sitter_bash

        return tree_sitter_bash
    module = module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def parse(source: str, nested: bool = False) -> ParsedCommand:
    """Parse ``source``; the result lists every segment or why it cannot.

    ``nested``: a script another command runs (``bash -c``), which may inherit variables
    the outer command set.
    """
    problem = _check_text(source)
    if problem is not None:
        return ParsedCommand(source, (), (problem,))
    data = source.encode("utf-8", "surrogateescape")
    tree = _parser().parse(data)
    walker = _Walker(source, data, nested)
    walker.root = tree.root_node
    walker.visit(tree.root_node, (), 0)
    found = len(walker.problems)
    walker.check_arithmetic()  # literal code evaluated: the values need no second report
    walker.problems.extend(walker.evaluations.problems(values=len(walker.problems) == found))
    if tree.root_node.has_error and not walker.problems:  # an ERROR the walk did not reach
        walker.problems.append(Problem("bash syntax gatekeep cannot parse",
                                       Span(0, len(source))))
    walker.check_gaps(tree.root_node)
    return ParsedCommand(source, tuple(walker.segments), tuple(walker.problems))


def _check_text(source: str) -> Problem | None:
    if len(source) > MAX_LENGTH:
        return Problem(f"command longer than {MAX_LENGTH} characters", Span(0, len(source)))
    if not source.strip():
        return Problem("empty command", Span(0, len(source)))
    if source.isascii() and _ASCII_CONTROL.search(source) is None:
        return None  # the only invisible ASCII characters are controls: one quick search
    for index, char in enumerate(source):
        reason = invisible_reason(char)
        if reason is not None:
            return Problem(reason, Span(index, index + 1))
    return None


class _Walker:
    def __init__(self, source: str, data: bytes, nested: bool = False) -> None:
        self.source = source
        self.data = data
        self.ascii = len(data) == len(source)
        self.segments: list[Segment] = []
        self.problems: list[Problem] = []
        self.arithmetic: Span | None = None
        self.code_in_literal: Span | None = None
        self.evaluations = Evaluations(nested)
        # Words tree-sitter put in a redirection that are arguments, per command being read.
        self.stray: list[list[Word]] = [[]]
        # in one pass of a loop over literal words: its variable -> this pass's word
        self.bindings: dict[str, str] = {}
        self.root: Node | None = None  # the whole command's tree (loop_binding reads it all)

    # -- positions -------------------------------------------------------
    def span(self, node: Node) -> Span:
        if self.ascii:
            return Span(node.start_byte, node.end_byte)
        return Span(self._char(node.start_byte), self._char(node.end_byte))

    def _char(self, byte: int) -> int:
        return len(self.data[:byte].decode("utf-8", "surrogateescape"))

    def text(self, node: Node) -> str:
        span = self.span(node)
        return self.source[span.start : span.end]

    def word(self, node: Node) -> Word:
        return word_from_node(node, self.data, self.span(node), self.bindings or None)

    def problem(self, reason: str, node: Node) -> None:
        self.problems.append(Problem(reason, self.span(node)))

    # -- walking ---------------------------------------------------------
    def visit(self, node: Node, via: tuple[str, ...], depth: int) -> None:
        if depth > MAX_DEPTH:
            self.problem(f"nesting deeper than {MAX_DEPTH} levels", node)
            return
        if node.is_missing:
            self.problem(f"incomplete command: missing {node.type!r}", node)
            return
        kind = node.type
        if kind == "ERROR":
            self.problem("bash syntax gatekeep cannot parse", node)
            return
        if kind in _ARITHMETIC or (kind in _ARITHMETIC_TEXT
                                   and _arithmetic_text(kind, self.text(node))):
            self.arithmetic = self.arithmetic or self.span(node)
        if kind in ("raw_string", "string_content", "ansi_c_string", "heredoc_content"):
            text = self.text(node)
            if "$(" in text or "`" in text:
                self.code_in_literal = self.code_in_literal or self.span(node)
        if kind in _WORD_NODES:
            raw = node.text or b""
            if self.code_in_literal is None and (b"$" in raw or b"`" in raw or b"\\" in raw):
                self.check_literal_code(node)
            if b".." in raw and any(first.isupper() != last.isupper() for first, last
                                    in _LETTER_SEQUENCE.findall(raw)):
                self.problem("a brace sequence that makes characters bash reads again as "
                             "quoting or code (`{Z..a}` makes a backquote)", node)
            if kind == "word" and b"\n" in raw and b"\n" in _ESCAPED_BYTES.sub(b"", raw):
                # a newline ends a word; tree-sitter joins "\\cmd" on the next line to this one
                self.problem("a word running across a line end", node)
            if kind == "ansi_c_string" and _ansi_c_misread(raw):
                self.problem("an ANSI-C string gatekeep's parser ends in the wrong place", node)
        elif kind == "simple_expansion" and not _SIMPLE_EXPANSION.fullmatch(node.text or b""):
            # "$ $(cmd)": tree-sitter reads "$ $" as a variable and "(cmd)" as text
            self.problem("a $ gatekeep's parser reads as a variable", node)
        elif kind == "variable_name" and node.parent is not None \
                and node.parent.type == "variable_assignment" \
                and not _NAME.fullmatch(node.text or b""):
            # "--x=1": not a name, so bash runs the word as a program
            self.problem("a word gatekeep's parser reads as an assignment", node)
        elif kind == "command_substitution" and node.children and node.children[0].type == "`":
            opener = node.children[0].text or b""
            body = self.text(node)[len(opener):-1]
            if opener != b"`":
                # "\ `a``b`": tree-sitter took the text before the backtick into its opener
                self.problem("a backtick substitution gatekeep's parser opens elsewhere", node)
            elif "`" in _ESCAPED.sub("", body):
                self.problem("adjacent backtick substitutions (`a``b`)", node)
            elif _BACKTICK_ESCAPE.search(body):
                # bash removes these escapes and parses the rest again: \` nests a substitution
                self.problem("an escaped $, `, \\, \" or line end inside backticks", node)
        if kind in _EVALUATED:
            self.note_evaluation(node, kind)
        handler = _HANDLERS.get(kind)
        if handler is not None:
            handler(self, node, via, depth)
        elif kind in _CONTAINERS:
            step = _CONTAINERS[kind]
            inner = via + (step,) if step else via
            self.children(node, inner, depth + (1 if step else 0))
        elif kind in _LEAVES or not node.is_named:
            self.children(node, via, depth)
        else:
            self.problem(f"unsupported bash construct: {kind}", node)

    def note_evaluation(self, node: Node, kind: str) -> None:  # kind: one of _EVALUATED
        """Record what bash evaluates as code here, and the variables a loop sets."""
        evaluations = self.evaluations
        if kind == "arithmetic_expansion" or (kind == "compound_statement"
                                              and self.text(node).startswith("((")):
            evaluations.names_in(node, self.span(node))
        elif kind == "c_style_for_statement":
            for field in ("initializer", "condition", "update"):
                for part in node.children_by_field_name(field):
                    evaluations.names_in(part, self.span(node))
        elif kind == "subscript":
            for index in node.children_by_field_name("index"):
                evaluations.names_in(index, self.span(node))
        elif kind == "expansion" and evaluations.expansion(node, self.span(node)):
            self.arithmetic = self.arithmetic or self.span(node)  # a name with a subscript
        elif kind in ("for_statement", "select_statement"):
            variable = node.child_by_field_name("variable")
            values = node.children_by_field_name("value")
            if variable is not None:
                static = bool(values) and kind == "for_statement" and all(
                    self.word(v).static for v in values)
                for value in values or [variable]:  # `for x; do`: the positional parameters
                    evaluations.assigned(self.text(variable), value, static)

    def children(self, node: Node, via: tuple[str, ...], depth: int) -> None:
        for child in node.children:
            self.visit(child, via, depth)

    def on_for(self, node: Node, via: tuple[str, ...], depth: int) -> None:
        """A ``for`` loop: its body read once per literal word when ``loop_binding`` says
        which variable they give, else once, as any loop (the variable unknown)."""
        inner = via + ("loop",)
        binding = None if self.bindings else self.loop_binding(node)
        body = node.child_by_field_name("body")
        if binding is None or body is None:
            self.children(node, inner, depth + 1)
            return
        name, values = binding
        for child in node.children:
            if child != body:
                self.visit(child, inner, depth + 1)
        for value in values:
            self.bindings = {name: value}
            try:
                self.visit(body, inner, depth + 1)
            finally:
                self.bindings = {}

    def may_set_by_value(self) -> bool:
        """Whether a part of the command may set a variable by a name a value holds, read
        with quotes removed (`pr""intf "-vab"`, `re''ad`): a declaration, `unset`, a
        coprocess, a program whose name is known only at run time (the loop's own variable
        too) or is one of ``_LOOP_SETTERS``', or `printf` given a word that may be its `-v`
        or a redirection (which may hold its words)."""
        stack = [self.root] if self.root is not None else []
        while stack:
            node = stack.pop()
            stack.extend(node.children)
            if node.type in ("declaration_command", "unset_command", "coproc"):
                return True
            if node.type != "command":
                continue
            named = node.child_by_field_name("name")
            if named is None or not named.children:
                continue
            program = self.word(named.children[0])
            if not program.static or program.value is None \
                    or _LOOP_SETTERS.fullmatch(program.value):
                return True  # the loop's own variable too: `for p in printf; do $p -vp`
            first = node.children_by_field_name("argument")[:1]
            if program.value.rsplit("/", 1)[-1] == "printf" and (any(
                    not w.static or (w.value or "").startswith("-")
                    for w in (self.word(a) for a in first)) or any(
                    "redirect" in c.type for c in node.children) or (
                    node.parent is not None and node.parent.type == "redirected_statement")):
                # `printf -v NAME`, a first word that may be it, or words a redirection
                # holds (`printf 2>/dev/null "-vab"`: tree-sitter's own reading)
                return True
        return False

    def loop_binding(self, node: Node) -> tuple[str, tuple[str, ...]] | None:
        """(the variable, its words) of ``for NAME in WORD...`` whose body may be read once
        per word (see ``_LOOP_NAME``), or None."""
        variable = node.child_by_field_name("variable")
        values = node.children_by_field_name("value")
        body = node.child_by_field_name("body")
        if node.children[0].type != "for" or variable is None or body is None \
                or not 0 < len(values) <= MAX_LOOP_VALUES:
            return None  # `select x in a b`: x is what the user picks, or nothing
        name = self.text(variable)
        words = [self.word(v) for v in values]
        if name == "_" or not _LOOP_NAME.fullmatch(name) or self.may_set_by_value() \
                or any(_LOOP_SETTERS.fullmatch(w.value or "") for w in words) or not all(
                w.static and not w.home and w.value and _LOOP_WORD.fullmatch(w.value)
                and w.raw == w.value for w in words):
            return None
        source = self.source
        if _LOOP_SETTERS.search(source):
            return None
        header = self.span(variable).start
        inside = self.span(body)
        used = False
        for mention in re.finditer(rf"(?<![A-Za-z0-9_]){name}(?![A-Za-z0-9_])", source):
            start, end = mention.span()
            if start == header:
                continue
            if source[start - 1 : start] == "$" or (source[start - 2 : start] == "${"
                                                     and source[end : end + 1] == "}"):
                used = used or inside.start <= start < inside.end
                continue
            return None
        if not used:
            return None  # the body never reads it: once is enough
        return name, tuple(w.value or "" for w in words)

    def add(self, segment: Segment) -> None:
        if self.bindings:
            segment = segment._replace(binding=" ".join(
                f"{name}={value}" for name, value in self.bindings.items()))
        if len(self.segments) >= MAX_SEGMENTS:
            if len(self.segments) == MAX_SEGMENTS:
                self.problems.append(
                    Problem(f"more than {MAX_SEGMENTS} commands in one string", segment.span)
                )
                self.segments.append(segment)
            return
        self.segments.append(segment)

    def is_descriptor(self, node: Node) -> bool:
        """Whether a word is the file descriptor of the redirection right after it."""
        return self.data[node.end_byte : node.end_byte + 1] in (b"<", b">") \
            and _DESCRIPTOR.fullmatch(self.text(node)) is not None

    def check_literal_code(self, node: Node) -> None:
        """A word whose literal text, once quotes and escapes are removed, holds code."""
        text = literal_text(node)
        if "$(" in text or "`" in text:
            self.code_in_literal = self.span(node)

    def check_arithmetic(self) -> None:
        if self.arithmetic is not None and self.code_in_literal is not None:
            self.problems.append(Problem(
                "arithmetic evaluation with a string holding a command substitution "
                "(bash may run it)", self.code_in_literal))

    def check_gaps(self, root: Node) -> None:
        """Text between a node's children that no child covers: tree-sitter skipped it.

        Only blanks and line continuations may lie between tokens. bash deletes a
        backslash-newline and joins the words around it, where tree-sitter splits them;
        an escaped blank (``a\\<tab>b``) is one word to bash, where tree-sitter may drop
        the escape and split; and tree-sitter drops a lone ``-`` before ``2>file``.
        """
        stack = [root]
        while stack:
            node = stack.pop()
            kind, children = node.type, node.children  # each read builds new objects
            if kind in _NO_GAP_CHECK or not children:
                continue
            position = node.start_byte
            before: Node | None = None
            for child in (*children, None):
                end = child.start_byte if child is not None else node.end_byte
                gap = self.data[position:end]
                if not gap and before is not None and child is not None \
                        and kind in _WORD_LISTS and before.type in _WORDISH \
                        and child.type in _WORDISH:
                    self.problems.append(Problem("one word that gatekeep reads as two", Span(
                        self.span(before).start, self.span(child).end)))
                    return
                if b"\n" in gap and kind in _ONE_LINE and before is not None \
                        and child is not None and b"\n" in _CONTINUATIONS.sub(b"", gap):
                    # "echo ==" then a newline: tree-sitter ran the command on into the next line
                    self.problems.append(Problem("a command running across a line end", Span(
                        self.span(before).start, self.span(child).end)))
                    return
                if gap and kind == "variable_assignment" and _CONTINUATIONS.sub(b"", gap):
                    # X=\<newline> cmd: bash's value is empty and cmd the program
                    self.problems.append(Problem("an assignment whose value bash ends at a blank",
                                                 Span(self.span(node).start, self.span(node).end)))
                    return
                if gap and not gap.isspace() and not _dash_before_redirect(kind, before, child,
                                                                           gap):
                    words = before is not None and child is not None and before.is_named \
                        and child.is_named
                    reason = _gap_problem(gap, words)
                    if reason is not None:
                        first, last = (before, child) if words else (None, None)
                        start = self.span(first).start if first is not None else \
                            (self._char(position) if not self.ascii else position)
                        stop = self.span(last).end if last is not None else \
                            (self._char(end) if not self.ascii else end)
                        self.problems.append(Problem(reason, Span(start, stop)))
                        return
                if child is not None:
                    position = child.end_byte
                    before = child
                    stack.append(child)

    # -- handlers ----------------------------------------------------------
    def on_command(self, node: Node, via: tuple[str, ...], depth: int,
                   extra: tuple[Redirect, ...] = (), background: bool = False,
                   outer: Node | None = None, extra_argv: tuple[Word, ...] = ()) -> None:
        argv: list[Word] = []
        assignments: list[Assignment] = []
        redirects = list(extra)
        self.stray.append([])
        previous: Node | None = None  # the last redirection
        for index, child in enumerate(node.children):
            kind = child.type
            if kind in ("regex", "extglob_pattern"):
                # `ls == | rm -rf ~` in `$(...)`: tree-sitter reads a test's pattern where
                # bash reads a pipe to another command (the differential test)
                self.problem("a test's pattern gatekeep's parser reads in a command", child)
            if kind == "variable_assignment":
                assignments.append(self.assignment(child))
                self.children(child, via, depth)
            elif kind in ("file_redirect", "heredoc_redirect", "herestring_redirect"):
                redirects.extend(self.redirects(child, via, depth))
                argv.extend(self.stray[-1])
                self.stray[-1].clear()
                previous = child  # <<<a$'b'\c: a word right after it is still its word
            elif kind == "command_name" \
                    or node.field_name_for_child(index) in ("name", "argument"):
                target = child.children[0] if kind == "command_name" and child.children else child
                if self.is_descriptor(child):
                    continue  # 0<file, {fd}>file: tree-sitter reads the descriptor as a word
                if previous is not None and previous.end_byte == child.start_byte:
                    self.problem("one word that gatekeep reads as two", child)
                argv.append(self.word(target))
                self.visit(target, via, depth)
            elif kind == "comment" or not child.is_named:
                continue
            else:
                self.visit(child, via, depth)
        self.stray.pop()
        argv.extend(extra_argv)
        segment_kind = SegmentKind.COMMAND if argv else (
            SegmentKind.ASSIGNMENT if assignments else SegmentKind.REDIRECT_ONLY)
        if (argv and argv[0].value is None) or (argv and (argv[0].glob or argv[0].splits)):
            self.problem(f"the program name {argv[0].raw!r} is only known at run time", node)
        elif argv and _keyword(argv):
            self.problem(f"bash reads {_keyword(argv)!r} here as a keyword gatekeep cannot parse",
                         node)
        elif _evaluates(_builtin_run(argv)):
            self.arithmetic = self.arithmetic or self.span(node)
        if _builtin_run(argv):  # (`time` alone runs nothing)
            self.builtin_evaluation(node, _builtin_run(argv))
        shown = outer or node
        self.add(Segment(segment_kind, self.text(shown), self.span(shown), tuple(argv),
                         tuple(assignments), tuple(redirects), via, background=background))

    def on_redirected(self, node: Node, via: tuple[str, ...], depth: int) -> None:
        body = node.child_by_field_name("body")
        redirects: list[Redirect] = []
        first: Node | None = None  # the first redirection: what the redirect-only part shows
        self.stray.append([])
        for index, child in enumerate(node.children):
            if node.field_name_for_child(index) == "redirect" or child.type.endswith("_redirect"):
                first = first or child
                redirects.extend(self.redirects(child, via, depth))
            elif (body is None or child.id != body.id) and child.is_named \
                    and child.type != "comment":
                self.visit(child, via, depth)
        stray = tuple(self.stray.pop())
        if body is not None and body.type == "command" and first is not None \
                and _dash_before_redirect(node.type, body, first,
                                          gap := self.data[body.end_byte:first.start_byte]):
            # `cat - <<EOF`, `wc -l - 2>/dev/null`: tree-sitter drops the `-`, bash keeps it
            at = body.end_byte + gap.index(b"-")
            span = Span(at, at + 1) if self.ascii else Span(self._char(at), self._char(at) + 1)
            stray = (Word("-", "-", span), *stray)
        if body is not None and body.type == "command":
            self.on_command(body, via, depth, extra=tuple(redirects), outer=node,
                            extra_argv=stray)
            return
        if stray:
            self.problem("words after a redirection of a compound command or list "
                         "(gatekeep cannot tell which command they belong to)", node)
        if body is not None:
            self.visit(body, via, depth)
        if redirects:
            # shown as the redirections alone: the commands before them are parts of their own
            span = self.span(node)
            span = Span(self.span(first).start, span.end) if first is not None else span
            self.add(Segment(SegmentKind.REDIRECT_ONLY, self.source[span.start : span.end],
                             span, redirects=tuple(redirects), via=via + ("group-redirect",)))

    def redirects(self, node: Node, via: tuple[str, ...], depth: int) -> Iterator[Redirect]:
        text = self.text(node)
        if node.type == "herestring_redirect":
            self.children(node, via + ("here-string",), depth)
            yield Redirect(RedirectKind.HERESTRING, 0, None, text)
            return
        if node.type == "heredoc_redirect":
            yield from self.heredoc(node, via, depth)
            return
        if _CLOBBER.match(text):
            # ">! f", ">>! f": zsh (an agent's shell may be zsh) writes f; bash a file named "!"
            self.problem("a redirection shells read differently (>! or >>!)", node)
        fd_node = node.child_by_field_name("descriptor")
        destinations = [c for index, c in enumerate(node.children)
                        if node.field_name_for_child(index) == "destination"]
        ops = [c.type for c in node.children if not c.is_named]
        op = "".join(ops)
        kind = _REDIRECT_OPS.get(op)
        if kind is None:
            self.problem(f"unsupported redirection {text!r}", node)
            return
        # tree-sitter gives a redirection every word up to the next operator; bash takes
        # one (none after >&- and <&-), and the rest are the command's arguments.
        taken = 0 if kind is RedirectKind.CLOSE else 1
        destination = destinations[0] if taken and destinations else None
        target = self.word(destination) if destination is not None else None
        if destination is not None:
            self.visit(destination, via, depth)
        for word in destinations[taken:]:
            if self.is_descriptor(word):
                continue  # >o 2>e: the next redirection's descriptor
            self.stray[-1].append(self.word(word))
            self.visit(word, via, depth)
        if len(destinations) > taken:  # the redirection's own text ends at what it takes
            last = destination or [c for c in node.children if not c.is_named][-1]
            text = self.source[self.span(node).start : self.span(last).end]
        if kind is RedirectKind.DUPLICATE and target is not None and target.value is not None:
            if target.value == "-":
                kind = RedirectKind.CLOSE
            elif not target.value.isdigit():
                kind = RedirectKind.WRITE if op == ">&" else RedirectKind.READ
        fd_text = self.text(fd_node) if fd_node is not None else None
        if fd_text is not None and not fd_text.isdecimal():
            self.problem(f"unsupported redirection {text!r}", node)
            return
        yield Redirect(kind, int(fd_text) if fd_text is not None else None, target, text)

    def heredoc(self, node: Node, via: tuple[str, ...], depth: int) -> Iterator[Redirect]:
        """A heredoc redirect; tree-sitter nests the rest of the opener line in it."""
        rest: list[Node] = []
        redirects: list[Redirect] = []
        body = ""
        start = next((c for c in node.children if c.type == "heredoc_start"), None)
        quoted = start is not None and any(q in self.text(start) for q in "'\"\\")
        if start is not None and _NOT_IN_WORD.search(self.text(start)):
            # tree-sitter ran the delimiter on past the word's end (<<E''||cmd)
            self.problem("a here-document delimiter gatekeep cannot read", start)
        elif start is not None and self.heredoc_misread(node, start):
            self.problem("a here-document gatekeep's parser reads elsewhere than bash", node)
        for index, child in enumerate(node.children):
            if child.type in ("file_redirect", "herestring_redirect"):
                redirects.extend(self.redirects(child, via, depth))
            elif node.field_name_for_child(index) == "argument":  # p <<E arg: the command's
                self.stray[-1].append(self.word(child))
                self.visit(child, via, depth)
            elif child.type == "heredoc_body":
                body = self.text(child)
                reason = None if quoted else _unparsed_body(body, child)
                if reason is not None:
                    self.problem(reason, child)
                self.visit(child, via, depth)
            elif child.is_named and child.type not in ("heredoc_start", "heredoc_end"):
                rest.append(child)
        for child in rest:
            self.visit(child, via, depth)
        # `3<<'EOF'`, `{x}<<'EOF'`: the here-document is that descriptor's, not the input's
        # (red team 94); None for one named by a variable
        opener = self.text(node).split("\n", 1)[0]
        # (tree-sitter may leave `{x}` to the word before: a word glued to `<<` that bash
        # reads as a descriptor, digits or a variable's name in braces, counts)
        glued = self.data[:node.start_byte].rsplit(maxsplit=1)
        before = glued[-1].decode(errors="replace") \
            if glued and not self.data[:node.start_byte][-1:].isspace() else ""
        descriptor = opener.split("<<", 1)[0] or (before if _DESCRIPTOR.fullmatch(before) else "")
        fd = int(descriptor) if descriptor.isdigit() else None if descriptor else 0
        yield Redirect(RedirectKind.HEREDOC, fd, None, opener, body, quoted)
        yield from redirects

    def heredoc_misread(self, node: Node, start: Node) -> bool:
        """Whether tree-sitter's here-document is not bash's.

        bash reads the body from the line after the operator up to a line that is the
        delimiter (quotes removed; leading tabs too after ``<<-``). tree-sitter may run
        the opener line on into the body (``<<E |`` then a newline) or end the body on
        another line.
        """
        line_end = self.data.find(b"\n", start.end_byte)
        for child in node.children:
            if child.type in ("heredoc_body", "heredoc_end"):
                continue
            if line_end >= 0 and child.end_byte > line_end and child.start_byte > start.start_byte:
                return True
        end = next((c for c in node.children if c.type == "heredoc_end"), None)
        if end is None or end.is_missing:
            return False  # reported as incomplete
        delimiter = re.sub(r"['\"\\]", "", self.text(start))
        text = self.text(end).rstrip("\n")
        if any(c.type == "<<-" for c in node.children):
            text = text.lstrip("\t")
        return text != delimiter

    def builtin_evaluation(self, node: Node, argv: list[Word]) -> None:
        """Names a builtin sets (read, printf -v), expressions it evaluates (let, test -v)."""
        program = argv[0].value
        self.evaluations.set_by_builtin(program, [w.value or "" for w in argv[1:]])
        if program == "let":
            for child in node.children_by_field_name("argument"):
                self.evaluations.names_in(child, self.span(node))
        if program in ("test", "[") and any(
                w.value in ("-v", "-R") and not (nxt.static and nxt.raw == nxt.value
                                                 and _PLAIN_NAME.fullmatch(nxt.value or ""))
                for w, nxt in pairwise(argv)):
            self.problem("test -v with a name known only at run time (bash evaluates its "
                         "subscript, which can run commands)", node)

    def assignment(self, node: Node) -> Assignment:
        name = node.child_by_field_name("name")
        value = node.child_by_field_name("value")
        name_text = self.text(name) if name is not None else ""
        word = self.word(value) if value is not None else None
        self.evaluations.assigned(name_text, value, word is None or word.static)
        return Assignment(name_text, self.word(value) if value is not None else None,
                          self.text(node))

    def on_assignment(self, node: Node, via: tuple[str, ...], depth: int) -> None:
        self.children(node, via, depth)
        self.add(Segment(SegmentKind.ASSIGNMENT, self.text(node), self.span(node),
                         assignments=(self.assignment(node),), via=via))

    def on_assignments(self, node: Node, via: tuple[str, ...], depth: int) -> None:
        for child in node.children:
            self.visit(child, via, depth)

    def on_declaration(self, node: Node, via: tuple[str, ...], depth: int) -> None:
        self.arithmetic = self.arithmetic or self.span(node)  # names may have subscripts
        argv: list[Word] = []
        assignments: list[Assignment] = []
        for child in node.children:
            if child.type == "variable_assignment":
                assignments.append(self.assignment(child))
                argv.append(self.word(child))
                self.children(child, via, depth)
                continue
            if child.is_named:
                argv.append(self.word(child))
            else:
                argv.insert(0, Word(self.text(child), self.text(child), self.span(child)))
            self.visit(child, via, depth)
        self.add(Segment(SegmentKind.DECLARATION, self.text(node), self.span(node),
                         tuple(argv), tuple(assignments), via=via))

    def on_function(self, node: Node, via: tuple[str, ...], depth: int) -> None:
        name_node = node.child_by_field_name("name")
        name = self.text(name_node) if name_node is not None else "?"
        self.add(Segment(SegmentKind.FUNCTION, self.text(node), self.span(node), via=via,
                         name=name))
        for child in node.children:
            if name_node is None or child.id != name_node.id:
                self.visit(child, via + (f"function {name}",), depth + 1)

    def on_substitution(self, node: Node, via: tuple[str, ...], depth: int) -> None:
        """``$(...)``; bash reads a file for ``$(< file)`` without running a program."""
        named = [c for c in node.children if c.is_named and c.type != "comment"]
        if named and all(c.type == "file_redirect" for c in named):
            self.stray.append([])
            redirects = [r for c in named for r in self.redirects(c, via, depth)]
            if self.stray.pop():
                self.problem("words after the file of $(< file)", node)
                return
            self.add(Segment(SegmentKind.REDIRECT_ONLY, self.text(node), self.span(node),
                             redirects=tuple(redirects), via=(*via, "command-substitution")))
            return
        self.children(node, (*via, "command-substitution"), depth + 1)

    def on_test(self, node: Node, via: tuple[str, ...], depth: int) -> None:
        if self.text(node).startswith("[") and not self.text(node).startswith("[["):
            # `[ a > f ]`: the grammar reads a comparison, bash a redirect that writes f
            stack = list(node.children)
            while stack:
                child = stack.pop()
                if not child.is_named and child.type in _REDIRECT_TOKENS:
                    self.problem(f"{child.type!r} inside [ ] is a redirect in bash, not a "
                                 "comparison (write it quoted: \\>)", child)
                    return
                stack.extend(child.children)
        stack = list(node.children)
        while stack:  # `[ -v b* ]`, `[[ -v $(cat f) ]]`: bash evaluates a subscript in it
            child = stack.pop()
            following = child.next_sibling
            if child.type == "test_operator" and self.text(child) in ("-v", "-R") and (
                    following is None or not _PLAIN_NAME.fullmatch(self.text(following))):
                self.problem(f"test {self.text(child)} with no plain name (bash evaluates a "
                             "subscript in it, which can run commands)", child)
                return
            stack.extend(child.children)
        self.evaluations.test(node, self.span(node))
        self.children(node, via, depth)
        self.add(Segment(SegmentKind.TEST, self.text(node), self.span(node), via=via))

    def on_list(self, node: Node, via: tuple[str, ...], depth: int) -> None:
        """Lists and programs: mark commands followed by ``&`` as background."""
        step = _CONTAINERS.get(node.type)
        if step:
            via, depth = via + (step,), depth + 1
        children = node.children
        for index, child in enumerate(children):
            background = index + 1 < len(children) and children[index + 1].type == "&"
            if background and child.type == "command":
                self.on_command(child, via, depth, background=True)
            elif background:
                self.visit(child, via + ("background",), depth)
            else:
                self.visit(child, via, depth)


def _ansi_c_misread(raw: bytes) -> bool:
    """Whether bash ends ``$'...'`` elsewhere than tree-sitter did (it misreads ``\\\\'``)."""
    index = 2
    while index < len(raw) - 1:
        if raw[index] == 0x5C:  # a backslash escapes the next character
            index += 2
        elif raw[index] == 0x27:  # a quote before the last character ends the string
            return True
        else:
            index += 1
    return index != len(raw) - 1 or raw[-1:] != b"'"


def _dash_before_redirect(kind: str, before: Node | None, child: Node | None,
                          gap: bytes) -> bool:
    """Whether ``gap`` is a lone ``-`` word that tree-sitter drops between a command and
    its first redirection (`cat - <<EOF`, `cat - 2>/dev/null`): a word to bash."""
    return kind == "redirected_statement" and before is not None and child is not None \
        and before.type == "command" and child.type.endswith("_redirect") \
        and gap.strip() == b"-" and gap[:1].isspace() and gap[-1:].isspace()


def _gap_problem(gap: bytes, words: bool) -> str | None:
    """Why text between two nodes (two words: ``words``) or at a node's edge is a problem."""
    if words and _CONTINUATIONS.fullmatch(gap):
        return "a line continuation inside a word (bash joins the parts)"
    rest = _CONTINUATIONS.sub(b"", gap)
    if not rest.strip():
        return None
    if b"\\" in rest:
        return "an escaped blank between words (bash keeps it in the word)"
    return "text gatekeep's parser skipped"


def _keyword(argv: list[Word]) -> str | None:
    """A reserved word where bash reads one (first, or after time [-p]), left as a word."""
    raws = [w.raw for w in argv[:3]]
    if raws[0] == "time":
        raws = raws[2:] if raws[1:2] == ["-p"] else raws[1:]
        return raws[0] if raws and raws[0] in _KEYWORDS - {"time"} else None
    return raws[0] if raws[0] in _KEYWORDS else None


def _builtin_run(argv: list[Word]) -> list[Word]:
    """The words of the builtin that ``command``, ``builtin`` or ``time`` run (``command -p
    test -v b*`` runs the builtin ``test``, which evaluates the name's subscript)."""
    at = 0
    while at < len(argv) and argv[at].value in _BUILTIN_RUNNERS:
        at += 1
        while at < len(argv) and (argv[at].value or "").startswith("-"):
            at += 1  # `command -p`, `time -p`, `--`
    return argv[at:]


def _evaluates(argv: list[Word]) -> bool:
    """Whether a builtin reads a name or an expression from its arguments (see _EVALUATES)."""
    if not argv:
        return False
    program = argv[0].value
    if program in _EVALUATES:
        return True
    return program in _EVALUATES_WITH_OPTION and any(
        w.value is None or w.splits or w.value.startswith(("-v", "-R")) for w in argv[1:])


def _arithmetic_text(kind: str, text: str) -> bool:
    """``((...))``, and ``${s:offset}`` or ``${a[i]}``, whose parts bash evaluates as arithmetic."""
    if kind == "compound_statement":
        return text.startswith("((")
    return kind == "expansion" and (":" in text[2:] or "[" in text)


def _unparsed_body(text: str, body: Node) -> str | None:
    """Why an unquoted here-document body hides code tree-sitter did not parse, or None.

    tree-sitter-bash never parses `...` in a body, and drops ``$(...)`` on a line
    that starts with blanks; bash runs both.
    """
    openers = 0
    index = 0
    while index < len(text):
        if text[index] == "\\":
            index += 2
            continue
        if text[index] == "`":
            return "backtick command substitution in a here-document body"
        if text.startswith(("$(", "$["), index):
            openers += 1
        index += 1
    if openers > _count(body, ("command_substitution", "arithmetic_expansion")):
        return "a substitution in a here-document body that gatekeep cannot parse"
    return None


def _count(node: Node, kinds: tuple[str, ...]) -> int:
    return sum(_count(child, kinds) for child in node.children) + (node.type in kinds)


_HANDLERS = {
    "for_statement": _Walker.on_for,
    "command": _Walker.on_command,
    "redirected_statement": _Walker.on_redirected,
    "variable_assignment": _Walker.on_assignment,
    "variable_assignments": _Walker.on_assignments,
    "declaration_command": _Walker.on_declaration,
    "unset_command": _Walker.on_declaration,
    "function_definition": _Walker.on_function,
    "command_substitution": _Walker.on_substitution,
    "test_command": _Walker.on_test,
    "program": _Walker.on_list,
    "list": _Walker.on_list,
    "compound_statement": _Walker.on_list,
    "do_group": _Walker.on_list,
    "subshell": _Walker.on_list,
}
