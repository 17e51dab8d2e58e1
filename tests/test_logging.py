"""Bearer secrets never reach the logs."""

import logging

from ledgerlink.conf.logging import RedactSecrets, redact


def test_link_invitation_reset_and_oauth_secrets_are_redacted():
    line = (
        "Gone: /r/cYrqSiqVS6RJ85CdFZHHUL0eLZcE2oH8fa20eJWLauA/ and /invitations/abcdefghijk/ "
        "/password-reset/Mw/dinj1s-52cf8abac41/ /connect/callback/?code=SplxlOBe&state=xyz "
        "Authorization: Bearer eyJhbGciOi.J9"
    )
    cleaned = redact(line)
    for secret in (
        "cYrqSiqVS6RJ85",
        "abcdefghijk",
        "dinj1s",
        "SplxlOBe",
        "state=xyz",
        "eyJhbGciOi",
    ):
        assert secret not in cleaned
    assert "/r/[redacted]/" in cleaned


def test_a_task_state_is_not_mistaken_for_an_oauth_state():
    line = "Task id=11b3 path=ledgerlink.reports.tasks.build_reports state=SUCCEEDED"
    assert redact(line) == line
    assert redact("state=abc&code=def") == "state=[redacted]&code=[redacted]"


def test_the_filter_rewrites_formatted_records():
    record = logging.LogRecord(
        "django.request",
        logging.WARNING,
        __file__,
        1,
        "Gone: %s",
        ("/r/cYrqSiqVS6RJ85CdFZHHUL0eLZcE2oH8fa20eJWLauA/",),
        None,
    )
    assert RedactSecrets().filter(record)
    assert record.getMessage() == "Gone: /r/[redacted]/"
