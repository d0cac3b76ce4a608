"""Response shapes of the native data layer (pydantic models), shared by the ``/api/`` routes and ``Mirror``.

Conventions: ``id`` is always the entity's MBID (the internal row id never leaves the data layer), titles of
releases, release groups, recordings and works are ``title``, every other name is ``name``; dates are partial
ISO dates (``1999``, ``1999-03``, ``1999-03-21``); optional parts asked for with ``include=`` are ``None`` when
not asked for and a list (possibly empty) when asked for.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class Model(BaseModel):
    """Base of every response model: immutable, unknown fields refused."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Ref(Model):
    """A reference to another entity: its MBID and name (or title)."""

    id: str
    name: str


class CreditedArtist(Model):
    """One artist of an artist credit, as credited."""

    id: str = Field(description="MBID of the artist")
    name: str = Field(description="the artist's own name")
    credited_as: str = Field(description="the name on this credit")
    join_phrase: str = Field(description="text after this name in the credit, e.g. ' feat. '")


class LifeSpan(Model):
    begin: str | None = None
    end: str | None = None
    ended: bool = False


class Link(Model):
    """An external link: a URL relationship of the entity."""

    type: str = Field(description="relationship type, e.g. 'discogs', 'wikidata', 'free streaming'")
    url: str


class Alias(Model):
    name: str
    sort_name: str
    locale: str | None = None
    type: str | None = None
    primary: bool = False
    begin: str | None = None
    end: str | None = None


class Tag(Model):
    name: str
    count: int


class GenreVote(Model):
    """A genre given to an entity and how many votes it has (``include=genres``)."""

    id: str
    name: str
    count: int


class Rating(Model):
    value: float | None = Field(description="average rating 0-5, None without votes")
    votes: int


class Relationship(Model):
    """A relationship to another entity (URL relationships are in ``links``)."""

    type: str
    type_id: str
    direction: Literal["forward", "backward"]
    target_type: str
    target: Ref
    begin: str | None = None
    end: str | None = None
    ended: bool = False
    attributes: list[str] = []


class Extras(Model):
    """Parts every entity can be asked for with ``include=``."""

    aliases: list[Alias] | None = None
    tags: list[Tag] | None = None
    genres: list[GenreVote] | None = None
    relationships: list[Relationship] | None = None
    annotation: str | None = None
    rating: Rating | None = None


class ReleaseSummary(Model):
    """A release in a list nested in another entity."""

    id: str
    title: str
    status: str | None = None
    date: str | None = None
    country: str | None = None


class _ArtistFields(Model):
    id: str
    name: str
    sort_name: str
    disambiguation: str
    type: str | None
    gender: str | None
    country: str | None = Field(description="ISO 3166-1 code of the artist's area, when it is a country")
    area: Ref | None
    begin_area: Ref | None
    end_area: Ref | None
    life_span: LifeSpan
    ipis: list[str]
    isnis: list[str]
    links: list[Link]


class _LabelFields(Model):
    id: str
    name: str
    disambiguation: str
    type: str | None
    label_code: int | None
    country: str | None
    area: Ref | None
    life_span: LifeSpan
    ipis: list[str]
    isnis: list[str]
    links: list[Link]


class _AreaFields(Model):
    id: str
    name: str
    disambiguation: str
    type: str | None
    iso_3166_1: list[str]
    iso_3166_2: list[str]
    life_span: LifeSpan
    links: list[Link]


class _WorkFields(Model):
    id: str
    title: str
    disambiguation: str
    type: str | None
    languages: list[str] = Field(description="ISO 639-3 codes")
    iswcs: list[str]
    attributes: dict[str, list[str]]
    links: list[Link]


class ReleaseEvent(Model):
    date: str | None
    country: str | None = Field(description="ISO 3166-1 code, None for an unknown country or a region")
    area: Ref | None


class ReleaseLabel(Model):
    label: Ref | None
    catalog_number: str | None


class Track(Model):
    id: str
    position: int
    number: str
    title: str
    length: int | None = Field(description="milliseconds")
    artist_credit: str
    recording: Ref
    isrcs: list[str]


class Medium(Model):
    position: int
    format: str | None
    title: str
    track_count: int
    discids: list[str]
    tracks: list[Track]


