"""Demo customers at any scale: profiles, identities, birthdays, addresses, notes, consent and
a cross-channel timeline — deterministic for a seed, written with bulk inserts.

This is a bulk loader for demo and benchmark data: it writes rows directly (one audit entry
for the whole load), not through the per-customer services. Phone numbers, e-mails and member
numbers are unique by construction (derived from the customer's index).
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from django.db import connection, transaction
from django.utils import timezone

from heartline.accounts.models import User
from heartline.core import audit
from heartline.customers.models import Address, ConsentEvent, Customer, Identity, Moment, Note
from heartline.customers.names import pinyin_of, search_keys
from heartline.demo.people import CN_MOBILE_PREFIXES, person
from heartline.timeline.models import Interaction

TOPICS = (
    ("订单查询", "Where is my order?"),
    ("退货", "Return"),
    ("会员积分", "Loyalty points"),
    ("发票", "Invoice"),
    ("产品咨询", "Product question"),
    ("投诉", "Complaint"),
    ("预约", "Appointment"),
    ("地址变更", "Change of address"),
)
OUTCOMES = ("已解决", "resolved", "待跟进", "waiting for customer")
CHANNELS = ("phone", "phone", "chat", "chat", "email", "web", "store", "sms", "social")
BATCH = 2000


@dataclass
class CustomerSeedReport:
    customers: int = 0
    identities: int = 0
    interactions: int = 0


@lru_cache(maxsize=4096)
def _pinyin(name: str) -> str:
    return pinyin_of(name)


def _customer_rows(
    rng: random.Random, start: int, count: int
) -> Iterator[tuple[Customer, list[Identity]]]:
    for index in range(start, start + count):
        someone = person(rng, index)
        kind = "organisation" if rng.random() < 0.05 else "person"
        cjk = someone.chinese_name
        pinyin = _pinyin(cjk) if cjk else ""
        latin = someone.latin_name if (not cjk or rng.random() < 0.4) else ""
        if kind == "organisation":
            cjk, pinyin, latin = (
                f"{someone.city}{rng.choice(('贸易', '科技', '餐饮'))}有限公司",
                "",
                "",
            )
        customer = Customer(
            kind=kind,
            name_cjk=cjk,
            name_pinyin=pinyin,
            name_latin=latin,
            language="zh-hans" if cjk else "en",
            tags=rng.sample(
                ["vip", "新客户", "wholesale", "老客户", "online"], k=rng.randrange(0, 3)
            ),
            **search_keys(name_cjk=cjk, name_pinyin=pinyin, name_latin=latin),
        )
        prefix = CN_MOBILE_PREFIXES[index % len(CN_MOBILE_PREFIXES)]
        identities = [Identity(kind="phone", value=f"+86{prefix}{index:08d}", label="mobile")]
        if rng.random() < 0.6:
            identities.append(
                Identity(
                    kind="email",
                    value=f"c{index}.{someone.email.split('@')[0]}@{someone.email.split('@')[1]}",
                )
            )
        if rng.random() < 0.3:
            identities.append(Identity(kind="member_no", value=f"HL{index:08d}"))
        yield customer, identities


def _interactions(
    rng: random.Random, customer_id: int, count: int, staff: list[int], now: datetime.datetime
) -> list[Interaction]:
    rows = []
    for _ in range(count):
        topic_cn, topic_en = rng.choice(TOPICS)
        when = now - datetime.timedelta(minutes=rng.randrange(10, 3 * 365 * 24 * 60))
        promised = rng.random() < 0.05
        rows.append(
            Interaction(
                customer_id=customer_id,
                channel=rng.choice(CHANNELS),
                direction=rng.choice(("in", "in", "out")),
                occurred_at=when,
                staff_id=rng.choice(staff) if staff else None,
                topic=topic_cn if rng.random() < 0.7 else topic_en,
                summary=f"{topic_cn} / {topic_en}: {rng.choice(OUTCOMES)}",
                follow_up="回电 / call back" if promised else "",
                follow_up_due=(when + datetime.timedelta(days=2)).date() if promised else None,
            )
        )
    return rows


def seed_customers(
    *, count: int, seed: int, interactions_per_customer: int = 5
) -> CustomerSeedReport:
    """Add ``count`` customers after the existing ones. Same seed and start, same data."""
    rng = random.Random(seed * 1_000_003 + 17)  # noqa: S311 — demo data
    report = CustomerSeedReport()
    staff = list(User.objects.filter(role__in=["agent", "sales"]).values_list("pk", flat=True))
    start = Customer.objects.count()
    now = timezone.now()
    for batch_start in range(start, start + count, BATCH):
        size = min(BATCH, start + count - batch_start)
        with transaction.atomic():
            pairs = list(_customer_rows(rng, batch_start, size))
            created = Customer.objects.bulk_create([c for c, _ in pairs])
            idents, moments, addresses, notes, consents, interactions = [], [], [], [], [], []
            for customer, (_, customer_identities) in zip(created, pairs, strict=True):
                for ident in customer_identities:
                    ident.customer_id = customer.pk
                idents += customer_identities
                if rng.random() < 0.7:
                    month, day = rng.randrange(1, 13), rng.randrange(1, 29)
                    moments.append(
                        Moment(
                            customer_id=customer.pk,
                            kind="birthday",
                            month=month,
                            day=day,
                            year=rng.choice((None, rng.randrange(1950, 2006))),
                        )
                    )
                if rng.random() < 0.5:
                    text, city = person(rng, 0).address, person(rng, 0).city
                    addresses.append(
                        Address(customer_id=customer.pk, label="home", text=text, city=city)
                    )
                if rng.random() < 0.1:
                    notes.append(
                        Note(
                            customer_id=customer.pk,
                            text=rng.choice(
                                ("喜欢红色", "Prefers e-mail", "生日蛋糕要无糖", "Allergic to nuts")
                            ),
                            pinned=True,
                        )
                    )
                consents.append(
                    ConsentEvent(
                        customer_id=customer.pk, purpose="service", granted=True, source="demo"
                    )
                )
                if rng.random() < 0.5:
                    consents.append(
                        ConsentEvent(
                            customer_id=customer.pk,
                            purpose="marketing_sms",
                            granted=rng.random() < 0.7,
                            source="demo",
                        )
                    )
                n = rng.randrange(0, 2 * interactions_per_customer + 1)
                interactions += _interactions(rng, customer.pk, n, staff, now)
            Identity.objects.bulk_create(idents)
            Moment.objects.bulk_create(moments)
            Address.objects.bulk_create(addresses)
            Note.objects.bulk_create(notes)
            ConsentEvent.objects.bulk_create(consents)
            Interaction.objects.bulk_create(interactions, batch_size=5000)
            report.customers += len(created)
            report.identities += len(idents)
            report.interactions += len(interactions)
    with connection.cursor() as cursor:
        # Fresh statistics after a bulk load: without them PostgreSQL plans the 360's
        # follow-up query as a scan of the whole timeline.
        cursor.execute("ANALYZE")
    with transaction.atomic():
        audit.record(
            actor=None,
            action="create",
            object_type="customers.customer",
            object_id="",
            object_label="demo data",
            changes={"demo_customers": [None, report.customers], "seed": [None, seed]},
        )
    return report
