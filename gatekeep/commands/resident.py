"""``gatekeep resident``: a judge that stays loaded, so a fresh ``check`` pays no imports.

The server holds gatekeep's modules and the parser's grammar loaded, and nothing else: it
makes no decision itself, so no answer it gives is older than the request. For each
request it forks a child that takes on the caller's context and runs the code the caller
would have run (``gatekeep.runtime.resident`` says what the caller checks and why).

Started by ``gatekeep resident`` (or by a caller when ``GATEKEEP_RESIDENT=1``); one per
state directory (a lock); it stops after ``IDLE`` seconds without a request, when gatekeep's
code changes under it, and on ``gatekeep resident --stop``.
"""

from __future__ import annotations

import contextlib
import fcntl
import io
import os
import signal
import socket
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple, TextIO

from gatekeep.exitcodes import ExitStatus, internal_error
from gatekeep.policy import select
from gatekeep.runtime import resident, sealed, sysfs

Invoke = Callable[[list[str]], int]
IDLE = 900.0
MODES = ("check", "prepare", "cli")
STARTING_SECONDS = 10.0  # how long ``gatekeep resident`` waits for a started server to answer


class Request(NamedTuple):
    compat: bytes
    code: str
    mode: str
    umask: int
    nonce: bytes
    encoding: str
    errors: str
    cwd: str | None  # judged from, when not the caller's working directory (a hook's call)
    script: str  # the caller's sys.argv[0]: the box keeps its console scripts read-only
    env: dict[bytes, bytes]
    args: list[str]


def command(state_dir: str, *, foreground: bool, stop: bool, status: bool, stdout: TextIO,
            stderr: TextIO, invoke: Invoke | None = None) -> int:
    """``gatekeep resident``: start one in the background (default), serve in the
    foreground, stop the running one, or say whether one runs."""
    pid = running(state_dir)
    if status:
        stdout.write(f"running (pid {pid})\n" if pid else "not running\n")
        return 0 if pid else 1
    if stop:
        if pid:
            os.kill(pid, signal.SIGTERM)
        stdout.write(f"stopped (pid {pid})\n" if pid else "not running\n")
        return 0
    if foreground:
        return serve(state_dir, IDLE, stderr, invoke)
    if pid:
        stdout.write(f"already running (pid {pid})\n")
        return 0
    return _started(state_dir, stdout, stderr)


def _started(state_dir: str, stdout: TextIO, stderr: TextIO) -> int:
    resident.start(state_dir)
    deadline = time.monotonic() + STARTING_SECONDS
    while time.monotonic() < deadline:
        pid = running(state_dir)
        if pid and os.path.exists(resident.socket_path(state_dir)):
            stdout.write(f"started (pid {pid})\n")
            return 0
        time.sleep(0.05)
    stderr.write("gatekeep: the resident judge did not start; try `gatekeep resident "
                 "--foreground` to see why\n")
    return 1


def running(state_dir: str) -> int | None:
    """The pid of the server holding this state directory's lock, or None."""
    fd = _lock_file(state_dir, os.O_RDONLY)
    if fd is None:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        text = os.read(fd, 32).decode(errors="replace").strip()
        return int(text) if text.isdigit() else None
    finally:
        os.close(fd)
    return None


def _lock_file(state_dir: str, flags: int) -> int | None:
    """The lock file, opened without blocking or following a link, if it is a plain file of
    this user with one name (not a FIFO that would hang, not a link to another file)."""
    import stat

    try:
        fd = os.open(os.path.join(state_dir, resident.LOCK),
                     flags | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, 0o600)
    except OSError:
        return None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode) or info.st_nlink != 1 or info.st_uid != os.geteuid():
        os.close(fd)
        return None
    return fd


