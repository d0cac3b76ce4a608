"""Alembic migrations of the mbmirror database (MusicBrainz schema changes and mbmirror's own objects)."""
