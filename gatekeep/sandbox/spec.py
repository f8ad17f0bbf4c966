"""The policy's part of a boundary, as plain data the fast path can carry.

A :class:`Spec` is what the policies say (mode, writable caches, protected globs,
limits); it holds no path of this machine beyond what the policy names. It travels
inside the stored allow decision as JSON, so a reused decision boxes exactly as the
fresh one did.
"""

from __future__ import annotations

from gatekeep.sandbox.records import NamedTuple

TYPE_CHECKING = False  # not typing's: the fast path imports this module
if TYPE_CHECKING:
    from collections.abc import Iterable

MODES = ("off", "preferred", "required")
# Where bubblewrap lives on the systems that ship it; never looked up on PATH.
BWRAP = ("/usr/bin/bwrap", "/bin/bwrap")
LIMIT_KEYS = ("timeout", "cpu", "memory", "output", "processes")


class Limits(NamedTuple):
    """Resource limits of one run; 0 means none. Seconds, seconds, bytes, bytes, count."""

    timeout: float = 0
    cpu: float = 0
    memory: float = 0
    output: float = 0
    processes: float = 0

    def tighter(self, other: Limits) -> Limits:
        """Each limit at the smaller of the two (0, none, is the largest)."""
        pairs = zip(self, other, strict=True)
        return Limits._make(min(a, b) if a and b else a or b for a, b in pairs)


class Spec(NamedTuple):
    mode: str = "preferred"
    network: bool = False
    writable: tuple[str, ...] = ()          # globs under ~ or absolute: the shared caches of a
                                            # box that downloads, lifted paths
    everything_writable: bool = False       # approved writes to paths known only at run time
    protect_write: tuple[str, ...] = ()
    protect_read: tuple[str, ...] = ()
    limits: Limits = Limits()
    bwrap: tuple[str, ...] = BWRAP
    not_scanned: tuple[str, ...] = ()       # directory names the tree scan skips
    readable: tuple[str, ...] = ()          # under ~: shown read-only in the hidden home
    separate: tuple[str, ...] = ()          # under ~: the box's own copy, writable
    secrets: tuple[str, ...] = ()           # name parts of secret variables (TOKEN,
                                            # DATABASE_URL): a box drops them
    credentials: tuple[str, ...] = ()       # those a box with the network keeps: names,
                                            # NPM_* prefixes, ~/ files naming them; * all
    without_secrets: tuple[str, ...] = ()   # under ~: settings files shown without their
                                            # credentials (settings.py)
    notes_failed: tuple[str, ...] = ()      # what its programs go without in it (in_the_box):
    notes_always: tuple[str, ...] = ()      # said after a failed run, and after every run
    steady_path: bool = False               # a box with the network whose parts run none of
                                            # the tree's code: PATH in it keeps only the
                                            # directories no box writes (bwrap.box_env)
    approved: bool = False                  # the operator approved the command: a .env it
                                            # makes is theirs (created.AGENT_ENV)

    def to_json(self) -> dict[str, object]:
        data = self._asdict()
        data["limits"] = self.limits._asdict()
        return data

    @classmethod
    def from_json(cls, data: object) -> Spec:
        """The spec stored with a decision; ValueError when it is not one."""
        if not isinstance(data, dict) or set(data) != set(cls._fields):
            raise ValueError("not a boundary")
        limits = data["limits"]
        if not isinstance(limits, dict) or set(limits) != set(LIMIT_KEYS):
            raise ValueError("not a boundary's limits")
        if data["mode"] not in MODES:
            raise ValueError(f"unknown boundary mode {data['mode']!r}")
        for key in ("network", "everything_writable", "steady_path", "approved"):
            if not isinstance(data[key], bool):
                raise ValueError(f"{key} is not true or false")
        for key in _LISTS:
            if not isinstance(data[key], (list, tuple)):
                raise ValueError(f"{key} is not a list")
        fields = {k: tuple(_strings(list(v))) if k in _LISTS else v for k, v in data.items()}
        fields["limits"] = Limits._make(_number(limits[k]) for k in LIMIT_KEYS)
        return cls._make(fields[k] for k in cls._fields)


_LISTS = ("writable", "protect_write", "protect_read", "bwrap", "not_scanned", "readable",
          "separate", "secrets", "credentials", "without_secrets", "notes_failed",
          "notes_always")


def secret_name(name: str, parts: Iterable[str]) -> bool:
    """Whether a variable's name says it holds a secret: one of ``parts`` (upper case) as
    whole ``_``-separated parts of it (``GITHUB_TOKEN``, ``OPENAI_API_KEY``, ``PGPASSWORD``;
    not ``TOKENIZERS_PARALLELISM``). The one rule for what a command is asked about and
    what a box drops: here, since the fast path cannot load program knowledge."""
    if name.upper().startswith(NAMES_NO_SECRET):
        return False
    padded = f"_{name.upper()}_"
    return any(f"_{part}_" in padded for part in parts)


# Variables whose name only looks like a secret's: GIT_CONFIG_KEY_<n> holds the name of a
# git setting (its value, GIT_CONFIG_VALUE_<n>, is judged as itself). Without it git stops:
# "missing config key".
NAMES_NO_SECRET = ("GIT_CONFIG_KEY_",)


def kept_name(name: str, kept: Iterable[str]) -> bool:
    """Whether a box keeps the secret variable ``name``: one of ``kept`` names it, or is a
    prefix of it (``npm_config_*``, in any case: npm reads both), or is ``*``."""
    upper = name.upper()
    return any(upper == k.upper() or (k.endswith("*") and upper.startswith(k[:-1].upper()))
               for k in kept)


def _strings(values: list[object]) -> list[str]:
    if not all(isinstance(v, str) and v for v in values):
        raise ValueError("expected a list of non-empty strings")
    return values  # type: ignore[return-value]


def _number(value: object) -> int | float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ValueError(f"not a limit: {value!r}")
    return value
