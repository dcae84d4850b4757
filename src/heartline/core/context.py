"""Who is acting, through which channel, in which request: set once at the edge, read by audit."""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass(frozen=True)
class ActingContext:
    channel: str = "system"  # web, api, admin, task, system, cli
    request_id: str = ""
    ip: str = ""


_current: contextvars.ContextVar[ActingContext] = contextvars.ContextVar(
    "heartline_acting_context",
    default=ActingContext(),  # noqa: B039 — frozen, so never mutated
)


def current() -> ActingContext:
    return _current.get()


@contextmanager
def acting(**changes: str) -> Iterator[ActingContext]:
    """Run a block with channel/request id/ip replaced; restores the previous context after."""
    base = _current.get()
    ctx = ActingContext(
        channel=changes.get("channel", base.channel),
        request_id=changes.get("request_id", base.request_id),
        ip=changes.get("ip", base.ip),
    )
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)
