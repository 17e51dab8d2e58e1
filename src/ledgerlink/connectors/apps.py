import importlib

from django.apps import AppConfig


class ConnectorsConfig(AppConfig):
    name = "ledgerlink.connectors"
    label = "connectors"
    verbose_name = "Connectors and connections"

    def ready(self) -> None:
        # Importing a connector package registers it; the journey lists them in this order
        # (most common platforms first, each only when configured).
        for package in ("xero", "qbo", "sandbox"):
            importlib.import_module(f"ledgerlink.connectors.{package}")
