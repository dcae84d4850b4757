"""Events published by the customer memory. They carry ids only, never personal data."""

from __future__ import annotations

from heartline.core.events import DomainEvent, event_type


@event_type
class CustomerCreated(DomainEvent):
    type = "customer.created"
    customer_id: int


@event_type
class CustomerChanged(DomainEvent):
    type = "customer.changed"
    customer_id: int
    fields: list[str]

    def live_groups(self) -> list[str]:
        return [f"customer.{self.customer_id}"]


@event_type
class ConsentChanged(DomainEvent):
    type = "customer.consent_changed"
    customer_id: int
    purpose: str
    granted: bool

    def live_groups(self) -> list[str]:
        return [f"customer.{self.customer_id}"]
