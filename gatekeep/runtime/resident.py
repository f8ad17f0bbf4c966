"""Asking a resident judge: a fresh decision without paying gatekeep's imports again.

A fresh ``gatekeep check`` spends most of its time importing the engine, the parser and
the policy model, and decoding the compiled policy. ``gatekeep resident`` keeps one
process with all of that loaded, listening on ``resident.sock`` in gatekeep's state
directory; for each request it forks a child that takes on the caller's whole context
(environment, working directory, umask, standard streams, passed as descriptors) and runs
the very code the caller would have run. So the answer is the one the caller would have
reached, and it is written by the child straight to the caller's own stdout and stderr.

What the caller trusts, and why:

- It only talks to a socket in its own state directory (private to this user, checked as
  the sealed caches are) whose peer runs as this user: the same trust as the sealed cache
  files beside it. The box hides the state directory, so a boxed command cannot reach it.
- The child's exit status comes back with an HMAC under the state directory's key over a
  fresh nonce: a process without the key cannot make up a status. A reply that does not
  verify is an internal error (exit 70), never a decision.
- The server serves only a caller whose interpreter, paths, user, mount namespace and
  gatekeep code are its own (``compat`` and the code digest), and whose every thread the
  kernel confines as it confines the server (``gatekeep.commands.resident._confined``);
  otherwise, and whenever it cannot be reached or declines, the caller decides in its own
  process as before.
- A caller holding descriptors beyond its standard streams decides ``check`` and the other
  commands itself: a path such as ``/dev/fd/3`` is judged as what it resolves to through the
  judging process's own descriptors, and a child holds none but the caller's streams and
  its reply socket. ``run`` and hook calls are still served: their caller re-checks every
  path answer of the stored decision in its own process before it runs anything.

Imports only the standard library and ``gatekeep.runtime``: it runs before everything.
"""

from __future__ import annotations

import os
import sys

from gatekeep.runtime import sealed, sysfs
from gatekeep.runtime.digest import compare_digest, hmac_sha256

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time
if TYPE_CHECKING:
    from _socket import socket as Socket
    from collections.abc import Mapping

SOCKET = "resident.sock"
LOCK = "resident.lock"
MAGIC = b"gatekeep-resident"
VERSION = b"1"
ENV = "GATEKEEP_RESIDENT"  # "0": never ask one; "1": also start one when none answers
ACK_SECONDS = 5.0  # the server's ack of a request; the answer itself may take as long as it takes
MAX_REQUEST = 1 << 22
SERVING = False  # set in a server's child: a request it serves never asks a server again


# Commands a child may stand in for: they neither keep running nor talk with the operator
# (no ``log --follow``, no ``approvals watch``, no ``mcp``, no prompt), and their work is
# the same wherever it runs. ``install`` and ``uninstall`` name this gatekeep's own paths;
# ``doctor`` looks for the caller's terminal, which a child has not.
SERVED = frozenset({"log", "approvals", "lint", "test", "replay", "schema", "completions",
                    "--help", "-h"})
NOT_SERVED_WORDS = frozenset({"--follow", "watch"})


def servable(args: list[str]) -> bool:
    """Whether a resident judge's child may run ``gatekeep ARGS`` for this caller."""
    return bool(args) and args[0] in SERVED and not any(map(_not_served, args))


def _not_served(arg: str) -> bool:
    # short options cluster: -fn 1 is --follow -n 1 (a value that looks so is declined too)
    return arg in NOT_SERVED_WORDS or (arg[:1] == "-" and arg[1:2] != "-" and "f" in arg)


# Read once, when a module is imported (typer's, the interpreter's): a child could not take
# them on from the caller, so a caller whose values differ is not served.
IMPORT_TIME_ENV = ("PYTHONHASHSEED", "TYPER_USE_RICH", "TERMINAL_WIDTH",
                   "_TYPER_FORCE_DISABLE_TERMINAL", "GITHUB_ACTIONS", "FORCE_COLOR", "PY_COLORS",
                   "TYPER_STANDARD_TRACEBACK", "_TYPER_STANDARD_TRACEBACK")


def compat(env: Mapping[str, str] | None = None) -> bytes:
    """What must be equal between a caller (with ``env``, default this process's) and a
    server for a child to stand in for it."""
    flags = tuple(getattr(sys.flags, name) for name in (
        "isolated", "ignore_environment", "no_user_site", "no_site", "utf8_mode",
        "dev_mode", "optimize", "hash_randomization"))
    root, namespace = os.stat("/"), _namespace()
    search = sys.path if sys.flags.safe_path else sys.path[1:]  # the script's or cwd: none
    # a package installed, upgraded or removed (the grammar, PyYAML) changes a directory's
    # stamp: a server loaded before it stands down
    stamps = [_stamp(directory) for directory in search]
    parts = (os.path.realpath(sys.executable), sys.prefix, sys.exec_prefix, sys.version,
             repr(search), repr(stamps), repr(flags),
             sys.getfilesystemencoding(), sys.getfilesystemencodeerrors(),
             f"{os.getuid()}:{os.geteuid()}:{os.getgid()}:{os.getegid()}:{sorted(os.getgroups())}",
             f"{root.st_dev}:{root.st_ino}", namespace,
             repr([(os.environ if env is None else env).get(name) for name in IMPORT_TIME_ENV]))
    return "\n".join(parts).encode("utf-8", "surrogateescape")


