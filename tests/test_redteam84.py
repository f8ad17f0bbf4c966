"""Red team 84, on brace expansion, find's commands and syntax checks: each command was
allowed and did what the policy asks about (deleted the tree, ran code gatekeep never saw).

- F1: a letter sequence makes `[` (`{a..Z..6}` is `a` and `[`): `[^a]delete` matched the
  file `-delete`, an option of find's.
- F2: it makes a backquote (`{Z..a..6}`), and bash reads the rest of the word as code.
- F3: a brace (or a pattern) in a find's `-exec` makes the word that ends it (`{+,-delete}`).
- F4: a quoted or escaped brace or comma in a brace (`{.env,"}"}`): bash's words are not the
  value's. Such a word is now known only at run time, and read as `cat "$x"` is (the box
  hides the secrets).
- F6: `+n` after `-n` turns the syntax check off again.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from judging import judge

from gatekeep.policy.model import Policy
from gatekeep.shell.parse import parse


@pytest.mark.parametrize("command", [
    "find src {a..Z..6}^a]delete",
    "find src {a..Z..6}^a]exec sh -c 'echo x' \\;",
    "echo {Z..a..6}touch${IFS}/tmp/x\\\\'`'",
    "echo x{A..c}",
])
def test_a_letter_sequence_making_brackets_or_quotes_is_asked(policy: Policy,
                                                             command: str) -> None:
    assert judge(policy, command).decision != "allow"


def test_what_such_a_sequence_makes_is_what_bash_makes(tmp_path: Path) -> None:
    """The characters the check is about: bash makes them from `{Z..a}`."""
    made = subprocess.run(["bash", "-c", "printf '%s\\n' {Z..a}"], capture_output=True,
                          text=True, check=True, timeout=30).stdout.split("\n")
    assert {"[", "]", "^", "`"} <= set(made)


@pytest.mark.parametrize("command", ["echo {a..z}", "echo {A..Z}", "ls {1..3}.log"])
def test_sequences_within_one_case_stay_allowed(policy: Policy, command: str) -> None:
    assert judge(policy, command).decision == "allow"


@pytest.mark.parametrize("command", [
    "find src -exec echo {} {+,-delete}",
    "find src -maxdepth 0 -exec true {} {';',-exec,sh,-c,'echo x',';'}",
    "find . -exec true {} ? -delete",
    "find . -exec true {} $end -delete",
])
def test_a_word_that_may_end_a_find_command_is_asked(policy: Policy, command: str) -> None:
    assert judge(policy, command).decision != "allow"


@pytest.mark.parametrize("command", [
    'cat {.env,"}"}', "cat {.env,\\}}", "cat {.env,'}'}", 'cat {"}",.env}', "cat {.env,\\{}",
    'rm -rf {dist,"}"}', "rm -rf {dist,\\}}",
])
def test_a_quoted_brace_character_makes_the_word_unknown(command: str) -> None:
    word = parse(command).segments[0].argv[-1]
    assert word.value is None and word.splits and word.may_be_option


@pytest.mark.parametrize("command", ['cat {""},.env}', 'cat ""{},.env}'])
def test_an_empty_quote_beside_a_brace_is_read_as_bash_reads_it(policy: Policy,
                                                               command: str) -> None:
    """Found by the differential test: `}` and `.env` to bash, both ways round."""
    word = parse(command).segments[0].argv[-1]
    assert word.splits and judge(policy, command).decision != "allow"


def test_a_quoted_brace_word_is_no_build_output(policy: Policy) -> None:
    assert judge(policy, 'rm -rf {dist,"}"}').decision != "allow"


@pytest.mark.parametrize("command", [
    "bash -n +n /tmp/x.sh", "echo 'rm -rf src' | bash -n +n", "bash -n +o noexec x.sh",
    "sh -n +n x.sh", 'bash -n "$f"',
])
def test_a_check_turned_off_again_is_a_run(policy: Policy, command: str) -> None:
    assert judge(policy, command).decision != "allow"


def test_plus_n_does_run_the_script(tmp_path: Path) -> None:
    """Why: bash reads `+n` as an option after `-n`, and runs the script."""
    script = tmp_path / "x.sh"
    script.write_text(f"touch {tmp_path}/ran\n")
    subprocess.run(["bash", "-n", "+n", str(script)], check=True, timeout=30)
    assert (tmp_path / "ran").exists()
