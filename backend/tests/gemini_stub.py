"""A local Gemini endpoint for tests: the real google-genai client is pointed at it
(`GEMINI_BASE_URL`) and it answers from a script."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from intellimix.config import load_config

from .conftest import TEST_CONFIG

API_KEY = "test-gemini-key-must-never-be-logged"


@dataclass
class Scripted:
    """One answer of the stub: status, JSON body (or a function of the request's body that
    makes it), headers, and how long to stall first."""

    status: int
    body: Any | Callable[[dict[str, Any]], Any]
    headers: dict[str, str] = field(default_factory=dict)
    stall_s: float = 0.0


@dataclass
class Seen:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    at: float


class GeminiStub:
    """A Gemini endpoint on 127.0.0.1 answering from a script; the last answer repeats."""

    def __init__(self) -> None:
        self.script: list[Scripted] = []
        self.seen: list[Seen] = []
        self.released = threading.Event()  # ends stalls at teardown
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.base_url = f"http://127.0.0.1:{self.server.server_port}"

    def answer(self, *answers: Scripted) -> None:
        self.script = list(answers)

    def _next(self, seen: Seen) -> Scripted:
        with self._lock:
            self.seen.append(seen)
            return self.script.pop(0) if len(self.script) > 1 else self.script[0]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers["Content-Length"]))
                scripted = stub._next(
                    Seen(self.path, dict(self.headers), json.loads(raw), time.monotonic())
                )
                stub.released.wait(scripted.stall_s)
                body = (
                    scripted.body(stub.seen[-1].body) if callable(scripted.body) else scripted.body
                )
                data = body if isinstance(body, bytes) else json.dumps(body).encode()
                try:
                    self.send_response(scripted.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    for name, value in scripted.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting (the timeout test)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler


@contextmanager
def running_stub() -> Iterator[GeminiStub]:
    """A stub serving on 127.0.0.1 until the block ends."""
    stub = GeminiStub()
    thread = threading.Thread(target=stub.server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield stub
    finally:
        stub.released.set()
        stub.server.shutdown()
        stub.server.server_close()


def candidate(text: str) -> dict[str, Any]:
    """A generateContent response whose first candidate says `text`."""
    return {
        "candidates": [
            {"content": {"role": "model", "parts": [{"text": text}]}, "finishReason": "STOP"}
        ]
    }


def gemini_config(stub: GeminiStub, **overrides: Any) -> dict[str, Any]:
    """The test configuration with Gemini as the provider, pointed at the stub."""
    return {
        **load_config(),
        **TEST_CONFIG,
        "PLANNER_PROVIDER": "gemini",
        "GEMINI_API_KEY": API_KEY,
        "GEMINI_BASE_URL": stub.base_url,
        **overrides,
    }
