from django.apps import AppConfig


class CatalogueConfig(AppConfig):
    name = "heartline.catalogue"
    label = "catalogue"
    verbose_name = "Catalogue"
