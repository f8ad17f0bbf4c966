"""What the everyday commands load: each pays only for what it uses (start-up is most of
their time). Module lists, not timings: the benchmark in benchmarks/startup.py times them."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.fixture
def env(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    home = tmp_path_factory.mktemp("home")  # beside tmp_path, where the commands run: a
    # working tree that holds the home is asked about, never boxed unattended
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home),
            "XDG_CONFIG_HOME": str(tmp_path / "config"),
            "XDG_STATE_HOME": str(tmp_path / "state")}


def loaded(args: list[str], env: dict[str, str], cwd: Path, stdin: bytes = b"") -> set[str]:
    """The top-level packages ``python -m gatekeep ARGS`` imports (``-X importtime``)."""
    return {name.split(".")[0] for name in modules(args, env, cwd, stdin)}


def modules(args: list[str], env: dict[str, str], cwd: Path, stdin: bytes = b"") -> set[str]:
    """The modules ``python -m gatekeep ARGS`` imports, by their full names."""
    result = subprocess.run([sys.executable, "-X", "importtime", "-m", "gatekeep", *args],
                            input=stdin, capture_output=True, env=env, cwd=cwd, check=False)
    assert result.returncode == 0, result.stderr.decode()
    return {line.rsplit("|", 1)[1].strip()
            for line in result.stderr.decode().splitlines() if line.startswith("import time:")}


def forget_decisions(env: dict[str, str]) -> None:
    for stored in (Path(env["XDG_STATE_HOME"]) / "gatekeep" / "cache").glob("d-*"):
        stored.unlink()


def test_version_runs_without_typer(env: dict[str, str], tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "gatekeep", "version"], capture_output=True,
                            text=True, env=env, check=True)
    from gatekeep import __version__

    assert result.stdout == f"{__version__}\n"
    assert loaded(["version"], env, tmp_path) & {"typer", "click", "pydantic", "rich"} == set()


def test_a_fresh_decision_with_the_compiled_policy_cached_reads_no_yaml(
        env: dict[str, str], tmp_path: Path) -> None:
    """The policy and the redaction patterns come from the sealed cache: no YAML is read."""
    command = ["run", "-c", "ls >/dev/null && echo done >/dev/null"]
    subprocess.run([sys.executable, "-m", "gatekeep", *command], env=env, cwd=tmp_path,
                   check=True)
    forget_decisions(env)
    found = loaded(command, env, tmp_path)
    assert "tree_sitter" in found  # decided afresh: the command was parsed
    assert found & {"yaml", "typer", "click", "pydantic", "rich"} == set()


@pytest.mark.parametrize("command", [["run", "-c", "true"], ["check", "--json", "-c", "ls"]])
def test_a_fresh_decision_loads_no_openssl_and_no_package_resources(
        env: dict[str, str], tmp_path: Path, command: list[str]) -> None:
    """The cache's name and seal use the runtime's SHA-256; the grammar is loaded without
    tree-sitter-bash's ``__init__`` (importlib.resources, tempfile, shutil, compression)."""
    subprocess.run([sys.executable, "-m", "gatekeep", *command], env=env, cwd=tmp_path,
                   check=True, capture_output=True)
    forget_decisions(env)
    found = modules(command, env, tmp_path)
    assert "tree_sitter" in found  # decided afresh: the command was parsed
    assert found & {"hashlib", "_hashlib", "hmac", "importlib.resources", "tempfile",
                    "shutil", "lzma", "bz2", "tree_sitter_bash"} == set()


def test_a_hook_call_that_reuses_a_decision_reads_no_yaml_and_parses_nothing(
        env: dict[str, str], tmp_path: Path) -> None:
    """The agent's stated purpose is redacted with the cached patterns; not even typing or
    pathlib load (each costs about a tenth of the interpreter's own start-up)."""
    call = json.dumps({"session_id": "s1", "cwd": str(tmp_path), "hook_event_name":
                       "PreToolUse", "tool_name": "Bash", "permission_mode": "default",
                       "tool_input": {"command": "ls -la", "description": "look around"}})
    loaded(["hook", "claude-code"], env, tmp_path, call.encode())  # decides and stores
    found = modules(["hook", "claude-code"], env, tmp_path, call.encode())
    assert {name.split(".")[0] for name in found} & {
        "yaml", "tree_sitter", "typer", "rich", "pydantic", "typing", "pathlib"} == set()
    # nor OpenSSL's hashes (gatekeep.runtime.digest), the pattern files' reader (the saved
    # patterns redact, each compiled only where the text could match), or what runs commands
    assert found & {"hashlib", "hmac", "_hashlib", "gatekeep.policy.redact",
                    "gatekeep.policy", "gatekeep.runtime.execute"} == set()
    assert "signal" not in found  # the time budget's alarm: _signal, without the enums
    log = (Path(env["XDG_STATE_HOME"]) / "gatekeep" / "audit.jsonl").read_text()
    assert log.count('"why": "look around"') == 2


