"""The parser: every simple command anywhere in a string becomes a segment, or the
string is reported as unparseable with a reason and the span that caused it."""

from __future__ import annotations

import pytest

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
from gatekeep.shell.parse import MAX_DEPTH, MAX_SEGMENTS, parse

COMMAND = SegmentKind.COMMAND


def ok(source: str) -> ParsedCommand:
    """Parse ``source`` and require that it is fully analysable."""
    parsed = parse(source)
    assert parsed.problems == (), parsed.problems
    assert parsed.parseable
    assert parsed.source == source
    for segment in parsed.segments:  # every span points at the segment's own text
        assert source[segment.span.start : segment.span.end] == segment.text
    return parsed


def values(words: tuple[Word, ...]) -> tuple[str | None, ...]:
    return tuple(word.value for word in words)


Row = tuple[SegmentKind, tuple[str | None, ...], tuple[str, ...]]


def table(parsed: ParsedCommand) -> list[Row]:
    """Each segment as (kind, argv values, via)."""
    return [(s.kind, values(s.argv), s.via) for s in parsed.segments]


def redirects(segment: Segment) -> list[tuple[RedirectKind, int | None, str | None, str]]:
    return [(r.kind, r.fd, r.target.value if r.target else None, r.text)
            for r in segment.redirects]


def problems(parsed: ParsedCommand) -> list[tuple[str, str]]:
    """Each problem as (reason, the text its span covers)."""
    return [(p.reason, parsed.source[p.span.start : p.span.end]) for p in parsed.problems]


# -- lists, pipes, background ---------------------------------------------------------

def test_lists_split_on_semicolon_and_or() -> None:
    parsed = ok("a 1; b && c || d")
    assert table(parsed) == [
        (COMMAND, ("a", "1"), ()), (COMMAND, ("b",), ()), (COMMAND, ("c",), ()),
        (COMMAND, ("d",), ()),
    ]
    assert [s.text for s in parsed.segments] == ["a 1", "b", "c", "d"]
    assert [s.span for s in parsed.segments] == [Span(0, 3), Span(5, 6), Span(10, 11),
                                                 Span(15, 16)]


def test_pipes_and_pipe_with_stderr_are_separate_segments() -> None:
    parsed = ok("a | b |& c")
    assert table(parsed) == [
        (COMMAND, ("a",), ("pipeline",)), (COMMAND, ("b",), ("pipeline",)),
        (COMMAND, ("c",), ("pipeline",)),
    ]
    assert [s.redirects for s in parsed.segments] == [(), (), ()]


def test_ampersand_runs_the_command_before_it_in_the_background() -> None:
    parsed = ok("a & b")
    assert table(parsed) == [(COMMAND, ("a",), ()), (COMMAND, ("b",), ())]
    assert [s.background for s in parsed.segments] == [True, False]


def test_background_group_marks_everything_inside() -> None:
    parsed = ok("(a; b) &")
    assert table(parsed) == [
        (COMMAND, ("a",), ("background", "subshell")),
        (COMMAND, ("b",), ("background", "subshell")),
    ]


def test_newline_separates_commands() -> None:
    assert table(ok("a\nb x\n")) == [(COMMAND, ("a",), ()), (COMMAND, ("b", "x"), ())]


def test_line_continuation_between_words() -> None:
    assert table(ok("echo a \\\n  b;\\\nc")) == [(COMMAND, ("echo", "a", "b"), ()),
                                                  (COMMAND, ("c",), ())]
    assert values(ok('echo "a\\\nb"').segments[0].argv) == ("echo", "ab")


def test_negated_command() -> None:
    assert table(ok("! a x")) == [(COMMAND, ("a", "x"), ())]


# -- compound commands ------------------------------------------------------------------

