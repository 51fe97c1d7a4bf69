"""Keeps a CRM in sync: advocates whose status changed are POSTed to crm_callback_url, with retries."""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING

from tenacity import retry, retry_if_exception, stop_after_attempt, wait_exponential

from workflows import export
from workflows.core import Core

if TYPE_CHECKING:
    import httpx

BATCH = 500


class PushRefused(Exception):
    """The CRM answered with an error that retrying will not fix (4xx other than 408/429)."""


def _retryable(exc: BaseException) -> bool:
    import httpx

    if isinstance(exc, httpx.TransportError):
        return True
    return isinstance(exc, httpx.HTTPStatusError) and (exc.response.status_code >= 500 or
                                                       exc.response.status_code in (408, 429))


def push_advocates(core: Core, url: str, secret: str = "", client: httpx.Client | None = None,
                   attempts: int = 5, max_wait: float = 30) -> int:
    """POST advocates whose status changed to `url` (batches of 500), retrying busy or failing servers.

    Each batch is remembered once the server accepts it (2xx), so a failed run is simply repeated by the next one.
    With `secret` the body is signed like inbound webhooks (X-Webhook-Timestamp, X-Webhook-Signature).
    Returns how many advocates were delivered. The scheduler can call this periodically.
    """
    import httpx  # loaded by the first push, not by every start

    from bot.webhooks import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign

    rows = export.pending_push(core)
    owned = client is None
    client = client or httpx.Client(timeout=10)

    @retry(retry=retry_if_exception(_retryable), stop=stop_after_attempt(attempts),
           wait=wait_exponential(multiplier=0.5, max=max_wait), reraise=True)
    def post(body: bytes) -> None:
        headers = {"content-type": "application/json"}
        if secret:
            stamp = str(int(time.time()))
            headers |= {TIMESTAMP_HEADER: stamp, SIGNATURE_HEADER: sign(secret, stamp, body)}
        response = client.post(url, content=body, headers=headers)
        if 400 <= response.status_code < 500 and response.status_code not in (408, 429):
            raise PushRefused(f"{url} refused the update: HTTP {response.status_code}")
        response.raise_for_status()

    delivered = 0
    try:
        for start in range(0, len(rows), BATCH):
            batch = rows[start:start + BATCH]
            post(json.dumps(export.push_body(batch)).encode())
            export.mark_pushed(core, batch)
            delivered += len(batch)
    finally:
        if owned:
            client.close()
    return delivered
