"""Display names for person keys (platform ids, emails), cached; a failed look-up is retried later."""

from __future__ import annotations

import asyncio
from typing import Awaitable, Callable, Iterable

from cachetools import TTLCache


class NameCache:
    """Names from a platform look-up, kept for `ttl` seconds; people the platform does not know are
    asked about again after `retry_after` seconds (the look-up returns "" for them)."""

    def __init__(self, lookup: Callable[[str], Awaitable[str]], ttl: float = 3600, retry_after: float = 300,
                 size: int = 10000):
        self._lookup = lookup
        self._known: TTLCache[str, str] = TTLCache(size, ttl)
        self._unknown: TTLCache[str, bool] = TTLCache(size, retry_after)

    async def names(self, people: Iterable[str]) -> dict[str, str]:
        wanted = [p for p in set(people) if p and p not in self._known and p not in self._unknown]
        for person, name in zip(wanted, await asyncio.gather(*(self._ask(p) for p in wanted))):
            if name:
                self._known[person] = name
            else:
                self._unknown[person] = True
        return {p: self._known[p] for p in people if p in self._known}

    async def _ask(self, person: str) -> str:
        try:
            return await self._lookup(person)
        except Exception:  # the platform did not answer: show the fallback this time
            return ""
