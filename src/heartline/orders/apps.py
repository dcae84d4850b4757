from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "heartline.orders"
    label = "orders"
    verbose_name = "Quotes and orders"
