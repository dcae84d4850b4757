from django.apps import AppConfig


class TimelineConfig(AppConfig):
    name = "heartline.timeline"
    label = "timeline"
    verbose_name = "Customer Contact Repository"