@pytest.mark.parametrize(("source", "expected"), [
    ("(a; b)", [(COMMAND, ("a",), ("subshell",)), (COMMAND, ("b",), ("subshell",))]),
    ("{ a; b; }", [(COMMAND, ("a",), ("group",)), (COMMAND, ("b",), ("group",))]),
    ("if a; then b; elif c; then d; else e; fi", [
        (COMMAND, ("a",), ("if",)), (COMMAND, ("b",), ("if",)),
        (COMMAND, ("c",), ("if", "if")), (COMMAND, ("d",), ("if", "if")),
        (COMMAND, ("e",), ("if", "if")),
    ]),
    ("for i in 1 2; do a x; done", [(COMMAND, ("a", "x"), ("loop",))]),
    ("for f in $(ls); do b; done", [
        (COMMAND, ("ls",), ("loop", "command-substitution")), (COMMAND, ("b",), ("loop",)),
    ]),
    ("for ((i=0; i<3; i++)); do a; done", [
        (SegmentKind.ASSIGNMENT, (), ("loop",)), (COMMAND, ("a",), ("loop",)),
    ]),
    ("while a; do b; done", [(COMMAND, ("a",), ("loop",)), (COMMAND, ("b",), ("loop",))]),
    ("until a; do b; done", [(COMMAND, ("a",), ("loop",)), (COMMAND, ("b",), ("loop",))]),
    ("case x in a) b;; *) c;; esac", [
        (COMMAND, ("b",), ("case", "case")), (COMMAND, ("c",), ("case", "case")),
    ]),
    ("case $(a) in x) ;; esac", [(COMMAND, ("a",), ("case", "command-substitution"))]),
    ("select x in a b; do c; done", [(COMMAND, ("c",), ("loop",))]),
    ("[[ -n $(a) ]]", [(COMMAND, ("a",), ("command-substitution",)),
                       (SegmentKind.TEST, (), ())]),
])
def test_compound_commands(source: str, expected: list[object]) -> None:
    assert table(ok(source)) == expected


@pytest.mark.parametrize("source", ["f() { a; b x; }", "function f { a; b x; }"])
def test_function_definition_and_body(source: str) -> None:
    parsed = ok(source)
    assert table(parsed) == [
        (SegmentKind.FUNCTION, (), ()),
        (COMMAND, ("a",), ("function f", "group")),
        (COMMAND, ("b", "x"), ("function f", "group")),
    ]
    assert parsed.segments[0].name == "f"
    assert parsed.segments[0].text == source


def test_function_with_subshell_body() -> None:
    assert table(ok("f() ( a )")) == [
        (SegmentKind.FUNCTION, (), ()), (COMMAND, ("a",), ("function f", "subshell")),
    ]


# -- substitutions -------------------------------------------------------------------

@pytest.mark.parametrize(("source", "inner_via"), [
    ("echo $(a b)", ("command-substitution",)),
    ("echo `a b`", ("command-substitution",)),
    ('echo "x $(a b) y"', ("command-substitution",)),
    ('echo "`a b`"', ("command-substitution",)),
    ("echo x$(a b)y", ("command-substitution",)),
    ('git log --author="$(a b)"', ("command-substitution",)),
    ("diff <(a b) f", ("process-substitution",)),
    ("tee >(a b)", ("process-substitution",)),
    ("echo ${x:-$(a b)}", ("command-substitution",)),
    ('cat <<< "$(a b)"', ("here-string", "command-substitution")),
])
def test_substitution_is_its_own_segment(source: str, inner_via: tuple[str, ...]) -> None:
    parsed = ok(source)
    inner = [s for s in parsed.segments if values(s.argv) == ("a", "b")]
    assert [s.via for s in inner] == [inner_via]
    assert inner[0].text == "a b"
    outer = [s for s in parsed.segments if s.via == ()]
    assert len(outer) == 1 and outer[0].text == source


def test_a_substitution_in_arithmetic_is_a_segment_and_its_output_is_evaluated() -> None:
    parsed = parse("echo $(( $(a b) + 1 ))")
    inner = [s for s in parsed.segments if values(s.argv) == ("a", "b")]
    assert [s.via for s in inner] == [("arithmetic", "command-substitution")]
    assert [p.reason for p in parsed.problems] == [
        "bash evaluates the output of $(a b) as code (arithmetic or a name with a "
        "subscript), and that value is only known at run time"]


