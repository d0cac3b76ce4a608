"""The one settings object of mbmirror.

Every setting is read from the environment with the prefix ``MBMIRROR_`` (or from a ``.env`` file in the
working directory). Build it once at the edge (the CLI's ``main``, the API's lifespan, a test fixture) and pass
it down; nothing reads the environment anywhere else.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

OFFICIAL_DUMP_URL = "https://data.metabrainz.org/pub/musicbrainz/data/fullexport"
OFFICIAL_REPLICATION_URL = "https://metabrainz.org/api/musicbrainz"


def _default_data_dir() -> Path:
    # As root the server runs as an unprivileged user, which cannot traverse /root.
    if os.geteuid() == 0:
        return Path("/var/lib/mbmirror")
    return Path.home() / ".local" / "share" / "mbmirror"


class Settings(BaseSettings):
    """Configuration of mbmirror. Each field is documented in the README's settings table."""

    model_config = SettingsConfigDict(env_prefix="MBMIRROR_", env_file=".env", extra="ignore", secrets_dir=None)

    database_url: str | None = Field(
        default=None,
        description="PostgreSQL URL (13+). Unset: use the embedded cluster under data_dir.",
    )
    data_dir: Path = Field(
        default_factory=_default_data_dir,
        description="Where the embedded cluster, downloads and state live.",
    )
    embedded_port: int = Field(
        default=0,
        description="TCP port of the embedded cluster on 127.0.0.1; 0 picks a free port on first start.",
    )
    dump_url: str = Field(default=OFFICIAL_DUMP_URL, description="Base URL of the full-export dumps.")
    replication_url: str = Field(default=OFFICIAL_REPLICATION_URL, description="Base URL of the replication packets.")
    replication_token: SecretStr | None = Field(
        default=None, description="MetaBrainz access token for the replication packets; never logged."
    )
    sync_poll_seconds: float = Field(
        default=3600.0,
        gt=0,
        description="How long `mbmirror sync --follow` waits (±10 % jitter) before looking for a new packet "
        "after it caught up; packets are published hourly.",
    )
    changes_retention_packets: int = Field(
        default=2160,
        ge=0,
        description="How many replication packets of changed-entity records the changes feed (`/api/changes`) "
        "keeps; older records are pruned as packets are applied (2160 hourly packets = 90 days). 0 keeps all.",
    )
    statement_timeout_ms: int = Field(default=10_000, description="Statement timeout of API queries, in milliseconds.")
    search_timeout_ms: int = Field(
        default=3000, description="Statement timeout of one search (ws/2 ?query=, /api/search), in milliseconds."
    )
    pool_size: int = Field(default=10, description="Connections in the API's pool (per worker).")
    host: str = Field(default="127.0.0.1", description="Address the API listens on.")
    port: int = Field(default=5000, description="Port the API listens on.")
    workers: int = Field(default=1, description="Number of API worker processes.")

    @field_validator("replication_token")
    @classmethod
    def _reject_placeholder_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return None
        token = value.get_secret_value().strip()
        if not token:
            return None
        if token.lower() in {"changeme", "token", "your-token", "xxx"}:
            raise ValueError("MBMIRROR_REPLICATION_TOKEN is a placeholder; set your MetaBrainz token")
        return SecretStr(token)

    @property
    def cluster_dir(self) -> Path:
        """Directory of the embedded PostgreSQL cluster."""
        return self.data_dir / "pg"

    @property
    def download_dir(self) -> Path:
        """Directory where downloaded dump archives are kept."""
        return self.data_dir / "downloads"
