"""QuickBooks JSON mapped onto the element structure of Intuit's XSD, for validation.

QBO's JSON is its XML data contract rendered as objects: a key is a child element or an
attribute of the entity's XSD type (in any order in JSON, so children are put in the
type's sequence order here), a list is a repeated element, and a reference
(`{"value": "56", "name": "Bob"}`) is a simple-content element with attributes. A key the
XSD does not define for that type fails the mapping, so the fake cannot invent fields.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from lxml import etree

XS = "{http://www.w3.org/2001/XMLSchema}"
NS = "http://schema.intuit.com/finance/v3"
CONTRACTS = Path(__file__).resolve().parents[1] / "contracts" / "qbo"
FILES = (
    "IntuitBaseTypes.xsd",
    "IntuitNamesTypes.xsd",
    "Finance.xsd",
    "Report.xsd",
    "IntuitRestServiceDef.xsd",
    "SalesTax.xsd",
)


class Drift(AssertionError):
    pass


@functools.cache
def declarations() -> tuple[dict[str, Any], dict[str, Any]]:
    types: dict[str, Any] = {}
    elements: dict[str, Any] = {}
    for name in FILES:
        root = etree.parse(str(CONTRACTS / name)).getroot()
        for node in root:
            if node.tag in (XS + "complexType", XS + "simpleType"):
                types[node.get("name")] = node
            elif node.tag == XS + "element":
                elements[node.get("name")] = node
    return types, elements


@functools.cache
def schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(CONTRACTS / "IntuitRestServiceDef.xsd")))


def _shape(type_node: Any) -> tuple[list[tuple[str, Any]], set[str], bool]:
    """(child elements in order as (name, element node), attribute names, simple content)."""
    types, _ = declarations()
    children: list[tuple[str, Any]] = []
    attributes: set[str] = set()
    simple = type_node.tag == XS + "simpleType"
    extension = type_node.find(f"{XS}complexContent/{XS}extension")
    scope = type_node
    if extension is not None:
        base_children, base_attributes, _ = _shape(types[extension.get("base")])
        children += base_children
        attributes |= base_attributes
        scope = extension
    content = type_node.find(f"{XS}simpleContent")
    if content is not None:
        simple = True
        scope = content.find(XS + "extension")
        if scope is None:
            scope = content.find(XS + "restriction")

    def walk(group: Any) -> None:
        for node in group:
            if node.tag in (XS + "sequence", XS + "choice", XS + "all"):
                walk(node)
            elif node.tag == XS + "attribute":
                attributes.add(node.get("name"))
            elif node.tag == XS + "element" and node.get("name"):
                children.append((node.get("name"), node))

    if scope is not None:
        walk(scope)
    return children, attributes, simple


def _type_of(element: Any) -> Any | None:
    types, _ = declarations()
    name = element.get("type")
    if name is None:
        return element.find(XS + "complexType")
    if name.startswith("xs:"):
        return None
    return types.get(name)


def build(tag: str, type_node: Any | None, value: Any, path: str = "") -> Any:
    node = etree.Element(f"{{{NS}}}{tag}")
    if type_node is None or (not isinstance(value, dict) and type_node.tag == XS + "simpleType"):
        node.text = _text(value)
        return node
    children, attributes, simple = _shape(type_node)
    if simple and not isinstance(value, dict):
        node.text = _text(value)
        return node
    if not isinstance(value, dict):
        raise Drift(f"{path}{tag}: expected an object, got {value!r:.60}")
    order = {name: n for n, (name, _) in enumerate(children)}
    elements = dict(children)
    for key, item in value.items():
        if key in attributes and key not in elements:
            node.set(key, _text(item))
        elif simple and key == "value":
            node.text = _text(item)
        elif key not in elements:
            raise Drift(f"{path}{tag}: {key!r} is not in the XSD")
    for key in sorted((k for k in value if k in elements), key=order.__getitem__):
        for part in value[key] if isinstance(value[key], list) else [value[key]]:
            node.append(build(key, _type_of(elements[key]), part, f"{path}{tag}."))
    return node


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def entity(name: str, value: dict[str, Any]) -> Any:
    """A top-level entity (an IntuitObject such as Bill) as XML."""
    _, elements = declarations()
    return build(name, _type_of(elements[name]), value)


def response(*children: Any, time: str = "2026-11-26T10:00:00.000-00:00") -> Any:
    root = etree.Element(f"{{{NS}}}IntuitResponse", nsmap={None: NS})
    root.set("time", time)
    for child in children:
        root.append(child)
    return root


def query_response(entity_name: str, body: dict[str, Any]) -> Any:
    node = etree.Element(f"{{{NS}}}QueryResponse")
    for key in ("startPosition", "maxResults", "totalCount"):
        if key in body:
            node.set(key, str(body[key]))
    for key, items in body.items():
        if key in ("startPosition", "maxResults", "totalCount"):
            continue
        if key != entity_name:
            raise Drift(f"QueryResponse: unexpected {key!r}")
        for item in items:
            node.append(entity(key, item))
    return node


def report(body: dict[str, Any]) -> Any:
    types, _ = declarations()
    return build("Report", types["Report"], body)


def validate(document: Any) -> None:
    xsd = schema()
    if not xsd.validate(document):
        errors = [f"{e.line}: {e.message}"[:300] for e in list(xsd.error_log)[:5]]
        raise Drift(f"not valid against the XSD: {errors}")
