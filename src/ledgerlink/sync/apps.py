from django.apps import AppConfig


class SyncConfig(AppConfig):
    name = "ledgerlink.sync"
    label = "sync"
    verbose_name = "Sync engine"
