"""A fake OpenAI-compatible chat server for tests: misbehaves on cue, in-process or over a real socket.

The last user turn picks the behaviour: ``[500xN]`` answers 500 to the first N calls, ``[always500]``
always, ``[garbage]`` returns a body that is not a completion, ``[timeout]`` is too slow to answer,
``[400]`` refuses the request; anything else is echoed back as ``echo: <text>``.
"""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from typing import Any

import httpx
import orjson
import uvicorn


class FakeOpenAI:
    """The behaviour and the call log, shared by the transport and the socket server."""

    def __init__(self, slow_seconds: float = 0.5) -> None:
        self.calls: list[dict[str, Any]] = []
        self.seen: Counter[str] = Counter()
        self.slow_seconds = slow_seconds
        self.lock = threading.Lock()

    def answer(self, body: dict[str, Any], headers: dict[str, str]) -> tuple[int, bytes, float]:
        """(status, body bytes, delay before answering)."""
        prompt = next((m["content"] for m in reversed(body["messages"]) if m["role"] == "user"), "")
        with self.lock:
            self.calls.append({"body": body, "authorization": headers.get("authorization")})
            self.seen[prompt] += 1
            count = self.seen[prompt]
        if (match := re.search(r"\[500x(\d+)\]", prompt)) and count <= int(match.group(1)):
            return 500, b'{"error": "overloaded"}', 0.0
        if "[always500]" in prompt:
            return 500, b"internal error", 0.0
        if "[garbage]" in prompt:
            return 200, b"<html>not json", 0.0
        if "[400]" in prompt:
            return 400, b'{"error": "bad request"}', 0.0
        delay = self.slow_seconds if "[timeout]" in prompt else 0.0
        completion = {
            "id": "cmpl-1",
            "object": "chat.completion",
            "model": body["model"],
            "choices": [{"index": 0, "message": {"role": "assistant", "content": f"echo: {prompt}"}}],
        }
        return 200, orjson.dumps(completion), delay

    def transport(self, timeout: float = 0.2) -> httpx.MockTransport:
        """An in-process transport; a delay longer than ``timeout`` becomes a read timeout."""

        def handle(request: httpx.Request) -> httpx.Response:
            status, content, delay = self.answer(orjson.loads(request.content), dict(request.headers))
            if delay > timeout:
                raise httpx.ReadTimeout("fake timeout", request=request)
            return httpx.Response(status, content=content)

        return httpx.MockTransport(handle)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        """The same behaviour as a raw ASGI app, served by uvicorn over a socket."""
        assert scope["type"] == "http"
        chunks = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        headers = {k.decode(): v.decode() for k, v in scope["headers"]}
        if scope["path"] != "/v1/chat/completions":
            status, content, delay = 404, b"not found", 0.0
        else:
            status, content, delay = self.answer(orjson.loads(b"".join(chunks)), headers)
        if delay:
            import asyncio

            await asyncio.sleep(delay)
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": content})


class SocketServer:
    """Serve a FakeOpenAI on 127.0.0.1 with uvicorn in a thread."""

    def __init__(self, fake: FakeOpenAI) -> None:
        config = uvicorn.Config(fake, host="127.0.0.1", port=0, log_level="error", lifespan="off", ws="none")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("fake server did not start")
            time.sleep(0.01)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}/v1"

    def __exit__(self, *_: object) -> None:
        self.server.should_exit = True
        self.thread.join(5)
