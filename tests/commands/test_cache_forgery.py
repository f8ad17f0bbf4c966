"""Cache files are data the agent could have written: forged, copied, planted or unsafely
owned ones never run a command the policy refuses (gatekeep.runtime.sealed,
gatekeep.runtime.decision_cache)."""

from __future__ import annotations

import os
import pickle
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from gatekeep import __version__
from gatekeep.policy.refs import resolve_reference
from gatekeep.runtime import decision_cache as decisions
from gatekeep.runtime import sealed, sysfs

Sandbox = Any  # the fixture's class lives in conftest.py, which test modules cannot import
DENIED = "echo x >> ~/.bashrc"
NOBODY = 65534


def cache_key(sandbox: Sandbox, command: str) -> str:
    """The key gatekeep computes for ``run -c COMMAND`` in the sandbox."""
    env = sandbox.env
    config, state = sysfs.user_dirs(env)
    sources = sysfs.policy_sources(config, str(sandbox.work), None, None)
    return decisions.key(command=command, argv=None, cwd=str(sandbox.work), home=env["HOME"],
                         path=env["PATH"], tmpdir="", dirs=(config, state), sources=sources)


def state(sandbox: Sandbox) -> Path:
    return sandbox.state_home / "gatekeep"


def entry_file(sandbox: Sandbox, command: str) -> Path:
    return state(sandbox) / "cache" / decisions._name(cache_key(sandbox, command))


def real_key(sandbox: Sandbox) -> bytes:
    return (state(sandbox) / "cache.key").read_bytes()


def stored_entry(sandbox: Sandbox, command: str) -> decisions.Entry:
    """Run an allowed command and return the entry gatekeep stored for it."""
    assert sandbox.gatekeep("run", "-c", command).returncode == 0
    data = entry_file(sandbox, command).read_bytes()
    body = sealed.unseal(real_key(sandbox), cache_key(sandbox, command), data)
    assert body is not None
    entry = decisions.decode(body)
    assert entry is not None
    return entry


def plant(sandbox: Sandbox, command: str, secret: bytes) -> Path:
    """An entry for ``command`` that says what ``ls`` was allowed with, sealed with ``secret``."""
    template = stored_entry(sandbox, "ls")
    body = decisions.encode(decisions.Entry(template.fields, template.code, template.files, []))
    assert body is not None
    target = entry_file(sandbox, command)
    target.write_bytes(sealed.seal(secret, cache_key(sandbox, command), body))
    return target


@pytest.fixture
def bashrc(sandbox: Sandbox) -> Path:
    path = sandbox.home / ".bashrc"
    path.write_text("original\n")
    return path


def assert_refused(sandbox: Sandbox, bashrc: Path) -> None:
    result = sandbox.gatekeep("run", "-c", DENIED)
    assert result.returncode == 126, result.stderr
    assert "gatekeep: denied: protect.write" in result.stderr
    assert bashrc.read_text() == "original\n"
    last = sandbox.audit()[-1]
    assert (last["command"], last["decision"]) == (DENIED, "deny")


def test_a_forged_entry_with_a_wrong_mac_never_runs_a_denied_command(sandbox, bashrc):
    plant(sandbox, DENIED, os.urandom(sealed.KEY_BYTES))
    assert_refused(sandbox, bashrc)


def test_an_entry_copied_from_another_command_never_runs_a_denied_command(sandbox, bashrc):
    stored_entry(sandbox, "ls")
    shutil.copyfile(entry_file(sandbox, "ls"), entry_file(sandbox, DENIED))
    assert_refused(sandbox, bashrc)


def test_control_an_entry_sealed_with_the_real_key_is_what_the_fast_path_uses(sandbox, bashrc):
    """The forgeries above are well-formed and in the right place: only the MAC refuses them.

    This is why the key file is private and a protected read (and why the boundary
    stands behind it: the write that ran from the forged entry hit a read-only file)."""
    plant(sandbox, DENIED, real_key(sandbox))
    result = sandbox.gatekeep("run", "-c", DENIED)
    assert "gatekeep: denied" not in result.stderr  # the entry was used: the command ran
    assert "Read-only file system" in result.stderr, result.stderr
    assert bashrc.read_text() == "original\n"


