"""git's dry runs for the operator's previews run in a sealed box: a repository's settings
may name programs (a boxed run may have written them), and none of them may act outside it.
Real git, real bwrap."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from gatekeep.approval import preview

pytestmark = pytest.mark.skipif(not os.path.exists("/usr/bin/bwrap"), reason="needs bubblewrap")


def _repo(where: Path, *config: tuple[str, str]) -> None:
    where.mkdir(parents=True)
    run = {"cwd": where, "check": True, "capture_output": True}
    subprocess.run(["git", "init", "-q"], **run)  # type: ignore[call-overload]
    (where / "a.txt").write_text("a\n")
    (where / ".gitattributes").write_text("* filter=x\n")
    subprocess.run(["git", "add", "."], **run)  # type: ignore[call-overload]
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@e", "commit", "-qm", "x"],
                   **run)  # type: ignore[call-overload]
    for key, value in config:
        subprocess.run(["git", "config", key, value], **run)  # type: ignore[call-overload]
    (where / "a.txt").write_text("a\nb\n")


def _env(home: Path) -> dict[str, str]:
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home)}


def test_the_diff_preview_of_a_repository_in_the_home_still_shows_what_would_be_lost(
        tmp_path: Path) -> None:
    home = tmp_path / "home"
    _repo(home / "project")
    shown = preview._run_git(["diff", "--stat", "HEAD"], "lost:", str(home / "project"),
                             _env(home))
    assert shown[0].lines[0].split() == ["a.txt", "|", "1", "+"]


def test_a_filter_the_repository_names_acts_on_nothing_outside_the_box(tmp_path: Path) -> None:
    """The filter runs (git needs the clean text to count lines) but writes nothing, and
    sees an empty home: the secret next to the repository is not there for it."""
    home = tmp_path / "home"
    marker = tmp_path / "PWNED"
    (home / ".ssh").mkdir(parents=True)
    (home / ".ssh" / "id_rsa").write_text("KEY\n")
    leak = tmp_path / "leak"
    _repo(home / "project", ("filter.x.clean",
                             f"sh -c 'touch {marker}; cat {home}/.ssh/id_rsa > {leak}; cat'"))
    preview._run_git(["diff", "--stat", "HEAD"], "lost:", str(home / "project"), _env(home))
    assert not marker.exists()
    assert not leak.exists()


def test_without_a_box_there_is_no_git_preview_and_git_does_not_run(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from gatekeep.sandbox import bwrap

    marker = tmp_path / "PWNED"
    _repo(tmp_path / "project", ("filter.x.clean", f"sh -c 'touch {marker}; cat'"))
    monkeypatch.setattr(bwrap, "find", lambda candidates: None)
    shown = preview._run_git(["diff", "--stat", "HEAD"], "lost:", str(tmp_path / "project"),
                             _env(tmp_path / "home"))
    assert shown[0].lines == (preview.NO_BOX,)
    assert not marker.exists()
