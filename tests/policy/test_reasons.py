"""Every reason shown is derived from the effects that program knowledge gives the part.

A rule decides; what it says the part does comes from the part's effects wherever program
knowledge describes it, so a reason cannot be false without the knowledge being false. The
rule's own ``reason:`` is shown only for parts nothing describes. Each wrong reason once
seen is a case here, under a policy that gives it back as a rule's words: the words must
not be what is shown.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from gatekeep.commands.run import refusal
from gatekeep.core.engine import Decision, SegmentDecision, decide
from gatekeep.core.explain import explain
from gatekeep.core.paths import Context, SystemResolver
from gatekeep.policy.load import load_policy
from gatekeep.policy.model import Policy
from gatekeep.shell.analyze import analyze
from gatekeep.shell.effects import EFFECTS
from gatekeep.shell.parse import parse
from gatekeep.ui.decision import decision_text

SYSTEM = "/usr/local/bin:/usr/bin:/bin"
PROGRAMS = ("python3", "python", "node", "ruby", "git", "docker", "kubectl", "helm",
            "terraform", "curl", "npx", "cat", "mv", "cp", "sysctl", "tmux", "grep", "mvn",
            "frobnicate")

# The wrong reasons, each given back as a rule's own words for the commands it was wrong for.
OLD_REASONS = """\
gatekeep: 1
rules:
  - id: interpreters
    ask: [python3, python, node, ruby]
    reason: runs code read from its input
  - id: git-discard
    ask: ["git checkout", "git switch"]
    reason: discards work
  - id: deploys
    ask: [docker, kubectl, helm, terraform]
    reason: changes deployments
    suggest: ask the release team
  - id: remotes
    ask: ["git pull"]
    reason: changes a remote
  - id: deletes
    ask: ["git rm"]
    reason: deletes files
  - id: moves
    ask: [mv]
    reason: moves files out of the working tree
  - id: internet
    ask: [curl]
    reason: reaches the internet
  - id: installs
    ask: [npx]
    reason: installs packages
  - id: reads
    ask: [cat]
    reason: reads files
  - id: unknown
    ask: [frobnicate]
    reason: frobnicates the index
"""


@pytest.fixture
def place(tmp_path: Path) -> Context:
    """A working tree with the project's own tsc installed, and the programs on ``PATH``."""
    bin_dir, work = tmp_path / "bin", tmp_path / "work"
    (work / "node_modules" / ".bin").mkdir(parents=True)
    bin_dir.mkdir()
    for program in (*(bin_dir / name for name in PROGRAMS),
                    work / "node_modules" / ".bin" / "tsc"):
        program.write_text("#!/bin/sh\n")
        program.chmod(0o755)
    (work / "package.json").write_text('{"devDependencies": {"typescript": "5"}}\n')
    return Context(cwd=str(work), home=str(tmp_path / "home"),
                   resolver=SystemResolver(f"{bin_dir}:{SYSTEM}"))


@pytest.fixture
def old(tmp_path: Path) -> Policy:
    path = tmp_path / "old.yaml"
    path.write_text(OLD_REASONS, encoding="utf-8")
    return load_policy(str(path))


def judged(policy: Policy, command: str, context: Context) -> SegmentDecision:
    decision = decide(policy, parse(command), context)
    return decision.segments[0]


