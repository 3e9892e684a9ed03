"""Settings read from the environment (prefix ``MODELHUB_``); no side effects at import time."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

GIB = 1024**3


class Settings(BaseSettings):
    """Everything the hub can be configured with.

    Every field reads ``MODELHUB_<FIELD>`` from the environment, e.g. ``MODELHUB_DATA_DIR``.
    """

    model_config = SettingsConfigDict(env_prefix="MODELHUB_", extra="ignore")

    data_dir: Path = Field(
        default=Path("modelhub-data"), description="Where the hub keeps its state"
    )
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default: an SQLite file in the data directory"
    )
    storage_dir: Path | None = Field(
        default=None, description="Blob storage directory; default: <data_dir>/blobs"
    )
    base_url: str = Field(
        default="http://127.0.0.1:8000", description="Public base URL used in links and id_map.json"
    )
    max_upload_bytes: int = Field(default=20 * GIB, gt=0, description="Largest accepted upload")
    max_unpacked_bytes: int = Field(default=40 * GIB, gt=0, description="Largest unpacked package")
    max_files: int = Field(default=10_000, gt=0, description="Most files in one package")
    max_description_bytes: int = Field(default=2 * 1024**2, gt=0, description="Largest rdf.yaml")
    session_days: int = Field(default=14, gt=0, description="Web login lifetime in days")
    secure_cookies: bool = Field(default=False, description="Mark cookies Secure (behind HTTPS)")
    run_jobs: bool = Field(
        default=True, description="Run the job dispatcher in `modelhub serve` (false: web only)"
    )
    dask_scheduler: str | None = Field(
        default=None,
        description="External Dask scheduler (tcp://host:8786); default: an embedded LocalCluster",
    )
    dask_workers: int = Field(
        default=1, gt=0, description="Worker processes of the embedded Dask cluster"
    )
    job_max_attempts: int = Field(
        default=3, gt=0, description="Attempts of a job before it fails (a lost worker uses one)"
    )
    check_timeout_s: float = Field(default=600, gt=0, description="Wall clock for one check")
    check_memory_bytes: int = Field(default=8 * GIB, gt=0, description="Memory of one check")
    check_cpu_seconds: int = Field(default=1800, gt=0, description="CPU time per check process")
    check_max_processes: int = Field(default=128, gt=0, description="Processes of one check")
    check_warm_sandboxes: int = Field(
        default=2,
        ge=0,
        description="Sandboxes each worker keeps started ahead (one per weight format tested)",
    )
    check_scratch_dir: Path | None = Field(
        default=None, description="Where workers unpack packages to test (default: system temp)"
    )
    allow_unsandboxed_checks: bool = Field(
        default=False,
        description="UNSAFE: run package code without the bubblewrap sandbox where it cannot run",
    )
    smtp_host: str | None = Field(default=None, description="SMTP server for e-mail (none: off)")
    smtp_port: int = Field(default=25, gt=0, description="SMTP port")
    smtp_sender: str = Field(default="modelhub@localhost", description="From address")
    smtp_username: str | None = Field(default=None, description="SMTP login")
    smtp_password: str | None = Field(default=None, description="SMTP password")
    smtp_starttls: bool = Field(default=False, description="Use STARTTLS")
    webhook_allow_private: bool = Field(
        default=False,
        description=(
            "Allow webhooks to private, loopback and link-local addresses (a hub inside a lab"
            " network)"
        ),
    )
    search_memory: bool = Field(
        default=True,
        description="Answer searches from a copy of the search index in memory (false: SQL only)",
    )
    webhook_retry_delays: str = Field(
        default="10,60,300,1800,7200",
        description="Seconds between webhook delivery attempts, comma-separated (the last repeats)",
    )
    webhook_max_attempts: int = Field(
        default=6, gt=0, description="Attempts of a webhook delivery before it is failed"
    )

    @field_validator("webhook_retry_delays")
    @classmethod
    def _delays_are_seconds(cls, value: str) -> str:
        parse_delays(value)
        return value

    @property
    def resolved_database_url(self) -> str:
        """The database URL, defaulting to an SQLite file inside the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'modelhub.sqlite3').resolve()}"

    @property
    def resolved_storage_dir(self) -> Path:
        """The blob directory, defaulting to ``<data_dir>/blobs``."""
        return self.storage_dir if self.storage_dir is not None else self.data_dir / "blobs"

    @property
    def staging_dir(self) -> Path:
        """Where uploads land before they are accepted; emptied of leftovers at start."""
        return self.data_dir / "staging"

    @property
    def webhook_retry_schedule(self) -> tuple[float, ...]:
        """``webhook_retry_delays`` as numbers of seconds."""
        return parse_delays(self.webhook_retry_delays)

    @property
    def public_base(self) -> str:
        """The base URL without a trailing slash."""
        return self.base_url.rstrip("/")


def parse_delays(text: str) -> tuple[float, ...]:
    """``"10, 60,300"`` → ``(10.0, 60.0, 300.0)``; ``ValueError`` unless at least one delay is
    given and every delay is a positive number of seconds."""
    try:
        delays = tuple(float(part) for part in text.split(","))
    except ValueError:
        raise ValueError("must be numbers of seconds separated by commas") from None
    if not all(0 < delay < float("inf") for delay in delays):
        raise ValueError("every delay must be a positive number of seconds")
    return delays
