"""Judging many commands offline (``test``, ``replay``, ``lint``): contexts and a memo.

Nothing here runs a command. A batch asks the file system the same questions over
and over (which program ``git`` is, where ``/usr/bin/rm`` points), so the resolver
remembers its answers; identical commands from the same directory are decided once.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Mapping
from typing import NamedTuple

from gatekeep.core.engine import Decision, decide
from gatekeep.core.inputs import SYSTEM_TEMP_DIRS, Request, parse_request, temp_dirs
from gatekeep.core.paths import Context
from gatekeep.policy.model import Policy
from gatekeep.runtime import sysfs
from gatekeep.runtime.locations import Locations

# `gatekeep test`: a fixed place, so examples decide the same on every machine.
TEST_ROOT = "/gatekeep-test"
TEST_CWD = f"{TEST_ROOT}/work"
TEST_HOME = f"{TEST_ROOT}/home"
TEST_PATH = "/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin"


class CachedResolver:
    """The real file system, each answer remembered; relative paths start at ``cwd``."""

    def __init__(self, path: str, cwd: str, known: dict[str, str | None] | None = None) -> None:
        self.path = path
        self.cwd = cwd
        self._which = {} if known is None else known  # shared: PATH lookups ignore the cwd
        self._real: dict[str, str] = {}
        self._expand: dict[str, list[str]] = {}

    def which(self, name: str) -> str | None:
        if name not in self._which:
            self._which[name] = sysfs.which(name, self.path)
        return self._which[name]

    def realpath(self, path: str) -> str:
        if path not in self._real:
            self._real[path] = os.path.realpath(posixpath.join(self.cwd, path))
        return self._real[path]

    def fingerprint(self, path: str) -> str | None:
        return sysfs.fingerprint(posixpath.join(self.cwd, path))

    def read(self, path: str) -> str | None:
        from gatekeep.core.paths import read_text

        return read_text(posixpath.join(self.cwd, path))[0]

    def expand(self, pattern: str) -> list[str]:
        if pattern not in self._expand:
            import glob

            self._expand[pattern] = sorted(glob.glob(pattern))[:1000]
        return self._expand[pattern]


class Places(NamedTuple):
    """What a batch's contexts share: home, ``PATH``, temp dirs and gatekeep's own dirs."""

    home: str
    path: str
    temp_dirs: tuple[str, ...]
    self_paths: tuple[str, ...]

    @classmethod
    def for_tests(cls) -> Places:
        """The fixed places of ``gatekeep test`` (none of them needs to exist)."""
        return cls(TEST_HOME, TEST_PATH, SYSTEM_TEMP_DIRS,
                   (f"{TEST_HOME}/.config/gatekeep", f"{TEST_HOME}/.local/state/gatekeep"))

    @classmethod
    def from_env(cls, env: Mapping[str, str], locations: Locations) -> Places:
        """This process's places, as ``gatekeep run`` would see them."""
        return cls(env.get("HOME", "/"), env.get("PATH", "/usr/bin:/bin"), temp_dirs(env),
                   (str(locations.config_dir), str(locations.state_dir)))

    def context(self, cwd: str, known: dict[str, str | None] | None = None) -> Context:
        return Context(cwd=cwd, home=self.home, resolver=CachedResolver(self.path, cwd, known),
                       temp_dirs=self.temp_dirs, self_paths=self.self_paths)


def example_cwd(cwd: str | None, places: Places, base: str = TEST_CWD) -> str:
    """An example's ``cwd``: relative to ``base``, ``~`` is the home; none gives ``base``."""
    if cwd is None:
        return base
    if cwd == "~" or cwd.startswith("~/"):
        return posixpath.normpath(places.home + cwd[1:])
    return posixpath.normpath(posixpath.join(base, cwd))


class Batch:
    """Decides requests under one policy, once per distinct request and directory."""

    def __init__(self, policy: Policy, places: Places) -> None:
        self.policy = policy
        self.places = places
        self._contexts: dict[str, Context] = {}
        self._which: dict[str, str | None] = {}
        self._decided: dict[tuple[str | None, tuple[str, ...] | None, str], Decision] = {}

    def decide(self, request: Request, cwd: str) -> Decision:
        key = (request.command, request.argv, cwd)
        found = self._decided.get(key)
        if found is None:
            found = decide(self.policy, parse_request(request), self.context(cwd))
            self._decided[key] = found
        return found

    def context(self, cwd: str) -> Context:
        found = self._contexts.get(cwd)
        if found is None:
            found = self._contexts[cwd] = self.places.context(cwd, self._which)
        return found
