"""Secrets move from unbound Fernet to AES-256-GCM bound to their row (security #9)."""

from __future__ import annotations

import uuid
from typing import Any

from django.db import migrations, models

from ledgerlink.connectors import crypto


def _rebind(value: str, context: str) -> str:
    if not value or value.startswith(crypto.PREFIX + "."):
        return value
    return crypto.encrypt(crypto.decrypt_legacy(value), context=context)


def forwards(apps: Any, schema_editor: Any) -> None:
    Connection = apps.get_model("connectors", "Connection")
    OAuthState = apps.get_model("connectors", "OAuthState")
    for row in Connection.objects.all():
        row.secret_context = uuid.uuid4()
        prefix = f"connection:{row.secret_context}"
        row.access_token_encrypted = _rebind(row.access_token_encrypted, f"{prefix}:access")
        row.refresh_token_encrypted = _rebind(row.refresh_token_encrypted, f"{prefix}:refresh")
        row.save(
            update_fields=["secret_context", "access_token_encrypted", "refresh_token_encrypted"]
        )
    for state in OAuthState.objects.all():
        state.code_verifier_encrypted = _rebind(
            state.code_verifier_encrypted, f"oauth-state:{state.state_hash}:code-verifier"
        )
        state.save(update_fields=["code_verifier_encrypted"])


class Migration(migrations.Migration):
    dependencies = [("connectors", "0003_oauth_browser_binding")]

    operations = [
        migrations.AddField(
            model_name="connection",
            name="secret_context",
            field=models.UUIDField(null=True, editable=False),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="connection",
            name="secret_context",
            field=models.UUIDField(default=uuid.uuid4, editable=False),
        ),
    ]
