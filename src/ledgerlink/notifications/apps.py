from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "ledgerlink.notifications"
    label = "notifications"
