"""A worker SIGKILLed while running a task: another worker picks the task up once the lease
expires, and the task's effect happens exactly once (heartline.core.idempotency.once)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.db import connection
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from heartline.core.models import OutboxEvent
from heartline.worker.models import TaskLease, WorkerHeartbeat
from tests.worker import tasks_for_tests

REPO = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def shared_database_url() -> str:
    """The URL of the test database this process uses, for a worker subprocess."""
    name = connection.settings_dict["NAME"]
    if connection.vendor == "sqlite":
        assert name != ":memory:"
        assert "mode=memory" not in str(name)
        return f"sqlite:///{name}"
    return urlunsplit(urlsplit(settings.DATABASE_URL)._replace(path=f"/{name}"))


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


@pytest.fixture
def start_worker(tmp_path: Path) -> Iterator[Callable[[str], subprocess.Popen[bytes]]]:
    procs: list[subprocess.Popen[bytes]] = []
    env = {
        **os.environ,
        "HEARTLINE_DATABASE_URL": shared_database_url(),
        "HEARTLINE_WORKER_LEASE_SECONDS": "2",
        "HEARTLINE_WORKER_RETRY_BASE_SECONDS": "0.5",
        "PYTHONPATH": os.pathsep.join([str(REPO), str(REPO / "src")]),
    }

    def start(worker_id: str) -> subprocess.Popen[bytes]:
        log = (tmp_path / f"{worker_id}.log").open("wb")
        proc = subprocess.Popen(
            [sys.executable, str(REPO / "manage.py"), "run_worker", "--interval", "0.1",
             "--no-scheduler", "--worker-id", worker_id],
            env=env, cwd=REPO, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        procs.append(proc)
        return proc

    yield start
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)


def effects() -> int:
    return OutboxEvent.objects.filter(type=tasks_for_tests.EFFECT_TYPE).count()


def status_of(task_id: str) -> str:
    return DBTaskResult.objects.get(pk=task_id).status


def test_a_task_of_a_killed_worker_completes_once_on_another_worker(start_worker):
    result = tasks_for_tests.record_then_sleep.enqueue("killed", 120)
    first = start_worker("worker-a")
    wait_for(lambda: effects() == 1, 60, "worker-a to run the task")
    assert status_of(result.id) == TaskResultStatus.RUNNING

    # A second worker, reaping every second, does not take a task whose lease is renewed.
    second = start_worker("worker-b")
    wait_for(lambda: WorkerHeartbeat.objects.filter(worker_id="worker-b").exists(), 60, "b")
    time.sleep(3.5)  # longer than the 2 s lease: only worker-a's heartbeat keeps it
    lease = TaskLease.objects.get(pk=result.id)
    assert (status_of(result.id), lease.worker_id, lease.attempts) == ("RUNNING", "worker-a", 1)

    first.send_signal(signal.SIGKILL)
    assert first.wait(timeout=10) == -signal.SIGKILL
    wait_for(lambda: status_of(result.id) == TaskResultStatus.SUCCESSFUL, 30, "the retry")

    row = DBTaskResult.objects.get(pk=result.id)
    assert effects() == 1
    assert row.return_value is False  # the retry found the effect done and skipped it
    assert row.worker_ids == ["worker-a", "worker-b"]
    lease = TaskLease.objects.get(pk=result.id)
    assert (lease.attempts, lease.worker_id, lease.expires_at) == (2, "worker-b", None)
    assert lease.last_error == "heartline.worker.lease.LeaseExpired"

    # SIGTERM stops the idle worker cleanly; its heartbeat row goes with it.
    second.send_signal(signal.SIGTERM)
    assert second.wait(timeout=15) == 0
    assert list(WorkerHeartbeat.objects.values_list("worker_id", flat=True)) == ["worker-a"]