def test_substitution_argument_is_dynamic() -> None:
    parsed = ok('git log --author="$(a)" $(b)')
    outer = parsed.segments[-1]
    assert values(outer.argv) == ("git", "log", None, None)
    assert [w.splits for w in outer.argv] == [False, False, False, True]  # quoted: no split


def test_nested_command_substitution() -> None:
    assert table(ok("echo $(a $(b))")) == [
        (COMMAND, ("b",), ("command-substitution", "command-substitution")),
        (COMMAND, ("a", None), ("command-substitution",)),
        (COMMAND, ("echo", None), ()),
    ]


def test_substitution_in_assignment_value() -> None:
    assert table(ok("x=$(a) y=`b`")) == [
        (COMMAND, ("a",), ("command-substitution",)),
        (SegmentKind.ASSIGNMENT, (), ()),
        (COMMAND, ("b",), ("command-substitution",)),
        (SegmentKind.ASSIGNMENT, (), ()),
    ]


# -- heredocs and here-strings ---------------------------------------------------------

def test_heredoc_with_unquoted_delimiter_runs_its_substitutions() -> None:
    parsed = ok("cat <<EOF\nhello $(a b) ${x:-$(c)}\nEOF")
    assert table(parsed) == [
        (COMMAND, ("a", "b"), ("heredoc", "command-substitution")),
        (COMMAND, ("c",), ("heredoc", "command-substitution")),
        (COMMAND, ("cat",), ()),
    ]
    assert redirects(parsed.segments[-1]) == [(RedirectKind.HEREDOC, 0, None, "<<EOF")]


@pytest.mark.parametrize("opener", ["<<'EOF'", '<<"EOF"', "<<\\EOF"])
def test_heredoc_with_quoted_delimiter_is_literal(opener: str) -> None:
    parsed = ok(f"cat {opener}\nhello $(a) `b`\n\t$(c)\nEOF")
    assert table(parsed) == [(COMMAND, ("cat",), ())]
    assert redirects(parsed.segments[0]) == [(RedirectKind.HEREDOC, 0, None, opener)]


def test_heredoc_opener_line_continues_the_list() -> None:
    parsed = ok("cat <<EOF && rm x\nhi\nEOF")
    assert table(parsed) == [(COMMAND, ("rm", "x"), ()), (COMMAND, ("cat",), ())]
    assert redirects(parsed.segments[1]) == [(RedirectKind.HEREDOC, 0, None, "<<EOF && rm x")]


def test_heredoc_with_redirect_on_opener_line() -> None:
    parsed = ok("cat > out.txt <<EOF\nhi\nEOF")
    assert redirects(parsed.segments[0]) == [
        (RedirectKind.WRITE, None, "out.txt", "> out.txt"),
        (RedirectKind.HEREDOC, 0, None, "<<EOF"),
    ]


def test_heredoc_escaped_substitution_is_literal() -> None:
    assert table(ok("cat <<EOF\nx \\$(a) \\`b\\`\nEOF")) == [(COMMAND, ("cat",), ())]


@pytest.mark.parametrize(("source", "reason", "where"), [
    # tree-sitter-bash leaves `...` in a body unparsed; bash runs it
    ("cat <<EOF\n`rm -rf build`\nEOF", "backtick command substitution in a here-document body",
     "`rm -rf build`\n"),
    # ... and drops $(...) on a line that starts with blanks
    ("cat <<-EOF\n\t$(rm -rf build)\n\tEOF",
     "a substitution in a here-document body that gatekeep cannot parse",
     "$(rm -rf build)\n\t"),
    ("cat <<EOF\nok $(a)\n  $(rm -rf build)\nEOF",
     "a substitution in a here-document body that gatekeep cannot parse",
     "ok $(a)\n  $(rm -rf build)\n"),
])
def test_heredoc_body_code_tree_sitter_misses_is_unparseable(
        source: str, reason: str, where: str) -> None:
    parsed = parse(source)
    assert [p.reason for p in parsed.problems] == [reason]
    assert where in source[parsed.problems[0].span.start : parsed.problems[0].span.end] + "\n"


def test_here_string() -> None:
    parsed = ok("cat <<< word")
    assert table(parsed) == [(COMMAND, ("cat",), ())]
    assert redirects(parsed.segments[0]) == [(RedirectKind.HERESTRING, 0, None, "<<< word")]


