from django.apps import AppConfig


class SandboxConfig(AppConfig):
    """A fake accounting platform served under /sandbox/. It imports nothing of ledgerlink."""

    name = "ledgerlink.sandbox"
    label = "sandbox"
    verbose_name = "Sandbox accounting platform"
