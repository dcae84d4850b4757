"""Qualification and conversion in one step: a lead becomes (or joins) a customer and gets a
deal, and keeps its history — all in one transaction, so a failure anywhere writes nothing.

1. The customer: the one chosen by the salesperson, else the one the lead is linked to, else
   the one owning one of its identifiers, else a new customer made from the lead (identities,
   names, language) through ``customers.services.customer_create``. An existing customer gets
   the lead's identifiers it lacks (those belonging to someone else are left out).
2. The lead's consent decisions go to the customer's consent ledger.
3. The deal is created by the sales app's ``deal_create`` (stage rules apply; via "lead").
4. The lead's history is copied onto the customer's timeline (idempotent, ``history.py``)
   and the lead is marked converted, with links to the customer and the deal.

Converting a converted lead is refused (:class:`AlreadyConverted`, HTTP 409).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from heartline.core import audit
from heartline.core.errors import Conflict
from heartline.core.events import publish
from heartline.core.models import AuditEntry
from heartline.customers import names
from heartline.customers import services as customer_services
from heartline.customers.models import Customer
from heartline.customers.services import IdentityInput, IdentityTaken
from heartline.leads import history
from heartline.leads.capture import customer_for, require
from heartline.leads.events import LeadConverted
from heartline.leads.models import Lead, LeadEvent
from heartline.sales.models import Deal, Pipeline, Stage
from heartline.sales.services import deal_create


class AlreadyConverted(Conflict):
    def __init__(self, lead: Lead) -> None:
        when = formats.date_format(timezone.localtime(lead.converted_at), "DATETIME_FORMAT")
        super().__init__(
            _(
                "This lead was already converted on %(when)s: customer #%(customer)s, "
                "deal #%(deal)s. It cannot be converted twice."
            )
            % {"when": when, "customer": lead.customer_id, "deal": lead.deal_id},
            code="lead_already_converted",
            details={"customer_id": lead.customer_id, "deal_id": lead.deal_id},
        )


@dataclass(frozen=True)
class Conversion:
    lead: Lead
    customer: Customer
    deal: Deal
    customer_created: bool


def _identity_inputs(lead: Lead) -> list[IdentityInput]:
    items = []
    if lead.phone:
        items.append(IdentityInput("phone", lead.phone))
    if lead.email:
        items.append(IdentityInput("email", lead.email))
    if lead.handle:
        items.append(IdentityInput("handle", lead.handle, lead.handle_provider))
    return items


def _profile(lead: Lead) -> dict[str, Any]:
    profile: dict[str, Any] = {"language": lead.language}
    if lead.name_cjk or lead.name_latin or lead.name_pinyin:
        profile.update(
            kind=Customer.Kind.PERSON,
            name_cjk=lead.name_cjk,
            name_latin=lead.name_latin,
            name_pinyin=lead.name_pinyin,
        )
    elif lead.organisation:
        field = "name_cjk" if names.has_cjk(lead.organisation) else "name_latin"
        profile.update(kind=Customer.Kind.ORGANISATION, **{field: lead.organisation[:100]})
    return profile


def _join(actor: Any, lead: Lead, customer: Customer) -> None:
    """Give an existing customer the lead's identifiers it lacks, and its names if it has none."""
    for item in _identity_inputs(lead):
        try:
            customer_services.identity_add(actor=actor, customer=customer, item=item)
        except IdentityTaken:
            continue  # it belongs to someone else; the lead keeps it in its history
    if not (customer.name_cjk or customer.name_latin or customer.name_pinyin):
        profile = {k: v for k, v in _profile(lead).items() if v and k != "kind"}
        if profile:
            customer_services.customer_update(actor=actor, customer=customer, **profile)


