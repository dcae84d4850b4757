"""Benchmark: lookup by phone + the customer 360, name search, interaction ingest.

Prints ratios against hand-written SQL measured in the same run. See bench/README.md.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "heartline.settings")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def ensure_database() -> None:
    url = os.environ.get("HEARTLINE_DATABASE_URL", "")
    if url.startswith("postgres"):
        import psycopg

        base, _, name = url.rpartition("/")
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname=%s", [name]).fetchone():
                conn.execute(f'CREATE DATABASE "{name}"')


# The same rows the 360 returns, read with hand-written SQL: its nine reads and one per section
# (deals, leads, activities, orders). Every %s is the customer's id.
RAW_SQL = [
    "SELECT id, kind, name_cjk, name_pinyin, name_latin, language, tags, preferences, created_at "
    "FROM customers_customer WHERE id = %s AND merged_into_id IS NULL",
    "SELECT id, kind, provider, value, label, verified FROM customers_identity "
    "WHERE customer_id = %s ORDER BY kind, id",
    "SELECT id, kind, label, month, day, year FROM customers_moment WHERE customer_id = %s "
    "ORDER BY month, day",
    "SELECT n.id, n.text, n.pinned, n.created_at, u.username FROM customers_note n "
    "LEFT JOIN accounts_user u ON u.id = n.author_id WHERE n.customer_id = %s "
    "ORDER BY n.pinned DESC, n.id DESC LIMIT 20",
    "SELECT id, label, text, city, postcode, country FROM customers_address WHERE customer_id = %s "
    "ORDER BY id",
    "SELECT r.id, r.kind, 'out', o.id, o.name_cjk, o.name_latin, o.name_pinyin "
    "FROM customers_relation r JOIN customers_customer o ON o.id = r.other_id "
    "AND o.merged_into_id IS NULL WHERE r.customer_id = %s UNION ALL "
    "SELECT r.id, r.kind, 'in', o.id, o.name_cjk, o.name_latin, o.name_pinyin "
    "FROM customers_relation r JOIN customers_customer o ON o.id = r.customer_id "
    "AND o.merged_into_id IS NULL WHERE r.other_id = %s ORDER BY 1",
    "SELECT purpose, granted, source, at FROM customers_consentevent WHERE customer_id = %s "
    "ORDER BY id DESC",
    "SELECT i.id, i.channel, i.direction, i.occurred_at, i.topic, i.summary, i.outcome, "
    "i.sentiment, i.follow_up, i.follow_up_due, i.closes_id, i.staff_id, u.username, "
    "u.display_name, i.link_type, i.link_id FROM timeline_interaction i "
    "LEFT JOIN accounts_user u ON u.id = i.staff_id WHERE i.customer_id = %s "
    "ORDER BY i.occurred_at DESC, i.id DESC LIMIT 10",
    "SELECT i.id, i.follow_up, i.follow_up_due, i.channel, i.occurred_at "
    "FROM timeline_interaction i "
    "WHERE i.customer_id = %s AND i.follow_up <> '' AND NOT EXISTS (SELECT 1 FROM "
    "timeline_interaction c WHERE c.closes_id = i.id) ORDER BY i.follow_up_due, i.id LIMIT 10",
    # sections: deals (open, newest first), leads, activities (planned, next first), orders
    "SELECT d.id, d.title, d.amount, d.currency, d.expected_close, d.pipeline_id, d.stage_id, "
    "s.name_en, s.name_zh, s.probability, d.owner_id FROM sales_deal d "
    "JOIN sales_stage s ON s.id = d.stage_id WHERE d.customer_id = %s AND d.status = 'open' "
    "ORDER BY d.id DESC LIMIT 10",
    "SELECT id, status, source, score, created_at, deal_id FROM leads_lead "
    "WHERE customer_id = %s ORDER BY id DESC LIMIT 10",
    "SELECT id, kind, subject, due_at, all_day, owner_id, deal_id FROM activities_activity "
    "WHERE customer_id = %s AND status = 'planned' ORDER BY due_at, id LIMIT 5",
    "SELECT id, number, status, currency, total, placed_at FROM orders_order "
    "WHERE customer_id = %s ORDER BY placed_at DESC, id DESC LIMIT 5",
    "SELECT currency, status, COUNT(*), SUM(total) FROM orders_order WHERE customer_id = %s "
    "GROUP BY currency, status",
]
SECTION_SOURCE = "bench-360"


def give_sections_rows(customer_ids: list[int]) -> int:
    """Gives each customer (once: the deals' source marks who has them) 3 open deals and a
    won one, 2 leads, 3 planned activities and a done one, and 3 orders, in bulk, so the 360's
    sections return rows. Returns how many customers were given rows now."""
    import datetime
    from decimal import Decimal

    from django.db import transaction
    from django.utils import timezone

    from heartline.accounts.models import User
    from heartline.activities.models import Activity
    from heartline.leads.models import Lead
    from heartline.orders.models import Order
    from heartline.sales.models import Deal, Pipeline
    from heartline.sales.pipelines import StageInput, pipeline_create

    have = set(
        Deal.objects.filter(source=SECTION_SOURCE, customer_id__in=customer_ids).values_list(
            "customer_id", flat=True
        )
    )
    todo = [cid for cid in customer_ids if cid not in have]
    if not todo:
        return 0
    pipeline = Pipeline.objects.filter(name_en="Bench 360").first() or pipeline_create(
        actor=None,
        name_en="Bench 360",
        name_zh="基准 360",
        stages=(StageInput("Lead", "线索", "open", 10), StageInput("Won", "赢单", "won")),
    )
    lead_stage, won = pipeline.stages.order_by("position")
    owner = User.objects.get(username="sales")
    now = timezone.now()
    deals, leads, activities, orders = [], [], [], []
    for cid in todo:
        for n in range(4):
            deals.append(
                Deal(
                    title=f"Bench deal {n}",
                    customer_id=cid,
                    pipeline=pipeline,
                    stage=won if n == 3 else lead_stage,
                    status=Deal.Status.WON if n == 3 else Deal.Status.OPEN,
                    amount=Decimal(1000 + n),
                    expected_close=now.date() + datetime.timedelta(days=30 * (n + 1)),
                    owner=owner,
                    source=SECTION_SOURCE,
                )
            )
            activities.append(
                Activity(
                    subject=f"Bench call {n}",
                    due_at=now + datetime.timedelta(days=n + 1),
                    owner=owner,
                    customer_id=cid,
                    status=Activity.Status.DONE if n == 3 else Activity.Status.PLANNED,
                )
            )
        for n in range(2):
            leads.append(
                Lead(
                    source=Lead.Source.WEB_FORM,
                    email=f"bench360-{cid}-{n}@example.com",
                    customer_id=cid,
                    status=Lead.Status.CONVERTED if n else Lead.Status.NEW,
                )
            )
        for n in range(3):
            orders.append(
                Order(
                    number=f"B360-{cid}-{n}",
                    customer_id=cid,
                    source=Order.Source.SHOP,
                    status=Order.Status.CANCELLED if n == 2 else Order.Status.PAID,
                    total=Decimal("88.50") * (n + 1),
                    placed_at=now - datetime.timedelta(days=10 * n),
                )
            )
    with transaction.atomic():
        for model, rows in ((Deal, deals), (Lead, leads), (Activity, activities), (Order, orders)):
            model.objects.bulk_create(rows, batch_size=500)
    return len(todo)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--interactions", type=int, default=10, help="mean per customer")
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--ingest", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--batch", type=int, default=500, help="items per bulk-ingest batch")
    parser.add_argument("--batches", type=int, default=20)
    args = parser.parse_args()

    ensure_database()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from heartline.accounts.models import User
    from heartline.customers.models import Customer, Identity
    from heartline.customers.selectors import customer_id_by_identifier, customer_search
    from heartline.demo.customers import seed_customers
    from heartline.demo.seed import seed_demo
    from heartline.timeline.selectors import customer_360
    from heartline.timeline.services import interaction_record

    call_command("migrate", verbosity=0)
    seed_demo(seed=args.seed)
    have = Customer.objects.count()
    if have < args.customers:
        started = time.perf_counter()
        made = seed_customers(
            count=args.customers - have, seed=args.seed, interactions_per_customer=args.interactions
        )
        print(
            f"seeded {made.customers} customers, {made.interactions} interactions "
            f"in {time.perf_counter() - started:.0f} s"
        )
    agent = User.objects.get(username="agent")
    total_interactions = connection.cursor()
    total_interactions.execute("SELECT count(*) FROM timeline_interaction")
    print(
        f"database: {connection.vendor}, {Customer.objects.count()} customers, "
        f"{total_interactions.fetchone()[0]} interactions"
    )

    rng = random.Random(args.seed)
    max_id = Customer.objects.order_by("-id").values_list("id", flat=True).first() or 0
    ids = Identity.objects.filter(
        kind="phone",
        customer_id__in=[rng.randrange(1, max_id + 1) for _ in range(args.samples * 2)],
    ).values_list("customer_id", "value")
    sample = list(ids)[: args.samples]
    given = give_sections_rows([cid for cid, _phone in sample[::2]])
    if given:
        print(f"gave {given} sampled customers deals, leads, activities and orders")

    orm_times, raw_times, orm_cpu, raw_cpu = [], [], [], []
    shown = dict.fromkeys(("deals", "leads", "activities", "orders"), 0)

    def heartline(phone: str) -> None:
        national = phone[3:]  # typed without +86, as an agent would
        c0, t0 = time.process_time(), time.perf_counter()
        found = customer_id_by_identifier(agent, kind="phone", raw=national)
        with transaction.atomic():
            c360 = customer_360(agent, found)
        orm_cpu.append(time.process_time() - c0)
        orm_times.append(time.perf_counter() - t0)
        for name in shown:
            value = c360["sections"][name]
            shown[name] += len(value["recent"] if name == "orders" else value)

    def hand_written(phone: str) -> None:
        c0, t0 = time.process_time(), time.perf_counter()
        with connection.cursor() as cur:
            cur.execute(
                "SELECT c.id FROM customers_identity i JOIN customers_customer c ON c.id = "
                "i.customer_id WHERE i.kind = 'phone' AND i.provider = '' AND i.value = %s",
                [phone],
            )
            cid = cur.fetchone()[0]
            for sql in RAW_SQL:
                cur.execute(sql, [cid] * sql.count("%s"))
                cur.fetchall()
        raw_cpu.append(time.process_time() - c0)
        raw_times.append(time.perf_counter() - t0)

    # Each customer is read both ways, each way first for half of the customers with section
    # rows and half without (the second read finds warm caches).
    for n, (_customer_id, phone) in enumerate(sample):
        for read in (heartline, hand_written) if n // 2 % 2 else (hand_written, heartline):
            read(phone)
    p50o, p99o = percentile(orm_times, 50), percentile(orm_times, 99)
    p50r, p99r = percentile(raw_times, 50), percentile(raw_times, 99)
    print(
        f"lookup + 360 (n={len(sample)}): heartline p50 {ms(p50o)} p99 {ms(p99o)}; "
        f"hand-written SQL p50 {ms(p50r)} p99 {ms(p99r)}; ratio p50 {p50o / p50r:.1f}x "
        f"p99 {p99o / p99r:.1f}x"
    )
    print(
        f"  CPU of this process p50: heartline {ms(percentile(orm_cpu, 50))}, "
        f"hand-written SQL {ms(percentile(raw_cpu, 50))}"
    )
    print(
        "  sections' rows shown (every other sampled customer has some): "
        + ", ".join(f"{name} {count}" for name, count in shown.items())
    )

    names = list(Customer.objects.exclude(name_cjk="").values_list("name_cjk", "name_pinyin")[:200])
    queries = []
    for cjk, pinyin in names:
        queries += [cjk, pinyin.lower(), pinyin.replace(" ", "").lower()[:6]]
    search_times = []
    for q in queries[: args.samples]:
        t0 = time.perf_counter()
        customer_search(agent, q)
        search_times.append(time.perf_counter() - t0)
    print(
        f"name search (n={len(search_times)}): p50 {ms(percentile(search_times, 50))} "
        f"p99 {ms(percentile(search_times, 99))}"
    )

    targets = list(Customer.objects.values_list("id", flat=True)[: args.ingest])
    customers = {c.pk: c for c in Customer.objects.filter(pk__in=targets)}
    t0 = time.perf_counter()
    for n, cid in enumerate(targets):
        with transaction.atomic():
            interaction_record(
                actor=agent,
                customer=customers[cid],
                channel="chat",
                direction="in",
                summary="bench",
                source="bench",
                source_ref=f"{time.time_ns()}-{n}",
            )
    service_rate = len(targets) / (time.perf_counter() - t0)
    now = timezone.now()
    t0 = time.perf_counter()
    with connection.cursor() as cur:
        for cid in targets:
            with transaction.atomic():
                cur.execute(
                    "INSERT INTO timeline_interaction (customer_id, channel, direction, "
                    "occurred_at, "
                    "recorded_at, topic, summary, outcome, follow_up, link_type, link_id, source, "
                    "source_ref) VALUES "
                    "(%s, 'chat', 'in', %s, %s, '', 'raw', '', '', '', '', '', NULL)",
                    [cid, now, now],
                )
    raw_rate = len(targets) / (time.perf_counter() - t0)
    print(
        f"ingest (n={len(targets)}, one transaction each): "
        f"interaction_record {service_rate:.0f}/s; "
        f"raw INSERT {raw_rate:.0f}/s; ratio {raw_rate / service_rate:.1f}x"
    )
    batch_rate, raw_batch_rate = measure_batch_ingest(targets, agent, args.batch, args.batches)
    print(
        f"bulk ingest ({args.batches} batches of {args.batch}): interactions_record "
        f"{batch_rate:.0f}/s; raw executemany INSERT {raw_batch_rate:.0f}/s; "
        f"ratio {raw_batch_rate / batch_rate:.1f}x"
    )
    print(f"statistics: lookup+360 mean {ms(statistics.mean(orm_times))}")


def measure_batch_ingest(
    targets: list[int], agent: object, size: int, batches: int
) -> tuple[float, float]:
    from django.db import connection, transaction
    from django.utils import timezone

    from heartline.timeline.batch import InteractionInput, interactions_record

    stamp = time.time_ns()
    started = time.perf_counter()
    for b in range(batches):
        items = [
            InteractionInput(
                targets[(b * size + n) % len(targets)],
                "email",
                "in",
                summary="bulk",
                source="bench-bulk",
                source_ref=f"{stamp}-{b}-{n}",
            )
            for n in range(size)
        ]
        interactions_record(actor=agent, items=items)
    service = batches * size / (time.perf_counter() - started)
    now = timezone.now()
    started = time.perf_counter()
    for b in range(batches):
        rows = [
            (targets[(b * size + n) % len(targets)], now, now, f"raw-{stamp}-{b}-{n}")
            for n in range(size)
        ]
        with transaction.atomic(), connection.cursor() as cur:
            cur.executemany(
                "INSERT INTO timeline_interaction (customer_id, channel, direction, "
                "occurred_at, recorded_at, topic, summary, outcome, follow_up, link_type, "
                "link_id, source, source_ref) VALUES "
                "(%s, 'email', 'in', %s, %s, '', 'raw', '', '', '', '', 'raw', %s)",
                rows,
            )
    raw = batches * size / (time.perf_counter() - started)
    return service, raw


if __name__ == "__main__":
    main()
