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

- ``control``, one line each: ``bwrap PID`` (written by gatekeep's child before it becomes
  bwrap), ``ended`` (bwrap has exited; written before gatekeep reaps it, so that its pid
  is never signalled once another process may have it), ``held PATH`` (what gatekeep's own
  clean-up moved aside, so that a second clean-up does not take it for the run's), and
  ``done TOKEN`` once gatekeep has cleaned up (the token is known only to the two).
- ``info``: bwrap's ``--info-fd`` report, written before the box runs anything: the pid of
  the box's first process and its pid namespace.

When ``control`` closes without ``done`` (gatekeep died), the keeper kills bwrap's
process group (while bwrap's pid is still bwrap's) and the box's first process (while that
pid names the box's namespace), which ends every process of the namespace, waits until they
are gone, runs the clean-up, logs, and only then writes its warnings (a caller that stopped
reading cannot cut the clean-up short). Only the standard library: a boxed run on the fast
path starts one.
"""

from __future__ import annotations

import os

from gatekeep.runtime.signals import signal

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs start-up time
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

# How long the keeper waits for a killed box to be gone before it cleans up all the same,
# and for its warnings to be taken by a caller that may have stopped reading.
WAIT = 10.0
SPEAK = 5
_IGNORED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGPIPE)


class Keeper:
    """gatekeep's ends of a keeper's pipes."""

    def __init__(self, control: int, info: int, token: bytes) -> None:
        self.control = control  # gatekeep's child writes bwrap's pid here before its exec
        self.info = info  # bwrap's --info-fd
        self._token = token

    def bwrap_started(self) -> None:
        """bwrap holds the info pipe's write end now (and closes it on exec)."""
        if self.info >= 0:
            os.close(self.info)
            self.info = -1

    def ended(self) -> None:
        """bwrap has exited and is not reaped yet: its pid must not be signalled again."""
        self._say(b"ended\n")

    def held(self, path: str) -> None:
        """gatekeep's clean-up moved ``path`` aside."""
        self._say(b"held " + os.fsencode(path).hex().encode() + b"\n")

    def done(self) -> None:
        """gatekeep cleaned up: the keeper ends without doing anything."""
        self.bwrap_started()
        self._say(b"done " + self._token + b"\n")
        os.close(self.control)

    def _say(self, line: bytes) -> None:
        try:  # noqa: SIM105 - contextlib costs start-up on the fast path
            os.write(self.control, line)
        except OSError:
            pass  # the keeper is gone: then nothing is left for it to do


def start(clean_up: Callable[[Sequence[str]], None]) -> Keeper:
    """Fork a keeper that runs ``clean_up`` (given what gatekeep held already) if gatekeep
    dies before ``Keeper.done``.

    Raises OSError when the keeper cannot be started (the box must then not start either).
    What the clean-up imports is imported when it runs: the box keeps gatekeep's own code
    read-only."""
    import sys

    for stream in (sys.stdout, sys.stderr):  # nothing buffered is written twice
        if stream is not None:
            stream.flush()
    token = os.urandom(16).hex().encode()
    control_read, control_write = os.pipe()
    info_read, info_write = os.pipe()
    try:
        middle = os.fork()
    except OSError:
        for fd in (control_read, control_write, info_read, info_write):
            os.close(fd)
        raise
    if middle == 0:  # pragma: no cover - the keeper's side; tested from outside
        code = 1
        try:
            os.setsid()
            if os.fork() == 0:
                os.close(control_write)
                os.close(info_write)
                _keep(control_read, info_read, token, clean_up)
            code = 0
        finally:
            os._exit(code)
    os.close(control_read)
    os.close(info_read)
    _, status = os.waitpid(middle, 0)  # a fork and an exit: the keeper exists, or not
    if status != 0:
        os.close(control_write)
        os.close(info_write)
        raise OSError(11, "could not fork the keeper")
    return Keeper(control_write, info_write, token)


def _keep(control: int, info: int, token: bytes, clean_up: Callable[[Sequence[str]], None]
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
        heard = _Heard(token)
        reported = _listen(control, info, heard)
        if heard.done:
            return
        if heard.bwrap is not None and not heard.ended:
            _end_box(heard.bwrap, heard.pidfd, _number_after(reported, b'"child-pid":'),
                     _number_after(reported, b'"pid-namespace":'))
        clean_up(heard.held)
    except BaseException:  # a keeper never raises into gatekeep's code
        code = 1
    finally:
        os._exit(code)


class _Heard:
    """What gatekeep said on the control pipe."""

    def __init__(self, token: bytes) -> None:
        self.token = token
        self.bwrap: int | None = None
        self.pidfd = -1  # bwrap's, opened as soon as its pid is heard: it is bwrap's then
        self.ended = False
        self.done = False
        self.held: list[str] = []
        self.rest = b""

    def take(self, data: bytes) -> None:
        lines = (self.rest + data).split(b"\n")
        self.rest = lines.pop()
        for line in lines:
            word, _, value = line.partition(b" ")
            if word == b"bwrap" and self.bwrap is None and value.isdigit() \
                    and 0 < int(value) < 1 << 31:
                self.bwrap = int(value)
                try:
                    self.pidfd = os.pidfd_open(self.bwrap)
                except (OSError, AttributeError):
                    self.pidfd = -1  # gone already (then ``ended`` follows), or no pidfds
            elif word == b"ended":
                self.ended = True
            elif word == b"held":
                try:  # noqa: SIM105 - the keeper shares the fast path's module
                    self.held.append(os.fsdecode(bytes.fromhex(value.decode("ascii"))))
                except ValueError:
                    pass
            elif word == b"done" and value == self.token:
                self.done = True


def _listen(control: int, info: int, heard: _Heard) -> bytes:
    """Read both pipes until ``control`` ends; return bwrap's report."""
    import select

    reported = b""
    watched = {control, info}
    poller = select.poll()
    for fd in watched:
        poller.register(fd, select.POLLIN)
    while control in watched:
        for fd, _ in poller.poll():
            try:
                chunk = os.read(fd, 4096)
            except InterruptedError:
                continue
            if not chunk:
                poller.unregister(fd)
                watched.discard(fd)
            elif fd == control:
                heard.take(chunk)
            else:
                reported += chunk
    if info in watched:  # what bwrap wrote is there by now, or it never will be
        os.set_blocking(info, False)
        try:
            while chunk := os.read(info, 4096):
                reported += chunk
        except BlockingIOError:
            pass
    return reported


def _number_after(text: bytes, key: bytes) -> int | None:
    if key not in text:
        return None
    digits = text.split(key, 1)[1].lstrip().split(b",", 1)[0].split(b"}", 1)[0].strip()
    return int(digits) if digits.isdigit() and 0 < int(digits) < 1 << 63 else None


def _end_box(bwrap: int, pidfd: int, first: int | None, namespace: int | None) -> None:
    """Kill bwrap's process group and the box's first process; wait until both are gone.

    bwrap is in a process group of its own, as is its child until it starts the command in
    a new session; by then bwrap has reported that child, the box's first process, whose
    death ends every process of its pid namespace. The group is signalled once, and only
    while bwrap's pid is still bwrap's (its pidfd takes a signal; without pidfds, at once);
    the first process only while its pid still names the box's namespace."""
    import time

    if pidfd < 0 or _pidfd_signal(pidfd):
        _signal_group(bwrap)
    deadline = time.monotonic() + WAIT
    while first is not None and namespace is not None and _in(first, namespace):
        _signal(first)
        if time.monotonic() > deadline:
            return
        time.sleep(0.005)


def _pidfd_signal(pidfd: int) -> bool:
    """SIGKILL through bwrap's pidfd; whether its pid was still bwrap's (alive, or a zombie
    not reaped yet: either way the pid is not free)."""
    try:
        signal.pidfd_send_signal(pidfd, signal.SIGKILL)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # a pidfd the kernel takes no signal on: as without one
    return True


def _signal_group(group: int) -> None:
    try:  # noqa: SIM105 - contextlib costs start-up on the fast path
        os.killpg(group, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


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


def speak(lines: Sequence[str]) -> None:  # pragma: no cover - runs in the keeper
    """The keeper's warnings, on gatekeep's stderr, once everything else is done: a caller
    that stopped reading makes them fail (ignored), one that reads no more blocks them for
    SPEAK seconds, then the keeper ends."""
    if not lines:
        return
    signal.signal(signal.SIGALRM, signal.SIG_DFL)
    signal.alarm(SPEAK)
    data = "".join(lines).encode("utf-8", "backslashreplace")
    try:
        while data:
            data = data[os.write(2, data):]
    except OSError:
        pass
