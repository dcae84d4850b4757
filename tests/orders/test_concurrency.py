"""The same order sent twice at the same moment (a client retrying on a timeout) makes one order:
the unique (source, idempotency key) decides, and the loser answers with the winner's order."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from heartline.orders.models import Order, OrderStatusChange
from heartline.orders.services import OrderLineRequest, order_create
from heartline.timeline.models import Interaction

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL"
    ),
]

RACERS = 6


def test_concurrent_requests_with_one_key_make_one_order(shop, customer, sales_rep):
    barrier = threading.Barrier(RACERS)
    results: list[tuple[int, bool]] = []
    failures: list[BaseException] = []

    def race() -> None:
        try:
            barrier.wait(timeout=10)
            order, created = order_create(
                actor=sales_rep,
                customer=customer,
                lines=[OrderLineRequest(sku="TEA-001", quantity=1)],
                idempotency_key="retry-storm-1",
                source="shop",
            )
            results.append((order.pk, created))
        except BaseException as exc:
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=race) for _ in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert failures == []
    assert len(results) == RACERS
    assert len({pk for pk, _ in results}) == 1
    assert sorted(created for _, created in results) == [False] * (RACERS - 1) + [True]
    assert Order.objects.count() == 1
    assert OrderStatusChange.objects.count() == 1
    assert Interaction.objects.filter(source="order").count() == 1