@pytest.mark.parametrize(("command", "shown"), [
    # an interpreter asked for its version runs no code
    ("python3 --version", "python3 --version: prints information and exits; runs nothing"),
    ("python -V", "python -V: prints information and exits; runs nothing"),
    ("node -v", "node -v: prints information and exits; runs nothing"),
    ("ruby --version", "ruby --version: prints information and exits; runs nothing"),
    # a new branch discards nothing
    ("git checkout -b x", "git checkout: writes or deletes files in the working tree "
                          "(writes-tree)"),
    ("git switch -c x", "git switch: writes or deletes files in the working tree (writes-tree)"),
    # reading the state of containers, clusters and infrastructure changes no deployment
    ("docker ps", "docker ps: connects to another machine or a network service (network)"),
    ("docker logs web", "docker logs: connects to another machine or a network service "
                        "(network)"),
    ("docker images", "docker images: connects to another machine or a network service "
                      "(network)"),
    ("docker inspect web", "docker inspect: connects to another machine or a network service "
                           "(network)"),
    ("docker version", "docker version: connects to another machine or a network service "
                       "(network)"),
    ("docker compose ps", "docker compose ps: connects to another machine or a network "
                          "service (network)"),
    ("kubectl get pods", "kubectl get: connects to another machine or a network service "
                         "(network)"),
    ("kubectl describe pod web", "kubectl describe: connects to another machine or a network "
                                 "service (network)"),
    ("kubectl logs web", "kubectl logs: connects to another machine or a network service "
                         "(network)"),
    ("kubectl top pods", "kubectl top: connects to another machine or a network service "
                         "(network)"),
    ("helm list", "helm list: connects to another machine or a network service (network)"),
    ("helm status web", "helm status: connects to another machine or a network service "
                        "(network)"),
    ("helm get values web", "helm get: connects to another machine or a network service "
                            "(network)"),
    ("helm lint chart", "helm lint: reads files (reads)"),
    ("helm template chart", "helm template: reads files (reads)"),
    ("terraform version", "terraform version: reads files (reads)"),
    ("terraform validate", "terraform validate: reads files (reads)"),
    # a pull changes no remote; an index entry removed deletes no file of the tree's work
    ("git pull", "git pull: connects to another machine or a network service (network); "
                 "writes or deletes files in the working tree (writes-tree)"),
    ("git rm --cached f", "git rm: writes or deletes files in the working tree (writes-tree)"),
    # a move inside the tree stays in it
    ("mv a b", "mv: writes or deletes files in the working tree (writes-tree)"),
    # loopback is this machine
    ("curl http://127.0.0.1:3000/health", "curl: connects only to this machine "
                                          "(network-loopback)"),
    # the project's own tsc installs nothing
    ("npx tsc --noEmit", "npx: runs the project's own code (runs-tree-code)"),
    # a here-document is no file read
    ("cat > f <<'EOF'\nx\nEOF", "cat: writes or deletes files in the working tree "
                                "(writes-tree); its output is written to f"),
])
def test_a_wrong_reason_given_back_as_a_rules_words_is_not_what_is_shown(
        old: Policy, place: Context, command: str, shown: str) -> None:
    segment = judged(old, command, place)
    assert segment.decision == "ask"
    assert segment.reason == shown
    assert segment.reason_from == "effects"


def test_the_rule_and_its_suggestion_stay(old: Policy, place: Context) -> None:
    segment = judged(old, "kubectl get pods", place)
    assert segment.rules == ("deploys",)
    assert segment.suggest == "ask the release team"


def test_a_rules_words_are_shown_where_nothing_describes_the_part(
        old: Policy, place: Context) -> None:
    unknown = judged(old, "frobnicate --all", place)
    assert (unknown.reason, unknown.reason_from, unknown.does) == (
        "frobnicates the index", "rule", None)
    # the tree's own `./kubectl` is no system program: what kubectl does says nothing of it
    Path(place.cwd, "kubectl").write_text("#!/bin/sh\n")
    Path(place.cwd, "kubectl").chmod(0o755)
    script = judged(load_policy("builtin:default"), "./kubectl apply -f x.yaml", place)
    assert script.does is None and script.reason_from != "effects"


def test_a_found_reason_keeps_its_words_and_the_effects_line_beside_it(
        place: Context) -> None:
    segment = judged(load_policy("builtin:default"), "cp a.txt /opt/a.txt", place)
    assert segment.reason == "writes /opt/a.txt, outside the working tree"
    assert segment.reason_from == "analysis"
    assert segment.does == ("cp: writes or deletes files outside the working tree "
                            "(writes-elsewhere); reads files (reads)")


# -- where it is shown ---------------------------------------------------------------------------

def decision(policy: Policy, command: str, context: Context) -> Decision:
    return decide(policy, parse(command), context)


def test_check_shows_the_effects_line_as_the_reason_once(old: Policy, place: Context) -> None:
    text = decision_text(decision(old, "kubectl get pods", place)).plain
    assert text.splitlines()[1:4] == [
        "? ask   kubectl get pods",
        "          deploys: kubectl get: connects to another machine or a network service "
        "(network)",
        "          instead: ask the release team",
    ]
    assert "changes deployments" not in text and "does:" not in text


def test_the_refusal_an_agent_reads_says_what_the_effects_say(old: Policy,
                                                              place: Context) -> None:
    assert refusal(decision(old, "git checkout -b x", place)) == (
        "gatekeep: needs approval: git-discard: git checkout: writes or deletes files in the "
        "working tree (writes-tree)\n"
        "gatekeep:   in: git checkout -b x\n"
        "gatekeep: not run\n")


def test_the_prompt_says_what_the_effects_say(old: Policy, place: Context) -> None:
    judged_ = decision(old, "docker ps", place)
    view = explain(judged_, analyze(parse("docker ps"), old.knowledge).invocations,
                   old.knowledge, place.cwd)
    assert [(line.why, line.does) for line in view.lines] == [
        ("docker ps: connects to another machine or a network service (network)", None)]


