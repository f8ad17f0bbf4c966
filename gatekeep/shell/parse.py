"""Parse a command string with tree-sitter-bash into a :class:`ParsedCommand`.

Every simple command anywhere in the tree becomes a segment. Anything the
walker does not recognise, any ERROR or MISSING node, a dynamic program name,
too many segments or too deep nesting makes the command unparseable: it is
reported, never partially judged.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from itertools import pairwise

import tree_sitter_bash
from tree_sitter import Language, Node, Parser

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
from gatekeep.shell.words import word_from_node
from gatekeep.text import invisible_reason

MAX_SEGMENTS = 100
MAX_DEPTH = 12
MAX_LENGTH = 100_000

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

_CONTINUATIONS = re.compile(rb"(?:\\\n)+")


@lru_cache(maxsize=1)
def _parser() -> Parser:
    return Parser(Language(tree_sitter_bash.language()))


def parse(source: str) -> ParsedCommand:
    """Parse ``source``; the result lists every segment or why it cannot."""
    problem = _check_text(source)
    if problem is not None:
        return ParsedCommand(source, (), (problem,))
    data = source.encode("utf-8", "surrogateescape")
    tree = _parser().parse(data)
    walker = _Walker(source, data)
    walker.visit(tree.root_node, (), 0)
    walker.check_arithmetic()
    if b"\\\n" in data:
        walker.check_continuations(tree.root_node)
    return ParsedCommand(source, tuple(walker.segments), tuple(walker.problems))


def _check_text(source: str) -> Problem | None:
    if len(source) > MAX_LENGTH:
        return Problem(f"command longer than {MAX_LENGTH} characters", Span(0, len(source)))
    if not source.strip():
        return Problem("empty command", Span(0, len(source)))
    for index, char in enumerate(source):
        reason = invisible_reason(char)
        if reason is not None:
            return Problem(reason, Span(index, index + 1))
    return None


class _Walker:
    def __init__(self, source: str, data: bytes) -> None:
        self.source = source
        self.data = data
        self.ascii = len(data) == len(source)
        self.segments: list[Segment] = []
        self.problems: list[Problem] = []
        self.arithmetic: Span | None = None
        self.code_in_literal: Span | None = None

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
        return word_from_node(node, self.data, self.span(node))

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
        if kind in _ARITHMETIC or _arithmetic_text(kind, self.text(node)):
            self.arithmetic = self.arithmetic or self.span(node)
        if kind in ("raw_string", "string_content", "ansi_c_string", "heredoc_content"):
            text = self.text(node)
            if "$(" in text or "`" in text:
                self.code_in_literal = self.code_in_literal or self.span(node)
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

    def children(self, node: Node, via: tuple[str, ...], depth: int) -> None:
        for child in node.children:
            self.visit(child, via, depth)

    def add(self, segment: Segment) -> None:
        if len(self.segments) >= MAX_SEGMENTS:
            if len(self.segments) == MAX_SEGMENTS:
                self.problems.append(
                    Problem(f"more than {MAX_SEGMENTS} commands in one string", segment.span)
                )
                self.segments.append(segment)
            return
        self.segments.append(segment)

    def check_arithmetic(self) -> None:
        if self.arithmetic is not None and self.code_in_literal is not None:
            self.problems.append(Problem(
                "arithmetic evaluation with a string holding a command substitution "
                "(bash may run it)", self.code_in_literal))

    def check_continuations(self, root: Node) -> None:
        """bash deletes backslash-newline and joins the words around it; tree-sitter splits them."""
        stack = [root]
        while stack:
            node = stack.pop()
            for before, after in pairwise(node.children):
                gap = self.data[before.end_byte : after.start_byte]
                if before.is_named and after.is_named and _CONTINUATIONS.fullmatch(gap):
                    self.problems.append(Problem(
                        "a line continuation inside a word (bash joins the parts)",
                        Span(self.span(before).start, self.span(after).end)))
                    return
            stack.extend(node.children)

    # -- handlers ----------------------------------------------------------
    def on_command(self, node: Node, via: tuple[str, ...], depth: int,
                   extra: tuple[Redirect, ...] = (), background: bool = False,
                   outer: Node | None = None) -> None:
        argv: list[Word] = []
        assignments: list[Assignment] = []
        redirects = list(extra)
        for index, child in enumerate(node.children):
            field = node.field_name_for_child(index)
            kind = child.type
            if kind == "variable_assignment":
                assignments.append(self.assignment(child))
                self.children(child, via, depth)
            elif kind in ("file_redirect", "heredoc_redirect", "herestring_redirect"):
                redirects.extend(self.redirects(child, via, depth))
            elif field == "name" or field == "argument" or kind == "command_name":
                target = child.children[0] if kind == "command_name" and child.children else child
                argv.append(self.word(target))
                self.visit(target, via, depth)
            elif kind == "comment" or not child.is_named:
                continue
            else:
                self.visit(child, via, depth)
        segment_kind = SegmentKind.COMMAND if argv else (
            SegmentKind.ASSIGNMENT if assignments else SegmentKind.REDIRECT_ONLY)
        if (argv and argv[0].value is None) or (argv and (argv[0].glob or argv[0].splits)):
            self.problem(f"the program name {argv[0].raw!r} is only known at run time", node)
        shown = outer or node
        self.add(Segment(segment_kind, self.text(shown), self.span(shown), tuple(argv),
                         tuple(assignments), tuple(redirects), via, background=background))

    def on_redirected(self, node: Node, via: tuple[str, ...], depth: int) -> None:
        body = node.child_by_field_name("body")
        redirects: list[Redirect] = []
        for index, child in enumerate(node.children):
            if node.field_name_for_child(index) == "redirect" or child.type.endswith("_redirect"):
                redirects.extend(self.redirects(child, via, depth))
            elif (body is None or child.id != body.id) and child.is_named \
                    and child.type != "comment":
                self.visit(child, via, depth)
        if body is not None and body.type == "command":
            self.on_command(body, via, depth, extra=tuple(redirects), outer=node)
            return
        if body is not None:
            self.visit(body, via, depth)
        if redirects:
            self.add(Segment(SegmentKind.REDIRECT_ONLY, self.text(node), self.span(node),
                             redirects=tuple(redirects), via=via + ("group-redirect",)))

    def redirects(self, node: Node, via: tuple[str, ...], depth: int) -> Iterator[Redirect]:
        text = self.text(node)
        if node.type == "herestring_redirect":
            self.children(node, via + ("here-string",), depth)
            yield Redirect(RedirectKind.HERESTRING, 0, None, text)
            return
        if node.type == "heredoc_redirect":
            yield from self.heredoc(node, via, depth)
            return
        fd_node = node.child_by_field_name("descriptor")
        destination = node.child_by_field_name("destination")
        ops = [c.type for c in node.children if not c.is_named]
        op = "".join(ops)
        kind = _REDIRECT_OPS.get(op)
        if kind is None:
            self.problem(f"unsupported redirection {text!r}", node)
            return
        target = self.word(destination) if destination is not None else None
        if destination is not None:
            self.visit(destination, via, depth)
        if kind is RedirectKind.DUPLICATE and target is not None and target.value is not None:
            if target.value == "-":
                kind = RedirectKind.CLOSE
            elif not target.value.isdigit():
                kind = RedirectKind.WRITE if op == ">&" else RedirectKind.READ
        fd = int(self.text(fd_node)) if fd_node is not None else None
        yield Redirect(kind, fd, target, text)

    def heredoc(self, node: Node, via: tuple[str, ...], depth: int) -> Iterator[Redirect]:
        """A heredoc redirect; tree-sitter nests the rest of the opener line in it."""
        rest: list[Node] = []
        redirects: list[Redirect] = []
        start = next((c for c in node.children if c.type == "heredoc_start"), None)
        quoted = start is not None and any(q in self.text(start) for q in "'\"\\")
        for child in node.children:
            if child.type in ("file_redirect", "herestring_redirect"):
                redirects.extend(self.redirects(child, via, depth))
            elif child.type == "heredoc_body":
                reason = None if quoted else _unparsed_body(self.text(child), child)
                if reason is not None:
                    self.problem(reason, child)
                self.visit(child, via, depth)
            elif child.is_named and child.type not in ("heredoc_start", "heredoc_end"):
                rest.append(child)
        for child in rest:
            self.visit(child, via, depth)
        yield Redirect(RedirectKind.HEREDOC, 0, None, self.text(node).split("\n", 1)[0])
        yield from redirects

    def assignment(self, node: Node) -> Assignment:
        name = node.child_by_field_name("name")
        value = node.child_by_field_name("value")
        name_text = self.text(name) if name is not None else ""
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
            redirects = [r for c in named for r in self.redirects(c, via, depth)]
            self.add(Segment(SegmentKind.REDIRECT_ONLY, self.text(node), self.span(node),
                             redirects=tuple(redirects), via=(*via, "command-substitution")))
            return
        self.children(node, (*via, "command-substitution"), depth + 1)

    def on_test(self, node: Node, via: tuple[str, ...], depth: int) -> None:
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
