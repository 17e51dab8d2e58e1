"""A logging filter that removes bearer secrets from log lines."""

from __future__ import annotations

import logging
import re

_PATTERNS = [
    (re.compile(r"(/r/)[\w-]{8,}"), r"\1[redacted]"),
    (re.compile(r"(/invitations/)[\w-]{8,}"), r"\1[redacted]"),
    (re.compile(r"(/password-reset/)[\w-]+/[\w-]+"), r"\1[redacted]"),
    (re.compile(r"((?:code|access_token|refresh_token)=)[^&\s\"']+"), r"\1[redacted]"),
    # OAuth `state` only in a query string or form body: task logs say state=RUNNING.
    (re.compile(r"((?:^|[?&])state=)[^&\s\"']+"), r"\1[redacted]"),
    (re.compile(r"(Bearer\s+)[\w.~+/=-]+"), r"\1[redacted]"),
]


def redact(text: str) -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: leave it to the handler
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True
