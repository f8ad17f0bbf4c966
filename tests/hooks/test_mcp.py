"""``gatekeep mcp``: the MCP SDK's own stdio client calls run_command and check_command."""

from __future__ import annotations

import anyio
import pytest

mcp = pytest.importorskip("mcp", reason="the mcp package is missing: pip install -e '.[test]'")

from mcp import ClientSession, StdioServerParameters  # noqa: E402
from mcp.client.stdio import stdio_client  # noqa: E402

POLICY = """gatekeep: 1
rules:
  - id: files
    allow: [touch, echo]
  - id: no-rm
    deny: [rm]
    reason: deletes files
    suggest: move it to a trash directory
"""


def session_calls(scratch, *calls):
    """Start ``gatekeep mcp`` and make ``calls`` ((tool, arguments), ...) in one session."""
    async def talk():
        params = StdioServerParameters(command=str(scratch.BIN / "gatekeep"), args=["mcp"],
                                       env=scratch.env, cwd=str(scratch.work))
        async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
            await session.initialize()
            names = sorted(tool.name for tool in (await session.list_tools()).tools)
            results = [await session.call_tool(tool, arguments) for tool, arguments in calls]
            return names, [result.structured_content for result in results]

    return anyio.run(talk)


def test_run_and_check_through_the_sdk_client(scratch):
    scratch.operator_policy(POLICY)
    (scratch.work / "keep").write_text("precious")
    names, (ran, refused, checked, elsewhere) = session_calls(
        scratch,
        ("run_command", {"command": "echo hi; touch made", "why": "make a file"}),
        ("run_command", {"command": "rm -f keep"}),
        ("check_command", {"command": "touch x && rm -f keep"}),
        ("run_command", {"command": "touch made", "cwd": str(scratch.root / "nowhere")}),
    )
    assert names == ["check_command", "run_command"]
    assert ran == {"ran": True, "exit_code": 0, "stdout": "hi\n", "stderr": ""}
    assert (scratch.work / "made").exists() and (scratch.work / "keep").exists()
    assert refused == {"ran": False, "exit_code": 126, "stdout": "", "stderr":
                       "gatekeep: denied: no-rm: "
                       "rm: deletes files other than build output (deletes); "
                       "writes or deletes files in the working "
                       "tree (writes-tree)\ngatekeep:   in: rm -f keep\n"
                       "gatekeep:   instead: move it to a trash directory\ngatekeep: not run\n"}
    assert checked["decision"] == "deny" and not (scratch.work / "x").exists()
    assert [s["decision"] for s in checked["segments"]] == ["allow", "deny"]
    assert elsewhere == {"ran": False, "error": "cwd is not an existing absolute directory: "
                         f"'{scratch.root / 'nowhere'}'"}
    logged = scratch.audit()
    assert [(e["decision"], e.get("why")) for e in logged] == [("allow", "make a file"),
                                                              ("deny", None)]
