"""Compare two checkouts' decisions on the same commands, one JSON line per command.

    python scripts/differential_base.py drive SCRATCH < commands.jsonl   (in each venv)
    python scripts/differential_base.py commands > commands.jsonl        (the corpus + mutations)
    python scripts/differential_base.py compare A.jsonl B.jsonl REPO_A REPO_B

``drive`` judges every command with ``gatekeep check --json --policy builtin:default``'s code
in the scratch tree SCRATCH/tree (home SCRATCH/home), at a fixed time, and prints the
document, or the exception's type when judging raises. Run it twice per venv (the second run
reads the compiled policy from the cache) and diff the outputs. Feed a few hundred commands
per process (``split -l 400``): each in-process ``check`` call keeps some memory.
"""

from __future__ import annotations

import io
import json
import os
import random
import sys
from datetime import datetime, timezone
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
TREE_FILES = {
    "Makefile": "all:\n\ttrue\n", "package.json": '{"scripts": {"test": "vitest"}}\n',
    "pyproject.toml": "[project]\nname = 'a'\n", "Cargo.toml": "[package]\nname = 'a'\n",
    ".env": "X=1\n", "src/a.py": "print(1)\n", "build.sh": "#!/bin/sh\n", ".git/config": "",
}
HOME_FILES = {".ssh/id_rsa": "k\n", ".bashrc": "", ".aws/credentials": "x\n"}


def corpus() -> list[str]:
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("cmd", "command") and isinstance(value, str):
                    found.append(value)
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    for path in sorted([*ROOT.glob("tests/data/**/*.yaml"), *ROOT.glob("policies/*.yaml")]):
        walk(yaml.safe_load(path.read_text()))
    return list(dict.fromkeys(found))


GAPS = [" ", "\t", " \\\n ", "\\\n", " # c\n", "\r", " \r ", "\x0b", "\x0c", "\u00a0",
        "\u2003", "\x01", "\x1b", ";", " ; ", "&", "\n", " <<<x ", " >/dev/null ", " 2>&1 ",
        " $'\\x41' ", " {a,b} ", " $(true) ", " `true` ", " <(true) ", " >x ", " ) ", " ( ",
        " '", ' "', " ${a[$(id)]} ", " =(", " !", " |& ", " ;; "]
PROGRAMS = ["make -C sub", "make --directory=/tmp", "npm --prefix /tmp test", "npm test",
            "pytest --rootdir=/tmp", "pytest -c x.ini", "cargo test --manifest-path /x/Cargo.toml",
            "cargo build", "tox -c /tmp", "npx vitest", "go test ./...", "python -m pytest",
            "yarn --cwd /tmp test", "pnpm -C /tmp test", "mvn -f /tmp/pom.xml test",
            "gradle -p /tmp build", "bundle exec rake", "rake -f /tmp/Rakefile",
            "cmake --build build", "just -f /tmp/justfile", "make -f /tmp/mk"]
EXTRA = [
    "echo ~/.ssh/x", "cat ~/.ssh/id_rsa", "cat ./.env", "cat a/b/.env", "echo x > ~/.bashrc",
    "cp x ~/.ssh/authorized_keys", "touch .git/hooks/pre-commit", "echo > .git/hooks/x",
    "cat ~/.aws/credentials", "cat ~/.ssh/id_*", "cat ~/.ssh/id_[r]sa", "cat ~/.ssh/id_?sa",
    "echo a > '/home/x/.config/gatekeep/policy.yaml'", "rm -rf ~/.config/gatekeep",
    "ln -s ~/.ssh k && cat k/id_rsa", "cat ~/.ssh/**", "cat ~/.ssh/", "cat ~//.ssh//id_rsa",
    "cat ~/.ssh/../.ssh/id_rsa", "tee ~/.bashrc", "echo >>~/.bash_profile", "cat */.env",
    "awk '{print}' f", "awk 'BEGIN{system(\"id\")}'", "awk '{print > \"x\"}' f", "sed -n p f",
    "curl http://localhost:8080/x", "curl http://127.0.0.1/", "curl http://[::1]:80/",
    "curl https://example.com", "curl LOCALHOST", "pip install requests==2.0",
    "pip install git+https://x/y", "npm install left-pad", "npm i github:a/b",
    "kubectl scale --replicas=1500 deploy/x", "echo {1..3}", "echo {a..z..2}", "echo {a,b}",
    "python -m http.server", "python -m pip install x", "echo $'\\x41\\u00e9\\101'",
    "x=1; echo $((x+1))", "let a[$(id)]=1", "echo \"${@:2}\"", "git -C /tmp status",
]


