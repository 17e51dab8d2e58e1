"""A deleted report (or its company) takes its file with it."""

from __future__ import annotations

from typing import Any

from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from ledgerlink.reports.models import Report


@receiver(post_delete, sender=Report)
def delete_report_file(sender: type[Report], instance: Report, **_: Any) -> None:
    name = instance.file.name
    if name:
        transaction.on_commit(lambda: default_storage.delete(name))
