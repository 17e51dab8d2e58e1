from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def portal(request: HttpRequest) -> dict[str, Any]:
    return {
        "current_org": getattr(request, "organisation", None),
        "current_membership": getattr(request, "membership", None),
        "outbox_enabled": settings.LEDGERLINK_OUTBOX_ENABLED,
    }