def test_the_typer_application_loads_the_engine_only_for_a_command_that_judges(
        tmp_path: Path) -> None:
    probe = "import sys, gatekeep.cli\nprint('gatekeep.core.engine' in sys.modules)\n"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            check=True, cwd=tmp_path)
    assert result.stdout == "False\n"


@pytest.mark.parametrize("args", [
    ["--help"], ["log", "--help"], ["log"], ["log", "-n", "1"], ["log", "stats"],
    ["log", "verify"], ["approvals", "list"], ["schema"], ["completions", "bash"],
    ["install", "claude-code"], ["uninstall", "claude-code"], ["doctor", "--help"],
    ["lint", "builtin:default"], ["test", "--min-coverage", "50", "builtin:default"],
    ["check", "--count", "2", "--", "true"]], ids=" ".join)
def test_typer_dispatched_commands_convert_their_values_without_pydantic(
        args: list[str], env: dict[str, str], tmp_path: Path) -> None:
    """typer converts values with pydantic (about 45 ms of imports); the command line's plain
    values are converted by gatekeep.cli_values instead."""
    subprocess.run([sys.executable, "-m", "gatekeep", "run", "--", "true"], env=env,
                   cwd=tmp_path, check=True)  # an audit log to read and verify
    found = loaded(args, env, tmp_path)
    assert "typer" in found  # through the typer application, not a path before it
    assert "pydantic" not in found


def test_doctor_runs_without_typer_as_the_typer_application_runs_it(
        env: dict[str, str], tmp_path: Path) -> None:
    """``doctor`` has no option to convert: dispatched before typer, its report and exit
    status are the typer application's."""
    subprocess.run([sys.executable, "-m", "gatekeep", "run", "--", "true"], env=env,
                   cwd=tmp_path, check=True)  # an audit log and a compiled policy
    assert loaded(["doctor"], env, tmp_path) & {"typer", "click", "rich"} == set()
    (tmp_path / "config" / "gatekeep").mkdir(parents=True, exist_ok=True)
    (tmp_path / "config" / "gatekeep" / "policy.yaml").write_text("gatekeep: 1\nrules: [\n")
    plain, typed = (subprocess.run(command, capture_output=True, text=True, env=env,
                                   cwd=tmp_path, check=False) for command in (
        [sys.executable, "-m", "gatekeep", "doctor"],
        [sys.executable, "-c", "import sys; from gatekeep.cli import invoke; "
         "sys.exit(invoke(['doctor']))"]))
    assert plain.returncode == typed.returncode == 1  # the broken policy is a failure
    assert "policy" in plain.stdout
    assert (plain.stdout, plain.stderr) == (typed.stdout, typed.stderr)


def test_a_value_typer_must_judge_still_gets_its_message(env: dict[str, str]) -> None:
    result = subprocess.run([sys.executable, "-m", "gatekeep", "log", "-n", "-1"],
                            capture_output=True, text=True, env=env, check=False)
    assert result.returncode == 2
    assert result.stderr.endswith(
        "Error: Invalid value for '--limit' / '-n': Input should be greater than or equal "
        "to 0\n")


def test_a_replay_converts_its_log_path_without_pydantic(env: dict[str, str],
                                                         tmp_path: Path) -> None:
    log = tmp_path / "audit.jsonl"
    log.write_text("")
    found = loaded(["replay", str(log), "--policy", "builtin:default"], env, tmp_path)
    assert found & {"typer", "pydantic"} == {"typer"}


