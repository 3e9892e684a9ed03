"""The dispatcher: hands committed jobs to Dask and writes what comes back.

One thread (the loop) does all the database work of the dispatcher: it claims queued jobs,
prepares them, submits ``kind.run`` to the cluster, and applies results or failures as Dask
reports them. Dask's callbacks only put the finished future on a queue that the loop reads, so
the database is never touched from Dask's threads.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from distributed import Client, Future, LocalCluster
from distributed.security import Security
from sqlalchemy import event
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from modelhub.db import transaction
from modelhub.jobs import service
from modelhub.jobs.cluster import TASK_DROPPED, describe_error, embedded_cluster
from modelhub.jobs.models import Job, JobStatus
from modelhub.jobs.owners import new_owner_id
from modelhub.jobs.progress import TOPIC, Progress, run_at
from modelhub.jobs.registry import JobKind, JobKinds, Payload, SkipJob, kinds_of

log = logging.getLogger(__name__)
UNWRITTEN_KEEP_S = 300.0
"""How long a result that the database did not take (it was away) is kept to be written."""


@dataclass(frozen=True)
class _Attempt:
    """One attempt of a job as this dispatcher holds it (owner + attempt guard every change)."""

    job_id: int
    number: int
    kind: JobKind
    payload: Payload
    home: str | None = None
    """The affinity key of its task (see ``JobKind.affinity``)."""


class Dispatcher:
    """Runs the jobs of the database behind ``sessions`` on a Dask cluster: the jobs of the
    ``kinds`` it knows (default: the ones the session factory carries, see ``registry``).

    ``scheduler_address`` (``tcp://host:8786``, ``tls://host:8786`` with ``security``) names an
    external cluster; None starts an embedded one of ``n_workers`` processes of
    ``worker_memory_bytes`` each (`jobs.sizing`).
    ``owner`` identifies this dispatcher in the leases of the jobs it runs (default: a fresh
    id). Each claimed job holds a lease of ``lease_seconds``, renewed every third of it while
    the job runs.

    It keeps at most as many jobs in flight as the cluster has worker threads (or
    ``max_in_flight``): every task then has a worker to itself, so a task that takes its worker
    down takes no queued bystander with it, and jobs that no worker could start yet stay queued
    where another hub may take them.
    """

    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        scheduler_address: str | None,
        security: Security | None = None,
        n_workers: int = 1,
        worker_memory_bytes: int | None = None,
        owner: str | None = None,
        max_attempts: int = service.DEFAULT_MAX_ATTEMPTS,
        lease_seconds: float = service.DEFAULT_LEASE_SECONDS,
        poll_seconds: float = 1.0,
        max_in_flight: int | None = None,
        kinds: JobKinds | None = None,
    ) -> None:
        self.sessions = sessions
        found = kinds or kinds_of(sessions.kw.get("info") or {})
        if found is None:
            raise ValueError("a dispatcher needs the hub's job kinds")
        self.kinds = found
        self.scheduler_address = scheduler_address
        self.security = security
        self.n_workers = n_workers
        self.worker_memory_bytes = worker_memory_bytes
        self.owner = owner or new_owner_id()
        self.max_attempts = max_attempts
        self.lease_seconds = lease_seconds
        self.poll_seconds = poll_seconds
        self.max_in_flight = max_in_flight
        # Dask keys must be new for each submission, also across restarts of the hub
        self._key_suffix = uuid.uuid4().hex[:8]
        self._events: queue.SimpleQueue[Future[Any] | Progress | None] = queue.SimpleQueue()
        self._homes: dict[str, str] = {}  # affinity key -> the worker that ran it last
        self._in_flight: dict[str, tuple[_Attempt, Future[Any]]] = {}
        # results that came back while the database was away, written once it answers again
        # (with the moment of the first try: kept at most UNWRITTEN_KEEP_S)
        self._unwritten: list[tuple[_Attempt, Any, float]] = []
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._cluster: LocalCluster | None = None
        self._client: Client | None = None

    @property
    def client(self) -> Client:
        if self._client is None:
            raise RuntimeError("the dispatcher is not started")
        return self._client

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        """Connect to (or start) the cluster, hand out orphaned jobs again, start the loop.
        Starting a started dispatcher does nothing."""
        if self._thread is not None:
            return
        try:
            if self.scheduler_address is None:
                self._cluster = embedded_cluster(self.n_workers, self.worker_memory_bytes)
                self._client = Client(self._cluster, set_as_default=False)
            else:
                self._client = Client(
                    self.scheduler_address, security=self.security, set_as_default=False
                )
            self._settle(self._requeue_orphans)
            self._client.subscribe_topic(TOPIC, self._heard)
        except BaseException:
            self._close_cluster()
            raise
        event.listen(self.sessions, "after_commit", self._after_commit)
        event.listen(self.sessions, "after_rollback", self._after_rollback)
        self._stopping.clear()
        name = f"modelhub-jobs {self.owner}"
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 60) -> None:
        """Stop cleanly: results already in are applied, jobs still running go back to the
        queue (their attempt not counted), the cluster is closed. Idempotent."""
        if self._thread is None:
            return
        self._stopping.set()
        self._events.put(None)
        self._thread.join(timeout)
        if self._thread.is_alive():
            log.warning("the job dispatcher did not stop within %s s; closing its cluster", timeout)
        self._thread = None
        event.remove(self.sessions, "after_commit", self._after_commit)
        event.remove(self.sessions, "after_rollback", self._after_rollback)
        self._close_cluster()

    def notify(self) -> None:
        """Look for queued jobs now rather than at the next poll (thread-safe)."""
        self._events.put(None)

    def drain(self, timeout: float) -> None:
        """Wait until no job of a kind known here is queued or running; ``TimeoutError`` after
        ``timeout`` seconds. Meant for tests and scripts."""
        deadline = time.monotonic() + timeout
        while True:
            with self.sessions() as db:
                left = service.count_unfinished(db, kinds=self.kinds.names())
            if left == 0:
                return
            if not self.running:
                raise RuntimeError("the dispatcher is not running")
            if time.monotonic() > deadline:
                raise TimeoutError(f"{left} job(s) still queued or running after {timeout} s")
            self.notify()
            time.sleep(0.05)

    # -- the loop ---------------------------------------------------------------------------

    def _loop(self) -> None:
        next_beat = time.monotonic() + self.lease_seconds / 3
        while not self._stopping.is_set():
            try:
                self._take_events()
                if self._stopping.is_set():
                    break
                if time.monotonic() >= next_beat:
                    self._heartbeat()
                    next_beat = time.monotonic() + self.lease_seconds / 3
                self._write_unwritten()
                self._dispatch()
            except Exception:
                # the database may be away for a moment: keep serving, and say so
                log.exception("the job dispatcher hit an error and goes on")
                self._stopping.wait(self.poll_seconds)
        try:
            self._wind_down()
        except Exception:
            # what it could not give back is handed out again when its leases run out
            log.exception("the job dispatcher could not give its running jobs back")

    def _take_events(self) -> None:
        """Wait up to a poll interval for news, then handle everything that came in."""
        try:
            item = self._events.get(timeout=self.poll_seconds)
            while True:
                if isinstance(item, Progress):
                    self._progress(item)
                elif item is not None:
                    self._complete(item)
                item = self._events.get_nowait()
        except queue.Empty:
            return

    def _dispatch(self) -> None:
        room = self._capacity() - len(self._in_flight)
        if room <= 0:
            return
        with transaction(self.sessions) as db:
            claimed = [
                _Attempt(job.id, job.attempts, self.kinds.get(job.kind), dict(job.payload))
                for job in service.claim_next(
                    db,
                    owner=self.owner,
                    limit=room,
                    kinds=self.kinds.names(),
                    lease_seconds=self.lease_seconds,
                    default_max_attempts=self.max_attempts,
                )
            ]
        for attempt in claimed:
            self._submit(attempt)

    def _submit(self, attempt: _Attempt) -> None:
        try:
            with transaction(self.sessions) as db:
                if (
                    service.touch(db, **self._guard(attempt), lease_seconds=self.lease_seconds)
                    is None
                ):
                    return  # another dispatcher took it over meanwhile
                task_input = attempt.kind.prepare(db, attempt.payload)
            key = f"job-{attempt.job_id}-{attempt.number}-{self._key_suffix}"
            if attempt.kind.affinity is None:
                future = self.client.submit(attempt.kind.run, task_input, key=key, pure=False)
            else:
                home = attempt.kind.affinity(task_input)
                attempt = replace(attempt, home=home)
                workers = self._idle_home(home)
                where = {"workers": workers, "allow_other_workers": True} if workers else {}
                future = self.client.submit(
                    run_at, attempt.kind.run, task_input, key=key, pure=False, **where
                )
        except SkipJob as skip:
            with transaction(self.sessions) as db:
                service.finish(db, **self._guard(attempt), result={"skipped": str(skip)})
            return
        except Exception as exc:
            log.exception("job %s (%s) could not be started", attempt.job_id, attempt.kind.name)
            self._attempt_failed(attempt, f"Starting it failed: {describe_error(exc)}")
            return
        self._in_flight[key] = (attempt, future)
        future.add_done_callback(self._events.put)

    def _complete(self, future: Future[Any]) -> None:
        entry = self._in_flight.pop(str(future.key), None)
        if entry is None:
            return  # already handled (seen as done while winding down)
        attempt = entry[0]
        try:
            outcome, error = future.status, TASK_DROPPED
            if outcome == "finished":
                result = future.result()
            elif outcome == "error":
                exc = future.exception()
                error = describe_error(exc) if exc is not None else error
        except Exception as exc:  # the result could not be fetched or read
            outcome, error = "error", describe_error(exc)
        finally:
            future.release()
        if outcome == "finished" and attempt.kind.affinity is not None:
            address, result = result
            if attempt.home is not None and address is not None:
                self._homes[attempt.home] = address
        if outcome == "finished":
            self._apply(attempt, result)
        else:
            self._attempt_failed(attempt, error)

    def _apply(self, attempt: _Attempt, result: Any, since: float | None = None) -> None:
        since = time.monotonic() if since is None else since
        try:
            with transaction(self.sessions) as db:
                if service.finish(db, **self._guard(attempt), result=result) is None:
                    log.warning("job %s was taken over; its result is dropped", attempt.job_id)
                    return
                attempt.kind.apply(db, attempt.payload, result)
        except (OperationalError, InterfaceError) as exc:
            if time.monotonic() - since < UNWRITTEN_KEEP_S:
                # the database is away (restarted, unreachable): the work is done, so keep its
                # result and write it when the database answers again, rather than run it again
                log.warning("the result of job %s waits for the database: %s", attempt.job_id, exc)
                self._unwritten.append((attempt, result, since))
            else:  # not a short outage: fail the attempt like any other error
                log.exception("the result of job %s could not be written", attempt.job_id)
                self._attempt_failed(attempt, f"Writing its result failed: {describe_error(exc)}")
        except Exception as exc:
            log.exception("the result of job %s could not be written", attempt.job_id)
            self._attempt_failed(attempt, f"Writing its result failed: {describe_error(exc)}")

    def _write_unwritten(self) -> None:
        pending, self._unwritten = self._unwritten, []
        for attempt, result, since in pending:
            self._apply(attempt, result, since)  # back on the list while the database is away

    def _attempt_failed(self, attempt: _Attempt, error: str) -> None:
        def step(db: Session) -> list[Job]:
            job = service.retry_or_fail(db, **self._guard(attempt), error=error)
            return [job] if job is not None else []

        self._settle(step)

    def _heartbeat(self) -> None:
        with transaction(self.sessions) as db:
            service.renew_leases(
                db,
                owner=self.owner,
                job_ids=[a.job_id for a, _ in self._in_flight.values()]
                + [a.job_id for a, _, _ in self._unwritten],
                lease_seconds=self.lease_seconds,
            )
        self._settle(self._requeue_orphans)

    def _requeue_orphans(self, db: Session) -> list[Job]:
        return service.requeue_orphans(db, owner=self.owner, kinds=self.kinds.names())

    def _settle(self, step: Callable[[Session], list[Job]]) -> None:
        """Run ``step`` and the fail hooks of the jobs it failed, in one transaction; if that
        raises, run ``step`` again without the hooks, so that a faulty hook cannot keep a job
        from ending."""
        try:
            with transaction(self.sessions) as db:
                for job in step(db):
                    if job.status is JobStatus.failed:
                        fail = self.kinds.get(job.kind).fail
                        if fail is not None:
                            fail(db, job.payload, job.error or "")
        except Exception:
            log.exception("ending jobs raised; trying again without their fail hooks")
            with transaction(self.sessions) as db:
                step(db)

    def _wind_down(self) -> None:
        self._write_unwritten()  # what still cannot be written runs again once its lease ends
        for _, future in list(self._in_flight.values()):
            if future.done():
                self._complete(future)  # results that are in are kept
        left = list(self._in_flight.values())
        self._in_flight.clear()
        if not left:
            return
        try:
            self.client.cancel([future for _, future in left])
        except Exception:
            log.exception("cancelling the running tasks failed")
        with transaction(self.sessions) as db:
            for attempt, _ in left:
                service.release(db, **self._guard(attempt))

    # -- progress and warm workers -------------------------------------------------------------

    def _heard(self, event: tuple[float, Any]) -> None:
        """Dask's thread: a worker's progress message; the loop writes it."""
        heard = Progress.of(event[1])
        if heard is not None:
            self._events.put(heard)

    def _progress(self, item: Progress) -> None:
        entry = self._in_flight.get(item.key)
        hook = entry[0].kind.progress if entry is not None else None
        if entry is None or hook is None:
            return
        try:
            with transaction(self.sessions) as db:
                hook(db, entry[0].payload, item.data)
        except Exception:
            log.exception("the progress of job %s could not be written", entry[0].job_id)

    def _idle_home(self, home: str | None) -> list[str] | None:
        """The worker that ran ``home`` last, if it is still there and has nothing to do."""
        address = self._homes.get(home) if home is not None else None
        if address is None:
            return None
        try:
            busy = self.client.processing(workers=[address]).get(address)
        except Exception:
            return None
        return [address] if busy == () or busy == [] else None

    # -- helpers -------------------------------------------------------------------------------

    def _close_cluster(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None

    def _guard(self, attempt: _Attempt) -> service.Held:
        return {"job_id": attempt.job_id, "owner": self.owner, "attempt": attempt.number}

    def _capacity(self) -> int:
        if self.max_in_flight is not None:
            return self.max_in_flight
        # asked each time: workers come and go (a restarted one, machines joining)
        return sum(self.client.nthreads().values())

    def _after_commit(self, session: Session) -> None:
        if session.info.pop(service.ENQUEUED, False):
            self.notify()

    def _after_rollback(self, session: Session) -> None:
        session.info.pop(service.ENQUEUED, None)
