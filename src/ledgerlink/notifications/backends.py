"""An email backend that stores each message in the database instead of sending it."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.core.mail.backends.base import BaseEmailBackend

from ledgerlink.notifications.models import OutboxMessage

ORG_HEADER = "X-Ledgerlink-Organisation"


class OutboxEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        sent = 0
        for message in email_messages:
            html = ""
            if isinstance(message, EmailMultiAlternatives):
                for alternative in message.alternatives:
                    if alternative[1] == "text/html":
                        html = str(alternative[0])
            org_id = message.extra_headers.get(ORG_HEADER)
            OutboxMessage.objects.create(
                organisation_id=int(org_id) if org_id and org_id.isdigit() else None,
                from_email=message.from_email,
                to=", ".join(message.to),
                subject=str(message.subject),
                text_body=str(message.body),
                html_body=html,
            )
            sent += 1
        return sent
