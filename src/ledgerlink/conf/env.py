"""Typed helpers that read settings from the environment and fail loudly at start-up."""

from __future__ import annotations

import os
from collections.abc import Mapping


class ConfigurationError(RuntimeError):
    """A setting is missing or malformed; raised while settings load so the process never starts."""


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _raw(name: str, environ: Mapping[str, str] | None = None) -> str | None:
    value = (environ if environ is not None else os.environ).get(name)
    return None if value is None else value.strip()


def env_str(
    name: str, default: str | None = None, *, environ: Mapping[str, str] | None = None
) -> str:
    value = _raw(name, environ)
    if value is None or value == "":
        if default is None:
            raise ConfigurationError(f"Environment variable {name} is required but not set.")
        return default
    return value


def env_optional(name: str, *, environ: Mapping[str, str] | None = None) -> str | None:
    value = _raw(name, environ)
    return value or None


def env_bool(name: str, default: bool, *, environ: Mapping[str, str] | None = None) -> bool:
    value = _raw(name, environ)
    if value is None:
        return default
    lowered = value.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ConfigurationError(
        f"Environment variable {name}={value!r} is not a boolean; use true or false."
    )


def env_int(
    name: str,
    default: int,
    *,
    minimum: int | None = None,
    maximum: int | None = None,
    environ: Mapping[str, str] | None = None,
) -> int:
    value = _raw(name, environ)
    if value is None or value == "":
        result = default
    else:
        try:
            result = int(value)
        except ValueError:
            raise ConfigurationError(
                f"Environment variable {name}={value!r} is not a whole number."
            ) from None
    if minimum is not None and result < minimum:
        raise ConfigurationError(f"Environment variable {name} must be at least {minimum}.")
    if maximum is not None and result > maximum:
        raise ConfigurationError(f"Environment variable {name} must be at most {maximum}.")
    return result


def env_list(
    name: str, default: list[str], *, environ: Mapping[str, str] | None = None
) -> list[str]:
    value = _raw(name, environ)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_choice(
    name: str, choices: tuple[str, ...], default: str, *, environ: Mapping[str, str] | None = None
) -> str:
    value = env_str(name, default, environ=environ).lower()
    if value not in choices:
        raise ConfigurationError(
            f"Environment variable {name}={value!r} must be one of: {', '.join(choices)}."
        )
    return value
