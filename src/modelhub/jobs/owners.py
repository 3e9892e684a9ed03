"""Who holds a running job: dispatcher ids, and telling whether their process is gone.

An owner id is ``host/pid/process-token/n``. Every running job also has a lease that its
dispatcher's heartbeat keeps extending; a job whose lease ran out is an orphan whoever held it
(another machine that crashed). The id lets a dispatcher see sooner that a holder on its own
machine is gone — its process no longer exists, or it is a previous process under the same pid
(a restarted container) — so a single hub that restarts hands its unfinished jobs out again at
once instead of waiting for their leases to run out.
"""

from __future__ import annotations

import itertools
import os
import socket
import uuid

# tells this process apart from an earlier one that had the same pid
_PROCESS_TOKEN = uuid.uuid4().hex[:12]
_SEQUENCE = itertools.count(1)


def new_owner_id() -> str:
    """A fresh id for one dispatcher of this process."""
    return f"{socket.gethostname()}/{os.getpid()}/{_PROCESS_TOKEN}/{next(_SEQUENCE)}"


def owner_is_gone(owner: str) -> bool:
    """True when ``owner`` is a dispatcher of a process of this machine that no longer runs.

    False when unsure (another machine, an id of another shape): the lease decides then.
    """
    parts = owner.split("/")
    if len(parts) != 4 or parts[0] != socket.gethostname() or not parts[1].isdigit():
        return False
    pid, token = int(parts[1]), parts[2]
    if pid == os.getpid():
        # this very process holds it (another dispatcher here may still be running it),
        # or an earlier process had our pid
        return token != _PROCESS_TOKEN
    return not _process_exists(pid)


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0 checks existence without sending anything
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, under another user
    return True
