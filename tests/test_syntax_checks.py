"""An interpreter that only checks its script's syntax (`node --check`, `bash -n`, `php -l`:
knowledge `syntax_check_options`) runs none of it: the script is a file it reads. Any other
option of the interpreter's own beside it may load code, and is judged as a run is."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from judging import judge, judged_in

from gatekeep.policy.model import Policy


@pytest.mark.parametrize("command", [
    "node --check scripts/build.js", "node -c scripts/build.js", "bash -n scripts/ci.sh",
    "sh -n scripts/ci.sh", "dash -n /tmp/x.sh", "php -l src/Kernel.php",
    "php --syntax-check src/Kernel.php", "python3 -m py_compile src/app.py",
    "for f in ci release; do bash -n \"scripts/$f.sh\"; done",
])
def test_a_syntax_check_is_allowed(policy: Policy, command: str) -> None:
    decision = judge(policy, command)
    assert decision.decision == "allow", decision.segments


@pytest.mark.parametrize(("command", "decision"), [
    ("node --check -r ./preload.js scripts/build.js", "ask"),   # the preload runs
    ("node --check --import ./x.mjs scripts/build.js", "ask"),
    ("php -d extension=./x.so -l src/Kernel.php", "ask"),       # an extension loads
    ("php -c ./php.ini -l src/Kernel.php", "ask"),
    ("bash -n -s < scripts/ci.sh && bash scripts/other.sh", "ask"),
    ("node --check scripts/build.js && node -e 'x()'", "ask"),
    ("perl -c script.pl", "ask"),                               # BEGIN blocks run
    ("bash -n ~/.ssh/id_rsa", "ask"),                           # a secret's lines shown
    ("node --check ~/.ssh/id_ed25519", "ask"),
])
def test_anything_beside_the_check_is_judged_as_before(policy: Policy, command: str,
                                                       decision: str) -> None:
    assert judge(policy, command).decision == decision


def test_the_script_checked_is_a_file_read(policy: Policy, tmp_path: Path) -> None:
    """Where the script is decides nothing but what reading it does: one outside the tree
    is read, not run, so it needs no approval a run from there would."""
    work = tmp_path / "work"
    work.mkdir()
    (tmp_path / "elsewhere.sh").write_text("rm -rf ~\n")
    assert judged_in(policy, work, f"bash {tmp_path}/elsewhere.sh").decision == "ask"
    assert judged_in(policy, work, f"bash -n {tmp_path}/elsewhere.sh").decision == "allow"


_PROBES = {"node": "require('fs').writeFileSync(process.argv[2], 'ran')\n",
           "php": "<?php file_put_contents($argv[1], 'ran');\n"}
_SHELL_PROBE = 'echo ran > "$1"\n'


def test_the_real_interpreters_run_nothing_of_a_script_they_check(
        policy: Policy, tmp_path: Path) -> None:
    """The knowledge held to the programs: each check option of each interpreter installed
    here, given a script that writes a file, leaves no file. bash, sh and node at least."""
    checked = []
    for name, spec in sorted(policy.knowledge.programs.items()):
        program = shutil.which(name)
        if program is None or not spec.syntax_check_options:
            continue
        script = tmp_path / f"{name}.probe"
        script.write_text(_PROBES.get(name, _SHELL_PROBE))
        for option in sorted(spec.syntax_check_options):
            made = tmp_path / f"{name}{option}.made"
            subprocess.run([program, option, str(script), str(made)], check=False,
                           capture_output=True, timeout=60)
            assert not made.exists(), f"{name} {option} ran its script"
            checked.append(name)
    subprocess.run(["bash", str(tmp_path / "bash.probe"), str(tmp_path / "ran")], check=True)
    assert (tmp_path / "ran").exists()  # the probe does write when it runs
    assert {"bash", "sh", "node"} <= set(checked)
