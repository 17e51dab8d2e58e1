"""Connecting: single-use OAuth state with PKCE, encrypted tokens, refresh lock, re-linking."""

import threading
import time
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from cryptography.fernet import Fernet
from django.db import connection as db_connection
from django.utils import timezone

from ledgerlink.connectors import services
from ledgerlink.connectors.base import AuthorisationError, TokenSet
from ledgerlink.connectors.models import Connection, ConnectionStatus, OAuthState
from ledgerlink.relationships.models import ProvisionStatus

from ..sync.fake import FakeConnector, install


@pytest.fixture
def fake():
    connector = FakeConnector()
    install(connector)
    return connector


def start(tenant, company=None):
    url = services.start_authorisation(
        company=company or tenant.company,
        platform="fake",
        redirect_uri="https://ledgerlink.test/connect/callback/",
    )
    return parse_qs(urlparse(url).query)["state"][0]


def test_state_is_single_use_and_stored_hashed(fake, tenant, other_tenant):
    state = start(tenant)
    stored = OAuthState.objects.get()
    assert state not in stored.state_hash
    assert len(stored.code_verifier) >= 43  # PKCE: 43–128 chars
    authorised = services.finish_authorisation(state=state, code="abc")
    assert authorised.created
    again = services.finish_authorisation(state=state, code="abc")
    assert again.repeated and again.connection.pk == authorised.connection.pk
    assert Connection.objects.count() == 1


def test_unknown_or_expired_state_is_refused(fake, tenant):
    with pytest.raises(services.AuthorisationFailed):
        services.finish_authorisation(state="forged", code="abc")
    state = start(tenant)
    OAuthState.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(services.AuthorisationFailed, match="expired"):
        services.finish_authorisation(state=state, code="abc")
    assert not Connection.objects.exists()


def test_denied_authorisation_is_reported_and_recorded(fake, tenant):
    state = start(tenant)
    with pytest.raises(services.AuthorisationFailed, match="did not allow"):
        services.finish_authorisation(state=state, error="access_denied")
    assert not Connection.objects.exists()
    from ledgerlink.audit.models import AuditEvent

    assert AuditEvent.objects.filter(action="connection.denied").exists()


def test_tokens_are_encrypted_at_rest(fake, tenant):
    connection = services.finish_authorisation(state=start(tenant), code="abc").connection
    with db_connection.cursor() as cursor:
        cursor.execute("SELECT * FROM connectors_connection")
        dump = repr(cursor.fetchall())
    assert "access-1" not in dump and "refresh-1" not in dump
    assert services.token_of(connection).access_token == "access-1"


def test_the_same_platform_tenant_cannot_be_linked_to_two_companies(fake, tenant):
    services.finish_authorisation(state=start(tenant), code="abc")
    with pytest.raises(services.AlreadyLinked):
        services.finish_authorisation(state=start(tenant, tenant.entity), code="abc")
    assert Connection.objects.count() == 1


def test_reauthorising_repairs_the_same_connection(fake, tenant):
    connection = services.finish_authorisation(state=start(tenant), code="abc").connection
    services.mark_needs_reauthorisation(connection, "consent_revoked")
    tenant.company.refresh_from_db()
    assert tenant.company.provision_status == ProvisionStatus.NEEDS_REAUTHORISATION
    again = services.finish_authorisation(state=start(tenant), code="new")
    assert not again.created and again.connection.pk == connection.pk
    assert again.connection.status == ConnectionStatus.CONNECTED


def test_refresh_failure_with_a_revoked_grant_needs_reauthorisation(fake, tenant):
    connection = services.finish_authorisation(state=start(tenant), code="abc").connection
    fake.refresh_error = AuthorisationError("invalid_grant")
    with pytest.raises(AuthorisationError):
        services.fresh_token(connection, force=True)
    connection.refresh_from_db()
    assert connection.status == ConnectionStatus.NEEDS_REAUTHORISATION


