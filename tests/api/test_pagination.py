"""Cursor pagination: exact pages, newest first, signed cursors, no COUNT(*)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from heartline.core.notifications import notification_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def five(make_staff, client_for):  # type: ignore[no-untyped-def]
    user = make_staff("agent", username="ann")
    ids = [notification_create(recipient=user, text=f"note {n}").pk for n in range(5)]
    return client_for(user), ids


def test_pages_of_two_over_five_rows(five):
    client, ids = five
    newest_first = sorted(ids, reverse=True)

    first = client.get("/api/v1/notifications?limit=2").json()
    assert [item["id"] for item in first["items"]] == newest_first[0:2]
    assert isinstance(first["next_cursor"], str)

    second = client.get(f"/api/v1/notifications?limit=2&cursor={first['next_cursor']}").json()
    assert [item["id"] for item in second["items"]] == newest_first[2:4]
    assert isinstance(second["next_cursor"], str)

    third = client.get(f"/api/v1/notifications?limit=2&cursor={second['next_cursor']}").json()
    assert [item["id"] for item in third["items"]] == newest_first[4:5]
    assert third["next_cursor"] is None


def test_a_page_that_ends_exactly_at_the_last_row_has_no_next_cursor(five):
    client, ids = five
    page = client.get("/api/v1/notifications?limit=5").json()
    assert [item["id"] for item in page["items"]] == sorted(ids, reverse=True)
    assert page["next_cursor"] is None


def test_default_limit_is_50(make_staff, client_for):
    user = make_staff("agent", username="ann")
    for n in range(51):
        notification_create(recipient=user, text=f"note {n}")
    page = client_for(user).get("/api/v1/notifications").json()
    assert len(page["items"]) == 50
    assert page["next_cursor"] is not None


def test_item_shape(five):
    client, ids = five
    item = client.get("/api/v1/notifications?limit=1").json()["items"][0]
    assert set(item) == {"id", "created_at", "text", "link", "read_at"}
    assert (item["id"], item["text"], item["link"], item["read_at"]) == (
        ids[-1],
        "note 4",
        "",
        None,
    )


@pytest.mark.parametrize(
    "cursor",
    ["garbage", "", "MTA:bad", "1", "x" * 200],
)
def test_bad_or_forged_cursors_are_a_400_or_ignored(five, cursor):
    client, _ids = five
    response = client.get(f"/api/v1/notifications?limit=2&cursor={cursor}")
    if cursor == "":
        assert response.status_code == 200  # an empty cursor means the first page
    else:
        assert response.status_code == 400
        assert response.json()["error"] == {
            "code": "bad_request",
            "message": "The cursor is not valid.",
            "details": None,
        }


def test_a_cursor_of_one_list_is_refused_by_another(five, make_staff, client_for):
    client, _ids = five
    cursor = client.get("/api/v1/notifications?limit=2").json()["next_cursor"]
    response = client.get(f"/api/v1/tokens?cursor={cursor}")
    assert response.status_code == 400


def test_no_count_query(five):
    client, _ids = five
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/api/v1/notifications?limit=2").status_code == 200
    assert not [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
