"""``gatekeep mcp``: an MCP server (stdio) whose tools judge and run shell commands.

``run_command`` and ``check_command`` run ``gatekeep run`` and ``gatekeep check --json``
as child processes, so that a tool call is judged, prompted for, run and logged exactly
as on the command line, and nothing a command prints can reach the MCP stream on this
process's stdout. Needs the ``mcp`` package (the ``mcp`` extra).
"""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import threading
from io import BufferedReader
from pathlib import Path
from typing import Any, TextIO

from gatekeep.exitcodes import ExitStatus

OUTPUT_LIMIT = 1 << 20  # bytes of stdout and of stderr returned to the agent
DEFAULT_TIMEOUT = 600.0  # seconds before a running command is stopped
MAX_TIMEOUT = 86400.0  # the longest a call may ask for: a day
# Seconds gatekeep has, once asked to stop, to end the command (a box is killed after
# runtime.execute.GRACE) and clean up after it; then it is killed.
STOP_GRACE = 10.0
INSTRUCTIONS = (
    "Run every shell command through run_command. gatekeep judges it against the operator's "
    "policy: allowed commands run, denied ones do not and the result says why and what to do "
    "instead, and some need the operator's approval first. check_command shows the decision "
    "without running anything. Give `why`: the operator sees it.")


def serve(executable: str, stderr: TextIO) -> int:
    try:
        from mcp.server.mcpserver import MCPServer
    except ImportError:
        stderr.write("gatekeep: gatekeep mcp needs the mcp package: "
                     "install the mcp extra, or pip install mcp\n")
        return ExitStatus.USAGE
    server: MCPServer[Any] = MCPServer("gatekeep", instructions=INSTRUCTIONS)

    @server.tool()
    def run_command(command: str, cwd: str = "", why: str = "",
                    timeout: float = DEFAULT_TIMEOUT) -> dict[str, Any]:
        """Run a shell command (bash syntax) if gatekeep's policy allows it or the operator
        approves it. Returns exit_code, stdout, stderr and whether it ran."""
        return run(executable, command, cwd, why, timeout)

    @server.tool()
    def check_command(command: str, cwd: str = "") -> dict[str, Any]:
        """Judge a shell command without running it: the decision (allow, ask or deny) and,
        for each part, the rules and reasons."""
        return check(executable, command, cwd)

    server.run("stdio")
    return ExitStatus.OK


def run(executable: str, command: str, cwd: str, why: str, timeout: float) -> dict[str, Any]:
    args = [executable, "run", *(["--why", why] if why else []), "-c", command]
    result = _child(args, cwd, timeout)
    if "error" in result:
        return {"ran": False, **result}
    code, out, err = result["exit_code"], result["stdout"], result["stderr"]
    refused = code == ExitStatus.REFUSED and err.startswith("gatekeep: ")
    return {"ran": not refused and code not in (ExitStatus.POLICY_ERROR,
                                                ExitStatus.INTERNAL_ERROR),
            "exit_code": code, "stdout": out, "stderr": err}


def check(executable: str, command: str, cwd: str) -> dict[str, Any]:
    result = _child([executable, "check", "--json", "-c", command], cwd, DEFAULT_TIMEOUT)
    if "error" in result:
        return result
    try:
        decision: dict[str, Any] = json.loads(result["stdout"])
    except ValueError:
        return {"error": result["stderr"].strip() or "gatekeep check failed",
                "exit_code": result["exit_code"]}
    return decision


def _child(args: list[str], cwd: str, timeout: float) -> dict[str, Any]:
    directory = cwd or os.getcwd()
    if not os.path.isabs(directory) or not Path(directory).is_dir():
        return {"error": f"cwd is not an existing absolute directory: {directory!r}"}
    if not math.isfinite(timeout):  # NaN would fail only once the command runs
        return {"error": f"timeout is not a number of seconds: {timeout!r}"}
    timeout = min(max(timeout, 1.0), MAX_TIMEOUT)
    # gatekeep's own executable; the agent's command is one argument, judged by that child
    process = subprocess.Popen(args, cwd=directory, stdin=subprocess.DEVNULL,  # noqa: S603
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               start_new_session=True)
    readers = [_Kept(process.stdout), _Kept(process.stderr)]  # type: ignore[arg-type]
    stopped = ""
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGTERM)  # passed on; a box is killed after its grace
        try:
            process.wait(timeout=STOP_GRACE)
        except subprocess.TimeoutExpired:  # a command that ignores it, run without a box
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        stopped = f"gatekeep: stopped after {timeout:g} seconds\n"
    out, err = (reader.text() for reader in readers)
    return {"exit_code": process.returncode, "stdout": out, "stderr": err + stopped}


class _Kept:
    """One of the child's pipes, read as it writes: its first ``OUTPUT_LIMIT`` bytes are
    kept, the rest read and dropped (the child is never held by a full pipe, and this
    process never holds more than the limit)."""

    def __init__(self, pipe: BufferedReader) -> None:
        self.pipe = pipe
        self.kept = bytearray()
        self.dropped = 0
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        with self.pipe:
            while chunk := self.pipe.read1(1 << 16):
                room = OUTPUT_LIMIT - len(self.kept)
                self.kept += chunk[:room]
                self.dropped += max(len(chunk) - room, 0)

    def text(self) -> str:
        self.thread.join(timeout=STOP_GRACE)  # what a process left behind may keep it open
        text = self.kept.decode("utf-8", errors="replace")
        return text + (f"\ngatekeep: {self.dropped} more bytes not shown\n"
                       if self.dropped else "")


def main() -> int:
    from gatekeep.commands.install import executable_path

    return serve(executable_path(), sys.stderr)
