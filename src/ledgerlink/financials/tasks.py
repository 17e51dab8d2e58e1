"""Background tasks of Financials (ids only in the queue)."""

from __future__ import annotations

from django_tasks import task

from ledgerlink.financials import services
from ledgerlink.relationships.models import Company


@task()
def categorise_accounts(company_id: int) -> int:
    """Suggest categories for a company's new or changed accounts; returns how many."""
    company = Company.objects.filter(pk=company_id).select_related("organisation").first()
    if company is None:  # deleted meanwhile
        return 0
    result = services.categorise_company(company)
    return result.created + result.updated
