from django.apps import AppConfig


class LeadsConfig(AppConfig):
    name = "heartline.leads"
    label = "leads"
    verbose_name = "Leads"
