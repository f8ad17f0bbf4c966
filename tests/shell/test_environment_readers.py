"""A word that makes its program print the environment is asked about, as ``printenv`` is
(program knowledge's ``environment_texts``): jq's and yq's ``env`` and ``$ENV``, ps's BSD
``e`` in any word and its ``environ`` field. Beside a networked part, whose box keeps the
credentials of its programs, what such a part prints would be them."""

from __future__ import annotations

from pathlib import Path

import pytest

from gatekeep.errors import PolicyError
from gatekeep.policy.load import load_knowledge_default
from gatekeep.shell.analyze import analyze
from gatekeep.shell.knowledge import Knowledge
from gatekeep.shell.parse import parse

KNOWLEDGE: Knowledge = load_knowledge_default()


def readers(command: str) -> list[str]:
    return [h.detail for i in analyze(parse(command), KNOWLEDGE).invocations
            for h in i.hazards if h.kind == "secret-variable"]


@pytest.mark.parametrize("command", [
    "jq -n env", "jq -r env.GH_TOKEN", "jq -n '$ENV.GITHUB_TOKEN'",
    "jq -n 'env | keys'", "jq --arg x 1 -n '[env[]]'", "gojq -n env",
    "yq -n env", "yq -n 'strenv(GH_TOKEN)'", "yq '.a | envsubst' x.yml",
    "ps ax e", "ps a x e", "ps -o pid,cmd e", "ps -p 1 -o environ", "ps eww 1",
    "gh api user --jq env.GH_TOKEN", "gh pr view 1 --json title -q '$ENV'",
    "gh api user -iq env", "gh api user --jq=env", "gh pr list --search env --jq env",
])
def test_a_word_that_prints_the_environment_is_asked(command: str) -> None:
    assert readers(command), command


@pytest.mark.parametrize("command", [
    "jq .environment package.json", "jq '.scripts.dev' package.json",
    "jq -r '.[] | .name'", "yq '.services.web.environment' compose.yml",
    "ps aux", "ps -ef", "ps -eo pid,comm", "ps aux --forest", "ps -o pid,cmd",
    "gh pr view env-config", "gh api repos/o/r/pulls --jq '.[].number'",
    # gh's environment is read only by its --jq (environment_options): a search's words
    # and a title are not a filter
    "gh pr list --search env", "gh issue list -S 'env vars'", "gh pr list --label env",
    "gh issue create --title env --body env",
])
def test_other_words_are_not(command: str) -> None:
    assert readers(command) == [], command


def test_a_filter_from_a_file_is_code_gatekeep_does_not_see() -> None:
    kinds = {h.kind for i in analyze(parse("jq -f filter.jq data.json"), KNOWLEDGE).invocations
             for h in i.hazards}
    assert "runs-code" in kinds or "inline-code" in kinds, kinds


def test_environment_options_limit_the_words_looked_at(tmp_path: Path) -> None:
    (tmp_path / "programs.yaml").write_text(
        "gatekeep-programs: 1\nprograms:\n  tool:\n    value_options: [--filter, --name]\n"
        "    environment_texts: ['^env$']\n    environment_options: [--filter]\n")
    knowledge = load_knowledge_default(tmp_path / "programs.yaml")

    def hazards(command: str) -> list[str]:
        return [h.kind for i in analyze(parse(command), knowledge).invocations
                for h in i.hazards if h.kind == "secret-variable"]

    assert hazards("tool --filter env") == ["secret-variable"]
    assert hazards("tool --name env") == hazards("tool env") == []


def test_a_pattern_that_is_no_regular_expression_is_a_load_error(tmp_path: Path) -> None:
    (tmp_path / "programs.yaml").write_text(
        "gatekeep-programs: 1\nprograms:\n  jq:\n    environment_texts: ['env(']\n")
    with pytest.raises(PolicyError, match="not a regular expression"):
        load_knowledge_default(tmp_path / "programs.yaml")
