"""Effects as data: program knowledge says what a run does in a fixed vocabulary, rules match
it, and the line an ask or a deny shows is derived from those effects alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from gatekeep.core.engine import Decision, decide
from gatekeep.core.paths import Context, SystemResolver
from gatekeep.errors import PolicyError
from gatekeep.policy.knowledge import load_knowledge
from gatekeep.policy.load import load_knowledge_default, load_policy
from gatekeep.policy.refs import builtin_dir
from gatekeep.shell.effects import EFFECTS, VOCABULARY, describe
from gatekeep.shell.parse import parse

POLICY = load_policy("builtin:default")
SYSTEM = "/usr/local/bin:/usr/bin:/bin"


def context(tmp_path: Path, path: str = SYSTEM) -> Context:
    work = tmp_path / "work"
    work.mkdir(exist_ok=True)
    return Context(cwd=str(work), home=str(tmp_path / "home"), resolver=SystemResolver(path))


def fake_programs(tmp_path: Path, *names: str) -> str:
    """A bin directory with these programs, so they resolve as system programs anywhere."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    for name in names:
        (bin_dir / name).write_text("#!/bin/sh\n")
        (bin_dir / name).chmod(0o755)
    return f"{bin_dir}:{SYSTEM}"


def judge(command: str, tmp_path: Path, policy=POLICY) -> Decision:  # type: ignore[no-untyped-def]
    path = fake_programs(tmp_path, "kubectl", "helm", "docker", "systemctl", "terraform", "npm",
                         "cargo", "go", "git", "pip")
    return decide(policy, parse(command), context(tmp_path, path))


# -- the vocabulary and the table ----------------------------------------------------------

def test_every_effect_in_the_shipped_knowledge_is_of_the_vocabulary() -> None:
    knowledge = load_knowledge_default()
    assert len(knowledge.effects) >= 40
    for name, table in knowledge.effects.items():
        named = {*table.every, *(e for v in table.subcommands.values() for e in v),
                 *(e for v in table.options.values() for e in v),
                 *(e for v in table.actions.values() for e in v)}
        assert named, name
        assert named <= set(VOCABULARY), (name, named - set(VOCABULARY))


def test_the_vocabulary_is_the_documented_one() -> None:
    assert set(VOCABULARY) == {"reads", "writes-tree", "writes-elsewhere", "network",
                               "network-loopback", "discards", "rewrites-history",
                               "skips-checks", "deletes", "runs-tree-code",
                               "runs-foreign-code", "changes-services", "deploys", "installs"}
    readme = (builtin_dir().parent / "README.md").read_text(encoding="utf-8")
    for name in VOCABULARY:
        assert f"`{name}`" in readme, name


@pytest.mark.parametrize(("text", "expected"), [
    ("effects:\n  kubectl:\n    subcommands:\n      apply: [deploy]\n",
     "6:15: effects.kubectl.subcommands.apply[0]: expected one of " + ", ".join(VOCABULARY)
     + ", got 'deploy'"),
    ("effects:\n  make:\n    every: runs-code\n",
     "5:12: effects.make.every: expected one of " + ", ".join(VOCABULARY)
     + ", got 'runs-code'"),
    ("effects:\n  git:\n    options: {push: [network]}\n",
     "5:21: effects.git.options.push: expected an option, or subcommand words and an "
     "option, got 'push'"),
    ("effects:\n  git:\n    every: [reads]\n    sub: {}\n",
     "6:5: effects.git.sub: unknown key 'sub'; expected one of: actions, every, "
     "file_operands_from, options, path_operands, same_as, subcommands"),
    ("effects:\n  git:\n    actions: {rebase: [reads]}\n",
     "5:23: effects.git.actions.rebase: expected an option, or subcommand words and an "
     "option, got 'rebase'"),
])
def test_an_unknown_effect_is_a_load_error(text: str, expected: str, tmp_path: Path) -> None:
    path = tmp_path / "programs.yaml"
    path.write_text("gatekeep-programs: 1\n\n" + text)
    with pytest.raises(PolicyError) as caught:
        load_knowledge(path, load_knowledge_default())
    assert str(caught.value) == f"{path}:{expected}"


def test_a_users_knowledge_file_replaces_a_programs_table(tmp_path: Path) -> None:
    path = tmp_path / "programs.yaml"
    path.write_text("gatekeep-programs: 1\neffects:\n  mytool:\n    every: [deploys]\n"
                    "  git:\n    subcommands: {push: [network, deploys]}\n")
    knowledge = load_knowledge(path, load_knowledge_default())
    assert knowledge.effects["mytool"].every == ("deploys",)
    assert knowledge.effects["git"].of(("push",), frozenset()) == (("push",),
                                                                    ("network", "deploys"))
    assert knowledge.effects["git"].of(("status",), frozenset()) == ((), ())


