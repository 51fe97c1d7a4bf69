"""The server's socket, bound before anything starts, so a port that is taken is one clear line."""

from __future__ import annotations

import errno
import socket


class PortError(Exception):
    """The server cannot listen where it was asked to; the message says what to change."""


def bind(host: str, port: int) -> socket.socket:
    """A socket bound to host:port for uvicorn to listen on (the same family and options uvicorn would use).

    Its protocol is named: asyncio turns Nagle's algorithm off only on TCP sockets that say they are, and
    with it on, small answers wait for the client's delayed acknowledgement (ack latency × 3 measured)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise PortError(_why(exc, host, port)) from None
    return sock


def _why(exc: OSError, host: str, port: int) -> str:
    if exc.errno == errno.EADDRINUSE:
        return f"port {port} is in use; pick another with --port"
    if exc.errno == errno.EACCES:
        return f"port {port} needs administrator rights; pick one above 1023 with --port"
    if isinstance(exc, socket.gaierror) or exc.errno == errno.EADDRNOTAVAIL:
        return f"{host} is not an address of this machine; pick another with --host"
    return f"cannot listen on {host}:{port} ({exc.strerror}); pick another --host or --port"
