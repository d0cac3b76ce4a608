"""Exceptions of the replication sync (to be merged into ``mirror.errors`` by the lead).

    MirrorError                          (mirror.errors)
    └── SyncError                        replication cannot go on; exit code 1
        ├── PacketError                  truncated, corrupt or malformed packet
        ├── PacketSequenceError          the packet is not the next one
        │   ├── DuplicatePacket          already applied (sequence <= current)
        │   └── PacketGap                one or more packets are missing (sequence > current + 1)
        ├── SchemaChangeRequired         first packet of a new schema sequence; exit code 3 (as the reference)
        ├── ReplicationUnavailable       the database cannot replicate (no or NULL replication sequence)
        ├── PacketFetchError             download failed after retries (URL redacted, never the token)
        ├── TokenRequired                the official feed needs MBMIRROR_REPLICATION_TOKEN
        ├── ApplyError                   PostgreSQL refused a change of the packet (packet rolled back)
        ├── MissingPrimaryKey            a kept table has no primary key in the packet or the catalogue
        └── SequenceNotAdvanced          after applying, replication_control is not at the packet's sequence

Every class carries the fields a caller needs (``sequence``, ``expected`` ...) and an ``exit_code`` the CLI
returns. Every failure rolls the whole packet back, so the database never moves past a packet that failed.
"""

from __future__ import annotations

from mirror.errors import MirrorError


class SyncError(MirrorError):
    """Replication cannot go on."""

    exit_code: int = 1


class PacketError(SyncError):
    """A packet is truncated, corrupt or malformed."""

    def __init__(self, packet: str, detail: str) -> None:
        super().__init__(f"replication packet {packet}: {detail}")
        self.packet = packet
        self.detail = detail


class PacketSequenceError(SyncError):
    """A packet is not the one that follows the database's replication sequence."""

    def __init__(self, message: str, *, current: int, found: int) -> None:
        super().__init__(message)
        self.current = current
        self.found = found

    @property
    def expected(self) -> int:
        return self.current + 1


class DuplicatePacket(PacketSequenceError):
    """The packet is already applied."""

    def __init__(self, *, current: int, found: int) -> None:
        super().__init__(
            f"replication packet {found} is already applied (the database is at {current}); "
            f"the next packet is {current + 1}",
            current=current,
            found=found,
        )


class PacketGap(PacketSequenceError):
    """Packets between the database's sequence and this packet are missing."""

    def __init__(self, *, current: int, found: int) -> None:
        missing = f"{current + 1}" if found == current + 2 else f"{current + 1}-{found - 1}"
        super().__init__(
            f"replication packet {found} does not follow the database's sequence {current}: "
            f"packet(s) {missing} missing; apply them first or re-import a newer dump",
            current=current,
            found=found,
        )


class SchemaChangeRequired(SyncError):
    """The next packet belongs to a schema sequence the database is not at."""

    exit_code = 3

    def __init__(self, *, sequence: int, database: int, packet: int, code: int) -> None:
        if packet == code:
            action = (
                f"run `mbmirror init` to apply the migration to schema sequence {packet}, "
                "then run `mbmirror sync` again"
            )
        else:
            action = (
                f"upgrade mbmirror to a release implementing schema sequence {packet} "
                f"(this one implements {code}), run `mbmirror init` to migrate, then `mbmirror sync` again"
            )
        super().__init__(
            f"replication packet {sequence} has SCHEMA_SEQUENCE {packet}, the database is at {database}: "
            f"MusicBrainz changed its schema; {action}"
        )
        self.sequence = sequence
        self.database = database
        self.packet = packet
        self.code = code


class ReplicationUnavailable(SyncError):
    """The database holds no replication sequence, so no packet can be applied to it."""

    def __init__(self, detail: str) -> None:
        super().__init__(f"this database cannot replicate: {detail}")
        self.detail = detail


class PacketFetchError(SyncError):
    """A packet could not be downloaded (the URL in the message never contains the token)."""

    def __init__(self, sequence: int, url: str, detail: str) -> None:
        super().__init__(f"replication packet {sequence}: download from {url} failed: {detail}")
        self.sequence = sequence
        self.url = url
        self.detail = detail


class TokenRequired(SyncError):
    """The official replication feed needs an access token."""

    def __init__(self) -> None:
        super().__init__(
            "the MetaBrainz replication feed needs an access token: set MBMIRROR_REPLICATION_TOKEN "
            "(get one at https://metabrainz.org/profile)"
        )


class ApplyError(SyncError):
    """PostgreSQL refused a change of the packet; the whole packet was rolled back."""

    def __init__(self, sequence: int, table: str, op: str, detail: str) -> None:
        super().__init__(
            f"replication packet {sequence}: applying {op} on {table} failed, packet rolled back: {detail}"
        )
        self.sequence = sequence
        self.table = table
        self.op = op
        self.detail = detail


class MissingPrimaryKey(SyncError):
    """A kept table has no primary key, neither in ``pending_keys`` nor in the local catalogue."""

    def __init__(self, sequence: int, table: str) -> None:
        super().__init__(
            f"replication packet {sequence}: table {table} has no primary key in the packet or the database; "
            "updates and deletes cannot be matched"
        )
        self.sequence = sequence
        self.table = table


class SequenceNotAdvanced(SyncError):
    """After applying a packet, replication_control is not at the packet's sequence."""

    def __init__(self, sequence: int, found: int | None) -> None:
        super().__init__(
            f"replication packet {sequence} did not move replication_control to {sequence} (found {found}); "
            "the packet was rolled back: its replication_control row is missing or does not match"
        )
        self.sequence = sequence
        self.found = found
