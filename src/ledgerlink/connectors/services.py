"""Connecting a company to a platform: OAuth start/finish, token refresh, disconnect."""

from __future__ import annotations

import hmac
import logging
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from ledgerlink.audit.services import record
from ledgerlink.connectors import crypto, registry
from ledgerlink.connectors.base import (
    AuthorisationError,
    Connector,
    ConnectorError,
    RetryableError,
    Tenant,
    TokenSet,
)
from ledgerlink.connectors.models import Connection, ConnectionStatus, OAuthState
from ledgerlink.relationships.models import Company, DataRequest
from ledgerlink.tenancy.tokens import hash_token

logger = logging.getLogger(__name__)
STATE_LIFETIME = timedelta(minutes=10)
# Refresh this long before the access token expires, so a page fetch never starts stale.
REFRESH_MARGIN = timedelta(seconds=60)
# A refresh claim lapses after this (a worker killed mid-refresh must not block others).
REFRESH_LEASE = timedelta(seconds=120)  # longer than a token call can take (connect+read)
REFRESH_WAIT = timedelta(seconds=150)


class AuthorisationFailed(Exception):
    """The client's authorisation did not complete; the message is safe to show them."""


class AlreadyLinked(AuthorisationFailed):
    """This platform organisation is already connected to another company of the org."""


def start_authorisation(
    *,
    company: Company,
    platform: str,
    redirect_uri: str,
    data_request: DataRequest | None = None,
    connection: Connection | None = None,
    browser_nonce: str = "",
) -> str:
    """Return the platform's authorisation URL; PKCE verifier and state stay server-side."""
    connector = registry.get(platform)
    state = secrets.token_urlsafe(32)
    verifier = secrets.token_urlsafe(64)
    pending = OAuthState(
        state_hash=hash_token(state),
        organisation_id=company.organisation_id,
        company=company,
        data_request=data_request,
        platform=platform,
        redirect_uri=redirect_uri,
        connection=connection,
        browser_hash=hash_token(browser_nonce) if browser_nonce else "",
        expires_at=timezone.now() + STATE_LIFETIME,
    )
    pending.code_verifier = verifier  # encrypted, bound to this state
    pending.save()
    return connector.authorisation_url(
        redirect_uri=redirect_uri, state=state, code_verifier=verifier
    )


def _claim_state(state: str) -> OAuthState:
    """Single use: the first callback with this state wins; replays are refused."""
    now = timezone.now()
    pending = (
        OAuthState.objects.select_related("company", "data_request")
        .filter(state_hash=hash_token(state or ""))
        .first()
    )
    if pending is None:
        raise AuthorisationFailed("This authorisation was not started here. Start again.")
    claimed = OAuthState.objects.filter(
        pk=pending.pk, used_at__isnull=True, expires_at__gt=now
    ).update(used_at=now)
    if not claimed:
        raise AuthorisationFailed("This authorisation has expired or was already used.")
    return pending


@dataclass(frozen=True)
class Authorised:
    connection: Connection
    created: bool
    repeated: bool = False  # the same callback seen again: nothing new happened


def finish_authorisation(
    *,
    state: str,
    code: str = "",
    error: str = "",
    browser_nonce: str | None = None,
    callback: Mapping[str, str] | None = None,
) -> Authorised:
    """Complete an authorisation. `browser_nonce` is the starting browser's cookie; when the
    flow was started with one, a callback in another browser is refused."""
    done = (
        OAuthState.objects.select_related("connection")
        .filter(state_hash=hash_token(state or ""), used_at__isnull=False, connection__isnull=False)
        .first()
    )
    if done is not None and done.connection is not None:
        # A repeated callback (refresh, back button) shows the same success, no second link.
        return Authorised(done.connection, created=False, repeated=True)
    pending = _claim_state(state)
    if pending.browser_hash and not hmac.compare_digest(
        pending.browser_hash, hash_token(browser_nonce or "")
    ):
        raise AuthorisationFailed(
            "Finish connecting in the same browser you started in: open your link again there."
        )
    if pending.data_request is not None and not _request_open(pending.data_request):
        raise AuthorisationFailed("This request is no longer open. Ask for a new link.")
    connector = registry.get(pending.platform)
    _check_issuer(connector, (callback or {}).get("iss"))
    if error or not code:
        reason = (
            "You did not allow access."
            if error == "access_denied"
            else ("The accounting software did not complete the authorisation.")
        )
        record(
            organisation=pending.company.organisation,
            actor=None,
            actor_kind="client",
            action="connection.denied",
            summary=f"Authorisation at {connector.name} failed: {error or 'no code'}",
            company_id=pending.company_id,
        )
        raise AuthorisationFailed(reason)
    try:
        token = connector.exchange_code(
            code=code,
            redirect_uri=pending.redirect_uri,
            code_verifier=pending.code_verifier,
        )
        # A platform that names the tenant on the redirect (QuickBooks' realmId) reads it
        # from the callback's parameters; the others list what the token reaches.
        from_callback = getattr(connector, "tenants_from_callback", None)
        tenants = (
            from_callback(token, dict(callback or {}))
            if from_callback is not None
            else connector.tenants(token)
        )
    except AuthorisationError as failure:
        raise AuthorisationFailed(
            "The accounting software refused the authorisation. Try again."
        ) from failure
    except ConnectorError as failure:
        logger.warning("Finishing authorisation at %s failed: %s", connector.key, failure)
        raise AuthorisationFailed(
            f"{connector.name} did not answer properly. Try again in a few minutes."
        ) from failure
    if not tenants:
        raise AuthorisationFailed("Your login does not give access to any organisation.")
    tenant = _pick_tenant(pending, connector.key, tenants)
    try:
        return _store_connection(pending, connector, token, tenant.id, tenant.name)
    except AuthorisationFailed:
        _revoke_quietly(connector, token)  # refused: do not leave a live grant behind
        raise


