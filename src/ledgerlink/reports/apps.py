from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "ledgerlink.reports"
    label = "reports"
    verbose_name = "Reports"
