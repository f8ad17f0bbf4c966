"""Analysis: options normalized with program knowledge, wrappers unwrapped, hazards found."""

from __future__ import annotations

import pytest

from gatekeep.shell.analyze import MAX_UNWRAP, Analysis, Hazard, Invocation, analyze
from gatekeep.shell.knowledge import Knowledge
from gatekeep.shell.parse import parse


def run(source: str, knowledge: Knowledge) -> Analysis:
    analysis = analyze(parse(source), knowledge)
    return analysis


def only(source: str, knowledge: Knowledge) -> Invocation:
    """The single invocation ``source`` makes; no problems allowed."""
    analysis = run(source, knowledge)
    assert analysis.problems == ()
    assert len(analysis.invocations) == 1, analysis.invocations
    return analysis.invocations[0]


def options(invocation: Invocation) -> list[tuple[str, str | None]]:
    return [(o.name, o.value.value if o.value is not None else None) for o in invocation.options]


def positionals(invocation: Invocation) -> list[str | None]:
    return [w.value for w in invocation.positionals]


def programs(analysis: Analysis) -> list[tuple[str | None, str | None, tuple[str, ...]]]:
    """(program, wrapped_by, via) of every invocation."""
    return [(i.program, i.wrapped_by, i.segment.via) for i in analysis.invocations]


def hazards(invocation: Invocation) -> list[tuple[str, str, str]]:
    return [(h.kind, h.detail, h.decision) for h in invocation.hazards]


# -- option normalization ---------------------------------------------------------------

@pytest.mark.parametrize("source", ["rm -rf x", "rm -r -f x", "rm -fr x", "rm -R --force x",
                                    "rm --recursive -f x"])
def test_rm_flags_normalize_to_canonical_names(source: str, knowledge: Knowledge) -> None:
    invocation = only(source, knowledge)
    assert sorted(options(invocation)) == [("--force", None), ("--recursive", None)]
    assert positionals(invocation) == ["x"]
    assert [w.value for w in invocation.writes] == ["x"]


def test_unknown_program_clusters_split_into_letters(knowledge: Knowledge) -> None:
    invocation = only("frobnicate -rf x", knowledge)
    assert options(invocation) == [("-r", None), ("-f", None)]
    assert positionals(invocation) == ["x"]


def test_long_option_with_equals_value(knowledge: Knowledge) -> None:
    invocation = only("rm --force=x y", knowledge)
    assert options(invocation) == [("--force", "x")]
    assert positionals(invocation) == ["y"]


def test_double_dash_ends_options(knowledge: Knowledge) -> None:
    invocation = only("rm -- -rf", knowledge)
    assert options(invocation) == []
    assert positionals(invocation) == ["-rf"]
    assert [w.value for w in invocation.writes] == ["-rf"]


@pytest.mark.parametrize(("source", "expected"), [
    ("head -n5 f", [("-n", "5")]),
    ("head -n 5 f", [("-n", "5")]),
    ("head --lines=5 f", [("--lines", "5")]),
    ("head -vn5 f", [("-v", None), ("-n", "5")]),
])
def test_option_values_attached_separate_or_after_equals(
        source: str, expected: list[tuple[str, str]], knowledge: Knowledge) -> None:
    invocation = only(source, knowledge)
    assert options(invocation) == expected
    assert positionals(invocation) == ["f"]
    assert [w.value for w in invocation.reads] == ["f"]


def test_option_value_that_looks_like_an_option_is_a_value(knowledge: Knowledge) -> None:
    invocation = only("grep -e -rf x", knowledge)
    assert options(invocation) == [("-e", "-rf")]
    assert positionals(invocation) == ["x"]
    assert only("rg -e --pre x", knowledge).hazards == ()


def test_git_global_options_come_before_the_subcommand(knowledge: Knowledge) -> None:
    invocation = only("git -C dir -c k=v push -f", knowledge)
    assert positionals(invocation) == ["push"]
    assert options(invocation) == [("-C", "dir"), ("-c", "k=v"), ("--force", None)]
    assert hazards(invocation) == [("runs-code", "git -c k=v runs a program or code", "ask")]


def test_git_directory_option_alone_is_harmless(knowledge: Knowledge) -> None:
    invocation = only("git -C sub status --short", knowledge)
    assert positionals(invocation) == ["status"]
    assert options(invocation) == [("-C", "sub"), ("--short", None)]
    assert invocation.hazards == ()


