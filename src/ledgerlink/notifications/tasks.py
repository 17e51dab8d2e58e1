"""Background delivery of queued emails (Django tasks API, django-tasks-db in production)."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from ledgerlink.notifications.backends import ORG_HEADER
from ledgerlink.notifications.models import EmailDelivery

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 5


@task()
def deliver_email(delivery_id: int) -> str:
    with transaction.atomic():
        delivery = (
            EmailDelivery.objects.select_for_update()
            .filter(pk=delivery_id, status=EmailDelivery.Status.QUEUED)
            .first()
        )
        if delivery is None:
            return "skipped"  # already sent by an earlier run of the same task
        headers = {ORG_HEADER: str(delivery.organisation_id)} if delivery.organisation_id else {}
        message = EmailMultiAlternatives(
            subject=delivery.subject,
            body=delivery.text_body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=list(delivery.to),
            reply_to=list(delivery.reply_to) or None,
            headers=headers,
        )
        if delivery.html_body:
            message.attach_alternative(delivery.html_body, "text/html")
        delivery.attempts += 1
        try:
            message.send(fail_silently=False)
        except Exception as error:  # any SMTP/network failure: record it and retry later
            delivery.last_error = f"{type(error).__name__}: {error}"[:2000]
            retry_in = retry_delay(delivery.attempts)
            delivery.next_attempt_at = timezone.now() + retry_in
            if delivery.attempts >= MAX_ATTEMPTS:
                delivery.status = EmailDelivery.Status.FAILED
                # Given up: the bodies can carry bearer links, so they go like sent mail's.
                delivery.text_body = ""
                delivery.html_body = ""
            delivery.save()
            logger.warning(
                "Email %s failed (attempt %s): %s",
                delivery.pk,
                delivery.attempts,
                delivery.last_error,
            )
            if delivery.status == EmailDelivery.Status.QUEUED:
                transaction.on_commit(lambda: _retry(delivery_id, retry_in))
            return "failed"
        delivery.status = EmailDelivery.Status.SENT
        delivery.sent_at = timezone.now()
        delivery.text_body = ""
        delivery.html_body = ""
        delivery.last_error = ""
        delivery.save()
        return "sent"


def retry_delay(attempts: int) -> timedelta:
    """30 s, 2 min, 8 min, 32 min: long enough to ride out an SMTP restart."""
    return timedelta(seconds=30 * 4 ** (attempts - 1))


def _retry(delivery_id: int, delay: timedelta) -> None:
    backend_supports_defer = deliver_email.get_backend().supports_defer
    if backend_supports_defer:
        deliver_email.using(run_after=timezone.now() + delay).enqueue(delivery_id)