# -- redirections ----------------------------------------------------------------------

@pytest.mark.parametrize(("source", "expected"), [
    ("a > f", [(RedirectKind.WRITE, None, "f", "> f")]),
    ("a >> f", [(RedirectKind.APPEND, None, "f", ">> f")]),
    ("a >| f", [(RedirectKind.WRITE, None, "f", ">| f")]),
    ("a &> f", [(RedirectKind.WRITE, None, "f", "&> f")]),
    ("a &>> f", [(RedirectKind.APPEND, None, "f", "&>> f")]),
    ("a 2>&1", [(RedirectKind.DUPLICATE, 2, "1", "2>&1")]),
    ("a 1>file", [(RedirectKind.WRITE, 1, "file", "1>file")]),
    ("a 2> err >out", [(RedirectKind.WRITE, 2, "err", "2> err"),
                       (RedirectKind.WRITE, None, "out", ">out")]),
    ("a < in", [(RedirectKind.READ, None, "in", "< in")]),
    ("a >&-", [(RedirectKind.CLOSE, None, None, ">&-")]),
    ("a <&-", [(RedirectKind.CLOSE, None, None, "<&-")]),
    ("a >&2", [(RedirectKind.DUPLICATE, None, "2", ">&2")]),
    ("a >& file", [(RedirectKind.WRITE, None, "file", ">& file")]),
    ("a 2>/dev/null 1>&2", [(RedirectKind.WRITE, 2, "/dev/null", "2>/dev/null"),
                            (RedirectKind.DUPLICATE, 1, "2", "1>&2")]),
    ("a > ~/x", [(RedirectKind.WRITE, None, "/x", "> ~/x")]),
])
def test_redirects(source: str, expected: list[object]) -> None:
    parsed = ok(source)
    assert table(parsed) == [(COMMAND, ("a",), ())]
    assert redirects(parsed.segments[0]) == expected
    assert parsed.segments[0].text == source


def test_redirect_writes_and_reads() -> None:
    write, append, read, dup = (ok(s).segments[0].redirects[0]
                                for s in ("a > f", "a >> f", "a < f", "a 2>&1"))
    assert (write.writes, write.reads) == (True, False)
    assert (append.writes, append.reads) == (True, False)
    assert (read.writes, read.reads) == (False, True)
    assert (dup.writes, dup.reads) == (False, False)


def test_redirect_target_home_and_dynamic() -> None:
    home = ok("a > ~/.bashrc").segments[0].redirects[0].target
    assert home is not None and (home.value, home.home) == ("/.bashrc", True)
    dynamic = ok('a > "$f"').segments[0].redirects[0].target
    assert dynamic is not None and dynamic.value is None


@pytest.mark.parametrize(("source", "text"), [
    # shown as the redirections alone: the commands they redirect are parts of their own
    ("{ a; } > f", "> f"),
    ("(a) 2>/dev/null", "2>/dev/null"),
    ("a && b > f", "> f"),
    ("> f", "> f"),
])
def test_redirect_of_a_group_or_alone_is_its_own_segment(source: str, text: str) -> None:
    parsed = ok(source)
    last = parsed.segments[-1]
    assert (last.kind, last.text, last.via) == (SegmentKind.REDIRECT_ONLY, text,
                                                ("group-redirect",))
    assert len(last.redirects) == 1 and last.redirects[0].writes


# -- assignments and declarations ----------------------------------------------------

def test_assignment_prefix() -> None:
    parsed = ok("FOO=1 BAR=$(x) cmd arg")
    command = parsed.segments[-1]
    assert (command.kind, values(command.argv)) == (COMMAND, ("cmd", "arg"))
    assert [(a.name, a.value.value if a.value else "-", a.text) for a in command.assignments] \
        == [("FOO", "1", "FOO=1"), ("BAR", None, "BAR=$(x)")]
    assert table(parsed)[0] == (COMMAND, ("x",), ("command-substitution",))