def test_git_subcommand_brings_its_own_options(knowledge: Knowledge) -> None:
    invocation = only("git log -n5 --author=me src", knowledge)
    assert options(invocation) == [("-n", "5"), ("--author", "me")]
    assert positionals(invocation) == ["log", "src"]


@pytest.mark.parametrize("source", ["git push origin +main", "git push origin :main"])
def test_git_push_refspec_forces(source: str, knowledge: Knowledge) -> None:
    assert options(only(source, knowledge)) == [("--force", None)]


def test_dynamic_word_may_be_an_option(knowledge: Knowledge) -> None:
    invocation = only("rm $x", knowledge)
    assert invocation.dynamic_options
    assert positionals(invocation) == [None]
    assert invocation.hazards == ()  # rm's paths are judged as unknown writes instead
    push = only("git push $x", knowledge)
    assert push.dynamic_options
    assert hazards(push) == [
        ("dynamic-option", "$x may become an option of push, which has "
         "options that run code or write files", "ask"),
        ("network", "git reaches an address known only at run time, which may carry data out",
         "ask"),
    ]


def test_quoted_home_word_is_not_an_option(knowledge: Knowledge) -> None:
    assert not only("cat ~/x", knowledge).dynamic_options


# -- unwrapping ----------------------------------------------------------------------

def test_sudo_unwraps_with_its_options(knowledge: Knowledge) -> None:
    analysis = run("sudo -u root rm -rf /", knowledge)
    assert programs(analysis) == [("sudo", None, ()), ("rm", "sudo", ("sudo",))]
    sudo, rm = analysis.invocations
    assert options(sudo) == [("-u", "root")]
    assert positionals(sudo) == []
    assert sorted(options(rm)) == [("--force", None), ("--recursive", None)]
    assert [w.value for w in rm.writes] == ["/"]
    assert rm.segment.text == "rm -rf /"


def test_env_unwraps_after_assignments(knowledge: Knowledge) -> None:
    analysis = run("env A=1 B=2 rm x", knowledge)
    assert programs(analysis) == [("env", None, ()), ("rm", "env", ("env",))]
    rm = analysis.invocations[1]
    assert [a.name for a in rm.segment.assignments] == ["A", "B"]
    assert positionals(rm) == ["x"]
    assert rm.hazards == ()


def test_env_assignment_of_a_risky_variable_is_a_hazard(knowledge: Knowledge) -> None:
    analysis = run("env -i LD_PRELOAD=./x.so ls", knowledge)
    assert programs(analysis) == [("env", None, ()), ("ls", "env", ("env",))]
    assert hazards(analysis.invocations[1]) == [
        ("environment", "sets LD_PRELOAD, which changes what programs run or load", "ask"),
    ]


@pytest.mark.parametrize(("source", "kinds"), [
    ("env A=1 make", []),
    ("env", ["secret-variable"]),  # it prints the environment
    ("env A=1", ["secret-variable"]), ("env -0", ["environment", "secret-variable"]),
    ("env -i make", ["environment"]),  # a box's git settings are variables too
    ("env -u GIT_CONFIG_COUNT git fetch", ["environment"]),
    ("env -C /tmp ls", ["environment"]),  # a directory gatekeep does not follow
    ("env -S 'ls -l'", ["environment"]),
])
def test_env_itself(knowledge: Knowledge, source: str, kinds: list[str]) -> None:
    assert sorted(h.kind for h in run(source, knowledge).invocations[0].hazards) == kinds


def test_env_split_string_is_a_script(knowledge: Knowledge) -> None:
    analysis = run("env -S 'rm -rf x'", knowledge)
    assert programs(analysis) == [("env", None, ()), ("rm", "env", ("env",))]


