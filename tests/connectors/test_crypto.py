"""Secrets at rest: AES-256-GCM with a key id, bound to the row and field that hold them."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.db import connection as db_connection

from ledgerlink.connectors import crypto
from ledgerlink.connectors.models import Connection
from ledgerlink.relationships.models import Company
from ledgerlink.tenancy.services import create_organisation


def make_connection(org_name: str, tenant_id: str, access: str, refresh: str) -> Connection:
    org = create_organisation(name=org_name)
    company = Company.objects.create(organisation=org, name=f"{org_name} client")
    return Connection.objects.create(
        organisation=org,
        company=company,
        platform="sandbox",
        tenant_id=tenant_id,
        access_token=access,
        refresh_token=refresh,
    )


@pytest.mark.django_db
def test_the_database_holds_no_token_in_clear_and_the_row_reads_it_back():
    stored = make_connection("Org A", "t1", "access-secret-a", "refresh-secret-a")
    with db_connection.cursor() as cursor:
        cursor.execute(
            "SELECT access_token_encrypted, refresh_token_encrypted FROM connectors_connection"
        )
        dump = repr(cursor.fetchall())
    assert "secret" not in dump
    fresh = Connection.objects.get(pk=stored.pk)
    assert (fresh.access_token, fresh.refresh_token) == ("access-secret-a", "refresh-secret-a")


@pytest.mark.django_db
def test_a_ciphertext_swapped_into_another_row_does_not_decrypt():
    bank_a = make_connection("Org A", "t1", "access-a", "refresh-a")
    bank_b = make_connection("Org B", "t2", "access-b", "refresh-b")
    Connection.objects.filter(pk=bank_b.pk).update(
        refresh_token_encrypted=bank_a.refresh_token_encrypted
    )
    victim = Connection.objects.get(pk=bank_b.pk)
    with pytest.raises(crypto.DecryptionFailed, match="another record"):
        _ = victim.refresh_token


@pytest.mark.django_db
def test_a_ciphertext_moved_to_the_other_field_of_the_same_row_does_not_decrypt():
    row = make_connection("Org A", "t1", "access-a", "refresh-a")
    Connection.objects.filter(pk=row.pk).update(access_token_encrypted=row.refresh_token_encrypted)
    with pytest.raises(crypto.DecryptionFailed):
        _ = Connection.objects.get(pk=row.pk).access_token


def test_a_tampered_ciphertext_is_refused():
    sealed = crypto.encrypt("token", context="x")
    tampered = sealed[:-4] + ("AAAA" if not sealed.endswith("AAAA") else "BBBB")
    with pytest.raises(crypto.DecryptionFailed):
        crypto.decrypt(tampered, context="x")


def test_each_encryption_uses_a_fresh_nonce_and_names_its_key():
    first, second = (crypto.encrypt("same", context="c") for _ in range(2))
    assert first != second
    assert first.split(".")[1] == crypto.keys()[0].id


def test_a_missing_key_is_named_in_the_error(settings):
    sealed = crypto.encrypt("token", context="c")
    settings.LEDGERLINK_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(crypto.DecryptionFailed, match="missing from LEDGERLINK_ENCRYPTION_KEYS"):
        crypto.decrypt(sealed, context="c")


def test_rotation_re_encrypts_under_the_newest_key_and_keeps_the_binding(settings):
    old = crypto.encrypt("token", context="row-1")
    settings.LEDGERLINK_ENCRYPTION_KEYS = [
        Fernet.generate_key().decode(),
        *settings.LEDGERLINK_ENCRYPTION_KEYS,
    ]
    rotated = crypto.rotate(old, context="row-1")
    assert rotated != old and crypto.is_current(rotated)
    assert crypto.rotate(rotated, context="row-1") == rotated  # idempotent
    settings.LEDGERLINK_ENCRYPTION_KEYS = settings.LEDGERLINK_ENCRYPTION_KEYS[:1]
    assert crypto.decrypt(rotated, context="row-1") == "token"
    with pytest.raises(crypto.DecryptionFailed):
        crypto.decrypt(rotated, context="row-2")


@pytest.mark.parametrize(
    ("key", "message"),
    [("c2hvcnQ=", "must be 32 bytes"), ("not base64 at all!", "not url-safe base64")],
)
def test_unusable_keys_are_refused(key, message):
    with pytest.raises(crypto.UnusableKey, match=message):
        crypto.parse_key(key)


@pytest.mark.django_db
def test_the_migration_rebinds_tokens_of_the_first_format(settings):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("ledgerlink.connectors.migrations.0004_bound_secrets")
    row = make_connection("Org A", "t1", "x", "y")
    legacy = Fernet(settings.LEDGERLINK_ENCRYPTION_KEYS[0].encode())
    Connection.objects.filter(pk=row.pk).update(
        access_token_encrypted=legacy.encrypt(b"access-old").decode(),
        refresh_token_encrypted=legacy.encrypt(b"refresh-old").decode(),
    )
    migration.forwards(apps, None)
    migrated = Connection.objects.get(pk=row.pk)
    assert migrated.secret_context != row.secret_context
    assert (migrated.access_token, migrated.refresh_token) == ("access-old", "refresh-old")
    assert migrated.access_token_encrypted.startswith("g1.")