def _check_issuer(connector: Connector, issuer: str | None) -> None:
    """Mix-up defence (RFC 9207): a callback naming its authorisation server must name the
    one this flow was started with. The token endpoint always comes from the stored state."""
    if issuer is None:
        return
    expected = getattr(connector, "issuer", "")
    if not expected or not hmac.compare_digest(issuer.encode(), str(expected).encode()):
        logger.warning("Callback for %s named another issuer; refused", connector.key)
        raise AuthorisationFailed(
            "The authorisation came back from a different server than it was started with. "
            "Start connecting again."
        )


def _pick_tenant(pending: OAuthState, platform: str, tenants: list[Tenant]) -> Tenant:
    """Which of the organisations a token reaches this entity gets at first.

    A reconnect keeps its organisation. Otherwise the first one not already linked to another
    company of the bank: one login often reaches a whole group (Xero), and a sibling entity
    may hold the first organisation already. The journey then asks "is this <org>?" and lets
    the client choose another (`choose_tenant`).
    """
    if pending.connection is not None:
        same = [t for t in tenants if t.id == pending.connection.tenant_id]
        if same:
            return same[0]
    held_elsewhere = set(
        Connection.objects.filter(
            organisation_id=pending.organisation_id,
            platform=platform,
            tenant_id__in=[t.id for t in tenants],
        )
        .exclude(status=ConnectionStatus.DISCONNECTED)
        .exclude(company_id=pending.company_id)
        .values_list("tenant_id", flat=True)
    )
    free = [t for t in tenants if t.id not in held_elsewhere]
    return free[0] if free else tenants[0]


def _request_open(data_request: DataRequest) -> bool:
    from ledgerlink.relationships.models import RequestStatus

    return data_request.status != RequestStatus.REVOKED and (
        data_request.status == RequestStatus.COMPLETED or not data_request.is_expired
    )


def _revoke_quietly(connector: Connector, token: TokenSet) -> None:
    try:
        connector.revoke(token)
    except Exception as failure:  # best effort
        logger.warning("Revoking an unused grant at %s failed: %s", connector.key, failure)


@transaction.atomic
def _store_connection(
    pending: OAuthState, connector: Connector, token: TokenSet, tenant_id: str, tenant_name: str
) -> Authorised:
    organisation_id = pending.company.organisation_id
    existing = pending.connection or (
        Connection.objects.select_for_update()
        .filter(organisation_id=organisation_id, platform=connector.key, tenant_id=tenant_id)
        .exclude(status=ConnectionStatus.DISCONNECTED)
        .first()
    )
    if existing is not None and existing.company_id != pending.company_id:
        raise AlreadyLinked(
            f"{tenant_name} is already connected for another company. "
            "Choose a different organisation in your accounting software."
        )
    connection = existing or Connection(
        organisation_id=organisation_id,
        company=pending.company,
        data_request=pending.data_request,
        platform=connector.key,
    )
    created = existing is None
    if existing is not None and existing.tenant_id != tenant_id:
        raise AuthorisationFailed(
            f"You chose {tenant_name}, but this entity is connected to "
            f"{existing.tenant_name}. Choose {existing.tenant_name} to reconnect."
        )
    connection.tenant_id = tenant_id
    connection.tenant_name = tenant_name
    connection.status = ConnectionStatus.CONNECTED
    connection.last_error = ""
    _set_token(connection, token)
    try:
        with transaction.atomic():
            connection.save()
    except IntegrityError:
        raise AlreadyLinked(f"{tenant_name} is already connected.") from None
    OAuthState.objects.filter(pk=pending.pk).update(connection=connection)
    record(
        organisation=pending.company.organisation,
        actor=None,
        actor_kind="client",
        action="connection.created" if created else "connection.reauthorised",
        summary=f"Connected to {connector.name} ({tenant_name})",
        company_id=pending.company.parent_id or pending.company_id,
        target=connection,
    )
    return Authorised(connection, created)