@pytest.mark.parametrize(("source", "wrapper_options"), [
    ("nice -n 5 rm x", [("-n", "5")]),
    ("nice --adjustment=5 rm x", [("--adjustment", "5")]),
    ("timeout 10 rm x", []),
    ("timeout -s KILL 10 rm x", [("-s", "KILL")]),
    ("nohup rm x", []),
    ("time -p rm x", [("-p", None)]),
    ("stdbuf -o0 rm x", [("-o", "0")]),
    ("ionice -c3 rm x", [("-c", "3")]),
    ("setsid -f rm x", [("-f", None)]),
    ("command -p rm x", [("-p", None)]),
    ("exec -a name rm x", [("-a", "name")]),
    ("strace -o /dev/null rm x", [("-o", "/dev/null")]),
    ("flock /tmp/lock rm x", []),
])
def test_transparent_wrappers(source: str, wrapper_options: list[tuple[str, str | None]],
                              knowledge: Knowledge) -> None:
    analysis = run(source, knowledge)
    assert analysis.problems == ()
    wrapper = source.split()[0]
    assert programs(analysis) == [(wrapper, None, ()), ("rm", wrapper, (wrapper,))]
    assert options(analysis.invocations[0]) == wrapper_options
    assert positionals(analysis.invocations[1]) == ["x"]


def test_nested_wrappers(knowledge: Knowledge) -> None:
    analysis = run("nice nohup timeout 5 rm x", knowledge)
    assert programs(analysis) == [
        ("nice", None, ()), ("nohup", "nice", ("nice",)),
        ("timeout", "nohup", ("nice", "nohup")), ("rm", "timeout", ("nice", "nohup", "timeout")),
    ]


def test_wrappers_nested_too_deep_are_a_problem(knowledge: Knowledge) -> None:
    source = "sudo " * (MAX_UNWRAP + 1) + "rm x"
    analysis = run(source, knowledge)
    assert [p.reason for p in analysis.problems] == [f"wrappers nested deeper than {MAX_UNWRAP}"]
    assert "rm" not in [i.program for i in analysis.invocations]


def test_xargs_replace_string(knowledge: Knowledge) -> None:
    analysis = run("xargs -I{} rm {}", knowledge)
    assert programs(analysis) == [("xargs", None, ()), ("rm", "xargs", ("xargs",))]
    assert options(analysis.invocations[0]) == [("-I", "{}")]
    assert hazards(analysis.invocations[1]) == [
        ("input-arguments", "xargs adds arguments from its input to rm, which writes or runs "
         "what they name", "ask"),
        ("input-names", "xargs gives rm file names from its input, which gatekeep cannot see: "
         "they may name protected files", "ask"),
    ]


def test_xargs_fed_by_a_listing_reads_the_listed_trees(knowledge: Knowledge) -> None:
    analysis = run("find src -name '*.rs' | sort | xargs wc -l", knowledge)
    assert [i.program for i in analysis.invocations] == ["find", "sort", "xargs", "wc"]
    assert [i.hazards for i in analysis.invocations] == [(), (), (), ()]
    wc = analysis.invocations[-1]
    assert [w.value for w in wc.reads] == ["src"]
    assert wc.reads_trees


@pytest.mark.parametrize("source", [
    "xargs wc -l", "xargs wc -l < list.txt", "xargs -a list.txt wc -l", "cat list.txt | xargs wc",
    "ls | sed s/x/y/ | xargs wc", "bash -c 'cat x' | xargs wc",
])
def test_xargs_fed_names_gatekeep_cannot_see_is_a_hazard(knowledge: Knowledge,
                                                         source: str) -> None:
    wc = run(source, knowledge).invocations[-1]
    assert wc.program == "wc"
    assert [h.kind for h in wc.hazards] == ["input-names"]


@pytest.mark.parametrize(("source", "find_options"), [
    ("find . -exec rm {} \\; -print", [("-exec", None), ("-print", None)]),
    ("find . -name '*.c' -exec rm {} +", [("-name", "*.c"), ("-exec", None)]),
    ("find . -execdir rm {} ';'", [("-execdir", None)]),
    ("find . -ok rm {} \\;", [("-ok", None)]),
])
def test_find_exec(source: str, find_options: list[tuple[str, str | None]],
                   knowledge: Knowledge) -> None:
    analysis = run(source, knowledge)
    assert programs(analysis) == [("find", None, ()), ("rm", "find", ("find",))]
    find, rm = analysis.invocations
    assert options(find) == find_options
    assert positionals(find) == ["."]
    assert rm.segment.text == "rm {}"
    assert [h.kind for h in rm.hazards] == ["input-arguments"]


