"""The ``audit`` policy key: where records go besides the file, rotation, more redaction.

```yaml
audit:
  rotate: 64M                       # rename audit.jsonl to audit.1.jsonl past this size
  syslog: {address: "udp://logs.example:514", facility: local0}
  journald: true                    # or {socket: /run/systemd/journal/socket}
  redact:                           # patterns added to the shipped ones
    - {id: internal-token, pattern: "itk_[A-Za-z0-9]{20,}"}
```

Only the operator's policy configures the sinks and rotation (an agent-written policy
must not send records elsewhere or stop them); redaction patterns are taken from every
policy in use, since redacting more is never looser.
"""

from __future__ import annotations

import re

from gatekeep.policy.sandbox import _size
from gatekeep.runtime.sinks import FACILITIES, JOURNAL_SOCKET, Settings

TYPE_CHECKING = False  # run and hook load this for redaction: they never need yaml
if TYPE_CHECKING:
    from gatekeep.policy.yamlsource import Located

AUDIT_KEYS = frozenset({"rotate", "syslog", "journald", "redact"})
_SYSLOG_KEYS = frozenset({"address", "facility"})
_REDACT_KEYS = frozenset({"id", "pattern"})
_ADDRESS = re.compile(r"((udp|tcp)://(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):[0-9]{1,5}|"
                      r"(unix://)?/\S+)")


def load_audit(located: Located, settings: dict[str, object]) -> None:
    """Validate the ``audit`` mapping into ``settings`` (``audit_sinks``, ``audit_redact``)."""
    fields = located.mapping(AUDIT_KEYS)
    sinks = Settings()
    if "rotate" in fields:
        sinks = sinks._replace(rotate=int(_size(fields["rotate"])))
    if "syslog" in fields:
        sinks = _syslog(fields["syslog"], sinks)
    if "journald" in fields:
        sinks = sinks._replace(journald=_journald(fields["journald"]))
    settings["audit_sinks"] = sinks
    if "redact" in fields:
        settings["audit_redact"] = tuple(redaction(item) for item in fields["redact"].sequence())


def _syslog(located: Located, sinks: Settings) -> Settings:
    fields = located.mapping(_SYSLOG_KEYS)
    if "address" not in fields:
        raise located.error("syslog needs an 'address': udp://HOST:PORT, tcp://HOST:PORT "
                            "or a socket path such as /dev/log")
    address = fields["address"].string()
    if not _ADDRESS.fullmatch(address):
        raise fields["address"].error(f"not a syslog address: {address!r} (udp://HOST:PORT, "
                                      "tcp://HOST:PORT, or a socket path)")
    facility = fields["facility"].choice(FACILITIES) if "facility" in fields else "user"
    return sinks._replace(syslog=address, facility=facility)


def _journald(located: Located) -> str:
    value = located.scalar_or_none()
    if isinstance(value, bool):
        return JOURNAL_SOCKET if value else ""
    fields = located.mapping(frozenset({"socket"}))
    socket = fields["socket"].string() if "socket" in fields else JOURNAL_SOCKET
    if not socket.startswith("/"):
        raise fields["socket"].error(f"the journal's socket is an absolute path: {socket!r}")
    return socket


def redaction(located: Located) -> tuple[str, str]:
    """One ``{id, pattern}``: a regular expression that matches no empty text. A group
    named ``secret`` limits what is replaced to that group."""
    fields = located.mapping(_REDACT_KEYS)
    for key in ("id", "pattern"):
        if key not in fields:
            raise located.error(f"a redaction pattern needs {key!r}")
    pattern = fields["pattern"].string()
    try:
        compiled = re.compile(pattern)
    except re.error as error:
        raise fields["pattern"].error(f"not a regular expression: {error}") from None
    if compiled.fullmatch(""):
        raise fields["pattern"].error("this pattern matches empty text")
    return fields["id"].string(), pattern
