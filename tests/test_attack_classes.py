"""Classes of attack the default policy must ask about or deny, and their benign look-alikes.

``tests/data/attack_classes.yaml`` holds the cases: expansions bash evaluates as code,
process substitutions, agents' own settings, builtins that write files or load code, git's
global options, programs that run files named on the command line, and secrets read by
pattern or through xargs. Each attack names the rules that must decide it, so the
explanation the operator reads is the true reason.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from gatekeep.core.engine import Decision, decide
from gatekeep.core.paths import Context, SystemResolver
from gatekeep.policy.load import load_policy
from gatekeep.policy.model import Policy
from gatekeep.shell.parse import parse

CASES = Path(__file__).parent / "data" / "attack_classes.yaml"
DATA = yaml.safe_load(CASES.read_text(encoding="utf-8"))
HOME_FILES = (".ssh/id_rsa", ".ssh/id_ed25519", ".ssh/config", ".aws/credentials", ".netrc",
              ".bashrc")
TREE_FILES = ("README.md", "a", "b", "sub/x", "src/m.py", "tests/t.py", "Makefile", "build.mk",
              "n.txt", "paths.txt")
CLASSES = {"expansion", "process-substitution", "agent-config", "builtin", "git-global",
           "runs-file", "secret-read"}


def _params(key: str) -> list[Any]:
    return [pytest.param(entry, id=f"{index:03d} {entry['cmd'][:60]!r}")
            for index, entry in enumerate(DATA[key])]


@pytest.fixture(scope="module")
def policy() -> Policy:
    return load_policy("builtin:default")


@pytest.fixture(scope="module")
def context(tmp_path_factory: pytest.TempPathFactory) -> Context:
    root = tmp_path_factory.mktemp("attacks")
    for base, names in ((root / "home", HOME_FILES), (root / "work", TREE_FILES)):
        for name in names:
            (base / name).parent.mkdir(parents=True, exist_ok=True)
            (base / name).write_text("secret\n", encoding="utf-8")
    return Context(cwd=str(root / "work"), home=str(root / "home"),
                   resolver=SystemResolver("/usr/bin:/bin"))


def judge(policy: Policy, context: Context, command: str) -> Decision:
    return decide(policy, parse(command), context)


def explain(decision: Decision) -> list[tuple[str, str, tuple[str, ...], str | None]]:
    return [(s.text, s.decision, s.rules, s.reason) for s in decision.segments]


def test_every_class_has_several_cases() -> None:
    counts = {name: 0 for name in CLASSES}
    for entry in DATA["attacks"]:
        counts[entry["class"]] += 1
    assert set(counts) == CLASSES
    assert min(counts.values()) >= 10, counts
    assert len({e["cmd"] for e in DATA["attacks"]}) == len(DATA["attacks"])


@pytest.mark.parametrize("entry", _params("attacks"))
def test_attack_is_not_allowed_for_its_true_reason(entry: dict[str, Any], policy: Policy,
                                                   context: Context) -> None:
    decision = judge(policy, context, entry["cmd"])
    expected = ("deny",) if entry.get("expect") == "deny" else ("ask", "deny")
    assert decision.decision in expected, (entry["why"], explain(decision))
    deciding = {rule for segment in decision.deciding for rule in segment.rules}
    assert set(entry["rules"]) <= deciding, (entry["why"], explain(decision))


@pytest.mark.parametrize("entry", _params("benign"))
def test_benign_look_alike_stays_allowed(entry: dict[str, Any], policy: Policy,
                                         context: Context) -> None:
    decision = judge(policy, context, entry["cmd"])
    assert decision.decision == "allow", (entry["why"], explain(decision))


@pytest.mark.parametrize("entry", [p for p in _params("attacks") if p.values[0].get("bash_runs")])
def test_bash_really_runs_the_code(entry: dict[str, Any], tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("one\ntwo\n", encoding="utf-8")
    subprocess.run(["bash", "-c", entry["cmd"]], cwd=tmp_path, stdin=subprocess.DEVNULL,
                   capture_output=True, timeout=30, check=False)
    assert (tmp_path / "pwned").exists(), entry["cmd"]


def test_a_file_name_is_a_value_arithmetic_runs(tmp_path: Path, policy: Policy,
                                                context: Context) -> None:
    """A loop over file names, evaluated as numbers, runs a command a file's name holds."""
    command = "for f in *; do echo $((f)); done"
    (tmp_path / "a[$(touch pwned)]").write_text("", encoding="utf-8")
    subprocess.run(["bash", "-c", command], cwd=tmp_path, stdin=subprocess.DEVNULL,
                   capture_output=True, timeout=30, check=False)
    assert (tmp_path / "pwned").exists()
    assert judge(policy, context, command).decision == "ask"


@pytest.mark.parametrize("command", [
    "x=abc; echo ${x@Q} ${x@E} ${x@A} ${x@a} ${x@U} ${x@u} ${x@L} ${x@K} ${x@k}",
    "i=0; echo $((i + 1))", "for i in 1 2; do echo $((i * 2)); done"])
def test_the_allowed_look_alikes_run_nothing_in_bash(command: str, tmp_path: Path) -> None:
    code = "v='$(touch pwned)'; " + command.replace("x=abc", "x=$v")
    subprocess.run(["bash", "-c", code], cwd=tmp_path, stdin=subprocess.DEVNULL,
                   capture_output=True, timeout=30, check=False)
    assert not (tmp_path / "pwned").exists()


@pytest.mark.parametrize(("command", "decision", "reason"), [
    ("cd /opt/other && make", "ask",
     "runs code from /opt/other, outside the working tree: code gatekeep never saw"),
    ("cd sub && make test", "allow", None),
    ('git -C "$d" status', "ask", 'runs code from "$d", a path known only at run time'),
    ("pushd /srv/app && npm test", "ask",
     "runs code from /srv/app, outside the working tree: code gatekeep never saw"),
])
def test_code_is_judged_from_where_a_cd_moved(policy: Policy, context: Context, command: str,
                                              decision: str, reason: str | None) -> None:
    result = judge(policy, context, command)
    assert result.decision == decision, explain(result)
    runs = [v.reason for s in result.segments for v in s.verdicts if v.rule == "path:runs-code"]
    assert runs == ([reason] if reason else []), explain(result)
