"""Sending branded emails: rendered now, queued in the database, delivered by a task."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from ledgerlink.notifications.models import EmailDelivery
from ledgerlink.tenancy.models import Organisation


def absolute_url(path: str) -> str:
    return f"{settings.LEDGERLINK_BASE_URL}{path}"


def branding_context(organisation: Organisation) -> dict[str, Any]:
    logo_url = ""
    if organisation.logo:
        logo_url = absolute_url(reverse("journey:org-logo", args=[organisation.slug]))
    return {"org": organisation, "logo_url": logo_url, "brand": organisation.primary_colour}


def render_email(template: str, context: dict[str, Any]) -> tuple[str, str, str]:
    """Render `<template>_subject.txt`, `.txt` and `.html`; returns (subject, text, html)."""
    subject = render_to_string(f"{template}_subject.txt", context).strip().replace("\n", " ")
    text = render_to_string(f"{template}.txt", context)
    html = render_to_string(f"{template}.html", {**context, "subject": subject})
    return subject, text, html


def queue_email(
    *,
    organisation: Organisation | None,
    to: list[str],
    subject: str,
    text: str,
    html: str = "",
    reply_to: list[str] | None = None,
) -> EmailDelivery:
    from ledgerlink.notifications.tasks import deliver_email

    delivery = EmailDelivery.objects.create(
        organisation=organisation,
        to=to,
        reply_to=reply_to or [],
        subject=subject[:300],
        text_body=text,
        html_body=html,
    )
    # Only the id goes into the task queue: no addresses, no links.
    transaction.on_commit(lambda: deliver_email.enqueue(delivery.pk))
    return delivery


def send_email(
    *,
    organisation: Organisation | None,
    to: list[str],
    template: str,
    context: dict[str, Any],
    reply_to: list[str] | None = None,
) -> EmailDelivery:
    if organisation is not None:
        context = {**branding_context(organisation), **context}
    subject, text, html = render_email(template, context)
    return queue_email(
        organisation=organisation,
        to=to,
        subject=subject,
        text=text,
        html=html,
        reply_to=reply_to,
    )


# A delivery whose attempt is this far overdue has lost its task (a killed worker, a queue
# backend that cannot defer); the sweeper hands it to the queue again.
LOST_DELIVERY_GRACE = timedelta(minutes=10)


def requeue_lost_deliveries(now: datetime | None = None) -> int:
    """Re-enqueue queued mail whose attempt is overdue; returns how many were re-enqueued.

    Safe to race with a live task: delivery locks the row and skips mail no longer queued.
    """
    from ledgerlink.notifications.tasks import deliver_email

    now = now or timezone.now()
    overdue = list(
        EmailDelivery.objects.filter(
            status=EmailDelivery.Status.QUEUED,
            next_attempt_at__lt=now - LOST_DELIVERY_GRACE,
        ).values_list("pk", flat=True)[:500]
    )
    # Pushing the due time forward stops the next sweep from enqueueing them again.
    EmailDelivery.objects.filter(pk__in=overdue).update(next_attempt_at=now)
    for delivery_id in overdue:
        deliver_email.enqueue(delivery_id)
    return len(overdue)