def test_bash_c_script_is_parsed(knowledge: Knowledge) -> None:
    analysis = run("bash -c 'ls && rm x'", knowledge)
    assert programs(analysis) == [
        ("bash", None, ()), ("ls", "bash", ("bash",)), ("rm", "bash", ("bash",)),
    ]
    assert options(analysis.invocations[0]) == [("-c", "ls && rm x")]


def test_bash_c_is_unwrapped_recursively(knowledge: Knowledge) -> None:
    analysis = run("""bash -c 'sh -c "rm y"'""", knowledge)
    assert programs(analysis) == [
        ("bash", None, ()), ("sh", "bash", ("bash",)), ("rm", "sh", ("bash", "sh")),
    ]
    assert positionals(analysis.invocations[2]) == ["y"]


@pytest.mark.parametrize("source", ["bash -lc 'rm x'", "sh -ec 'rm x'"])
def test_shell_option_clusters_with_c(source: str, knowledge: Knowledge) -> None:
    assert [i.program for i in run(source, knowledge).invocations][1:] == ["rm"]


def test_bash_c_with_dynamic_script_is_a_problem(knowledge: Knowledge) -> None:
    analysis = run('bash -c "$x"', knowledge)
    assert [(p.reason, p.span) for p in analysis.problems] == [
        ("the script run by bash is only known at run time", analysis.problems[0].span),
    ]
    assert 'bash -c "$x"'[analysis.problems[0].span.start:analysis.problems[0].span.end] \
        == '"$x"'


def test_bash_c_with_broken_script_is_a_problem(knowledge: Knowledge) -> None:
    analysis = run("bash -c 'rm $('", knowledge)
    assert [p.reason for p in analysis.problems] == [
        "in the script run by bash: bash syntax gatekeep cannot parse",
    ]


@pytest.mark.parametrize("source", ["eval rm -rf x", 'eval "rm -rf x"'])
def test_eval_joins_its_words_into_a_script(source: str, knowledge: Knowledge) -> None:
    analysis = run(source, knowledge)
    assert programs(analysis) == [("eval", None, ()), ("rm", "eval", ("eval",))]
    assert sorted(options(analysis.invocations[1])) == [("--force", None), ("--recursive", None)]


def test_eval_of_dynamic_words_is_a_problem(knowledge: Knowledge) -> None:
    analysis = run('eval "$CMD"', knowledge)
    assert [p.reason for p in analysis.problems] == [
        "the script run by eval is only known at run time",
    ]


def test_ssh_remote_command(knowledge: Knowledge) -> None:
    analysis = run("ssh host rm -rf x", knowledge)
    assert programs(analysis) == [("ssh", None, ()), ("rm", "ssh", ("ssh",))]


def test_script_c_option_is_a_script(knowledge: Knowledge) -> None:
    analysis = run("script -qc 'rm -rf x' /dev/null", knowledge)
    assert programs(analysis) == [("script", None, ()), ("rm", "script", ("script",))]


# -- hazards -------------------------------------------------------------------------

def test_find_delete(knowledge: Knowledge) -> None:
    assert hazards(only("find . -name '*.c' -delete", knowledge)) == [
        ("writes", "find -delete deletes or changes files", "ask"),
    ]


@pytest.mark.parametrize(("source", "detail"), [
    ("rg --pre ./x TODO", "rg --pre ./x runs a program or code"),
    ("rg --pre=./x TODO", "rg --pre ./x runs a program or code"),
    ("rg TODO -z", "rg -z runs a program or code"),
    ("git log --ext-diff", "log --ext-diff runs a program or code"),
    ("git fetch --upload-pack=x origin", "fetch --upload-pack x runs a program or code"),
    ("tar --to-command=x -xf a.tar", "tar --to-command x runs a program or code"),
])
def test_options_that_run_code(source: str, detail: str, knowledge: Knowledge) -> None:
    assert hazards(only(source, knowledge)) == [("runs-code", detail, "ask")]


def test_node_require_and_script(knowledge: Knowledge) -> None:
    assert hazards(only("node -r ./x.js t.js", knowledge)) == [
        ("runs-code", "node -r ./x.js runs a program or code", "ask"),
        ("script-file", "node runs the script t.js", "ask"),
    ]


