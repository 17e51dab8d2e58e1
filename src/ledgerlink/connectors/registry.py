"""Which connectors exist; the journey lists those the org enabled and the server configured."""

from __future__ import annotations

from collections.abc import Callable

from ledgerlink.connectors.base import Connector

_FACTORIES: dict[str, Callable[[], Connector]] = {}


def register(key: str, factory: Callable[[], Connector]) -> None:
    _FACTORIES[key] = factory


def get(key: str) -> Connector:
    try:
        return _FACTORIES[key]()
    except KeyError:
        raise LookupError(f"No connector named {key!r}") from None


def available() -> list[Connector]:
    """Connectors configured on this server, most common first (registration order)."""
    connectors = [factory() for factory in _FACTORIES.values()]
    return [c for c in connectors if c.is_configured()]
