"""Exceptions of the mirror package.

    MirrorError                       base: every error mbmirror raises on purpose
    ├── ConfigError                   a setting or the environment is unusable
    ├── EmbeddedDatabaseError         the embedded PostgreSQL cannot be found, created or started
    ├── LockHeldError                 another import or sync holds the advisory lock
    ├── DumpError                     a dump cannot be imported
    │   ├── ArchiveError              truncated or corrupt archive, bad member
    │   ├── ChecksumMismatch          SHA256SUMS / MD5SUMS disagree with a file
    │   ├── SchemaMismatch            SCHEMA_SEQUENCE differs from the one the code implements
    │   └── InconsistentDump          archives from different exports mixed together
    ├── DownloadError                 an HTTP download failed
    ├── ExportError                   a Parquet export cannot be made (bad arguments, OUT_DIR not empty)
    ├── NotFound                      a requested entity does not exist (data layer)
    ├── InvalidQuery                  a data-layer request is malformed (bad filter, sort, facet, cursor, MBID)
    ├── ChangesExpired                the changes feed no longer holds the changes after a sequence
    └── SearchError                   a search query cannot be run
        ├── QuerySyntaxError          the query text is not valid Lucene syntax (``reason``, ``position``)
        ├── QueryTooComplex           the query exceeds a work limit: length, clauses or nesting depth
        └── SearchTimeout             the search ran longer than its statement timeout

The API maps these to HTTP responses in one place (``api/errors.py``); the CLI prints their message and exits
non-zero. Each exception carries the fields a caller needs, not just a string.
"""

from __future__ import annotations


class MirrorError(Exception):
    """Base class of every deliberate mbmirror error."""


class ConfigError(MirrorError):
    """A setting or the environment is unusable."""


class EmbeddedDatabaseError(MirrorError):
    """The embedded PostgreSQL cluster cannot be found, created or started."""


class LockHeldError(MirrorError):
    """Another import or sync is running."""

    def __init__(self, what: str) -> None:
        super().__init__(
            f"another mbmirror {what} is running against this database (advisory lock held); wait for it to finish"
        )
        self.what = what


class DumpError(MirrorError):
    """A dump cannot be imported."""


class ArchiveError(DumpError):
    """An archive is truncated, corrupt or malformed."""

    def __init__(self, archive: str, detail: str) -> None:
        super().__init__(f"{archive}: {detail}")
        self.archive = archive
        self.detail = detail


class ChecksumMismatch(DumpError):
    """A downloaded file does not match its published checksum."""

    def __init__(self, filename: str, expected: str, actual: str, algorithm: str) -> None:
        super().__init__(
            f"{filename}: {algorithm} checksum mismatch (published {expected}, file has {actual}); "
            "the file is corrupt or incomplete: delete it and download again"
        )
        self.filename = filename
        self.expected = expected
        self.actual = actual
        self.algorithm = algorithm


class SchemaMismatch(DumpError):
    """The dump (or packet) schema sequence differs from the one this code implements."""

    def __init__(self, source: str, found: int | None, expected: int) -> None:
        if found is not None and found > expected:
            hint = "upgrade mbmirror to a release that supports it, then run `mbmirror init`"
        else:
            hint = f"download a dump made with schema sequence {expected}"
        super().__init__(
            f"{source} has SCHEMA_SEQUENCE {found}, but this mbmirror implements schema sequence {expected}; {hint}"
        )
        self.source = source
        self.found = found
        self.expected = expected


class InconsistentDump(DumpError):
    """Archives of one import do not come from the same export."""


class DownloadError(MirrorError):
    """An HTTP download failed."""


class ExportError(MirrorError):
    """A Parquet export cannot be made: an unknown table, an output directory in the way."""


class NotFound(MirrorError):
    """A requested entity does not exist."""

    def __init__(self, entity: str, key: str) -> None:
        super().__init__(f"{entity} {key} not found")
        self.entity = entity
        self.key = key


class InvalidQuery(MirrorError):
    """A request to the data layer is malformed: an unknown filter, sort or facet, a bad value, a bad cursor."""

    def __init__(self, parameter: str, detail: str) -> None:
        super().__init__(f"{parameter}: {detail}")
        self.parameter = parameter
        self.detail = detail


class ChangesExpired(MirrorError):
    """The changes after ``since`` are no longer (or were never) recorded: the caller must re-sync from scratch."""

    def __init__(self, since: int, oldest: int | None) -> None:
        if oldest is None:
            where = "this mirror has no changes feed yet (no dump with a replication sequence was imported)"
        else:
            where = f"the oldest sequence this mirror can answer from is {oldest}"
        super().__init__(
            f"since={since} is older than the changes this mirror keeps ({where}); "
            "re-sync your copy from scratch (list the entities), then follow the feed from the sequence in /status"
        )
        self.since = since
        self.oldest = oldest


class SearchError(MirrorError):
    """A search query cannot be run."""


class QuerySyntaxError(SearchError):
    """The query text is not valid Lucene syntax; ``position`` is the 0-based character offset of the problem."""

    def __init__(self, reason: str, position: int) -> None:
        super().__init__(f"cannot parse the query: {reason} at position {position}")
        self.reason = reason
        self.position = position


class QueryTooComplex(SearchError):
    """The query exceeds a work limit.

    ``limit`` names it (``"length"``: characters, ``"clauses"``: leaf queries, ``"depth"``: nested groups),
    ``maximum`` is its configured value and ``position`` the character offset where it was exceeded.
    """

    def __init__(self, limit: str, maximum: int, position: int) -> None:
        what = {"length": "characters", "clauses": "clauses", "depth": "levels of nested groups"}.get(limit, limit)
        super().__init__(f"the query is too complex: more than {maximum} {what} (at position {position})")
        self.limit = limit
        self.maximum = maximum
        self.position = position
        self.reason = f"more than {maximum} {what}"


class SearchTimeout(SearchError):
    """The search ran longer than its statement timeout (``MBMIRROR_SEARCH_TIMEOUT_MS``)."""

    def __init__(self, timeout_ms: int) -> None:
        super().__init__(f"the search took longer than {timeout_ms} ms and was cancelled")
        self.timeout_ms = timeout_ms
