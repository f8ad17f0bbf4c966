"""Red team 67: refs git reads otherwise than their text says, reflogs, names that lead out
of the git dir, FETCH_HEAD's later lines, agents' settings deeper in the tree, and refs the
run made at the operator's own commits (movedrefs)."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from gitbox import FORGE
from gitbox import forging as _forging

Sandbox = Any  # the fixture's class lives in conftest.py
AGENT = '{"hooks": "agent"}\n'
needs_bwrap = pytest.mark.skipif(not os.path.exists("/usr/bin/bwrap"),
                                 reason="needs bubblewrap")


def _git(*args: str, cwd: Path) -> str:
    return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org",
                           *args], cwd=cwd, check=True, capture_output=True, text=True,
                          timeout=60).stdout


def _tracked_settings(repo: Path) -> None:
    (repo / ".claude").mkdir()
    (repo / ".claude" / "settings.json").write_text("{}\n")
    _git("add", ".claude/settings.json", cwd=repo)
    _git("commit", "-qm", "settings", cwd=repo)


@pytest.fixture
def work(sandbox: Sandbox) -> Path:
    """A repository on main whose .claude/settings.json is tracked, a branch `feature`."""
    repo: Path = sandbox.work
    _git("init", "-q", "-b", "main", ".", cwd=repo)
    (repo / "a.txt").write_text("mine\n")
    _git("add", "a.txt", cwd=repo)
    _git("commit", "-qm", "first", cwd=repo)
    _tracked_settings(repo)
    _git("branch", "feature", cwd=repo)
    return repo


def _run(sandbox: Sandbox, repo: Path, then: str) -> str:
    _forging(repo, then)
    time.sleep(1.2)
    ran = sandbox.gatekeep("run", "-c", "make")
    assert ran.returncode == 0, ran.stderr
    return str(ran.stderr)


def _checked_out(repo: Path, ref: str) -> str:
    """What the operator's own `git checkout REF` writes to the protected file."""
    subprocess.run(["git", "checkout", "-q", ref], cwd=repo, check=False, timeout=60,
                   capture_output=True)
    return (repo / ".claude" / "settings.json").read_text()


@needs_bwrap
@pytest.mark.parametrize("then", [
    # F1: git reads upper-case ids, and a loose ref's first word however long the file
    "echo $$c | tr a-f A-F > .git/refs/heads/feature",
    "{ echo $$c; head -c 6000 /dev/zero | tr '\\0' ' '; echo; } > .git/refs/heads/feature",
    # F2: a symbolic ref to a file in the git dir, a link, a linked directory of refs
    "echo $$c > .git/EVIL && echo 'ref: EVIL' > .git/refs/heads/feature",
    "mkdir .git/x && echo $$c > .git/x/f && rm .git/refs/heads/feature && "
    "ln -s ../../x/f .git/refs/heads/feature",
    "mkdir .git/x && echo $$c > .git/x/feature && cp .git/refs/heads/main .git/x/main && "
    "mv .git/refs/heads .git/old && ln -s ../x .git/refs/heads",
    # F9: a name packed twice: git's search may take either line
    "g=$$(git rev-parse feature) && rm .git/refs/heads/feature && "
    "printf '# pack-refs with: peeled fully-peeled sorted \\n%s refs/heads/feature\\n"
    "%s refs/heads/feature\\n%s refs/heads/feature\\n' $$c $$c $$g > .git/packed-refs",
])
def test_a_ref_git_reads_otherwise_is_still_put_back(sandbox: Sandbox, work: Path,
                                                     then: str) -> None:
    stderr = _run(sandbox, work, then)
    assert "whose protected files differ" in stderr, stderr
    assert _checked_out(work, "feature") == "{}\n"


@needs_bwrap
def test_a_reflog_the_run_rewrote_is_moved_aside(sandbox: Sandbox, work: Path) -> None:
    """F3: `git reset --hard HEAD@{1}` takes the newest line's old object."""
    stderr = _run(sandbox, work, "echo more >> a.txt && git -c user.name=t -c "
                  "user.email=t@example.org commit -qam work && "
                  "sed -i \"\\$$s/^[0-9a-f]* /$$c /\" .git/logs/HEAD")
    assert "rewrote the reflog logs/HEAD" in stderr, stderr
    subprocess.run(["git", "reset", "-q", "--hard", "HEAD@{1}"], cwd=work, check=False,
                   timeout=60, capture_output=True)
    assert (work / ".claude" / "settings.json").read_text() == "{}\n"


@needs_bwrap
def test_names_that_lead_out_of_the_git_dir_are_never_written_or_removed(
        sandbox: Sandbox, work: Path) -> None:
    """F4: a packed-refs name with `..` named files outside the git dir to the clean-up."""
    victim = work.parent / "victim.txt"
    victim.write_text("precious\n")
    stderr = _run(sandbox, work, "printf '%s refs/heads/../../../victim.txt\\n%s "
                  "refs/../../.claude/settings.json\\n%s refs/heads/../../../../esc\\n' "
                  "$$c $$c $$c >> .git/packed-refs")
    assert victim.read_text() == "precious\n"
    assert (work / ".claude" / "settings.json").read_text() == "{}\n"
    assert not (work.parent.parent / "esc").exists()
    assert "lead" not in stderr or "no name git writes" in stderr


@needs_bwrap
def test_every_line_of_fetch_head_is_looked_at(sandbox: Sandbox, work: Path) -> None:
    """F5: `git merge FETCH_HEAD` merges each line, not only the first."""
    stderr = _run(sandbox, work, "h=$$(git rev-parse HEAD) && printf \"%s\\t\\tbranch 'main' "
                  "of x\\n%s\\t\\tbranch 'fix' of x\\n\" $$h $$c > .git/FETCH_HEAD")
    assert "FETCH_HEAD" in stderr and "git merges it" in stderr, stderr
    assert not (work / ".git" / "FETCH_HEAD").exists()


