from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "ledgerlink.ledger"
    label = "ledger"
    verbose_name = "Unified ledger"