def serve(state_dir: str, idle: float, stderr: TextIO, invoke: Invoke | None = None) -> int:
    """Listen until idle for ``idle`` seconds, stopped, or gatekeep's code changes.
    ``invoke`` runs the typer application (``gatekeep.cli.invoke``, above this layer): with
    it, the commands ``gatekeep.runtime.resident.SERVED`` names are served too."""
    if sealed.key(state_dir, create=True) is None or not sealed.private(state_dir):
        stderr.write(f"gatekeep: {state_dir} is not a private directory of this user\n")
        return 1
    lock = _lock(state_dir)
    if lock is None:
        stderr.write("gatekeep: a resident judge already runs for this state directory (or "
                     f"{resident.LOCK} there is not a plain file of this user)\n")
        return 1
    signal.signal(signal.SIGTERM, _stopped)
    listener = _listen(state_dir)
    mine = os.stat(resident.socket_path(state_dir)).st_ino
    try:  # stopped while it loads, too, it takes its socket with it
        code, compat = sysfs.code_digest(), resident.compat()  # before loading: a file that
        _preload(state_dir)  # changes meanwhile makes the code stale, never newer than it is
        os.chdir("/")
        _loop(listener, idle, code, compat, state_dir, invoke)
    except SystemExit:
        pass
    finally:
        listener.close()
        with contextlib.suppress(OSError):
            if os.stat(resident.socket_path(state_dir)).st_ino == mine:
                os.unlink(resident.socket_path(state_dir))
        os.close(lock)
    return 0


def _stopped(signum: int, frame: object) -> None:
    raise SystemExit(0)


def _lock(state_dir: str) -> int | None:
    fd = _lock_file(state_dir, os.O_RDWR | os.O_CREAT)
    if fd is None:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    os.ftruncate(fd, 0)
    os.write(fd, f"{os.getpid()}\n".encode())
    return fd


def _listen(state_dir: str) -> socket.socket:
    path = resident.socket_path(state_dir)
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)  # a dead server's: the lock says none runs
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old = os.umask(0o177)
    try:
        listener.bind(path)
    finally:
        os.umask(old)
    listener.listen(16)
    return listener


# What the served calls load: the judging path, and the typer-dispatched commands' modules
PRELOADED = (
    "gatekeep.commands.check", "gatekeep.commands.run", "gatekeep.sandbox.describe",
    "gatekeep.sandbox.plan", "gatekeep.sandbox.policy", "gatekeep.ui.console",
    "gatekeep.ui.decision", "gatekeep.policy.plain", "gatekeep.shell.parse",
    "gatekeep.commands.log", "gatekeep.commands.approvals", "gatekeep.commands.lint",
    "gatekeep.commands.test", "gatekeep.commands.replay", "gatekeep.commands.schema",
    "gatekeep.commands.completions", "gatekeep.ui.auditview",
    "gatekeep.ui.replay", "gatekeep.ui.examples", "gatekeep.ui.junit", "gatekeep.policy.load",
    "gatekeep.lint.checks", "gatekeep.offline.batch", "rich.console", "rich.table",
)


def _preload(state_dir: str) -> None:
    """Everything a served call loads, loaded once: modules, the parser's grammar, and the
    newest compiled policies decoded (a caller verifies each before it uses it)."""
    from importlib import import_module

    for name in PRELOADED:
        with contextlib.suppress(ImportError):
            import_module(name)
    from gatekeep.runtime import patterns
    from gatekeep.shell import parse

    parse._parser()  # the grammar: the same for every caller
    patterns.compile_all()  # compiled on first use, else in every child anew
    _warm(state_dir)


def _warm(state_dir: str) -> None:
    """Decode the newest compiled policies, and compile what of them depends on nothing a
    caller brings but its home (protect entries) or on nothing at all (redaction patterns):
    each such step is a pure function of its arguments, cached by them."""
    from gatekeep.core.paths import warm_protection
    from gatekeep.policy.redact import file_patterns, for_policies

    select.preload(state_dir)
    policies = select.preloaded(state_dir)
    home = os.environ.get("HOME", "/")
    # what was decoded is unverified (a planted entry's bad pattern): a step that fails is
    # one not taken ahead, and the caller that needs it takes it (and fails) itself
    for policy in policies:
        with contextlib.suppress(Exception):
            warm_protection(tuple(g.text for g in (*policy.protect_write,
                                                   *policy.protect_read)), home)
    config = sysfs.user_dirs(os.environ)[0]
    with contextlib.suppress(Exception):
        for_policies(policies, file_patterns(config, state_dir))


