"""Every field that could hold a secret is on this list, with how it is protected (#39).

A new model field whose name suggests a secret fails this test until it is listed here, so
nobody adds a token column in clear by accident.
"""

from __future__ import annotations

import re

from django.apps import apps
from django.db import models

# model label, field name -> how the value is protected at rest
SENSITIVE_FIELDS: dict[tuple[str, str], str] = {
    ("tenancy.User", "password"): "Django password hasher",
    ("tenancy.Invitation", "token_hash"): "SHA-256 of the token",
    ("relationships.RequestLink", "token_hash"): "SHA-256 of the token",
    ("connectors.Connection", "access_token_encrypted"): "AES-256-GCM bound to the row",
    ("connectors.Connection", "refresh_token_encrypted"): "AES-256-GCM bound to the row",
    ("connectors.OAuthState", "state_hash"): "SHA-256 of the state",
    ("connectors.OAuthState", "code_verifier_encrypted"): "AES-256-GCM bound to the row",
    ("connectors.OAuthState", "browser_hash"): "SHA-256 of the nonce",
    ("sandbox.SandboxClient", "secret_hash"): "SHA-256 of the secret",
    ("sandbox.SandboxAuthCode", "code_hash"): "SHA-256 of the code",
    ("sandbox.SandboxToken", "token_hash"): "SHA-256 of the token",
    ("sessions.Session", "session_key"): "Django sessions (random id, server-side data)",
}
# Names that look like secrets but are not.
NOT_SECRET = {
    ("audit.AuditEvent", "chain_hash"),
    ("connectors.Connection", "secret_context"),
    ("connectors.Connection", "token_expires_at"),
    ("sandbox.SandboxTenant", "access_token_ttl"),
    ("sandbox.SandboxTenant", "seed"),  # the data generator's seed
    ("journey.EntityTask", "name_key"),
}
LOOKS_SECRET = re.compile(r"token|secret|password|key|hash|verifier|otp|seed|credential", re.I)


def concrete_fields() -> set[tuple[str, str]]:
    return {
        (model._meta.label, field.name)
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if isinstance(field, models.Field) and LOOKS_SECRET.search(field.name)
    }


def test_every_secret_looking_field_is_registered():
    unlisted = concrete_fields() - set(SENSITIVE_FIELDS) - NOT_SECRET
    assert not unlisted, f"add these to SENSITIVE_FIELDS with their protection: {unlisted}"


def test_the_registry_names_only_fields_that_exist():
    assert set(SENSITIVE_FIELDS) | NOT_SECRET <= concrete_fields()


def test_encrypted_fields_are_only_written_through_the_binding_properties():
    for (label, name), protection in SENSITIVE_FIELDS.items():
        if protection.startswith("AES"):
            model = apps.get_model(label)
            clear_name = name.removesuffix("_encrypted")
            assert isinstance(getattr(model, clear_name, None), property), (label, clear_name)
