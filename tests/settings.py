"""Test settings: the production settings module, with a test environment set first.

PostgreSQL when DATABASE_URL is set (CI), SQLite otherwise.
"""

import os
import tempfile

os.environ.setdefault("SECRET_KEY", "test-secret-key-" + "x7Qp2Lm9Rv4Tz8Kd3Wn6Yb1Hc5Jf0Gs" * 2)
os.environ.setdefault("LEDGERLINK_HTTPS", "false")
os.environ.setdefault("LEDGERLINK_ENCRYPTION_KEYS", "u0e6Xo3iVnA2bJ0w8m3cS0xq9Vd2fT5kH7pL1yR4gZc=")
os.environ.setdefault("SANDBOX_CONTROL_ENABLED", "true")
os.environ.setdefault("EMAIL_BACKEND", "locmem")
os.environ.setdefault("LEDGERLINK_TASKS_BACKEND", "immediate")
os.environ.setdefault("LEDGERLINK_BASE_URL", "http://testserver")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("MEDIA_ROOT", tempfile.mkdtemp(prefix="ledgerlink-media-"))
os.environ.setdefault("LEDGERLINK_VAR_DIR", tempfile.mkdtemp(prefix="ledgerlink-var-"))

from ledgerlink.settings import *  # noqa: F403

if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    # A file, not memory, so worker subprocesses in tests can share the test database.
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": os.path.join(os.environ["LEDGERLINK_VAR_DIR"], "test.sqlite3")
    }

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast tests only
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
