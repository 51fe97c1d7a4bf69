"""The socket `serve` binds before it starts: connections to it answer without Nagle's delay."""

from __future__ import annotations

import asyncio
import socket

from bot.listen import bind


def test_connections_to_the_bound_socket_have_nagle_off():
    async def scenario() -> int:
        accepted: list[int] = []

        def connected(reader, writer):
            accepted.append(writer.get_extra_info("socket").getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            writer.close()

        server = await asyncio.start_server(connected, sock=bind("127.0.0.1", 0))
        port = server.sockets[0].getsockname()[1]
        _, writer = await asyncio.open_connection("127.0.0.1", port)
        while not accepted:
            await asyncio.sleep(0.01)
        writer.close()
        server.close()
        return accepted[0]

    assert asyncio.run(scenario()) != 0  # else every small answer waits for the client's delayed ACK
