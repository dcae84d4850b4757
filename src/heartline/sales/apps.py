from django.apps import AppConfig


class SalesConfig(AppConfig):
    name = "heartline.sales"
    label = "sales"
    verbose_name = "Sales"

    def ready(self) -> None:
        from heartline.customers.merge import register_movable
        from heartline.sales import events  # noqa: F401 — registers the event types
        from heartline.sales.selectors import open_deals_of_customer
        from heartline.timeline.selectors import SECTIONS

        register_movable("sales.Deal", "customer")
        SECTIONS["deals"] = open_deals_of_customer
