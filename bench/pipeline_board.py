"""Benchmark: the pipeline board with 20,000 open deals — first render and a stage move.

* **board render**: ``GET /deals/board/<id>/`` through the Django test client (middleware,
  session, permission check, selectors, templates) against the same reads in hand-written SQL
  (the pipeline, its stages, the column totals, the first cards of each column).
* **stage move**: ``sales.services.deal_move`` (row lock, rules, rank, history, audit, event,
  timeline entry) and the board's htmx ``POST /deals/<id>/move/``, against a hand-written
  locked read + UPDATE + INSERT of the history row.

The deals are bulk-inserted once (the first run pays for that) into a pipeline of their own.
Goal (issue 4): p99 under 100 ms for the render and for a move. See bench/README.md.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "heartline.settings")

PIPELINE = "Bench board"
STAGES = (("Lead", 10), ("Qualified", 25), ("Demo", 40), ("Proposal", 60), ("Negotiation", 80))


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


LOCK_SQL = {
    False: "SELECT id, stage_id, status, rank FROM sales_deal WHERE id = %s",
    True: "SELECT id, stage_id, status, rank FROM sales_deal WHERE id = %s FOR UPDATE",
}
RAW_BOARD = [
    ("SELECT id, name_en, name_zh, currency, no_skipping FROM sales_pipeline WHERE id = %s", 1),
    (
        "SELECT id, name_en, name_zh, position, kind, probability, required_fields "
        "FROM sales_stage WHERE pipeline_id = %s ORDER BY position, id",
        1,
    ),
]
RAW_TOTALS = (
    "SELECT stage_id, currency, COUNT(id), SUM(amount) FROM sales_deal "
    "WHERE stage_id IN ({}) GROUP BY stage_id, currency"
)
RAW_COLUMN = (
    "SELECT d.id, d.title, d.amount, d.currency, d.expected_close, d.rank, d.stage_id, "
    "d.status, d.customer_id, c.name_cjk, c.name_latin, c.name_pinyin, d.owner_id, "
    "u.username, u.display_name FROM sales_deal d "
    "JOIN customers_customer c ON c.id = d.customer_id "
    "LEFT JOIN accounts_user u ON u.id = d.owner_id "
    "WHERE d.stage_id = %s ORDER BY d.rank, d.id LIMIT 51"
)


def seed_board(deals: int, seed: int) -> int:
    """The bench pipeline with ``deals`` open deals (bulk insert); returns its id."""
    from django.db import transaction

    from heartline.accounts.models import User
    from heartline.customers.models import Customer
    from heartline.demo.customers import seed_customers
    from heartline.sales.models import Deal, Pipeline, Stage
    from heartline.sales.pipelines import StageInput, pipeline_create
    from heartline.sales.ranks import STEP

    pipeline = Pipeline.objects.filter(name_en=PIPELINE).first()
    if pipeline is None:
        stages = [StageInput(name, "", "open", p) for name, p in STAGES]
        stages += [StageInput("Won", "", "won"), StageInput("Lost", "", "lost")]
        pipeline = pipeline_create(actor=None, name_en=PIPELINE, stages=stages)
    have = Deal.objects.filter(pipeline=pipeline, status="open").count()
    if have >= deals:
        return pipeline.pk
    if Customer.objects.count() < 2000:
        seed_customers(count=2000, seed=seed, interactions_per_customer=0)
    customers = list(Customer.objects.values_list("pk", flat=True)[:2000])
    owners = list(User.objects.filter(role__in=["sales", "manager"]).values_list("pk", flat=True))
    open_stages = list(pipeline.stages.filter(kind=Stage.Kind.OPEN).order_by("position"))
    rng = random.Random(seed)
    started = time.perf_counter()
    rows = []
    for n in range(have, deals):
        stage = open_stages[n % len(open_stages)]
        rows.append(
            Deal(
                title=f"Bench deal {n}",
                customer_id=customers[n % len(customers)],
                pipeline=pipeline,
                stage=stage,
                amount=Decimal(rng.randrange(1, 100_000)) * 10,
                currency="CNY",
                owner_id=owners[n % len(owners)] if owners else None,
                rank=(n // len(open_stages)) * STEP,
                source="bench",
            )
        )
    with transaction.atomic():
        Deal.objects.bulk_create(rows, batch_size=2000)
    print(f"seeded {len(rows)} deals in {time.perf_counter() - started:.1f} s")
    return pipeline.pk


def measure_render(pipeline_id: int, samples: int) -> tuple[list[float], list[float]]:
    from django.db import connection
    from django.test import Client

    from heartline.accounts.models import User
    from heartline.sales.models import Stage

    client = Client()
    client.force_login(User.objects.get(username="sales"))
    url = f"/deals/board/{pipeline_id}/"
    for _ in range(5):  # warm up (the session's first request writes it)
        assert client.get(url).status_code == 200
    stage_ids = list(
        Stage.objects.filter(pipeline_id=pipeline_id, kind="open").values_list("pk", flat=True)
    )
    view, raw = [], []
    for _ in range(samples):
        t0 = time.perf_counter()
        response = client.get(url)
        t1 = time.perf_counter()
        assert response.status_code == 200
        with connection.cursor() as cur:
            for sql, _n in RAW_BOARD:
                cur.execute(sql, [pipeline_id])
                cur.fetchall()
            cur.execute(RAW_TOTALS.format(",".join(["%s"] * len(stage_ids))), stage_ids)
            cur.fetchall()
            for stage_id in stage_ids:
                cur.execute(RAW_COLUMN, [stage_id])
                cur.fetchall()
        t2 = time.perf_counter()
        view.append(t1 - t0)
        raw.append(t2 - t1)
    return view, raw


def measure_moves(pipeline_id: int, samples: int, seed: int) -> tuple[list[float], ...]:
    from django.db import connection, transaction
    from django.test import Client
    from django.utils import timezone

    from heartline.accounts.models import User
    from heartline.sales import services
    from heartline.sales.models import Deal, Stage

    seller = User.objects.get(username="sales")
    client = Client()
    client.force_login(seller)
    client.get(f"/deals/board/{pipeline_id}/")
    stages = list(Stage.objects.filter(pipeline_id=pipeline_id, kind="open").order_by("position"))
    rng = random.Random(seed + 1)

    def pick() -> tuple[Deal, Stage]:
        index = rng.randrange(len(stages))
        deal = Deal.objects.filter(stage=stages[index]).order_by("rank", "id")[rng.randrange(50)]
        return deal, stages[(index + rng.choice((1, -1))) % len(stages)]

    service, view, raw = [], [], []
    for n in range(samples):
        deal, target = pick()
        neighbour = (
            Deal.objects.filter(stage=target)
            .order_by("rank", "id")
            .values_list("pk", flat=True)[rng.randrange(40)]
        )
        t0 = time.perf_counter()
        services.deal_move(actor=seller, deal=deal, to_stage=target, via="board", after=neighbour)
        service.append(time.perf_counter() - t0)

        deal, target = pick()
        t0 = time.perf_counter()
        response = client.post(
            f"/deals/{deal.pk}/move/", {"stage": target.pk}, HTTP_HX_REQUEST="true"
        )
        view.append(time.perf_counter() - t0)
        assert response.status_code == 200, response
        assert "HX-Trigger" not in response, response["HX-Trigger"]  # not refused

        deal, target = pick()
        t0 = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute(LOCK_SQL[connection.vendor == "postgresql"], [deal.pk])
            cur.fetchone()
            cur.execute(
                "UPDATE sales_deal SET stage_id = %s, rank = %s, stage_entered_at = %s "
                "WHERE id = %s",
                [target.pk, -n, timezone.now(), deal.pk],
            )
            cur.execute(
                "INSERT INTO sales_stagechange (deal_id, from_stage_id, to_stage_id, at, by_id, "
                "via) VALUES (%s, %s, %s, %s, %s, 'raw')",
                [deal.pk, deal.stage_id, target.pk, timezone.now(), seller.pk],
            )
        raw.append(time.perf_counter() - t0)
    return service, view, raw


def report(label: str, mine: list[float], raw: list[float]) -> None:
    p50, p99 = percentile(mine, 50), percentile(mine, 99)
    r50, r99 = percentile(raw, 50), percentile(raw, 99)
    verdict = "meets" if p99 < 0.1 else "MISSES"
    print(
        f"{label} (n={len(mine)}): p50 {ms(p50)} p99 {ms(p99)}; hand-written SQL p50 {ms(r50)} "
        f"p99 {ms(r99)}; ratio p50 {p50 / r50:.1f}x p99 {p99 / r99:.1f}x; {verdict} p99 < 100 ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--deals", type=int, default=20_000)
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--moves", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    ensure_database()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from heartline.demo.seed import seed_demo
    from heartline.sales.models import Deal

    call_command("migrate", verbosity=0)
    seed_demo(seed=args.seed)
    pipeline_id = seed_board(args.deals, args.seed)
    with connection.cursor() as cur:  # the steady state autovacuum keeps a live database in
        cur.execute("VACUUM ANALYZE sales_deal" if connection.vendor == "postgresql" else "ANALYZE")
    print(
        f"database: {connection.vendor}, "
        f"{Deal.objects.filter(pipeline_id=pipeline_id, status='open').count()} open deals "
        f"on the board, {Deal.objects.count()} deals in all"
    )
    view, raw = measure_render(pipeline_id, args.samples)
    report("board first render (GET, test client)", view, raw)
    service, post, raw_move = measure_moves(pipeline_id, args.moves, args.seed)
    report("stage move: deal_move service", service, raw_move)
    report("stage move: board POST (htmx)", post, raw_move)


if __name__ == "__main__":
    main()