def test_the_log_table_loads_no_engine(env: dict[str, str], tmp_path: Path) -> None:
    """The table's marks come from the explanation's sign table, not with the engine; on a
    pipe, the table and the report are plain text written without rich."""
    subprocess.run([sys.executable, "-m", "gatekeep", "run", "--", "true"], env=env,
                   cwd=tmp_path, check=True)
    for args in (["log", "-n", "1"], ["log", "stats"]):
        probe = ("import sys, runpy\nsys.argv = ['gatekeep', *sys.argv[1:]]\n"
                 "try:\n    runpy.run_module('gatekeep', run_name='__main__')\n"
                 "except SystemExit:\n    pass\n"
                 "print('gatekeep.core.engine' in sys.modules, 'rich' in sys.modules, "
                 "file=sys.stderr)\n")
        result = subprocess.run([sys.executable, "-c", probe, *args], capture_output=True,
                                text=True, env=env, cwd=tmp_path, check=False)
        assert result.stderr.splitlines()[-1] == "False False", (args, result.stderr)


@pytest.mark.parametrize("command", [["run", "--", "true"], ["check", "--", "ls", "-la"]],
                         ids=" ".join)
def test_a_command_given_as_words_is_judged_without_typing(
        env: dict[str, str], tmp_path: Path, command: list[str]) -> None:
    """Words need no parser (a command string loads tree-sitter, whose package imports
    typing); the judging path itself imports no typing."""
    subprocess.run([sys.executable, "-m", "gatekeep", *command], env=env, cwd=tmp_path,
                   check=True, capture_output=True)
    forget_decisions(env)
    assert loaded(command, env, tmp_path) & {"typing", "tree_sitter"} == set()


def test_a_decision_on_a_pipe_is_written_without_rich(env: dict[str, str],
                                                      tmp_path: Path) -> None:
    """Written to a pipe, rich would write the decision's text as it is."""
    assert "rich" not in loaded(["check", "--", "true"], env, tmp_path)
    assert "rich" in loaded(["check", "--", "true"], {**env, "FORCE_COLOR": "1"}, tmp_path)


@pytest.mark.parametrize("args", [["--help"], ["completions", "bash"]], ids=" ".join)
def test_commands_that_read_no_state_load_no_locations(
        args: list[str], env: dict[str, str], tmp_path: Path) -> None:
    """gatekeep's file locations (and hashlib with them) load with the commands that use
    them, not with the typer application."""
    result = subprocess.run([sys.executable, "-X", "importtime", "-m", "gatekeep", *args],
                            capture_output=True, env=env, cwd=tmp_path, check=True)
    names = {line.rsplit("|", 1)[1].strip() for line in result.stderr.decode().splitlines()
             if line.startswith("import time:")}
    assert "gatekeep.cli" in names
    assert names & {"gatekeep.runtime.locations", "hashlib"} == set()


def test_the_schema_is_built_without_yaml_or_the_loader(env: dict[str, str],
                                                        tmp_path: Path) -> None:
    """The schema takes the loader's key sets from ``gatekeep.policy.keys``."""
    names = modules(["schema"], env, tmp_path)
    assert "gatekeep.policy.schema" in names
    assert names & {"yaml", "gatekeep.policy.load", "gatekeep.policy.yamlsource",
                    "gatekeep.policy.model", "gatekeep.shell.analyze"} == set()


# Run as the installed ``gatekeep`` script runs it (``python -m`` loads contextlib itself),
# reporting the modules it loaded and the gatekeep modules that compiled an expression as
# they loaded.
SCRIPT_PROBE = """\
import re, sys
start = set(sys.modules)
compiling = []
compile = re.compile
def spy(pattern, flags=0):
    caller = sys._getframe(1)
    if caller.f_code.co_name == "<module>" and caller.f_globals["__name__"][:9] == "gatekeep.":
        compiling.append(caller.f_globals["__name__"])
    return compile(pattern, flags)
re.compile = spy
from gatekeep.__main__ import main
sys.argv[0] = "gatekeep"
status = main()
sys.stderr.write(repr((int(status), sorted(set(sys.modules) - start), compiling)))
"""


def script_run(args: list[str], env: dict[str, str], cwd: Path) -> tuple[set[str], list[str]]:
    """``(modules loaded, gatekeep modules that compiled expressions on import)``."""
    result = subprocess.run([sys.executable, "-c", SCRIPT_PROBE, *args], capture_output=True,
                            text=True, env=env, cwd=cwd, check=False)
    status, found, compiling = ast.literal_eval(result.stderr.rsplit("\n", 1)[-1])
    assert status == 0, result.stderr
    return set(found), compiling