def _customer_of(actor: Any, lead: Lead, chosen: Customer | None) -> tuple[Customer, bool, str]:
    """(customer, created, how it was found)."""
    if chosen is not None:
        if chosen.merged_into_id is not None:
            raise ValidationError({"customer": [_("This customer was merged into another.")]})
        return chosen, False, "chosen"
    if lead.customer_id is not None:
        linked = Customer.objects.get(pk=lead.customer_id)
        while linked.merged_into_id is not None:
            linked = Customer.objects.get(pk=linked.merged_into_id)
        return linked, False, "linked"
    match = customer_for(lead)
    if match is not None:
        return match[0], False, match[1]
    customer = customer_services.customer_create(
        actor=actor, identities_in=_identity_inputs(lead), source="lead", **_profile(lead)
    )
    return customer, True, "created"


def _create_deal(
    *,
    actor: Any,
    lead: Lead,
    customer: Customer,
    pipeline: Pipeline,
    stage: Stage | None,
    title: str,
    amount: Any,
    currency: str | None,
    expected_close: datetime.date | None,
) -> Deal:
    """The deal, through the sales app's one deal-creating service (its stage rules apply)."""
    return deal_create(
        actor=actor,
        customer=customer,
        title=title,
        pipeline=pipeline,
        stage=stage,
        amount=amount,
        currency=currency,
        expected_close=expected_close,
        owner=lead.owner if lead.owner_id else actor,
        source="lead",
        via="lead",
    )


def default_deal_title(lead: Lead) -> str:
    return (_("Deal with %(name)s") % {"name": lead.organisation or lead.display_name})[:200]


@transaction.atomic
def lead_convert(
    *,
    actor: Any,
    lead: Lead,
    pipeline: Pipeline,
    stage: Stage | None = None,
    deal_title: str = "",
    amount: Any = None,
    currency: str | None = None,
    expected_close: datetime.date | None = None,
    customer: Customer | None = None,
) -> Conversion:
    """Convert ``lead`` into a customer and a deal in one step (see the module docstring)."""
    require(actor, "leads.manage")
    require(actor, "deals.edit")
    lead = Lead.objects.select_for_update().get(pk=lead.pk)
    if lead.status == Lead.Status.CONVERTED:
        raise AlreadyConverted(lead)
    if lead.status == Lead.Status.DISQUALIFIED:
        raise ValidationError({"status": [_("Reopen a disqualified lead before converting it.")]})
    if stage is not None and stage.pipeline_id != pipeline.pk:
        raise ValidationError({"stage": [_("This stage belongs to another pipeline.")]})
    the_customer, created, how = _customer_of(actor, lead, customer)
    if not created:
        _join(actor, lead, the_customer)
    now = timezone.now()
    if lead.customer_id != the_customer.pk:
        lead.customer = the_customer
        LeadEvent.objects.create(
            lead=lead,
            kind=LeadEvent.Kind.LINKED,
            at=now,
            actor=actor if getattr(actor, "is_authenticated", False) else None,
            data={"customer_id": the_customer.pk, "by": how},
        )
    history.transfer_consents(actor=actor, lead=lead, customer=the_customer)
    deal = _create_deal(
        actor=actor,
        lead=lead,
        customer=the_customer,
        pipeline=pipeline,
        stage=stage,
        title=deal_title.strip() or default_deal_title(lead),
        amount=amount,
        currency=currency,
        expected_close=expected_close,
    )
    before = lead.status
    lead.status, lead.deal, lead.converted_at = Lead.Status.CONVERTED, deal, now
    lead.qualified_at = lead.qualified_at or now
    lead.save()
    LeadEvent.objects.create(
        lead=lead,
        kind=LeadEvent.Kind.CONVERTED,
        at=now,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        data={
            "deal_id": deal.pk,
            "deal_title": deal.title,
            "customer_id": the_customer.pk,
            "customer_created": created,
        },
    )
    history.copy_to_timeline(actor=actor, lead=lead, customer=the_customer)
    audit.record(
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        obj=lead,
        changes={
            "status": [before, Lead.Status.CONVERTED],
            "customer": [None, the_customer.pk],
            "deal": [None, deal.pk],
        },
    )
    publish(LeadConverted(lead_id=lead.pk, customer_id=the_customer.pk, deal_id=deal.pk))
    return Conversion(lead, the_customer, deal, created)
