"""Decisions of every evasion and attack corpus, for comparing two versions of gatekeep.

``dump`` judges every command of tests/data/corpus, evasions_extra.yaml,
evasions_redteam.yaml and attack_classes.yaml under builtin:default in two scratch
directories: an empty one, and the project of tests/data/everyday.yaml (wrapper scripts,
an activated virtual environment, installed node tools), where the project's own code is
trusted. It prints one JSON line per judgement. ``compare OLD NEW`` lists every command whose
ask or deny turned into an allow, and exits non-zero if there is one.

  PYTHONPATH=/path/to/old python scripts/loosened.py dump > old.jsonl
  python scripts/loosened.py dump > new.jsonl
  python scripts/loosened.py compare old.jsonl new.jsonl
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import yaml

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
CORPORA = {"corpus/evasions.yaml": "evasions", "corpus/benign.yaml": "benign",
           "evasions_extra.yaml": "evasions", "evasions_redteam.yaml": "evasions",
           "attack_classes.yaml": "attacks"}


def everyday() -> ModuleType:
    spec = importlib.util.spec_from_file_location("everyday", ROOT / "tests" / "test_everyday.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def commands() -> Iterator[tuple[str, str]]:
    for name, key in CORPORA.items():
        for entry in yaml.safe_load((DATA / name).read_text(encoding="utf-8"))[key]:
            yield name, entry["cmd"]


def dump() -> None:
    from gatekeep.policy.load import load_policy

    helpers = everyday()
    policy = load_policy("builtin:default")
    spec = helpers.load_corpus()["project"]
    with tempfile.TemporaryDirectory() as tmp:
        empty = {**spec, "files": {}, "executables": [], "venv_tools": []}
        places = {"empty": helpers.build_project(empty, Path(tmp) / "empty"),
                  "project": helpers.build_project(spec, Path(tmp) / "project")}
        for place, env in places.items():
            context = helpers.project_context(env)
            for source, command in commands():
                decision = helpers.judge(policy, context, command).decision
                print(json.dumps({"place": place, "source": source, "cmd": command,
                                  "decision": decision}))


def load(path: str) -> dict[tuple[str, str, str], str]:
    rows = [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines()]
    return {(r["place"], r["source"], r["cmd"]): r["decision"] for r in rows}


def compare(old_path: str, new_path: str) -> int:
    old, new = load(old_path), load(new_path)
    loosened = [(key, old[key], new.get(key)) for key in old
                if old[key] != "allow" and new.get(key) == "allow"]
    changed = sum(1 for key in old if new.get(key) != old[key])
    print(f"{len(old)} judgements, {changed} changed, {len(loosened)} ask/deny now allowed")
    for (place, source, command), before, after in loosened:
        print(f"  {place} {source}: {command!r} {before} -> {after}")
    return 1 if loosened else 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["dump", "compare"])
    parser.add_argument("files", nargs="*")
    options = parser.parse_args(argv)
    if options.action == "dump":
        dump()
        return 0
    return compare(*options.files)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
