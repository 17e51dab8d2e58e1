from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "ledgerlink.reports"
    label = "reports"
    verbose_name = "Reports"

    def ready(self) -> None:
        from ledgerlink.reports import signals  # noqa: F401
