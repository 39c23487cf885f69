"""Crash points for tests: ``TATVIZ_FAULT=<change>:<step>`` kills the process.

The kill tests (tests/test_faults_steps.py) start the real server with this
set, make the change and check what the next start finds. Nobody else sets
it; unset (always, in use) a point costs one dictionary lookup.
"""

import os
import signal

FAULT_ENV = "TATVIZ_FAULT"


def point(change: str, step: str) -> None:
    """Die at once, as kill -9 would, when the tests asked for this step."""
    if os.environ.get(FAULT_ENV) == f"{change}:{step}":
        os.kill(os.getpid(), getattr(signal, "SIGKILL", signal.SIGTERM))
