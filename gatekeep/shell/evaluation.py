"""Variables whose values bash evaluates as code: arithmetic, indirection, prompt strings.

bash evaluates a variable's value as an arithmetic expression in ``$((x))``, ``((x))``,
``${s:x}``, ``${a[x]}``, ``[[ x -eq 1 ]]`` and ``let``; a value such as ``a[$(cmd)]``
then runs ``cmd`` (the subscript is expanded). ``${!x}`` does the same with the name x
holds, and ``${x@P}`` expands the value as a prompt string, command substitutions
included. A value is trusted only when this command set it to literal text or to the
result of arithmetic (checked for literal code elsewhere); a value read, substituted,
globbed, or set by bash itself (``$_``, ``$PWD``) is not. A variable the command never sets
comes from the operator's environment, except in a script run by the command (``bash -c``,
``eval``): there it may come from the command itself (``export X=$(cat f); bash -c ...``).
"""

from __future__ import annotations

from tree_sitter import Node

from gatekeep.runtime.patterns import on_use
from gatekeep.shell.model import Problem, Span

_IDENTIFIER = on_use(r"(?<![\w#])[A-Za-z_][A-Za-z0-9_]*")
_NAME = on_use(r"[A-Za-z_][A-Za-z0-9_]*\Z")
# Variables bash keeps as numbers, whatever the command does.
NUMERIC = frozenset({
    "RANDOM", "SRANDOM", "SECONDS", "LINENO", "EPOCHSECONDS", "BASHPID", "PPID", "UID",
    "EUID", "OPTIND", "SHLVL", "HISTCMD", "COLUMNS", "LINES", "BASH_SUBSHELL", "#", "?", "$",
    "!",
})
# Variables bash sets to text another command chose: the last argument, a directory name,
# what read, getopts or mapfile took, the positional parameters (`set -- "$(cat f)"`).
SHELL_SET = frozenset({
    "_", "PWD", "OLDPWD", "REPLY", "OPTARG", "MAPFILE", "BASH_REMATCH", "BASH_COMMAND",
    "BASH_ARGV", "BASH_ARGV0", "BASH_SOURCE", "FUNCNAME", "COPROC", "DIRSTACK",
    "READLINE_LINE", "COMP_LINE", "COMP_WORDS", "@", "*",
})
# Arithmetic comparisons of [[ ]]: both sides are evaluated as expressions.
_ARITHMETIC_TESTS = frozenset({"-eq", "-ne", "-lt", "-le", "-gt", "-ge"})
# Builtins that set the variables named in their arguments to text from elsewhere.
_SETTERS = frozenset({"read", "mapfile", "readarray", "getopts", "wait", "printf", "select"})
# Value nodes whose result is a number or literal text.
_TRUSTED_VALUES = frozenset({"number", "arithmetic_expansion"})


class Evaluations:
    """What one script evaluates, and what it sets; ``problems()`` judges them together."""

    def __init__(self, nested: bool = False) -> None:
        self.nested = nested  # a script the command runs: unset names come from the command
        self.evaluated: dict[str, Span] = {}
        self.trusted: dict[str, set[str]] = {}  # name -> names its literal values mention
        self.untrusted: set[str] = set()
        self.prompts: list[Span] = []

    def evaluate(self, name: str, span: Span) -> None:
        self.evaluated.setdefault(name, span)

    def names_in(self, node: Node, span: Span) -> None:
        """Every variable an arithmetic context mentions (``i`` in ``i<n`` is a word)."""
        stack = [node]
        while stack:
            current = stack.pop()
            if current.type == "expansion" and _text(current).startswith("${#"):
                continue  # ${#x}, ${#a[@]}: a length, always a number
            if current.type in ("command_substitution", "process_substitution"):
                self.untrusted.add(_text(current))  # $(( $(cat f) )): the output is evaluated
                self.evaluate(_text(current), span)
                continue
            if current.type in ("variable_name", "word", "special_variable_name"):
                text = _text(current)
                if _NAME.match(text) or text in NUMERIC or text.isdigit():
                    self.evaluate(text, span)
                elif current.type == "word":  # let 'x+y', a[i+1]: a word may hold an expression
                    for match in _IDENTIFIER.finditer(text):
                        self.evaluate(match.group(0), span)
            stack.extend(current.children)

    def expansion(self, node: Node, span: Span) -> bool:
        """``${x@P}``, ``${!x}``, ``${s:off:len}``: prompt strings, names and numbers.

        Returns whether the expansion evaluates a name (``${!x}``).
        """
        kinds = [c.type for c in node.children]
        if "@" in kinds and kinds.index("@") + 1 < len(kinds) \
                and _text(node.children[kinds.index("@") + 1]) == "P":
            self.prompts.append(span)
        # `${!x@}` and `${!x*}` list names; `${!x@Q}` expands the variable x names
        indirect = len(kinds) > 2 and kinds[1] == "!" and not (
            kinds[2] == "subscript" or (kinds[3:] in (["@", "}"], ["*", "}"])))
        if indirect:
            self.evaluate(_text(node.children[2]), span)  # ${!x}: the name x holds is evaluated
        if ":" in kinds:
            for child in node.children[kinds.index(":") + 1 :]:
                self.names_in(child, span)
        return indirect

    def test(self, node: Node, span: Span) -> None:
        """``[[ a -eq b ]]``: both sides are arithmetic."""
        stack = [node]
        while stack:
            current = stack.pop()
            if current.type == "binary_expression" and any(
                    c.type == "test_operator" and _text(c) in _ARITHMETIC_TESTS
                    for c in current.children):
                self.names_in(current, span)
            stack.extend(current.children)

    def assigned(self, name: str, value: Node | None, static: bool) -> None:
        base = name.split("[", 1)[0]
        if value is None or value.type in _TRUSTED_VALUES or static:
            mentioned = set(_IDENTIFIER.findall(_text(value))) if value is not None else set()
            self.trusted.setdefault(base, set()).update(mentioned)
        else:
            self.untrusted.add(base)

    def set_by_builtin(self, program: str | None, words: list[str]) -> None:
        if program in _SETTERS:
            self.untrusted.update(w.split("[", 1)[0] for w in words if _NAME.match(
                w.split("[", 1)[0]))
            if program in ("mapfile", "readarray"):
                self.untrusted.add("MAPFILE")

    def problems(self, values: bool = True) -> list[Problem]:
        found = [Problem("${...@P} expands the value as a prompt string, which runs the "
                         "command substitutions in it", span) for span in self.prompts]
        if not values:
            return found
        seen: set[str] = set()
        pending = list(self.evaluated.items())
        while pending:
            name, span = pending.pop()
            if name in seen:
                continue
            seen.add(name)
            if self.untrusted_value(name):
                what = f"the output of {name}" if name.startswith(("$", "`", "<", ">")) \
                    else f"the value of {name}"
                found.append(Problem(
                    f"bash evaluates {what} as code (arithmetic or a name with "
                    "a subscript), and that value is only known at run time", span))
                return found
            pending.extend((other, span) for other in self.trusted.get(name, ()))
        return found


    def untrusted_value(self, name: str) -> bool:
        if name in self.untrusted or name in SHELL_SET or name.isdigit():
            return True
        return self.nested and name not in self.trusted and name not in NUMERIC


def _text(node: Node) -> str:
    return (node.text or b"").decode("utf-8", "surrogateescape")
