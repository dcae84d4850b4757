"""core.bulk.insert: one statement for many rows, the rows it returns are the rows stored."""

from __future__ import annotations

import datetime
import uuid
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from heartline.core import bulk
from heartline.core.models import AuditEntry, OutboxEvent

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.mark.django_db
def test_rows_come_back_in_order_with_their_keys_and_defaults(make_staff):
    staff = make_staff("agent", username="wang")
    before = timezone.now()
    rows = bulk.insert(
        AuditEntry,
        [
            {
                "actor_id": staff.pk if i % 2 else None,
                "channel": "api",
                "action": "create",
                "object_type": "test.thing",
                "object_id": str(i),
                "changes": {"名字": [None, f"张{i}"], "n": [i, None], "deep": {"x": [1, 2.5]}},
            }
            for i in range(3)
        ],
    )
    after = timezone.now()

    assert [r.object_id for r in rows] == ["0", "1", "2"]
    assert [r.pk for r in rows] == sorted(r.pk for r in rows)
    assert all(not r._state.adding for r in rows)
    stored = {e.pk: e for e in AuditEntry.objects.filter(pk__in=[r.pk for r in rows])}
    for row in rows:
        again = stored[row.pk]
        assert before <= again.at <= after
        assert (again.at, again.actor_id, again.object_label, again.request_id, again.ip) == (
            row.at,
            row.actor_id,
            "",
            "",
            "",
        )
        assert again.changes == row.changes
    assert stored[rows[1].pk].changes == {
        "名字": [None, "张1"],
        "n": [1, None],
        "deep": {"x": [1, 2.5]},
    }
    assert [stored[r.pk].actor_id for r in rows] == [None, staff.pk, None]


@pytest.mark.django_db
def test_callable_defaults_give_each_row_its_own_value_and_times_keep_their_instant():
    pushed = datetime.datetime(2026, 11, 25, 9, 30, 15, 123456, tzinfo=SHANGHAI)
    rows = bulk.insert(
        OutboxEvent,
        [
            {"type": "test.one", "payload": {"n": 1}, "groups": ["user.1"], "pushed_at": pushed},
            {"type": "test.two", "payload": {}, "pushed_at": None},
        ],
    )
    assert isinstance(rows[0].uuid, uuid.UUID)
    assert rows[0].uuid != rows[1].uuid
    stored = list(OutboxEvent.objects.filter(pk__in=[r.pk for r in rows]).order_by("pk"))
    assert [(e.uuid, e.type, e.payload, e.groups) for e in stored] == [
        (rows[0].uuid, "test.one", {"n": 1}, ["user.1"]),
        (rows[1].uuid, "test.two", {}, []),
    ]
    assert stored[0].pushed_at == pushed  # the same instant, microseconds included
    assert stored[1].pushed_at is None


@pytest.mark.django_db
def test_many_rows_keep_their_order_across_statements():
    # 300 rows of 11 columns: one statement on PostgreSQL, several under SQLite's 999 parameters
    with CaptureQueriesContext(connection) as queries:
        rows = bulk.insert(
            AuditEntry,
            [
                {"channel": "system", "action": "create", "object_type": "t", "object_id": str(i)}
                for i in range(300)
            ],
        )
    statements = 1 if connection.vendor == "postgresql" else 4
    assert len(queries) == statements
    assert [r.object_id for r in rows] == [str(i) for i in range(300)]
    stored = dict(AuditEntry.objects.filter(object_type="t").values_list("pk", "object_id"))
    assert {r.pk: r.object_id for r in rows} == stored


@pytest.mark.django_db
def test_without_returning_nothing_is_read_back_and_an_unknown_column_writes_nothing():
    assert bulk.insert(AuditEntry, []) == []
    written = bulk.insert(
        AuditEntry,
        [{"channel": "system", "action": "view", "object_type": "u"}],
        returning=False,
    )
    assert written == []
    assert list(AuditEntry.objects.filter(object_type="u").values_list("action")) == [("view",)]
    with pytest.raises(ValueError, match=r"AuditEntry has no column\(s\) \['actor'\]"):
        bulk.insert(AuditEntry, [{"actor": None, "channel": "x", "action": "view"}])
    assert AuditEntry.objects.filter(channel="x").count() == 0


@pytest.mark.django_db
def test_rows_may_give_their_primary_key_all_or_none():
    taken = [
        9_000_000_001,
        9_000_000_002,
    ]  # ids taken beforehand (orders take theirs from the sequence)
    values = [{"id": pk, "type": "test.given", "payload": {"n": n}} for n, pk in enumerate(taken)]
    with CaptureQueriesContext(connection) as queries:
        rows = bulk.insert(OutboxEvent, values)
    assert [(r.pk, r.payload) for r in rows] == [(taken[0], {"n": 0}), (taken[1], {"n": 1})]
    assert len(queries.captured_queries) == 1
    assert "RETURNING" not in queries.captured_queries[0]["sql"]
    stored = OutboxEvent.objects.filter(type="test.given").order_by("pk")
    assert [(e.pk, e.payload) for e in stored] == [(taken[0], {"n": 0}), (taken[1], {"n": 1})]
    with pytest.raises(ValueError, match="give the primary key in every row or in none"):
        bulk.insert(
            OutboxEvent, [{"id": 9_000_000_003, "type": "test.mixed"}, {"type": "test.mixed"}]
        )
    assert OutboxEvent.objects.filter(type="test.mixed").count() == 0