def _loop(listener: socket.socket, idle: float, code: str, compat: bytes,
          state_dir: str, invoke: Invoke | None) -> None:
    last = time.monotonic()
    listener.settimeout(1.0)
    while time.monotonic() - last < idle:
        _reap()
        try:
            connection, _ = listener.accept()
        except TimeoutError:
            continue
        last = time.monotonic()
        with connection:
            if not _handle(connection, listener, code, compat, invoke):
                return
        _warm(state_dir)  # while the child works: a policy compiled since


def _reap() -> None:
    with contextlib.suppress(ChildProcessError):
        while os.waitpid(-1, os.WNOHANG)[0]:
            pass


def _handle(connection: socket.socket, listener: socket.socket, code: str,
            compat: bytes, invoke: Invoke | None) -> bool:
    """Serve one request in a child; False when this server should stop (stale code)."""
    fds: list[int] = []
    try:
        connection.settimeout(resident.ACK_SECONDS)
        peer = _peer(connection)
        if peer is None:
            return True
        pid, pidfd = peer
        if pidfd is not None:
            fds.append(pidfd)  # closed with the caller's descriptors, below
        data, received = _receive(connection)
        fds.extend(received)
        request = decode(data)
        why = _declined(request, received, code, compat, invoke) or _confined(pid, pidfd)
        if why is not None:
            connection.sendall(f"declined {why}\n".encode())
            return why != "stale"
        if os.fork() == 0:
            _child(connection, listener, request, received, invoke)
        return True
    except (OSError, ValueError):
        return True
    finally:
        for fd in fds:
            os.close(fd)


SO_PEERPIDFD = 77  # Linux 6.5: a pidfd of the process that connected


def _peer(connection: socket.socket) -> tuple[int, int | None] | None:
    """The caller's pid and, where the kernel gives one, a pidfd of the very process that
    connected, when it runs as this user (None: not served)."""
    import struct

    raw = connection.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    pid, uid, _ = struct.unpack("3i", raw)
    if uid != os.geteuid() or pid <= 0:
        return None
    try:
        pidfd = connection.getsockopt(socket.SOL_SOCKET, SO_PEERPIDFD)
    except OSError:  # an older kernel: the pid alone
        pidfd = None
    return int(pid), pidfd


CONFINING = (b"NoNewPrivs:", b"Seccomp", b"Cap")  # the lines of /proc/PID/status compared
# no_new_privs, which a Landlock domain needs (short of CAP_SYS_ADMIN): set, a caller may
# be in a domain its child would not be in, and nothing tells
UNSEEN = b"NoNewPrivs:\t1"


def _confined(pid: int, pidfd: int | None = None) -> str | None:
    """Why a caller confined otherwise than this server is not served: its child would do
    the caller's work under the server's confinement, not the caller's (a Landlock or
    seccomp sandbox sets no_new_privs; ``ulimit -f 0`` forbids writing any file).

    ``/proc/PID`` is read by number: with the caller's pidfd, the caller must still be
    running once it has been read, so that the number was not taken by another process
    after the caller had gone. Each of its threads is read: confinement is a thread's own
    (no_new_privs, seccomp, Landlock, namespaces), ``/proc/PID`` shows the main thread's,
    and the peer's credentials do not say which thread asks.
    """
    own = _confinement("self")
    if UNSEEN in own[0]:  # so would a caller served, and its Landlock domain show nowhere
        return "a confinement it cannot see"
    threads = _threads(pid)
    if not threads or any(_confinement(f"{pid}/task/{tid}") != own for tid in threads):
        return "another confinement"
    if pidfd is not None and _pidfd_pid(pidfd) != pid:
        return "gone"
    return None


def _threads(pid: int) -> list[str]:
    """The caller's threads (none when they cannot be listed: not served)."""
    try:
        return os.listdir(f"/proc/{pid}/task")
    except OSError:
        return []


