"""mbmirror: a local MusicBrainz mirror (dump importer, replication sync, data layer)."""

__version__ = "0.1.0"
