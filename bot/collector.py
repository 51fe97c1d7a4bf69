"""The cyclic garbage collector, paused while the bot loads.

Loading creates a few hundred thousand long-lived objects (modules, table models, schemas, routes)
and no garbage cycles; a running collector scans them again and again, about a sixth of start-up.
Once loaded they are frozen out of its reach, so the collections made while serving stay short.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    """No cyclic collection inside; what was loaded is frozen (never scanned again) on the way out."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()