def _stamp(directory: str) -> tuple[int, ...]:
    try:
        info = os.stat(directory)
    except OSError:
        return ()
    return info.st_dev, info.st_ino, info.st_mtime_ns, info.st_ctime_ns


def _namespace() -> str:
    try:
        info = os.stat("/proc/self/ns/mnt")
    except OSError:
        return "-"
    return f"{info.st_dev}:{info.st_ino}"


def socket_path(state_dir: str) -> str:
    return os.path.join(state_dir, SOCKET)


def reply_mac(secret: bytes, nonce: bytes, status: int) -> bytes:
    """The MAC a child's status travels with."""
    return hmac_sha256(secret, b"gatekeep-resident-status\0" + nonce + b"\0" +
                       str(status).encode()).encode()


def encode_request(mode: str, args: list[str], code: str, nonce: bytes,
                   cwd: str | None = None, env: Mapping[str, str] | None = None) -> bytes:
    """The request: who is asking (compat, code), how (umask, stream encoding), what, and
    from where when it is not the caller's working directory (``cwd``: a hook's call)."""
    umask = os.umask(0o22)
    os.umask(umask)
    stream = sys.stdout
    encoding = getattr(stream, "encoding", None) or "utf-8"
    errors = getattr(stream, "errors", None) or "strict"
    items = [MAGIC, VERSION, compat(env), code.encode(), mode.encode(), str(umask).encode(),
             nonce, encoding.encode(), errors.encode(),
             b"-" if cwd is None else b"=" + os.fsencode(cwd),
             os.fsencode(sys.argv[0] if sys.argv else "")]  # where its console scripts are
    pairs = os.environb.items() if env is None else \
        [(os.fsencode(name), os.fsencode(value)) for name, value in env.items()]
    items.append(str(len(pairs)).encode())
    items.extend(name + b"=" + value for name, value in pairs)
    items.append(str(len(args)).encode())
    items.extend(arg.encode("utf-8", "surrogateescape") for arg in args)
    return b"\0".join(items)


def ask(mode: str, args: list[str], cwd: str | None = None,
        env: Mapping[str, str] | None = None) -> int | None:
    """The exit status of ``gatekeep ARGS`` as a resident judge's child ran it, from ``cwd``
    with ``env`` (default: this process's); None when no server took the request (nothing
    was run or written: decide here)."""
    setting = (os.environ if env is None else env).get(ENV, "")
    if SERVING or setting == "0":
        return None
    try:
        state = sysfs.user_dirs(os.environ if env is None else env)[1]
        listening = os.path.exists(socket_path(state))  # none: no digest, no connect
        code = sysfs.code_digest() if listening else ""
    except Exception:
        return None
    try:  # a request it cannot even frame (a lone surrogate in a hook's command): decide here
        served, reached = _served(state, mode, args, code, cwd, env) if listening else \
            (None, False)
    except (UnicodeError, ValueError):
        return None
    if not reached and setting == "1":
        start(state, env)
    return served


