"""Encryption of OAuth tokens at rest (Fernet: AES-128-CBC + HMAC-SHA256), with key rotation."""

from __future__ import annotations

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in keys])


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.LEDGERLINK_ENCRYPTION_KEYS))


def encrypt(value: str) -> str:
    return fernet().encrypt(value.encode()).decode() if value else ""


def decrypt(value: str) -> str:
    if not value:
        return ""
    try:
        return fernet().decrypt(value.encode()).decode()
    except InvalidToken:
        raise RuntimeError(
            "A stored secret cannot be decrypted: is its key missing from "
            "LEDGERLINK_ENCRYPTION_KEYS?"
        ) from None


def rotate(value: str) -> str:
    """Re-encrypt with the first (newest) key."""
    return fernet().rotate(value.encode()).decode() if value else ""