def test_key_rotation_re_encrypts_with_the_new_key(fake, tenant, settings):
    connection = services.finish_authorisation(state=start(tenant), code="abc").connection
    old_key = settings.LEDGERLINK_ENCRYPTION_KEYS[0]
    new_key = Fernet.generate_key().decode()
    settings.LEDGERLINK_ENCRYPTION_KEYS = [new_key, old_key]
    assert services.rotate_keys() >= 1
    settings.LEDGERLINK_ENCRYPTION_KEYS = [new_key]  # the old key can now be dropped
    connection.refresh_from_db()
    assert services.token_of(connection).refresh_token == "refresh-1"


@pytest.mark.django_db(transaction=True)
def test_concurrent_workers_refresh_only_once(fake, tenant):
    connection = Connection.objects.create(
        organisation=tenant.org,
        company=tenant.company,
        platform="fake",
        tenant_id="t",
        access_token="old",
        refresh_token="refresh-0",
        token_expires_at=timezone.now(),
    )
    original_refresh = fake.refresh

    def slow_refresh(token: TokenSet) -> TokenSet:
        time.sleep(0.3)  # both workers arrive while the first refresh is in flight
        return original_refresh(token)

    fake.refresh = slow_refresh  # type: ignore[method-assign]
    results: list[str] = []

    def worker() -> None:
        from django.db import connections

        try:
            own = Connection.objects.get(pk=connection.pk)
            results.append(services.fresh_token(own).access_token)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert fake.refreshed == 1
    assert results == ["access-r1"] * 4


def test_a_callback_in_another_browser_is_refused(fake, tenant):
    url = services.start_authorisation(
        company=tenant.company,
        platform="fake",
        redirect_uri="https://l.test/cb",
        browser_nonce="nonce-of-the-clients-browser",
    )
    state = parse_qs(urlparse(url).query)["state"][0]
    with pytest.raises(services.AuthorisationFailed, match="same browser"):
        services.finish_authorisation(state=state, code="abc", browser_nonce="someone-else")
    assert not Connection.objects.exists()


def test_a_callback_for_a_revoked_request_is_refused(fake, tenant):
    from ledgerlink.relationships import services as relationships

    issued = relationships.create_data_request(
        organisation=tenant.org,
        company=tenant.company,
        actor=tenant.admin,
        wants_financials=True,
        wants_spend=False,
        delivery="link",
    )
    url = services.start_authorisation(
        company=tenant.company,
        platform="fake",
        redirect_uri="https://l.test/cb",
        data_request=issued.data_request,
    )
    relationships.revoke_data_request(data_request=issued.data_request, actor=tenant.admin)
    state = parse_qs(urlparse(url).query)["state"][0]
    with pytest.raises(services.AuthorisationFailed, match="no longer open"):
        services.finish_authorisation(state=state, code="abc")


def test_a_platform_error_during_the_callback_is_a_friendly_failure(fake, tenant):
    from ledgerlink.connectors.base import RetryableError

    def broken(**_kwargs):
        raise RetryableError("502 from the platform")

    fake.exchange_code = broken  # type: ignore[method-assign]
    with pytest.raises(services.AuthorisationFailed, match="Try again"):
        services.finish_authorisation(state=start(tenant), code="abc")


@pytest.mark.parametrize("issuer", ["https://evil.example", ""])
def test_a_callback_naming_another_issuer_is_refused_before_any_token_call(
    fake, tenant, issuer, monkeypatch
):
    """RFC 9207 mix-up defence: an `iss` that is not this platform's stops the callback."""
    exchanged: list[str] = []
    monkeypatch.setattr(fake, "exchange_code", lambda **kw: exchanged.append(kw["code"]))
    state = start(tenant)
    with pytest.raises(services.AuthorisationFailed, match="different server"):
        services.finish_authorisation(state=state, code="abc", callback={"iss": issuer})
    assert exchanged == [] and not Connection.objects.exists()
    with pytest.raises(services.AuthorisationFailed):  # the state was used up
        services.finish_authorisation(state=state, code="abc")


def test_a_callback_naming_the_platforms_own_issuer_is_accepted(fake, tenant, monkeypatch):
    monkeypatch.setattr(fake, "issuer", "https://login.fake.example", raising=False)
    state = start(tenant)
    callback = {"iss": "https://login.fake.example"}
    assert services.finish_authorisation(state=state, code="abc", callback=callback).created
