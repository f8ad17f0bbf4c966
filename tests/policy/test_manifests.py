"""``manifests:`` in program knowledge: which files a networked program obeys as code."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gatekeep.core.engine import SegmentDecision, decide
from gatekeep.core.paths import Context, SystemResolver
from gatekeep.errors import PolicyError
from gatekeep.policy.knowledge import load_knowledge
from gatekeep.policy.load import load_knowledge_default, load_policy
from gatekeep.policy.plain import decode_policy, encode
from gatekeep.policy.select import load_cached
from gatekeep.shell.parse import parse

KEYS = ("code_files, dependencies, lifecycle, local_markers, local_specs, locks, manifest, "
        "nested_repository, no_scripts, project_tables, registries, registry, settings, "
        "subcommands, text_locks, toml_locks, workspaces")


def load(tmp_path: Path, text: str):  # type: ignore[no-untyped-def]
    path = tmp_path / "programs.yaml"
    path.write_text("gatekeep-programs: 1\n\n" + text)
    return load_knowledge(path, load_knowledge_default())


def test_the_node_package_managers_share_one_entry_and_each_reads_its_own_lock() -> None:
    manifests = load_knowledge_default().manifests
    npm, yarn, pnpm, bun = (manifests[name] for name in ("npm", "yarn", "pnpm", "bun"))
    own = {"code_files": (), "text_locks": (), "registries": (), "local_markers": ()}
    for entry in (yarn, pnpm, bun):
        assert entry._replace(**own) == npm._replace(registry=None, **own)
    assert (npm.text_locks, yarn.text_locks, pnpm.text_locks, bun.text_locks) == (
        (), ("yarn.lock",), ("pnpm-lock.yaml",), ("bun.lock", "bun.lockb"))
    assert "https://registry.yarnpkg.com/" in yarn.registries
    assert pnpm.registries == ("https://registry.npmjs.org/",)
    assert npm.registry == "https://registry.npmjs.org/"
    assert npm.locks == ("npm-shrinkwrap.json", "package-lock.json")
    assert "preinstall" in npm.lifecycle and npm.no_scripts == {"--ignore-scripts"}
    assert npm.code_files == ("binding.gyp",)  # node-gyp runs its <!(...)
    # bun obeys the tree's bunfig, whose registries it sends their tokens
    assert bun.code_files == ("binding.gyp", "bunfig.toml", ".bunfig.toml")
    assert yarn.code_files == (".yarnrc.yml", ".yarnrc", "binding.gyp")
    assert pnpm.code_files == (".pnpmfile.cjs", ".pnpmfile.mjs", "pnpm-workspace.yaml",
                               "binding.gyp")
    assert manifests["git"].nested_repository and manifests["git"].manifest is None


def test_a_merged_entry_takes_the_anchors_keys_and_its_own_replace_them(tmp_path: Path) -> None:
    knowledge = load(tmp_path, "manifests:\n  base: &base\n    manifest: pkg.json\n"
                               "    lifecycle: [setup]\n    locks: [a.lock]\n"
                               "  mypm:\n    <<: *base\n    locks: [b.lock]\n")
    mypm = knowledge.manifests["mypm"]
    assert (mypm.manifest, mypm.lifecycle, mypm.locks) == ("pkg.json", {"setup"}, ("b.lock",))
    assert knowledge.manifests["base"].locks == ("a.lock",)
    assert knowledge.manifests["npm"].registry == "https://registry.npmjs.org/"  # kept


@pytest.mark.parametrize(("text", "expected"), [
    ("manifests:\n  mypm:\n    lifecycel: [postinstall]\n",
     f"5:5: manifests.mypm.lifecycel: unknown key 'lifecycel' (did you mean 'lifecycle'?); "
     f"expected one of: {KEYS}"),
    ("manifests:\n  mypm:\n    manifest: sub/package.json\n",
     "5:15: manifests.mypm.manifest: expected a file name (no '/'), got 'sub/package.json'"),
    ("manifests:\n  mypm:\n    locks: [../package-lock.json]\n",
     "5:13: manifests.mypm.locks[0]: expected a file name (no '/'), got '../package-lock.json'"),
    ("manifests:\n  mypm:\n    no_scripts: [ignore-scripts]\n",
     "5:18: manifests.mypm.no_scripts[0]: expected an option, got 'ignore-scripts'"),
    # without the closing slash, https://registry.npmjs.org.example/ would pass for it
    ("manifests:\n  mypm:\n    registry: https://registry.npmjs.org\n",
     "5:15: manifests.mypm.registry: expected the registry's URL ending in '/', got "
     "'https://registry.npmjs.org'"),
    ("manifests:\n  mypm:\n    nested_repository: 'yes'\n",
     "5:24: manifests.mypm.nested_repository: expected true or false, got 'yes'"),
    ("manifests:\n  mypm: [package.json]\n", "4:9: manifests.mypm: expected a mapping, got a list"),
    ("manifests:\n  mypm: &m\n    <<: *m\n",
     "4:9: manifests.mypm.<<: an entry merges itself ('<<')"),
    ("manifests:\n  mypm:\n    <<: [1]\n",
     "5:9: manifests.mypm.<<: expected a mapping, got a list"),
])
def test_a_malformed_entry_is_a_load_error_that_says_where(text: str, expected: str,
                                                           tmp_path: Path) -> None:
    with pytest.raises(PolicyError) as caught:
        load(tmp_path, text)
    assert str(caught.value) == f"{tmp_path / 'programs.yaml'}:{expected}"


def test_an_extension_adds_an_entry_and_keeps_the_shipped_ones(tmp_path: Path) -> None:
    knowledge = load(tmp_path, "manifests:\n  mypm:\n    manifest: package.json\n"
                               "    lifecycle: [postinstall]\n")
    assert knowledge.manifests["mypm"].lifecycle == {"postinstall"}
    assert knowledge.manifests["mypm"].registry is None
    assert set(knowledge.manifests) >= {"npm", "yarn", "pnpm", "bun", "git", "mypm"}


def test_the_compiled_policy_keeps_the_entries() -> None:
    policy = load_cached("builtin:default", None)
    decoded = decode_policy(json.loads(json.dumps(encode(policy))))
    assert dict(decoded.knowledge.manifests) == dict(policy.knowledge.manifests)
    assert decoded.knowledge.manifests["npm"].locks == ("npm-shrinkwrap.json", "package-lock.json")


EXTENSION = """\
programs:
  mypm:
    runs_cwd: true