@pytest.mark.parametrize(("script", "problem"), [
    ("w out", "the 'w' command writes a file"),
    ("1w out", "the 'w' command writes a file"),
    ("W out", "the 'W' command writes a file"),
    ("e", "the 'e' command runs a command"),
    ("1e id", "the 'e' command runs a command"),
    ("r /etc/passwd", "the 'r' command reads a file"),
    ("R x", "the 'R' command reads a file"),
    ("s/a/b/e", "the s///e flag runs a command"),
    ("s|a|b|ge", "the s///e flag runs a command"),
    ("s/a/b/w out", "the s///w flag writes a file"),
    ("y/a/b/;e id", "the 'e' command runs a command"),
    ("s/a/b/Z", "cannot be analysed (unknown flag 'Z')"),
    ("s/a/b", "cannot be analysed (incomplete)"),
])
def test_sed_programs_that_run_write_or_read(script: str, problem: str,
                                             knowledge: Knowledge) -> None:
    invocation = only(f"sed '{script}' f", knowledge)
    assert hazards(invocation) == [("script", f"sed program {script!r}: {problem}", "ask")]


@pytest.mark.parametrize("source", ["sed 's/a/b/g' f", "sed -n '1,5p' f", "sed -e 's/a/b/' f",
                                    "sed '/x/d;$!N' f", "sed -E 's/(a)+/b/2' f"])
def test_sed_programs_that_only_edit_text(source: str, knowledge: Knowledge) -> None:
    assert only(source, knowledge).hazards == ()


def test_sed_checks_every_expression(knowledge: Knowledge) -> None:
    invocation = only("sed -e 's/a/b/' --expression='w x' f", knowledge)
    assert hazards(invocation) == [("script", "sed program 'w x': the 'w' command writes a file",
                                    "ask")]
    assert positionals(invocation) == ["f"]


@pytest.mark.parametrize("source", ["sed -i 's/a/b/' f", "sed --in-place 's/a/b/' f",
                                    "sed -ni 's/a/b/p' f", "sed -i.bak 's/a/b/' f"])
def test_sed_in_place(source: str, knowledge: Knowledge) -> None:
    """The files it rewrites are judged as paths written, as cp's and tee's are: no hazard
    of its own (an in-tree `sed -i` is everyday work)."""
    invocation = only(source, knowledge)
    assert hazards(invocation) == []
    assert [w.value for w in invocation.writes] == ["f"]


def test_sed_script_file(knowledge: Knowledge) -> None:
    assert hazards(only("sed -f prog.sed f", knowledge)) == [
        ("script-file", "sed runs a program from a file", "ask"),
    ]


def test_sed_dynamic_script(knowledge: Knowledge) -> None:
    assert hazards(only('sed "$prog" f', knowledge)) == [
        ("dynamic-option", '"$prog" may become an option of sed, which has options that run '
         "code or write files", "ask"),
        ("dynamic-script", "the sed program is only known at run time", "ask"),
    ]


@pytest.mark.parametrize(("program", "found"), [
    ('{system("id")}', "system"),
    ('BEGIN{ "id" | getline x }', "getline"),  # names first, in the whole text
    ('BEGIN{ "id" | "sh" }', "|"),
    ("{ getline line < \"f\" }", "getline"),
    ('{print > "f"}', ">"),
    ('{printf "x" >> "f"}', ">"),
    ('BEGIN{print ENVIRON["HOME"]}', "ENVIRON"),
])
def test_awk_programs_that_run_or_redirect(program: str, found: str,
                                           knowledge: Knowledge) -> None:
    invocation = only(f"awk '{program}' f", knowledge)
    assert hazards(invocation) == [
        ("script", f"awk program {program!r}: uses {found!r} (may run commands, read other "
         "files or write files)", "ask"),
    ]


@pytest.mark.parametrize("source", ["awk '{print $1}' f", "awk -F: '{print $1}' /etc/passwd",
                                    "awk '$1 == \"a|b\" || NR == 1' f"])
def test_awk_programs_that_only_print(source: str, knowledge: Knowledge) -> None:
    invocation = only(source, knowledge)
    assert invocation.hazards == (), invocation.hazards