# -- the default policy ------------------------------------------------------------------------

WRONG = {
    "python3 --version": "runs code read from its input",
    "node -v": "runs code read from its input",
    "git checkout -b x": "discards work",
    "git switch -c x": "runs a program",
    "docker ps": "changes deployments",
    "kubectl get pods": "changes deployments",
    "helm template chart": "changes deployments",
    "terraform validate": "changes deployments",
    "git pull": "changes a remote",
    "git rm --cached f": "deletes files",
    "mv a b": "move-out-of-tree",
    "tmux capture-pane -p": "changes running services",
    "sysctl -n kernel.ostype": "changes running services",
    "curl http://127.0.0.1:3000/health": "reaches the network",
    "npx tsc --noEmit": "installs",
    "cat .env.example": "secret",
    "cat > f <<'EOF'\nx\nEOF": "reads files",
}


@pytest.mark.parametrize("command", list(WRONG))
def test_the_default_policy_never_gives_a_wrong_reason_back(place: Context,
                                                            command: str) -> None:
    for segment in decision(load_policy("builtin:default"), command, place).segments:
        for shown in (segment.reason or "", segment.does or ""):
            for words in EFFECTS.values():  # the vocabulary's own words are no old reason
                shown = shown.replace(words, "")
            assert WRONG[command] not in shown, segment


# -- knowledge that keeps the line true ----------------------------------------------------------

@pytest.mark.parametrize(("command", "shown"), [
    # the option the table names is said: what the push does to the remote's history
    ("git push -f origin main", "git push --force: replaces commits a branch already has "
                                "(rewrites-history); connects to another machine or a network "
                                "service (network)"),
    ("git commit --amend", "git commit --amend: replaces commits a branch already has "
                           "(rewrites-history); writes or deletes files in the working tree "
                           "(writes-tree)"),
    ("git branch -D x", "git branch --delete-force: writes or deletes files in the working "
                        "tree (writes-tree); reads files (reads)"),
    # a file tool given no file reads its input, not files; given one, or a `<`, it reads
    ("cat > f <<'EOF'\nx\nEOF", "cat: writes or deletes files in the working tree "
                                "(writes-tree); its output is written to f"),
    ("cat < a.txt", "cat: reads files (reads)"),
    ("grep foo a.txt", "grep: reads files (reads)"),
    # a build tool's goals are described together, an abbreviated one by all it may mean
    ("gradle build pub", "gradle build pub: changes deployed systems (deploys); runs code from "
                         "outside the project (runs-foreign-code); runs the project's own code "
                         "(runs-tree-code); connects to another machine or a network service "
                         "(network)"),
])
def test_the_knowledge_says_what_the_words_mean(tmp_path: Path, command: str,
                                                shown: str) -> None:
    policy = tmp_path / "all.yaml"
    policy.write_text("gatekeep: 1\nrules:\n  - {id: all, ask: ['*']}\n", encoding="utf-8")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in ("git", "cat", "grep", "gradle", "mvn"):
        (bin_dir / name).write_text("#!/bin/sh\n")
        (bin_dir / name).chmod(0o755)
    (tmp_path / "work").mkdir()
    here = Context(cwd=str(tmp_path / "work"), home=str(tmp_path / "home"),
                   resolver=SystemResolver(f"{bin_dir}:{SYSTEM}"))
    segment = judged(load_policy(str(policy)), command, here)
    assert (segment.reason, segment.reason_from) == (shown, "effects")


@pytest.mark.parametrize("command", ["grep foo", "mvn clean frobnicate deploy"])
def test_a_run_the_knowledge_cannot_tell_is_not_described(place: Context,
                                                          command: str) -> None:
    """``grep foo`` reads its input; ``frobnicate`` is a goal the table does not describe,
    and the goals it does describe are not the whole run."""
    segment = judged(load_policy("builtin:default"), command, place)
    assert segment.described is not None and segment.does is None, segment


def test_python_dash_m_is_described_by_the_module_it_runs(place: Context) -> None:
    default = load_policy("builtin:default")
    segment = judged(default, "python3 -m pip install build", place)
    assert (segment.reason, segment.reason_from) == (
        "python3 -m pip install: installs packages (installs); runs code from outside the "
        "project (runs-foreign-code); connects to another machine or a network service "
        "(network)", "effects")
    # the tree's own pip.py is what `-m pip` runs from here: pip's table says nothing of it
    Path(place.cwd, "pip.py").write_text("print('mine')\n")
    fresh = place._replace(resolver=SystemResolver(place.resolver.path))  # nothing remembered
    segment = judged(default, "python3 -m pip install build", fresh)
    assert segment.does == "python3: runs the project's own code (runs-tree-code)"
