"""A dispatcher in a process of its own, for the test that kills it mid-job.

``python -m tests.functional.jobs.crashing_hub DATABASE_URL SCHEDULER_ADDRESS SCRATCH`` prints
the dispatcher's owner id, then runs jobs until it is killed.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path

from modelhub.db import make_engine, make_session_factory
from modelhub.jobs.dispatcher import Dispatcher
from modelhub.jobs.registry import JobKinds
from tests.functional.jobs import kinds


def main() -> None:
    url, scheduler, scratch = sys.argv[1:4]
    kinds.CALLS.reset(Path(scratch))
    dispatcher = Dispatcher(
        make_session_factory(make_engine(url)),
        kinds=kinds.add_to(JobKinds()),
        scheduler_address=scheduler,
        poll_seconds=0.1,
    )
    dispatcher.start()
    print(dispatcher.owner, flush=True)
    threading.Event().wait()  # until the test kills this process


if __name__ == "__main__":
    main()
