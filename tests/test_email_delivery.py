"""Email goes through Django's email framework: a real SMTP server, the queue, the outbox."""

import email
import email.policy
import logging
import socket
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message as MessageHandler
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from ledgerlink.notifications.models import EmailDelivery, OutboxMessage
from ledgerlink.notifications.services import (
    LOST_DELIVERY_GRACE,
    queue_email,
    requeue_lost_deliveries,
)
from ledgerlink.notifications.tasks import MAX_ATTEMPTS, deliver_email, retry_delay
from ledgerlink.relationships import services


class Collect(MessageHandler):
    def __init__(self) -> None:
        super().__init__(email.message.EmailMessage)
        self.messages: list[email.message.Message] = []

    def handle_message(self, message: email.message.Message) -> None:
        self.messages.append(message)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def smtp_server():
    # aiosmtpd logs from its own thread, which can outlive pytest's log capture.
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    handler = Collect()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, handler
    controller.stop()


def test_request_email_travels_through_a_real_smtp_server(
    tenant, smtp_server, settings, django_capture_on_commit_callbacks
):
    controller, handler = smtp_server
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.DEFAULT_FROM_EMAIL = "Alpha Bank via ledgerlink <noreply@ledgerlink.test>"
    with django_capture_on_commit_callbacks(execute=True):
        issued = services.create_data_request(
            organisation=tenant.org,
            company=tenant.company,
            actor=tenant.analyst,
            wants_financials=True,
            wants_spend=False,
            delivery="email",
        )
    assert len(handler.messages) == 1
    received = email.message_from_bytes(bytes(handler.messages[0]), policy=email.policy.default)
    assert received["To"] == tenant.company.contact_email
    assert received["Reply-To"] == tenant.analyst.email
    assert "noreply@ledgerlink.test" in received["From"]
    assert "financial statements" in received["Subject"]
    text = received.get_body(preferencelist=("plain",)).get_content()
    html = received.get_body(preferencelist=("html",)).get_content()
    assert issued.url in text and issued.url in html
    assert "Spend analysis" not in text
    assert EmailDelivery.objects.get(organisation=tenant.org).status == "sent"


def test_smtp_outage_keeps_the_email_queued_for_a_retry(tenant, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = free_port()  # nothing listens here
    settings.EMAIL_TIMEOUT = 2
    delivery = queue_email(organisation=tenant.org, to=["x@y.test"], subject="s", text="t")
    result = deliver_email.call(delivery.pk)
    delivery.refresh_from_db()
    assert result == "failed"
    assert delivery.status == "queued" and delivery.attempts == 1
    assert "ConnectionRefusedError" in delivery.last_error
    assert delivery.text_body == "t"  # kept until it is really sent


def test_an_email_fails_for_good_after_the_last_attempt(tenant, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_PORT = free_port()
    settings.EMAIL_HOST = "127.0.0.1"
    delivery = queue_email(organisation=tenant.org, to=["x@y.test"], subject="s", text="t")
    EmailDelivery.objects.filter(pk=delivery.pk).update(attempts=MAX_ATTEMPTS - 1)
    deliver_email.call(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == "failed"
    # Given up for good: bodies (which can carry bearer links) are not kept.
    assert delivery.text_body == "" and delivery.html_body == ""


def test_the_sweeper_requeues_mail_whose_task_was_lost(tenant, other_tenant):
    lost = queue_email(organisation=tenant.org, to=["x@y.test"], subject="lost", text="t")
    fresh = queue_email(organisation=other_tenant.org, to=["z@y.test"], subject="new", text="t")
    sent = queue_email(organisation=tenant.org, to=["x@y.test"], subject="sent", text="t")
    deliver_email.call(sent.pk)
    overdue = timezone.now() - LOST_DELIVERY_GRACE - timedelta(minutes=1)
    EmailDelivery.objects.filter(pk__in=[lost.pk, sent.pk]).update(next_attempt_at=overdue)
    mail.outbox.clear()

    assert requeue_lost_deliveries() == 1  # the immediate test backend delivers it now
    assert [m.subject for m in mail.outbox] == ["lost"]
    assert EmailDelivery.objects.get(pk=lost.pk).status == "sent"
    assert EmailDelivery.objects.get(pk=fresh.pk).status == "queued"  # not yet overdue
    assert requeue_lost_deliveries() == 0


def test_a_failed_attempt_schedules_the_next_one(tenant, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = free_port()
    delivery = queue_email(organisation=tenant.org, to=["x@y.test"], subject="s", text="t")
    before = timezone.now()
    deliver_email.call(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.next_attempt_at >= before + retry_delay(1)


def test_a_sent_email_is_not_sent_twice(tenant):
    delivery = queue_email(organisation=tenant.org, to=["x@y.test"], subject="s", text="t")
    assert deliver_email.call(delivery.pk) == "sent"
    assert deliver_email.call(delivery.pk) == "skipped"
    assert len(mail.outbox) == 1


def test_rolled_back_changes_send_nothing(tenant, django_capture_on_commit_callbacks):
    from django.db import transaction

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                queue_email(organisation=tenant.org, to=["x@y.test"], subject="s", text="t")
                raise RuntimeError("boom")
        except RuntimeError:
            pass
    assert callbacks == [] and mail.outbox == []


def test_outbox_backend_captures_mail_per_organisation(
    admin_client, tenant, other_tenant, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "ledgerlink.notifications.backends.OutboxEmailBackend"
    settings.LEDGERLINK_OUTBOX_ENABLED = True
    with django_capture_on_commit_callbacks(execute=True):
        for t in (tenant, other_tenant):
            services.create_data_request(
                organisation=t.org,
                company=t.company,
                actor=t.admin,
                wants_financials=False,
                wants_spend=True,
                delivery="email",
            )
    mine = OutboxMessage.objects.get(organisation=tenant.org)
    assert "Start here" in mine.text_body and mine.html_body.startswith("<!doctype html>")
    page = admin_client.get(reverse("portal:outbox")).content.decode()
    assert tenant.company.contact_email in page
    assert other_tenant.company.contact_email not in page
    detail = admin_client.get(reverse("portal:outbox-detail", args=[mine.pk]))
    assert 'href="http://testserver/r/' in detail.content.decode()


def test_outbox_page_is_absent_when_real_email_is_configured(admin_client, settings):
    settings.LEDGERLINK_OUTBOX_ENABLED = False
    assert admin_client.get(reverse("portal:outbox")).status_code == 404


def test_password_reset_mail_never_appears_in_an_organisation_outbox(
    tenant, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "ledgerlink.notifications.backends.OutboxEmailBackend"
    from django.test import Client

    with django_capture_on_commit_callbacks(execute=True):
        Client().post("/password-reset/", {"email": tenant.admin.email})
    message = OutboxMessage.objects.get(subject__icontains="reset")
    assert message.organisation is None
