"""A stand-in for the OpenAI Responses API, for running the real Codex CLI offline.

Usage: fake_openai.py LOG COMMAND. Prints the port it listens on (127.0.0.1), then
answers: the first request with a call of the shell tool running COMMAND, every later
one with the text "done". Each request body is appended to LOG as one JSON line.
"""

from __future__ import annotations

import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOG, COMMAND = sys.argv[1], sys.argv[2]
SHELL_TOOLS = ("exec_command", "shell", "local_shell", "shell_command")


def events(body: dict) -> list[dict]:
    tools = {t.get("name") for t in body.get("tools", []) if isinstance(t, dict)}
    calls = [i for i in body.get("input", []) if isinstance(i, dict)
             and i.get("type") == "function_call_output"]
    if calls:
        item = {"type": "message", "role": "assistant", "id": "msg_2",
                "content": [{"type": "output_text", "text": "done"}]}
    else:
        name = next((t for t in SHELL_TOOLS if t in tools), "shell")
        arguments = {"cmd": COMMAND} if name == "exec_command" else {"command": ["bash", "-lc",
                                                                                 COMMAND]}
        item = {"type": "function_call", "id": "fc_1", "call_id": "call_1", "name": name,
                "arguments": json.dumps(arguments)}
    response = {"id": "resp_1", "object": "response", "status": "completed", "output": [item],
                "usage": {"input_tokens": 1, "output_tokens": 1, "total_tokens": 2,
                          "input_tokens_details": {"cached_tokens": 0},
                          "output_tokens_details": {"reasoning_tokens": 0}}}
    return [{"type": "response.created", "response": {**response, "status": "in_progress",
                                                      "output": []}},
            {"type": "response.output_item.added", "output_index": 0, "item": item},
            {"type": "response.output_item.done", "output_index": 0, "item": item},
            {"type": "response.completed", "response": response}]


class Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        with open(LOG, "a", encoding="utf-8") as log:
            log.write(json.dumps({"path": self.path, "body": body}) + "\n")
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        for event in events(body):
            self.wfile.write(f"event: {event['type']}\ndata: {json.dumps(event)}\n\n".encode())
        self.wfile.flush()

    def do_GET(self) -> None:
        self.send_response(404)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
