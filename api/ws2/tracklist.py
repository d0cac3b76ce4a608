"""Media, tracks and discs of a release in XML (``medium-list``) and JSON (``media``).

A medium's tracks come from ``mirror.queries.medium``; the recording of each track is an entity built by
``api.ws2.release_load`` and rendered by the recording serializers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from api.ws2.artist_credit import Credit, credit_json, credit_xml
from api.ws2.registry import Ctx, Entity
from api.ws2.render import Element, container, el, sub
from mirror.queries.medium import Disc, Medium, Track

RecordingXml = Callable[[Ctx, Entity], Element]
RecordingJson = Callable[[Ctx, Entity], dict[str, Any]]


def disc_xml(disc: Disc) -> Element:
    node = el("disc", {"id": disc.discid})
    sub(node, "sectors", disc.sectors)
    offsets = container(node, "offset-list", {"count": str(len(disc.offsets))})
    for position, offset in enumerate(disc.offsets, start=1):
        sub(offsets, "offset", offset, {"position": str(position)})
    return node


def disc_json(disc: Disc) -> dict[str, Any]:
    return {
        "id": disc.discid,
        "sectors": disc.sectors,
        "offset-count": len(disc.offsets),
        "offsets": list(disc.offsets),
    }


def _track_credit(release: Entity, track: Track) -> Credit | None:
    credits: dict[int, Credit] | None = release.get("credits")
    return None if credits is None else credits.get(track.artist_credit, [])


def _track_xml(ctx: Ctx, release: Entity, track: Track, tag: str, recording_xml: RecordingXml) -> Element:
    node = el(tag, {"id": track.gid})
    sub(node, "position", track.position)
    sub(node, "number", track.number)
    recording = (release.get("recordings") or {}).get(track.recording)
    if recording is None or recording["title"] != track.name:
        sub(node, "title", track.name)
    sub(node, "length", track.length)
    credit = _track_credit(release, track)
    if credit is not None and (recording is None or recording["_row"].artist_credit != track.artist_credit):
        node.append(credit_xml(credit))
    if recording is not None:
        node.append(recording_xml(ctx, recording))
    return node


def media_xml(ctx: Ctx, release: Entity, media: Sequence[Medium], recording_xml: RecordingXml) -> Element:
    """``<medium-list count>`` with discs and tracks as loaded."""
    node = el("medium-list", {"count": str(len(media))})
    for medium in media:
        m = container(node, "medium", {"id": medium.gid})
        sub(m, "title", medium.name)
        sub(m, "position", medium.position)
        if medium.format is not None:
            sub(m, "format", medium.format.name, {"id": medium.format.gid})
        if medium.discs is not None:
            discs = container(m, "disc-list", {"count": str(len(medium.discs))})
            for disc in medium.discs:
                discs.append(disc_xml(disc))
        if medium.pregap is not None:
            m.append(_track_xml(ctx, release, medium.pregap, "pregap", recording_xml))
        attrs: dict[str, str | None] = {"count": str(medium.track_count)}
        tracks = container(m, "track-list", attrs)
        if medium.tracks:
            attrs_offset = (medium.tracks[0].position - 1) if medium.tracks else 0
            tracks.set("offset", str(attrs_offset))
            for track in medium.tracks:
                tracks.append(_track_xml(ctx, release, track, "track", recording_xml))
        if medium.data_tracks:
            data = container(m, "data-track-list", {"count": str(len(medium.data_tracks))})
            for track in medium.data_tracks:
                data.append(_track_xml(ctx, release, track, "track", recording_xml))
    return node


def _track_json(
    ctx: Ctx, release: Entity, track: Track, recording_json: RecordingJson, seen: set[int] | None
) -> dict[str, Any]:
    """A track; with ``seen`` (see ``credit_json``) the track's credit, then its recording's, show the tags of
    artists not shown before."""
    obj: dict[str, Any] = {
        "id": track.gid,
        "number": track.number,
        "position": track.position,
        "title": track.name,
        "length": track.length,
    }
    recording = (release.get("recordings") or {}).get(track.recording)
    if recording is not None:
        obj["recording"] = recording_json(ctx, recording)
    credit = _track_credit(release, track)
    if credit is not None:
        obj["artist-credit"] = credit_json(ctx, credit, tags=False, seen=seen)
    if seen is not None and recording is not None and recording.get("artist_credit") is not None:
        obj["recording"]["artist-credit"] = credit_json(ctx, recording["artist_credit"], seen=seen)
    return obj


def media_json(
    ctx: Ctx, release: Entity, media: Sequence[Medium], recording_json: RecordingJson, seen: set[int] | None = None
) -> list[dict[str, Any]]:
    """The JSON ``media`` array (``seen``: see ``_track_json``)."""
    out: list[dict[str, Any]] = []
    for medium in media:
        obj: dict[str, Any] = {
            "id": medium.gid,
            "position": medium.position,
            "title": medium.name,
            "format": medium.format.name if medium.format else None,
            "format-id": medium.format.gid if medium.format else None,
            "track-count": medium.track_count,
        }
        if medium.discs is not None:
            obj["discs"] = [disc_json(d) for d in medium.discs]
        if medium.tracks:
            obj["track-offset"] = (medium.tracks[0].position - 1) if medium.tracks else 0
            if medium.pregap is not None:
                pregap = _track_json(ctx, release, medium.pregap, recording_json, seen)
            obj["tracks"] = [_track_json(ctx, release, t, recording_json, seen) for t in medium.tracks]
            if medium.pregap is not None:
                obj["pregap"] = pregap
            if medium.data_tracks:
                obj["data-tracks"] = [_track_json(ctx, release, t, recording_json, seen) for t in medium.data_tracks]
        out.append(obj)
    return out
