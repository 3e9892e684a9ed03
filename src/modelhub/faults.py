"""Fault points for the crash tests — TEST ONLY, never set in production.

``MODELHUB_FAULT_POINT=<name>`` makes the process kill itself (SIGKILL: no clean-up code runs,
exactly like ``kill -9`` or a power cut) when it reaches the point of that name, so that a test
can crash a real server at a precise step:

- ``upload_after_blobs``: an upload has written its blobs, its transaction is not committed;
- ``publish_after_blobs``: an approval has written the served rdf.yaml naming the version, its
  transaction is not committed.

Unset (always, outside those tests) a point costs one dictionary lookup.
"""

from __future__ import annotations

import os
import signal

ENV = "MODELHUB_FAULT_POINT"


def fault_point(name: str) -> None:
    """Die here when the test-only ``MODELHUB_FAULT_POINT`` names this point."""
    if os.environ.get(ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)
