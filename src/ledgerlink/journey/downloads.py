"""The supplier information template, for the portal and for clients behind a link."""

from __future__ import annotations

from functools import lru_cache

from django.http import HttpResponse

FILENAME = "ledgerlink-supplier-template.xlsx"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@lru_cache(maxsize=1)
def template_bytes() -> bytes:
    from ledgerlink.imports.template import build_template

    return build_template()


def template_response() -> HttpResponse:
    response = HttpResponse(template_bytes(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{FILENAME}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
