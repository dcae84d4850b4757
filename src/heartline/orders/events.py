"""Events of quotes and orders: ids and states only, never personal data."""

from __future__ import annotations

from heartline.core.events import DomainEvent, event_type


@event_type
class QuoteCreated(DomainEvent):
    type = "quote.created"
    quote_id: int
    customer_id: int
    deal_id: int | None

    def live_groups(self) -> list[str]:
        return [f"customer.{self.customer_id}"]


@event_type
class QuoteSent(DomainEvent):
    type = "quote.sent"
    quote_id: int
    customer_id: int

    def live_groups(self) -> list[str]:
        return [f"customer.{self.customer_id}"]


@event_type
class QuoteAnswered(DomainEvent):
    type = "quote.answered"
    quote_id: int
    customer_id: int
    status: str  # accepted, rejected, expired
    by: str  # staff, customer, system

    def live_groups(self) -> list[str]:
        return [f"customer.{self.customer_id}"]


@event_type
class OrderPlaced(DomainEvent):
    type = "order.placed"
    order_id: int
    customer_id: int
    source: str

    def live_groups(self) -> list[str]:
        return [f"customer.{self.customer_id}"]


@event_type
class OrderStatusChanged(DomainEvent):
    type = "order.status_changed"
    order_id: int
    customer_id: int
    from_status: str
    to_status: str

    def live_groups(self) -> list[str]:
        return [f"customer.{self.customer_id}"]