def _served(state: str, mode: str, args: list[str], code: str, cwd: str | None,
            env: Mapping[str, str] | None) -> tuple[int | None, bool]:
    """The status (None: not served) and whether a server of this user answered at all."""
    import _socket  # not ``socket``: its enums cost a caller 3 ms

    nonce = os.urandom(16).hex().encode()
    if not _streams_open() or (mode != "prepare" and not _streams_only()) \
            or not sealed.private(state):
        return None, True  # never asked, and never started there
    try:
        connection = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    except OSError:
        return None, True
    try:
        try:
            connection.settimeout(ACK_SECONDS)
            connection.connect(socket_path(state))
        except OSError:
            return None, False  # none listens (a dead server's socket): one may be started
        try:
            if not _ours(connection):
                return None, True
            body = encode_request(mode, args, code, nonce, cwd, env)
            here = os.open(".", os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
            try:
                descriptors = b"".join(fd.to_bytes(4, sys.byteorder) for fd in (0, 1, 2, here))
                connection.sendmsg([len(body).to_bytes(4, "big") + body],
                                   [(_socket.SOL_SOCKET, _socket.SCM_RIGHTS, descriptors)])
            finally:
                os.close(here)
            lines = _Lines(connection)
            word, _, child = lines.next().partition(b" ")
            if word != b"accepted" or not child.isdigit():
                return None, True  # declined, or gone: nothing ran
        except OSError:
            return None, True
        connection.settimeout(None)
        from gatekeep.runtime.signals import signal as _signal

        # Ctrl-Z as the terminal does it (the default action); a caller started with it
        # ignored, or handled otherwise, keeps that
        default = _signal.getsignal(_signal.SIGTSTP) == _signal.SIG_DFL
        if default:
            _signal.signal(_signal.SIGTSTP, _Suspend(int(child)))
        try:
            return _status(state, lines, nonce), True
        except KeyboardInterrupt:  # Ctrl-C reached this caller: the child stops as it would
            _send(int(child), _signal.SIGINT)
            raise
        finally:
            if default:
                _signal.signal(_signal.SIGTSTP, _signal.SIG_DFL)
    finally:
        connection.close()


class _Suspend:
    """Ctrl-Z at a caller: its child stops with it and goes on when it does (``fg``, ``bg``),
    as the caller's own work would; the child is in the server's session, which the
    terminal's job control does not reach."""

    def __init__(self, child: int) -> None:
        self.child = child

    def __call__(self, signum: int, frame: object) -> None:
        from gatekeep.runtime.signals import signal as _signal

        _send(self.child, _signal.SIGSTOP)
        _signal.signal(_signal.SIGTSTP, _signal.SIG_DFL)
        try:
            os.kill(os.getpid(), _signal.SIGTSTP)  # stopped here until continued
        finally:
            _signal.signal(_signal.SIGTSTP, self)
            _send(self.child, _signal.SIGCONT)


def _send(child: int, signum: int) -> None:
    try:  # noqa: SIM105 - contextlib would cost every caller its import
        os.kill(child, signum)
    except OSError:
        pass  # it ended already


def _streams_open() -> bool:
    """Whether descriptors 0, 1 and 2 are open: a closed one's number would go to the
    connection or the working directory opened below, and be sent as that stream."""
    try:
        for fd in (0, 1, 2):
            os.fstat(fd)
    except OSError:
        return False
    return True


def _streams_only() -> bool:
    """Whether this process holds no descriptor but its standard streams. A path such as
    ``/dev/fd/3`` is judged as what it resolves to through the judging process's own
    descriptors, which a server's child does not have: a caller with more decides here."""
    try:
        names = os.listdir("/proc/self/fd")
    except OSError:
        return False
    return sum(1 for name in names if int(name) > 2) <= 1  # the listing's own descriptor


def _ours(connection: Socket) -> bool:
    """The peer runs as this user (a socket another user made is never asked)."""
    import _socket

    raw = connection.getsockopt(_socket.SOL_SOCKET, _socket.SO_PEERCRED, 12)
    return int.from_bytes(raw[4:8], sys.byteorder) == os.geteuid()


def _status(state: str, lines: _Lines, nonce: bytes) -> int | None:
    """The child's verified exit status; None when it declined before writing anything;
    anything else is exit 70 with a line on stderr."""
    try:
        line = lines.next()
    except OSError:
        line = b""
    if line == b"declined":
        return None
    status, _, mac = line.partition(b" ")
    secret = sealed.key(state)
    if (secret is not None and status.isdigit() and len(status) <= 3
            and compare_digest(mac, reply_mac(secret, nonce, int(status)))):
        return int(status)
    sys.stderr.write("gatekeep: internal error: the resident judge gave no verifiable "
                     "answer (nothing was run by this call)\n")
    return 70


class _Lines:
    """Reply lines from the server, however the stream splits or joins them."""

    def __init__(self, connection: Socket) -> None:
        self.connection, self.data = connection, b""

    def next(self) -> bytes:
        """One line without its newline; b"" when the peer closed first."""
        while b"\n" not in self.data:
            if len(self.data) > 4096:
                return b""
            chunk = self.connection.recv(4096)
            if not chunk:
                return b""
            self.data += chunk
        line, _, self.data = self.data.partition(b"\n")
        return line


def start(state: str, env: Mapping[str, str] | None = None) -> None:
    """Start a server in the background, its own session, its streams on /dev/null, with
    no other descriptor of this process (it outlives it: a pipe it kept open would never
    reach its end for whoever reads it) and in the root directory (nothing kept busy)."""
    import subprocess  # only when starting one: its import costs a caller start-up time

    # -X utf8 as here: under the C locale this interpreter chose UTF-8 mode and set
    # LC_CTYPE, which would lead the server to choose otherwise (and decline)
    utf8 = f"utf8={sys.flags.utf8_mode}"
    argv = [sys.executable, "-P", "-X", utf8, "-m", "gatekeep", "resident", "--foreground"]
    try:
        subprocess.Popen(argv, env=os.environ if env is None else env,  # noqa: S603 - ours
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, close_fds=True, start_new_session=True,
                         cwd="/")
    except OSError:
        return  # this call decided without one; the next may start it
