from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

NAV_SECTIONS = {
    "company-list": "companies",
    "company-create": "companies",
    "outbox": "outbox",
    "outbox-detail": "outbox",
    "users": "users",
    "settings": "settings",
    "report-settings": "settings",
    "insights": "insights",
}


def portal(request: HttpRequest) -> dict[str, Any]:
    match = getattr(request, "resolver_match", None)
    url_name = match.url_name if match is not None else ""
    return {
        # Which main navigation item is the current page's section.
        "nav": NAV_SECTIONS.get(url_name or "", ""),
        "current_org": getattr(request, "organisation", None),
        "current_membership": getattr(request, "membership", None),
        "outbox_enabled": settings.LEDGERLINK_OUTBOX_ENABLED,
    }
