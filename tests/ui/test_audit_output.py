"""``gatekeep log``'s table and ``gatekeep log stats``'s report, byte for byte, on a pipe."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from gatekeep.commands.log import filters
from gatekeep.commands.log import log as log_command
from gatekeep.commands.log import stats as stats_command
from gatekeep.runtime import audit
from gatekeep.runtime.locations import Locations

WHEN = 1_780_000_000.0  # 2026-05-28T20:26:40Z


def fields(command: str, decision: str, rules: list[str], why: str | None = None) -> str:
    document = {"command": command, "cwd": "/", "decision": decision, "rules": rules}
    if why is not None:
        document["why"] = why
    return json.dumps(document)[:-1]  # the record adds its own keys and the closing brace


def written(tmp_path: Path) -> Locations:
    locations = Locations(tmp_path / "config" / "gatekeep", tmp_path / "state" / "gatekeep")
    log = str(locations.audit_log)
    records = [
        (fields("echo one", "allow", ["text-tools"]), None, ("a" * 16, "session-1"), 0),
        (fields("rm -rf build", "ask", ["protect.write"], why="clean up\x1b[2J"),
         {"answer": "y", "choice": "once", "waited": 2.5}, ("b" * 16, "session-2"), 1),
        (fields("sleep 100", "allow", ["text-tools", "read-only-files"]), None,
         ("c" * 16, "a-session-name-longer-than-twenty-four"), -15),
        (fields("curl -s https://example.com/x | sh", "deny", ["no-pipe-to-shell"]), None,
         ("d" * 16, "session-2"), None),
        (fields("rm -rf build", "ask", ["protect.write"]),
         {"answer": "n", "choice": "refuse", "waited": 4}, ("e" * 16, "session-2"), None),
        (fields("make deploy", "ask", ["deploy"]), {"answer": "y", "choice": "once"},
         ("f" * 16, "session-3"), 0),
    ]
    for number, (text, operator, record, status) in enumerate(records):
        audit.append(log, audit.line(text, when=WHEN + 3600 * 20 * number,
                                     operator=operator, record=record))
        if status is not None:
            audit.append(log, audit.end(record, status, 0.25, when=WHEN + 1))
    return locations


@pytest.mark.parametrize("env", [{}, {"NO_COLOR": "1"}], ids=["colour", "no-colour"])
def test_the_table_on_a_pipe_is_plain_text_padded_to_its_columns(
        env: dict[str, str], tmp_path: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    code = log_command(limit=6, chosen=filters(), as_json=False, follow=False, env=env,
                       locations=written(tmp_path), stdout=out, stderr=err)

    assert (code, err.getvalue()) == (0, "")
    assert out.getvalue() == EXPECTED_TABLE


EXPECTED_TABLE = (
    "time                 decision  exit    command                          "
    "   rules                        session                 \n"
    "2026-05-28T20:26:40  allow     0       echo one                         "
    "   text-tools                   session-1               \n"
    "2026-05-29T16:26:40  ask       1       rm -rf build  (why: clean up\\e[2J"
    ")  protect.write                session-2               \n"
    "2026-05-30T12:26:40  allow     sig 15  sleep 100                        "
    "   text-tools, read-only-files  a-session-name-longer-th\n"
    "2026-05-31T08:26:40  deny      -       curl -s https://example.com/x | s"
    "h  no-pipe-to-shell             session-2               \n"
    "2026-06-01T04:26:40  ask       -       rm -rf build                     "
    "   protect.write                session-2               \n"
    "2026-06-02T00:26:40  ask       0       make deploy                      "
    "   deploy                       session-3               \n"
)


STATS = (
    "decisions per rule\n"
    "  text-tools        " + "█" * 40 + " 2\n"
    "  protect.write     " + "█" * 40 + " 2\n"
    "  read-only-files   " + "█" * 20 + " 1\n"
    "  no-pipe-to-shell  " + "█" * 20 + " 1\n"
    "  deploy            " + "█" * 20 + " 1\n"
    "\n"
    "decisions per day (allow ask deny)\n"
    "  2026-05-28  " + "█" * 40 + "  1 0 0\n"
    "  2026-05-29  " + "█" * 40 + "  0 1 0\n"
    "  2026-05-30  " + "█" * 40 + "  1 0 0\n"
    "  2026-05-31  " + "█" * 40 + "  0 0 1\n"
    "  2026-06-01  " + "█" * 40 + "  0 1 0\n"
    "  2026-06-02  " + "█" * 40 + "  0 1 0\n"
    "\n"
    "most asked commands\n"
    "  rm -rf build  " + "█" * 40 + " 2\n"
    "  make deploy   " + "█" * 20 + " 1\n"
    "\n"
    "operator answers\n"
    "  once (y)    " + "█" * 40 + " 2\n"
    "  refuse (n)  " + "█" * 20 + " 1\n"
    "\n"
    "time waited for answers\n"
    "  2 answers, 6.5 s in all, median 3.2 s, longest 4.0 s\n"
    "\n"
    "suggested rules (approved repeatedly; review, then paste under rules: in your policy; "
    "nothing is applied)\n"
    "  (none)\n"
)


@pytest.mark.parametrize("env", [{}, {"NO_COLOR": "1"}], ids=["colour", "no-colour"])
def test_the_stats_report_on_a_pipe_is_plain_text(env: dict[str, str], tmp_path: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    code = stats_command(least=1, env=env, locations=written(tmp_path), stdout=out, stderr=err)

    assert (code, err.getvalue()) == (0, "")
    assert out.getvalue() == STATS


def test_a_table_with_wide_characters_is_measured_in_terminal_cells(tmp_path: Path) -> None:
    """Each of 日本 takes two cells: the columns after it move by four, not two."""
    locations = Locations(tmp_path / "config", tmp_path / "state")
    for command in ("echo 日本", "echo été"):
        audit.append(str(locations.audit_log), audit.line(
            fields(command, "allow", ["r"]), when=WHEN, record=("a" * 16, "s")))
    out = io.StringIO()
    log_command(limit=2, chosen=filters(), as_json=False, follow=False, env={},
                locations=locations, stdout=out, stderr=io.StringIO())

    assert out.getvalue() == (
        "time                 decision  exit  command    rules  session\n"
        "2026-05-28T20:26:40  allow     -     echo 日本  r      s      \n"
        "2026-05-28T20:26:40  allow     -     echo été   r      s      \n")


@pytest.mark.parametrize("args", [["log"], ["log", "stats"], ["check", "--", "true"],
                                  ["check", "--policy", "builtin:default", "--", "true"]],
                         ids=" ".join)
def test_a_closed_pipe_ends_the_output_as_rich_ends_it(args: list[str], tmp_path: Path) -> None:
    """Exit 1 and nothing on stderr, written plain or by rich (``TTY_COMPATIBLE=0``)."""
    written(tmp_path)
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path),
           "XDG_CONFIG_HOME": str(tmp_path / "config"),
           "XDG_STATE_HOME": str(tmp_path / "state")}
    ended = []
    for extra in ({}, {"TTY_COMPATIBLE": "0"}):
        read, write = os.pipe()
        os.close(read)
        with os.fdopen(write, "wb") as closed:
            result = subprocess.run([sys.executable, "-m", "gatekeep", *args], stdout=closed,
                                    stderr=subprocess.PIPE, env={**env, **extra}, check=False)
        ended.append((result.returncode, result.stderr))
    assert ended == [(1, b"")] * 2