def _pidfd_pid(pidfd: int) -> int | None:
    """The pid a pidfd's process has, -1 once it has ended (``/proc/self/fdinfo``)."""
    try:
        with open(f"/proc/self/fdinfo/{pidfd}", "rb") as info:
            for line in info:
                if line.startswith(b"Pid:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


def _confinement(pid: str) -> list[bytes]:
    """What the kernel confines process ``pid`` to beyond its user: no_new_privs, seccomp,
    capabilities, resource limits, its security label and its namespaces (unreadable: "-").

    A caller in a network namespace of its own (a box with the network off) or another
    user, pid, IPC, UTS, time or cgroup namespace would have its child work in the server's.
    """
    found = []
    for name in ("status", "limits", "attr/current"):
        try:
            with open(f"/proc/{pid}/{name}", "rb") as file:
                found.append(file.read())
        except OSError:
            found.append(b"-")
    found[0] = b"\n".join(line for line in found[0].splitlines() if line.startswith(CONFINING))
    found.append(_namespaces(pid))
    return found


def _namespaces(pid: str) -> bytes:
    try:
        names = sorted(os.listdir(f"/proc/{pid}/ns"))
        return "\n".join(os.readlink(f"/proc/{pid}/ns/{name}") for name in names).encode()
    except OSError:
        return b"-"


def _receive(connection: socket.socket) -> tuple[bytes, list[int]]:
    """The request and the descriptors it came with; on any failure the descriptors are
    closed here (a caller's streams kept by this server would never reach their end)."""
    data, fds, _, _ = socket.recv_fds(connection, 1 << 16, 8)
    try:
        return _body(connection, data), fds
    except BaseException:
        for fd in fds:
            os.close(fd)
        raise


def _body(connection: socket.socket, data: bytes) -> bytes:
    if len(data) < 4:
        raise ValueError("short request")
    size = int.from_bytes(data[:4], "big")
    if size > resident.MAX_REQUEST:
        raise ValueError("request too large")
    data = data[4:]
    while len(data) < size:
        chunk = connection.recv(min(1 << 16, size - len(data)))
        if not chunk:
            raise ValueError("short request")
        data += chunk
    return data


def decode(data: bytes) -> Request:
    """A request, read strictly (``gatekeep.runtime.resident.encode_request``)."""
    items = data.split(b"\0")
    if items[:2] != [resident.MAGIC, resident.VERSION] or len(items) < 13:
        raise ValueError("not a request")
    if items[9] != b"-" and not items[9].startswith(b"="):
        raise ValueError("malformed request")
    cwd = os.fsdecode(items[9][1:]) if items[9] != b"-" else None
    count = int(items[11])
    env = dict(item.partition(b"=")[::2] for item in items[12:12 + count])
    rest = items[12 + count:]
    if len(env) != count or not rest or int(rest[0]) != len(rest) - 1:
        raise ValueError("malformed request")
    return Request(items[2], items[3].decode(), items[4].decode(), int(items[5], 10),
                   items[6], items[7].decode(), items[8].decode(), cwd,
                   os.fsdecode(items[10]), env,
                   [arg.decode("utf-8", "surrogateescape") for arg in rest[1:]])


def _declined(request: Request, fds: list[int], code: str, compat: bytes,
              invoke: Invoke | None) -> str | None:
    if request.compat != compat:  # stale when this server's own set-up moved on
        return "stale" if resident.compat() != compat else "another interpreter or context"
    if request.code != code:  # stale when gatekeep changed under this server (it stops);
        return "stale" if not _current(code) else "another gatekeep"  # else another install's
    if request.mode not in MODES or len(fds) != 4:
        return "not served"
    if request.mode == "cli" and (invoke is None or not resident.servable(request.args)):
        return "not served"
    return None


def _current(code: str) -> bool:
    """Whether this server's own code is still ``code`` (a caller's other digest may come
    from another install of gatekeep: it must not stop a server whose code is current)."""
    try:
        return sysfs.code_digest() == code
    except OSError:
        return False


def _child(connection: socket.socket, listener: socket.socket, request: Request,
           fds: list[int], invoke: Invoke | None) -> None:
    """The caller's stand-in: never returns (whatever happens, it ends here); its status
    goes back with a MAC."""
    try:
        status = _stand_in(connection, listener, request, fds, invoke)
        if status != ExitStatus.INTERRUPTED:  # interrupted: nothing more reaches the caller
            with contextlib.suppress(BaseException):
                sys.stdout.flush()
                sys.stderr.flush()
        reply = b"declined\n"
        if status is not None:
            secret = sealed.key(sysfs.user_dirs(os.environ)[1])
            mac = resident.reply_mac(secret, request.nonce, status) if secret else b"-"
            reply = f"{status} ".encode() + mac + b"\n"
        connection.sendall(reply)
    finally:
        os._exit(0)


def _stand_in(connection: socket.socket, listener: socket.socket, request: Request,
              fds: list[int], invoke: Invoke | None) -> int | None:
    """Take on the caller and run its call; None (declined) when it could not take it on:
    nothing was written, and the caller does it itself."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # as the caller's own
    listener.close()
    connection.sendall(f"accepted {os.getpid()}\n".encode())  # Ctrl-C: the caller signals
    try:
        _become(request, fds)
        _only(connection.fileno())
        _watch(connection)
    except Exception:
        return None
    return _run(request, invoke)


def _watch(connection: socket.socket) -> None:
    """End this child when its caller's process ends (killed, its terminal gone), as the
    caller's own work would have ended with it. The caller sends nothing after its request:
    its connection only ever reports its closing."""
    import select
    import threading

    def wait() -> None:
        poll = select.poll()
        poll.register(connection.fileno(), select.POLLRDHUP)
        poll.poll()
        os._exit(ExitStatus.INTERRUPTED)

    threading.Thread(target=wait, daemon=True).start()


def _become(request: Request, fds: list[int]) -> None:
    """Take on the caller's streams, working directory, umask, environment and time zone."""
    for target, fd in enumerate(fds[:3]):
        os.dup2(fd, target)
    os.fchdir(fds[3])
    os.umask(request.umask)
    os.environb.clear()
    os.environb.update(request.env)
    time.tzset()
    if "tempfile" in sys.modules:
        sys.modules["tempfile"].tempdir = None  # type: ignore[attr-defined]
    sys.stdin = _stream(0, "r", request, line=False)
    sys.stdout = _stream(1, "w", request, line=os.isatty(1))
    sys.stderr = _stream(2, "w", request, line=True, errors="backslashreplace")
    sys.argv = [request.script, *request.args]
    resident.SERVING = True


def _only(kept: int) -> None:
    """Close every descriptor but the standard streams and ``kept``: a path such as
    ``/dev/fd/3`` resolves through this process's descriptors, and the caller has none but
    its streams (``gatekeep.runtime.resident``), so neither has this child (not the server's
    lock, not the received copies, not what the server's own starter left it)."""
    os.closerange(3, kept)
    os.closerange(kept + 1, 1 << 30)


def _prepare(args: list[str], cwd: str | None) -> int | None:
    from gatekeep.commands.run import prepare
    from gatekeep.core.inputs import Request
    from gatekeep.runtime.fastpath import request_parts
    from gatekeep.runtime.locations import Locations

    parts = request_parts(args)
    if parts is None:
        return None
    stored = prepare(Request(*parts), os.environ, Path(cwd) if cwd is not None else Path.cwd(),
                     Locations.from_env(os.environ))
    return 0 if stored else 1


def _stream(fd: int, mode: str, request: Request, line: bool,
            errors: str | None = None) -> TextIO:
    binary = open(fd, mode + "b", closefd=False)  # noqa: SIM115 - the process's own stream
    return io.TextIOWrapper(binary, encoding=request.encoding, errors=errors or request.errors,
                            line_buffering=line)


def _run(request: Request, invoke: Invoke | None) -> int | None:
    """What the caller would have run, inside the same outer boundary as ``gatekeep``'s:
    ``check ARGS`` as it prints and exits, or (``prepare``) the allow decision ``run ARGS``
    would store, stored (0) or not (1)."""
    try:
        if request.mode == "prepare":
            return _prepare(request.args[1:], request.cwd)
        if request.mode == "cli":
            return invoke(request.args) if invoke is not None else None
        from gatekeep.commands.check import plain

        return plain(request.args[1:])
    except KeyboardInterrupt:
        return ExitStatus.INTERRUPTED
    except Exception as error:
        sys.stderr.write(internal_error(error))
        return ExitStatus.INTERNAL_ERROR