def _set_token(connection: Connection, token: TokenSet) -> None:
    connection.access_token = token.access_token
    # Some platforms omit a new refresh token on refresh: keep the old one then.
    if token.refresh_token:
        connection.refresh_token = token.refresh_token
    connection.token_expires_at = token.expires_at
    connection.scope = token.scope


def token_of(connection: Connection) -> TokenSet:
    return TokenSet(
        access_token=connection.access_token,
        refresh_token=connection.refresh_token,
        expires_at=connection.token_expires_at,
        scope=connection.scope,
    )


def fresh_token(connection: Connection, *, force: bool = False) -> TokenSet:
    """A usable access token, refreshing it first when it is (about to be) expired.

    Only one refresh per connection runs at a time, on any database: a worker claims the
    refresh with a conditional UPDATE (a short lease on the row), calls the platform outside
    any transaction, then stores the new tokens. A worker that finds the refresh claimed waits
    and uses the token the other one got: refresh tokens rotate, so refreshing twice would
    invalidate the first result (and some platforms then revoke the whole grant).
    """
    if not force and not _expiring(connection):
        return token_of(connection)
    connector = registry.get(connection.platform)
    me = secrets.token_hex(16)
    deadline = time.monotonic() + REFRESH_WAIT.total_seconds()
    while True:
        now = timezone.now()
        claimed = (
            Connection.objects.filter(
                pk=connection.pk, access_token_encrypted=connection.access_token_encrypted
            )
            .filter(Q(refresh_lock_until__isnull=True) | Q(refresh_lock_until__lt=now))
            .update(refresh_lock_owner=me, refresh_lock_until=now + REFRESH_LEASE)
        )
        if claimed:
            break
        latest = Connection.objects.get(pk=connection.pk)
        if latest.access_token_encrypted != connection.access_token_encrypted:
            _copy_token_fields(latest, connection)  # another worker refreshed it
            return token_of(latest)
        if time.monotonic() > deadline:
            raise RetryableError("Another worker is still refreshing this connection's token.")
        time.sleep(0.05)
    held = Connection.objects.get(pk=connection.pk)
    try:
        token = connector.refresh(token_of(held))
    except AuthorisationError as failure:
        _release_refresh(connection, me)
        latest = Connection.objects.get(pk=connection.pk)
        if latest.refresh_token_encrypted != held.refresh_token_encrypted:
            # Someone else refreshed meanwhile (our claim had lapsed): use their token.
            _copy_token_fields(latest, connection)
            return token_of(latest)
        mark_needs_reauthorisation(connection, str(failure))
        raise
    except BaseException:
        _release_refresh(connection, me)
        raise
    _set_token(held, token)
    stored = Connection.objects.filter(pk=connection.pk, refresh_lock_owner=me).update(
        access_token_encrypted=held.access_token_encrypted,
        refresh_token_encrypted=held.refresh_token_encrypted,
        token_expires_at=held.token_expires_at,
        scope=held.scope,
        last_refreshed_at=timezone.now(),
        refresh_lock_owner="",
        refresh_lock_until=None,
        updated_at=timezone.now(),
    )
    if not stored:
        logger.error(
            "Connection %s: a refreshed token could not be stored (claim lost); the platform "
            "may revoke the grant.",
            connection.pk,
        )
    _copy_token_fields(Connection.objects.get(pk=connection.pk), connection)
    return token


def _release_refresh(connection: Connection, owner: str) -> None:
    Connection.objects.filter(pk=connection.pk, refresh_lock_owner=owner).update(
        refresh_lock_owner="", refresh_lock_until=None
    )


def _expiring(connection: Connection) -> bool:
    expires = connection.token_expires_at
    return expires is not None and expires - REFRESH_MARGIN <= timezone.now()