def test_bare_assignment() -> None:
    parsed = ok("FOO=bar")
    assert len(parsed.segments) == 1
    segment = parsed.segments[0]
    assert (segment.kind, segment.argv, segment.text) == (SegmentKind.ASSIGNMENT, (), "FOO=bar")
    assert segment.assignments == (
        Assignment("FOO", Word("bar", "bar", Span(4, 7)), "FOO=bar"),
    )


def test_several_bare_assignments() -> None:
    parsed = ok("A=1 B=2")
    assert [(s.kind, s.assignments[0].name, s.text) for s in parsed.segments] == [
        (SegmentKind.ASSIGNMENT, "A", "A=1"), (SegmentKind.ASSIGNMENT, "B", "B=2"),
    ]


@pytest.mark.parametrize(("source", "program", "names"), [
    ("export A=1 B", "export", ["A"]),
    ("local x=1", "local", ["x"]),
    ("declare -a arr=(1 2)", "declare", ["arr"]),
    ("readonly R=2", "readonly", ["R"]),
    ("unset x", "unset", []),
])
def test_declarations(source: str, program: str, names: list[str]) -> None:
    parsed = ok(source)
    assert len(parsed.segments) == 1
    segment = parsed.segments[0]
    assert segment.kind is SegmentKind.DECLARATION
    assert segment.argv[0].value == program
    assert [a.name for a in segment.assignments] == names
    assert segment.text == source


def test_declaration_value_substitution_is_found() -> None:
    assert table(ok("export A=$(a b)"))[0] == (COMMAND, ("a", "b"), ("command-substitution",))


# -- quote removal and word flags ------------------------------------------------------

@pytest.mark.parametrize("program", ["r''m", '"r"m', "\\rm", "$'\\x72m'", "'rm'", "$'\\162\\155'",
                                     '"rm"', "'r'\"m\""])
def test_quote_removal_of_the_program_name(program: str) -> None:
    parsed = ok(f"{program} -rf build")
    assert values(parsed.segments[0].argv) == ("rm", "-rf", "build")
    assert parsed.segments[0].argv[0].static


@pytest.mark.parametrize(("argument", "value"), [
    ('"\\$HOME"', "$HOME"),
    ("'$HOME'", "$HOME"),
    ('"a\\"b\\\\c\\`"', 'a"b\\c`'),
    ("'a\\b'", "a\\b"),
    ("a\\ b", "a b"),
    ("$'a\\'b\\n'", "a'b\n"),
    ('"*.py"', "*.py"),
    ("\\*.py", "*.py"),
    ("'~/x'", "~/x"),
])
def test_quote_removal_of_arguments(argument: str, value: str) -> None:
    word = ok(f"echo {argument}").segments[0].argv[1]
    assert (word.value, word.home, word.glob, word.splits) == (value, False, False, False)
    assert word.static


@pytest.mark.parametrize(("argument", "rest"), [
    ("~/x", "/x"),
    ("~", ""),
    ("$HOME/x", "/x"),
    ("${HOME}/x", "/x"),
    ('"$HOME/x"', "/x"),
    ('"$HOME"x', "x"),
])
def test_home_relative_words(argument: str, rest: str) -> None:
    word = ok(f"echo {argument}").segments[0].argv[1]
    assert (word.value, word.home, word.glob, word.splits) == (rest, True, False, False)
    assert word.shown == "~" + rest
    assert not word.may_be_option


def test_another_users_home_is_dynamic_but_home_relative() -> None:
    word = ok("cat ~user/.ssh/id_rsa").segments[0].argv[1]
    assert (word.value, word.home, word.prefix) == (None, True, "/.ssh/id_rsa")


@pytest.mark.parametrize(("argument", "splits"), [
    ("$x", True),
    ("${x:-rm}", True),
    ("$(x)", True),
    ("`x`", True),
    ('"$x"', False),
    ('"$(x)"', False),
    ("x$HOME", True),
    ("$((1+2))", True),
])
def test_dynamic_words(argument: str, splits: bool) -> None:
    word = next(w for s in ok(f"echo {argument}").segments if s.via == () for w in s.argv[1:])
    assert (word.value, word.splits, word.home) == (None, splits, False)
    assert not word.static
    assert word.raw == argument


