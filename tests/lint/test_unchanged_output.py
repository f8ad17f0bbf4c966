"""lint's whole output, text and JSON, on the shipped policies and on generated ones, held
byte for byte against a recorded copy.

The checks are tuned for speed (shared analyses, probes judged once); what they report must
not move. The recorded copy, ``tests/data/lint/unchanged.json``, is this module's output:
``python tests/lint/test_unchanged_output.py > tests/data/lint/unchanged.json``
(regenerate it only for a change meant to alter what lint says).
"""

from __future__ import annotations

import io
import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RECORDED = ROOT / "tests" / "data" / "lint" / "unchanged.json"

# words to build rules from: wrappers, shells and interpreters (the probes' programs), globs,
# programs named by path, words after which a wrapper's command starts, ranges that match nothing
PROGRAMS = ("ls", "cat", "git", "rm", "python3", "python", "bash", "sh", "env", "sudo", "xargs",
            "find", "awk", "sed", "timeout", "docker", "kubectl", "curl", "npm", "node", "perl",
            "busybox", "nice", "make", "systemctl", "pip", "g*", "py*", "[z-a]x", "*", "?s",
            "./tool", "/usr/bin/env", "/usr/bin/p*", "ba[s]h", "deno", "flock")
ARGS = ("push", "status", "-c", "--force", "-rf", "origin", "*", "x[z-a]", "-C", "dir", "run",
        "install", "apply", "exec", "rm", "-e", "-m", "--", "5", "ls", "-s", "log", "deploy",
        "--replicas=3", "-n", "a*", "delete", "restart", "python3", "bash")
FLAGS = ("-r", "-R", "--recursive", "-f", "--force", "-c", "-e", "-i", "--dry-run", "-n", "-x")
EFFECTS = ("network", "reads", "deploys", "writes-tree", "writes-elsewhere",
           "network-loopback", "runs-tree-code", "runs-foreign-code", "installs",
           "changes-services")
REASONS = ("downloads the installer", "deletes files for good", "deploys the app",
           "installs packages", "stops the services", "only reads", "connects to the cluster",
           "changes nothing; deletes nothing")
OVERRIDES = ("force-push", "disk-wipe", "unparseable", "no-such-rule", "privilege")
DECISIONS = ("allow", "allow", "ask", "deny")


def _quoted(text: str) -> str:
    return json.dumps(text)


def _pattern(pick: random.Random) -> str:
    program = pick.choice(PROGRAMS)
    args = [pick.choice(ARGS) for _ in range(pick.choice((0, 0, 1, 1, 2, 3)))]
    if pick.random() < 0.7:
        return _quoted(" ".join([program, *args]))
    fields = [f"program: {_quoted(program)}"]
    if args:
        fields.append(f"args: [{', '.join(map(_quoted, args))}]")
    if pick.random() < 0.5:
        fields.append(f"flags: [{', '.join(map(_quoted, pick.sample(FLAGS, 2)))}]")
    if pick.random() < 0.3:
        fields.append(f"without: [{_quoted(pick.choice(FLAGS))}]")
    if pick.random() < 0.5:
        fields.append(f"effects: [{pick.choice(EFFECTS)}]")
    return "{" + ", ".join(fields) + "}"


def _rule(pick: random.Random, name: str, extends: bool) -> str:
    decision = pick.choice(DECISIONS)
    patterns = ", ".join(_pattern(pick) for _ in range(pick.choice((1, 1, 2, 3))))
    text = f"  - id: {name}\n    {decision}: [{patterns}]\n"
    if pick.random() < 0.3:
        text += f"    reason: {_quoted(pick.choice(REASONS))}\n"
    if extends and pick.random() < 0.2:
        text += f"    overrides: [{pick.choice(OVERRIDES)}]\n"
    return text


def generated(seed: int, extends: str | None, rules: int = 30, prefix: str = "r") -> str:
    """A policy of ``rules`` random rules (ids ``prefix`` and a number), with whole-policy
    examples."""
    pick = random.Random(seed)
    body = "".join(_rule(pick, f"{prefix}{index}", extends is not None)
                   for index in range(rules))
    commands = ("ls -la", "git push --force origin main", "rm -rf build", "curl -O x.sh",
                "python3 -c 'print(1)'", "kubectl apply -f x.yaml", "make deploy",
                "systemctl restart app", "pip install requests", "sudo ls")
    tests = "".join(f"  - {{cmd: {_quoted(c)}, expect: {pick.choice(DECISIONS)}}}\n"
                    for c in pick.sample(commands, 5))
    head = "gatekeep: 1\n" + (f"extends: [{extends}]\n" if extends else "")
    return head + "rules:\n" + body + "tests:\n" + tests


GUARDED = """gatekeep: 1
when: {days: mon-fri, hours: ["10:00-10:00", "09:00-17:00"]}
rules:
  - {id: never, allow: [make deploy], when: {days: [], hours: "09:00-18:00"}}
  - {id: empty, allow: [make test], when: {hours: "08:00-08:00"}}
  - {id: none, allow: [make lint], rate: 0/hour}
  - {id: counted, allow: [git push], rate: 3/hour}
  - {id: shadows, ask: [git]}
  - id: same
    allow: [ls, ls, cat]
  - {id: same2, deny: [cat]}
"""

