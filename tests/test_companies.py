"""Companies in the portal: create, edit, delete, list with search, filters and pagination."""

from datetime import timedelta

import pytest
from django.db import connection
from django.db.models.signals import post_init
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ledgerlink.audit.models import AuditEvent
from ledgerlink.relationships import services
from ledgerlink.relationships.models import Company, DataRequest, RequestStatus
from ledgerlink.tenancy.models import User


def test_create_company_with_analysts(analyst_client, tenant):
    response = analyst_client.post(
        reverse("portal:company-create"),
        {
            "name": "  Fjord Fisheries AS ",
            "description": "Seafood exporter",
            "contact_name": "Ingrid Berg",
            "contact_email": "ingrid@fjord.test",
            "analysts": [tenant.analyst.pk, tenant.admin.pk],
        },
    )
    company = Company.objects.get(name="Fjord Fisheries AS")
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:company-detail", args=[company.pk])
    assert company.organisation == tenant.org
    assert set(company.analysts.all()) == {tenant.analyst, tenant.admin}
    event = AuditEvent.objects.get(action="company.created", company_id=company.pk)
    assert event.actor == tenant.analyst


def test_create_company_without_analysts_is_allowed(analyst_client):
    analyst_client.post(
        reverse("portal:company-create"),
        {"name": "Solo Ltd", "contact_name": "Sol", "contact_email": "sol@solo.test"},
    )
    assert Company.objects.get(name="Solo Ltd").analysts.count() == 0