def mutations(commands: list[str], rng: random.Random) -> list[str]:
    out: list[str] = []
    for command in commands:
        gap = rng.choice(GAPS)
        where = rng.randrange(len(command) + 1)
        out.append(command[:where] + gap + command[where:])
        out.append(f"{command}{rng.choice(GAPS)}{rng.choice(commands)}")
        out.append(f"$( {command} )")
        out.append(f"bash -c {json.dumps(command)}")
    for program in PROGRAMS:
        out += [program, f"{program} && rm -rf /", f"cd /tmp && {program}",
                f"{program} > out.txt", f"{program} < ~/.ssh/id_rsa", f"( {program} )"]
    deep = "echo x"
    for _ in range(40):
        deep = f"echo $({deep})"
    out += [deep, "echo " + "a " * 3000, "true;" * 600, "{ " * 60 + "true; " + "}; " * 60]
    return out


WORDS = ["ls", "cat", "rm", "-rf", "git", "push", "-f", "make", "-C", "/tmp", "npm", "test",
         "curl", "http://x", "|", "sh", "~/.ssh/id_rsa", ".env", "*.py", "x", "'a b'", '"$x"',
         "$(id)", "`id`", "${a:-b}", "$((1+2))", ">", ">>", "<", "2>&1", "&&", "||", ";", "{",
         "}", "(", ")", "<<EOF\nbody\nEOF\n", "$'\\x2f'", "a=(1 2)", "x=1", "env", "sudo",
         "xargs", "find", ".", "-exec", "{}", "+", "\\;", "bash", "-c", "eval", "tee",
         ".git/hooks/x", "~/.bashrc", "pytest", "--rootdir", "cargo", "--manifest-path",
         "\\\n", "#c\n", "\r", "\u00a0", "\x01", "if", "then", "fi", "for", "in", "do",
         "done", "[[", "]]", "-n", "!", "&", "|&", "<(ls)", ">(cat)", "awk", "'{print}'",
         "sed", "-i", "s/a/b/", "python", "-m", "pip", "install", "kubectl", "--replicas=99"]


def generated(rng: random.Random, count: int) -> list[str]:
    """Commands made of random words and separators: odd text between nodes, mostly."""
    out = []
    for _ in range(count):
        words = [rng.choice(WORDS) for _ in range(rng.randrange(1, 12))]
        out.append("".join(w + rng.choice([" ", " ", " ", "", "\t", "\\\n"]) for w in words))
    return out


def commands() -> None:
    rng = random.Random(11)  # a fixed sample
    base = corpus() + EXTRA
    chosen = generated(rng, int(sys.argv[2])) if len(sys.argv) > 2 else \
        base + mutations(base, rng)
    for command in chosen:
        sys.stdout.write(json.dumps(command) + "\n")


def drive(scratch: Path) -> None:
    from gatekeep.commands.check import check
    from gatekeep.core.inputs import Request
    from gatekeep.runtime.locations import Locations

    tree, home = scratch / "tree", scratch / "home"
    for base, files in ((tree, TREE_FILES), (home, HOME_FILES)):
        for name, text in files.items():
            (base / name).parent.mkdir(parents=True, exist_ok=True)
            (base / name).write_text(text)
    env = {"HOME": str(home), "PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8",
           "XDG_CONFIG_HOME": str(scratch / "config"),
           "XDG_STATE_HOME": os.environ["XDG_STATE_HOME"]}
    at = datetime(2026, 3, 3, 12, 0, tzinfo=timezone.utc)
    for line in sys.stdin:
        command = json.loads(line)
        out, err = io.StringIO(), io.StringIO()
        try:
            code = check(Request(command, None, "builtin:default"), as_json=True, env=env,
                         cwd=tree, locations=Locations.from_env(env), stdout=out, stderr=err,
                         at=at, count=0)
            document = json.loads(out.getvalue()) if out.getvalue() else None
            if document is not None:
                document.pop("policies", None)
            result: object = [code, document, err.getvalue()]
        except Exception as error:  # the difference is what is reported
            result = ["raised", type(error).__name__]
        text = json.dumps([command, result], sort_keys=True)
        sys.stdout.write(text.replace(env["XDG_STATE_HOME"], "$STATE") + "\n")


def compare(first: Path, second: Path) -> int:
    """Print every command whose results differ (the checkouts' own paths aside)."""
    differ = 0
    roots = [str(Path(sys.argv[4]).resolve()), str(Path(sys.argv[5]).resolve())]
    with first.open() as one, second.open() as two:
        for a, b in zip(one, two, strict=True):
            if a.replace(roots[0], "$REPO") != b.replace(roots[1], "$REPO"):
                differ += 1
                sys.stdout.write(f"{a}{b}\n")
    sys.stdout.write(f"{differ} differ\n")
    return differ


if __name__ == "__main__":
    if sys.argv[1] == "commands":
        commands()
    elif sys.argv[1] == "compare":
        sys.exit(compare(Path(sys.argv[2]), Path(sys.argv[3])) > 0)
    else:
        drive(Path(sys.argv[2]))
