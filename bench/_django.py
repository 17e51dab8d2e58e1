"""Set up Django for a benchmark script: DATABASE_URL when set, else a temporary SQLite file."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup() -> None:
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("LEDGERLINK_VAR_DIR", tempfile.mkdtemp(prefix="ledgerlink-bench-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
