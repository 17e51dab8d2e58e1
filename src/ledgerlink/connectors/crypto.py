"""Encryption of secrets at rest: AES-256-GCM with a key id, bound to the row that holds it.

Every ciphertext carries the id of the key that made it (so several keys can be configured
during a rotation) and is bound to a *context* string naming its row and field as associated
data: a ciphertext copied into another row, or into another field, does not decrypt.

Format: ``g1.<key id>.<base64url(nonce + ciphertext + tag)>``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from dataclasses import dataclass
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.fernet import InvalidToken, MultiFernet
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

PREFIX = "g1"
NONCE_BYTES = 12


class UnusableKey(ValueError):
    """A configured key is unusable (wrong length, not base64)."""


class DecryptionFailed(RuntimeError):
    pass


@dataclass(frozen=True)
class Key:
    id: str
    aead: AESGCM


def parse_key(text: str) -> bytes:
    """A key is 32 random bytes, url-safe base64 (the same shape as a Fernet key)."""
    try:
        raw = base64.urlsafe_b64decode(text.strip().encode())
    except (binascii.Error, ValueError):
        raise UnusableKey("an encryption key is not url-safe base64") from None
    if len(raw) != 32:
        raise UnusableKey(f"an encryption key must be 32 bytes, this one is {len(raw)}")
    return raw


def key_id(raw: bytes) -> str:
    return hashlib.sha256(b"ledgerlink-key-id:" + raw).hexdigest()[:8]


@lru_cache(maxsize=4)
def _keys(configured: tuple[str, ...]) -> tuple[Key, ...]:
    keys = []
    for text in configured:
        raw = parse_key(text)
        keys.append(Key(id=key_id(raw), aead=AESGCM(raw)))
    return tuple(keys)


def keys() -> tuple[Key, ...]:
    return _keys(tuple(settings.LEDGERLINK_ENCRYPTION_KEYS))


def encrypt(value: str, *, context: str) -> str:
    """Encrypt with the newest key; "" stays "" (no secret held)."""
    if not value:
        return ""
    key = keys()[0]
    nonce = os.urandom(NONCE_BYTES)
    sealed = key.aead.encrypt(nonce, value.encode(), context.encode())
    return f"{PREFIX}.{key.id}.{base64.urlsafe_b64encode(nonce + sealed).decode()}"


def decrypt(value: str, *, context: str) -> str:
    if not value:
        return ""
    prefix, _, rest = value.partition(".")
    kid, _, body = rest.partition(".")
    if prefix != PREFIX or not body:
        raise DecryptionFailed("A stored secret is not in a format this version can read.")
    key = next((k for k in keys() if k.id == kid), None)
    if key is None:
        raise DecryptionFailed(
            f"A stored secret was encrypted with key {kid}, which is missing from "
            "LEDGERLINK_ENCRYPTION_KEYS."
        )
    try:
        blob = base64.urlsafe_b64decode(body.encode())
        plain = key.aead.decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], context.encode())
    except (InvalidTag, binascii.Error, ValueError):
        raise DecryptionFailed(
            "A stored secret does not decrypt: it was altered or belongs to another record."
        ) from None
    return plain.decode()


def is_current(value: str) -> bool:
    """True when `value` is empty or already under the newest key."""
    return not value or value.startswith(f"{PREFIX}.{keys()[0].id}.")


def rotate(value: str, *, context: str) -> str:
    """Re-encrypt under the first (newest) key."""
    if is_current(value):
        return value
    return encrypt(decrypt(value, context=context), context=context)


def decrypt_legacy(value: str) -> str:
    """Read a ciphertext of the first format (Fernet, unbound); used by a data migration only."""
    if not value:
        return ""
    from cryptography.fernet import Fernet

    fernet = MultiFernet([Fernet(text.encode()) for text in settings.LEDGERLINK_ENCRYPTION_KEYS])
    try:
        return fernet.decrypt(value.encode()).decode()
    except InvalidToken:
        raise DecryptionFailed(
            "A stored secret cannot be decrypted: is its key missing from "
            "LEDGERLINK_ENCRYPTION_KEYS?"
        ) from None
