"""The standard account taxonomy (type → subtype → detail), loaded from `taxonomy.toml`."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any


@dataclass(frozen=True, slots=True)
class Detail:
    key: str
    label: str
    bucket: str
    subtype: str
    subtype_label: str
    type: str
    type_label: str
    statement: str


@dataclass(frozen=True, slots=True)
class Taxonomy:
    details: dict[str, Detail]
    types: dict[str, str]  # key → label, in order
    subtypes: dict[str, tuple[str, str]]  # key → (type, label), in order

    def subtypes_of(self, type_key: str) -> list[tuple[str, str]]:
        return [(k, label) for k, (t, label) in self.subtypes.items() if t == type_key]

    def details_of(self, subtype_key: str) -> list[Detail]:
        return [d for d in self.details.values() if d.subtype == subtype_key]

    def is_valid(self, type_key: str, subtype_key: str, detail_key: str) -> bool:
        detail = self.details.get(detail_key)
        return detail is not None and (detail.type, detail.subtype) == (type_key, subtype_key)


def parse(data: dict[str, Any]) -> Taxonomy:
    details: dict[str, Detail] = {}
    types: dict[str, str] = {}
    subtypes: dict[str, tuple[str, str]] = {}
    for type_ in data["type"]:
        types[type_["key"]] = type_["label"]
        for subtype in type_["subtype"]:
            if subtype["key"] in subtypes:
                raise ValueError(f"subtype {subtype['key']} appears twice")
            subtypes[subtype["key"]] = (type_["key"], subtype["label"])
            for item in subtype["details"]:
                if item["key"] in details:
                    raise ValueError(f"detail {item['key']} appears twice")
                details[item["key"]] = Detail(
                    key=item["key"],
                    label=item["label"],
                    bucket=item["bucket"],
                    subtype=subtype["key"],
                    subtype_label=subtype["label"],
                    type=type_["key"],
                    type_label=type_["label"],
                    statement=type_["statement"],
                )
    return Taxonomy(details=details, types=types, subtypes=subtypes)


@cache
def taxonomy() -> Taxonomy:
    text = resources.files("ledgerlink.financials").joinpath("taxonomy.toml").read_text("utf-8")
    return parse(tomllib.loads(text))
