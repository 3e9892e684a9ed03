"""Faults injected into a real hub, and what is left afterwards.

One hub site on loopback: a PostgreSQL server of its own (initdb into a temporary folder, a
free port: never the machine's shared server), moto's S3 server behind a TCP proxy that can be
switched off (moto keeps its objects in memory: it must not be restarted), and real
``modelhub serve`` processes. The scenarios, one after another on the same site:

- ``kill -9`` of the hub mid-upload (a 48 MiB package half sent), mid-publish (the test-only
  fault point ``publish_after_blobs``) and mid-check (the embedded Dask cluster running it);
- ``kill -9`` of a ``dask worker`` (attached to a ``dask scheduler``) mid-check;
- PostgreSQL stopped with ``-m immediate`` under a running hub, started again;
- the S3 endpoint down for ``--outage-s`` seconds (default 30) under a running hub.

After each: ``modelhub fsck``; if it finds something, ``modelhub gc --grace 0`` and fsck
again; the versions in a half-published state; the jobs and how often each ran.

    python bench/faults.py [--outage-s 30] [--only NAME ...]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
# this checkout's modelhub (as the processes it starts get), and the test helpers: its own
# PostgreSQL, the S3 fault proxy
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from fault_site import Row, Site, open_site  # noqa: E402

OVERRIDE = {"override_reason": "fault benchmark"}


def kill_mid_upload(site: Site) -> Row:
    body = site.big_package(48 * 1024 * 1024)
    with site.hub(jobs=False) as served:
        site.half_send_upload(served.url, body)
        killed = site.kill(served.proc)
    with site.hub(jobs=False) as served:
        done = site.upload(served.url, body)
        assert done.status_code == 201, done.text
        recovered = time.monotonic() - killed
    return site.check("kill -9 hub mid-upload", "half of a 48 MiB body sent", recovered)


def kill_mid_publish(site: Site) -> Row:
    body = site.dataset(1)
    with site.hub(jobs=False, MODELHUB_FAULT_POINT="publish_after_blobs") as served:
        made = site.upload(served.url, body)
        assert made.status_code == 201, made.text
        rid = made.json()["resource_id"]
        try:
            cut = site.client().post(f"{served.url}/api/v1/resources/{rid}/publish", json=OVERRIDE)
            raise AssertionError(f"the publication answered {cut.status_code}: {cut.text}")
        except httpx.TransportError:
            pass  # the hub killed itself at the fault point: the connection ends
        site.died(served.proc)
    row = site.check("kill -9 hub mid-publish", "fault point publish_after_blobs", None)
    restarted = time.monotonic()  # after fsck and gc: their time is not the hub's
    with site.hub(jobs=False) as served:
        again = site.client().post(f"{served.url}/api/v1/resources/{rid}/publish", json=OVERRIDE)
        assert again.status_code == 201, again.text
        row.recovery_s = time.monotonic() - restarted
    return row


def kill_hub_mid_check(site: Site) -> Row:
    with site.hub(jobs=True) as served:
        job = site.upload_model_and_wait_running(served.url, "hub killed")
        killed = site.kill(served.proc)
    site.expect_extra_attempts(job, 1)  # the killed attempt counts
    with site.hub(jobs=True):
        site.wait_job(job)
        recovered = time.monotonic() - killed
    return site.check("kill -9 hub mid-check", "embedded cluster running the check", recovered)


def kill_worker_mid_check(site: Site) -> Row:
    with site.dask_cluster() as cluster, site.hub(jobs=True, **cluster.env()) as served:
        job = site.upload_model_and_wait_running(served.url, "worker killed")
        killed = site.kill(cluster.worker)
        cluster.start_worker()
        site.expect_extra_attempts(job, 1)  # a lost worker uses an attempt
        site.wait_job(job)
        recovered = time.monotonic() - killed
    return site.check("kill -9 dask worker mid-check", "external worker running it", recovered)


def restart_postgres(site: Site) -> Row:
    with site.hub(jobs=True) as served:
        job = site.upload_model_and_wait_running(served.url, "postgres restarted")
        site.pg.stop("immediate")
        stopped = time.monotonic()
        statuses = site.probe_during(served.url, seconds=5)
        site.pg.start()
        started = time.monotonic()
        site.wait_answering(served.url)
        answered = time.monotonic() - started
        site.wait_job(job)
        done = site.upload(served.url, site.dataset(2))
        assert done.status_code == 201, done.text
    fault = f"pg_ctl stop -m immediate for {started - stopped:.1f} s; answers then {statuses}"
    return site.check("restart PostgreSQL", fault, answered)


def s3_down(site: Site, outage_s: float) -> Row:
    with site.hub(jobs=False) as served:
        site.proxy.down()
        down_at = time.monotonic()
        statuses: dict[str, int] = {}
        while time.monotonic() - down_at < outage_s:
            answer = site.upload(served.url, site.dataset(3))
            key = f"{answer.status_code} {answer.json()['error']['code']}"
            statuses[key] = statuses.get(key, 0) + 1
            time.sleep(1)
        site.proxy.up()
        up_at = time.monotonic()
        done = site.upload(served.url, site.dataset(3))
        assert done.status_code == 201, done.text
        recovered = time.monotonic() - up_at
    fault = (
        f"S3 proxy down {outage_s:.0f} s, {site.proxy.refused} connections reset;"
        f" uploads answered {statuses}"
    )
    return site.check("S3 endpoint down", fault, recovered)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--outage-s", type=float, default=30)
    parser.add_argument("--only", nargs="*", default=None)
    args = parser.parse_args()
    scenarios: dict[str, Callable[[Site], Row]] = {
        "upload": kill_mid_upload,
        "publish": kill_mid_publish,
        "check": kill_hub_mid_check,
        "worker": kill_worker_mid_check,
        "postgres": restart_postgres,
        "s3": lambda site: s3_down(site, args.outage_s),
    }
    rows: list[Row] = []
    with open_site() as site:
        for name, scenario in scenarios.items():
            if args.only is None or name in args.only:
                rows.append(scenario(site))
                print(rows[-1].line(), flush=True)
        print(site.summary(), flush=True)
    if os.environ.get("FAULTS_STRICT", "1") == "1" and not all(r.clean for r in rows):
        sys.exit(1)


if __name__ == "__main__":
    main()
