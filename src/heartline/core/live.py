"""Live delivery of domain events to pages: the relay that every ASGI server runs.

``publish()`` only writes the outbox row; after commit it calls :func:`nudge`, which wakes the
relay of this process at once (other processes — the task worker, a management command —
have no relay, and the servers' relays find their rows within ``POLL_SECONDS``). The relay
sends every unpushed row to its Channels groups and marks the batch pushed with one UPDATE.
On PostgreSQL the batch is claimed with ``SKIP LOCKED``, so several servers never push a row
twice; a server that dies between sending and marking leaves the batch to be sent again
(at-least-once: the browser ignores event ids it has seen).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from typing import Any

from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer
from django.db import close_old_connections, connection, transaction
from django.utils import timezone

from heartline.core.models import OutboxEvent

logger = logging.getLogger(__name__)

POLL_SECONDS = 0.5
BATCH = 500

_wakeups: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()
_lock = threading.Lock()


def message(row: OutboxEvent, group: str) -> dict[str, Any]:
    """What a group hears: the event's type and id, and the group itself (a consumer in
    ``customer.<id>`` tells the page which customer changed). Never the payload."""
    return {"type": "heartline.event", "event": row.type, "id": str(row.uuid), "group": group}


def nudge() -> None:
    """Wake the relays running in this process (safe from any thread; cheap when none)."""
    with _lock:
        waiting = list(_wakeups)
    for loop, event in waiting:
        with contextlib.suppress(RuntimeError):  # the loop has closed
            loop.call_soon_threadsafe(event.set)


def relay_pending(*, limit: int = BATCH) -> int:
    """Push one batch of unpushed events; returns how many rows it pushed."""
    if not OutboxEvent.objects.filter(pushed_at__isnull=True).exists():
        return 0  # the common case: one read on a partial index, no write lock
    layer = get_channel_layer()
    with transaction.atomic():
        pending = OutboxEvent.objects.filter(pushed_at__isnull=True).order_by("pk")
        if connection.features.has_select_for_update_skip_locked:
            pending = pending.select_for_update(skip_locked=True)
        rows = list(pending[:limit])
        for row in rows:
            for group in row.groups:
                async_to_sync(layer.group_send)(group, message(row, group))
        OutboxEvent.objects.filter(pk__in=[r.pk for r in rows]).update(pushed_at=timezone.now())
    return len(rows)


def _relay_in_thread() -> int:
    close_old_connections()
    try:
        pushed = total = relay_pending()
        while pushed == BATCH:
            pushed = relay_pending()
            total += pushed
        return total
    finally:
        close_old_connections()


async def run_relay() -> None:
    """The relay loop of one ASGI server: push on every nudge, and every POLL_SECONDS."""
    loop, wake = asyncio.get_running_loop(), asyncio.Event()
    with _lock:
        _wakeups.add((loop, wake))
    try:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), timeout=POLL_SECONDS)
            wake.clear()
            try:
                await sync_to_async(_relay_in_thread, thread_sensitive=False)()
            except Exception:
                logger.exception("live-event relay failed; retrying")
                await asyncio.sleep(POLL_SECONDS)
    finally:
        with _lock:
            _wakeups.discard((loop, wake))