def _copy_token_fields(source: Connection, target: Connection) -> None:
    for name in (
        "access_token_encrypted",
        "refresh_token_encrypted",
        "token_expires_at",
        "scope",
        "status",
        "last_refreshed_at",
    ):
        setattr(target, name, getattr(source, name))


def mark_needs_reauthorisation(connection: Connection, reason: str) -> None:
    Connection.objects.filter(pk=connection.pk).update(
        status=ConnectionStatus.NEEDS_REAUTHORISATION,
        last_error=reason[:2000],
        updated_at=timezone.now(),
    )
    connection.status = ConnectionStatus.NEEDS_REAUTHORISATION
    Company.objects.filter(pk=connection.company_id).update(
        provision_status=ConnectionStatus.NEEDS_REAUTHORISATION
    )
    record(
        organisation=connection.organisation,
        actor=None,
        actor_kind="system",
        action="connection.needs_reauthorisation",
        summary=f"{connection.tenant_name or connection.platform} needs re-authorisation",
        company_id=connection.company.parent_id or connection.company_id,
        target=connection,
    )


def disconnect(connection: Connection, *, actor: object = None) -> None:
    """Revoke at the platform (best effort) and erase the stored secrets."""
    connector = registry.get(connection.platform)
    try:
        connector.revoke(token_of(connection))
    except Exception as failure:  # the local erase must happen even if revocation fails
        logger.warning("Revoking %s at %s failed: %s", connection.pk, connector.key, failure)
    Connection.objects.filter(pk=connection.pk).update(
        status=ConnectionStatus.DISCONNECTED,
        access_token_encrypted="",
        refresh_token_encrypted="",
        token_expires_at=None,
        updated_at=timezone.now(),
    )


def available_tenants(connection: Connection) -> list[Tenant]:
    """The organisations the connection's token reaches (Xero: one token, several
    organisations). For the journey's "which organisation is this entity?" choice."""
    connector = registry.get(connection.platform)
    return connector.tenants(fresh_token(connection))


def choose_tenant(connection: Connection, tenant_id: str) -> Connection:
    """Point a connection at another organisation its token reaches (before its data is
    relied on): the sync state starts over and a full sync follows the caller's start_sync."""
    found = {t.id: t for t in available_tenants(connection)}
    tenant = found.get(tenant_id)
    if tenant is None:
        raise AuthorisationFailed("That organisation is not reachable with this connection.")
    if tenant_id == connection.tenant_id:
        return connection
    taken = (
        Connection.objects.filter(
            organisation_id=connection.organisation_id,
            platform=connection.platform,
            tenant_id=tenant_id,
        )
        .exclude(status=ConnectionStatus.DISCONNECTED)
        .exclude(pk=connection.pk)
        .exists()
    )
    if taken:
        raise AlreadyLinked(f"{tenant.name} is already connected.")
    try:
        with transaction.atomic():
            Connection.objects.filter(pk=connection.pk).update(
                tenant_id=tenant.id,
                tenant_name=tenant.name,
                sync_state={},
                updated_at=timezone.now(),
            )
    except IntegrityError:  # another connection took it since the check above
        raise AlreadyLinked(f"{tenant.name} is already connected.") from None
    connection.refresh_from_db()
    record(
        organisation=connection.organisation,
        actor=None,
        actor_kind="client",
        action="connection.tenant_chosen",
        summary=f"Chose {tenant.name} at {registry.get(connection.platform).name}",
        company_id=connection.company.parent_id or connection.company_id,
        target=connection,
    )
    return connection


def rotate_keys() -> int:
    """Re-encrypt every stored secret with the newest key; returns how many rows changed.

    Each row is rewritten only if it still holds what was read (a token refreshed meanwhile
    is never reverted); such a row is simply read again.
    """
    changed = 0
    for pk in Connection.objects.exclude(access_token_encrypted="").values_list("pk", flat=True):
        for _attempt in range(5):
            row = Connection.objects.get(pk=pk)
            if Connection.objects.filter(
                pk=pk,
                access_token_encrypted=row.access_token_encrypted,
                refresh_token_encrypted=row.refresh_token_encrypted,
            ).update(**row.rotated_secrets()):
                changed += 1
                break
    for state in OAuthState.objects.filter(used_at__isnull=True):
        OAuthState.objects.filter(
            pk=state.pk, code_verifier_encrypted=state.code_verifier_encrypted
        ).update(
            code_verifier_encrypted=crypto.rotate(
                state.code_verifier_encrypted,
                context=OAuthState.verifier_context(state.state_hash),
            )
        )
        changed += 1
    return changed
