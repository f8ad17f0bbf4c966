"""A stand-in for the Anthropic Messages API, for running the real Claude Code CLI offline.

Usage: fake_anthropic.py LOG COMMAND. Prints the port it listens on (127.0.0.1), then
answers a request that offers the Bash tool with a call of it running COMMAND, and any
other request (and every one after a tool result) with the text "done". Each request
body is appended to LOG as one JSON line.
"""

from __future__ import annotations

import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOG, COMMAND = sys.argv[1], sys.argv[2]


def has_tool_result(body: dict) -> bool:
    return any(isinstance(part, dict) and part.get("type") == "tool_result"
               for message in body.get("messages", []) if isinstance(message, dict)
               for part in (message.get("content") if isinstance(message.get("content"), list)
                            else []))


def blocks(body: dict) -> tuple[dict, list[dict], str]:
    tools = {t.get("name") for t in body.get("tools", []) if isinstance(t, dict)}
    if "Bash" in tools and not has_tool_result(body):
        arguments = json.dumps({"command": COMMAND, "description": "make the file"})
        return ({"type": "tool_use", "id": "toolu_1", "name": "Bash", "input": {}},
                [{"type": "input_json_delta", "partial_json": arguments}], "tool_use")
    return ({"type": "text", "text": ""}, [{"type": "text_delta", "text": "done"}], "end_turn")


def stream(body: dict) -> list[dict]:
    start, deltas, stop = blocks(body)
    usage = {"input_tokens": 1, "output_tokens": 1}
    return [{"type": "message_start", "message": {
                "id": "msg_1", "type": "message", "role": "assistant", "model": body.get("model"),
                "content": [], "stop_reason": None, "stop_sequence": None, "usage": usage}},
            {"type": "content_block_start", "index": 0, "content_block": start},
            *({"type": "content_block_delta", "index": 0, "delta": d} for d in deltas),
            {"type": "content_block_stop", "index": 0},
            {"type": "message_delta", "delta": {"stop_reason": stop, "stop_sequence": None},
             "usage": {"output_tokens": 1}},
            {"type": "message_stop"}]


class Handler(BaseHTTPRequestHandler):
    def do_HEAD(self) -> None:
        self.send_response(200)
        self.end_headers()

    def do_GET(self) -> None:
        self.send_response(404)
        self.end_headers()

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        with open(LOG, "a", encoding="utf-8") as log:
            log.write(json.dumps({"path": self.path, "body": body}) + "\n")
        if not body.get("stream"):
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(json.dumps({
                "id": "msg_0", "type": "message", "role": "assistant", "model": body.get("model"),
                "content": [{"type": "text", "text": "done"}], "stop_reason": "end_turn",
                "stop_sequence": None, "usage": {"input_tokens": 1, "output_tokens": 1}}).encode())
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        for event in stream(body):
            self.wfile.write(f"event: {event['type']}\ndata: {json.dumps(event)}\n\n".encode())
        self.wfile.flush()

    def log_message(self, *args: object) -> None:
        pass


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
