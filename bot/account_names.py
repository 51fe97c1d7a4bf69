"""Account names for the win form's account picker, held in memory so a suggestion needs no query.

The list is read at start and again every REFRESH seconds (other replicas add accounts too). A name
missing from it still works: the picker always offers to create the typed name, and creating an
account whose name exists picks the existing one.
"""

from __future__ import annotations

import asyncio
import logging

from workflows import lookups
from workflows.core import Core

log = logging.getLogger(__name__)
REFRESH = 30.0


class AccountNames:
    def __init__(self, core: Core, refresh: float = REFRESH):
        self.core, self.refresh = core, refresh
        self._names: list[tuple[str, int, str]] | None = None  # (casefolded name, id, name), by name
        self._reading: asyncio.Task | None = None

    @property
    def loaded(self) -> bool:
        return self._names is not None

    def search(self, typed: str, limit: int = 20) -> list[tuple[int, str]]:
        """(id, name) of the accounts whose name contains `typed`, by name."""
        key = typed.strip().casefold()
        found: list[tuple[int, str]] = []
        for folded, account_id, name in self._names or ():
            if key in folded:
                found.append((account_id, name))
                if len(found) == limit:
                    break
        return found

    async def load(self) -> None:
        names = await asyncio.to_thread(lookups.account_names, self.core)
        self._names = [(name.casefold(), account_id, name) for account_id, name in names]

    def changed(self) -> None:
        """An account may have been added here: read the names again (once at a time)."""
        if self._reading is None or self._reading.done():
            self._reading = asyncio.ensure_future(self.load())
            self._reading.add_done_callback(lambda done: done.cancelled() or done.exception())

    async def keep_fresh(self) -> None:
        """Background task: read the names now and every `refresh` seconds."""
        while True:
            try:
                await self.load()
            except Exception as exc:  # the picker queries the database until a read succeeds
                log.warning("could not read account names for the picker (%s)", type(exc).__name__)
            await asyncio.sleep(self.refresh)