UNSAFE = {
    "entry group-writable": lambda s, e: e.chmod(0o620),
    "entry other-writable": lambda s, e: e.chmod(0o602),
    "entry owned by nobody": lambda s, e: os.chown(e, NOBODY, NOBODY),
    "entry is a symlink": lambda s, e: (e.rename(e.with_name("real")), e.symlink_to("real")),
    "key group-writable": lambda s, e: (state(s) / "cache.key").chmod(0o660),
    "key owned by nobody": lambda s, e: os.chown(state(s) / "cache.key", NOBODY, NOBODY),
    "cache dir group-writable": lambda s, e: e.parent.chmod(0o770),
    "cache dir owned by nobody": lambda s, e: os.chown(e.parent, NOBODY, NOBODY),
    "cache dir is a symlink": lambda s, e: (e.parent.rename(state(s) / "elsewhere"),
                                            (state(s) / "cache").symlink_to("elsewhere")),
    "state dir other-writable": lambda s, e: state(s).chmod(0o707),
}


ROOT_ONLY = pytest.mark.skipif(os.geteuid() != 0, reason="giving a file away needs root")


@pytest.mark.parametrize("unsafe", [
    pytest.param(name, marks=[ROOT_ONLY] if "nobody" in name else []) for name in sorted(UNSAFE)])
def test_an_unsafely_owned_or_writable_cache_is_ignored(sandbox, bashrc, unsafe):
    """The same entry as the control above, ignored once it or its key or directory is unsafe."""
    UNSAFE[unsafe](sandbox, plant(sandbox, DENIED, real_key(sandbox)))
    assert_refused(sandbox, bashrc)


def test_cache_files_are_private_whatever_the_umask(sandbox):
    shutil.rmtree(state(sandbox))
    result = subprocess.run([str(sandbox.GATEKEEP), "run", "-c", "ls"], env=sandbox.env,
                            cwd=sandbox.work, capture_output=True, text=True, check=False,
                            timeout=sandbox.TIMEOUT, preexec_fn=lambda: os.umask(0))
    assert result.returncode == 0, result.stderr
    modes = {str(p.relative_to(state(sandbox))): p.stat().st_mode & 0o777
             for p in [state(sandbox), *state(sandbox).rglob("*")] if p.name != "audit.jsonl"}
    cache = {name: mode for name, mode in modes.items() if name.startswith("cache/")}
    assert {mode for mode in cache.values()} == {0o600}
    # the compiled policy, the redaction file's patterns, the fast path's copy of all the
    # patterns, the decision
    assert len(cache) == 4
    assert (modes["."], modes["cache"], modes["cache.key"]) == (0o700, 0o700, 0o600)


class Planted:
    """Unpickling this creates a file: proof that a pickle was loaded."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return (open, (str(self.marker), "w"))


def test_a_pickle_planted_in_the_cache_is_never_loaded(sandbox):
    import hashlib

    cache = state(sandbox) / "cache"
    bomb = pickle.dumps(([], Planted(sandbox.marker)))
    path = resolve_reference("builtin:default").resolve()
    old_name = hashlib.sha256(f"{__version__}\0{path}\0".encode()).hexdigest()[:32]
    (cache / f"{old_name}.pickle").write_bytes(bomb)
    for entry in cache.glob("p-*"):
        entry.write_bytes(bomb)
    (cache / "decisions.marshal").write_bytes(bomb)
    entry_file(sandbox, "true").write_bytes(bomb)

    result = sandbox.gatekeep("run", "-c", "true")

    assert (result.returncode, result.stderr) == (0, "")
    assert not sandbox.marker.exists()
