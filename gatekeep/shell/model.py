"""The immutable model of a parsed command: words, redirections, segments."""

from __future__ import annotations

from enum import Enum

from gatekeep.sandbox.records import NamedTuple


class Span(NamedTuple):
    """A half-open range of character offsets into the command string."""

    start: int
    end: int


class Word(NamedTuple):
    """One shell word after quote removal.

    ``value`` is the word's text when it is known without running anything, else
    ``None``. ``home`` means the word starts with an expansion of the home
    directory (unquoted ``~`` or ``$HOME``); ``value`` then holds the rest.
    ``glob`` means unquoted pattern characters that bash would expand, and
    ``splits`` means an unquoted expansion that bash would split into words.
    ``prefix`` is what is known of a dynamic word: the text before its first expansion.
    """

    raw: str
    value: str | None
    span: Span
    glob: bool = False
    home: bool = False
    splits: bool = False
    prefix: str = ""  # for a dynamic word: the literal text before its first expansion

    @property
    def static(self) -> bool:
        return self.value is not None and not self.glob and not self.splits

    @property
    def may_be_option(self) -> bool:
        """Whether the word may reach the program as an option (``-...``)."""
        if self.splits and not self._plain_braces():
            return True
        if self.value is not None and not self.home:
            # `[-]-upload-pack=x`, `?-x`, `*x`: a pattern may match a file named `--x`
            # (red team 54)
            return self.value.startswith("-") or (self.glob and (
                self.value[:1] in "[?*" or self.value[:2] in ("@(", "!(", "+(")))
        return not self.home and not _literal_head(self.raw)

    def _plain_braces(self) -> bool:
        """Whether the word splits only by its braces into words that start as it does
        (``dist-{a,b}``), or, from a brace at its start (``{dist,build}``), with characters
        none of which can start an option or a pattern: a word written with no quote or
        escape, whose words are made of its own characters."""
        if self.value is None or self.home or self.raw != self.value:
            return False
        return not self.value.startswith("{") or not any(c in self.value for c in "-[?*(")

    @property
    def shown(self) -> str:
        if self.value is None:
            return self.raw
        return ("~" if self.home else "") + self.value


def _literal_head(raw: str) -> bool:
    """Whether the raw text starts with a literal that is not ``-``."""
    head = raw.lstrip("\"'")
    return bool(head) and head[0] not in "-$`\\" and raw[:2] != "$'"


class Hazard(NamedTuple):
    """Something an invocation does that its rules alone may not show."""

    kind: str
    detail: str
    decision: str = "ask"


class Option(NamedTuple):
    name: str
    value: Word | None


class RedirectKind(str, Enum):
    READ = "read"
    WRITE = "write"
    APPEND = "append"
    READ_WRITE = "read-write"
    DUPLICATE = "duplicate"
    CLOSE = "close"
    HEREDOC = "heredoc"
    HERESTRING = "herestring"


class Redirect(NamedTuple):
    kind: RedirectKind
    fd: int | None
    target: Word | None
    text: str
    body: str = ""  # a here-document's lines: what the program reads
    literal: bool = False  # a here-document whose delimiter is quoted: bash expands nothing

    @property
    def writes(self) -> bool:
        return self.kind in (RedirectKind.WRITE, RedirectKind.APPEND, RedirectKind.READ_WRITE)

    @property
    def reads(self) -> bool:
        return self.kind in (RedirectKind.READ, RedirectKind.READ_WRITE)


class Assignment(NamedTuple):
    name: str
    value: Word | None
    text: str


class SegmentKind(str, Enum):
    """What a segment is: a program run, or a shell construct judged on its own."""

    COMMAND = "command"
    ASSIGNMENT = "assignment"
    DECLARATION = "declaration"
    FUNCTION = "function"
    TEST = "test"
    REDIRECT_ONLY = "redirect-only"


class Segment(NamedTuple):
    """One simple command (or shell construct) found anywhere in the tree.

    ``argv`` is the program and its arguments; ``via`` says how the segment is
    reached (``pipeline``, ``subshell``, ``command-substitution``, ...), outermost
    first; ``wrapper`` names the wrapper that runs this segment when it was
    unwrapped from another (``sudo``, ``find -exec``, ``bash -c``).
    """

    kind: SegmentKind
    text: str
    span: Span
    argv: tuple[Word, ...] = ()
    assignments: tuple[Assignment, ...] = ()
    redirects: tuple[Redirect, ...] = ()
    via: tuple[str, ...] = ()
    wrapper: str | None = None
    background: bool = False
    name: str | None = None
    # in one pass of a loop over literal words, the variable and its value (`d=src`)
    binding: str | None = None

    @property
    def program(self) -> Word | None:
        return self.argv[0] if self.argv else None


class Problem(NamedTuple):
    """Why a command cannot be fully analysed, and where."""

    reason: str
    span: Span


class ParsedCommand(NamedTuple):
    """A whole command string: its segments, or the problems that stop analysis."""

    source: str
    segments: tuple[Segment, ...]
    problems: tuple[Problem, ...] = ()

    @property
    def parseable(self) -> bool:
        return not self.problems
