"""Quotes from deals and orders from every source, with their lifecycle."""

from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "heartline.orders"
    label = "orders"
    verbose_name = "Quotes and orders"

    def ready(self) -> None:
        from heartline.customers.merge import register_movable
        from heartline.orders.selectors import orders_section
        from heartline.timeline.selectors import SECTIONS

        # Merging customers moves their quotes and orders (and an undo moves them back).
        register_movable("orders.Quote", "customer")
        register_movable("orders.Order", "customer")
        SECTIONS["orders"] = orders_section