@needs_bwrap
def test_agents_settings_deeper_in_the_tree_are_looked_at(sandbox: Sandbox, work: Path) -> None:
    """F6: a commit adding pkg/.claude/settings.json, read by an agent started in pkg."""
    (work / "forge2.sh").write_text(
        "set -e\nexport GIT_INDEX_FILE=$(mktemp)\ngit read-tree HEAD\n"
        "b=$(echo agent | git hash-object -w --stdin)\n"
        "git update-index --add --cacheinfo \"100644,$b,pkg/.claude/settings.json\"\n"
        "t=$(git write-tree)\nrm -f $GIT_INDEX_FILE\nunset GIT_INDEX_FILE\n"
        "git update-ref refs/heads/feature $(GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@x "
        "GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@x git commit-tree $t -p HEAD -m x)\n")
    (work / "Makefile").write_text("all:\n\tsh forge2.sh\n")
    time.sleep(1.2)
    ran = sandbox.gatekeep("run", "-c", "make")
    assert "pkg/.claude/settings.json" in ran.stderr, ran.stderr
    _checked_out(work, "feature")
    assert not (work / "pkg" / ".claude").exists()


@needs_bwrap
def test_refs_made_at_the_operators_own_commits_are_kept(sandbox: Sandbox, work: Path) -> None:
    """F8: the operator's branch `cfg` has other settings; a copy of it holds no agent's."""
    _git("checkout", "-qb", "cfg", cwd=work)
    (work / ".claude" / "settings.json").write_text('{"cfg": 1}\n')
    _git("commit", "-qam", "cfg", cwd=work)
    _git("checkout", "-q", "main", cwd=work)
    (work / "Makefile").write_text("all:\n\tgit branch newb cfg && git tag t1 cfg\n")
    time.sleep(1.2)
    ran = sandbox.gatekeep("run", "-c", "make")
    assert ran.returncode == 0 and "warning" not in ran.stderr, ran.stderr
    assert _git("rev-parse", "newb", cwd=work) == _git("rev-parse", "cfg", cwd=work)


def test_ref_names_git_would_not_write_are_refused() -> None:
    from gatekeep.sandbox.movedrefs import valid

    assert all(valid(n) for n in ("refs/heads/main", "HEAD", "ORIG_HEAD",
                                  "worktrees/wt/HEAD", "refs/gatekeep-held/refs/heads/x"))
    assert not any(valid(n) for n in (
        "refs/heads/../../x", "refs/../../.claude/settings.json", "x", "refs/heads/.x",
        "refs/heads/a.lock", "refs/heads/a b", "refs/heads/a\nb", "refs/heads/", "../HEAD",
        "worktrees/../HEAD", "refs/heads/a@{1}", "refs//x"))


# -- red team 68 ---------------------------------------------------------------------------

def _again(sandbox: Sandbox, repo: Path, recipe: str) -> str:
    """Another boxed run, of ``recipe`` with $c the agent's commit (forge.sh)."""
    return _run(sandbox, repo, recipe)


@needs_bwrap
@pytest.mark.parametrize(("first", "second"), [
    # F1: gatekeep's own held copy, replayed
    ("git update-ref refs/heads/feature $$c", "git update-ref refs/heads/feature "
     "$$(git rev-parse refs/gatekeep-held/refs/heads/feature)"),
    # a name git does not read, made first
    ("echo $$c > .git/refs/heads/stuff.lock", "git update-ref refs/heads/feature "
     "$$(cat .git/refs/heads/stuff.lock)"),
])
def test_a_commit_the_run_left_earlier_is_not_the_operators(sandbox: Sandbox, work: Path,
                                                           first: str, second: str) -> None:
    _run(sandbox, work, first)
    time.sleep(1.2)
    stderr = _again(sandbox, work, second)
    assert "moved refs/heads/feature" in stderr, stderr
    assert _checked_out(work, "feature") == "{}\n"


@needs_bwrap
def test_a_ref_the_run_makes_under_the_held_names_is_looked_at(sandbox: Sandbox,
                                                               work: Path) -> None:
    """F1, F2: refs/gatekeep-held/x, then named by a reflog line `git checkout -` reads."""
    stderr = _run(sandbox, work, "git update-ref refs/gatekeep-held/x $$c && "
                  "m=$$(git rev-parse main) && printf '%s %s o <o@x> 1700000000 +0000\\t"
                  "checkout: moving from refs/gatekeep-held/x to main\\n' $$m $$m "
                  ">> .git/logs/HEAD")
    assert "made refs/gatekeep-held/x" in stderr, stderr
    assert _checked_out(work, "-") == "{}\n"


@needs_bwrap
def test_a_reflog_line_put_before_the_last_is_seen(sandbox: Sandbox, work: Path) -> None:
    """F2: the file grows and keeps its inode, but its old end moved."""
    _git("checkout", "-q", "feature", cwd=work)
    _git("checkout", "-q", "main", cwd=work)
    (work / "insert.py").write_text(
        "import subprocess, sys\n"
        "m = subprocess.check_output(['git', 'rev-parse', 'main'], text=True).strip()\n"
        "lines = open('.git/logs/HEAD').readlines()\n"
        "lines.insert(-1, f'{m} {m} o <o@x> 1700000000 +0000\\tcheckout: moving from '\n"
        "             f'{sys.argv[1]} to main\\n')\n"
        "with open('.git/logs/HEAD', 'r+') as f:\n"
        "    f.writelines(lines)\n")
    stderr = _run(sandbox, work, "python3 insert.py $$c")
    assert "the reflog logs/HEAD" in stderr, stderr
    assert _checked_out(work, "-") == "{}\n"


@needs_bwrap
def test_a_linked_reflog_directory_is_moved_aside(sandbox: Sandbox, work: Path) -> None:
    """F7: git follows a link where a reflog directory was."""
    stderr = _run(sandbox, work, "mkdir -p .git/x && cp -a .git/logs/refs/. .git/x/ && "
                  "mv .git/logs/refs .git/oldlogrefs && ln -s ../x .git/logs/refs")
    assert "the reflog logs/refs" in stderr, stderr
    assert not (work / ".git" / "logs" / "refs").is_symlink()


