"""Request ids, structured logs, no-store on personal pages, Prometheus metrics, readiness.

* Every request gets an id (a well-formed incoming ``X-Request-ID`` is kept, anything else is
  replaced), echoed in the response header and attached to every log record of the request
  by :class:`RequestIdFilter`; one access line per request goes to ``heartline.access``.
* Request latency and counts are Prometheus metrics in this process's default registry.
* :func:`check_database` and :func:`check_channel_layer` are the infrastructure half of
  ``/readyz`` (the worker half lives with the worker, which ``core`` must not import).
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
import logging
import re
import secrets
import time
import uuid
from collections.abc import Callable
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import connections
from django.http import HttpRequest, HttpResponse
from prometheus_client import Counter, Histogram

from heartline.core import context

logger = logging.getLogger(__name__)
access_logger = logging.getLogger("heartline.access")

REQUEST_LATENCY = Histogram(
    "heartline_http_request_duration_seconds",
    "Time to answer an HTTP request, by route and method.",
    ["route", "method"],
)
REQUESTS = Counter(
    "heartline_http_requests_total",
    "HTTP requests answered, by route, method and status class.",
    ["route", "method", "status"],
)

_SAFE_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")  # used with fullmatch: "$" would allow "\n"


class RequestIdFilter(logging.Filter):
    """Put the current request id on every record (``-`` outside a request).

    Django logs 4xx/5xx answers (``django.request``) after the middleware chain has returned,
    outside the request's context; those records carry the request, which carries its id.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        request_id = context.current().request_id
        if not request_id:
            request_id = getattr(getattr(record, "request", None), "request_id", "")
        record.request_id = request_id or "-"
        return True


def client_ip(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR", ""))[:45]


class RequestIdMiddleware:
    """Give every request an id (or keep a well-formed ``X-Request-ID``), log it, time it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _SAFE_ID.fullmatch(incoming) else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        channel = "api" if request.path.startswith("/api/") else "web"
        if request.path.startswith("/admin/"):
            channel = "admin"
        started = time.perf_counter()
        with context.acting(channel=channel, request_id=request_id, ip=client_ip(request)):
            response = self.get_response(request)
            elapsed = time.perf_counter() - started
            match = getattr(request, "resolver_match", None)
            route = "/" + match.route if match is not None else "unmatched"
            REQUEST_LATENCY.labels(route, request.method).observe(elapsed)
            REQUESTS.labels(route, request.method, f"{response.status_code // 100}xx").inc()
            access_logger.info(
                "%s %s %s",
                request.method,
                route,
                response.status_code,
                extra={
                    "method": request.method,
                    "route": route,
                    "status": response.status_code,
                    "duration_ms": round(elapsed * 1000, 1),
                },
            )
        response["X-Request-ID"] = request_id
        return response


class NoStoreMiddleware:
    """Pages and API answers for signed-in users may hold personal data: never cache them."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not request.path.startswith("/static/") and "Cache-Control" not in response:
            response["Cache-Control"] = "no-store"
        return response


# --- Readiness: the infrastructure checks of /readyz ------------------------------------------


def check_database(alias: str = "default") -> bool:
    """The database answers ``SELECT 1``."""
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT 1")
            row = cursor.fetchone()
    except Exception:
        logger.warning("readiness: database %r did not answer", alias, exc_info=True)
        return False
    return row is not None and row[0] == 1


async def _channel_round_trip() -> bool:
    layer: Any = get_channel_layer()
    if layer is None:
        return False
    channel = await layer.new_channel()
    token = secrets.token_hex(16)
    await layer.send(channel, {"type": "heartline.ready", "token": token})
    message = await layer.receive(channel)
    return bool(message.get("token") == token)


async def _channel_round_trip_within(timeout: float) -> bool:
    return await asyncio.wait_for(_channel_round_trip(), timeout)


def check_channel_layer(timeout: float = 3.0) -> bool:
    """A message sent to a fresh channel on the default channel layer comes back."""
    try:
        return async_to_sync(_channel_round_trip_within)(timeout)
    except Exception:
        logger.warning("readiness: the channel layer failed a round trip", exc_info=True)
        return False


# --- Access to /metrics -----------------------------------------------------------------------

_PROXY_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_FORWARDED", "HTTP_X_REAL_IP")


def bearer_token_matches(request: HttpRequest, expected: str) -> bool:
    """``Authorization: Bearer <expected>``, compared in constant time."""
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not given:
        return False
    return hmac.compare_digest(given.strip().encode(), expected.encode())


def is_direct_loopback(request: HttpRequest) -> bool:
    """The peer is this machine and no proxy forwarded the request on someone else's behalf.

    A reverse proxy on the same host makes every visitor look like 127.0.0.1, so a request
    that carries forwarding headers is never trusted as local.
    """
    if any(request.META.get(header) for header in _PROXY_HEADERS):
        return False
    try:
        address = ipaddress.ip_address(str(request.META.get("REMOTE_ADDR", "")))
    except ValueError:
        return False
    return address.is_loopback
