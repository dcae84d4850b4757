"""The order lifecycle: which status may follow which, the timestamp each one sets, and
:func:`order_transition`, the only way to change an order's status.

* placed → paid or cancelled
* paid → shipped, or refunded (paid but not shipped)
* shipped → delivered or returned; delivered → returned; returned → refunded
* refunded and cancelled are final.

The graph has no cycles, so an order enters each status at most once: the (order, status)
pair names the step, which is what makes retries harmless (``OrderStatusChange`` is unique on
it and the timeline row's ``source_ref`` is ``"<order id>:<status>"``).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from heartline.core import audit
from heartline.core.errors import Conflict
from heartline.core.events import publish
from heartline.core.models import AuditEntry
from heartline.orders.events import OrderStatusChanged
from heartline.orders.models import Order, OrderStatusChange
from heartline.timeline.services import interaction_record

MAX_FUTURE = datetime.timedelta(minutes=5)

S = Order.Status

ALLOWED: dict[str, tuple[str, ...]] = {
    S.PLACED: (S.PAID, S.CANCELLED),
    S.PAID: (S.SHIPPED, S.REFUNDED),
    S.SHIPPED: (S.DELIVERED, S.RETURNED),
    S.DELIVERED: (S.RETURNED,),
    S.RETURNED: (S.REFUNDED,),
    S.REFUNDED: (),
    S.CANCELLED: (),
}

TIMESTAMP_FIELD: dict[str, str] = {
    S.PLACED: "placed_at",
    S.PAID: "paid_at",
    S.SHIPPED: "shipped_at",
    S.DELIVERED: "delivered_at",
    S.RETURNED: "returned_at",
    S.REFUNDED: "refunded_at",
    S.CANCELLED: "cancelled_at",
}

# Orders in these statuses do not count towards what a customer spent.
NOT_SPENT = (S.CANCELLED, S.RETURNED, S.REFUNDED)


def allowed_next(status: str) -> tuple[str, ...]:
    return ALLOWED.get(status, ())


def may_move(from_status: str, to_status: str) -> bool:
    return to_status in allowed_next(from_status)


def _require(actor: Any, perm: str) -> None:
    if actor is not None and not actor.has_perm(perm):
        raise PermissionDenied(perm)


class TransitionRefused(Conflict):
    def __init__(self, order: Order, to_status: str) -> None:
        labels = dict(Order.Status.choices)
        allowed = allowed_next(order.status)
        super().__init__(
            _("An order that is %(current)s cannot become %(next)s.")
            % {
                "current": str(labels.get(order.status, order.status)).lower(),
                "next": str(labels.get(to_status, to_status)).lower(),
            },
            code="transition_refused",
            details={"status": order.status, "allowed": list(allowed)},
        )


def _transition_summary(order: Order, to_status: str, note: str) -> str:
    text = _("Order %(number)s is now %(status)s.") % {
        "number": order.number,
        "status": str(dict(Order.Status.choices)[to_status]).lower(),
    }
    return f"{text} {note}".strip()


def order_transition(
    *,
    actor: Any,
    order: Order,
    to_status: str,
    at: datetime.datetime | None = None,
    note: str = "",
    via: str = "web",
) -> tuple[Order, bool]:
    """Move ``order`` to ``to_status`` if the lifecycle allows it. Returns ``(order, changed)``;
    asking for the status the order already has changes nothing (a harmless retry)."""
    _require(actor, "orders.manage")
    if to_status not in Order.Status.values:
        raise ValidationError({"status": [_("Unknown status %(s)s.") % {"s": to_status[:20]}]})
    note = note.strip()[:500]
    at = at or timezone.now()
    if at > timezone.now() + MAX_FUTURE:
        raise ValidationError({"at": [_("A status cannot change in the future.")]})
    staff = actor if getattr(actor, "is_authenticated", False) else None
    with transaction.atomic():
        locked = Order.objects.select_for_update().select_related("customer").get(pk=order.pk)
        if locked.status == to_status:
            return locked, False
        if not may_move(locked.status, to_status):
            raise TransitionRefused(locked, to_status)
        before = locked.status
        stamp = TIMESTAMP_FIELD[to_status]
        locked.status = to_status
        setattr(locked, stamp, at)
        locked.save(update_fields=["status", stamp, "updated_at"])
        OrderStatusChange.objects.create(
            order=locked,
            from_status=before,
            to_status=to_status,
            at=at,
            by=staff,
            via=via,
            note=note,
        )
        interaction_record(
            actor=actor,
            customer=locked.customer,
            channel="system",
            direction="internal",
            occurred_at=at,
            topic=_("Order %(number)s") % {"number": locked.number},
            summary=_transition_summary(locked, to_status, note),
            link_type="order",
            link_id=str(locked.pk),
            source="order",
            source_ref=f"{locked.pk}:{to_status}",
        )
        audit.record(
            actor=actor,
            action=AuditEntry.Action.UPDATE,
            obj=locked,
            changes={"status": [before, to_status], **({"note": [None, note]} if note else {})},
        )
        publish(
            OrderStatusChanged(
                order_id=locked.pk,
                customer_id=locked.customer_id,
                from_status=before,
                to_status=to_status,
            )
        )
    return locked, True
