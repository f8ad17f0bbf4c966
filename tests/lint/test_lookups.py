"""The lookups that spare lint comparing every pattern with every other: what they find is
what comparing them all finds, in the policy's order."""

from __future__ import annotations

from gatekeep.lint.checks import lint_policy

SHADOWED = """\
gatekeep: 1
rules:
  - {id: pushes, allow: ["git push origin"]}
  - {id: by-glob, ask: ["git p*"]}
  - {id: any-git, ask: [git]}
  - {id: push, ask: ["git push"]}
  - {id: glob-program, ask: ["gi? push"]}
  - {id: other, ask: ["git pull"]}
  - {id: py, allow: ["python3 -c x", "python -c y"]}
  - {id: pys, ask: ["python -c", "python3"]}
"""

BASE = """\
gatekeep: 1
rules:
  - {id: interpreters, ask: [python, "node -e"]}
  - {id: globbed, ask: ["py* -m"]}
  - {id: unrelated, ask: [ruby]}
"""

OWN = """\
gatekeep: 1
extends: [base.yaml]
rules:
  - {id: scripts, allow: ["python3 -c x"]}
  - {id: node-scripts, allow: ["nodejs -e y"]}
  - {id: mods, allow: ["python3 -m http.server"]}
  - {id: gems, allow: ["gem list"]}
"""


def test_covering_rules_of_every_first_word_are_named_in_the_policys_order(write_policy):
    """No first word, a glob, the same word, a globbed program: each kind is found, and
    named in the order of the rules, as comparing with every pattern names them."""
    path = write_policy("p.yaml", SHADOWED)

    assert [str(f) for f in lint_policy(str(path))] == [
        f"{path}:3: warning: rule 'pushes' (allow) can never decide anything: every command "
        "it matches is also matched by the stricter 'by-glob' (ask, p.yaml:4), 'any-git' (ask, "
        "p.yaml:5), 'push' (ask, p.yaml:6), 'glob-program' (ask, p.yaml:7) [shadowed-rule]",
        f"{path}:9: warning: rule 'py' (allow) can never decide anything: every command it "
        "matches is also matched by the stricter 'pys' (ask, p.yaml:10) [shadowed-rule]"]


def test_loosenings_through_canonical_names_and_globs_are_all_found(write_policy):
    """``python3`` is ``python`` and ``nodejs`` is ``node`` to the engine, a glob may name
    any program: such patterns meet; ``gem`` and ``ruby`` never do."""
    write_policy("base.yaml", BASE)
    path = write_policy("own.yaml", OWN)

    assert [str(f) for f in lint_policy(str(path))] == [
        f"{path}:4: note: rule 'scripts' (allow) decides instead of the inherited "
        "'interpreters' (ask, base.yaml:3) for the commands both match [loosens]",
        f"{path}:5: note: rule 'node-scripts' (allow) decides instead of the inherited "
        "'interpreters' (ask, base.yaml:3) for the commands both match [loosens]",
        f"{path}:6: note: rule 'mods' (allow) decides instead of the inherited 'globbed' "
        "(ask, base.yaml:4) for the commands both match [loosens]",
        f"{path}:6: note: rule 'mods' (allow) decides instead of the inherited "
        "'interpreters' (ask, base.yaml:3) for the commands both match [loosens]"]
