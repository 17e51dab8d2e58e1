from django.apps import AppConfig


class FinancialsConfig(AppConfig):
    name = "ledgerlink.financials"
    label = "financials"
    verbose_name = "Financial statements and account categorisation"
