"""Server settings: one object read from ``ASSAY_*`` environment variables."""

from __future__ import annotations

import os
import secrets
import time
from functools import cached_property
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from assay.errors import ConfigurationError

MIN_SECRET_LENGTH = 32
WEAK_SECRETS = {"changeme", "secret", "dev", "development", "assay", "password"}


class Settings(BaseSettings):
    """Every setting has a name (``ASSAY_`` + field name in capitals), a default and a one-line help."""

    model_config = SettingsConfigDict(env_prefix="ASSAY_", extra="ignore")

    home: Path = Field(
        Path("~/.assay"), description="Folder for the SQLite database, blobs and the dev secret."
    )
    database_url: str | None = Field(None, description="SQLAlchemy URL; SQLite under `home` when unset.")
    storage_url: str | None = Field(None, description="fsspec URL for blobs; `home`/blobs when unset.")
    secret_key: SecretStr | None = Field(
        None, description="Key for hashing tokens; required outside dev mode."
    )
    dev: bool = Field(False, description="Dev mode: allows a generated secret key kept under `home`.")
    auto_migrate: bool = Field(True, description="Apply database migrations when the server starts.")
    max_body_bytes: int = Field(
        2 * 1024 * 1024, description="Largest JSON request body accepted (413 above)."
    )
    max_upload_bytes: int = Field(
        1024 * 1024 * 1024, description="Largest bulk-import upload accepted (413 above)."
    )
    page_size_max: int = Field(500, description="Cap on `limit` for every paginated list.")
    session_hours: float = Field(12.0, description="Lifetime of a browser session cookie, in hours.")
    cookie_secure: bool = Field(False, description="Mark the session cookie Secure (serve over HTTPS).")
    reap_interval: float = Field(
        1.0, description="Seconds between sweeps that return expired leases to the pool."
    )
    db_pool_size: int = Field(
        40,
        description="PostgreSQL connections kept open per server process; match the 40 request threads, "
        "since a connection beyond the pool is opened and closed per request.",
    )
    access_log: bool = Field(False, description="Log every HTTP request (costs a few % of throughput).")
    job_workers: int = Field(1, description="Background job threads per server process (0: run jobs elsewhere).")
    job_poll_seconds: float = Field(1.0, description="How often an idle job worker looks for queued jobs.")
    job_stale_seconds: float = Field(
        120.0, description="A running job without a heartbeat for this long is taken over by another worker."
    )
    job_max_attempts: int = Field(
        3, ge=1, description="Claims a job gets; one whose worker keeps dying is then marked failed, not re-run."
    )
    local_model_dirs: str = Field(
        "",
        description="Folders (comma-separated) whose local Hugging Face models generate jobs may load "
        "(any folder in dev mode).",
    )
    backend_allow_hosts: str = Field(
        "", description="Model backend hosts (comma-separated) allowed even on private or link-local addresses."
    )
    backend_allow_loopback: bool = Field(
        False, description="Allow model backends on loopback addresses (always allowed in dev mode)."
    )

    @cached_property
    def home_dir(self) -> Path:
        """The expanded home folder, created on first use."""
        path = self.home.expanduser()
        path.mkdir(parents=True, exist_ok=True)
        return path

    @property
    def db_url(self) -> str:
        """The database URL in force."""
        return self.database_url or f"sqlite:///{self.home_dir / 'assay.db'}"

    @property
    def blob_url(self) -> str:
        """The blob-storage URL in force."""
        return self.storage_url or (self.home_dir / "blobs").as_uri()

    def resolved_secret(self) -> bytes:
        """The secret key; in dev mode a random one is generated once and kept under ``home``."""
        if self.secret_key is not None:
            value = self.secret_key.get_secret_value()
            if len(value) >= MIN_SECRET_LENGTH and value.lower() not in WEAK_SECRETS:
                return value.encode()
            if not self.dev:
                raise ConfigurationError(
                    f"ASSAY_SECRET_KEY is too weak: use at least {MIN_SECRET_LENGTH} random characters, "
                    "e.g. `python -c 'import secrets; print(secrets.token_urlsafe(48))'`"
                )
        if not self.dev:
            raise ConfigurationError(
                "ASSAY_SECRET_KEY is not set. Set it to at least 32 random characters, or run with ASSAY_DEV=1."
            )
        path = self.home_dir / "secret_key"
        try:
            # O_EXCL: when several workers start at once, exactly one writes the key; the rest read it.
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        except FileExistsError:
            for _ in range(50):
                value = path.read_text().strip()
                if value:
                    return value.encode()
                time.sleep(0.05)
            raise ConfigurationError(f"{path} is empty; delete it to generate a new dev secret") from None
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
        return path.read_text().strip().encode()
