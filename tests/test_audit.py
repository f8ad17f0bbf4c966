"""The audit log's lines: ASCII whatever the agent sent; readers skip what is not an entry."""

from __future__ import annotations

import json
from pathlib import Path

from gatekeep.core.engine import Decision
from gatekeep.runtime import audit

BYTE_FF = "\udcff"  # how Python hands over an argument byte 0xff that is not UTF-8
POLICIES = (("builtin:default", "0" * 64),)


def decision(command: str) -> Decision:
    return Decision("ask", command, (), POLICIES)


def test_a_lone_surrogate_is_written_as_a_json_escape_and_reads_back() -> None:
    fields = audit.fields(decision(f"ls '{BYTE_FF}' café"), cwd="/w\x1b", mode="run",
                          argv=["ls", BYTE_FF, "café"])
    text = audit.line(fields, when=0.0, operator={"answer": "typed", "message": BYTE_FF})

    assert text.isascii()
    assert "\\udcff" in text and "\\u00e9" in text
    entry = json.loads(text)
    assert entry["argv"] == ["ls", BYTE_FF, "café"]
    assert entry["command"] == f"ls '{BYTE_FF}' café"
    assert entry["operator"] == {"answer": "typed", "message": BYTE_FF}
    assert entry["cwd"] == "/w\x1b"


def test_append_never_writes_a_raw_surrogate_byte(tmp_path: Path) -> None:
    log = tmp_path / "state" / "audit.jsonl"
    stale = '{"command": "ls \'' + BYTE_FF + '\'", "cwd": "/", "decision": "ask"'  # old fields
    audit.append(str(log), audit.line(stale, when=0.0))

    raw = log.read_bytes()
    assert raw.isascii()
    warnings: list[str] = []
    assert audit.read(str(log), warnings.append)[0]["command"] == f"ls '{BYTE_FF}'"
    assert warnings == []


def test_read_skips_each_bad_line_with_a_warning_and_keeps_the_rest(tmp_path: Path) -> None:
    good = '{"command": "ls", "cwd": "/", "decision": "allow", "exit_code": 0, "rules": ["r"]}'
    bad = [
        b"[]",
        b'{"command": "ls", "cwd": "/"}',
        b'{"command": ["ls"], "cwd": "/", "decision": "deny"}',
        b'{"command": "ls", "decision": "deny"}',
        b'{"command": "ls", "cwd": "/", "decision": "allow", "rules": 5}',
        b'{"command": "ls", "cwd": "/", "decision": "allow", "exit_code": true}',
        b'{"command": "ls", "cwd": "/", "decision": "allow", "argv": "ls"}',
        b'{"command": "ls", "cwd": "/", "decision": "allow", "time": {}}',
        b'{"command": "ls", "cwd": "/a\\u0000", "decision": "allow"}',
        b'{"command": "ls", "cwd": "/", "decision": "allow", "argv": ["ls", "\\u0000"]}',
        b'{"command": "ls"',
        b'{"command": "ls \xff"}',
        b"[" * 100_000,
    ]
    log = tmp_path / "audit\x1b.jsonl"
    log.write_bytes(b"\n".join([good.encode(), *bad, b"", good.encode()]) + b"\n")
    warnings: list[str] = []

    numbered = audit.numbered(str(log), warnings.append)

    assert [number for number, _ in numbered] == [1, 16]
    assert all(entry == json.loads(good) for _, entry in numbered)
    prefix = f"gatekeep: warning: {tmp_path}/audit\\e.jsonl:"
    assert [w.removeprefix(prefix) for w in warnings[:12]] == [
        "2: skipped: not a JSON object\n",
        "3: skipped: 'decision' is not allow, ask or deny\n",
        "4: skipped: 'command' is missing or not a string\n",
        "5: skipped: 'cwd' is missing or not a string\n",
        "6: skipped: 'rules' is not a list of strings\n",
        "7: skipped: 'exit_code' is not an integer\n",
        "8: skipped: 'argv' is not a list of strings\n",
        "9: skipped: 'time' is not a string\n",
        "10: skipped: a NUL character in the command or its directory\n",
        "11: skipped: a NUL character in the command or its directory\n",
        "12: skipped: not a JSON line: Expecting ',' delimiter: line 1 column 17 (char 16)\n",
        "13: skipped: not UTF-8 text (byte 0xff at column 17)\n",
    ]
    assert warnings[12].startswith(f"{prefix}14: skipped: not a JSON line: maximum recursion")
    assert len(warnings) == 13


def test_a_missing_log_reads_as_empty(tmp_path: Path) -> None:
    assert audit.read(str(tmp_path / "none.jsonl"), print) == []
