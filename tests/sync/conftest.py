"""Fixtures of the engine tests: a scripted connector and a connection to it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from ledgerlink.connectors.models import Connection

from .fake import FakeConnector, install, sample_records


@pytest.fixture
def fake():
    connector = FakeConnector(records=sample_records())
    install(connector)
    return connector


@pytest.fixture
def connection(tenant, other_tenant):
    return Connection.objects.create(
        organisation=tenant.org,
        company=tenant.company,
        platform="fake",
        tenant_id="t-1",
        tenant_name="Fake Tenant Ltd",
        access_token="access-0",
        refresh_token="refresh-0",
        token_expires_at=timezone.now() + timedelta(minutes=30),
    )