@needs_bwrap
@pytest.mark.parametrize(("state", "recipe"), [
    # F3: what --abort resets to, what --continue picks, what bisect reset checks out
    ("rebase-merge", "mkdir -p .git/rebase-merge && echo $$c > .git/rebase-merge/orig-head "
     "&& git rev-parse HEAD > .git/rebase-merge/onto && echo refs/heads/main > "
     ".git/rebase-merge/head-name"),
    ("rebase-merge", "mkdir -p .git/rebase-merge && echo \"pick $$(echo $$c | cut -c1-9) x\""
     " > .git/rebase-merge/git-rebase-todo"),
    ("sequencer", "mkdir -p .git/sequencer && echo $$c > .git/sequencer/head"),
    ("BISECT_START", "echo $$c > .git/BISECT_START"),
])
def test_a_command_in_progress_going_to_the_agents_commit_is_held(
        sandbox: Sandbox, work: Path, state: str, recipe: str) -> None:
    stderr = _run(sandbox, work, recipe)
    assert state in stderr and "protected files differ" in stderr, stderr
    assert not (work / ".git" / state).exists()


@needs_bwrap
def test_one_unreadable_ref_does_not_stop_the_others(sandbox: Sandbox, work: Path) -> None:
    """F4: a ref at a missing object made the whole comparison fail."""
    stderr = _run(sandbox, work, "echo " + "1" * 40 + " > .git/refs/heads/broken && "
                  "git update-ref refs/heads/feature $$c")
    assert "moved refs/heads/feature" in stderr, stderr
    assert _checked_out(work, "feature") == "{}\n"


@needs_bwrap
def test_a_worktree_of_the_operators_branch_keeps_its_head(sandbox: Sandbox,
                                                          work: Path) -> None:
    """F6: `git worktree add wt2 cfg`, cfg the operator's, with other settings."""
    _git("checkout", "-qb", "cfg", cwd=work)
    (work / ".claude" / "settings.json").write_text('{"cfg": 1}\n')
    _git("commit", "-qam", "cfg", cwd=work)
    _git("checkout", "-q", "main", cwd=work)
    (work / "Makefile").write_text("all:\n\tgit worktree add -q --no-checkout --detach wt2 cfg\n")
    time.sleep(1.2)
    ran = sandbox.gatekeep("run", "-c", "make")
    assert "warning" not in ran.stderr, ran.stderr
    assert (work / ".git" / "worktrees" / "wt2" / "HEAD").exists()


# -- red team 69 ---------------------------------------------------------------------------

@needs_bwrap
def test_a_second_word_in_a_ref_file_is_not_the_operators(sandbox: Sandbox,
                                                          work: Path) -> None:
    """F1: git reads `H C` as H; the commits the operator had once took C too."""
    _run(sandbox, work, "echo \"$$(git rev-parse HEAD) $$c\" > .git/refs/heads/other")
    time.sleep(1.2)
    stderr = _again(sandbox, work, "git update-ref refs/heads/feature $$c")
    assert "moved refs/heads/feature" in stderr, stderr
    assert _checked_out(work, "feature") == "{}\n"


@needs_bwrap
@pytest.mark.parametrize("recipe", [
    # red team 67 F3: `git checkout -` reads the last "moving from X" line of HEAD's reflog
    "m=$$(git rev-parse main) && printf '%s %s o <o@x> 1700000000 +0000\\tcheckout: moving "
    "from %s to main\\n' $$m $$m $$c >> .git/logs/HEAD",
    # F2: git finds EVIL in the git dir
    "echo $$c > .git/EVIL && m=$$(git rev-parse main) && printf '%s %s o <o@x> 1700000000 "
    "+0000\\tcheckout: moving from EVIL to main\\n' $$m $$m >> .git/logs/HEAD",
    # F3: what git reads as a commit, written otherwise
    "echo $$c^0 > .git/BISECT_START",
    "mkdir -p .git/rebase-merge && echo \"pick $$c^0 x\" > .git/rebase-merge/git-rebase-todo",
    "mkdir -p .git/rebase-merge && echo \"$$c^0\" > .git/rebase-merge/orig-head",
    # F6: a patch series in progress names no commit
    "mkdir -p .git/rebase-apply && echo 1 > .git/rebase-apply/next && "
    "echo 1 > .git/rebase-apply/last",
])
def test_what_git_reads_as_a_commit_is_asked_of_git(sandbox: Sandbox, work: Path,
                                                    recipe: str) -> None:
    _git("checkout", "-q", "feature", cwd=work)
    _git("checkout", "-q", "main", cwd=work)
    stderr = _run(sandbox, work, recipe)
    assert "gatekeep: warning" in stderr, stderr
    assert _checked_out(work, "-") == "{}\n"
    assert not any((work / ".git" / state).exists()
                   for state in ("BISECT_START", "rebase-merge", "rebase-apply"))


@needs_bwrap
def test_a_checkout_line_before_the_last_is_seen(sandbox: Sandbox, work: Path) -> None:
    """F4: the operator committed after their last checkout; the run rewrites that line
    to the same length, keeping the reflog's last bytes."""
    _git("checkout", "-q", "feature", cwd=work)
    _git("checkout", "-q", "main", cwd=work)
    (work / "a.txt").write_text("more\n")
    _git("commit", "-qam", "more", cwd=work)
    feature = _git("rev-parse", "feature", cwd=work).strip()
    (work / "swap.py").write_text(
        "import sys\n"
        "p = '.git/logs/HEAD'\n"
        "data = open(p).read()\n"
        f"at = data.rindex('checkout: moving from main to feature')\n"
        f"data = data[:at] + data[at:].replace('{feature}', sys.argv[1], 2)\n"
        "open(p, 'r+').write(data)\n")
    stderr = _run(sandbox, work, "python3 swap.py $$c")
    assert "the reflog logs/HEAD" in stderr, stderr


