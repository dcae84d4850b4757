from django.apps import AppConfig


class ActivitiesConfig(AppConfig):
    name = "heartline.activities"
    label = "activities"
    verbose_name = "Activities"
