"""Password reset that tags its email with the user's organisation (for the demo outbox)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.template import loader

from ledgerlink.notifications.services import queue_email


class ResetForm(PasswordResetForm):
    use_required_attribute = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].error_messages["required"] = "Enter your email address"
        self.fields["email"].error_messages["invalid"] = (
            "Enter an email address in the right format, like name@example.com"
        )

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        # The reset link must point at the public base URL, not whatever Host was sent.
        base = settings.LEDGERLINK_BASE_URL
        context = {**context, "base_url": base}
        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        body = loader.render_to_string(email_template_name, context)
        html = ""
        if html_email_template_name is not None:
            html = loader.render_to_string(html_email_template_name, context)
        queue_email(
            # Never an organisation's: the demo outbox must not show anyone's reset link.
            organisation=None,
            to=[to_email],
            subject=subject,
            text=body,
            html=html,
        )
