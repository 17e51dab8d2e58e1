from django.apps import AppConfig


class ConnectorsConfig(AppConfig):
    name = "ledgerlink.connectors"
    label = "connectors"
    verbose_name = "Connectors and connections"

    def ready(self) -> None:
        # Importing a connector package registers it (most common platforms first).
        import ledgerlink.connectors.qbo
        import ledgerlink.connectors.sandbox
        import ledgerlink.connectors.xero  # noqa: F401
