"""bundler evaluates a Gemfile, which is Ruby code: one named outside the tree, by
`--gemfile` or by the variables bundler and rubygems read (`BUNDLE_GEMFILE`,
`RUBYGEMS_GEMDEPS`), is code gatekeep never saw. The tree's own Gemfile is the tree's code,
as `rake` runs its Rakefile."""

from __future__ import annotations

from pathlib import Path

import pytest
from judging import judged_in

from gatekeep.policy.model import Policy


@pytest.fixture
def work(tmp_path: Path) -> Path:
    tree = tmp_path / "work"
    tree.mkdir()
    (tree / "Gemfile").write_text("source 'https://rubygems.org'\ngem 'rake'\n")
    (tree / "Rakefile").write_text("task :test\n")
    return tree


@pytest.mark.parametrize("command", [
    "bundle check",
    "bundle list",
    "bundle exec rake test",
    "bundle list --gemfile=Gemfile",
    "bundle exec --gemfile Gemfile rake test",
])
def test_the_trees_gemfile_is_allowed(policy: Policy, work: Path, command: str) -> None:
    decision = judged_in(policy, work, command)
    assert decision.decision == "allow", [(s.text, s.rules, s.reason) for s in decision.segments]


@pytest.mark.parametrize(("command", "rule", "said"), [
    ("bundle list --gemfile=/tmp/Gemfile", "path:runs-code", "/tmp/Gemfile"),
    ("bundle check --gemfile /tmp/Gemfile", "path:runs-code", "/tmp/Gemfile"),
    ("bundle exec --gemfile=/tmp/Gemfile rake test", "path:runs-code", "/tmp/Gemfile"),
    ("BUNDLE_GEMFILE=/tmp/Gemfile bundle exec rake test", "hazard:environment",
     "BUNDLE_GEMFILE"),
    ("RUBYGEMS_GEMDEPS=/tmp/Gemfile ruby -c lib/x.rb", "hazard:environment",
     "RUBYGEMS_GEMDEPS"),
    ("BUNDLE_APP_CONFIG=/tmp/cfg bundle exec rake", "hazard:environment", "BUNDLE_APP_CONFIG"),
    ("GEM_PATH=/tmp/gems bundle exec rake", "hazard:environment", "GEM_PATH"),
    # red team 93: the user's settings may name a Gemfile; --path is kept for later runs
    ("BUNDLE_USER_CONFIG=/tmp/config bundle check", "hazard:environment",
     "BUNDLE_USER_CONFIG"),
    ("BUNDLE_USER_HOME=/tmp/h bundle check", "hazard:environment", "BUNDLE_USER_HOME"),
    ("bundle check --path=/tmp/gems", "hazard:runs-code", "--path"),
])
def test_a_gemfile_from_elsewhere_is_asked(policy: Policy, work: Path, command: str,
                                           rule: str, said: str) -> None:
    decision = judged_in(policy, work, command)
    assert decision.decision == "ask"
    reasons = [(v.rule, v.reason) for s in decision.segments for v in s.verdicts
               if v.decision == "ask"]
    assert any(r == rule and said in reason for r, reason in reasons), reasons
