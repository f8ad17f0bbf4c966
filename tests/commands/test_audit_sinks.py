"""Audit records sent to syslog (RFC 5424) and journald, over real local sockets."""

from __future__ import annotations

import json
import re
import socket
from pathlib import Path
from typing import Any

import pytest

Sandbox = Any  # the fixture's class lives in conftest.py
HEADER = re.compile(r"<(\d+)>1 \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z \S+ gatekeep \d+ (\w+) - ")


def received(sock: socket.socket, count: int) -> list[bytes]:
    sock.settimeout(10)
    return [sock.recv(1 << 20) for _ in range(count)]


def test_records_go_to_a_udp_syslog_collector_in_rfc5424(sandbox: Sandbox) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as collector:
        collector.bind(("127.0.0.1", 0))
        port = collector.getsockname()[1]
        sandbox.write_operator_policy(
            "gatekeep: 1\nextends: [builtin:default]\naudit:\n  syslog: "
            f"{{address: 'udp://127.0.0.1:{port}', facility: local3}}\n")
        sandbox.gatekeep("run", "-c", "echo hi")
        sandbox.gatekeep("run", "-c", "rm -rf ~")
        messages = received(collector, 3)

    parsed = [HEADER.match(m.decode()) for m in messages]
    assert all(parsed), messages
    # local3 is 19: 19 * 8 + informational (6) / warning (4) for a deny
    assert [(int(p[1]), p[2]) for p in parsed if p] == [(158, "decision"), (158, "end"),
                                                         (156, "decision")]
    records = [json.loads(m.decode()[p.end():]) for m, p in zip(messages, parsed) if p]
    assert [r.get("command") for r in records] == ["echo hi", None, "rm -rf ~"]
    first = parsed[0]
    assert first is not None
    # the message is the very line the file holds, hash chain included
    assert sandbox.audit_log.read_text().splitlines()[0] == messages[0].decode()[first.end():]


def test_records_go_to_a_journald_socket(sandbox: Sandbox, tmp_path: Path) -> None:
    path = str(tmp_path / "journal.socket")
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as journal:
        journal.bind(path)
        sandbox.write_operator_policy(
            f"gatekeep: 1\nextends: [builtin:default]\naudit:\n  journald: {{socket: {path}}}\n")
        sandbox.gatekeep("run", "-c", "echo hi")
        [decision, ended] = received(journal, 2)

    fields = dict(line.split("=", 1) for line in decision.decode().splitlines())
    assert (fields["PRIORITY"], fields["SYSLOG_IDENTIFIER"], fields["GATEKEEP_KIND"]) == \
        ("6", "gatekeep", "decision")
    assert json.loads(fields["MESSAGE"])["command"] == "echo hi"
    assert b"GATEKEEP_KIND=end\n" in ended


def test_an_unreachable_collector_warns_and_the_file_still_holds_the_record(
        sandbox: Sandbox, tmp_path: Path) -> None:
    sandbox.write_operator_policy("gatekeep: 1\nextends: [builtin:default]\naudit:\n  syslog: "
                                  f"{{address: '{tmp_path}/nobody-listens'}}\n")

    result = sandbox.gatekeep("run", "-c", "echo hi")

    assert (result.returncode, result.stdout) == (0, "hi\n")
    assert "gatekeep: warning: cannot send the audit record to " in result.stderr
    assert [e["command"] for e in sandbox.audit()] == ["echo hi"]


@pytest.mark.parametrize(("audit", "error"), [
    ("{syslog: {address: 'example.com'}}", "not a syslog address: 'example.com'"),
    ("{syslog: {address: 'udp://h:1', facility: local9}}", "local7, got 'local9'"),
    ("{rotate: lots}", "expected a number of at least 0"),
])
def test_a_bad_audit_setting_is_a_policy_error(sandbox: Sandbox, audit: str, error: str) -> None:
    sandbox.write_operator_policy(f"gatekeep: 1\naudit: {audit}\n")

    result = sandbox.gatekeep("run", "-c", "touch marker")

    assert result.returncode == 5
    assert error in result.stderr
    assert not sandbox.marker.exists()