effects:
  mypm:
    subcommands: {install: [network, installs]}
"""
MYPM = """\
manifests:
  mypm:
    manifest: package.json
    lifecycle: [postinstall]
    no_scripts: [--no-hooks]
"""


def judge(command: str, tmp_path: Path, knowledge: str) -> SegmentDecision:
    """The first part of ``command``, with a made-up package manager ``mypm`` installed
    as a system program, under a policy allowing its installs and this knowledge."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    (bin_dir / "mypm").write_text("#!/bin/sh\n")
    (bin_dir / "mypm").chmod(0o755)
    (tmp_path / "policy.yaml").write_text(
        "gatekeep: 1\nrules:\n  - id: installs\n    allow: ['mypm install', printf]\n")
    policy = load_policy(tmp_path / "policy.yaml", load(tmp_path, knowledge))
    work = tmp_path / "work"
    context = Context(cwd=str(work), home=str(tmp_path / "home"),
                      resolver=SystemResolver(f"{bin_dir}:/usr/bin:/bin"))
    return decide(policy, parse(command), context).segments[-1]


def test_an_extensions_entry_says_which_scripts_its_install_runs(tmp_path: Path) -> None:
    (tmp_path / "work").mkdir()
    (tmp_path / "work" / "package.json").write_text('{"scripts": {"postinstall": "node x.js"}}')
    tree_code = "runs the project's own code (runs-tree-code)"
    assert tree_code not in (judge("mypm install", tmp_path, EXTENSION).does or "")
    assert tree_code in (judge("mypm install", tmp_path, EXTENSION + MYPM).does or "")
    assert tree_code not in (judge("mypm install --no-hooks", tmp_path, EXTENSION + MYPM).does
                             or "")
    (tmp_path / "work" / "package.json").write_text('{"scripts": {"test": "jest"}}')
    assert tree_code not in (judge("mypm install", tmp_path, EXTENSION + MYPM).does or "")
    # where it runs is known only from its knowledge: unknown, it may hold anything
    anywhere = EXTENSION.replace("runs_cwd: true", "{}") + MYPM
    assert tree_code in (judge("mypm install", tmp_path, anywhere).does or "")
    # the manifest another part writes is code gatekeep never saw
    written = "printf '{}' > package.json && mypm install"
    assert judge(written, tmp_path, EXTENSION).decision == "allow"
    segment = judge(written, tmp_path, EXTENSION + MYPM)
    assert segment.decision == "ask"
    assert "package.json holds, which this command writes" in segment.reason


def judge_default(command: str, tmp_path: Path, program: str) -> SegmentDecision:
    """The first part of ``command`` under the default policy, ``program`` installed."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    (bin_dir / program).write_text("#!/bin/sh\n")
    (bin_dir / program).chmod(0o755)
    policy = load_policy("builtin:default")
    context = Context(cwd=str(tmp_path / "work"), home=str(tmp_path / "home"),
                      resolver=SystemResolver(f"{bin_dir}:/usr/bin:/bin"))
    return decide(policy, parse(command), context).segments[0]


PROJECT = '[project]\nname = "x"\n'
BUILT = PROJECT + '[build-system]\nrequires = ["setuptools"]\n'


@pytest.mark.parametrize(("command", "program", "files", "builds"), [
    ("uv sync --frozen", "uv", {"pyproject.toml": BUILT}, True),
    ("uv sync --frozen", "uv", {"pyproject.toml": PROJECT}, False),  # a virtual project
    ("uv sync --frozen", "uv", {"pyproject.toml": PROJECT, "setup.py": ""}, True),
    ("uv sync --frozen", "uv", {"pyproject.toml": "not = [toml"}, True),  # unreadable
    ("uv sync --frozen --no-install-project", "uv", {"pyproject.toml": BUILT}, False),
    ("uv add requests", "uv", {"pyproject.toml": BUILT}, True),
    ("uv pip install requests", "uv", {"pyproject.toml": BUILT}, False),  # not the project
    ("poetry install", "poetry", {"pyproject.toml": BUILT}, True),
    ("poetry install --no-root", "poetry", {"pyproject.toml": BUILT}, False),
])
def test_installing_a_python_project_builds_it(tmp_path: Path, command: str, program: str,
                                               files: dict[str, str], builds: bool) -> None:
    """uv sync and poetry install build the project they install: its build backend and
    the hooks the tree names run, so the part runs the tree's code (an offline box)."""
    (tmp_path / "work").mkdir()
    for name, text in files.items():
        (tmp_path / "work" / name).write_text(text)
    does = judge_default(command, tmp_path, program).does or ""
    assert ("runs the project's own code (runs-tree-code)" in does) is builds, does
