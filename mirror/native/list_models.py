"""Shapes of the native lists: one flat item model per entity type (so a page is also a CSV table), and the
page with its ``next`` cursor and facet counts. List-valued columns become ``;``-separated text in CSV.
"""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import Field

from mirror.native.models import Model


class ArtistItem(Model):
    id: str
    name: str
    sort_name: str
    disambiguation: str
    type: str | None
    gender: str | None
    country: str | None
    area: str | None = Field(description="name of the artist's area")
    begin: str | None
    end: str | None


class LabelItem(Model):
    id: str
    name: str
    disambiguation: str
    type: str | None
    label_code: int | None
    country: str | None
    area: str | None
    begin: str | None
    end: str | None


class AreaItem(Model):
    id: str
    name: str
    disambiguation: str
    type: str | None
    iso_3166_1: list[str]


class WorkItem(Model):
    id: str
    title: str
    disambiguation: str
    type: str | None
    iswcs: list[str]
    languages: list[str]


class ReleaseItem(Model):
    id: str
    title: str
    disambiguation: str
    artist_credit: str
    release_group: str = Field(description="MBID of the release group")
    type: str | None = Field(description="primary type of the release group")
    status: str | None
    date: str | None = Field(description="date of the earliest release event")
    country: str | None = Field(description="country of the earliest release event")
    barcode: str | None
    language: str | None
    catalog_numbers: list[str]


class ReleaseGroupItem(Model):
    id: str
    title: str
    disambiguation: str
    artist_credit: str
    type: str | None
    secondary_types: list[str]
    first_release_date: str | None


class RecordingItem(Model):
    id: str
    title: str
    disambiguation: str
    artist_credit: str
    length: int | None = Field(description="milliseconds")
    video: bool
    isrcs: list[str]


class FacetValue(Model):
    value: str | int | None
    count: int


Item = TypeVar("Item", bound=Model)


class Page(Model, Generic[Item]):
    """One page of a list: ``next`` is the cursor of the following page (None on the last page)."""

    items: list[Item]
    next: str | None = Field(description="pass as cursor= to get the next page; None on the last page")
    facets: dict[str, list[FacetValue]] | None = Field(
        default=None, description="per facet= name: the most frequent values among all matching rows, with counts"
    )
