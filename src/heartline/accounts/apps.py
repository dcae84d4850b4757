from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "heartline.accounts"
    label = "accounts"
    verbose_name = "Staff accounts"

    def ready(self) -> None:
        from heartline.accounts import events  # noqa: F401  (registers event types)
