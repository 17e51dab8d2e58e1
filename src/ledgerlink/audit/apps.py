from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "ledgerlink.audit"
    label = "audit"
