"""Opaque keyset cursors of the native lists and the changes feed.

A cursor holds the last row's sort value and internal id (the keyset), bound to the query it came from: its
text is base64url of a JSON payload plus a keyed BLAKE2b checksum over the payload and the query's *scope*
(entity, sort and filters). A cursor that was altered, truncated or comes from a query with other filters or
another sort is refused with ``InvalidQuery("cursor", ...)``. The checksum is an integrity check, not a
secret: cursors carry no private data, so anyone may decode one, but a client cannot forge one by accident.

Keyset pages never shift when rows are inserted or deleted elsewhere (e.g. by replication between two
requests): the next page starts strictly after the last row seen, in a total order on (sort value, id).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from typing import Any

from mirror.errors import InvalidQuery

_KEY = b"mbmirror-native-cursor-v1"
_MAC_BYTES = 12


def _mac(payload: bytes, scope: str) -> bytes:
    return hashlib.blake2b(payload + b"\x00" + scope.encode(), key=_KEY, digest_size=_MAC_BYTES).digest()


def encode(values: list[Any], scope: str) -> str:
    """The cursor text for keyset ``values`` (JSON-serialisable) within ``scope``."""
    payload = json.dumps(values, separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(_mac(payload, scope) + payload).decode().rstrip("=")


def decode(cursor: str, scope: str, arity: int) -> list[Any]:
    """The keyset values of ``cursor``; ``InvalidQuery`` when it is malformed, altered or from another query."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    except (binascii.Error, ValueError):
        raise InvalidQuery("cursor", "not a cursor returned by this API (bad encoding)") from None
    mac, payload = raw[:_MAC_BYTES], raw[_MAC_BYTES:]
    if len(mac) != _MAC_BYTES or not hmac.compare_digest(mac, _mac(payload, scope)):
        raise InvalidQuery(
            "cursor", "altered, or returned for other parameters: keep filters and sort as in the first request"
        )
    try:
        values = json.loads(payload)
    except ValueError:
        raise InvalidQuery("cursor", "not a cursor returned by this API (bad payload)") from None
    if not isinstance(values, list) or len(values) != arity:
        raise InvalidQuery("cursor", "not a cursor returned by this API (bad keyset)")
    return values
