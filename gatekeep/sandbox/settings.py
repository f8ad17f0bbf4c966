"""Settings files of the operator's that the box shows without their credentials
(``sandbox_paths.without_secrets``: ``~/.npmrc``).

The hidden home hides such a file whole, and with it what is no secret: npm's mirror,
``nodedir``, ``update-notifier``. Each named file that is a regular file is copied, without
the lines that hold a credential, into gatekeep's cache (beside the caches kept apart), and
the copy is bound read-only at the file's place. A box with the network for a program that
sends the file's credentials (``environment.credentials`` names it, or an approved run: ``*``)
is shown the file itself, as it keeps the variables the file names; so is every other file
those credentials name (gh's ``hosts.yml``, which holds the token ``GH_TOKEN`` would).

Files are read line by line, as ``key = value`` (npm's and pip's ini, uv's TOML) or ``key
value`` lines; lines end at ``\n`` or ``\r``, as npm's ini reads them. A line is left out when
it holds a URL with a user in it (``https://user:pass@host``), even a comment or a section's;
when its key is one of a registry's (``//host/:_authToken``), a credential's (``_auth``,
``password``, ``keyfile``), or names a secret by ``environment.secrets``; or when its value
names a secret variable (``${NPM_TOKEN}``: npm fails on one the box does not have). A token
in a URL's path (``https://host/TOKEN/``) is not recognized.

Only the standard library: the fast path plans its boxes with this.
"""

from __future__ import annotations

import os

from gatekeep.sandbox import gitdirs
from gatekeep.sandbox.places import under_any
from gatekeep.sandbox.spec import Spec, secret_name
from gatekeep.sandbox.system import is_regular

MAX_BYTES = 256 << 10  # a settings file; a larger one stays hidden
# Keys that hold a credential (npm's, in any case, `-` or `_`).
CREDENTIAL_KEYS = frozenset({"_auth", "_authtoken", "_password", "password", "username",
                             "certfile", "keyfile", "cert", "key", "otp", "token",
                             "npmauthtoken", "npmauthident"})


def stripped(text: str, secrets: tuple[str, ...]) -> str:
    """``text`` without the lines that hold a credential (module docstring)."""
    return "".join(line for line in _lines(text) if not _credential(line.strip(), secrets))


def _lines(text: str) -> list[str]:
    """Lines as npm's ini reads them: split at ``\n``, ``\r\n`` and a lone ``\r`` (Python's
    ``splitlines`` also splits at form feeds and more, where a credential's value goes on)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")  # npm's ini: a lone CR ends one too
    lines = [line + "\n" for line in text.split("\n")]
    lines[-1] = lines[-1][:-1]
    return [line for line in lines if line]


def _credential(line: str, secrets: tuple[str, ...]) -> bool:
    if _user_in_url(line):
        return True
    if not line or line.startswith((";", "#", "[")):
        return False
    key, found, value = line.partition("=")
    if not found:  # `key value` (yarn's, or a bare word), or a line of a value (TOML's)
        key, _, value = line.partition(" ")
    key = key.strip().strip("\"'").rstrip(":")
    name = key.rpartition(":")[2].lower().replace("-", "_")
    return (key.startswith("//") or name in CREDENTIAL_KEYS
            or secret_name("".join(c if c.isalnum() else "_" for c in key), secrets)
            or any(secret_name(v, secrets) or not v for v in _variables(value)))


def _variables(value: str) -> list[str]:
    """The names in ``${NAME}`` (npm replaces them from the environment)."""
    found = []
    for part in value.split("${")[1:]:
        name, closed, _ = part.partition("}")
        found.append(name if closed else "")
    return found


def _user_in_url(value: str) -> bool:
    """Whether a URL in ``value`` names a user (``https://user:pass@host``)."""
    for part in value.split("://")[1:]:
        authority = part.split("/", 1)[0].split()
        if authority and "@" in authority[0]:
            return True
    return False


def places(spec: Spec, home: str, hidden: str, root: str, writable: list[str]
           ) -> list[tuple[str, str, str | None]]:
    """``(file, place in the hidden home, copy)`` of each file to show that is a regular
    file: one ``without_secrets`` names, as a copy without its credentials (under ``root``);
    in a box with the network, one its credentials name (``~/.config/gh/hosts.yml`` for gh),
    or every ``without_secrets`` one where they keep all (``*``: an approved run), as itself
    (copy None). One that is, or leads into, a place a box writes is left out (the agent
    could have written its registry), as is every copy when ``root`` is such a place."""
    out: list[tuple[str, str, str | None]] = []
    copies = not under_any(os.path.realpath(root), writable)
    itself = {k for k in spec.credentials if k.startswith("~/")} if spec.network else set()
    every = spec.network and "*" in spec.credentials
    for given in dict.fromkeys([*spec.without_secrets, *sorted(itself)]):
        relative = os.path.normpath(given[2:])
        if not given.startswith("~/") or relative.startswith(("..", "/")) or relative == ".":
            continue
        source = os.path.join(home, relative)
        if not is_regular(source) or under_any(os.path.realpath(source), writable):
            continue
        shown = given in itself or every
        if shown or copies:
            out.append((source, os.path.join(hidden, relative),
                        None if shown else os.path.join(root, relative)))
    return out


def write(source: str, copy: str, root: str, secrets: tuple[str, ...]) -> bool:
    """Make ``copy`` (under ``root``) the stripped text of ``source``: written only when it
    changed, whole or not at all, and never through a link; whether it now is. Where it
    cannot be, an older copy is removed, so that none is bound in its place."""
    if _links_on_the_way(root, copy):
        return False  # a write there would land wherever the link leads
    try:
        data = gitdirs.regular(source, MAX_BYTES)  # not a FIFO's: it would hold the run
        if data is None:
            raise ValueError("not a regular file")
        text = stripped(data.decode("utf-8"), secrets)
        try:
            with open(copy, encoding="utf-8") as handle:
                if handle.read() == text:
                    return True
        except (OSError, UnicodeDecodeError):
            pass
        os.makedirs(os.path.dirname(copy), mode=0o700, exist_ok=True)
        if _links_on_the_way(root, copy):
            return False
        temporary = f"{copy}.{os.getpid()}.new"
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW,
                             0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temporary, copy)
    except (OSError, ValueError):  # too large (gitdirs.Unreadable); UnicodeDecodeError
        _remove(root, copy)
        return False
    return True


def _links_on_the_way(root: str, copy: str) -> bool:
    """Whether ``root`` or a directory between it and ``copy``, or the copy, is a link (or
    not what it should be): a write there would land wherever it leads."""
    relative = os.path.relpath(copy, root)
    if relative.startswith(".."):
        return True
    current = root
    for name in ["", *relative.split(os.sep)]:
        current = os.path.join(current, name) if name else current
        if os.path.islink(current):
            return True
    return False


def _remove(root: str, copy: str) -> None:
    if not _links_on_the_way(root, copy):
        try:
            os.unlink(copy)
        except OSError:
            return
