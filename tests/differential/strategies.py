"""A hypothesis strategy for bash command strings, from a bash-like grammar.

The commands are built to be run by real bash in a sandbox whose PATH holds only
recording shims (:data:`SHIMS`), so every program name is a shim, a builtin that
runs nothing, or a keyword. The grammar covers every quoting form (plain, single,
double, ANSI-C, backslash escapes, concatenations), line continuations, comments,
the list and pipeline operators, subshells, groups, ``if``/``while``/``until``/``for``/
``case``, functions, command and process substitution, arithmetic, parameter
expansions, brace expansion and globs, redirections, here-documents (quoted and
unquoted delimiters, ``<<-``, substitutions in the body), here-strings,
assignments and the builtins that evaluate a string as a variable name or an
arithmetic expression (``let``, ``printf -v``, ``test -v``, ``declare -i``, ...).

Every loop ends after one pass (``break``), and no generated command reads stdin
or waits for input, so a run is bounded. What a generated string *means* does not
matter: bash is the ground truth, and the test compares what bash ran with what
gatekeep saw.

Choices shrink towards the simplest form: ``_Gen.chance`` is false, counts are
small and ``pick`` takes the first option when hypothesis shrinks a failure.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from hypothesis import strategies as st

T = TypeVar("T")

# Programs the sandbox provides: each records its argv and exits 0, except FAILING (exit 1).
SHIMS = ("p1", "p2", "p3", "cat", "ls", "rm", "x-y", "a.b")
FAILING = "nf"
PROGRAMS = SHIMS + (FAILING,)
# Builtins that run nothing themselves (their arguments may).
QUIET_BUILTINS = (":", "true", "echo", "false")
# Files the sandbox's working directory holds, and files commands may write there.
INPUT_FILES = ("in1", "in 2")
OUTPUT_FILES = ("o1", "o2", "out 3")
VARIABLES = ("X", "Y", "Z", "HOME", "IFS")

MAX_DEPTH = 3

_LETTERS = "abcxyz0129_"
_UNQUOTED = _LETTERS + ".,:@%+-/="
_UNQUOTED_RARE = "#!^~{}]"
_QUOTED_EXTRA = " \t\n;|&<>(){}*?[]#~!^%'\"=,é中"
_ANSI_ESCAPES = (
    "\\n", "\\t", "\\\\", "\\'", '\\"', "\\?", "\\a", "\\e", "\\E", "\\x41", "\\x2f", "\\x4g",
    "\\x", "\\x{72}", "\\x{2F}", "\\101", "\\7", "\\777", "\\400", "\\0", "\\x00", "\\u00e9",
    "\\u", "\\U0001F600", "\\UFFFFFFFF", "\\uD800", "\\cA", "\\c?", "\\c\\\\", "\\q", "\\x24(",
    "\\x60", "\\xff", "\\xc3\\xa9", "\\u0000",
)
_DQ_ESCAPES = ('\\"', "\\\\", "\\$", "\\`", "\\a", "\\'", "\\ ", "\\\n")
_PARAMETERS = (
    "$X", "${X}", "$1", "$#", "$?", "$$", "$@", "$*", "$-", "$_", "$HOME", "${HOME}", "${#X}",
    "${X:-w}", "${X%a}", "${!X}", "${X[0]}", "${X[@]}", "${X:+a b}", "$IFS", "${X/a/b}",
    "${X@Q}", "${X^^}",
)


class _Gen:
    """Builds one command string; ``pending`` holds here-document bodies not yet written.

    Bodies are read after the next newline token of the same parser, so subshells,
    groups and compound commands share their enclosing level, while a command or
    process substitution has its own.
    """

    def __init__(self, draw: st.DrawFn) -> None:
        self.draw = draw
        self.pending: list[list[str]] = [[]]
        self.inline = 0  # > 0: no newline tokens (in backticks, process substitutions)
        self.no_backtick = 0  # > 0: inside backticks, where a backtick would end them
        self.in_function = False

    # -- choices -----------------------------------------------------------
    def chance(self, percent: int) -> bool:
        return self.draw(st.integers(0, 99)) >= 100 - percent

    def count(self, low: int, high: int) -> int:
        return self.draw(st.integers(low, high))

    def pick(self, options: Sequence[T]) -> T:
        return self.draw(st.sampled_from(options))

    def chars(self, pool: str, low: int, high: int) -> str:
        if self.no_backtick:
            pool = pool.replace("`", "")
        return self.draw(st.text(st.sampled_from(pool), min_size=low, max_size=high))

    def blank(self) -> str:
        if not self.inline and self.chance(3):
            return " \\\n "  # a line continuation between words
        return self.pick((" ", " ", "  ", "\t"))

    # -- lists ---------------------------------------------------------------
    def program(self) -> str:
        text = self.list_(0)
        if self.chance(10):
            text += self.pick(("&", ";", " "))
        return text + self.flush()

    def flush(self) -> str:
        bodies = self.pending[-1]
        self.pending[-1] = []
        return ("\n" + "".join(bodies)) if bodies else ""

    def newline(self) -> str:
        if self.inline:
            return "; "
        comment = ""
        if self.chance(10):
            comment = " #" + self.chars(_LETTERS + " $()`'\"\\;|&", 0, 8)
        bodies = self.pending[-1]
        self.pending[-1] = []
        return comment + "\n" + "".join(bodies)

    def separator(self) -> str:
        kind = self.pick(("; ", " && ", " || ", "\n", " & ", ";", "&&", "||", "&", " ;",
                          "&&\n", "||\n"))
        if kind == "\n":
            return self.newline()
        if kind.endswith("\n"):
            return kind[:-1] + (" " if self.inline else self.newline())
        return kind

    def terminator(self, background: bool = True) -> str:
        """What ends a list before a closing keyword or brace."""
        kind = self.pick(("; ", "\n", ";", " & ") if background else ("; ", "\n", ";"))
        return self.newline() if kind == "\n" else kind

    def list_(self, depth: int) -> str:
        text = self.pipeline(depth)
        for _ in range(self.count(0, 2 if depth < 2 else 1)):
            text += self.separator() + self.pipeline(depth)
        return text

    def pipeline(self, depth: int) -> str:
        text = self.pick(("! ", "time ", "time -p ")) if self.chance(5) else ""
        if not text and self.chance(1) and self.chance(30):
            text = "coproc "  # (gatekeep does not parse coprocesses)
        compound = text == "! " and self.chance(30)  # tree-sitter reads "! if" as a command
        text += self.command(depth) if compound else self.simple(depth, not text)
        for _ in range(self.count(0, 1) if self.chance(30) else 0):
            op = self.pick((" | ", "|", " |& ", " |\n"))
            if op.endswith("\n"):
                op = " |" + (" " if self.inline else self.newline())
            text += op + self.command(depth)
        return text

    # -- commands ------------------------------------------------------------
    def command(self, depth: int) -> str:
        if depth >= MAX_DEPTH or not self.chance(20):
            return self.simple(depth)
        kind = self.pick(("subshell", "group", "if", "while", "until", "for", "cfor", "case",
                          "function", "test", "arith", "assign", "declare", "evaluates",
                          "subshell", "group", "if", "for", "case"))
        inner = depth + 1
        if kind == "subshell":
            body = self.list_(inner)
            space = " " if body.startswith("(") or self.chance(50) else ""
            return "(" + space + body + self.pick(("", " ", self.terminator())) + ")"
        if kind == "group":
            return "{ " + self.list_(inner) + self.terminator() + "}"
        if kind == "if":
            text = "if " + self.list_(inner) + self.terminator() + "then " + self.list_(inner)
            if self.chance(30):
                text += self.terminator() + "elif " + self.list_(inner) + self.terminator() \
                    + "then " + self.list_(inner)
            if self.chance(40):
                text += self.terminator() + "else " + self.list_(inner)
            return text + self.terminator() + "fi"
        if kind in ("while", "until"):
            return (f"{kind} " + self.list_(inner) + self.terminator() + "do "
                    + self.list_(inner) + self.terminator() + "break"
                    + self.pick(("; ", "\n", ";")) + "done")  # never "break &"
        if kind == "for":
            words = " ".join(self.word(inner) for _ in range(self.count(1, 2)))
            head = self.pick(("for v in " + words, "for v in " + words, "for v"))
            return (head + self.terminator(background=False) + "do " + self.list_(inner)
                    + self.terminator() + "done")
        if kind == "cfor":
            return ("for ((i=0; i<" + self.pick(("1", "2", "$(p1 c)")) + "; i++)); do "
                    + self.list_(inner) + self.terminator() + "done")
        if kind == "case":
            return self.case(inner)
        if kind == "function":
            return self.function(inner)
        if kind == "test":
            return self.test(inner)
        if kind == "arith":
            return "(( " + self.arith_expr(inner) + " ))"
        if kind == "assign":
            return self.assignment(inner)
        if kind == "declare":
            return self.declaration(inner)
        if kind == "evaluates" and self.chance(50):  # (always unparseable: kept rarer)
            return self.evaluates(inner)
        return self.simple(inner)

    def simple(self, depth: int, prefixes: bool = True) -> str:
        items: list[str] = []
        for _ in range(self.count(0, 1) if prefixes and self.chance(15) else 0):
            items.append(self.assignment(depth))
        if prefixes and self.chance(5):  # (tree-sitter cannot parse <<E or <> before the name)
            items.append(self.pick((">", "2>", "<", ">>")) + self.target(
                self.pick(INPUT_FILES), depth))
        items.append(self.program_name())
        for _ in range(self.count(0, 3)):
            items.append(self.redirect(depth) if self.chance(2) else self.word(depth))
        for _ in range(self.count(0, 1) if self.chance(20) else 0):
            items.append(self.redirect(depth))
        text = items[0]
        for item in items[1:]:
            text += self.blank() + item
        return text

    def program_name(self) -> str:
        name = self.pick(PROGRAMS + QUIET_BUILTINS) if self.chance(15) else self.pick(PROGRAMS)
        if not name[0].isalpha() or not self.chance(40):
            return name
        head, rest = name[0], name[1:]
        form = self.pick(("'{}'", '"{}"', "{h}''{r}", '{h}""{r}', "{h}\\{r}", "\\{}",
                          "$'{}'", "$'\\x{x}'{r}", '"{h}"{r}', "{h}'{r}'"))
        return form.format(name, h=head, r=rest, x=f"{ord(head):02x}")

    def case(self, depth: int) -> str:
        text = "case " + self.word(depth) + " in" + self.pick((" ", "\n"))
        for _ in range(self.count(1, 2)):
            patterns = "|".join(self.pattern() for _ in range(self.count(1, 2)))
            text += self.pick(("", "(")) + patterns + ") "
            if self.chance(80):
                text += self.list_(depth)
            text += self.pick((";;", ";&", ";;&", " ;; ")) + self.pick((" ", "\n"))
        return text + "esac"

    def pattern(self) -> str:
        return self.pick(("*", "a", "x*", "'a b'", '"$X"', "?", "[ab]", "$(p2 pat)", "v",
                          "p1", "@(a|b)"))

    def function(self, depth: int) -> str:
        name = self.pick(("f", "fn_1"))
        outer, self.in_function = self.in_function, True
        body = self.list_(depth)
        self.in_function = outer
        head = self.pick((f"{name}() ", f"function {name} ", f"function {name}() "))
        text = head + "{ " + body + self.terminator() + "}"
        if self.chance(80):
            text += self.pick(("; ", "\n")) + name
            for _ in range(self.count(0, 1)):
                text += " " + self.word(depth)
        return text

    def test(self, depth: int) -> str:
        word = self.word(depth)
        form = self.pick(("[[ {w} ]]", "[[ -n {w} ]]", "[[ {w} == {p} ]]", "[[ {w} -eq 1 ]]",
                          "[ {w} ]", "[ -n {w} ]", "test -n {w}", "[[ -v {w} ]]",
                          "[[ {w} =~ {p} ]]", "[[ ! -e {w} && -z {w} ]]"))
        return form.format(w=word, p=self.pattern())

    def arith_expr(self, depth: int) -> str:
        # (a substitution's output evaluated as arithmetic is unparseable: rare here)
        operand = self.pick(("1", "X", "$X", "i", "a[1]", "x=2", "${#X}", "'1'")
                            + (("$(p1 ar)", "`p2 ar`", "a[$(p3 ar)]") if self.chance(10) else ()))
        if self.no_backtick and "`" in operand:
            operand = "1"
        return operand + self.pick(("", " + 1", "*2", " ? 1 : 0"))

    # -- assignments and builtins that evaluate -------------------------------------
    def assignment(self, depth: int) -> str:
        name = self.pick(VARIABLES[:3] + ("a", "a[1]", "a[i]")
                         + (("a[$(p2 sub)]",) if self.chance(10) else ()))
        op = self.pick(("=", "=", "+="))
        if self.chance(15):
            elements = " ".join(self.word(depth) for _ in range(self.count(0, 2)))
            return f"{name}{op}({elements})"
        if self.chance(15):
            code = self.chance(30)  # (code in a literal, with arithmetic anywhere: unparseable)
            return name + op + self.pick(("'a[$(p1 ev)]'", "'$(p1 ev)'") if code
                                         else ("~/x", "a:~/b", "", "~+/x"))
        return name + op + self.word(depth)

    def declaration(self, depth: int) -> str:
        builtin = self.pick(("export", "declare", "readonly", "local", "typeset"))
        if builtin == "local" and not self.in_function:
            builtin = "declare"
        flags = self.pick(("", "", "-i ", "-a ", "-n ", "-x "))
        items = " ".join(self.assignment(depth) if self.chance(60) else self.word(depth)
                         for _ in range(self.count(1, 2)))
        return f"{builtin} {flags}{items}"

    def evaluates(self, depth: int) -> str:
        """A builtin that reads a variable name or an expression from a string."""
        code = self.pick(("$(p1 ev)", "`p2 ev`", "$(p3 ev x)"))
        if self.no_backtick and "`" in code:
            code = "$(p1 ev)"
        text = self.pick((f"'a[{code}]'", f'"a[\\{code}]"', "$'a[\\x24(p1 ev)]'",
                          "'a[$'\"(p1 ev)]\"", "a[\\$\\(p1\\ ev\\)]", self.word(depth)))
        form = self.pick(("let {s}", "let {s}=1", "printf -v {s} x", "read {s} <<< x",
                          "test -v {s}", "[ -v {s} ]", "[[ -v {s} ]]", "[[ {s} -eq 1 ]]",
                          "declare -i n={s}", "declare {s}=1", "declare -n r={s}; r=1",
                          "X={s}; : $((X))", "X={s}; : ${{Y:X}}", "unset {s}",
                          "X={s}; (( X ))", "a[{s}]=1", "echo $(( {s} ))"))
        return form.format(s=text)

    # -- words ---------------------------------------------------------------
    def word(self, depth: int) -> str:
        parts = [self.part(depth, first=True)]
        for _ in range(self.count(0, 2)):
            part = self.part(depth, first=False)
            if part[0] == "\\" and parts[-1][-1] in "'\"`)}" and not self.chance(30):
                part = part[1:] or "x"  # (tree-sitter splits many of these: kept rarer)
            parts.append(part)
        return "".join(parts)

    def part(self, depth: int, first: bool) -> str:
        if not self.chance(35):
            return self.chars(_UNQUOTED, 1, 4)
        kind = self.pick(("single", "double", "ansi", "escape", "substitution", "backtick",
                          "parameter", "rare", "glob", "brace", "tilde", "arith",
                          "process", "assignment-like", "translated"))
        deeper = depth + 1
        if kind == "single":
            return "'" + self.chars(_LETTERS + _QUOTED_EXTRA.replace("'", "") + "$`\\", 0, 6) + "'"
        if kind == "double":
            return self.double(deeper)
        if kind == "ansi":
            return self.ansi()
        if kind == "escape":
            char = self.pick(_LETTERS + _QUOTED_EXTRA + "$`\\ ")
            if char == "\n" and self.inline:
                char = "n"
            if self.no_backtick and char in "$`\\\"\n" and not self.chance(20):
                char = "x"  # (gatekeep never parses these in backticks: kept rarer)
            return "\\" + char
        if kind == "substitution" and depth < MAX_DEPTH:
            return self.substitution(deeper)
        if kind == "backtick" and depth < MAX_DEPTH and not self.no_backtick:
            return self.backtick(deeper)
        if kind == "parameter":
            return self.parameter(deeper)
        if kind == "rare":
            return self.chars(_UNQUOTED + _UNQUOTED_RARE, 1, 3)
        if kind == "glob":
            return self.pick(("*", "?", "[ab]", "[!a]", "in*", "o?", "*.txt", "[", "]"))
        if kind == "brace":
            return self.pick(("{a,b}", "{1..2}", "{a,}", "x{a,b}y", "{a}", "{,}", "{p1,p2}"))
        if kind == "tilde":
            return self.pick(("~", "~/x", "~+", "~-", "~nobody", "~/", "~x")) if first else "~"
        if kind == "arith" and depth < MAX_DEPTH:
            return "$((" + self.arith_expr(deeper) + "))"
        if kind == "process" and depth < MAX_DEPTH and first:
            return self.process(deeper)
        if kind == "assignment-like":
            return self.pick(("a=~/x", "of=~", "A_1=x:~/y", "--f=~/z", "a=b=~/c", "=~/x"))
        if kind == "translated" and self.chance(10):
            return '$"' + self.chars(_LETTERS + " $", 0, 4).replace("$", "\\$") + '"'
        return self.chars(_UNQUOTED, 1, 3)

    def double(self, depth: int) -> str:
        text = '"'
        for _ in range(self.count(0, 3)):
            kind = self.pick(("text", "text", "escape", "parameter", "substitution",
                              "backtick", "arith", "dollar"))
            if kind == "text":
                pool = _LETTERS + _QUOTED_EXTRA.replace('"', "")
                text += self.chars(pool, 1, 4)
            elif kind == "escape":
                escape = self.pick(_DQ_ESCAPES)
                if (escape == "\\`" and self.no_backtick) or (escape == "\\\n" and self.inline):
                    escape = "\\$"
                if self.no_backtick and escape[1] in "$`\\\"\n" and not self.chance(20):
                    escape = "\\a"  # (as above)
                text += escape
            elif kind == "parameter":
                text += self.parameter(depth)
            elif kind == "substitution" and depth < MAX_DEPTH:
                text += self.substitution(depth + 1)
            elif kind == "backtick" and depth < MAX_DEPTH and not self.no_backtick:
                text += self.backtick(depth + 1)
            elif kind == "arith" and depth < MAX_DEPTH:
                text += "$((" + self.arith_expr(depth + 1) + "))"
            else:
                text += self.pick(("$'x'", "$ ", "a$", "$'", "$\\\"", "$(( 1 ))", "${#}"))
        # a lone "$" just before the closing quote stays literal
        return text + '"'

    def ansi(self) -> str:
        body = ""
        for _ in range(self.count(0, 3)):
            if self.chance(50):
                body += self.pick(_ANSI_ESCAPES)
            else:
                body += self.chars(_LETTERS + " $\"`;(", 1, 3)
        return "$'" + body + "'"

    def parameter(self, depth: int) -> str:
        if depth < MAX_DEPTH and self.chance(10):
            return "${X:-" + self.substitution(depth + 1) + "}"
        return self.pick(_PARAMETERS)

    def substitution(self, depth: int) -> str:
        self.pending.append([])
        body = self.list_(depth)
        if not self.inline and self.chance(10):
            body += self.newline()
        tail = self.flush()
        self.pending.pop()
        space = " " if body.startswith("(") else self.pick(("", " "))
        return "$(" + space + body + tail + ")"

    def backtick(self, depth: int) -> str:
        if self.chance(5):  # bash unescapes \` \$ \\ inside, and parses the rest again
            return self.pick(("`p1 \\`p2 n\\``", "`p1 \\$(p2 n)`", "`p1 \\\\$X`"))
        self.inline += 1
        self.no_backtick += 1
        body = self.list_(depth)
        self.inline -= 1
        self.no_backtick -= 1
        return "`" + body + "`"

    def process(self, depth: int) -> str:
        self.inline += 1
        body = self.list_(depth)
        self.inline -= 1
        return self.pick(("<(", ">(")) + body + ")"

    # -- redirections --------------------------------------------------------
    def redirect(self, depth: int) -> str:
        kind = self.pick(("write", "write", "read", "dup", "heredoc", "herestring", "fdvar"))
        if kind == "heredoc" and not self.inline:
            return self.heredoc(depth)
        if kind == "herestring":
            return "<<<" + self.pick(("", " ")) + self.word(depth)
        if kind == "dup":
            return self.pick(("2>&1", ">&2", "1>&2", "<&0", "2>&-", ">&1", "0<&-"))
        if kind == "read":
            op = "<>" if self.chance(3) else self.pick(("<", "0<"))  # tree-sitter lacks <>
            return op + self.pick(("", " ")) + self.target(self.pick(INPUT_FILES), depth)
        op = self.pick((">", ">>", "2>", "&>", "&>>", ">|", "1>", "2>>", ">&"))
        if kind == "fdvar":
            op = "{fd}" + self.pick((">", ">>"))
        return op + self.pick(("", " ")) + self.target(self.pick(OUTPUT_FILES), depth)

    def target(self, name: str, depth: int) -> str:
        quoted = ("'" + name + "'") if " " in name else name
        if self.chance(20) and depth < MAX_DEPTH:
            return quoted + self.pick((self.substitution(depth + 1), "$X", "'x'", '"y"'))
        if self.chance(20):
            return '"' + name + '"'
        return quoted

    def heredoc(self, depth: int) -> str:
        delimiter = self.pick(("EOF", "E", "END_1"))
        form = self.pick((delimiter, delimiter, f"'{delimiter}'", f'"{delimiter}"',
                          f"\\{delimiter}", f"{delimiter[0]}''{delimiter[1:]}"))
        quoted = form != delimiter
        dash = self.chance(30)
        lines = [self.heredoc_line(quoted, depth) for _ in range(self.count(0, 3))]
        body = ""
        for line in lines:
            if line.lstrip("\t") == delimiter or line == delimiter:
                line += "x"
            body += ("\t" if dash and self.chance(50) else "") + line + "\n"
        body += ("\t" if dash and self.chance(50) else "") + delimiter + "\n"
        self.pending[-1].append(body)
        return "<<" + ("-" if dash else "") + self.pick(("", " ")) + form

    def heredoc_line(self, quoted: bool, depth: int) -> str:
        line = ""
        for _ in range(self.count(0, 3)):
            kind = self.pick(("text", "text", "escape", "parameter", "substitution",
                              "backtick", "quotes", "continuation"))
            if kind == "text":
                line += self.chars(_LETTERS + " \t;|&<>(){}*?#~!'\"", 1, 5)
            elif kind == "escape":
                line += self.pick(("\\$", "\\\\", "\\`", "\\a", "\\\""))
            elif kind == "parameter":
                line += self.parameter(depth + 1)
            elif kind == "substitution" and depth < MAX_DEPTH:
                self.inline += 1
                line += self.substitution(depth + 1)
                self.inline -= 1
            elif kind == "backtick" and depth < MAX_DEPTH and not self.no_backtick \
                    and self.chance(30):
                line += self.backtick(depth + 1)
            elif kind == "quotes":
                line += self.pick(("'$(p1 hq)'", '"$(p2 hq)"', "'x'", "\\$(p3 hq)"))
            elif kind == "continuation" and self.chance(20):
                line += "\\\n"
        if quoted and self.chance(30):
            line += "$(p1 never)"
        return line


@st.composite
def commands(draw: st.DrawFn) -> str:
    """A bash command string built from the grammar."""
    return _Gen(draw).program()
