"""Shared fixtures. Every fixture set has a second organisation so cross-tenant leaks fail."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.test import Client

from ledgerlink.relationships import services as relationships
from ledgerlink.relationships.models import Company, Delivery
from ledgerlink.tenancy.models import Membership, Organisation, Role, User
from ledgerlink.tenancy.services import create_member, create_organisation

PASSWORD = "correct-horse-battery-staple"


@dataclass
class Tenant:
    org: Organisation
    admin: User
    analyst: User
    viewer: User
    company: Company
    entity: Company


def make_tenant(name: str, slug: str) -> Tenant:
    org = create_organisation(name=name, slug=slug)
    admin = create_member(
        organisation=org,
        email=f"admin@{slug}.test",
        role=Role.ADMIN,
        password=PASSWORD,
        full_name=f"{name} Admin",
    ).user
    analyst = create_member(
        organisation=org,
        email=f"analyst@{slug}.test",
        role=Role.ANALYST,
        password=PASSWORD,
        full_name=f"{name} Analyst",
    ).user
    viewer = create_member(
        organisation=org,
        email=f"viewer@{slug}.test",
        role=Role.VIEWER,
        password=PASSWORD,
        full_name=f"{name} Viewer",
    ).user
    company = relationships.create_company(
        organisation=org,
        actor=admin,
        name=f"{name} Client Ltd",
        contact_name="Cleo Client",
        contact_email=f"cleo@client-of-{slug}.test",
        analysts=[analyst],
    )
    entity = relationships.create_company(
        organisation=org,
        actor=admin,
        name=f"{name} Client Entity",
        contact_name="",
        contact_email="",
        parent=company,
    )
    return Tenant(org, admin, analyst, viewer, company, entity)


@pytest.fixture
def tenant(db: None) -> Tenant:
    return make_tenant("Alpha Bank", "alpha")


@pytest.fixture
def other_tenant(db: None) -> Tenant:
    """A second organisation whose objects must never be reachable from the first."""
    tenant = make_tenant("Beta Bank", "beta")
    relationships.create_data_request(
        organisation=tenant.org,
        company=tenant.company,
        actor=tenant.admin,
        wants_financials=True,
        wants_spend=True,
        delivery=Delivery.EMAIL,
    )
    return tenant


def login(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def admin_client(tenant: Tenant, other_tenant: Tenant) -> Client:
    return login(tenant.admin)


@pytest.fixture
def analyst_client(tenant: Tenant, other_tenant: Tenant) -> Client:
    return login(tenant.analyst)


@pytest.fixture
def viewer_client(tenant: Tenant, other_tenant: Tenant) -> Client:
    return login(tenant.viewer)


def membership(user: User, org: Organisation) -> Membership:
    return Membership.objects.get(user=user, organisation=org)
