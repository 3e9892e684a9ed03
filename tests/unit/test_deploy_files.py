"""The deployment files in deploy/ stay true to the code: compose.yaml parses and names its
services, systemd units run the real commands, and every ``MODELHUB_*`` variable they name is a
setting (a misspelt one would be ignored without a word)."""

from __future__ import annotations

import configparser
import re
from pathlib import Path

import pytest
import yaml

from modelhub.cli.environment import OTHER_VARIABLES
from modelhub.config import Settings

pytestmark = pytest.mark.dbless

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
VARIABLE = re.compile(r"\bMODELHUB_([A-Z0-9_]+)")


def compose() -> dict[str, object]:
    loaded = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    assert isinstance(loaded, dict)
    return loaded


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string((DEPLOY / name).read_text())
    return parser


def test_every_modelhub_variable_in_deploy_files_is_a_setting() -> None:
    known = {name.upper() for name in Settings.model_fields} | OTHER_VARIABLES
    named: dict[str, set[str]] = {}
    for path in sorted(p for p in DEPLOY.iterdir() if p.is_file()):
        for rest in VARIABLE.findall(path.read_text()):
            named.setdefault(rest, set()).add(path.name)
    unknown = {f"MODELHUB_{rest}": files for rest, files in named.items() if rest not in known}
    assert unknown == {}
    assert {"DATABASE_URL", "STORAGE_URL", "DASK_SCHEDULER", "DASK_TLS_CA_FILE"} <= set(named)


def test_compose_runs_two_replicas_behind_nginx_with_their_services(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    services = compose()["services"]
    assert isinstance(services, dict)
    wanted = {"nginx", "hub1", "hub2", "scheduler", "worker", "postgres", "minio"}
    assert wanted <= set(services)
    for name in ("hub1", "hub2"):
        hub = services[name]
        assert hub["command"][:2] == ["modelhub", "serve"]
        assert hub["build"]["dockerfile"] == "deploy/Dockerfile"
        environment = hub["environment"]
        assert environment["MODELHUB_DASK_SCHEDULER"] == "tcp://scheduler:8786"
        # the replicas' settings load as the hub would load them
        for key, value in environment.items():
            monkeypatch.setenv(key, str(value))
        settings = Settings()
        assert settings.s3_location == ("modelhub-blobs", "hub")
        assert settings.database_url is not None and "@postgres:5432/" in settings.database_url
    assert services["worker"]["command"][:3] == ["dask", "worker", "tcp://scheduler:8786"]
    assert services["scheduler"]["command"][:2] == ["dask", "scheduler"]
    nginx_conf = services["nginx"]["volumes"][0].split(":")[0]
    conf = (DEPLOY / nginx_conf).read_text()
    assert "server hub1:8000;" in conf and "server hub2:8000;" in conf
    assert (DEPLOY / "Dockerfile").is_file()


def test_systemd_units_start_the_hub_and_a_tls_cluster() -> None:
    hub = unit("modelhub@.service")
    assert hub["Service"]["ExecStart"].split()[1:] == [
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        "%i",
    ]
    assert hub["Service"]["EnvironmentFile"] == "/etc/modelhub/modelhub.env"
    tls = ["--tls-ca-file", "--tls-cert", "--tls-key"]
    for name, role in (("dask-scheduler.service", "scheduler"), ("dask-worker.service", "worker")):
        words = unit(name)["Service"]["ExecStart"].replace("\\", " ").split()
        assert words[1] == role
        assert all(option in words for option in tls)
    worker = unit("dask-worker.service")["Service"]["ExecStart"]
    assert "--nthreads 1" in " ".join(worker.replace("\\", " ").split())


def test_the_example_environment_loads_as_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for line in (DEPLOY / "modelhub.env.example").read_text().splitlines():
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            monkeypatch.setenv(key, value)
    settings = Settings()
    assert settings.dask_scheduler == "tls://scheduler.internal:8786"
    assert settings.dask_tls_key_file == Path("/etc/modelhub/tls/hub.key")
    assert settings.secure_cookies is True


def test_nginx_closes_idle_upstream_connections_before_the_hub_does() -> None:
    """A proxy that sends a request on a connection the hub is closing answers 502 (a POST is
    never retried): the documented site's upstream idle timeout stays below the hub's."""
    site = (DEPLOY.parent / "docs" / "deploy" / "nginx.conf").read_text()
    upstream = site[site.index("upstream modelhub {") : site.index("}")]
    found = re.search(r"^\s*keepalive_timeout (\d+)s;", upstream, re.MULTILINE)
    assert found is not None, "the upstream block names no keepalive_timeout"
    assert int(found.group(1)) < Settings.model_fields["keep_alive_s"].default