CLAIMING = """gatekeep: 1
extends: [builtin:default]
rules:
  - id: fetches
    ask: [frobnicate]
    reason: downloads the latest index
    tests:
      - {cmd: "frobnicate --all", expect: ask}
  - id: pushes
    ask: ["git push"]
    reason: deletes files
    tests:
      - {cmd: "git push origin main", expect: ask}
  - {id: hotfix, allow: ["git push --force origin hotfix", "dd of=/dev/sda"]}
"""

# every program the broad-allow check probes, and globs and paths that name them
BROAD = "gatekeep: 1\nrules:\n" + "".join(
    f"  - {{id: b{index}, allow: [{_quoted(name)}]}}\n" for index, name in enumerate((
        "sh", "bash", "dash", "zsh", "fish", "busybox", "python", "python3", "pypy3", "node",
        "perl", "ruby", "php", "lua", "Rscript", "osascript", "pwsh", "deno", "bun", "sudo",
        "nice", "xargs", "parallel", "env", "timeout", "chrt", "taskset", "flock", "su",
        "script", "find", "awk", "sed", "eval", "exec", "py*", "*sh", "ba?h", "/bin/bash",
        "/usr/bin/python3", "./bash", "?", "n[a-o]de", "gawk", "nodejs")))

BROKEN = "gatekeep: 1\nrules:\n  - {id: a, allow: [ls]}\n  - {id: a, deny: [rm]}\n"


def _files(tmp: Path) -> list[str]:
    """The policies to lint: the shipped ones (by name and by path) and generated ones."""
    (tmp / "base.yaml").write_text(generated(100, None, 20, "b"), encoding="utf-8")
    sources = {"guarded.yaml": GUARDED, "claiming.yaml": CLAIMING, "broad.yaml": BROAD,
               "broken.yaml": BROKEN,
               **{f"own{seed}.yaml": generated(seed, None) for seed in (1, 2, 3)},
               **{f"over{seed}.yaml": generated(seed, "builtin:default") for seed in (4, 5, 6)},
               "layered.yaml": generated(7, "base.yaml")}
    for name, text in sources.items():
        (tmp / name).write_text(text, encoding="utf-8")
    shipped = [str(ROOT / "policies" / f"{name}.yaml") for name in ("default", "production")]
    return ["builtin:default", "builtin:production", *shipped,
            *(str(tmp / name) for name in sorted(sources)), str(tmp / "base.yaml")]


def outputs(tmp: Path) -> dict[str, dict[str, object]]:
    """For each policy: lint's text, its JSON (with --strict) and both exit statuses, with
    the scratch and the shipped policies' directories written as ``<tmp>`` and ``<policies>``."""
    from gatekeep.commands.lint import lint
    from gatekeep.policy.select import load_cached
    from gatekeep.runtime.locations import Locations

    plain = Locations(tmp / "config", tmp / "state")  # no cache: each text is checked
    cached = Locations(tmp / "config", tmp / "cached")  # the built-in ones compiled ahead
    for name in ("default", "production"):
        load_cached(f"builtin:{name}", cached.cache_dir)
    found: dict[str, dict[str, object]] = {}
    runs = [(reference, plain, "") for reference in _files(tmp)]
    runs += [(f"builtin:{name}", cached, " (compiled)") for name in ("default", "production")]
    for reference, locations, how in runs:
        text, document, errors = io.StringIO(), io.StringIO(), io.StringIO()
        plain = lint([reference], strict=False, as_json=False, locations=locations,
                     stdout=text, stderr=errors)
        strict = lint([reference], strict=True, as_json=True, locations=locations,
                      stdout=document, stderr=errors)
        shown = {"text": text.getvalue(), "json": document.getvalue(), "stderr": errors.getvalue(),
                 "status": [int(plain), int(strict)]}
        found[_placed(reference, tmp) + how] = {
            name: _placed(value, tmp) if isinstance(value, str) else value
            for name, value in shown.items()}
    return found


def _placed(text: str, tmp: Path) -> str:
    """``text`` with the scratch directory and the shipped policies' one as placeholders."""
    from gatekeep.policy.refs import builtin_path

    shipped = (str(builtin_path("default").parent), str(ROOT / "policies"))
    for directory, name in ((str(tmp), "<tmp>"), *((d, "<policies>") for d in shipped)):
        text = text.replace(directory, name)
    return text


def test_lint_says_what_it_said(tmp_path):
    recorded = json.loads(RECORDED.read_text(encoding="utf-8"))

    now = outputs(tmp_path)

    assert list(now) == list(recorded)
    for reference, output in now.items():
        assert output == recorded[reference], reference


def test_the_generated_policies_reach_every_kind_of_finding():
    recorded = json.loads(RECORDED.read_text(encoding="utf-8"))
    codes = {finding["code"] for output in recorded.values()
             for policy in json.loads(output["json"])["policies"]
             for finding in policy["findings"]}

    assert codes >= {"unmatchable", "ignored-words", "broad-allow", "shadowed-rule",
                     "shadowed-pattern", "contradicted", "loosens", "lifts", "unknown-override",
                     "reason-claim", "guardrail-never-met", "empty-hours", "duplicate-id"}


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as scratch:
        json.dump(outputs(Path(scratch).resolve()), sys.stdout, indent=1, sort_keys=False)
        sys.stdout.write("\n")
