"""Operations endpoints: ``/healthz`` (process up), ``/readyz`` (dependencies), ``/metrics``.

All three are for machines (load balancers, orchestrators, Prometheus), so their messages are
plain English like the logs, not translated. ``/healthz`` never touches the database.
``/metrics`` is public in the permission matrix but guarded here: a bearer token when
``HEARTLINE_METRICS_TOKEN`` is set, otherwise only direct requests from this machine.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.registry import Collector

from heartline.core.access import public
from heartline.core.observability import (
    bearer_token_matches,
    check_channel_layer,
    check_database,
    is_direct_loopback,
)
from heartline.worker import selectors as worker_selectors


def _worker_alive() -> bool:
    return bool(worker_selectors.workers_alive(within_seconds=settings.READY_WORKER_SECONDS))


def _problem(name: str) -> str:
    messages = {
        "database": "the database did not answer SELECT 1",
        "channel_layer": "the channel layer did not return a message sent to it",
        "worker": (
            "no task worker has sent a heartbeat in the last "
            f"{settings.READY_WORKER_SECONDS} seconds"
        ),
    }
    return messages[name]


CHECKS: dict[str, Callable[[], bool]] = {
    "database": check_database,
    "channel_layer": check_channel_layer,
    "worker": _worker_alive,
}


@public
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@public
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    results = {name: check() for name, check in CHECKS.items()}
    checks = {name: "ok" if passed else "failing" for name, passed in results.items()}
    failing = [name for name, passed in results.items() if not passed]
    if not failing:
        return JsonResponse({"status": "ok", "checks": checks})
    message = "Not ready: " + "; ".join(_problem(name) for name in failing) + "."
    body = {"status": "unavailable", "checks": checks, "failing": failing, "message": message}
    return JsonResponse(body, status=503)


class QueueDepthCollector(Collector):
    """Unfinished tasks (READY, RUNNING) per queue, read from the task table at scrape time."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        gauge = GaugeMetricFamily(
            "heartline_task_queue_depth",
            "Background tasks in the queue, by queue and status.",
            labels=["queue", "status"],
        )
        for queue, by_status in sorted(worker_selectors.queue_status_counts().items()):
            for status, count in sorted(by_status.items()):
                gauge.add_metric([queue, status], count)
        yield gauge


QUEUE_REGISTRY = CollectorRegistry(auto_describe=False)
QUEUE_REGISTRY.register(QueueDepthCollector())


def _error(status: int, code: str, message: str, **headers: Any) -> JsonResponse:
    response = JsonResponse({"error": {"code": code, "message": message}}, status=status)
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


@public  # guarded below: bearer token, or loopback only
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    token = settings.METRICS_TOKEN
    if token and not bearer_token_matches(request, token):
        return _error(
            401, "unauthorized", "A valid bearer token is required.", WWW_Authenticate="Bearer"
        )
    if not token and not is_direct_loopback(request):
        return _error(403, "forbidden", "Metrics are served only to this machine.")
    body = generate_latest(REGISTRY) + generate_latest(QUEUE_REGISTRY)
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)
