"""The Tasks page: who may see it, and the exact numbers it shows."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from heartline.worker import schedule, selectors
from heartline.worker.models import WorkerHeartbeat
from tests.worker import tasks_for_tests

pytestmark = pytest.mark.django_db


@pytest.fixture
def activity(settings, run_worker):
    """2 READY in default, 1 RUNNING in events, 1 final failure, 1 live and 1 stale worker."""
    settings.WORKER_MAX_ATTEMPTS = 1
    failed = tasks_for_tests.always_fail.enqueue()
    run_worker()
    tasks_for_tests.always_fail.enqueue()
    tasks_for_tests.always_fail.enqueue()
    running = tasks_for_tests.always_fail.using(queue_name="events").enqueue()
    DBTaskResult.objects.filter(pk=running.id).update(status=TaskResultStatus.RUNNING)
    now = timezone.now()
    WorkerHeartbeat.objects.create(
        worker_id="alive", hostname="host-1", pid=41, started_at=now, last_seen=now
    )
    stale = now - datetime.timedelta(minutes=10)
    WorkerHeartbeat.objects.create(
        worker_id="stale", hostname="host-2", pid=42, started_at=stale, last_seen=stale
    )
    return failed


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("admin", 200),
        ("manager", 200),
        ("analyst", 200),
        ("agent", 403),
        ("sales", 403),
        ("marketing", 403),
    ],
)
def test_who_may_see_the_tasks_page(role, status, staff_by_role, client_for):
    assert client_for(staff_by_role[role]).get("/tasks/").status_code == status


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get("/tasks/")
    assert (response.status_code, response["Location"]) == (302, "/login/?next=/tasks/")


@pytest.mark.django_db(transaction=True)
def test_the_page_shows_exact_counts(activity, staff_by_role, client_for):
    response = client_for(staff_by_role["manager"]).get("/tasks/")
    assert response.status_code == 200
    html = response.content.decode()
    assert response.context["queues"] == {
        "default": {"READY": 2, "RUNNING": 0},
        "events": {"READY": 0, "RUNNING": 1},
        "periodic": {"READY": 0, "RUNNING": 0},
    }
    assert (
        '<tr data-queue="default"><th scope="row">default</th>'
        '<td data-status="READY">2</td><td data-status="RUNNING">0</td></tr>'
    ) in html
    assert '<span class="muted" data-testid="workers-count">1</span>' in html
    assert 'data-worker="alive"' in html
    assert 'data-worker="stale"' not in html
    failure = f'<tr data-task="{activity.id}"><td><code>tests.worker.tasks_for_tests.always_fail'
    assert failure in html
    assert "<td>1</td><td><code>tests.worker.tasks_for_tests.Boom</code></td>" in html
    # two prune jobs, the duplicate scan, and those later apps register (activity reminders…)
    assert html.count('<tr data-job="') == len(schedule.JOBS)
    assert 'data-nav="tasks"' in html


@pytest.mark.django_db(transaction=True)
def test_ops_selectors(activity):
    assert selectors.queue_depth() == {"default": 2, "events": 1, "periodic": 0}
    assert [w.worker_id for w in selectors.workers_alive(within_seconds=60)] == ["alive"]
    assert [w.worker_id for w in selectors.workers_alive(within_seconds=3600)] == [
        "alive",
        "stale",
    ]
    failures = selectors.recent_failures(10)
    assert [(f.task_id, f.attempts, f.error_class) for f in failures] == [
        (activity.id, 1, "tests.worker.tasks_for_tests.Boom")
    ]