@pytest.mark.parametrize(("source", "detail"), [
    ("python -c \"$x\"", "python -c runs inline code gatekeep does not read: it is known "
     "only at run time"),
    ("python3 -Sc 'import os'", "python -c runs inline code gatekeep does not read: it "
     "imports os"),
    ("python3 -W x -c 'print(1)'", "python -c runs inline code"),  # -W imports a module
    ("node -e 'x'", "node -e runs inline code gatekeep does not read: it names x, which it "
     "does not define"),
    ("perl -ne 'print'", "perl -e runs inline code"),
    ("ruby -e 'x'", "ruby -e runs inline code"),
])
def test_inline_code(source: str, detail: str, knowledge: Knowledge) -> None:
    assert hazards(only(source, knowledge)) == [("inline-code", detail, "ask")]


def test_python_module_is_not_inline_code(knowledge: Knowledge) -> None:
    python, module = run("python -m pytest -x", knowledge).invocations
    assert options(python) == [("-m", "pytest")]
    assert positionals(python) == ["-x"]  # everything after -m belongs to the module
    assert python.hazards == ()
    # ... and the module runs as a program of its own, judged with its own knowledge
    assert (module.program, module.wrapped_by) == ("pytest", "python")
    assert options(module) == [("-x", None)]


@pytest.mark.parametrize(("source", "program"), [
    ("sh", "bash"), ("bash -", "bash"), ("bash -s", "bash"), ("python", "python"),
    ("python3 -", "python"), ("node", "node"),
])
def test_interpreter_reading_stdin(source: str, program: str, knowledge: Knowledge) -> None:
    assert hazards(only(source, knowledge)) == [
        ("stdin-code", f"{program} runs code read from its input", "ask"),
    ]


def test_interpreter_in_a_pipeline_reads_the_pipe(knowledge: Knowledge) -> None:
    analysis = run("cat install.sh | sh", knowledge)
    assert [hazards(i) for i in analysis.invocations] == [
        [], [("stdin-code", "bash runs code read from its input", "ask")],
    ]


@pytest.mark.parametrize(("source", "detail"), [
    ("sh script.sh", "bash runs the script script.sh"),
    ("python tool.py --x", "python runs the script tool.py"),
])
def test_interpreter_running_a_script_file(source: str, detail: str,
                                           knowledge: Knowledge) -> None:
    assert hazards(only(source, knowledge)) == [("script-file", detail, "ask")]


def test_shell_with_script_option_does_not_read_stdin(knowledge: Knowledge) -> None:
    assert run("bash -c 'ls'", knowledge).invocations[0].hazards == ()


def test_risky_assignment_prefix(knowledge: Knowledge) -> None:
    invocation = only("FOO=1 PAGER=x git log", knowledge)
    assert hazards(invocation) == [
        ("environment", "sets PAGER, which changes what programs run or load", "ask"),
    ]


@pytest.mark.parametrize(("source", "name"), [
    ("GH_PAGER=./x.sh gh pr list", "GH_PAGER"), ("GH_HOST=evil.example gh api user", "GH_HOST"),
    ("YARN_CACHE_FOLDER=/tmp/c yarn install --frozen-lockfile", "YARN_CACHE_FOLDER"),
    ("yarn_cache_folder=/tmp/c yarn install --frozen-lockfile", "yarn_cache_folder"),
])
def test_gh_and_yarn_settings_by_assignment_are_hazards(source: str, name: str,
                                                        knowledge: Knowledge) -> None:
    """gh's pager, browser and host, yarn's cache and registry: set for one run, they choose
    what it runs and where it connects (red team 34)."""
    invocation = only(source, knowledge)
    assert ("environment", f"sets {name}, which changes what programs run or load",
            "ask") in hazards(invocation)


@pytest.mark.parametrize(("source", "expected"), [
    ("export PATH=/x", [("environment", "sets PATH, which changes what programs run or load",
                         "ask")]),
    ("export GIT_DIR", [("environment", "exports GIT_DIR, which changes what later commands "
                         "run", "ask")]),
    ("export $x", [("dynamic-declaration", "export with a name known only at run time: $x",
                    "ask")]),
    ("export FOO=1", []),
    ("local x=1", []),
    ("export -- FOO=1 BAR", []),
    # a nameref or an integer: a later assignment sets what no assignment word shows
    *((source, [("environment", f"{source.split()[0]} -n or -i makes a later assignment "
                 "set a variable its words do not show", "ask")])
      for source in ("declare -n r=PATH", "local -i x", "typeset -ni r=HOME")),
    # no name, or -p: it prints the variables, with the values of the secret ones
    *((listing, [("secret-variable", f"{listing.split()[0]} prints the shell's variables and "
                  "their values, which may hold secrets; what the command prints reaches the "
                  "agent", "ask")])
      for listing in ("export", "export -p", "export --", "declare -p GITHUB_TOKEN",
                      "declare -xp", "typeset", "local", "readonly")),
])
def test_declarations(source: str, expected: list[tuple[str, str, str]],
                      knowledge: Knowledge) -> None:
    invocation = only(source, knowledge)
    assert invocation.program == source.split()[0]
    assert hazards(invocation) == expected


