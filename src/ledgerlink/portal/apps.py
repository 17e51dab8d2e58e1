from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "ledgerlink.portal"
    label = "portal"
    verbose_name = "Relationship Portal"
