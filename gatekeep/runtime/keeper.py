"""A keeper: a process that ends a boxed run and cleans up after it when gatekeep is killed.

What gatekeep does after a boxed run (holding the repositories it made, putting links
back) runs in gatekeep's own process. SIGKILL, which an agent's harness may send when a tool
call runs past its time, skips it; and bwrap's ``--die-with-parent`` leaves a box behind
when gatekeep dies while bwrap sets the box up (its child then waits for ever).

So before bwrap starts, gatekeep forks a keeper: in a session of its own and no longer
gatekeep's child (a kill of gatekeep's process group or of its children misses it), holding
the read ends of two pipes and, copied by the fork, the plan of the box. Nothing it does
is taken from a file: the box's processes cannot reach it (their own pid namespace), and
only gatekeep and bwrap hold the pipes' write ends (bwrap closes its own on exec).

- ``control``: bwrap's pid, written by gatekeep's child before it becomes bwrap, then
  ``done`` when gatekeep has cleaned up.
- ``info``: bwrap's ``--info-fd`` report, written before the box runs anything: the pid of
  the box's first process and its pid namespace.

When ``control`` closes without ``done`` (gatekeep died), the keeper kills bwrap's
process group and the box's first process (which ends every process in its namespace),
waits until they are gone, and runs the clean-up. Only the standard library: a boxed run
on the fast path starts one.
"""

from __future__ import annotations

import os

from gatekeep.runtime.signals import signal

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time
if TYPE_CHECKING:
    from collections.abc import Callable

DONE = b"done\n"
# How long the keeper waits for a killed box to be gone before it cleans up all the same.
WAIT = 10.0
_IGNORED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGPIPE)


class Keeper:
    """gatekeep's ends of a keeper's pipes."""

    def __init__(self, control: int, info: int, middle: int) -> None:
        self.control = control  # gatekeep's child writes bwrap's pid here before its exec
        self.info = info  # bwrap's --info-fd
        self._middle = middle

    def bwrap_started(self) -> None:
        """bwrap holds the info pipe's write end now (and closes it on exec)."""
        if self.info >= 0:
            os.close(self.info)
            self.info = -1

    def done(self) -> None:
        """gatekeep cleaned up: the keeper ends without doing anything."""
        self.bwrap_started()
        try:  # noqa: SIM105 - contextlib costs start-up on the fast path
            os.write(self.control, DONE)
        except OSError:
            pass  # the keeper is gone: nothing is left for it to do
        os.close(self.control)
        os.waitpid(self._middle, 0)


def start(clean_up: Callable[[], None]) -> Keeper:
    """Fork a keeper that runs ``clean_up`` if gatekeep dies before ``Keeper.done``.

    Raises OSError when the keeper cannot be started (the box must then not start either).
    What the clean-up imports is imported when it runs: the box keeps gatekeep's own code
    read-only."""
    import sys

    for stream in (sys.stdout, sys.stderr):  # nothing buffered is written twice
        if stream is not None:
            stream.flush()
    control_read, control_write = os.pipe()
    info_read, info_write = os.pipe()
    try:
        middle = os.fork()
    except OSError:
        for fd in (control_read, control_write, info_read, info_write):
            os.close(fd)
        raise
    if middle == 0:  # pragma: no cover - the keeper's side; tested from outside
        try:
            os.setsid()
            if os.fork() == 0:
                os.close(control_write)
                os.close(info_write)
                _keep(control_read, info_read, clean_up)
        finally:
            os._exit(0)
    os.close(control_read)
    os.close(info_read)
    return Keeper(control_write, info_write, middle)


def _keep(control: int, info: int, clean_up: Callable[[], None]
          ) -> None:  # pragma: no cover - runs in the keeper
    """The keeper's life; it ends with ``os._exit`` (gatekeep's own exit code stays its)."""
    code = 0
    try:
        for number in _IGNORED:
            signal.signal(number, signal.SIG_IGN)
        low, high = sorted((control, info))
        os.closerange(3, low)
        os.closerange(low + 1, high)
        os.closerange(high + 1, max(os.sysconf("SC_OPEN_MAX"), 1 << 16))
        null = os.open(os.devnull, os.O_RDWR)
        os.dup2(null, 0)
        os.dup2(null, 1)  # the caller's stdout is gatekeep's: not held open by the keeper
        os.close(null)
        said = _read_all(control)
        if said.endswith(DONE):
            return
        bwrap = _number(said.split(b"\n", 1)[0], b"bwrap ")
        if bwrap is None:
            return  # gatekeep died before bwrap's exec: no box was started
        os.set_blocking(info, False)
        reported = _read_now(info)
        _end_box(bwrap, _number_after(reported, b'"child-pid":'),
                 _number_after(reported, b'"pid-namespace":'))
        clean_up()
    except BaseException:  # a keeper never raises into gatekeep's code
        code = 1
    finally:
        os._exit(code)


def _read_all(fd: int) -> bytes:
    data = b""
    while True:
        try:
            chunk = os.read(fd, 4096)
        except InterruptedError:
            continue
        if not chunk:
            return data
        data += chunk


def _read_now(fd: int) -> bytes:
    data = b""
    try:
        while chunk := os.read(fd, 4096):
            data += chunk
    except BlockingIOError:
        pass
    return data


def _number(line: bytes, prefix: bytes) -> int | None:
    rest = line[len(prefix):] if line.startswith(prefix) else b""
    return int(rest) if rest.isdigit() and 0 < int(rest) < 1 << 31 else None


def _number_after(text: bytes, key: bytes) -> int | None:
    if key not in text:
        return None
    digits = text.split(key, 1)[1].lstrip().split(b",", 1)[0].split(b"}", 1)[0].strip()
    return int(digits) if digits.isdigit() and 0 < int(digits) < 1 << 63 else None


def _end_box(bwrap: int, first: int | None, namespace: int | None) -> None:
    """Kill bwrap's process group and the box's first process; wait until both are gone.

    bwrap is in a process group of its own, as is its child until it starts the command in
    a new session; by then bwrap has reported that child, the box's first process, whose
    death ends every process of its pid namespace. A pid is signalled only while it still
    names that namespace's first process."""
    import time

    deadline = time.monotonic() + WAIT
    while True:
        group = _signal_group(bwrap)
        box = first is not None and namespace is not None and _in(first, namespace)
        if box:
            _signal(first)  # type: ignore[arg-type]
        if not group and not box:
            return
        if time.monotonic() > deadline:
            return
        time.sleep(0.005)


def _signal_group(group: int) -> bool:
    """SIGKILL to the group; whether it still had a process."""
    try:
        os.killpg(group, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def _signal(pid: int) -> None:
    try:  # noqa: SIM105 - contextlib costs start-up on the fast path
        os.kill(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _in(pid: int, namespace: int) -> bool:
    """Whether ``pid`` is a living process of the pid namespace ``namespace`` (a zombie's
    namespaces are gone)."""
    try:
        return os.stat(f"/proc/{pid}/ns/pid").st_ino == namespace
    except OSError:
        return False