@pytest.mark.parametrize(("argument", "value"), [("/???/r?", "/???/r?"), ("*.py", "*.py"),
                                                 ("src/[ab]*", "src/[ab]*")])
def test_glob_flag(argument: str, value: str) -> None:
    word = ok(f"ls {argument}").segments[0].argv[1]
    assert (word.value, word.glob, word.splits) == (value, True, False)
    assert not word.static


@pytest.mark.parametrize("argument", ["{a,b}", "x{1..3}", "pre{a,b}post"])
def test_brace_expansion_flagged(argument: str) -> None:
    word = ok(f"echo {argument}").segments[0].argv[1]
    assert (word.value, word.glob, word.splits) == (argument, True, True)


def test_quoted_brace_is_literal() -> None:
    word = ok('echo "{a,b}"').segments[0].argv[1]
    assert (word.value, word.glob, word.splits) == ("{a,b}", False, False)


def test_spans_count_characters_not_bytes() -> None:
    parsed = ok("echo 'é ü' && rm x")
    assert [s.text for s in parsed.segments] == ["echo 'é ü'", "rm x"]
    assert parsed.segments[1].span == Span(14, 18)


# -- unparseable -----------------------------------------------------------------------

@pytest.mark.parametrize(("source", "expected"), [
    ("ls;{rm,-rf,build}", [("bash syntax gatekeep cannot parse", "ls;{rm,-rf,build}")]),
    ("echo $(", [("bash syntax gatekeep cannot parse", "$(")]),
    ('echo "unterminated', [("bash syntax gatekeep cannot parse", '"unterminated')]),
    ("if true; then", [("incomplete command: missing 'fi'", "")]),
    ("$X -rf", [("the program name '$X' is only known at run time", "$X -rf")]),
    ("${X:-rm} x", [("the program name '${X:-rm}' is only known at run time", "${X:-rm} x")]),
    ("cat${IFS}/etc/passwd", [("the program name 'cat${IFS}/etc/passwd' is only known at "
                               "run time", "cat${IFS}/etc/passwd")]),
    ("$(echo ls)", [("the program name '$(echo ls)' is only known at run time",
                     "$(echo ls)")]),
    ("`echo ls` -l", [("the program name '`echo ls`' is only known at run time",
                       "`echo ls` -l")]),
    ('"$cmd" x', [("the program name '\"$cmd\"' is only known at run time", '"$cmd" x')]),
    ("/???/r? -rf x", [("the program name '/???/r?' is only known at run time",
                        "/???/r? -rf x")]),
    ("r{m,} -rf x", [("the program name 'r{m,}' is only known at run time", "r{m,} -rf x")]),
    ("r\\\nm -rf x", [("a line continuation inside a word (bash joins the parts)", "r\\\nm")]),
    ("find . -de\\\nlete", [("a line continuation inside a word (bash joins the parts)",
                             "-de\\\nlete")]),
    ("echo x > ~/.bash\\\nrc", [("a line continuation inside a word (bash joins the parts)",
                                 "~/.bash\\\nrc")]),
    ("echo a\x01b", [("control character U+0001 in the command", "\x01")]),
    ("echo a\rb", [("control character U+000D in the command", "\r")]),
    ("echo a\u200bb", [("invisible character U+200B in the command", "\u200b")]),
    ("ls\u2060; rm x", [("invisible character U+2060 in the command", "\u2060")]),
    ("echo a\u202eb", [("invisible character U+202E in the command", "\u202e")]),
    ("echo a\u2066b", [("invisible character U+2066 in the command", "\u2066")]),
    ("echo a\u00a0b", [("unusual space U+00A0 in the command", "\u00a0")]),
    ("echo \u3164", [("invisible character U+3164 in the command", "\u3164")]),
    ("", [("empty command", "")]),
    ("  \n", [("empty command", "  \n")]),
    ("x='a[$(id)]'; [[ $x -eq 1 ]]", [
        ("arithmetic evaluation with a string holding a command substitution (bash may run it)",
         "'a[$(id)]'"),
    ]),
    ("x='a[$(id)]'; echo $(( x + 1 ))", [
        ("arithmetic evaluation with a string holding a command substitution (bash may run it)",
         "'a[$(id)]'"),
    ]),
    ("x=$'a[`id`]'; (( x ))", [
        ("arithmetic evaluation with a string holding a command substitution (bash may run it)",
         "$'a[`id`]'"),
    ]),
])
def test_unparseable(source: str, expected: list[tuple[str, str]]) -> None:
    parsed = parse(source)
    assert not parsed.parseable
    assert problems(parsed) == expected


