"""Deterministic demo data: an organisation, its users and companies in every state."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from ledgerlink.relationships import services as relationships
from ledgerlink.relationships.models import (
    Company,
    DataRequest,
    Delivery,
    ProvisionStatus,
    RequestStatus,
)
from ledgerlink.tenancy.models import Organisation, Role
from ledgerlink.tenancy.services import create_member, create_organisation

DEMO_ORG_SLUG = "northbank"
DEMO_EMAIL = "demo@ledgerlink.test"
DEMO_PASSWORD = "ledgerlink-demo-2026"  # noqa: S105 - printed by `ledgerlink demo`, loopback only

# (name, contact, email, state) – state picks request status and data status.
COMPANIES = [
    ("Harbour Logistics Ltd", "Amara Okafor", "amara@harbour-logistics.example", "new"),
    ("Greenfield Dental Group", "Tom Brennan", "tom@greenfield-dental.example", "sent"),
    ("Copperleaf Catering", "Priya Nair", "priya@copperleaf.example", "opened"),
    ("Northwind Engineering", "Lena Fischer", "lena@northwind-eng.example", "in_progress"),
    ("Bluewater Hotels Group", "Carlos Mendes", "carlos@bluewater-hotels.example", "completed"),
    ("Atlas Office Supplies", "Jane Whitfield", "jane@atlas-office.example", "expired"),
    ("Meridian Health Clinics", "Omar Haddad", "omar@meridian-health.example", "revoked"),
    ("Kestrel Construction", "Ruth Adeyemi", "ruth@kestrel-build.example", "reauth"),
]


@transaction.atomic
def seed_demo() -> Organisation:
    """Create the demo organisation once; running again changes nothing."""
    existing = Organisation.objects.filter(slug=DEMO_ORG_SLUG).first()
    if existing is not None:
        return existing
    org = create_organisation(name="Northbank Commercial", slug=DEMO_ORG_SLUG)
    admin = create_member(
        organisation=org,
        email=DEMO_EMAIL,
        role=Role.ADMIN,
        password=DEMO_PASSWORD,
        full_name="Demo Admin",
    ).user
    analyst = create_member(
        organisation=org,
        email="sam.analyst@ledgerlink.test",
        role=Role.ANALYST,
        password=DEMO_PASSWORD,
        full_name="Sam Analyst",
    ).user
    create_member(
        organisation=org,
        email="vic.viewer@ledgerlink.test",
        role=Role.VIEWER,
        password=DEMO_PASSWORD,
        full_name="Vic Viewer",
    )
    now = timezone.now()
    for index, (name, contact, email, state) in enumerate(COMPANIES):
        company = relationships.create_company(
            organisation=org,
            actor=admin,
            name=name,
            contact_name=contact,
            contact_email=email,
            description=f"Demo client – {state.replace('_', ' ')}.",
            analysts=[analyst] if index % 2 else [admin, analyst],
        )
        if state == "new":
            continue
        issued = relationships.create_data_request(
            organisation=org,
            company=company,
            actor=admin,
            wants_financials=index % 3 != 1,
            wants_spend=True,
            delivery=Delivery.EMAIL,
        )
        _apply_state(company, issued.data_request, state, now)
    return org


def _apply_state(company: Company, data_request: DataRequest, state: str, now: datetime) -> None:
    status = {
        "sent": RequestStatus.SENT,
        "opened": RequestStatus.OPENED,
        "in_progress": RequestStatus.IN_PROGRESS,
        "completed": RequestStatus.COMPLETED,
        "expired": RequestStatus.SENT,
        "revoked": RequestStatus.REVOKED,
        "reauth": RequestStatus.COMPLETED,
    }[state]
    provision = {
        "sent": ProvisionStatus.AWAITING_CLIENT,
        "opened": ProvisionStatus.AWAITING_CLIENT,
        "in_progress": ProvisionStatus.SYNCING,
        "completed": ProvisionStatus.DATA_AVAILABLE,
        "expired": ProvisionStatus.AWAITING_CLIENT,
        "revoked": ProvisionStatus.AWAITING_CLIENT,
        "reauth": ProvisionStatus.NEEDS_REAUTHORISATION,
    }[state]
    data_request.status = status
    if state != "sent":
        data_request.first_opened_at = now - timedelta(days=2)
        data_request.view_count = 2
    if state == "expired":
        data_request.created_at = now - timedelta(days=45)
        data_request.expires_at = now - timedelta(days=15)
    if state == "revoked":
        data_request.revoked_at = now - timedelta(days=1)
    data_request.save()
    company.provision_status = provision
    if provision in (ProvisionStatus.DATA_AVAILABLE, ProvisionStatus.NEEDS_REAUTHORISATION):
        company.last_synced_at = now - timedelta(hours=6)
    company.save()
    if state in ("in_progress", "completed", "reauth"):
        for entity_name, entity_status in (
            (f"{company.name.split()[0]} UK Ltd", provision),
            (
                f"{company.name.split()[0]} Ireland DAC",
                ProvisionStatus.CONNECTING if state == "in_progress" else provision,
            ),
        ):
            entity = Company.objects.create(
                organisation=company.organisation,
                parent=company,
                name=entity_name,
                provision_status=entity_status,
                last_synced_at=company.last_synced_at,
            )
            if state == "completed":
                _load_entity_books(entity, ireland="Ireland" in entity_name)
                from ledgerlink.financials.services import schedule_categorisation

                schedule_categorisation(entity)  # as after a sync (the worker runs it)
    if state == "completed":
        from ledgerlink.reports.services import schedule_after_data_change

        # The worker builds every report as soon as the demo starts.
        schedule_after_data_change(company)


def _load_entity_books(entity: Company, *, ireland: bool) -> None:
    from ledgerlink.demo.ledger import load_books
    from ledgerlink.sandbox.generator import Sizes

    if ireland:
        load_books(entity, seed=2002, sizes=Sizes(40, 500, 450, 200), currency="EUR")
    else:
        load_books(entity, seed=2001, sizes=Sizes(90, 1500, 1300, 600), currency="GBP")