@needs_bwrap
def test_a_stashs_untracked_files_are_looked_at(sandbox: Sandbox, work: Path) -> None:
    """F5: the stash's own tree is HEAD's; its third parent holds the agent's file."""
    (work / "stash.sh").write_text(
        "set -e\nexport GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@x GIT_COMMITTER_NAME=t "
        "GIT_COMMITTER_EMAIL=t@x\nexport GIT_INDEX_FILE=$(mktemp -u)\n"
        "b=$(echo agent | git hash-object -w --stdin)\n"
        "git update-index --add --cacheinfo \"100644,$b,.claude/settings.local.json\"\n"
        "u=$(git commit-tree $(git write-tree) -m untracked)\nunset GIT_INDEX_FILE\n"
        "i=$(git commit-tree HEAD^{tree} -p HEAD -m index)\n"
        "w=$(git commit-tree HEAD^{tree} -p HEAD -p $i -p $u -m WIP)\n"
        "git update-ref refs/stash $w\n")
    (work / "Makefile").write_text("all:\n\tsh stash.sh\n")
    time.sleep(1.2)
    ran = sandbox.gatekeep("run", "-c", "make")
    assert "refs/stash" in ran.stderr, ran.stderr
    subprocess.run(["git", "stash", "pop"], cwd=work, check=False, capture_output=True,
                   timeout=60)
    assert not (work / ".claude" / "settings.local.json").exists()


def test_a_parent_of_a_protected_path_counts_as_it() -> None:
    """F7: `.github` a link in the commit leads git's checkout into `.github/hooks`."""
    from gatekeep.sandbox.movedrefs import _protected

    assert _protected(".github", (".github/hooks",))
    assert _protected("pkg/.claude/settings.json", ())
    assert not _protected("src/main.py", (".github/hooks",))


# -- red team 70 ---------------------------------------------------------------------------

@needs_bwrap
def test_a_name_in_capitals_made_later_is_a_ref(sandbox: Sandbox, work: Path) -> None:
    """F4: the checkout line names EVIL in one run, EVIL is written in the next."""
    _git("checkout", "-q", "feature", cwd=work)
    _git("checkout", "-q", "main", cwd=work)
    _run(sandbox, work, "m=$$(git rev-parse main) && printf '%s %s o <o@x> 1700000000 "
         "+0000\\tcheckout: moving from EVIL to main\\n' $$m $$m >> .git/logs/HEAD")
    time.sleep(1.2)
    stderr = _again(sandbox, work, "echo $$c > .git/EVIL")
    assert "made EVIL" in stderr, stderr
    assert not (work / ".git" / "EVIL").exists()


@needs_bwrap
def test_a_link_at_a_protected_paths_parent_is_looked_at(sandbox: Sandbox,
                                                        work: Path) -> None:
    """F1: `.github` a link in the commit: git writes through it into `.github/hooks`."""
    (work / ".github" / "hooks").mkdir(parents=True)
    (work / ".github" / "hooks" / "hooks.json").write_text("{}\n")
    _git("add", ".github", cwd=work)
    _git("commit", "-qm", "hooks", cwd=work)
    (work / "link.sh").write_text(
        "set -e\nexport GIT_INDEX_FILE=$(mktemp -u)\ngit read-tree HEAD\n"
        "git rm -q --cached -r .github\n"
        "l=$(printf evil | git hash-object -w --stdin)\n"
        "git update-index --add --cacheinfo \"120000,$l,.github\"\n"
        "t=$(git write-tree)\nrm -f $GIT_INDEX_FILE\nunset GIT_INDEX_FILE\n"
        "git update-ref refs/heads/feature $(GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@x "
        "GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@x git commit-tree $t -p HEAD -m x)\n")
    (work / "Makefile").write_text("all:\n\tsh link.sh\n")
    time.sleep(1.2)
    ran = sandbox.gatekeep("run", "-c", "make")
    assert "moved refs/heads/feature" in ran.stderr, ran.stderr


@needs_bwrap
def test_a_stash_popped_in_the_box_keeps_the_others(sandbox: Sandbox, work: Path) -> None:
    """F6: `git stash pop` rewrites the stash's reflog without its newest line."""
    for text in ("one\n", "two\n"):
        (work / "a.txt").write_text(text)
        _git("stash", "-q", cwd=work)
    (work / "Makefile").write_text("all:\n\tgit stash pop -q\n")
    time.sleep(1.2)
    ran = sandbox.gatekeep("run", "-c", "make")
    assert ran.returncode == 0 and "warning" not in ran.stderr, ran.stderr
    assert len(_git("stash", "list", cwd=work).splitlines()) == 1


