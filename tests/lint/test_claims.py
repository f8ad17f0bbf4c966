"""A rule's own reason is shown only where no effect describes the part; where it is shown,
it may not claim what the part's effects do not (lint finding ``reason-claim``)."""

from __future__ import annotations

import pytest

from gatekeep.lint.checks import lint_policy
from gatekeep.lint.claims import claims


def names(reason: str) -> list[str]:
    return [c.name for c in claims(reason)]


@pytest.mark.parametrize(("reason", "expected"), [
    ("reaches the network (downloads, uploads, or remote commands)", ["reaches the network"]),
    ("deletes a directory tree", ["deletes"]),
    ("discards work or rewrites local history", ["deletes"]),
    ("changes deployments, databases or infrastructure", ["deploys"]),
    ("installs or publishes packages; install scripts run arbitrary code",
     ["deploys", "installs"]),
    ("changes running services, processes or scheduled jobs", ["changes running services"]),
    # a read says it changes nothing: that is no claim of a change
    ("reads the state of containers, clusters or infrastructure; changes nothing", []),
    ("prints the state of services; changes nothing", []),
    ("changes privileges or ownership", []),
])
def test_what_a_reason_claims(reason: str, expected: list[str]) -> None:
    assert names(reason) == expected


def test_the_default_policy_claims_nothing_its_examples_effects_do_not_back() -> None:
    assert [f for f in lint_policy("builtin:default") if f.code == "reason-claim"] == []


CLAIMING = """\
gatekeep: 1
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
"""


@pytest.mark.parametrize("claim", ["downloads the latest index", "deletes files",
                                   "deploys the site", "installs packages",
                                   "stops running services"])
def test_a_reason_claiming_what_no_effect_backs_is_reported(write_policy, claim) -> None:
    path = write_policy("p.yaml", CLAIMING.replace("downloads the latest index", claim))
    found = [f for f in lint_policy(str(path)) if f.code == "reason-claim"]
    # frobnicate is no program knowledge describes: the reason is shown, and unbacked;
    # git push is described (network), so its rule's words are never shown
    assert [(f.severity, f.line) for f in found] == [("warning", 3)]
    assert "rule 'fetches'" in found[0].message and "'frobnicate --all'" in found[0].message


def test_a_reason_backed_by_the_parts_effects_is_not_reported(write_policy) -> None:
    path = write_policy("p.yaml", (
        "gatekeep: 1\n"
        "rules:\n"
        "  - id: cleans\n"
        "    ask: [rm]\n"
        "    reason: deletes files\n"
        "    tests:\n"
        "      - {cmd: \"rm notes.txt\", expect: ask}\n"))
    assert [f for f in lint_policy(str(path)) if f.code == "reason-claim"] == []
