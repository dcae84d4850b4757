from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "heartline.customers"
    label = "customers"
    verbose_name = "Customer memory"

    def ready(self) -> None:
        from heartline.customers.tasks import SCAN_INTERVAL_SECONDS
        from heartline.worker.schedule import Job, register

        register(
            Job(
                "scan_duplicates",
                "heartline.customers.tasks.scan_duplicates",
                SCAN_INTERVAL_SECONDS,
            )
        )
