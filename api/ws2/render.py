"""Turn serialized documents into ws/2 HTTP responses: the XML envelope, JSON bodies, error bodies.

XML is built with lxml in the MMD 2.0 namespace (``NS``); ``sub(parent, "name", text, **attrs)`` is the one
helper serializers use, and it skips elements whose text is None or empty (MMD omits empty values). JSON bodies
keep the key order they were built in.
"""

from __future__ import annotations

import re
from typing import Any

import orjson
from fastapi.responses import Response
from lxml import etree

NS = "http://musicbrainz.org/ns/mmd-2.0#"
HELP = "For usage, please see: https://musicbrainz.org/development/mmd"
XML_TYPE = "application/xml; charset=utf-8"
JSON_TYPE = "application/json; charset=utf-8"
TEXT_TYPE = "text/plain; charset=utf-8"
_NSMAP = {None: NS}

Element = etree._Element


def el(tag: str, attrs: dict[str, str | None] | None = None) -> Element:
    """A new MMD element; attributes whose value is None are left out."""
    element = etree.Element(f"{{{NS}}}{tag}", nsmap=_NSMAP)  # type: ignore[arg-type]
    for key, value in (attrs or {}).items():
        if value is not None:
            element.set(key, value)
    return element


def sub(
    parent: Element,
    tag: str,
    text: object,
    attrs: dict[str, str | None] | None = None,
    *,
    keep_empty: bool = False,
) -> Element:
    """Append ``<tag attrs>text</tag>`` to ``parent`` and return it.

    When ``text`` is None or "" the element is not appended (MMD omits empty values) unless ``keep_empty``;
    the detached element is still returned so callers need no checks.
    """
    element = el(tag, attrs)
    if text is None or text == "":
        if keep_empty:
            parent.append(element)
        return element
    element.text = _xml_text(text)
    parent.append(element)
    return element


def container(parent: Element, tag: str, attrs: dict[str, str | None] | None = None) -> Element:
    """Append an element that holds children (never omitted) and return it."""
    element = el(tag, attrs)
    parent.append(element)
    return element


def _xml_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def metadata(*children: Element) -> Element:
    root = el("metadata")
    for child in children:
        root.append(child)
    return root


XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'


def xml_bytes(root: Element) -> bytes:
    return XML_DECLARATION + etree.tostring(root, xml_declaration=False, encoding="UTF-8")


def xml_response(root: Element, status: int = 200) -> Response:
    return Response(xml_bytes(root), status_code=status, media_type=XML_TYPE, headers={"Vary": "Accept"})


def json_response(body: Any, status: int = 200) -> Response:
    # the bytes ``json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()`` gives, several times faster
    return Response(orjson.dumps(body), status_code=status, media_type=JSON_TYPE, headers={"Vary": "Accept"})


def text_response(text: str, status: int = 200) -> Response:
    return Response(text.encode(), status_code=status, media_type=TEXT_TYPE, headers={"Vary": "Accept"})


_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def error_response(status: int, message: str, fmt: str) -> Response:
    """MusicBrainz's error body: ``<error><text>message</text><text>help</text></error>`` or JSON."""
    if fmt == "json":
        return json_response({"error": message, "help": HELP}, status)
    root = etree.Element("error")
    # the message may quote request input (an unknown inc, a bad MBID), which can hold characters XML forbids
    etree.SubElement(root, "text").text = _XML_ILLEGAL.sub("\ufffd", message)
    etree.SubElement(root, "text").text = HELP
    return Response(xml_bytes(root), status_code=status, media_type=XML_TYPE, headers={"Vary": "Accept"})
