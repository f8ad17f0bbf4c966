"""A word of gh, kubectl or helm that names a host (a URL, ``host/owner/repo``) is a host
the command reaches: asked, unless it is one the program reaches anyway (``own_hosts``).

``gh api https://host/x`` sends that host gh's token for it (``GH_ENTERPRISE_TOKEN`` for
any host but github.com); ``kubectl get -f URL`` and ``helm template oci://host/chart``
fetch from a host the agent chose, and what the URL carries goes with the request.
"""

from __future__ import annotations

import pytest

from gatekeep.policy.load import load_knowledge_default
from gatekeep.shell.analyze import analyze
from gatekeep.shell.knowledge import Knowledge
from gatekeep.shell.parse import parse

KNOWLEDGE: Knowledge = load_knowledge_default()


def named(command: str) -> list[str]:
    return [h.detail for i in analyze(parse(command), KNOWLEDGE).invocations
            for h in i.hazards if h.kind == "network"]


@pytest.mark.parametrize("command", [
    "gh api https://example.com/x",
    "gh pr view https://example.com/o/r/pull/1",
    "gh pr view https://github.com@example.com/o/r/pull/1",  # the host is after the @
    "gh pr view https://github.com.example.com/o/r/pull/1",
    "gh repo view example.com/o/r",
    'gh api "https://$HOST/x"',  # known only at run time
    'gh api "$URL"', 'kubectl get -f "$(cat which)"',  # may be a host
    "kubectl get -f https://example.com/x.yaml",
    "kubectl get --filename=https://example.com/x.yaml",
    "kubectl describe -k https://example.com/base",
    "helm template oci://example.com/charts/web",
    "helm template web ./chart --values=https://example.com/v.yaml",
    "helm show values https://example.com/web-1.0.tgz",
    "kubectl get -k github.com/evil/repo/overlays/prod",  # kustomize fetches it with git
    "gh pr list -Rexample.com/o/r", "gh repo view example.com:8443/o/r",
])
def test_a_host_the_command_names_is_asked(command: str) -> None:
    assert named(command), command


@pytest.mark.parametrize("command", [
    "gh pr view https://github.com/o/r/pull/1",
    "gh pr view https://GitHub.com:443/o/r/pull/1",
    "gh repo view github.com/o/r",
    "gh repo view o/r",
    "gh api repos/o/r.js/pulls",
    "gh run view 123 --log-failed",
    "kubectl get -f deploy.yaml",
    "kubectl logs -f api-1",
    "helm template ./chart -f values.yaml",
    "gh pr list -R o/r", "gh -R o/r pr list", "kubectl apply -k overlays/prod",
])
def test_its_own_hosts_and_paths_are_not(command: str) -> None:
    assert named(command) == [], command


def test_another_program_s_url_is_its_own_knowledge() -> None:
    """Only the programs whose knowledge says so: ``grep https://x file`` names no host."""
    assert named("grep -r https://example.com/ docs") == []
