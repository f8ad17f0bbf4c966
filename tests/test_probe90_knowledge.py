"""Everyday commands of precision probe 90 judged by what the programs do: rspec's report
file, go's caches and coverage report, git check-ignore's names, a workspace's tool found
from the top of the tree, build output under a pattern's directories. Each beside the ways
the same programs write, read or delete what they must not."""

from __future__ import annotations

from pathlib import Path

import pytest
from judging import judged_in

from gatekeep.policy.model import Policy


@pytest.fixture
def work(tmp_path: Path) -> Path:
    tree = tmp_path / "work"
    for directory in ("spec", "packages/a/dist", "packages/b/dist", "packages/c",
                      "node_modules/.bin", ".git/hooks", "src"):
        (tree / directory).mkdir(parents=True)
    (tree / ".gitignore").write_text("dist/\nnode_modules/\n.env\n/tmp/\n")
    (tree / "src" / ".gitignore").write_text("*.log\n")
    (tree / ".env").write_text("TOKEN=x\n")
    (tree / "package.json").write_text('{"workspaces": ["packages/*"]}\n')
    (tree / "packages" / "a" / "package.json").write_text("{}\n")
    (tree / "node_modules" / ".bin" / "tsc").write_text("#!/bin/sh\n")
    (tree / "node_modules" / ".bin" / "out").symlink_to(tmp_path / "elsewhere.js")
    (tmp_path / "elsewhere.js").write_text("\n")
    (tree / "spec" / "a_spec.rb").write_text("\n")
    return tree


@pytest.mark.parametrize("command", [
    "bundle exec rspec --format json --out tmp/rspec.json; jq .summary tmp/rspec.json",
    "rspec spec/a_spec.rb -e 'adds a line' --format documentation",
    "go clean -testcache", "go clean -cache -fuzzcache",
    "go tool cover -func=/tmp/cover.out | tail -5",
    "git check-ignore -v .env src/x", "ls -la .env && git check-ignore .env",
    "cd packages/a && npx tsc --noEmit", "cd packages/c && npx tsc -b",
    "rm -rf dist packages/*/dist",
    # a pattern or program operand names no file (`grep -n '^\.env' .gitignore`)
    "grep -n '^\\.env' .gitignore && test -f .env", "grep -rn '.env' src",
    "sed -n '/.env/p' .gitignore", "rg -n .env src",
    "ruby -c spec/a_spec.rb", "jar tf build/x.jar | head", "zipinfo build/x.zip",
    "rm -rf tmp/cache tmp/pids",  # `tmp` where a .gitignore lists it
])
def test_everyday_runs_are_allowed(policy: Policy, work: Path, command: str) -> None:
    decision = judged_in(policy, work, command)
    assert decision.decision == "allow", [(s.text, s.rules, s.reason) for s in decision.segments]


@pytest.mark.parametrize(("command", "rule"), [
    ("rspec -o .git/hooks/pre-commit", "protect.write"),
    ("rspec --out=../x.json", "path:outside"),
    ("rspec --req=/tmp/x.rb", "path:runs-code"),           # an abbreviation of --require
    ("rspec -I /tmp/lib spec", "path:runs-code"),
    ("rspec --default-path /tmp/specs", "path:runs-code"),
    ("go clean -testcache -modcache", "downloads-deleted"),
    ("go clean -cache -i", "downloads-deleted"),
    ("go tool cover -func=.env", "protect.read"),
    ("go tool cover -func=c.out -o .git/hooks/pre-push", "protect.write"),
    ("go tool cover -html=c.out", "default"),             # opens a browser
    ("go tool compile x.go", "default"),
    ("git check-ignore --stdin < .env", "protect.read"),
    ("cd packages/a && npx out", "package-installs"),     # the tool leads out of the tree
    ("cd packages/a && npx create-evil-app", "package-installs"),
    ("rm -rf packages/*/src", "delete-files"),
    ("rm -rf packages/.*/dist", "protect.write"),
    ("rm -rf packages/[ab]/dist", "delete-files"),
    ("grep x .env", "protect.read"), ("grep -e x .env", "protect.read"),
    ("grep .env -e x", "protect.read"),         # an option anywhere gives the pattern
    ("grep --reg=x .env", "protect.read"),      # an abbreviation of --regexp
    ("grep $o .env x", "protect.read"),         # `$o` may hold `-e`
    ("grep -f .env x", "protect.read"), ("rg -e x .env", "protect.read"),
    ("jq . .env", "protect.read"),
    ("jq .env package.json", "protect.read"),  # jq's options may take two words: all read
    ("jq --rawfile k .env -n '$k'", "protect.read"), ("awk '{print}' .env", "protect.read"),
    ("ruby -c -r ./x.rb spec/a_spec.rb", "hazard:script-file"),  # -r loads it
    ("ruby -c .env", "protect.read"),
    ("jar tf x.jar -J-javaagent:/tmp/a.jar", "hazard:runs-code"),
    ("jar xf x.jar", "default"), ("jar tf .env", "protect.read"),
    ("rm -rf src/tmp", "delete-files"),         # `tmp` no .gitignore lists there
    # red team 90
    ("mv src packages/c/dist && rm -rf packages/*/dist", "delete-files"),  # a match made
    ("mkdir -p packages/y && mv src packages/y/dist && rm -rf packages/*/dist", "delete-files"),
    ("rspec -P /tmp/evil.rb", "hazard:runs-code"),
    ("rspec --pattern '../*.rb'", "hazard:runs-code"),
    ("go clean -cache --modcache", "downloads-deleted"),
    ("go clean -testcache --i", "downloads-deleted"),
    ("go clean -cache ./...", "downloads-deleted"),  # cleans the packages' directories too
    ("GOCACHE=~ go clean -cache", "hazard:environment"),
])
def test_what_the_same_programs_must_not_do_is_not_allowed(policy: Policy, work: Path,
                                                           command: str, rule: str) -> None:
    decision = judged_in(policy, work, command)
    assert decision.decision != "allow", decision
    assert rule in {v.rule for s in decision.segments for v in s.verdicts}, \
        [(s.text, s.rules) for s in decision.segments]


def test_a_link_among_a_patterns_matches_leaves_the_delete_asked(policy: Policy,
                                                                 work: Path) -> None:
    (work / "packages" / "c" / "dist").symlink_to(work / "src")
    assert judged_in(policy, work, "rm -rf packages/*/dist").decision == "ask"
