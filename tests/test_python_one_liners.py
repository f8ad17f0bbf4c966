"""`python -c CODE` that gatekeep reads in full is allowed (rule python-one-liners): the
files it opens are judged as reads, and its imports are found in the working directory
first, judged as code it runs. Anything else is asked, saying what was not read."""

from __future__ import annotations

from pathlib import Path

import pytest
from judging import judged_in

from gatekeep.policy.model import Policy


@pytest.fixture
def work(tmp_path: Path) -> Path:
    tree = tmp_path / "work"
    (tree / "data").mkdir(parents=True)
    (tree / "data" / "raw.csv").write_text("x\n1\n")
    (tree / "package.json").write_text('{"name": "x"}\n')
    (tree / ".env").write_text("TOKEN=x\n")
    (tree / ".git" / "hooks").mkdir(parents=True)
    (tree / "sub" / ".git").mkdir(parents=True)
    return tree


@pytest.mark.parametrize("command", [
    "python3 -c 'import sys; print(sys.version)'",
    "python3 -c 'import json; print(json.load(open(\"package.json\"))[\"name\"])'",
    "python -c \"import csv; r=list(csv.DictReader(open('data/raw.csv'))); print(len(r))\"",
    "python3 -u -c 'print(1)'",
    "cat package.json | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"name\"])'",
    "echo x > notes.txt && python3 -c 'print(1)'",  # no module Python may import
])
def test_code_read_in_full_is_allowed(policy: Policy, work: Path, command: str) -> None:
    decision = judged_in(policy, work, command)
    assert decision.decision == "allow", [(s.text, s.rules, s.reason) for s in decision.segments]


@pytest.mark.parametrize(("command", "rule", "said"), [
    ("python3 -c 'import os; os.system(\"id\")'", "hazard:inline-code", "it imports os"),
    ("python3 -c 'print(open(\".env\").read())'", "protect.read", ".env"),
    ("python3 -c 'open(\"src.py\", \"w\").write(\"\")'", "hazard:inline-code", "opens"),
    ("python3 -c \"$CODE\"", "hazard:inline-code", "known only at run time"),
    ("cd /tmp && python3 -c 'import json'", "path:runs-code", "/tmp"),  # /tmp/json.py
    ("PYTHONPATH=/tmp python3 -c 'import json'", "path:runs-code", "/tmp"),
    ("python3 -W ignore::x.Y -c 'print(1)'", "hazard:inline-code", "inline code"),
    ("python3 -c 'print(1)' .env", "protect.read", ".env"),
    # what Python's parser refuses (nesting too deep) is asked, never run unread
    ("python3 -c '" + "(" * 300 + "1" + ")" * 300 + "'", "hazard:inline-code", "parse"),
    # red team 92: a module written where Python looks first, for what a listed one imports
    ("echo 'import os' > numbers.py && python3 -c 'import statistics'", "path:written-code",
     "numbers.py"),
    ("cp /tmp/x.pyc json.pyc && python3 -c 'import json'", "path:written-code", "json.pyc"),
    ("mkdir numbers && echo x > numbers/__init__.py && python3 -c 'print(1)'",
     "path:written-code", "numbers/__init__.py"),
    ("PYTHONPLATLIBDIR=/tmp python3 -c 'print(1)'", "hazard:environment", "PYTHONPLATLIBDIR"),
    ("PYTHONINSPECT=1 python3 -c 'print(1)'", "hazard:environment", "PYTHONINSPECT"),
    # red team 92 F5: git's own directory is not the tree's code (hooks write it)
    ("cd .git && python3 -c 'import json'", "path:runs-code", "git's own directory"),
    ("cd .git/hooks && python3 -c 'print(1)'", "path:runs-code", ".git/hooks"),
    ("cd sub/.git && python3 -c 'import json'", "path:runs-code", "sub/.git/json.py"),
])
def test_anything_else_is_asked_saying_why(policy: Policy, work: Path, command: str,
                                           rule: str, said: str) -> None:
    decision = judged_in(policy, work, command)
    assert decision.decision != "allow"
    found = [v for s in decision.segments for v in s.verdicts if v.rule == rule]
    assert found and any(said in v.reason for v in found), decision


@pytest.mark.parametrize(("command", "expected"), [
    # code read from a here-document, as `-c` code is
    ("python3 - <<'EOF'\nimport json\nprint(json.load(open('package.json'))['name'])\nEOF",
     "allow"),
    ("python3 -u - <<-'EOF'\n\tfor i in range(3):\n\t    print(i)\n\tEOF", "allow"),
    ("python3 - <<EOF\nprint(sum([1, 2]))\nEOF", "allow"),          # nothing bash expands
    ("python3 - <<'EOF'\nimport os\nos.system('id')\nEOF", "ask"),
    ("python3 - <<'EOF'\nprint(open('.env').read())\nEOF", "ask"),
    ("python3 - <<EOF\nprint('$HOME')\nEOF", "ask"),                 # bash expands it first
    ("python3 - <<EOF\nprint(1) # `id`\nEOF", "ask"),
    ("python3 - <<'EOF' < /tmp/x.py\nprint(1)\nEOF", "ask"),         # its input is the file
    ("python3 - 0</tmp/x.py <<'EOF'\nprint(1)\nEOF", "allow"),       # the last one wins
    ("cat x.py | python3 -", "ask"),
    ("python3 -W error - <<'EOF'\nprint(1)\nEOF", "ask"),            # -W may import
    # red team 94: the here-document of another descriptor; the delimiter's own quotes;
    # a coding declaration Python obeys reading a file
    ("python3 - < /tmp/x.py 3<<'EOF'\nprint(1)\nEOF", "ask"),
    ("python3 - < /tmp/x.py {x}<<'EOF'\nprint(1)\nEOF", "ask"),     # a new descriptor's
    ("python3 - <<EOF 'arg'\nprint(\"$(printf x)\")\nEOF", "ask"),
    ("python3 - <<EOF && echo \"done\"\nprint(\"$(printf x)\")\nEOF", "ask"),
    ("python3 - <<'EOF'\n# coding: shift_jis\nprint(1)\nEOF", "ask"),
    ("python3 - <<'EOF'\n#!/usr/bin/env python3\n# -*- coding: latin-1 -*-\nprint(1)\nEOF",
     "ask"),
])
def test_code_from_a_here_document_is_read_too(policy: Policy, work: Path, command: str,
                                                expected: str) -> None:
    decision = judged_in(policy, work, command)
    assert decision.decision == expected, [(s.text, s.rules, s.reason)
                                           for s in decision.segments]
