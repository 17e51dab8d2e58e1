"""Company list with 10,000 companies: server time and queries per page.

uv run python bench/company_list.py            # embedded SQLite
DATABASE_URL=postgres://... uv run python bench/company_list.py
"""

from __future__ import annotations

import statistics
import time

from _django import setup

setup()

from datetime import timedelta  # noqa: E402

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from ledgerlink.relationships.models import Company, DataRequest  # noqa: E402
from ledgerlink.tenancy.models import Role  # noqa: E402
from ledgerlink.tenancy.services import create_member, create_organisation  # noqa: E402

COMPANIES = 10_000


def main() -> None:
    slug = f"bench-{int(time.time())}"
    org = create_organisation(name="Bench Bank", slug=slug)
    user = create_member(organisation=org, email=f"a@{slug}.test", role=Role.ANALYST).user
    Company.objects.bulk_create(
        Company(
            organisation=org,
            name=f"Company {i:05d}",
            contact_name="C",
            contact_email=f"c{i}@x.test",
        )
        for i in range(COMPANIES)
    )
    companies = list(Company.objects.filter(organisation=org))
    requests = DataRequest.objects.bulk_create(
        DataRequest(
            organisation=org,
            company=c,
            wants_spend=True,
            delivery="email",
            expires_at=timezone.now() + timedelta(days=30),
        )
        for c in companies
    )
    for company, data_request in zip(companies, requests, strict=True):
        company.latest_request = data_request
    Company.objects.bulk_update(companies, ["latest_request"], batch_size=2000)
    Company.analysts.through.objects.bulk_create(
        Company.analysts.through(company_id=c.pk, user_id=user.pk) for c in companies
    )
    client = Client()
    client.force_login(user)
    pages = {
        "first page": {},
        "page 100": {"page": 100},
        "search": {"q": "Company 0999"},
        "status filter": {"status": "sent"},
    }
    print(f"{COMPANIES} companies on {connection.vendor}")
    for label, params in pages.items():
        timings = []
        for _ in range(10):
            started = time.perf_counter()
            with CaptureQueriesContext(connection) as queries:
                response = client.get("/portal/companies/", params)
            timings.append(time.perf_counter() - started)
            assert response.status_code == 200
        print(
            f"{label:>14}: median {statistics.median(timings) * 1000:.1f} ms, "
            f"{len(queries)} queries"
        )


if __name__ == "__main__":
    main()
