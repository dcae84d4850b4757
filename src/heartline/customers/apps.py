from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "heartline.customers"
    label = "customers"
    verbose_name = "Customer memory"