def test_missing_fields_show_an_error_summary_and_create_nothing(analyst_client):
    before = Company.objects.count()
    response = analyst_client.post(
        reverse("portal:company-create"), {"contact_email": "not-an-email"}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: " in body
    assert "There is a problem" in body
    assert 'href="#id_name"' in body and "Enter the company name" in body
    assert "Enter the name of the person to contact" in body
    assert "Enter an email address in the right format" in body
    assert 'value="not-an-email"' in body  # keeps what the user typed
    assert " required" not in body.split("<form", 1)[1]  # no HTML5 validation
    assert Company.objects.count() == before


def test_analysts_from_another_organisation_cannot_be_assigned(analyst_client, other_tenant):
    response = analyst_client.post(
        reverse("portal:company-create"),
        {
            "name": "Sneaky Ltd",
            "contact_name": "S",
            "contact_email": "s@sneaky.test",
            "analysts": [other_tenant.analyst.pk],
        },
    )
    assert response.status_code == 200
    assert not Company.objects.filter(name="Sneaky Ltd").exists()


def test_edit_company_records_what_changed(analyst_client, tenant):
    url = reverse("portal:company-edit", args=[tenant.company.pk])
    response = analyst_client.post(
        url,
        {
            "name": "Renamed Ltd",
            "contact_name": "Cleo Client",
            "contact_email": tenant.company.contact_email,
            "analysts": [],
        },
    )
    assert response.status_code == 302
    tenant.company.refresh_from_db()
    assert tenant.company.name == "Renamed Ltd"
    assert tenant.company.analysts.count() == 0
    event = AuditEvent.objects.filter(action="company.updated").latest("pk")
    assert event.data["changed"] == ["name", "analysts"]


def test_delete_asks_for_confirmation_then_deletes_entities_and_requests(
    analyst_client, tenant, other_tenant
):
    services.create_data_request(
        organisation=tenant.org,
        company=tenant.company,
        actor=tenant.admin,
        wants_financials=True,
        wants_spend=True,
        delivery="email",
    )
    url = reverse("portal:company-delete", args=[tenant.company.pk])
    confirm = analyst_client.get(url)
    assert "cannot be undone" in confirm.content.decode()
    assert Company.objects.filter(pk=tenant.company.pk).exists()  # GET changes nothing
    response = analyst_client.post(url)
    assert response.status_code == 302
    assert not Company.objects.filter(pk__in=[tenant.company.pk, tenant.entity.pk]).exists()
    assert not DataRequest.objects.filter(organisation=tenant.org).exists()
    assert DataRequest.objects.filter(organisation=other_tenant.org).count() == 1
    # The trail survives the deletion.
    assert AuditEvent.objects.filter(action="company.deleted", company_id=tenant.company.pk)


def test_detail_page_shows_entities_requests_and_activity(viewer_client, tenant):
    services.create_data_request(
        organisation=tenant.org,
        company=tenant.company,
        actor=tenant.admin,
        wants_financials=True,
        wants_spend=False,
        delivery="email",
    )
    body = viewer_client.get(
        reverse("portal:company-detail", args=[tenant.company.pk])
    ).content.decode()
    assert tenant.entity.name in body
    assert "Financials" in body and "Sent" in body
    assert "Requested Financials (emailed to" in body
    assert "Request data" not in body  # viewers cannot request


def make_companies(org, count, **extra):
    Company.objects.bulk_create(
        Company(
            organisation=org,
            name=f"Company {i:05d}",
            contact_name="C",
            contact_email=f"c{i}@x.test",
            **extra,
        )
        for i in range(count)
    )


def test_search_matches_name_contact_and_email(viewer_client, tenant):
    make_companies(tenant.org, 3)
    response = viewer_client.get(reverse("portal:company-list"), {"q": "c2@x"})
    body = response.content.decode()
    assert "Company 00002" in body and "Company 00001" not in body


def test_filter_by_analyst(viewer_client, tenant):
    make_companies(tenant.org, 2)
    response = viewer_client.get(reverse("portal:company-list"), {"analyst": tenant.analyst.pk})
    body = response.content.decode()
    assert tenant.company.name in body and "Company 00001" not in body


def test_filter_by_request_status_including_expired(viewer_client, tenant):
    make_companies(tenant.org, 2)
    issued = services.create_data_request(
        organisation=tenant.org,
        company=tenant.company,
        actor=tenant.admin,
        wants_financials=True,
        wants_spend=False,
        delivery="email",
    )
    url = reverse("portal:company-list")

    def names(status):
        return viewer_client.get(url, {"status": status}).content.decode()

    assert tenant.company.name in names("sent")
    assert tenant.company.name not in names("none") and "Company 00001" in names("none")
    DataRequest.objects.filter(pk=issued.data_request.pk).update(
        expires_at=timezone.now() - timedelta(days=1)
    )
    assert tenant.company.name in names("expired")
    assert tenant.company.name not in names("sent")
    DataRequest.objects.filter(pk=issued.data_request.pk).update(status=RequestStatus.COMPLETED)
    assert tenant.company.name in names("completed")


def test_list_paginates(viewer_client, tenant):
    make_companies(tenant.org, 120)
    page1 = viewer_client.get(reverse("portal:company-list")).content.decode()
    page3 = viewer_client.get(reverse("portal:company-list"), {"page": 3}).content.decode()
    assert "121 companies" in page1 and "Page 1 of 3" in page1
    assert "Company 00000" in page1 and "Company 00119" in page3
    assert "Company 00000" not in page3


def test_htmx_requests_get_only_the_results(viewer_client, tenant):
    response = viewer_client.get(reverse("portal:company-list"), HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "<html" not in body and tenant.company.name in body


def test_list_query_count_does_not_grow_with_companies(viewer_client, tenant):
    """NetBox-style: the list costs the same number of queries for 5 or 10,000 companies."""
    url = reverse("portal:company-list")
    make_companies(tenant.org, 5)
    with CaptureQueriesContext(connection) as small:
        assert viewer_client.get(url).status_code == 200
    make_companies_with_requests(tenant, 10_000)
    with CaptureQueriesContext(connection) as large:
        assert viewer_client.get(url).status_code == 200
    assert len(large) == len(small), [q["sql"] for q in large.captured_queries]
    assert len(large) <= 12


def make_companies_with_requests(tenant, count):
    analysts = list(User.objects.filter(memberships__organisation=tenant.org))
    make_companies(tenant.org, count)
    companies = list(Company.objects.filter(organisation=tenant.org, name__startswith="Company"))
    now = timezone.now()
    requests = DataRequest.objects.bulk_create(
        DataRequest(
            organisation=tenant.org,
            company=c,
            wants_spend=True,
            delivery="email",
            expires_at=now + timedelta(days=30),
        )
        for c in companies[::2]
    )
    for company, data_request in zip(companies[::2], requests, strict=True):
        company.latest_request = data_request
    Company.objects.bulk_update(companies[::2], ["latest_request"], batch_size=2000)
    through = Company.analysts.through
    through.objects.bulk_create(
        through(company_id=c.pk, user_id=analysts[i % len(analysts)].pk)
        for i, c in enumerate(companies)
    )


def _ledger_of(company, bills):
    from datetime import date
    from decimal import Decimal

    from ledgerlink.ledger import services as ledger
    from ledgerlink.ledger.records import (
        Allocation,
        BillPaymentRecord,
        BillRecord,
        DataType,
        SupplierRecord,
    )

    ledger.upsert(company, "sandbox", DataType.SUPPLIERS, [SupplierRecord("S1", "One")])
    ledger.upsert(
        company,
        "sandbox",
        DataType.BILLS,
        [
            BillRecord(f"B{n}", "S1", date(2024, 1, 1), "GBP", Decimal(10), Decimal(0), "paid")
            for n in range(bills)
        ],
    )
    ledger.upsert(
        company,
        "sandbox",
        DataType.BILL_PAYMENTS,
        [
            BillPaymentRecord(
                f"P{n}",
                date(2024, 1, 2),
                "GBP",
                Decimal(10),
                "S1",
                allocations=[Allocation(f"B{n}", Decimal(10))],
            )
            for n in range(bills)
        ],
    )


def _ledger_rows(company_ids):
    from ledgerlink.ledger import models as ledger

    return (
        ledger.Supplier.objects.filter(company_id__in=company_ids).count(),
        ledger.Bill.objects.filter(company_id__in=company_ids).count(),
        ledger.BillPayment.objects.filter(company_id__in=company_ids).count(),
        ledger.PaymentAllocation.objects.filter(payment__company_id__in=company_ids).count(),
    )


def test_deleting_a_company_purges_its_ledger_in_the_background_without_reading_it(
    tenant, other_tenant, django_capture_on_commit_callbacks
):
    from ledgerlink.ledger.models import LedgerPurge

    bills = 5
    _ledger_of(tenant.company, bills)
    _ledger_of(tenant.entity, 2)
    _ledger_of(other_tenant.company, 4)
    ids = [tenant.company.pk, tenant.entity.pk]
    assert _ledger_rows(ids) == (2, bills + 2, bills + 2, bills + 2)
    loaded = []

    def count(sender, instance, **kwargs):
        if sender._meta.app_label == "ledger" and sender is not LedgerPurge:
            loaded.append(instance)

    post_init.connect(count)
    try:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            services.delete_company(company=tenant.company, actor=tenant.admin)
        # The company is gone at once; its records wait for a worker (none is asked before
        # the deletion commits).
        assert not Company.objects.filter(pk__in=ids).exists()
        assert _ledger_rows(ids) == (2, bills + 2, bills + 2, bills + 2)
        assert sorted(LedgerPurge.objects.values_list("company_id", flat=True)) == sorted(ids)
        for callback in callbacks:
            callback()  # the purge task (the immediate backend runs it here)
    finally:
        post_init.disconnect(count)
    # A statement per ledger table: no record is read into memory (Django's cascade reads
    # them all, which for a million bills takes minutes and gigabytes).
    assert loaded == []
    assert _ledger_rows(ids) == (0, 0, 0, 0)
    assert not LedgerPurge.objects.exists()
    assert _ledger_rows([other_tenant.company.pk]) == (1, 4, 4, 4)


def test_a_purge_that_fails_half_way_is_kept_and_the_sweeper_asks_again(
    tenant, other_tenant, monkeypatch
):
    from ledgerlink.ledger import services as ledger
    from ledgerlink.ledger.models import LedgerPurge

    _ledger_of(tenant.company, 3)
    _ledger_of(other_tenant.company, 2)
    company_id = tenant.company.pk
    services.delete_company(company=tenant.company, actor=tenant.admin)  # commit hooks: none
    real = ledger.delete_companies_data
    calls = []

    def dies_after_deleting(ids):
        calls.append(ids)
        real(ids)
        raise RuntimeError("worker killed")

    monkeypatch.setattr(ledger, "delete_companies_data", dies_after_deleting)
    with pytest.raises(RuntimeError):
        ledger.purge_pending()
    # Rolled back together: the records and the purge row are both still there.
    assert calls == [[company_id]]
    assert _ledger_rows([company_id]) == (1, 3, 3, 3)
    assert LedgerPurge.objects.filter(company_id=company_id).exists()
    monkeypatch.setattr(ledger, "delete_companies_data", real)
    # Not yet overdue: the sweeper leaves it to the task already asked for.
    assert ledger.sweep_purges() is False
    LedgerPurge.objects.update(requested_at=timezone.now() - timedelta(minutes=5))
    assert ledger.sweep_purges() is True  # the immediate backend purges right away
    assert _ledger_rows([company_id]) == (0, 0, 0, 0)
    assert not LedgerPurge.objects.exists()
    assert _ledger_rows([other_tenant.company.pk]) == (1, 2, 2, 2)
    assert ledger.sweep_purges() is False
