"""`insights` and `reports.writers` import nothing of Django (DESIGN: imports point down)."""

from __future__ import annotations

import os
import subprocess
import sys


def test_insights_and_writers_load_without_django():
    code = (
        "import sys, ledgerlink.insights, ledgerlink.reports.writers\n"
        "loaded = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'))\n"
        "print(','.join(loaded))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert done.stdout.strip() == ""