JUDGING = [["check", "--", "true"], ["check", "--json", "-c", "ls -la && git status"],
           ["run", "-c", "ls >/dev/null && echo done >/dev/null"]]


@pytest.mark.parametrize("command", JUDGING, ids=" ".join)
def test_a_fresh_decision_compiles_expressions_only_as_it_uses_them(
        env: dict[str, str], tmp_path: Path, command: list[str]) -> None:
    """Compiling every expression of the engine, the parser and the analysis at import
    cost each judging start-up milliseconds, for expressions most commands never use."""
    subprocess.run([sys.executable, "-m", "gatekeep", *command], env=env, cwd=tmp_path,
                   check=True, capture_output=True)  # the compiled policy, cached
    forget_decisions(env)
    found, compiling = script_run(command, env, tmp_path)
    assert "gatekeep.core.engine" in found  # decided afresh
    assert compiling == []


@pytest.mark.parametrize("command", JUDGING, ids=" ".join)
def test_a_fresh_decision_loads_no_string_or_glob(
        env: dict[str, str], tmp_path: Path, command: list[str]) -> None:
    """``string`` compiles its templates' expression as it loads; ``glob`` serves only
    package installs' manifests."""
    subprocess.run([sys.executable, "-m", "gatekeep", *command], env=env, cwd=tmp_path,
                   check=True, capture_output=True)
    forget_decisions(env)
    found = script_run(command, env, tmp_path)[0]
    assert "gatekeep.core.engine" in found
    assert found & {"string", "glob"} == set()


@pytest.mark.parametrize("command", [["check", "--", "true"], ["run", "--", "true"]],
                         ids=" ".join)
def test_a_command_given_as_words_is_judged_without_contextlib(
        env: dict[str, str], tmp_path: Path, command: list[str]) -> None:
    """Only a write of the saved approvals takes their lock (and typing, loaded with the
    parser for a command string, brings contextlib with it)."""
    subprocess.run([sys.executable, "-m", "gatekeep", *command], env=env, cwd=tmp_path,
                   check=True, capture_output=True)
    forget_decisions(env)
    found = script_run(command, env, tmp_path)[0]
    assert "gatekeep.approval.store" in found  # decided afresh, the saved approvals read
    assert "contextlib" not in found


def test_a_reused_decision_runs_without_contextlib(env: dict[str, str],
                                                   tmp_path: Path) -> None:
    subprocess.run([sys.executable, "-m", "gatekeep", "run", "--", "true"], env=env,
                   cwd=tmp_path, check=True)
    found = script_run(["run", "--", "true"], env, tmp_path)[0]
    assert "gatekeep.runtime.execute" in found
    assert found & {"contextlib", "gatekeep.core.engine"} == set()  # reused, not judged


@pytest.mark.parametrize("launcher", [["gatekeep", "run", "--", "true"],
                                      ["gatekeep-sh", "-c", "true"]], ids=" ".join)
def test_a_reused_run_through_the_installed_command_loads_no_re_or_enum(
        env: dict[str, str], tmp_path: Path, launcher: list[str]) -> None:
    """A reused decision is most of an agent's commands: neither the launcher (bin/), nor the
    boundary's globs and the repository's config scan, nor signal handling pay for ``re``,
    ``enum`` (``signal``'s enums) or ``functools`` when no glob or config line needs them."""
    (tmp_path / ".git").mkdir()  # a repository, its config read for core.hooksPath
    (tmp_path / ".git" / "config").write_text('[core]\n\tbare = false\n[remote "origin"]\n'
                                              "\turl = https://example.org/x.git\n")
    script = [sys.executable, str(Path(__file__).resolve().parents[1] / "bin" / launcher[0]),
              *launcher[1:]]
    subprocess.run(script, env=env, cwd=tmp_path, check=True)  # the decision, stored
    result = subprocess.run(script, env={**env, "PYTHONPROFILEIMPORTTIME": "1"}, cwd=tmp_path,
                            capture_output=True, text=True, check=True)
    found = {line.rsplit("|", 1)[1].strip() for line in result.stderr.splitlines()
             if line.startswith("import time:")}
    assert "gatekeep.runtime.execute" in found and "gatekeep.sandbox.gitdirs" in found
    assert found & {"re", "enum", "signal", "functools", "gatekeep.core.engine"} == set()
