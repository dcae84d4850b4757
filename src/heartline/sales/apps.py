from django.apps import AppConfig


class SalesConfig(AppConfig):
    name = "heartline.sales"
    label = "sales"
    verbose_name = "Sales"
