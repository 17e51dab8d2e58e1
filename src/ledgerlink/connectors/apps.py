from django.apps import AppConfig


class ConnectorsConfig(AppConfig):
    name = "ledgerlink.connectors"
    label = "connectors"
    verbose_name = "Connectors and connections"