def test_function_definition_is_a_hazard(knowledge: Knowledge) -> None:
    analysis = run("f() { echo hi; }", knowledge)
    assert [hazards(i) for i in analysis.invocations] == [
        [("function", "defines a shell function 'f'", "ask")], [],
    ]


@pytest.mark.parametrize(("source", "name", "calls"), [
    (":(){ :|:& };:", ":", 2),
    ("bomb(){ bomb|bomb& };bomb", "bomb", 2),
    ("f(){ f & }; f", "f", 1),
    ("f(){ f | f; }; f", "f", 2),
])
def test_fork_bomb(source: str, name: str, calls: int, knowledge: Knowledge) -> None:
    analysis = run(source, knowledge)
    bombs = [i for i in analysis.invocations if any(h.kind == "fork-bomb" for h in i.hazards)]
    assert len(bombs) == calls
    assert all(i.program == name for i in bombs)
    assert hazards(bombs[0])[-1] == (
        "fork-bomb", f"function {name!r} calls itself in the background or a pipeline: "
        "a fork bomb", "deny")
    # the top-level call itself is not the bomb
    assert not any(h.kind == "fork-bomb" for h in analysis.invocations[-1].hazards)


@pytest.mark.parametrize("source", ["f(){ f; }; f", "f(){ echo; }; f | f", "f(){ g & }; f"])
def test_not_a_fork_bomb(source: str, knowledge: Knowledge) -> None:
    analysis = run(source, knowledge)
    assert not any(h.kind == "fork-bomb" for i in analysis.invocations for h in i.hazards)


def test_parse_problems_are_carried_into_the_analysis(knowledge: Knowledge) -> None:
    analysis = run("ls; $X -rf build", knowledge)
    assert [p.reason for p in analysis.problems] == [
        "the program name '$X' is only known at run time",
    ]


def test_hazard_default_decision_is_ask() -> None:
    assert Hazard("k", "d").decision == "ask"


# -- code a program runs from files it is pointed at --------------------------------------

@pytest.mark.parametrize(("source", "paths"), [
    ("make", ["."]),
    ("make -C sub -f x.mk all", ["sub", "sub/x.mk"]),
    ("make -f /opt/x.mk", ["/opt/x.mk", "."]),
    ("git -C a -C /b --git-dir=g status", ["a", "/b", "/b/g"]),
    ("git -C a -C b log", ["a", "a/b"]),
    ("pytest -q tests other/t.py", ["tests", "other/t.py", "."]),
    # (and `python -m`: the module found in the working directory first)
    ("python -m pytest /opt/t", ["/opt/t", ".", "pytest.py", "pytest"]),
    ("cargo test --manifest-path x/Cargo.toml", ["x/Cargo.toml", "."]),
    ("go test -run TestX ./pkg", [".", "./pkg"]),
    ("ls -C /opt", []),
])
def test_code_paths(knowledge: Knowledge, source: str, paths: list[str]) -> None:
    found = [w.value for i in run(source, knowledge).invocations for w in i.runs_from]
    assert sorted(found, key=str) == sorted(paths, key=str)


def test_a_code_path_after_a_dynamic_directory_is_dynamic(knowledge: Knowledge) -> None:
    invocation = run('make -C "$d" -f x.mk', knowledge).invocations[0]
    assert [(w.raw, w.value) for w in invocation.runs_from] == [
        ('"$d"', None), ('"$d"/x.mk', None)]


@pytest.mark.parametrize(("source", "written"), [
    ("history -w ~/.bashrc", ["/.bashrc"]),
    ("history -a out.txt", ["out.txt"]),
    ("history -r in.txt", []),
    ("sed -i.bak s/a/b/ f.txt", ["f.txt"]),  # its program is no file
    ("sed -e s/a/b/ -i f.txt", ["f.txt"]),
    ("sed s/a/b/ f.txt", []),
])
def test_options_that_make_operands_written(knowledge: Knowledge, source: str,
                                            written: list[str]) -> None:
    invocation = run(source, knowledge).invocations[0]
    assert [w.value for w in invocation.writes] == written


