"""Numbering schemes (data in `schemes.toml`): prefix → type or level-2 bucket."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

from ledgerlink.financials.categorise.text import normalise


@dataclass(frozen=True, slots=True)
class Scheme:
    key: str
    label: str
    countries: tuple[str, ...]
    prefixes: dict[str, str]
    longest: int
    words: frozenset[str] = frozenset()
    separated: bool = False  # only for charts whose codes are written in dotted sections
    # detected only from names in its own language: a national variant of a family of plans
    # (the Bulgarian one of the French) that the codes alone hardly tell apart
    own_language: bool = False

    cache: dict[str, str | None] = field(default_factory=dict, compare=False, repr=False)

    def lookup(self, digits: str) -> str | None:
        key = digits[: self.longest]
        if key in self.cache:
            return self.cache[key]
        found = None
        for size in range(min(self.longest, len(key)), 0, -1):
            found = self.prefixes.get(key[:size])
            if found is not None:
                break
        self.cache[key] = found
        return found


@cache
def schemes() -> dict[str, Scheme]:
    path = resources.files("ledgerlink.financials.categorise").joinpath("schemes.toml")
    data = tomllib.loads(path.read_text("utf-8"))["scheme"]
    return {
        key: Scheme(
            key=key,
            label=item["label"],
            countries=tuple(item["countries"]),
            prefixes=dict(item["prefixes"]),
            longest=max(len(p) for p in item["prefixes"]),
            words=frozenset(normalise(w) for w in item.get("words", ())),
            separated=bool(item.get("separated", False)),
            own_language=bool(item.get("own_language", False)),
        )
        for key, item in data.items()
    }


def for_country(country: str) -> list[Scheme]:
    """The schemes charts of the country are numbered after (Germany: SKR03 and SKR04)."""
    country = country.strip().upper()[:2]
    if not country:
        return []
    return [s for s in schemes().values() if country in s.countries]
