"""The everyday corpus under builtin:default: how much runs without a question, and why not.

Judges every command of ``tests/data/everyday.yaml`` in the same scratch project as
``tests/test_everyday.py`` (whose helpers it loads, so both see one project), then prints
allowed / asked / denied and the commands that were not allowed, grouped by the rules and
hazards that decided. ``--wrong`` lists only the ones the corpus expects to be allowed.
"""

from __future__ import annotations

import argparse
import importlib.util
import tempfile
from collections import defaultdict
from pathlib import Path
from types import ModuleType

from gatekeep.policy.load import load_policy

TEST = Path(__file__).resolve().parents[1] / "tests" / "test_everyday.py"


def helpers() -> ModuleType:
    spec = importlib.util.spec_from_file_location("everyday_helpers", TEST)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--policy", default="builtin:default")
    parser.add_argument("--wrong", action="store_true",
                        help="only the commands the corpus expects to be allowed")
    options = parser.parse_args()
    everyday = helpers()
    corpus = everyday.load_corpus()
    with tempfile.TemporaryDirectory() as tmp:
        env = everyday.build_project(corpus["project"], Path(tmp))
        judged = everyday.judge_all(load_policy(options.policy),
                                    everyday.project_context(env), corpus["commands"])
    counts = everyday.tally(judged)
    total = len(judged)
    print(f"{total} commands: allowed {counts['allow']} ({counts['allow'] / total:.0%}), "
          f"asked {counts['ask']}, denied {counts['deny']}")
    groups: dict[str, list[str]] = defaultdict(list)
    for entry, decision in judged:
        if decision.decision == "allow" or (options.wrong and entry["expect"] == "ask"):
            continue
        key = ", ".join(sorted(everyday.reasons(decision)))
        groups[f"{decision.decision} {key}"].append(entry["cmd"])
    for key, commands in sorted(groups.items(), key=lambda item: -len(item[1])):
        print(f"\n{key} ({len(commands)})")
        for command in commands:
            print(f"  {command}")


if __name__ == "__main__":
    main()
