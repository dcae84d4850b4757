"""Events published by the leads app. They carry ids only, never personal data."""

from __future__ import annotations

from heartline.core.events import DomainEvent, event_type


@event_type
class LeadCaptured(DomainEvent):
    """A capture on any channel: a new lead (``created``) or one more on an open lead."""

    type = "lead.captured"
    lead_id: int
    created: bool


@event_type
class LeadChanged(DomainEvent):
    type = "lead.changed"
    lead_id: int
    fields: list[str]


@event_type
class LeadAssigned(DomainEvent):
    type = "lead.assigned"
    lead_id: int
    owner_id: int | None


@event_type
class LeadConverted(DomainEvent):
    type = "lead.converted"
    lead_id: int
    customer_id: int
    deal_id: int

    def live_groups(self) -> list[str]:
        return [f"customer.{self.customer_id}"]
