"""SQLite serves one replica: a second process scheduling on the same file is refused at start."""

from __future__ import annotations

import asyncio
import fcntl
import os
from pathlib import Path

from sqlalchemy.engine import make_url

from storage.db import is_sqlite, normalise_url


class ReplicaError(RuntimeError):
    """Starting this process would run a second schedule against one SQLite file."""


def claim_sqlite_schedule(database_url: str):
    """Hold an exclusive lock beside the SQLite file for the life of the process; None on PostgreSQL."""
    url = normalise_url(database_url)
    if not is_sqlite(url):
        return None
    database = make_url(url).database or ":memory:"
    if database == ":memory:":
        return None
    lock_path = Path(database).resolve().with_suffix(".scheduler.lock")
    while True:
        handle = open(lock_path, "a+")  # noqa: SIM115 - kept open: the lock lives as long as the process
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise ReplicaError(
                f"Another advocacy-bot process already runs the schedule on {database}. SQLite serves a single "
                "replica: set DATABASE_URL to PostgreSQL to run several, or start this one with SCHEDULER=false."
            ) from None
        if _is_ours(handle):  # else the holder removed it as it stopped, after we opened it: open the new one
            break
        handle.close()
    handle.truncate(0)
    handle.write(str(os.getpid()))
    handle.flush()
    return handle


def _is_ours(handle) -> bool:
    """Whether the lock file's path still names the file this handle holds."""
    try:
        return os.stat(handle.name).st_ino == os.fstat(handle.fileno()).st_ino
    except FileNotFoundError:
        return False


async def hold(handle) -> None:
    """Keep the claim while the server runs; when it stops, remove the lock file (still ours) and let go."""
    try:
        await asyncio.Event().wait()
    finally:
        if _is_ours(handle):
            os.unlink(handle.name)
        handle.close()
