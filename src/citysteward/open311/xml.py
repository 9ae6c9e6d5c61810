"""Open311 documents as XML, shaped as the GeoReport v2 examples: a declaration, no namespace, one
root element per document, a child per list item, `true`/`false` for booleans, an empty element for
a missing value. JSON is the same data with the root dropped.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from citysteward.kernel.text import printable

DECLARATION = '<?xml version="1.0" encoding="utf-8"?>\n'
# Each document: its root element and the element of one list item (None: the root holds an object).
DOCUMENTS: dict[str, tuple[str, str | None]] = {
    "discovery": ("discovery", None),
    "services": ("services", "service"),
    "service_definition": ("service_definition", None),
    "service_requests": ("service_requests", "request"),
    "errors": ("errors", "error"),
    "service_request_updates": ("service_request_updates", "request_update"),
}
# Nested lists: the element of one item inside each list element.
ITEMS = {"endpoints": "endpoint", "formats": "format", "attributes": "attribute", "values": "value",
         "notes": "note"}


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return printable(str(value))  # XML 1.0 cannot hold most control characters, even escaped


def _fill(element: ET.Element, value: Any) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _fill(ET.SubElement(element, key), item)
    elif isinstance(value, list | tuple):
        name = ITEMS.get(element.tag, "item")
        for item in value:
            _fill(ET.SubElement(element, name), item)
    else:
        element.text = _text(value)


def render(document: str, data: Any) -> bytes:
    root_name, item_name = DOCUMENTS[document]
    root = ET.Element(root_name)
    if item_name is None:
        _fill(root, data)
    else:
        for item in data:
            _fill(ET.SubElement(root, item_name), item)
    ET.indent(root, space="  ")
    body = ET.tostring(root, encoding="unicode", short_empty_elements=False)
    return (DECLARATION + body + "\n").encode("utf-8")
