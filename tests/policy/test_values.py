"""Values that become paths, patterns or program names are checked where they enter.

A NUL byte, a lone surrogate (a YAML ``\\ud800`` escape), a value of many kilobytes or
a value of the wrong type is a PolicyError naming file:line:col and the key path,
never a ValueError or UnicodeEncodeError from deep inside the loader.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from gatekeep.errors import PolicyError
from gatekeep.policy.cases import load_cases
from gatekeep.policy.knowledge import load_knowledge
from gatekeep.policy.load import check_policy, load_knowledge_default, load_policy

WritePolicy = Callable[[str, str], Path]
LONG = "a" * 5000
BAD = [
    ('"\\0"', "the value contains a NUL byte"),
    ('"a\\0b"', "the value contains a NUL byte"),
    ('"\\ud800"', "the value contains a lone surrogate (not valid UTF-8)"),
    (f'"{LONG}"', "the value longer than 4096 characters"),
]


def load_error(path: Path) -> str:
    with pytest.raises(PolicyError) as caught:
        load_policy(path)
    return str(caught.value)


@pytest.mark.parametrize(("value", "message"), [
    *BAD,
    ("5", "expected a non-empty string, got 5"),
    ("{a: b}", "expected a single value, got a mapping"),
])
def test_extends_is_checked_where_it_is_written(value: str, message: str,
                                                write_policy: WritePolicy) -> None:
    path = write_policy("p.yaml", f"gatekeep: 1\nextends: {value}\n")
    assert load_error(path) == f"{path}:2:10: extends: {message}"


@pytest.mark.parametrize(("value", "message"), BAD)
def test_extends_in_a_list(value: str, message: str, write_policy: WritePolicy) -> None:
    path = write_policy("p.yaml", f"gatekeep: 1\nextends: [builtin:default, {value}]\n")
    assert load_error(path) == f"{path}:2:28: extends[1]: {message}"


def test_extends_of_a_name_too_long_for_the_file_system(write_policy: WritePolicy) -> None:
    path = write_policy("p.yaml", f"gatekeep: 1\nextends: {'x' * 300}.yaml\n")
    assert load_error(path) == f"{path}:2:10: extends: cannot use this path: File name too long"


@pytest.mark.parametrize(("text", "where"), [
    ("gatekeep: 1\nprotect: {write: [\"~/a\\0b\"]}\n", "2:19: protect.write[0]"),
    ("gatekeep: 1\nprotect: {read: \"\\ud800\"}\n", "2:17: protect.read"),
    ("gatekeep: 1\nrules:\n  - {id: a, allow: [\"ls\\0\"]}\n", "3:21: rules[0].allow[0]"),
    ("gatekeep: 1\nrules:\n  - {id: a, allow: {program: \"\\0\"}}\n",
     "3:30: rules[0].allow.program"),
    ("gatekeep: 1\nrules:\n  - {id: a, allow: {program: ls, args: [\"\\0\"]}}\n",
     "3:41: rules[0].allow.args[0]"),
    ("gatekeep: 1\nrules:\n  - {id: \"\\0\", allow: [ls]}\n", "3:10: rules[0].id"),
    ("gatekeep: 1\ntests:\n  - {cmd: ls, expect: allow, cwd: \"\\0\"}\n", "3:35: tests[0].cwd"),
    ("gatekeep: 1\ntests:\n  - {cmd: \"ls \\0\", expect: allow}\n", "3:11: tests[0].cmd"),
    ("gatekeep: 1\n\"\\0\": 1\n", "2:1"),
])
def test_other_values_with_a_nul_byte(text: str, where: str, write_policy: WritePolicy) -> None:
    path = write_policy("p.yaml", text)
    message = "a key contains a NUL byte" if where == "2:1" else "the value contains a NUL byte"
    if "ud800" in text:
        message = "the value contains a lone surrogate (not valid UTF-8)"
    assert load_error(path) == f"{path}:{where}: {message}"


def test_check_policy_reports_each_bad_value(write_policy: WritePolicy) -> None:
    path = write_policy("p.yaml", 'gatekeep: 1\nextends: ["\\0", "\\ud800"]\n'
                        'protect: {write: ["\\0"]}\n')
    policy, errors = check_policy(path)
    assert policy is None
    assert [str(e) for e in errors] == [
        f"{path}:2:11: extends[0]: the value contains a NUL byte",
        f"{path}:2:17: extends[1]: the value contains a lone surrogate (not valid UTF-8)",
        f"{path}:3:19: protect.write[0]: the value contains a NUL byte",
    ]


@pytest.mark.parametrize("reference", ["a\0b", "a\udcff", LONG])
def test_a_policy_name_that_cannot_be_a_path(reference: str) -> None:
    with pytest.raises(PolicyError) as caught:
        load_policy(reference)
    assert caught.value.message.startswith("the policy name ")


def test_a_test_command_may_be_longer_than_a_path(write_policy: WritePolicy) -> None:
    path = write_policy("p.yaml", f"gatekeep: 1\ntests:\n  - {{cmd: 'echo {LONG}', "
                        "expect: ask}\n")
    assert load_policy(path).tests[0].cmd == f"echo {LONG}"


def test_a_policy_that_is_a_fifo_is_not_read(tmp_path: Path) -> None:
    import os

    fifo = tmp_path / "policy.yaml"
    os.mkfifo(fifo)  # opening it for reading would block without O_NONBLOCK
    assert load_error(fifo) == f"{fifo}: cannot read the policy: not a regular file"


def test_a_policy_larger_than_a_mebibyte(write_policy: WritePolicy) -> None:
    path = write_policy("p.yaml", "gatekeep: 1\n" + "#" * (1 << 20))
    assert load_error(path) == f"{path}: cannot read the policy: larger than 1048576 bytes"


def test_a_policy_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_bytes(b"gatekeep: 1\nrules: [\xff]\n")
    assert load_error(path) == f"{path}:2:9: cannot read the policy: not UTF-8 text"


# -- case files ------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ('cases:\n  - {cmd: ls, expect: allow, cwd: "\\0"}\n',
     "2:35: cases[0].cwd: the value contains a NUL byte"),
    ('cases:\n  - {cmd: ls, expect: allow, cwd: "\\ud800"}\n',
     "2:35: cases[0].cwd: the value contains a lone surrogate (not valid UTF-8)"),
    (f"cases:\n  - {{cmd: ls, expect: allow, cwd: {LONG}}}\n",
     "2:35: cases[0].cwd: the value longer than 4096 characters"),
    ("cases:\n  - {cmd: ls, expect: allow, cwd: [a]}\n",
     "2:35: cases[0].cwd: expected a single value, got a list"),
])
def test_case_file_values(text: str, expected: str, write_policy: WritePolicy) -> None:
    path = write_policy("cases.yaml", text)
    with pytest.raises(PolicyError) as caught:
        load_cases(path)
    assert str(caught.value) == f"{path}:{expected}"


# -- program knowledge -----------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ('gatekeep-programs: 1\nprograms:\n  "a\\0": {}\n', "3:3: programs: a key contains a NUL "
     "byte"),
    ('gatekeep-programs: 1\nprograms:\n  mytool: {same_as: ["\\ud800"]}\n',
     "3:22: programs.mytool.same_as[0]: the value contains a lone surrogate (not valid UTF-8)"),
    ('gatekeep-programs: 1\nprograms:\n  mytool: {value_options: ["-\\0"]}\n',
     "3:28: programs.mytool.value_options[0]: the value contains a NUL byte"),
    ("gatekeep-programs: 1\nprograms:\n  ssh: {wrapper: {join: 'no'}}\n",
     "3:25: programs.ssh.wrapper.join: expected true or false, got 'no'"),
])
def test_program_knowledge_values(text: str, expected: str, write_policy: WritePolicy) -> None:
    path = write_policy("programs.yaml", text)
    with pytest.raises(PolicyError) as caught:
        load_knowledge(path, load_knowledge_default())
    assert str(caught.value) == f"{path}:{expected}"


def test_program_knowledge_that_is_a_directory(tmp_path: Path) -> None:
    with pytest.raises(PolicyError) as caught:
        load_knowledge(tmp_path)
    assert str(caught.value).startswith(f"{tmp_path}: cannot read the program knowledge: ")


@pytest.mark.parametrize("value", [".nan", ".inf", "-.inf"])
@pytest.mark.parametrize("key", ["limits: {timeout: %s}", "prompt: {timeout: %s}"])
def test_a_number_that_is_not_finite_is_an_error(tmp_path, key, value) -> None:
    """A NaN compares as neither smaller nor larger: it would pass any bound unchecked."""
    from gatekeep.errors import PolicyError
    from gatekeep.policy.load import load_policy

    path = tmp_path / "p.yaml"
    path.write_text("gatekeep: 1\n" + key % value + "\n")
    with pytest.raises(PolicyError, match=r"timeout: expected a number of at least \d, got "):
        load_policy(str(path))