def test_dollar_bracket_arithmetic_trick_is_unparseable() -> None:
    parsed = parse("echo $[ x='a[$(touch F)]', x ]")
    assert problems(parsed) == [
        ("bash syntax gatekeep cannot parse", ", x"),
        ("arithmetic evaluation with a string holding a command substitution (bash may run it)",
         "'a[$(touch F)]'"),
    ]


def test_problem_program_segments_are_still_listed() -> None:
    parsed = parse("echo ok; $X -rf build")
    assert [values(s.argv) for s in parsed.segments] == [("echo", "ok"), (None, "-rf", "build")]


def test_more_than_max_segments() -> None:
    fine = parse("; ".join(["echo"] * MAX_SEGMENTS))
    assert fine.parseable and len(fine.segments) == MAX_SEGMENTS
    source = "; ".join(["echo"] * MAX_SEGMENTS + ["rm"])
    parsed = parse(source)
    assert problems(parsed) == [(f"more than {MAX_SEGMENTS} commands in one string", "rm")]
    assert parsed.problems[0].span == Span(len(source) - 2, len(source))


def nested_subshells(levels: int) -> str:
    source = "echo x"
    for _ in range(levels):
        source = f"( {source} )"
    return source


def test_nesting_up_to_max_depth_is_fine() -> None:
    parsed = ok(nested_subshells(MAX_DEPTH))
    assert table(parsed) == [(COMMAND, ("echo", "x"), ("subshell",) * MAX_DEPTH)]


def test_nesting_deeper_than_max_depth() -> None:
    source = nested_subshells(MAX_DEPTH + 1)
    parsed = parse(source)
    assert parsed.problems
    assert {p.reason for p in parsed.problems} == {f"nesting deeper than {MAX_DEPTH} levels"}
    inner = source.index("echo x")
    assert any(p.span.start <= inner < p.span.end for p in parsed.problems)
    assert parsed.segments == ()


def test_nested_substitutions_deeper_than_max_depth() -> None:
    source = "echo x"
    for _ in range(MAX_DEPTH + 1):
        source = f"echo $({source})"
    parsed = parse(source)
    assert {p.reason for p in parsed.problems} == {f"nesting deeper than {MAX_DEPTH} levels"}


def test_problem_type() -> None:
    assert parse("$X").problems == (
        Problem("the program name '$X' is only known at run time", Span(0, 2)),
    )


def test_redirect_model() -> None:
    assert ok("a 1>f").segments[0].redirects == (
        Redirect(RedirectKind.WRITE, 1, Word("f", "f", Span(4, 5)), "1>f"),
    )


@pytest.mark.parametrize(("source", "reason"), [
    # not a name: bash looks the whole word up on PATH and runs it
    ("true; --x=1", "a word gatekeep's parser reads as an assignment"),
    # zsh writes the next word; bash writes a file named "!" and passes the word on
    ("echo x >! ~/.bashrc", "a redirection shells read differently (>! or >>!)"),
    ("echo x >>! f", "a redirection shells read differently (>! or >>!)"),
    ("ls 2>!/etc/passwd", "a redirection shells read differently (>! or >>!)"),
    ("echo x &>! f", "a redirection shells read differently (>! or >>!)"),
])
def test_words_shells_read_otherwise_are_unparseable(source: str, reason: str) -> None:
    assert reason in [p.reason for p in parse(source).problems]


@pytest.mark.parametrize("source", ["x=1", "x[1]=2 ls", "x+=1 ls", "_a9=1", "echo x >| f"])
def test_real_assignments_and_clobbering_redirections_still_parse(source: str) -> None:
    assert parse(source).problems == ()
