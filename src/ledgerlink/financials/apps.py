from django.apps import AppConfig


class FinancialsConfig(AppConfig):
    name = "ledgerlink.financials"
    label = "financials"
    verbose_name = "Financial statements and account categorisation"

    def ready(self) -> None:
        from ledgerlink.financials.report_type import FINANCIALS
        from ledgerlink.reports.registry import register

        register(FINANCIALS)