def test_the_longest_subcommand_decides_and_options_add() -> None:
    table = load_knowledge_default().effects["docker"]
    assert table.of(("compose", "ps"), frozenset()) == (("compose", "ps"), ("network",))
    assert table.of(("compose", "up", "web"), frozenset({"-d"}))[1] == (
        "network", "changes-services", "runs-foreign-code")
    assert table.of(("nothing",), frozenset()) == ((), ())


# -- rules match any effect ------------------------------------------------------------------

RULES = """gatekeep: 1
default: ask
rules:
  - id: read-clusters
    allow: [{program: kubectl, effects: [network]}]
  - id: no-deploys
    deny: [{program: "*", effects: [deploys]}]
    reason: deploys
  - id: outside
    deny: [{program: cp, effects: [writes-elsewhere]}]
  - id: inside
    allow: [{program: cp, effects: [writes-tree]}]
"""


@pytest.mark.parametrize(("command", "decision", "rules"), [
    ("kubectl get pods", "allow", ("read-clusters",)),
    ("kubectl apply -f x.yaml", "deny", ("no-deploys",)),
    ("helm upgrade api ./chart", "deny", ("no-deploys",)),
    ("helm template ./chart", "ask", ("default",)),
    ("terraform apply", "deny", ("no-deploys",)),
    ("terraform plan", "ask", ("default",)),
    ("cp a.txt b.txt", "allow", ("inside",)),
    ("cp a.txt /opt/b.txt", "deny", ("outside",)),
])
def test_rules_match_effects(command: str, decision: str, rules: tuple[str, ...],
                             tmp_path: Path) -> None:
    policy_file = tmp_path / "p.yaml"
    policy_file.write_text(RULES)
    found = judge(command, tmp_path, load_policy(policy_file)).segments[0]
    assert (found.decision, found.rules) == (decision, rules)


def test_a_rule_naming_an_unknown_effect_does_not_load(tmp_path: Path) -> None:
    policy_file = tmp_path / "p.yaml"
    policy_file.write_text("gatekeep: 1\nrules:\n  - id: x\n    ask: [{program: a, "
                           "effects: [deploy]}]\n")
    with pytest.raises(PolicyError, match="expected one of deploys, "):
        load_policy(policy_file)


# -- the line shown is derived from the effects, and true ------------------------------------

DOES = [
    ("kubectl apply -f x.yaml",
     "kubectl apply: changes deployed systems (deploys); connects to another machine or a "
     "network service (network)"),
    ("kubectl delete pod web-1", "kubectl delete: changes deployed systems (deploys); "
     "connects to another machine or a network service (network)"),
    ("helm install api ./chart", "helm install: changes deployed systems (deploys); "
     "connects to another machine or a network service (network)"),
    ("terraform destroy", "terraform destroy: changes deployed systems (deploys); connects "
     "to another machine or a network service (network)"),
    ("systemctl restart nginx", "systemctl restart: starts, stops or signals running "
     "services or processes (changes-services)"),
    ("docker compose up -d", "docker compose up: starts, stops or signals running services "
     "or processes (changes-services); runs code from outside the project "
     "(runs-foreign-code); connects to another machine or a network service (network)"),
    ("npm install left-pad", "npm install: installs packages (installs); runs code from "
     "outside the project (runs-foreign-code); connects to another machine or a network "
     "service (network)"),
    ("pip install requests", "pip install: installs packages (installs); runs code from "
     "outside the project (runs-foreign-code); connects to another machine or a network "
     "service (network)"),
    ("cargo install ripgrep", "cargo install: installs packages (installs); runs code from "
     "outside the project (runs-foreign-code); connects to another machine or a network "
     "service (network)"),
    ("git push origin main",
     "git push: connects to another machine or a network service (network)"),
    ("git reset --hard", "git reset --hard: discards uncommitted changes to files (discards); "
     "writes or deletes files in the working tree (writes-tree)"),
    ("git -C /opt/other commit -m x", "git commit: runs code from outside the project "
     "(runs-foreign-code); writes or deletes files outside the working tree "
     "(writes-elsewhere)"),
    ("rm -rf build", "rm: deletes files other than build output (deletes); writes or "
     "deletes files in the working tree (writes-tree)"),
    ("rm -rf /opt/build", "rm: deletes files other than build output (deletes); writes or "
     "deletes files outside the working tree (writes-elsewhere)"),
    ("cp a.txt /opt/b.txt", "cp: writes or deletes files outside the working tree "
     "(writes-elsewhere); reads files (reads)"),
    ("curl -s https://example.com/x",
     "curl: connects to another machine or a network service (network)"),
    ("make -C /opt/x", "make: runs code from outside the project (runs-foreign-code); "
     "runs the project's own code (runs-tree-code)"),
]