class _ReleaseFields(Model):
    id: str
    title: str
    disambiguation: str
    artist_credit: str = Field(description="the credit as printed, e.g. 'BoA feat. m-flo'")
    artists: list[CreditedArtist]
    release_group: Ref
    release_group_type: str | None
    status: str | None
    packaging: str | None
    language: str | None = Field(description="ISO 639-3 code")
    script: str | None = Field(description="ISO 15924 code")
    barcode: str | None
    date: str | None = Field(description="earliest release date")
    country: str | None = Field(description="country of the earliest release event")
    events: list[ReleaseEvent]
    labels: list[ReleaseLabel]
    media: list[Medium]
    links: list[Link]


class _ReleaseGroupFields(Model):
    id: str
    title: str
    disambiguation: str
    artist_credit: str
    artists: list[CreditedArtist]
    type: str | None = Field(description="primary type")
    secondary_types: list[str]
    first_release_date: str | None
    release_count: int
    links: list[Link]
    releases: list[ReleaseSummary] | None = None


class _RecordingFields(Model):
    id: str
    title: str
    disambiguation: str
    artist_credit: str
    artists: list[CreditedArtist]
    length: int | None = Field(description="milliseconds")
    video: bool
    isrcs: list[str]
    first_release_date: str | None
    links: list[Link]
    releases: list[ReleaseSummary] | None = None


class _EventFields(Model):
    id: str
    name: str
    disambiguation: str
    type: str | None
    life_span: LifeSpan
    time: str | None = Field(description="start time, HH:MM")
    cancelled: bool
    setlist: str | None
    links: list[Link]


class Coordinates(Model):
    latitude: float
    longitude: float


class _PlaceFields(Model):
    id: str
    name: str
    disambiguation: str
    type: str | None
    address: str
    area: Ref | None
    coordinates: Coordinates | None
    life_span: LifeSpan
    links: list[Link]


class _InstrumentFields(Model):
    id: str
    name: str
    disambiguation: str
    type: str | None
    description: str
    links: list[Link]


class _SeriesFields(Model):
    id: str
    name: str
    disambiguation: str
    type: str | None
    ordering_type: str | None
    links: list[Link]


class _GenreFields(Model):
    id: str
    name: str
    disambiguation: str
    links: list[Link]


class Artist(Extras, _ArtistFields):
    """Artist as served by ``/api/artist/{mbid}``: own fields first, then the ``include=`` parts."""


class Label(Extras, _LabelFields):
    """Label as served by ``/api/label/{mbid}``: own fields first, then the ``include=`` parts."""


class Area(Extras, _AreaFields):
    """Area as served by ``/api/area/{mbid}``: own fields first, then the ``include=`` parts."""


class Work(Extras, _WorkFields):
    """Work as served by ``/api/work/{mbid}``: own fields first, then the ``include=`` parts."""


class Release(Extras, _ReleaseFields):
    """Release as served by ``/api/release/{mbid}``: own fields first, then the ``include=`` parts."""


class ReleaseGroup(Extras, _ReleaseGroupFields):
    """ReleaseGroup as served by ``/api/release-group/{mbid}``: own fields first, then the ``include=`` parts."""


class Recording(Extras, _RecordingFields):
    """Recording as served by ``/api/recording/{mbid}``: own fields first, then the ``include=`` parts."""


class Event(Extras, _EventFields):
    """Event as served by ``/api/event/{mbid}``: own fields first, then the ``include=`` parts."""


class Place(Extras, _PlaceFields):
    """Place as served by ``/api/place/{mbid}``: own fields first, then the ``include=`` parts."""


class Instrument(Extras, _InstrumentFields):
    """Instrument as served by ``/api/instrument/{mbid}``: own fields first, then the ``include=`` parts."""


class Series(Extras, _SeriesFields):
    """Series as served by ``/api/series/{mbid}``: own fields first, then the ``include=`` parts."""


class Genre(Extras, _GenreFields):
    """Genre as served by ``/api/genre/{mbid}``: own fields first, then the ``include=`` parts."""


Entity = Artist | Label | Area | Work | Release | ReleaseGroup | Recording | Event | Place | Instrument | Series | Genre
