"""Benchmark: order ingest through the API, and a customer's order history page at 10,000 orders.

* **ingest**: ``POST /api/v1/orders`` through the whole stack in process (Django's test client,
  token auth, middleware, validation, pricing, totals, idempotency, order + lines + status
  step + timeline row + audit + event, one transaction each), and ``POST /api/v1/orders/batch``
  (100 orders a request, one transaction), by ``--workers`` processes at once, against a raw
  ``INSERT`` of the same order and lines — one transaction each (the baseline of the single
  requests) and 100 orders a transaction (that of the batches) — by as many processes.
* **history**: ``GET /customers/<id>/orders/`` (sign-in, customer, keyset page, totals, audit of
  the view, template) for a customer with ``--history`` orders, first and deep pages, against
  the same page and totals read with hand-written SQL.

Prints the figures and ratios; see bench/README.md.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "heartline.settings")
os.environ.setdefault("HEARTLINE_DEBUG", "false")  # no query log in memory
os.environ.setdefault("HEARTLINE_LOG_LEVEL", "WARNING")  # no access line per request
os.environ.setdefault("HEARTLINE_ALLOWED_HOSTS", "testserver")

from customer360 import ensure_database, ms, percentile

SKUS = ("BENCH-TEA", "BENCH-CUP", "BENCH-POT")
BATCH = 100
PAGE_SQL = (
    "SELECT id, number, status, source, currency, total, placed_at, customer_id"
    " FROM orders_order WHERE customer_id = %s AND (placed_at, id) < (%s, %s)"
    " ORDER BY placed_at DESC, id DESC LIMIT 51"
)
FIRST_PAGE_SQL = (
    "SELECT id, number, status, source, currency, total, placed_at, customer_id"
    " FROM orders_order WHERE customer_id = %s ORDER BY placed_at DESC, id DESC LIMIT 51"
)
TOTALS_SQL = (
    "SELECT currency, status, COUNT(*), SUM(total) FROM orders_order WHERE customer_id = %s"
    " GROUP BY currency, status"
)


def setup_django() -> None:
    import django

    django.setup()


def catalogue() -> None:
    from decimal import Decimal

    from heartline.catalogue.models import Category, PriceList, PriceListItem, Product

    vat, _ = Category.objects.get_or_create(name_en="Bench goods", tax_rate=Decimal("0.13"))
    plist, _ = PriceList.objects.get_or_create(name="Bench list", currency="CNY")
    for sku, price in zip(SKUS, ("88.00", "35.50", "468.00"), strict=True):
        product, _ = Product.objects.get_or_create(
            sku=sku, defaults={"name_en": sku, "name_zh": "测试", "category": vat}
        )
        PriceListItem.objects.get_or_create(
            price_list=plist, product=product, defaults={"unit_price": Decimal(price)}
        )


def order_body(customer_id: int) -> dict[str, object]:
    return {
        "customer": {"id": customer_id},
        "source": "shop",
        "lines": [{"sku": "BENCH-TEA", "quantity": 2}, {"sku": "BENCH-CUP", "quantity": "3"}],
    }


def raw_order(cur: Any, customer_id: int, tag: str, now: Any) -> None:
    """The baseline: the order and its two lines with hand-written INSERTs."""
    cur.execute(
        "INSERT INTO orders_order (customer_id, source, idempotency_key,"
        " request_hash, status, placed_at, shipping_address, notes, currency,"
        " discount_percent, discount_amount, tax_inclusive, gross, discount,"
        " net, tax, total, tax_breakdown, created_at, updated_at, number)"
        " VALUES (%s, 'api', %s, '', 'placed', %s, '{}', '', 'CNY', 0, 0,"
        " false, 282.50, 0, 282.50, 36.73, 319.23, '{}', %s, %s, %s)"
        " RETURNING id",
        [customer_id, f"raw-{tag}", now, now, now, f"R-{tag}"],
    )
    order_id = cur.fetchone()[0]
    cur.executemany(
        "INSERT INTO orders_orderline (order_id, sku, description, unit,"
        " quantity, unit_price, discount_percent, tax_rate, position, gross,"
        " discount, net, tax, total) VALUES (%s, %s, '', '', %s, %s, 0, 0.13,"
        " %s, 0, 0, 0, 0, 0)",
        [(order_id, "BENCH-TEA", 2, 88, 0), (order_id, "BENCH-CUP", 3, 35.5, 1)],
    )


def ingest_worker(args: tuple[str, list[int], int, str, str]) -> tuple[float, float]:
    """One process: one order per customer id given, as ``mode`` says (single requests,
    batches of ``BATCH``, or raw INSERTs one order or ``BATCH`` orders a transaction);
    returns when its work started and ended (after its Django set-up)."""
    token, customer_ids, worker, stamp, mode = args
    setup_django()
    from django.db import connection, transaction
    from django.test import Client
    from django.utils import timezone

    if mode in ("raw", "rawbatch"):
        per_transaction = BATCH if mode == "rawbatch" else 1
        started = time.time()
        with connection.cursor() as cur:
            for start in range(0, len(customer_ids), per_transaction):
                with transaction.atomic():
                    for n, cid in enumerate(customer_ids[start : start + per_transaction]):
                        raw_order(cur, cid, f"{stamp}-{worker}-{start + n}", timezone.now())
        return started, time.time()
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    started = time.time()
    if mode == "batch":
        for start in range(0, len(customer_ids), BATCH):
            orders = [
                {**order_body(cid), "idempotency_key": f"bench-{stamp}-{worker}-{start + n}"}
                for n, cid in enumerate(customer_ids[start : start + BATCH])
            ]
            response = client.post(
                "/api/v1/orders/batch", {"orders": orders}, content_type="application/json"
            )
            if response.status_code != 200:
                raise SystemExit(f"batch failed: {response.status_code} {response.content[:300]!r}")
        return started, time.time()
    for n, cid in enumerate(customer_ids):
        response = client.post(
            "/api/v1/orders",
            order_body(cid),
            content_type="application/json",
            headers={"Idempotency-Key": f"bench-{stamp}-{worker}-{n}"},
        )
        if response.status_code != 201:
            raise SystemExit(f"ingest failed: {response.status_code} {response.content[:300]!r}")
    return started, time.time()


def measure_ingest(token: str, customer_ids: list[int], workers: int, mode: str) -> float:
    stamp = str(time.time_ns())
    chunks = [customer_ids[w::workers] for w in range(workers)]
    jobs = [(token, chunk, w, stamp, mode) for w, chunk in enumerate(chunks)]
    if workers == 1:
        spans = [ingest_worker(jobs[0])]
    else:
        with multiprocessing.get_context("spawn").Pool(workers) as pool:
            spans = pool.map(ingest_worker, jobs)
    # from the first process's first request to the last one's last answer: the start-up
    # of the processes (Python, Django, ~1.5 s) is not ingest
    return len(customer_ids) / (max(end for _s, end in spans) - min(start for start, _e in spans))


def history_customer(size: int) -> int:
    """A customer with ``size`` orders (written in bulk the first time: setup, not measured)."""
    import datetime
    from decimal import Decimal

    from django.db.models import Count
    from django.utils import timezone

    from heartline.customers.models import Customer
    from heartline.orders.models import Order

    busy = (
        Order.objects.values("customer_id")
        .annotate(n=Count("id"))
        .filter(n__gte=size)
        .order_by("customer_id")
        .values_list("customer_id", flat=True)
        .first()
    )
    if busy:
        return int(busy)
    customer = Customer.objects.create(name_cjk="历史订单多", name_latin="Many Orders")
    start = timezone.now() - datetime.timedelta(days=size)
    statuses = ("delivered", "delivered", "paid", "cancelled", "placed")
    Order.objects.bulk_create(
        Order(
            customer=customer,
            source="shop",
            number=f"H-{customer.pk}-{n:06d}",
            idempotency_key=f"history-{customer.pk}-{n}",
            status=statuses[n % len(statuses)],
            placed_at=start + datetime.timedelta(hours=n * 2),
            currency="CNY",
            gross=Decimal("100.00"),
            net=Decimal("100.00"),
            tax=Decimal("13.00"),
            total=Decimal("113.00"),
        )
        for n in range(size)
    )
    return int(customer.pk)


def measure_history(customer_id: int, samples: int, rng: random.Random) -> None:
    from django.db import connection
    from django.test import Client

    from heartline.accounts.models import User
    from heartline.orders.models import Order

    client = Client()
    client.force_login(User.objects.get(username="sales"))
    keys = list(
        Order.objects.filter(customer_id=customer_id)
        .order_by("-placed_at", "-id")
        .values_list("placed_at", "id")
    )
    url = f"/customers/{customer_id}/orders/"
    client.get(url)  # warm
    page_times, raw_times, cpu_times = [], [], []
    for n in range(samples):
        cursor = None if n % 5 == 0 else keys[rng.randrange(len(keys))]  # first and deep pages
        query = (
            {} if cursor is None else {"before_at": cursor[0].isoformat(), "before_id": cursor[1]}
        )
        t0, c0 = time.perf_counter(), time.process_time()
        response = client.get(url, query)
        t1, c1 = time.perf_counter(), time.process_time()
        cpu_times.append(c1 - c0)
        assert response.status_code == 200
        with connection.cursor() as cur:
            if cursor is None:
                cur.execute(FIRST_PAGE_SQL, [customer_id])
            else:
                cur.execute(PAGE_SQL, [customer_id, cursor[0], cursor[1]])
            cur.fetchall()
            cur.execute(TOTALS_SQL, [customer_id])
            cur.fetchall()
        t2 = time.perf_counter()
        page_times.append(t1 - t0)
        raw_times.append(t2 - t1)
    p50, p99 = percentile(page_times, 50), percentile(page_times, 99)
    r50, r99 = percentile(raw_times, 50), percentile(raw_times, 99)
    print(
        f"order history page, {len(keys)} orders (n={samples}, first and deep pages): "
        f"p50 {ms(p50)} p99 {ms(p99)}; hand-written SQL (page + totals) p50 {ms(r50)} "
        f"p99 {ms(r99)}; ratio p50 {p50 / r50:.1f}x p99 {p99 / r99:.1f}x; page CPU time "
        f"(this process) p50 {ms(percentile(cpu_times, 50))} p99 {ms(percentile(cpu_times, 99))}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=2000, help="orders to ingest")
    parser.add_argument("--workers", type=int, default=2, help="processes sending at once")
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--history", type=int, default=10_000, help="orders of one customer")
    parser.add_argument("--samples", type=int, default=500)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    ensure_database()
    setup_django()
    from django.core.management import call_command
    from django.db import connection

    from heartline.accounts import services as accounts
    from heartline.accounts.models import User
    from heartline.customers.models import Customer
    from heartline.demo.customers import seed_customers
    from heartline.demo.seed import seed_demo

    call_command("migrate", verbosity=0)
    seed_demo(seed=args.seed)
    have = Customer.objects.count()
    if have < args.customers:
        seed_customers(count=args.customers - have, seed=args.seed, interactions_per_customer=2)
    catalogue()
    if connection.vendor == "sqlite":  # SQLite has no autovacuum to refresh its statistics:
        with connection.cursor() as cur:  # those the seeding took (no interaction had a
            cur.execute("ANALYZE")  # source_ref then) make the timeline's probe scan
    rng = random.Random(args.seed)
    ids = list(Customer.objects.filter(merged_into__isnull=True).values_list("id", flat=True))
    targets = [rng.choice(ids) for _ in range(args.orders)]
    sales = User.objects.get(username="sales")
    token = accounts.api_token_create(actor=None, user=sales, name=f"bench {time.time_ns()}")[1]
    connection.close()  # the worker processes open their own
    print(f"database: {connection.vendor}; {len(ids)} customers; {args.workers} worker(s)")

    api_rate = measure_ingest(token, targets, args.workers, "single")
    batch_rate = measure_ingest(token, targets, args.workers, "batch")
    raw_rate = measure_ingest(token, targets, args.workers, "raw")
    raw_batch_rate = measure_ingest(token, targets, args.workers, "rawbatch")
    print(
        f"order ingest (n={args.orders}, {args.workers} processes): POST /api/v1/orders "
        f"(one order, one transaction) {api_rate:.0f}/s; POST /api/v1/orders/batch "
        f"({BATCH} orders a request) {batch_rate:.0f}/s; raw INSERT order + lines (one "
        f"transaction each) {raw_rate:.0f}/s, ({BATCH} a transaction) {raw_batch_rate:.0f}/s; "
        f"ratio raw/single {raw_rate / api_rate:.1f}x, raw {BATCH}/batch "
        f"{raw_batch_rate / batch_rate:.1f}x"
    )
    customer_id = history_customer(args.history)
    if connection.vendor == "postgresql":  # what autovacuum does in production: the visibility
        with connection.cursor() as cur:  # map that lets the totals come from the index alone
            cur.execute("VACUUM ANALYZE orders_order")
    measure_history(customer_id, args.samples, rng)


if __name__ == "__main__":
    main()
