"""Refuse request bodies over `max_body_bytes` with 413, before they are read into memory.

Pure ASGI middleware: a declared `Content-Length` over the limit is refused at once;
a chunked body is counted as it streams and cut off at the limit (an HTTPException
from `receive`, which FastAPI's body parsing lets through to its 413 answer), so
neither form can make the node buffer more than the limit.
"""

from __future__ import annotations

import json

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["BodyLimit"]


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    @property
    def message(self) -> str:
        return f"request body too large: the limit is {self.max_bytes:,} bytes"

    async def _refuse(self, send: Send) -> None:
        body = json.dumps({"detail": self.message}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(send)
            return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    # Passed through by FastAPI's body parsing, answered by its handler.
                    raise HTTPException(status_code=413, detail=self.message)
            return message

        await self.app(scope, counting_receive, send)
