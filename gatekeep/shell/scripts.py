"""Checkers for the small languages some programs take as an argument (sed, awk).

Each checker accepts only what it can read completely; anything else is a
hazard ("cannot analyse"), never a pass.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from gatekeep.runtime.patterns import on_use
from gatekeep.shell.model import Hazard, Option, Word

_SED_PLAIN = set("pPdDnNqQlL=hHgGxz{}F")
_SED_LABEL = set("btT:")
_SED_TEXT = set("aic")
_SED_UNSAFE = {"e": "runs a command", "w": "writes a file", "W": "writes a file",
               "r": "reads a file", "R": "reads a file"}
_SED_S_FLAGS = set("gpiImM0123456789")


def check(language: str, options: tuple[Option, ...] | list[Option],
          positionals: tuple[Word, ...] | list[Word],
          words: list[str | None] | None = None) -> Iterator[Hazard]:
    """Hazards of the script given to ``sed`` or ``awk`` (``words``: the program's own, as
    written: sed's in-place suffix is attached to its option)."""
    checker: Callable[[str], str | None] = _sed if language == "sed" else _awk
    inline = {"sed": ("-e", "--expression"), "awk": ("-e", "--source")}[language]
    files = {"sed": ("-f", "--file"), "awk": ("-f", "--file", "-E", "--exec")}[language]
    scripts = [o.value for o in options if o.name in inline]
    if any(o.name in files for o in options):
        yield Hazard("script-file", f"{language} runs a program from a file")
        return
    if language == "sed" and any(_backup_elsewhere(w) for w in words or ()):
        yield Hazard("writes", "sed -i's backup suffix names another directory, where each "
                     "file's original is moved")
    if not scripts and positionals:
        scripts = [positionals[0]]
    for script in scripts:
        if script is None or script.value is None:
            yield Hazard("dynamic-script", f"the {language} program is only known at run time")
            continue
        problem = checker(script.value)
        if problem is not None:
            yield Hazard("script", f"{language} program {script.value!r}: {problem}")


def _backup_elsewhere(word: str | None) -> bool:
    """Whether a sed word is an in-place option whose suffix holds a ``/`` (GNU sed puts
    the backup there, ``*`` standing for the file's name: `-i'.git/hooks/*'`). A word
    known only at run time is the dynamic-option hazard's."""
    if word is None:
        return False
    if word.startswith("--"):
        name, given, suffix = word.partition("=")
        return bool(given) and "--in-place".startswith(name) and len(name) > 3 and "/" in suffix
    return word.startswith("-") and "i" in word[1:] and "/" in word.split("i", 1)[1]


def _sed(script: str) -> str | None:
    """Return why ``script`` is unsafe or unreadable, or None when it only edits text."""
    reader = _SedReader(script)
    try:
        return reader.run()
    except IndexError:
        return "cannot be analysed (incomplete)"


class _SedReader:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def run(self) -> str | None:
        while True:
            self.skip(" \t\n;")
            if self.pos >= len(self.text):
                return None
            self.address()
            self.skip(" \t")
            if self.peek() == "!":
                self.pos += 1
                self.skip(" \t")
            command = self.peek()
            self.pos += 1
            problem = self.command(command)
            if problem is not None:
                return problem

    def skip(self, chars: str) -> None:
        while self.peek() and self.peek() in chars:
            self.pos += 1

    def address(self) -> None:
        for _ in range(2):
            char = self.peek()
            if char.isdigit():
                while self.peek().isdigit() or self.peek() == "~":
                    self.pos += 1
            elif char == "$":
                self.pos += 1
            elif char in "/\\":
                if char == "\\":
                    self.pos += 1
                self.delimited(self.text[self.pos])
                while self.peek() in ("I", "M"):
                    self.pos += 1
            elif char in "+~" and _ == 1:
                self.pos += 1
                while self.peek().isdigit():
                    self.pos += 1
            if self.peek() != ",":
                return
            self.pos += 1

    def delimited(self, delimiter: str) -> None:
        """Skip a regex or replacement that starts at ``delimiter``."""
        self.pos += 1
        while self.text[self.pos] != delimiter:
            self.pos += 2 if self.text[self.pos] == "\\" else 1
        self.pos += 1

    def command(self, command: str) -> str | None:
        if command in _SED_UNSAFE:
            return f"the {command!r} command {_SED_UNSAFE[command]}"
        if command in ("s", "y"):
            delimiter = self.text[self.pos]
            if delimiter in "\n\\":
                return "cannot be analysed (unusual delimiter)"
            self.delimited(delimiter)
            self.pos -= 1
            self.delimited(delimiter)
            if command == "s":
                while self.peek() and self.peek() not in ";\n} \t":
                    flag = self.peek()
                    if flag in ("e", "w"):
                        return f"the s///{flag} flag {_SED_UNSAFE[flag]}"
                    if flag not in _SED_S_FLAGS:
                        return f"cannot be analysed (unknown flag {flag!r})"
                    self.pos += 1
            return None
        if command in _SED_TEXT:
            self.to_line_end()
            return None
        if command in _SED_LABEL:  # GNU sed ends a label at a blank too: `:a e env` runs env
            self.skip(" \t")
            while self.peek() and self.peek() not in "; \t\n":
                self.pos += 1
            return None
        if command in _SED_PLAIN:
            if command in "qQlL":
                self.skip(" \t")
                while self.peek().isdigit():
                    self.pos += 1
            return None
        if command == "#":
            self.to_line_end()
            return None
        return f"cannot be analysed (command {command!r})"

    def to_line_end(self) -> None:
        while self.peek() and self.peek() != "\n":
            self.pos += 2 if self.peek() == "\\" else 1


_AWK_STRING = on_use(r'"(?:[^"\\]|\\.)*"')
# Looked for in the whole text, strings too (a `"` in a regular expression or a comment is
# no string's, and would hide what follows it). ARGV and ARGC: the files it reads after
# BEGIN, chosen as it runs (`split("x /proc/self/environ", ARGV)`); SYMTAB and FUNCTAB reach
# any variable or function by a string (gawk); `@`: gawk's @include, @load and its calls of
# a function a string names (`@f("env")`)
_AWK_UNSAFE_NAMES = on_use(r"\bsystem\b|\bgetline\b|\bclose\b|\bfflush\b|\bENVIRON\b"
                           r"|\bPROCINFO\b|\bARGV\b|\bARGC\b|\bSYMTAB\b|\bFUNCTAB\b|@")
# pipes anywhere, outside strings (`print "a | b"` is text); `>` redirects only a print
# or printf's output (`NR>1` and `if ($2 > 3)` before any print compare)
_AWK_UNSAFE_OPERATORS = on_use(r"\|")
_AWK_PRINTING = on_use(r"\bprintf?\b")


def _awk(program: str) -> str | None:
    match = _AWK_UNSAFE_NAMES.search(program)
    if match is None:
        # a `"` in a regular expression (`/"/`) or a comment would pair with a string's, so
        # what lies between would be taken for text: with either, strings are not set apart
        code = program if '"' in program and ("/" in program or "#" in program) \
            else _AWK_STRING.sub('""', program)
        match = _AWK_UNSAFE_OPERATORS.search(code.replace("||", " "))
        if match is None and _redirects(code):
            return "uses '>' (may run commands, read other files or write files)"
    if match is None:
        return None
    return f"uses {match.group(0)!r} (may run commands, read other files or write files)"


def _redirects(code: str) -> bool:
    """Whether ``code`` may send a print's output to a file: a ``>`` anywhere after its
    first ``print`` or ``printf``. Only those redirect, so a ``>`` before any (`NR>1 {...
    print}`, `$2 > 3`, `if ($2 > 3) print $1`) compares; after one, where a statement ends
    is not told (a string may hold `;` or `)`, a newline may continue it: red team 71)."""
    first = _AWK_PRINTING.search(code)
    return first is not None and ">" in code[first.end():]
