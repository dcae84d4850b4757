from django.apps import AppConfig


class TimelineConfig(AppConfig):
    name = "heartline.timeline"
    label = "timeline"
    verbose_name = "Customer Contact Repository"

    def ready(self) -> None:
        from heartline.customers.merge import register_movable

        register_movable("timeline.Interaction", "customer")
