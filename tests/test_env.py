"""Settings from the environment fail loudly and clearly."""

import pytest

from ledgerlink.conf.env import (
    ConfigurationError,
    env_bool,
    env_choice,
    env_int,
    env_list,
    env_str,
)


def test_required_setting_missing_names_the_variable():
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        env_str("SECRET_KEY", environ={})


def test_booleans_accept_common_spellings_and_reject_others():
    assert env_bool("X", False, environ={"X": "Yes"}) is True
    assert env_bool("X", True, environ={"X": "off"}) is False
    assert env_bool("X", True, environ={}) is True
    with pytest.raises(ConfigurationError, match="X='maybe'"):
        env_bool("X", False, environ={"X": "maybe"})


def test_integers_are_parsed_and_bounded():
    assert env_int("PORT", 25, environ={"PORT": "587"}) == 587
    with pytest.raises(ConfigurationError, match="whole number"):
        env_int("PORT", 25, environ={"PORT": "five"})
    with pytest.raises(ConfigurationError, match="at most 65535"):
        env_int("PORT", 25, maximum=65535, environ={"PORT": "70000"})


def test_lists_and_choices():
    assert env_list("HOSTS", [], environ={"HOSTS": "a.example, b.example,"}) == [
        "a.example",
        "b.example",
    ]
    assert env_choice("MODE", ("smtp", "outbox"), "smtp", environ={"MODE": "OUTBOX"}) == "outbox"
    with pytest.raises(ConfigurationError, match="must be one of"):
        env_choice("MODE", ("smtp", "outbox"), "smtp", environ={"MODE": "carrier-pigeon"})


def _load_settings(env: dict[str, str]) -> tuple[int, str]:
    import subprocess
    import sys

    code = "import ledgerlink.settings"
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False
    )
    return result.returncode, result.stderr


def test_settings_refuse_to_start_without_a_strong_secret_key(tmp_path):
    import os

    base = {"PATH": os.environ["PATH"], "LEDGERLINK_VAR_DIR": str(tmp_path)}
    code, stderr = _load_settings(base)
    assert code != 0 and "SECRET_KEY is required" in stderr
    code, stderr = _load_settings({**base, "SECRET_KEY": "short"})
    assert code != 0 and "at least 50" in stderr
    code, stderr = _load_settings(
        {**base, "SECRET_KEY": "k" * 20 + "Zq8!x2" * 6, "EMAIL_BACKEND": "pigeon"}
    )
    assert code != 0 and "EMAIL_BACKEND" in stderr


def test_settings_refuse_weak_or_reused_encryption_keys(tmp_path):
    import base64
    import os

    secret = "k" * 20 + "Zq8!x2" * 6
    base = {"PATH": os.environ["PATH"], "LEDGERLINK_VAR_DIR": str(tmp_path), "SECRET_KEY": secret}
    good = base64.urlsafe_b64encode(os.urandom(32)).decode()
    for keys, message in (
        ("", "LEDGERLINK_ENCRYPTION_KEYS is required"),
        (base64.urlsafe_b64encode(b"sixteen bytes!!!").decode(), "32 random bytes"),
        (base64.urlsafe_b64encode(b"\0" * 32).decode(), "32 random bytes"),
        (f"{good},not base64!", "32 random bytes"),
    ):
        code, stderr = _load_settings({**base, "LEDGERLINK_ENCRYPTION_KEYS": keys})
        assert code != 0 and message in stderr, (keys, stderr[-300:])
