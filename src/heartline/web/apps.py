from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "heartline.web"
    label = "web"
    verbose_name = "Web shell"