@pytest.mark.parametrize("source", [
    "compgen -W '$(id)' x", "complete -C ./c ls", "bind -x '\"\\C-x\": id'", "enable -f ./x.so x",
    "hash -p /tmp/x ls", "mapfile -C cb lines", "fc -l", "git --exec-path=/tmp log",
])
def test_builtins_that_run_code_have_a_hazard(knowledge: Knowledge, source: str) -> None:
    invocation = run(source, knowledge).invocations[0]
    assert "runs-code" in [h.kind for h in invocation.hazards]


@pytest.mark.parametrize(("source", "inner"), [
    ("trap 'rm -rf build' EXIT", ["trap", "rm"]),
    ("trap -- 'echo hi; rm x' INT TERM", ["trap", "echo", "rm"]),
    ("trap - EXIT", ["trap"]),
    ("trap '' INT", ["trap"]),
    ("trap INT", ["trap"]),
])
def test_trap_code_is_judged_as_a_script(knowledge: Knowledge, source: str,
                                         inner: list[str]) -> None:
    analysis = run(source, knowledge)
    assert [i.program for i in analysis.invocations] == inner
    assert analysis.problems == ()


# -- code-path variables set for one command --------------------------------------------

@pytest.mark.parametrize(("source", "directories"), [
    ("PYTHONPATH=src:lib pytest -q", ["src", "lib"]),
    ("PYTHONPATH=src:$PYTHONPATH pytest -q", ["src"]),  # the caller's own value
    ("PYTHONPATH=src:${PYTHONPATH} pytest", ["src"]),
    ("PYTHONPATH=:src pytest", [".", "src"]),  # an empty entry is the working directory
    ("NODE_PATH=/opt/lib node x.js", ["/opt/lib"]),
])
def test_a_code_path_for_one_command_names_the_code_it_runs(
        source: str, directories: list[str], knowledge: Knowledge) -> None:
    invocation = only(source, knowledge)
    assert not [h for h in invocation.hazards if h.kind == "environment"]
    assert [w.value for w in invocation.loads_from] == directories


@pytest.mark.parametrize("source", [
    "PYTHONPATH=$X pytest", "PYTHONPATH=src:$OTHER pytest", "PYTHONPATH=~/lib pytest",
    "PYTHONPATH=$HOME/lib pytest", "PYTHONPATH=$(cat p) pytest", "PYTHONPATH=src/* pytest",
    "PYTHONPATH='src' pytest",  # quoted: not read (asked, as before)
    "export PYTHONPATH=src", "PYTHONPATH=src",  # for what follows: a `cd` moves it
    "env PYTHONPATH=/opt/lib pytest",  # a wrapper's assignment: the word whole, not read
])
def test_a_code_path_not_of_literal_paths_for_one_command_is_a_hazard(
        source: str, knowledge: Knowledge) -> None:
    assert "environment" in [h.kind for i in run(source, knowledge).invocations
                             for h in i.hazards]


@pytest.mark.parametrize(("source", "asked"), [
    # `>` compares before any print (after one, where its statement ends is not told)
    ("awk 'NR>1 {sum+=$2} END {print sum}' f", False), ("awk '$2 > 3' f", False),
    ("awk '{ if ($2 > 3) print $1 }' f", False), ("awk '{print ($1 > 2)}' f", True),
    ("awk '{x = $1 >= 2; print x}' f", False),
    # and redirects the output of a print or printf statement
    ("awk '{print $1 > \"/tmp/x\"}' f", True), ("awk '{print > \"out\"}' f", True),
    ("awk '{printf(\"%s\", $1) > \"o\"}' f", True), ("awk '{print $1 >> \"o\"}' f", True),
    ("awk 'NR>1 {print; print $2 >\"o\"}' f", True), ("awk '{print $1 | \"sh\"}' f", True),
])
def test_awk_comparisons_are_not_redirections(source: str, asked: bool,
                                              knowledge: Knowledge) -> None:
    assert bool(hazards(only(source, knowledge))) == asked
