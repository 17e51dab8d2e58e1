from django.apps import AppConfig


class JourneyConfig(AppConfig):
    name = "ledgerlink.journey"
    label = "journey"
    verbose_name = "Customer journey"
