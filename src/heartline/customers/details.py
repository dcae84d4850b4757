"""Changing and removing a customer's details: moments, addresses, relations.

The additions live in ``services.py`` (``moment_set``, ``address_add``, ``relation_add``);
these complete them for the agent desk. Same rules: keyword-only, one transaction each, the
permission checked before any write, an audit entry and a ``CustomerChanged`` event inside it.
A row is found only among the customer's own, so an id of someone else's row is "no such row".
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from heartline.core import audit
from heartline.core.events import publish
from heartline.core.models import AuditEntry
from heartline.customers.events import CustomerChanged
from heartline.customers.models import Address, Customer, Moment, Relation
from heartline.customers.services import _require

ADDRESS_FIELDS = ("label", "text", "city", "postcode", "country")


def _changed(actor: Any, customer: Customer, field: str, old: Any, new: Any) -> None:
    audit.record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        obj=customer,
        changes={field: [old, new]},
    )
    publish(CustomerChanged(customer_id=customer.pk, fields=[field]))


def moment_text(moment: Moment) -> str:
    """A moment as the audit trail shows it (``birthday -----05-04``), as ``moment_set`` writes."""
    return f"{moment.kind} {moment.year or '----'}-{moment.month:02d}-{moment.day:02d}"


@transaction.atomic
def moment_remove(*, actor: Any, customer: Customer, moment_id: int) -> None:
    """Forget one personal date. Raises ``Moment.DoesNotExist`` if it is not the customer's."""
    _require(actor, "customers.edit")
    moment = Moment.objects.select_for_update().get(pk=moment_id, customer=customer)
    moment.delete()
    _changed(actor, customer, "moments", moment_text(moment), None)


def _clean_address(address: Address, fields: dict[str, Any]) -> None:
    unknown = set(fields) - set(ADDRESS_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown fields: %s") % ", ".join(sorted(unknown)))
    for name, value in fields.items():
        value = str(value).strip()
        setattr(address, name, value.upper() if name == "country" else value)
    address.full_clean()


@transaction.atomic
def address_update(*, actor: Any, customer: Customer, address_id: int, **fields: Any) -> Address:
    """Change an address; the audit entry holds each changed field as ``[old, new]``."""
    _require(actor, "customers.edit")
    address = Address.objects.select_for_update().get(pk=address_id, customer=customer)
    before = audit.snapshot(address, ADDRESS_FIELDS)
    _clean_address(address, fields)
    changes = audit.diff(before, audit.snapshot(address, ADDRESS_FIELDS))
    if not changes:
        return address
    address.save(update_fields=sorted(changes))
    audit.record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        obj=customer,
        changes={f"addresses.{address.pk}.{name}": change for name, change in changes.items()},
    )
    publish(CustomerChanged(customer_id=customer.pk, fields=["addresses"]))
    return address


@transaction.atomic
def address_remove(*, actor: Any, customer: Customer, address_id: int) -> None:
    _require(actor, "customers.edit")
    address = Address.objects.select_for_update().get(pk=address_id, customer=customer)
    address.delete()
    _changed(actor, customer, "addresses", address.text, None)


@transaction.atomic
def relation_remove(*, actor: Any, customer: Customer, relation_id: int) -> None:
    """Remove a relation seen from either side (this customer's, or one naming this customer).

    Recorded on the customer the relation belongs to, as ``relation_add`` records it."""
    _require(actor, "customers.edit")
    relation = (
        Relation.objects.select_for_update(of=("self",))
        .select_related("customer")
        .get(Q(customer=customer) | Q(other=customer), pk=relation_id)
    )
    owner = relation.customer
    relation.delete()
    _changed(actor, owner, "relations", f"{relation.kind}:{relation.other_id}", None)
    if owner.pk != customer.pk:  # the page that removed it shows it too: nudge it as well
        publish(CustomerChanged(customer_id=customer.pk, fields=["relations"]))
