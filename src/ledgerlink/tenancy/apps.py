from django.apps import AppConfig


class TenancyConfig(AppConfig):
    name = "ledgerlink.tenancy"
    label = "tenancy"
    verbose_name = "Organisations and users"
