from django.apps import AppConfig


class RelationshipsConfig(AppConfig):
    name = "ledgerlink.relationships"
    label = "relationships"
    verbose_name = "Companies and data requests"