def test_refs_that_moved_when_git_cannot_be_run_are_said(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """No box for git (no bwrap, a box that cannot be made): what moved cannot be checked,
    so the clean-up says so rather than nothing."""
    from gatekeep.sandbox import gitobjects, gitrefs, movedrefs
    from gatekeep.sandbox.boundary import Boundary
    from gatekeep.sandbox.spec import Limits

    repo = tmp_path / "work"
    repo.mkdir()
    _git("init", "-q", "-b", "main", ".", cwd=repo)
    _tracked_settings(repo)
    _git("branch", "feature", cwd=repo)
    git = str(repo / ".git")
    record = gitrefs.Refs(git, (".claude",), (), gitrefs.refs(git), gitrefs.logs(git))
    (repo / "a.txt").write_text("x\n")
    _git("add", "a.txt", cwd=repo)
    _git("commit", "-qm", "more", cwd=repo)
    box = Boundary(str(repo), (), (), (), (), (), False, False, Limits(),
                   git_roots=(str(repo), git), planned=time.time())
    monkeypatch.setattr(gitobjects, "sealed", lambda *args, **kwargs: None)
    said = movedrefs.check(box._replace(git_refs=(record,)))
    assert said and "could not run git" in said[0], said


# -- red team 70 F3: a linked worktree's own refs --------------------------------------------

_WT_LINE = ("m=$$(git -C wt rev-parse HEAD) && printf '%s %s o <o@x> 1700000000 +0000\\t"
            "checkout: moving from {ref} to feature\\n' $$m $$m >> .git/worktrees/wt/logs/HEAD")


@needs_bwrap
@pytest.mark.parametrize(("recipe", "then"), [
    # `git checkout -` in wt reads wt's reflog, and the name there as wt reads it
    ("git -C wt update-ref refs/worktree/x $$c && " + _WT_LINE.format(ref="refs/worktree/x"),
     ["checkout", "-q", "-"]),
    ("git -C wt update-ref refs/bisect/x $$c && " + _WT_LINE.format(ref="refs/bisect/x"),
     ["checkout", "-q", "-"]),
    # `git bisect reset` in wt goes back to what wt's BISECT_START names
    ("git -C wt update-ref refs/bisect/x $$c && echo refs/bisect/x > "
     ".git/worktrees/wt/BISECT_START && echo 'git bisect start' > .git/worktrees/wt/BISECT_LOG",
     ["bisect", "reset", "-q"]),
    # wt's own ref, checked out by name
    ("git -C wt update-ref refs/worktree/x $$c", ["checkout", "-q", "refs/worktree/x"]),
])
def test_a_linked_worktrees_own_refs_are_looked_at(sandbox: Sandbox, work: Path, recipe: str,
                                                   then: list[str]) -> None:
    """F3: refs/worktree, refs/bisect and refs/rewritten of a linked worktree are in its own
    dir (`.git/worktrees/wt/refs`), and its reflog's and state's words are git's there."""
    _git("worktree", "add", "-q", "wt", "feature", cwd=work)
    stderr = _run(sandbox, work, recipe)
    assert "whose protected files differ" in stderr, stderr
    subprocess.run(["git", *then], cwd=work / "wt", check=False, timeout=60,
                   capture_output=True)
    assert (work / "wt" / ".claude" / "settings.json").read_text() == "{}\n"


@needs_bwrap
def test_a_bisect_in_a_linked_worktree_is_quiet(sandbox: Sandbox, work: Path) -> None:
    """Ordinary work in a linked worktree: a bisect there, started and marked in the box."""
    _git("worktree", "add", "-q", "wt", "feature", cwd=work)
    (work / "Makefile").write_text("all:\n\tcd wt && git bisect start -q HEAD HEAD~2 && "
                                   "git bisect good >/dev/null\n")
    time.sleep(1.2)
    ran = sandbox.gatekeep("run", "-c", "make")
    assert ran.returncode == 0 and "warning" not in ran.stderr, ran.stderr
    assert (work / ".git" / "worktrees" / "wt" / "refs" / "bisect").is_dir()


def test_a_linked_worktrees_refs_are_named_as_git_names_them(tmp_path: Path) -> None:
    from gatekeep.sandbox import gitrefs, movedrefs

    repo = tmp_path / "work"
    repo.mkdir()
    _git("init", "-q", "-b", "main", ".", cwd=repo)
    _tracked_settings(repo)
    _git("worktree", "add", "-q", "--detach", "wt", cwd=repo)
    _git("update-ref", "refs/worktree/x", "HEAD", cwd=repo / "wt")
    found = dict(gitrefs.refs(str(repo / ".git")) or ())
    head = _git("rev-parse", "HEAD", cwd=repo).strip()
    assert found["worktrees/wt/refs/worktree/x"] == head
    assert gitrefs.resolved({"worktrees/wt/HEAD": "ref: refs/bisect/x",
                             "worktrees/wt/refs/bisect/x": head, "refs/bisect/x": "0" * 40},
                            "worktrees/wt/HEAD") == head
    assert movedrefs.valid("worktrees/wt/refs/worktree/x")
    assert not movedrefs.valid("worktrees/wt/../../x")
    assert not movedrefs.valid("worktrees/wt/objects/x")


# -- red team 70 F2: a submodule's commit, through a gitlink --------------------------------

_BUMP = ("cd sub && c=$$(sh ../forge.sh) && d=$$(git -c user.name=t -c user.email=t@x "
         "commit-tree HEAD^{tree} -p $$c -m wip) && git update-ref refs/heads/wip $$d && cd .. && "
         "git update-index --cacheinfo 160000,$$c,sub")


@pytest.fixture
def with_sub(work: Path) -> Path:
    """`work` with a submodule `sub` whose .claude/settings.json is tracked."""
    upstream = work.parent / "upstream"
    upstream.mkdir()
    _git("init", "-q", "-b", "main", ".", cwd=upstream)
    _tracked_settings(upstream)
    _git("-c", "protocol.file.allow=always", "submodule", "add", "-q", str(upstream), "sub",
         cwd=work)
    _git("commit", "-qm", "sub", cwd=work)
    (work / "forge.sh").write_text(FORGE)
    return work


def _update_submodules(repo: Path) -> str:
    subprocess.run(["git", "submodule", "update", "-q"], cwd=repo, check=False, timeout=60,
                   capture_output=True)
    return (repo / "sub" / ".claude" / "settings.json").read_text()


@needs_bwrap
@pytest.mark.parametrize("then", ["git -c user.name=t -c user.email=t@x commit -qm bump",
                                  "git -c user.name=t -c user.email=t@x commit -qm bump && "
                                  "git reset -q --soft HEAD~1 && git reset -q"])
def test_a_gitlink_to_the_agents_submodule_commit_is_undone(sandbox: Sandbox, with_sub: Path,
                                                            then: str) -> None:
    """A commit that moves `sub` to a submodule commit with the agent's settings: its
    branch is put back (and the commit left in no ref)."""
    (with_sub / "Makefile").write_text(f"all:\n\t{_BUMP} && {then}\n")
    time.sleep(1.2)
    ran = sandbox.gatekeep("run", "-c", "make")
    assert "sub/.claude/settings.json" in ran.stderr, ran.stderr
    _git("reset", "-q", cwd=with_sub)  # what the index staged: the next test
    assert _update_submodules(with_sub) == "{}\n"


@needs_bwrap
def test_a_gitlink_staged_at_the_agents_submodule_commit_is_said(sandbox: Sandbox,
                                                                 with_sub: Path) -> None:
    """Only staged: `git submodule update` checks out what the index stages."""
    (with_sub / "Makefile").write_text(f"all:\n\t{_BUMP}\n")
    time.sleep(1.2)
    ran = sandbox.gatekeep("run", "-c", "make")
    assert "staged the submodule sub" in ran.stderr, ran.stderr
    put_back = ran.stderr.split("`git update-index ")[1].split("`")[0].split()
    _git("update-index", *put_back, cwd=with_sub)
    assert _update_submodules(with_sub) == "{}\n"


@needs_bwrap
def test_an_ordinary_submodule_bump_is_quiet(sandbox: Sandbox, with_sub: Path) -> None:
    (with_sub / "Makefile").write_text(
        "all:\n\tcd sub && echo x > b.txt && git add b.txt && "
        "git -c user.name=t -c user.email=t@x commit -qm b && cd .. && git add sub && "
        "git -c user.name=t -c user.email=t@x commit -qm bump\n")
    time.sleep(1.2)
    ran = sandbox.gatekeep("run", "-c", "make")
    assert ran.returncode == 0 and "warning" not in ran.stderr, ran.stderr
    assert "bump" in _git("log", "-1", "--format=%s", cwd=with_sub)


# -- red team 72 ----------------------------------------------------------------------------

@needs_bwrap
def test_a_fetch_head_that_is_a_link_is_moved_aside(sandbox: Sandbox, work: Path) -> None:
    """F1: git merges each line of what the link names; only its first was looked at."""
    stderr = _run(sandbox, work, "printf '%s\\t\\tbranch main of x\\n%s\\t\\tbranch fix of x\\n' "
                  "$$(git rev-parse HEAD) $$c > .git/fh && ln -s fh .git/FETCH_HEAD")
    assert "FETCH_HEAD" in stderr and "a link or too large" in stderr, stderr
    assert not os.path.lexists(work / ".git" / "FETCH_HEAD")


@needs_bwrap
@pytest.mark.parametrize("first", [
    "printf ' %s\\n' $$c > .git/refs/heads/zz && echo $$c > c.txt",  # git ignores it
    "printf '%s refs/heads/zz\\r%s refs/heads/zy\\n' $$(git rev-parse HEAD) $$c "
    ">> .git/packed-refs && echo $$c > c.txt",  # one broken name to git
])
def test_a_ref_git_ignores_does_not_make_a_commit_the_operators(sandbox: Sandbox, work: Path,
                                                               first: str) -> None:
    """F2: the commit such a ref named counted as one the operator had a ref at."""
    _run(sandbox, work, first)
    time.sleep(1.2)
    stderr = _again(sandbox, work, "git update-ref refs/heads/feature $$(cat c.txt)")
    assert "moved refs/heads/feature" in stderr, stderr
    assert _checked_out(work, "feature") == "{}\n"


@needs_bwrap
@pytest.mark.parametrize("line", [
    "'%s %s o <o@x> 1700000000 +0000\\tcheckout: moving from %s to main to main\\n'",
    "'%s %s o\\tp <o@x> 1700000000 +0000\\tcheckout: moving from %s to main\\n'",
    "'%s %s o <o@x> 1700000000 +0000checkout: moving from %s to main\\n'",
])
def test_a_checkout_line_is_read_as_git_reads_it(sandbox: Sandbox, work: Path,
                                                 line: str) -> None:
    """F3: git takes the name up to the first " to ", wherever the message starts."""
    stderr = _run(sandbox, work, f"m=$$(git rev-parse main) && printf {line} $$m $$m $$c "
                  ">> .git/logs/HEAD")
    assert "cut them off" in stderr, stderr
    subprocess.run(["git", "checkout", "-q", "-"], cwd=work, check=False, timeout=60,
                   capture_output=True)
    assert (work / ".claude" / "settings.json").read_text() == "{}\n"


@needs_bwrap
def test_a_commit_behind_the_new_one_is_looked_at(sandbox: Sandbox, work: Path) -> None:
    """F4: main moved to a clean commit whose parent is the agent's: `git reset --hard
    HEAD~1` checks the parent out."""
    stderr = _run(sandbox, work, "d=$$(git -c user.name=t -c user.email=t@x commit-tree "
                  "HEAD^{tree} -p $$c -m tidy) && git update-ref refs/heads/main $$d")
    assert "moved refs/heads/main" in stderr, stderr
    subprocess.run(["git", "reset", "-q", "--hard", "HEAD~1"], cwd=work, check=False,
                   timeout=60, capture_output=True)
    settings = work / ".claude" / "settings.json"
    assert not settings.exists() or settings.read_text() != AGENT


@needs_bwrap
def test_a_rebase_state_that_is_a_link_is_held(sandbox: Sandbox, work: Path) -> None:
    """F5: git follows the link: `rebase --continue` ran the todo's exec line unboxed."""
    marker = work.parent / "ran"
    stderr = _run(sandbox, work, "mkdir .git/rm && echo $$c > .git/rm/orig-head && "
                  "echo refs/heads/main > .git/rm/head-name && git rev-parse HEAD > "
                  f".git/rm/onto && echo 'exec touch {marker}' > .git/rm/git-rebase-todo && "
                  "touch .git/rm/interactive && ln -s rm .git/rebase-merge")
    assert "rebase-merge" in stderr, stderr
    assert not os.path.lexists(work / ".git" / "rebase-merge")
    subprocess.run(["git", "rebase", "--continue"], cwd=work, check=False, timeout=60,
                   capture_output=True)
    assert not marker.exists()
    assert (work / ".claude" / "settings.json").read_text() == "{}\n"


@needs_bwrap
@pytest.mark.parametrize("recipe", [
    "echo beef5 > .git/BISECT_START && echo 'git bisect start' > .git/BISECT_LOG",
    "m=$$(git rev-parse main) && printf '%s %s o <o@x> 1700000000 +0000\\tcheckout: moving "
    "from beef5 to main\\n' $$m $$m >> .git/logs/HEAD",
])
def test_a_start_of_an_id_that_names_nothing_yet_is_not_left(sandbox: Sandbox, work: Path,
                                                             recipe: str) -> None:
    """F6: a later run can make an object whose id starts so, moving no ref."""
    stderr = _run(sandbox, work, recipe)
    assert "beef5" in stderr or "BISECT_START" in stderr, stderr
    assert "warning" in stderr


@needs_bwrap
def test_notes_are_quiet(sandbox: Sandbox, work: Path) -> None:
    """F9: a note's reflog was cut as if it named a commit to check out."""
    (work / "Makefile").write_text("all:\n\tgit -c user.name=t -c user.email=t@x notes add "
                                   "-m hello HEAD\n")
    time.sleep(1.2)
    ran = sandbox.gatekeep("run", "-c", "make")
    assert ran.returncode == 0 and "warning" not in ran.stderr, ran.stderr
    assert "hello" in _git("notes", "show", "HEAD", cwd=work)


@needs_bwrap
@pytest.mark.parametrize("then", ["git stash drop -q stash@{1}",
                                  "git stash drop -q stash@{1} && echo four > a.txt && "
                                  "git stash -q"])
def test_a_stash_dropped_from_the_middle_keeps_the_others(sandbox: Sandbox, work: Path,
                                                          then: str) -> None:
    """F8: dropping one that is not the newest rewrote the reflog, which was moved aside:
    `git stash list` showed none of the operator's stashes."""
    for text in ("one\n", "two\n", "three\n"):
        (work / "a.txt").write_text(text)
        _git("stash", "-q", cwd=work)
    (work / "Makefile").write_text(f"all:\n\t{then}\n")
    time.sleep(1.2)
    ran = sandbox.gatekeep("run", "-c", "make")
    assert ran.returncode == 0 and "warning" not in ran.stderr, ran.stderr
    assert len(_git("stash", "list", cwd=work).splitlines()) == (2 if "four" not in then
                                                                  else 3)


@needs_bwrap
def test_a_stash_added_after_one_dropped_is_looked_at(sandbox: Sandbox, work: Path) -> None:
    for text in ("one\n", "two\n"):
        (work / "a.txt").write_text(text)
        _git("stash", "-q", cwd=work)
    stderr = _run(sandbox, work, "git stash drop -q stash@{1} && "
                  "h=$$(git rev-parse HEAD) && s=$$(git rev-parse refs/stash) && "
                  "printf '%s %s t <t@x> 1700000000 +0000\\tWIP\\n' $$s $$c "
                  ">> .git/logs/refs/stash && git update-ref --no-deref refs/stash $$c")
    assert "whose protected files differ" in stderr, stderr


# -- red team 73 ----------------------------------------------------------------------------

@needs_bwrap
@pytest.mark.parametrize("recipe", [
    "echo $$c > .git/description.d && rm .git/refs/heads/feature && "
    "ln -s /proc/self/cwd/.git/description.d .git/refs/heads/feature",
    "echo $$c > .git/description.d && ln -s /proc/self/cwd/.git/description.d .git/ORIG_HEAD",
])
def test_a_ref_made_a_link_is_removed(sandbox: Sandbox, work: Path, recipe: str) -> None:
    """F1: a link through /proc/self/cwd names nothing where gatekeep runs git."""
    stderr = _run(sandbox, work, recipe)
    assert "as a link to" in stderr and "removed it" in stderr, stderr
    assert _checked_out(work, "feature") == "{}\n"
    subprocess.run(["git", "reset", "-q", "--hard", "ORIG_HEAD"], cwd=work, check=False,
                   timeout=60, capture_output=True)
    assert (work / ".claude" / "settings.json").read_text() == "{}\n"


@needs_bwrap
def test_a_commit_kept_under_notes_is_not_the_operators(sandbox: Sandbox, work: Path) -> None:
    """F3: a notes ref is never compared, so the commit it names is no ref of the
    operator's."""
    _run(sandbox, work, "git update-ref refs/notes/zz $$c && echo $$c > c.txt")
    time.sleep(1.2)
    stderr = _again(sandbox, work, "git update-ref -d refs/notes/zz && "
                    "git update-ref refs/heads/feature $$(cat c.txt)")
    assert "moved refs/heads/feature" in stderr, stderr
    assert _checked_out(work, "feature") == "{}\n"


@needs_bwrap
def test_a_shallow_file_the_run_wrote_is_put_back(sandbox: Sandbox, work: Path) -> None:
    """F4: git takes a listed commit's parents as missing: the ancestry walk stopped at
    the clean commit, and the agent's parent came back when the file went."""
    stderr = _run(sandbox, work, "d=$$(git -c user.name=t -c user.email=t@x commit-tree "
                  "HEAD^{tree} -p $$c -m tidy) && echo $$d > .git/shallow && "
                  "git update-ref refs/heads/main $$d")
    assert "shallow" in stderr and "put it back" in stderr, stderr
    assert not (work / ".git" / "shallow").exists()
    assert "moved refs/heads/main" in stderr, stderr


@needs_bwrap
@pytest.mark.parametrize("recipe", [
    "m=$$(git rev-parse main) && printf '%s %s o <o@x> 1700000000 +0000\\tcheckout: moving "
    "from wip/x to main\\n' $$m $$m >> .git/logs/HEAD",
    "echo wip/x > .git/BISECT_START && echo 'git bisect start' > .git/BISECT_LOG",
])
def test_a_name_that_names_nothing_yet_is_not_left(sandbox: Sandbox, work: Path,
                                                   recipe: str) -> None:
    """F5: git finds `wip/x` as a file in the git dir, which a later run can write."""
    stderr = _run(sandbox, work, recipe)
    assert "wip/x" in stderr or "BISECT_START" in stderr, stderr


@needs_bwrap
def test_a_submodule_at_an_agents_settings_path_counts_itself(sandbox: Sandbox,
                                                             work: Path) -> None:
    """F2: a gitlink at `.vscode` whose commit is in no git dir gatekeep looks in."""
    stderr = _run(sandbox, work, "s=$$(git rev-parse HEAD) && export GIT_INDEX_FILE=$$(mktemp "
                  "-u) && git read-tree HEAD && git update-index --add --cacheinfo "
                  "160000,$$s,.vscode && t=$$(git write-tree) && unset GIT_INDEX_FILE && "
                  "git update-ref refs/heads/feature $$(git -c user.name=t -c user.email=t@x "
                  "commit-tree $$t -p HEAD -m editor)")
    assert "moved refs/heads/feature" in stderr and ".vscode" in stderr, stderr


def test_submodule_git_dirs_are_found_as_git_finds_them(tmp_path: Path) -> None:
    from gatekeep.sandbox import movedrefs

    git = tmp_path / ".git"
    for name in ("a", "a/nested", "b/deeper/c"):
        (git / "modules" / name).mkdir(parents=True)
        (git / "modules" / name / "HEAD").write_text("ref: refs/heads/main\n")
    dirs, whole = movedrefs._module_dirs(str(git), [])
    assert {os.path.relpath(d, git / "modules") for d in dirs} == {"a", "a/nested",
                                                                    "b/deeper/c"}
    assert whole
    (git / "modules" / "linked").symlink_to(git / "modules" / "a")
    assert movedrefs._module_dirs(str(git), [])[1] is False


@needs_bwrap
def test_a_submodule_added_and_removed_again_is_looked_at(sandbox: Sandbox,
                                                         with_sub: Path) -> None:
    """F6: a commit behind the new one adds a gitlink at a path nothing protects, whose
    commit holds the agent's settings; the next commit removes it."""
    (with_sub / "Makefile").write_text(
        "all:\n\tcd sub && c=$$(sh ../forge.sh) && cd .. && export GIT_INDEX_FILE=$$(mktemp -u)"
        " && git read-tree HEAD && git update-index --add --cacheinfo 160000,$$c,vendor/x && "
        "t=$$(git write-tree) && unset GIT_INDEX_FILE && "
        "c1=$$(git -c user.name=t -c user.email=t@x commit-tree $$t -p HEAD -m add) && "
        "d=$$(git -c user.name=t -c user.email=t@x commit-tree HEAD^{tree} -p $$c1 -m rm) && "
        "git update-ref refs/heads/main $$d\n")
    time.sleep(1.2)
    ran = sandbox.gatekeep("run", "-c", "make")
    assert "moved refs/heads/main" in ran.stderr, ran.stderr
    assert "vendor/x/.claude/settings.json" in ran.stderr


# -- red team 74 ----------------------------------------------------------------------------

@needs_bwrap
def test_a_submodule_gits_diff_is_told_to_ignore_is_still_looked_at(sandbox: Sandbox,
                                                                    work: Path) -> None:
    """F1: `ignore = all` in the .gitmodules the run staged (git reads it from the index
    where the work tree has none) left the gitlink out of every diff."""
    stderr = _run(sandbox, work, "s=$$(git rev-parse HEAD) && printf '[submodule \"v\"]\\n\\t"
                  "path = .vscode\\n\\turl = https://example.invalid/v\\n\\tignore = all\\n' > "
                  "g && b=$$(git hash-object -w g) && git update-index --add --cacheinfo "
                  "100644,$$b,.gitmodules && export GIT_INDEX_FILE=$$(mktemp -u) && "
                  "git read-tree HEAD && git update-index --add --cacheinfo 100644,$$b,"
                  ".gitmodules --cacheinfo 160000,$$s,.vscode && t=$$(git write-tree) && "
                  "unset GIT_INDEX_FILE && git update-ref refs/heads/feature $$(git -c "
                  "user.name=t -c user.email=t@x commit-tree $$t -p HEAD -m editor)")
    assert "moved refs/heads/feature" in stderr and ".vscode" in stderr, stderr


def test_more_new_commits_than_are_looked_through_count_as_changed(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """F2: past the commits read for a gitlink's change, the rest were passed unread."""
    from gatekeep.sandbox import gitrefs, movedrefs

    new = "a" * 40
    record = gitrefs.Refs("/nonexistent", (".claude",), (), (), ())
    said = "#0\0" + "".join(f"@{i:040x} {i + 1:040x}\0" for i in range(4097))
    monkeypatch.setattr(movedrefs, "_boxed", lambda *args, **kwargs: said.encode())
    found = movedrefs._brought(record, {new}, set())
    assert found is not None and (None, movedrefs._UNCHECKED) in found[new]
    monkeypatch.setattr(movedrefs, "_boxed", lambda *args, **kwargs: said[:200].encode())
    assert movedrefs._brought(record, {new}, set()) == {new: []}


def test_a_path_is_never_read_as_a_mark(monkeypatch: pytest.MonkeyPatch) -> None:
    """A path named like the walk's marks (`#1`, `@ID`) must not move what follows to
    another new commit, nor make up a commit."""
    from gatekeep.sandbox import gitrefs, movedrefs

    first, second, parent = "a" * 40, "b" * 40, "c" * 40
    record = gitrefs.Refs("/nonexistent", (".claude",), (), (), ())
    change = f":100644 100644 {'0' * 40} {'1' * 40} M\0"
    said = (f"#0\0@{first} {parent}\0\n{change}#1\0{change}@{'d' * 40}\0"
            f"{change}.claude/settings.json\0#1\0")
    monkeypatch.setattr(movedrefs, "_boxed", lambda *args, **kwargs: said.encode())
    found = movedrefs._brought(record, {first, second}, set())
    assert found == {first: [(parent, first)], second: []}


@needs_bwrap
def test_a_head_git_writes_as_a_link_is_kept(sandbox: Sandbox, work: Path) -> None:
    """F3: with core.preferSymlinkRefs git writes HEAD as a link to the branch."""
    (work / "Makefile").write_text("all:\n\tgit -c core.preferSymlinkRefs=true checkout -q "
                                   "feature\n")
    time.sleep(1.2)
    ran = sandbox.gatekeep("run", "-c", "make")
    assert ran.returncode == 0 and "warning" not in ran.stderr, ran.stderr
    assert os.path.islink(work / ".git" / "HEAD")
    assert _git("symbolic-ref", "HEAD", cwd=work).strip() == "refs/heads/feature"


@needs_bwrap
def test_a_checkout_lines_new_branch_may_name_nothing_yet(sandbox: Sandbox,
                                                          work: Path) -> None:
    """F4: `git checkout -` takes the name it moved from; the one it moved to may have no
    commit yet (--orphan)."""
    (work / "Makefile").write_text(
        "all:\n\tm=$$(git rev-parse main) && printf '%s %s o <o@x> 1700000000 +0000\\t"
        "checkout: moving from main to pages\\n' $$m $$m >> .git/logs/HEAD\n")
    time.sleep(1.2)
    ran = sandbox.gatekeep("run", "-c", "make")
    assert ran.returncode == 0 and "warning" not in ran.stderr, ran.stderr
    assert "to pages" in (work / ".git" / "logs" / "HEAD").read_text()
