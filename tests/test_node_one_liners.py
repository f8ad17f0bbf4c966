"""`node -e CODE` and `node -p CODE` whose code gatekeep reads in full are allowed (rule
node-one-liners): the files it reads are judged as reads, and a `.json` it requires as code
Node may load in its place. Anything else is asked, saying what was not read."""

from __future__ import annotations

from pathlib import Path

import pytest
from judging import judged_in

from gatekeep.policy.model import Policy


@pytest.fixture
def work(tmp_path: Path) -> Path:
    tree = tmp_path / "work"
    (tree / "src").mkdir(parents=True)
    (tree / "package.json").write_text('{"name": "x", "version": "1.0.0"}\n')
    (tree / ".env").write_text("TOKEN=x\n")
    (tmp_path / "home" / ".ssh").mkdir(parents=True)
    (tmp_path / "outside.json").write_text("{}\n")
    (tree / "d.json").mkdir()  # a directory: Node runs its package.json's main
    (tree / "d.json" / "package.json").write_text('{"main": "../../evil.js"}\n')
    (tree / "link.json").symlink_to(tree / ".env")  # loaded by its target's name: as code
    return tree


@pytest.mark.parametrize("command", [
    "node -p \"require('./package.json').version\"",
    "node -pe \"require('./package.json').version\"",
    "node -p 'process.versions.node'",
    "node -e \"console.log(require('crypto').randomUUID())\"",
    "node -e \"const fs = require('fs'); console.log(JSON.parse(fs.readFileSync("
    "'package.json', 'utf8')).name)\"",
    "cat package.json | node -e \"console.log(JSON.parse(require('fs').readFileSync(0, "
    "'utf8')).version)\"",
    "node --no-warnings -e \"console.log(require('fs').readdirSync('src').length)\"",
    "node -p '[1, 2, 3].reduce((a, b) => a + b, 0)'",
])
def test_code_read_in_full_is_allowed(policy: Policy, work: Path, command: str) -> None:
    decision = judged_in(policy, work, command)
    assert decision.decision == "allow", [(s.text, s.rules, s.reason) for s in decision.segments]


@pytest.mark.parametrize(("command", "rule", "said"), [
    ("node -e \"require('child_process').execSync('id')\"", "hazard:inline-code",
     "it requires child_process"),
    ("node -p 'process.env.HOME'", "hazard:inline-code", "process.env"),
    ("node -e \"console.log(require('fs').readFileSync('.env', 'utf8'))\"", "protect.read",
     ".env"),
    ("node -e \"console.log(require('fs').readdirSync('../home/.ssh'))\"", "protect.read",
     ".ssh"),
    ("node -p \"require('../outside.json')\"", "path:runs-code", "outside.json"),
    ("cd /tmp && node -p \"require('./x.json')\"", "path:runs-code", "/tmp/x.json"),
    ("node -e \"$CODE\"", "hazard:inline-code", "known only at run time"),
    ("node -r ./hook.js -e 'console.log(1)'", "hazard:inline-code", "inline code"),
    # red team 93: `--print=X` drops X and runs the next word, or its input
    ("node --print=1 \"require('child_process').execSync('id')\"", "hazard:script-file",
     "child_process"),
    ("echo 'id' | node --print=1", "hazard:stdin-code", "input"),
    # red team 93: what `require` loads when the name is not a plain file
    ("node -p \"require('./d.json')\"", "path:runs-code", "not a plain file"),
    ("node -p \"require('./link.json')\"", "path:runs-code", "not a plain file"),
    ("node -p \"require('./none.json')\"", "path:runs-code", "not a plain file"),
    ("rm package.json && mkdir package.json && echo 'x' > package.json/index.js && "
     "node -p \"require('./package.json')\"", "path:written-code", "package.json/index.js"),
    ("NODE_V8_COVERAGE=../cov node -e 'console.log(1)'", "hazard:environment",
     "NODE_V8_COVERAGE"),
    ("NODE_REDIRECT_WARNINGS=../w node -e 'console.log(1)'", "hazard:environment",
     "NODE_REDIRECT_WARNINGS"),
    # Node loads a directory's index.js for a `.json` that is one
    ("mkdir -p cfg.json && echo 'x' > cfg.json/index.js && node -p \"require('./cfg.json')\"",
     "path:written-code", "cfg.json/index.js"),
    ("NODE_OPTIONS='--require ./x.js' node -e 'console.log(1)'", "hazard:environment",
     "NODE_OPTIONS"),
])
def test_anything_else_is_asked_saying_why(policy: Policy, work: Path, command: str,
                                           rule: str, said: str) -> None:
    decision = judged_in(policy, work, command)
    assert decision.decision != "allow"
    reasons = [(v.rule, v.reason) for s in decision.segments for v in s.verdicts
               if v.decision != "allow"]
    assert any(r == rule and said in reason for r, reason in reasons), reasons


@pytest.mark.parametrize(("command", "expected"), [
    ("node - <<'EOF'\nconsole.log(require('./package.json').version)\nEOF", "allow"),
    ("node - <<'EOF'\nrequire('child_process').execSync('id')\nEOF", "ask"),
    ("node - <<'EOF'\nconst a = 1\nconsole.log(a)\nEOF", "ask"),   # one line only
])
def test_code_from_a_here_document_is_read_too(policy: Policy, work: Path, command: str,
                                                expected: str) -> None:
    decision = judged_in(policy, work, command)
    assert decision.decision == expected, [(s.text, s.rules, s.reason)
                                           for s in decision.segments]
