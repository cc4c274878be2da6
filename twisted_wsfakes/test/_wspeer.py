"""
Websocket peers written with the ``websockets`` library, an implementation
independent of Autobahn, for the real-network tests.  Each runs in a
subprocess (``python -m twisted_wsfakes.test._wspeer MODE ...``), bounded
by its own time limit, and reports what it received as JSON lines on
stdout.

Modes:

- ``echo``: a server on a free loopback port (printed first) echoing every
  message; a text ``close CODE REASON`` makes it close with that code.
- ``frames PORT``: a client sending each kind of frame and printing what
  came back and how the connection closed.
- ``converse PORT PATH SEND...``: a client that, for each SEND, sends it and
  prints the answer (or how the connection closed instead).
- ``many PORT N``: N clients at once, each following the welcome / name /
  bye conversation; prints how many finished it.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import sys
from typing import Any

import websockets
from websockets.typing import Subprotocol

_LIMIT = 20


def _say(**fields: Any) -> None:
    print(json.dumps(fields), flush=True)


def _describe(message: str | bytes) -> Any:
    if isinstance(message, bytes):
        return {"binary": len(message), "sha": hashlib.sha256(message).hexdigest()}
    return message if len(message) < 200 else {"text": len(message)}


async def _echo() -> None:
    async def handler(connection: Any) -> None:
        async for message in connection:
            if isinstance(message, str) and message.startswith("close "):
                _, code, reason = message.split(" ", 2)
                await connection.close(int(code), reason)
                return
            await connection.send(message)

    def choose(connection: Any, offered: Any) -> Any:
        # The first we know of the client's, or none (websockets' own default
        # refuses a client that offers none).
        return next((p for p in offered if p in ("chat.v2", "chat.v1")), None)

    async with websockets.serve(
        handler,
        "127.0.0.1",
        0,
        select_subprotocol=choose,
        max_size=None,
        compression="deflate",
    ) as server:
        _say(port=server.sockets[0].getsockname()[1])
        await asyncio.sleep(_LIMIT)


async def _frames(port: str) -> None:
    async with websockets.connect(
        f"ws://127.0.0.1:{port}/frames",
        subprotocols=[Subprotocol("chat.v1")],
        max_size=None,
        compression="deflate",
    ) as connection:
        _say(
            subprotocol=connection.subprotocol,
            extensions=[extension.name for extension in connection.protocol.extensions],
        )
        sent: list[str | bytes] = [
            "hello",
            b"\x00\x01\xff",
            "",
            b"",
            b"\xaa" * (1 << 20),
            "é" * 70000,
        ]
        for message in sent:
            await connection.send(message)
            _say(got=_describe(await connection.recv()), sent=_describe(message))
        await connection.send(["frag", "men", "ted"])
        _say(got=_describe(await connection.recv()), sent="fragmented")
        pong = await connection.ping(b"are you there")
        await pong
        _say(pong=True)
        await connection.close(4001, "custom reason")
        _say(closed=connection.close_code, reason=connection.close_reason)


async def _converse(port: str, path: str, *sends: str) -> None:
    async with websockets.connect(f"ws://127.0.0.1:{port}{path}") as connection:
        try:
            for send in sends:
                await connection.send(send)
                _say(got=await connection.recv())
            await connection.close()
        except websockets.ConnectionClosed as e:
            _say(
                closed=e.rcvd.code if e.rcvd else None,
                reason=e.rcvd.reason if e.rcvd else "",
            )


async def _many(port: str, count: str) -> None:
    async def one(number: int) -> bool:
        async with websockets.connect(f"ws://127.0.0.1:{port}/") as connection:
            welcome = await connection.recv()
            await connection.send(f"client {number}")
            bye = await connection.recv()
            return (welcome, bye) == ("welcome", "bye")

    results = await asyncio.gather(
        *(one(number) for number in range(int(count))), return_exceptions=True
    )
    _say(
        finished=sum(result is True for result in results),
        errors=[repr(result) for result in results if result is not True][:3],
    )


_MODES: dict[str, Any] = {
    "echo": _echo,
    "frames": _frames,
    "converse": _converse,
    "many": _many,
}

if __name__ == "__main__":
    mode, *arguments = sys.argv[1:]
    try:
        asyncio.run(asyncio.wait_for(_MODES[mode](*arguments), _LIMIT + 5))
    except TimeoutError:
        pass
