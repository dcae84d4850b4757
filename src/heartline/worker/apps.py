from django.apps import AppConfig


class WorkerConfig(AppConfig):
    name = "heartline.worker"
    label = "worker"
    verbose_name = "Background work"
