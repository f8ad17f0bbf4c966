"""Where the reasons shown come from: effects, a rule's own words, or analysis.

Judges the everyday corpus (in its scratch project) and the evasion and attack corpora (in
an empty directory, as ``scripts/loosened.py dump`` does) under builtin:default, and counts,
over every asked or denied part, where its reason comes from: ``effects`` (what program
knowledge says the part does), ``rule`` (a rule's ``reason:``, shown where no effect
describes the part) or ``analysis`` (a hazard, a path, a guardrail found in the command),
and how many carry a line of effects at all (as the reason, or as ``does:`` beside a reason
analysis found).
``--list rule`` prints the parts of one kind, most frequent program first.
"""

from __future__ import annotations

import argparse
import importlib.util
import tempfile
from collections import Counter
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]


def _loosened() -> ModuleType:
    """scripts/loosened.py: the corpora it judges, and its loader of the everyday helpers."""
    spec = importlib.util.spec_from_file_location("loosened", ROOT / "scripts" / "loosened.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--list", choices=["effects", "rule", "analysis"])
    options = parser.parse_args()
    from gatekeep.policy.load import load_policy

    loosened = _loosened()
    everyday = loosened.everyday()
    policy = load_policy("builtin:default")
    spec = everyday.load_corpus()
    with tempfile.TemporaryDirectory() as tmp:
        project = everyday.project_context(everyday.build_project(spec["project"],
                                                                  Path(tmp) / "p"))
        empty = everyday.project_context(everyday.build_project(
            {**spec["project"], "files": {}, "executables": [], "venv_tools": []},
            Path(tmp) / "e"))
        corpora = {"everyday": [(project, e["cmd"]) for e in spec["commands"]],
                   "evasions": [(empty, cmd) for _, cmd in loosened.commands()]}
        for name, judged in corpora.items():
            parts = [s for context, cmd in judged
                     for s in everyday.judge(policy, context, cmd).segments
                     if s.decision != "allow"]
            kinds = Counter(s.reason_from for s in parts)
            said = ", ".join(f"{k} {kinds[k]} ({kinds[k] / len(parts):.0%})"
                             for k in ("effects", "rule", "analysis"))
            lined = sum(1 for s in parts if s.does is not None)
            print(f"{name}: {len(parts)} asked or denied parts; reason from {said}; "
                  f"{lined} ({lined / len(parts):.0%}) with an effects line (reason or does:)")
            if options.list:
                listed = Counter(s.text.split()[0] if s.text.split() else s.text
                                 for s in parts if s.reason_from == options.list)
                for program, count in listed.most_common(40):
                    print(f"  {count:4} {program}")


if __name__ == "__main__":
    main()
