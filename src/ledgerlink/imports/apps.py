from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "ledgerlink.imports"
    label = "imports"
    verbose_name = "File imports"
