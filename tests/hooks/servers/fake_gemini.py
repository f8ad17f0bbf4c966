"""A stand-in for the Gemini API, for running the real Gemini CLI offline.

Usage: fake_gemini.py LOG COMMAND. Prints the port it listens on (127.0.0.1), then
answers the CLI's model-routing request with a plain JSON verdict, a request that offers
run_shell_command with a call of it running COMMAND, and any other request (and every
one after a function response) with the text "done". Each request body is appended to
LOG as one JSON line.
"""

from __future__ import annotations

import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOG, COMMAND = sys.argv[1], sys.argv[2]
USAGE = {"promptTokenCount": 1, "candidatesTokenCount": 1, "totalTokenCount": 2}


def has_function_response(body: dict) -> bool:
    return any("functionResponse" in part for content in body.get("contents", [])
               for part in content.get("parts", []) if isinstance(part, dict))


def offers_shell(body: dict) -> bool:
    return any(d.get("name") == "run_shell_command" for tool in body.get("tools", [])
               for d in tool.get("functionDeclarations", []) if isinstance(d, dict))


def answer(body: dict) -> dict:
    config = body.get("generationConfig") or {}
    if config.get("responseMimeType") == "application/json" or config.get("responseSchema") \
            or config.get("responseJsonSchema"):
        part: dict = {"text": json.dumps({"complexity_reasoning": "simple",
                                          "complexity_score": 1, "model_choice": "flash",
                                          "reasoning": "simple"})}
    elif offers_shell(body) and not has_function_response(body):
        part = {"functionCall": {"name": "run_shell_command",
                                 "args": {"command": COMMAND, "description": "make the file"}}}
    else:
        part = {"text": "done"}
    return {"candidates": [{"content": {"role": "model", "parts": [part]},
                            "finishReason": "STOP", "index": 0}], "usageMetadata": USAGE}


class Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        with open(LOG, "a", encoding="utf-8") as log:
            log.write(json.dumps({"path": self.path, "body": body}) + "\n")
        self.send_response(200)
        if "countTokens" in self.path:
            payload = json.dumps({"totalTokens": 1}).encode()
            self.send_header("Content-Type", "application/json")
        elif "streamGenerateContent" in self.path:
            payload = f"data: {json.dumps(answer(body))}\r\n\r\n".encode()
            self.send_header("Content-Type", "text/event-stream")
        else:
            payload = json.dumps(answer(body)).encode()
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def do_GET(self) -> None:
        self.send_response(404)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