@pytest.mark.parametrize(("command", "line"), DOES, ids=[c for c, _ in DOES])
def test_the_line_of_an_ask_or_deny_says_what_the_effects_say(command: str, line: str,
                                                              tmp_path: Path) -> None:
    segment = judge(command, tmp_path).segments[0]
    assert segment.decision in ("ask", "deny")
    assert segment.does == line


# what each sample does NOT do: a claim of these would be a false line
NOT_DONE = [
    ("kubectl get pods", {"deploys", "changes-services", "writes-tree", "writes-elsewhere"}),
    ("helm template ./chart", {"deploys", "network"}),
    ("helm list -A", {"deploys"}),
    ("docker ps", {"deploys", "changes-services", "runs-foreign-code"}),
    ("git status", {"network", "writes-tree"}),
    ("git pull", {"deploys"}),
    ("git push", {"writes-tree", "deploys"}),
    ("terraform validate", {"deploys", "network"}),
    ("systemctl status nginx", {"changes-services"}),
    ("rm -rf build", {"writes-elsewhere"}),
    ("mv a.txt b.txt", {"writes-elsewhere"}),
    ("curl http://127.0.0.1:3000/health", {"network"}),
    ("./kubectl apply -f x.yaml", {"deploys"}),  # the tree's script, not kubectl
]


@pytest.mark.parametrize(("command", "absent"), NOT_DONE, ids=[c for c, _ in NOT_DONE])
def test_no_sample_claims_what_it_does_not_do(command: str, absent: set[str],
                                              tmp_path: Path) -> None:
    (tmp_path / "work").mkdir(exist_ok=True)
    (tmp_path / "work" / "kubectl").write_text("#!/bin/sh\n")
    segment = judge(command, tmp_path).segments[0]
    said = segment.does or ""
    for effect in absent:
        assert f"({effect})" not in said, (command, said)


def test_describe_says_each_effect_once_in_the_vocabulary_order() -> None:
    assert describe("x", ("network", "deploys", "network", "runs-package")) == (
        f"x: {EFFECTS['deploys']} (deploys); {EFFECTS['network']} (network)")
    assert describe("x", ("network", "network-loopback")) == f"x: {EFFECTS['network']} (network)"
    assert describe("x", ()) is None


def test_no_entry_that_runs_tree_code_also_deploys_installs_or_changes_services() -> None:
    """The default allows every run whose effects include runs-tree-code (project-scripts):
    an entry claiming it beside a graver effect would be allowed for the lesser one."""
    for name, table in load_knowledge_default().effects.items():
        for effects in (table.every, *table.subcommands.values(), *table.options.values()):
            if "runs-tree-code" in effects:
                assert not {"deploys", "installs", "changes-services"} & set(effects), name


@pytest.mark.parametrize("command", ["mvn deploy", "mvn site:deploy", "npm publish",
                                     "cargo publish", "go generate", "docker push x"])
def test_releases_stay_asked(command: str, tmp_path: Path) -> None:
    assert judge(command, tmp_path).decision == "ask"


def test_lint_knows_which_effects_a_program_can_have(tmp_path: Path) -> None:
    import subprocess
    import sys

    good = tmp_path / "good.yaml"
    good.write_text(RULES)
    bad = tmp_path / "bad.yaml"
    bad.write_text("gatekeep: 1\nrules:\n  - id: x\n    deny: [{program: cp, effects: "
                   "[deploys]}]\n")
    lint = [sys.executable, "-m", "gatekeep", "lint", "--strict"]
    passed = subprocess.run([*lint, str(good)], capture_output=True, text=True, check=False)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    failed = subprocess.run([*lint, str(bad)], capture_output=True, text=True, check=False)
    assert failed.returncode != 0
    assert ("pattern 'cp <deploys>' can never match: program knowledge gives no run of 'cp' "
            "the effect 'deploys' [unmatchable]") in failed.stdout


@pytest.mark.parametrize("command", ["git commit --no-verify -m x", "git commit -n -m x",
                                     "git push --no-verify origin main"])
def test_skipping_the_hooks_is_said(command: str, tmp_path: Path) -> None:
    """Precision probe 78: `git commit --no-verify` was asked with only "writes files"."""
    segment = judge(command, tmp_path).segments[0]
    assert segment.decision == "ask"
    assert "skips the repository's own checks" in (segment.reason or ""), segment.reason
