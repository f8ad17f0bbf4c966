"""The operator's explanation says what each part does: where its output goes, which part a
redirection belongs to, and paths as seen after a ``cd``."""

from __future__ import annotations

import os
from pathlib import Path

from gatekeep.approval.preview import previews
from gatekeep.core.engine import decide
from gatekeep.core.explain import explain
from gatekeep.core.paths import Context, SystemResolver
from gatekeep.policy.load import load_policy
from gatekeep.shell.analyze import analyze
from gatekeep.shell.parse import parse

POLICY = load_policy("builtin:default")


def view(command: str, cwd: Path):  # type: ignore[no-untyped-def]
    parsed = parse(command)
    context = Context(cwd=str(cwd), home=str(cwd / "home"),
                      resolver=SystemResolver("/usr/bin:/bin"))
    decision = decide(POLICY, parsed, context)
    invocations = analyze(parsed, POLICY.knowledge).invocations
    return explain(decision, invocations, POLICY.knowledge, str(cwd)), invocations


def test_a_heredoc_written_to_a_file_is_said_to_write_it(tmp_path: Path) -> None:
    shown, _ = view("cat > notes.md <<'EOF'\nhello\nEOF", tmp_path)
    (line,) = shown.lines
    # cat reads its here-document, no file: what is said is the file it writes
    assert line.why == ("cat: writes or deletes files in the working tree (writes-tree); its "
                        "output is written to notes.md")


def test_a_redirection_after_a_list_is_shown_alone(tmp_path: Path) -> None:
    shown, _ = view("ls && echo done > out.txt", tmp_path)
    assert [(line.text, line.why) for line in shown.lines] == [
        ("ls", "ls: reads files (reads)"),
        ("echo done", "transforms text on standard output; sed and awk programs are checked"),
        ("> out.txt", "redirects the commands before it; runs no program; its output is "
                      "written to out.txt"),
    ]


def test_paths_after_cd_are_shown_from_where_the_command_starts(tmp_path: Path) -> None:
    shown, _ = view("cd sub && rm old.txt; (cd other && rm a.txt); rm b.txt", tmp_path)
    assert [(e.what, e.target) for e in shown.effects] == [
        ("deletes", "sub/old.txt"), ("deletes", "sub/other/a.txt"), ("deletes", "sub/b.txt")]


def test_home_paths_keep_their_tilde(tmp_path: Path) -> None:
    shown, _ = view("rm ~/notes.txt", tmp_path)
    assert [(e.what, e.target) for e in shown.effects] == [("deletes", "~/notes.txt")]


def test_previews_look_in_the_directory_cd_moved_to(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "keep.txt").write_text("precious\n")
    _, invocations = view("cd sub && echo x > keep.txt", tmp_path)
    found = previews(invocations, str(tmp_path), dict(os.environ))
    assert [p.title for p in found] == [
        f"overwrites {tmp_path}/sub/keep.txt (9 bytes), which now starts:"]
