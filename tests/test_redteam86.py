"""Red team 86: each command was allowed and lost source or ran code gatekeep never saw.

- F1: `tar --remove-files` and `zip -m` delete what they archive (`zip -qrm`: zip reads
  letters together, though its options are words).
- F2: a move written as one brace word (`mv {src,/tmp/x}` is `mv src /tmp/x`).
- F3: a pattern of build output beside a part that makes a match of it first (`mv src
  x.egg-info && rm -rf ./*.egg-info`), and `ln -sr`, which makes a link too.
- F4: `jps -J-javaagent:x.jar` runs an agent, `jps HOST:PORT` connects: jps stays unknown.
- F5: binutils read more options from an `@FILE` operand (`nm @f` with `--plugin=x.so`).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from judging import judge, judged_in

from gatekeep.policy.model import Policy


@pytest.mark.parametrize("command", [
    "tar -cf /dev/null --remove-files src", "tar --remove -cf /dev/null .git",
    "zip -qrm /dev/null src", "zip -rm /tmp/x.zip .git", "zip --move /tmp/x.zip src",
    "mv {src,/tmp/x}", "jps -J-javaagent:/tmp/x.jar", "jps -l", "nm @/tmp/r src/main.o",
    "strings @/tmp/r", "objdump @/tmp/r", "size @r", "readelf @r", 'strings "$f"',
])
def test_asked(policy: Policy, command: str) -> None:
    assert judge(policy, command).decision != "allow"


@pytest.mark.parametrize("command", [
    "zip -r build/x.zip src", "tar -czf build/x.tgz src", "mv {a,b}.txt src/",
    "mv src/{a,b}.py", "nm build/app.o", "strings build/app",
])
def test_still_allowed(policy: Policy, command: str) -> None:
    decision = judge(policy, command)
    assert decision.decision == "allow", [(s.text, s.reason) for s in decision.segments]


@pytest.mark.skipif(shutil.which("zip") is None, reason="zip is not installed (CI installs it)")
def test_zip_reads_m_among_its_letters(tmp_path: Path) -> None:
    """Why `-qrm` counts: zip moves the files into the archive."""
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.py").write_text("x\n")
    subprocess.run(["zip", "-qrm", "out.zip", "src"], cwd=tmp_path, check=True, timeout=60)
    assert not (tmp_path / "src").exists()


@pytest.mark.parametrize("command", [
    "mv src x.egg-info && rm -rf ./*.egg-info",
    "ln -sr src z.egg-info && rm -rf ./*.egg-info/",
    "cp -r src y.egg-info && rm -rf ./*.egg-info",
])
def test_a_match_made_beside_a_pattern_of_output_is_asked(policy: Policy,
                                                          tmp_path: Path,
                                                          command: str) -> None:
    work = tmp_path / "work"
    for directory in ("src", "a.egg-info"):
        (work / directory).mkdir(parents=True)
    (work / ".gitignore").write_text("*.egg-info/\n")
    assert judged_in(policy, work, "rm -rf ./*.egg-info").decision == "allow"
    assert judged_in(policy, work, command).decision != "allow"
