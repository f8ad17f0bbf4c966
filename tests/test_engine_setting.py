"""What the engine keeps per policy and context gives the decisions it gave afresh."""

from __future__ import annotations

from fakes import Resolver

from gatekeep.core.engine import decide
from gatekeep.core.paths import Context
from gatekeep.policy.load import load_policy
from gatekeep.shell.parse import parse

POLICY = load_policy("builtin:default")
VENV = "/w/.venv/bin/ruff"


class VenvResolver(Resolver):
    """``ruff`` is the project's virtualenv tool while ``.venv/pyvenv.cfg`` is a file."""

    def which(self, name: str) -> str | None:
        return VENV if name == "ruff" else super().which(name)


def shown(context: Context, command: str) -> list[tuple[str, str | None]]:
    decision = decide(POLICY, parse(command), context)
    return [(s.decision, s.reason) for s in decision.segments]


def test_a_program_whose_identity_took_a_fingerprint_is_found_again_each_decision() -> None:
    resolver = VenvResolver({"/w/.venv/pyvenv.cfg": "home = /usr/bin\n"})
    context = Context(cwd="/w", home="/h", resolver=resolver)
    as_tool = shown(context, "ruff check src")
    del resolver.files["/w/.venv/pyvenv.cfg"]  # no longer a virtualenv: a file in the tree
    afresh = shown(Context(cwd="/w", home="/h", resolver=resolver), "ruff check src")
    assert afresh != as_tool
    assert shown(context, "ruff check src") == afresh


def test_path_rules_are_found_for_each_context_of_its_own() -> None:
    resolver = Resolver()
    in_tree = Context(cwd="/w", home="/h", resolver=resolver)
    elsewhere = Context(cwd="/other", home="/h", resolver=resolver)
    first = shown(in_tree, "/w/gradlew test")
    assert shown(elsewhere, "/w/gradlew test") != first  # ./gradlew is /other/gradlew there
    assert shown(in_tree, "/w/gradlew test") == first
