"""Where audit records go besides the file: syslog (RFC 5424) and journald.

The operator's policy names them (``audit: {syslog: ..., journald: ..., rotate: ...}``).
The fast path loads no policy, so the full path keeps the settings it loaded in
``sinks.json`` in the state directory, and every writer reads them from there. A sink that
cannot be reached is skipped: the file is the record, and a command is never held up by a
log collector (a warning says so on stderr).
"""

from __future__ import annotations

import os

from gatekeep.runtime.journal import DEFAULT_ROTATE
from gatekeep.sandbox.records import NamedTuple

JOURNAL_SOCKET = "/run/systemd/journal/socket"
FACILITIES = ("kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp",
              "cron", "authpriv", "ftp", "ntp", "security", "console", "solaris-cron",
              *(f"local{n}" for n in range(8)))
_FILE = "sinks.json"


class Settings(NamedTuple):
    rotate: int = DEFAULT_ROTATE  # bytes; 0: never
    syslog: str = ""  # udp://HOST:PORT, tcp://HOST:PORT, unix:///PATH or /PATH; "": none
    facility: str = "user"
    journald: str = ""  # the journal's native socket; "": none


def settings(state_dir: str) -> Settings:
    """The settings the full path last saved; the defaults when there are none."""
    try:
        with open(os.path.join(state_dir, _FILE), "rb") as handle:
            raw = handle.read(1 << 16)
    except OSError:
        return Settings()
    import json

    try:
        values = json.loads(raw)
        found = Settings(int(values["rotate"]), str(values["syslog"]),
                         str(values["facility"]), str(values["journald"]))
    except (ValueError, KeyError, TypeError):
        return Settings()
    return found if found.facility in FACILITIES else found._replace(facility="user")


def save(state_dir: str, wanted: Settings) -> None:
    """Keep ``wanted`` for every writer (written only when it changed)."""
    if settings(state_dir) == wanted and (wanted != Settings()
                                          or not os.path.exists(os.path.join(state_dir, _FILE))):
        return
    import json

    os.makedirs(state_dir, mode=0o700, exist_ok=True)
    path = os.path.join(state_dir, _FILE)
    temporary = f"{path}.{os.getpid()}"
    with open(temporary, "w", encoding="ascii") as handle:
        json.dump(wanted._asdict(), handle)
    os.replace(temporary, path)


def send(wanted: Settings, line: str) -> None:
    """Send one written record to the configured sinks; failures are warned about on
    stderr and otherwise ignored."""
    if not wanted.syslog and not wanted.journald:
        return
    import sys

    for target, message in ((wanted.syslog, rfc5424), (wanted.journald, journal_fields)):
        if not target:
            continue
        try:
            _deliver(target, message(line, wanted.facility))
        except (OSError, ValueError) as error:
            reason = getattr(error, "strerror", None) or error
            sys.stderr.write(f"gatekeep: warning: cannot send the audit record to {target}: "
                             f"{reason}\n")


def severity(line: str) -> int:
    """deny: warning (4), ask: notice (5), anything else: informational (6)."""
    if '"decision": "deny"' in line:
        return 4
    return 5 if '"decision": "ask"' in line else 6


def _kind(line: str) -> str:
    for kind in ("end", "repair"):
        if f'"kind": "{kind}"' in line:
            return kind
    return "decision"


def rfc5424(line: str, facility: str) -> bytes:
    """One record as an RFC 5424 message: the JSON record is the message text."""
    import socket
    import time

    priority = FACILITIES.index(facility) * 8 + severity(line)
    now = time.time()
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now))
    stamp += f".{int(now * 1e6) % 10**6:06d}Z"
    host = "".join(c for c in socket.gethostname() if 32 < ord(c) < 127)[:255] or "-"
    header = f"<{priority}>1 {stamp} {host} gatekeep {os.getpid()} {_kind(line)} - "
    return header.encode("ascii") + line.rstrip("\n").encode("utf-8", "backslashreplace")


def journal_fields(line: str, facility: str) -> bytes:
    """One record in the journal's native protocol (``KEY=value`` lines; a record is one
    line of ASCII, so no value needs the binary form)."""
    pairs = (("MESSAGE", line.rstrip("\n")), ("PRIORITY", str(severity(line))),
             ("SYSLOG_IDENTIFIER", "gatekeep"),
             ("SYSLOG_FACILITY", str(FACILITIES.index(facility))),
             ("GATEKEEP_KIND", _kind(line)))
    return "".join(f"{key}={value}\n" for key, value in pairs).encode("utf-8", "backslashreplace")


def _deliver(target: str, message: bytes) -> None:
    import socket

    if target.startswith(("udp://", "tcp://")):
        host, _, port = target[6:].rpartition(":")
        kind = socket.SOCK_DGRAM if target.startswith("udp") else socket.SOCK_STREAM
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, kind) as sock:
            sock.settimeout(1.0)
            sock.connect((host.strip("[]"), int(port)))
            # TCP carries RFC 6587 octet counting: the length, a space, the message
            sock.sendall(message if kind == socket.SOCK_DGRAM
                         else str(len(message)).encode() + b" " + message)
        return
    path = target.removeprefix("unix://")
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.settimeout(1.0)
        sock.sendto(message, path)
