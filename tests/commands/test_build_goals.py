"""A build tool given several goals or tasks (``mvn install deploy``) runs every one of
them: each is judged as if run alone, and an asked or denied goal decides the command."""

from __future__ import annotations

import json
from typing import Any

import pytest

Sandbox = Any  # the fixture's class lives in conftest.py


def project(sandbox: Sandbox) -> None:
    (sandbox.work / "pom.xml").write_text("<project/>\n")
    (sandbox.work / "build.gradle").write_text("plugins { id 'java' }\n")
    (sandbox.work / "Makefile").write_text("build:\n\ttrue\n")
    gradlew = sandbox.work / "gradlew"
    gradlew.write_text("#!/bin/sh\ntouch marker\n")
    gradlew.chmod(0o755)


@pytest.mark.parametrize("command", [
    "mvn install deploy", "mvn clean deploy", "mvn -q clean deploy -DskipTests",
    "gradle build publish", "./gradlew test publish", "./gradlew clean :lib:publish",
    "./gradlew build pub",  # gradle runs an unambiguous prefix of a task's name
])
def test_a_publishing_goal_among_others_is_asked(sandbox: Sandbox, command: str) -> None:
    project(sandbox)
    result = sandbox.gatekeep("check", "--json", "-c", command)
    assert result.returncode == 3, result.stdout
    assert json.loads(result.stdout)["segments"][0]["rules"] == ["package-installs"]


@pytest.mark.parametrize("command", [
    "mvn clean install", "mvn -q clean verify", "gradle clean build", "./gradlew clean test",
    "./gradlew test --tests com.example.PublisherTest", "make build test", "make",
])
def test_goals_all_allowed_are_allowed(sandbox: Sandbox, command: str) -> None:
    project(sandbox)
    result = sandbox.gatekeep("check", "-c", command)
    assert result.returncode == 0, result.stdout


def test_an_operators_asked_make_target_is_asked_after_another(sandbox: Sandbox) -> None:
    project(sandbox)
    sandbox.write_operator_policy("gatekeep: 1\nextends: [builtin:default]\nrules:\n"
                                  "  - id: make-install\n    ask: [\"make install\"]\n"
                                  "    reason: installs outside the tree\n")
    for command in ("make install", "make build install", "make -j4 CC=gcc build install"):
        result = sandbox.gatekeep("check", "--json", "-c", command)
        assert result.returncode == 3, (command, result.stdout)
        assert json.loads(result.stdout)["segments"][0]["rules"] == ["make-install"]
    assert sandbox.gatekeep("check", "-c", "make build test").returncode == 0


def test_a_goal_no_rule_names_is_the_default(sandbox: Sandbox) -> None:
    project(sandbox)
    sandbox.write_operator_policy(sandbox.policy_yaml(("build", "allow", ["mvn install"])))
    result = sandbox.gatekeep("check", "--json", "-c", "mvn install site")
    assert result.returncode == 3, result.stdout
    segment = json.loads(result.stdout)["segments"][0]
    assert segment["rules"] == ["default"]
    assert "site" in segment["reason"]


def test_run_does_not_run_a_publish_after_a_build(sandbox: Sandbox) -> None:
    project(sandbox)
    result = sandbox.gatekeep("run", "-c", "./gradlew test publish")
    assert result.returncode == 126, result.stderr
    assert not sandbox.marker.exists()
