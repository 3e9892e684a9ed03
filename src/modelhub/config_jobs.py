"""The settings of jobs: the Dask cluster the hub hands them to, and the limits of automated checks
and predictions (part of ``config.Settings``, which reads them as ``MODELHUB_<FIELD>``)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

GIB = 1024**3


class JobSettings(BaseSettings):
    """Jobs, checks and predictions."""

    model_config = SettingsConfigDict(env_prefix="MODELHUB_", extra="ignore")

    run_jobs: bool = Field(
        default=True, description="Run the job dispatcher in `modelhub serve` (false: web only)"
    )
    dask_scheduler: str | None = Field(
        default=None,
        description=(
            "External Dask scheduler (tcp://host:8786, or tls://host:8786 with the"
            " dask_tls_* files); default: an embedded LocalCluster"
        ),
    )
    dask_tls_ca_file: Path | None = Field(
        default=None,
        description="CA certificate (PEM) that signed the Dask cluster's certificates",
    )
    dask_tls_cert_file: Path | None = Field(
        default=None, description="The hub's own certificate (PEM) for the Dask cluster"
    )
    dask_tls_key_file: Path | None = Field(
        default=None, description="The private key (PEM) of dask_tls_cert_file"
    )
    dask_require_encryption: bool = Field(
        default=True,
        description="Refuse unencrypted connections to the Dask cluster once TLS files are set",
    )
    dask_workers: int | None = Field(
        default=None,
        gt=0,
        description=(
            "Worker processes of the embedded Dask cluster (one check each); default: sized from"
            " the machine, min(usable cores, (available memory - 2 GiB) // check_memory_bytes),"
            " at least 1"
        ),
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
    predict_anonymous: bool = Field(
        default=False, description="Let people without an account try models (stricter limits)"
    )
    predict_slots: int = Field(
        default=2, gt=0, description="Predictions handed to the workers at once (the rest wait)"
    )
    predict_retention_hours: float = Field(
        default=24, gt=0, description="How long inputs and results of a prediction are kept"
    )
    predict_max_bytes: int = Field(default=2 * GIB, gt=0, description="Largest prediction input")
    predict_max_pixels: int = Field(
        default=16384**2, gt=0, description="Most pixels (all axes) of one input image"
    )
    predict_per_hour: int = Field(default=500, gt=0, description="Predictions per person per hour")
    predict_max_waiting: int = Field(
        default=200, gt=0, description="Predictions one person may have waiting"
    )
    predict_anonymous_max_bytes: int = Field(default=16 * 1024**2, gt=0)
    predict_anonymous_max_pixels: int = Field(default=2048**2, gt=0)
    predict_anonymous_per_hour: int = Field(default=10, gt=0)
    predict_timeout_s: float = Field(default=900, gt=0, description="Wall clock for one prediction")
    predict_memory_bytes: int = Field(
        default=4 * GIB, gt=0, description="Memory of one warm model host (its sandbox)"
    )
    predict_hosts_memory_bytes: int = Field(
        default=8 * GIB, gt=0, description="Memory all warm model hosts of a worker may hold"
    )
    predict_host_idle_s: float = Field(
        default=600, gt=0, description="A warm model host unused this long is stopped"
    )
    predict_block_pixels: int = Field(
        default=1024**2, gt=0, description="Images larger than this are predicted in blocks"
    )
    predict_use_gpu: bool = Field(default=True, description="Use a worker's GPU when it has one")
    predict_spare_host: bool = Field(
        default=True,
        description="Each worker keeps a sandbox started ahead for the next model to load",
    )

    @model_validator(mode="after")
    def _dask_tls(self) -> JobSettings:
        files = (self.dask_tls_ca_file, self.dask_tls_cert_file, self.dask_tls_key_file)
        scheduler = self.dask_scheduler or ""
        if scheduler.startswith("tls://") and None in files:
            raise ValueError(
                "a tls:// Dask scheduler needs MODELHUB_DASK_TLS_CA_FILE,"
                " MODELHUB_DASK_TLS_CERT_FILE and MODELHUB_DASK_TLS_KEY_FILE (the CA, and the"
                " hub's certificate and key)"
            )
        if any(files) and not scheduler.startswith("tls://"):
            raise ValueError(
                "the MODELHUB_DASK_TLS_* files are set: name the scheduler as"
                " tls://host:port in MODELHUB_DASK_SCHEDULER"
            )
        return self
