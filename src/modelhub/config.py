"""Settings read from the environment (prefix ``MODELHUB_``); no side effects at import time."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal
from urllib.parse import unquote, urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator
from pydantic_settings import SettingsConfigDict

from modelhub.config_jobs import GIB, JobSettings
from modelhub.config_values import check_files_origin, parse_allow_hosts, parse_delays

_PROVIDER_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,31}")


class OidcProvider(BaseModel):
    """One OpenID Connect identity provider people may log in with (``MODELHUB_OIDC_PROVIDERS``,
    a JSON object from a short name to these fields)."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(max_length=100, description="Shown on the button: 'Log in with <title>'")
    issuer: str = Field(max_length=500, description="The issuer URL (discovery lives below it)")
    client_id: str = Field(max_length=500)
    client_secret: SecretStr
    scopes: str = Field(default="openid email profile", max_length=500)


class Settings(JobSettings):
    """Everything the hub can be configured with.

    Every field reads ``MODELHUB_<FIELD>`` from the environment, e.g. ``MODELHUB_DATA_DIR``; the
    fields of jobs, checks and predictions are declared in ``config_jobs.JobSettings``.
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
    storage_url: str | None = Field(
        default=None,
        description=(
            "Where blobs are stored: file:///path (a directory) or s3://bucket/prefix;"
            " default: the storage directory"
        ),
    )
    s3_endpoint_url: str | None = Field(
        default=None,
        description="Address of an S3-compatible service (MinIO…); default: AWS",
    )
    s3_part_size: int = Field(
        default=64 * 1024**2,
        ge=5 * 1024**2,
        description="Bytes per part of a multipart upload to S3 (5 MiB at least)",
    )
    s3_presigned_downloads: bool = Field(
        default=False,
        description="Answer file downloads with a redirect to a short-lived S3 address"
        " instead of streaming the bytes through the hub",
    )
    s3_presigned_seconds: int = Field(
        default=3600, gt=0, le=7 * 24 * 3600, description="How long a presigned S3 address works"
    )
    base_url: str = Field(
        default="http://127.0.0.1:8000", description="Public base URL used in links and id_map.json"
    )
    hub_name: str = Field(
        default="modelhub", max_length=200, description="The hub's name in collection.json"
    )
    hub_description: str = Field(
        default="A community repository of pretrained AI models for (bio)image analysis.",
        max_length=2000,
        description="The hub's one-line description in collection.json",
    )
    files_url: str | None = Field(
        default=None,
        description=(
            "A separate origin serving package files (https://files.hub.example, the hub's app"
            " answering that Host); default: the hub's own origin"
        ),
    )
    files_secret: SecretStr | None = Field(
        default=None,
        description="Key (32+ characters) signing the short-lived links to draft files on the"
        " files origin; required with files_url",
    )
    files_link_seconds: int = Field(
        default=600, gt=0, description="How long a signed link to a draft file works"
    )
    max_upload_bytes: int = Field(default=20 * GIB, gt=0, description="Largest accepted upload")
    max_unpacked_bytes: int = Field(default=40 * GIB, gt=0, description="Largest unpacked package")
    max_files: int = Field(default=10_000, gt=0, description="Most files in one package")
    max_description_bytes: int = Field(default=2 * 1024**2, gt=0, description="Largest rdf.yaml")
    session_days: int = Field(default=14, gt=0, description="Web login lifetime in days")
    secure_cookies: bool = Field(default=False, description="Mark cookies Secure (behind HTTPS)")
    max_body_bytes: int = Field(
        default=1024**2, gt=0, description="Largest request body outside the upload routes"
    )
    access_log: bool = Field(
        default=True, description="Log one line per request (no cookies or tokens)"
    )
    signup: Literal["open", "invitation", "admin-only"] = Field(
        default="admin-only",
        description=(
            "Who may create an account at /signup: anyone (open), holders of an invitation, or"
            " nobody (admin-only: admins add accounts); admins change it on /admin/users"
        ),
    )
    invitation_days: int = Field(default=14, gt=0, description="How long an invitation is valid")
    login_max_failures: int = Field(
        default=5, gt=0, description="Failed logins in a row of one account before throttling"
    )
    login_max_failures_per_address: int = Field(
        default=20, gt=0, description="Failed logins in a row from one address before throttling"
    )
    login_wait_s: float = Field(
        default=60, gt=0, description="First throttling window; doubles with each failure"
    )
    allow_self_approval: bool = Field(
        default=False,
        description=(
            "Let reviewers and admins approve revisions they uploaded themselves (a one-person"
            " hub); off: another reviewer must approve every upload"
        ),
    )
    oidc_providers: dict[str, OidcProvider] = Field(
        default_factory=dict,
        description=(
            'OpenID Connect providers for \'Log in with …\', as JSON: {"name": {"title": …,'
            ' "issuer": …, "client_id": …, "client_secret": …}}; the name (letters,'
            " digits, '-') is part of the redirect URI <base_url>/login/oidc/<name>/callback"
        ),
    )
    oidc_create_accounts: bool = Field(
        default=False,
        description="Create an account at a person's first login through a provider",
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
    fetch_allow_hosts: str = Field(
        default="",
        description=(
            "host:port pairs, comma-separated, that URLs the hub fetches (submit by URL, partner"
            " collections) may reach although they resolve to private addresses (an intranet"
            " server, a test server on loopback); nothing else private is ever fetched"
        ),
    )
    fetch_timeout_s: float = Field(
        default=15, gt=0, description="Seconds to connect, and to wait for each read, when fetching"
    )
    fetch_total_s: float = Field(
        default=1800, gt=0, description="Seconds one fetch (all redirects and the body) may take"
    )
    fetch_max_redirects: int = Field(
        default=5, ge=0, description="Redirects one fetch follows (each checked like the URL)"
    )
    partner_sync_interval_s: float = Field(
        default=3600,
        ge=0,
        description="Seconds between syncs of each partner's collection (0: only on request)",
    )
    partner_collection_max_bytes: int = Field(
        default=10 * 1024 * 1024, gt=0, description="Largest partner collection document fetched"
    )
    partner_max_entries: int = Field(
        default=5000, gt=0, description="Most entries one partner collection may list"
    )
    search_memory: bool = Field(
        default=True,
        description="Answer searches from a copy of the search index in memory (false: SQL only)",
    )
    gc_grace_s: float = Field(
        default=3600,
        ge=0,
        description="Age before gc removes an unreferenced blob or temporary file (uploads in"
        " flight stay safe)",
    )
    summary_pull_interval_s: float = Field(
        default=6 * 3600,
        ge=0,
        description="Seconds between pulls of each partner's test summaries (0: on demand only)",
    )
    usage_counting: bool = Field(
        default=True, description="Count the downloads the hub serves (usage analytics)"
    )
    usage_raw_retention_days: float = Field(
        default=90,
        gt=0,
        description="Days raw download events are kept (the daily rollups stay)",
    )
    usage_fold_interval_s: float = Field(
        default=20,
        ge=0,
        description="Seconds between folds of download events into the statistics (0: none)",
    )
    usage_reports_per_minute: int = Field(
        default=600,
        ge=0,
        description="Download reports (`/matomo.php`) one client address may send per minute,"
        " bulk requests counting each report (0: no limit)",
    )
    gc_interval_s: float = Field(
        default=3600,
        ge=0,
        description="Seconds between the hub's own gc runs, one process at a time (0: none)",
    )
    web_workers: int = Field(
        default=1,
        gt=0,
        description=(
            "Web server processes of `modelhub serve` (the job dispatcher runs once, in the"
            " supervising process); each holds its own db_pool_size connections"
        ),
    )
    web_threads: int = Field(
        default=40, gt=0, description="Threads of a web process running the blocking routes"
    )
    db_pool_size: int | None = Field(
        default=None,
        gt=0,
        description=(
            "Database connections of one process; default: web_threads + 8 (one per route"
            " thread, and some for the job dispatcher and the search index)"
        ),
    )
    db_pool_timeout_s: float = Field(
        default=3,
        gt=0,
        description="Wait for a free database connection before answering 503 (overloaded)",
    )
    max_requests_in_flight: int = Field(
        default=256,
        gt=0,
        description=(
            "Requests one web process works on at once (until their answer starts); more are"
            " answered 503 with Retry-After at once"
        ),
    )
    retry_after_s: int = Field(
        default=2, gt=0, description="Retry-After (seconds) of the 503 answers when overloaded"
    )
    keep_alive_s: int = Field(
        default=75,
        gt=0,
        description=(
            "Seconds the web server keeps an idle connection open; above the idle timeout of a"
            " proxy in front (nginx keeps its upstream connections 60 s), or the proxy may send a"
            " request on a connection the hub is closing and answer 502"
        ),
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

    @field_validator("oidc_providers")
    @classmethod
    def _provider_names(cls, value: dict[str, OidcProvider]) -> dict[str, OidcProvider]:
        for name in value:
            if not _PROVIDER_NAME.fullmatch(name):
                raise ValueError(f"provider name {name!r}: use 1 to 32 letters, digits or '-'")
        return value

    @field_validator("fetch_allow_hosts")
    @classmethod
    def _hosts_have_ports(cls, value: str) -> str:
        parse_allow_hosts(value)
        return value

    @field_validator("storage_url")
    @classmethod
    def _storage_url(cls, value: str | None) -> str | None:
        if value is not None:
            parts = urlsplit(value)
            if parts.scheme not in ("file", "s3"):
                raise ValueError("use file:///path or s3://bucket/prefix")
            if parts.scheme == "s3" and not parts.netloc:
                raise ValueError("name the bucket: s3://bucket/prefix")
            if parts.scheme == "file" and (parts.netloc or not parts.path):
                raise ValueError("use file:///absolute/path (three slashes)")
        return value

    @model_validator(mode="after")
    def _one_storage_setting(self) -> Settings:
        if self.storage_url is not None and self.storage_dir is not None:
            raise ValueError("set MODELHUB_STORAGE_URL or MODELHUB_STORAGE_DIR, not both")
        return self

    @property
    def s3_location(self) -> tuple[str, str] | None:
        """(bucket, prefix) when blobs are stored in S3, else None."""
        if self.storage_url is None or not self.storage_url.startswith("s3:"):
            return None
        parts = urlsplit(self.storage_url)
        return parts.netloc, parts.path.strip("/")

    @model_validator(mode="after")
    def _files_origin_is_separate(self) -> Settings:
        if self.files_url is not None:
            check_files_origin(self.files_url, self.base_url, self.files_secret)
        return self

    @property
    def public_files_base(self) -> str | None:
        """The files origin without a trailing slash; None when files come from the hub."""
        return self.files_url.rstrip("/") if self.files_url else None

    @property
    def resolved_database_url(self) -> str:
        """The database URL, defaulting to an SQLite file inside the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'modelhub.sqlite3').resolve()}"

    @property
    def resolved_storage_dir(self) -> Path:
        """The blob directory (``file://`` storage URL, storage directory, or
        ``<data_dir>/blobs``)."""
        if self.storage_url is not None and self.storage_url.startswith("file:"):
            return Path(unquote(urlsplit(self.storage_url).path))
        return self.storage_dir if self.storage_dir is not None else self.data_dir / "blobs"

    @property
    def resolved_db_pool_size(self) -> int:
        """Connections per process: one per route thread plus a few for background work."""
        return self.db_pool_size if self.db_pool_size is not None else self.web_threads + 8

    @property
    def staging_dir(self) -> Path:
        """Where uploads land before they are accepted; emptied of leftovers at start."""
        return self.data_dir / "staging"

    @property
    def predictions_dir(self) -> Path:
        """Inputs and results of predictions (blobs of their own, deleted after retention)."""
        return self.data_dir / "predictions"

    @property
    def webhook_retry_schedule(self) -> tuple[float, ...]:
        """``webhook_retry_delays`` as numbers of seconds."""
        return parse_delays(self.webhook_retry_delays)

    @property
    def fetch_allowed_hosts(self) -> frozenset[tuple[str, int]]:
        """``fetch_allow_hosts`` as (host in lower case, port) pairs."""
        return parse_allow_hosts(self.fetch_allow_hosts)

    @property
    def public_base(self) -> str:
        """The base URL without a trailing slash."""
        return self.base_url.rstrip("/")
