"""Events published by the catalogue. Ids only."""

from __future__ import annotations

from heartline.core.events import DomainEvent, event_type


@event_type
class ProductChanged(DomainEvent):
    """A product was created, changed, deactivated or deleted, or its images changed."""

    type = "catalogue.product_changed"
    product_id: int
    fields: list[str]


@event_type
class PriceListChanged(DomainEvent):
    """A price list or one of its prices changed: prices quoted from it may differ now."""

    type = "catalogue.price_list_changed"
    price_list_id: int
    product_ids: list[int]
