"""How the e2e tests start the local cloud: its output is read in a thread from the first line, so the start's timeout
holds even while the child prints nothing, and a child that fails to start is stopped, not left running."""

import subprocess
import sys
import time

import pytest

from localcloud.__main__ import READY_LINE
from tests.e2e.conftest import LocalCloud


def child(script: str) -> LocalCloud:
    process = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    return LocalCloud(process, "http://127.0.0.1:1", "http://127.0.0.1:2")


def test_a_silent_start_fails_at_its_timeout_and_is_stopped() -> None:
    # Given a child that prints one line and then nothing for a minute
    cloud = child("import time; print('starting', flush=True); time.sleep(60)")
    began = time.monotonic()

    # When the test waits two seconds for it to be ready
    with pytest.raises(AssertionError, match="did not start in 2 s") as failure:
        cloud.wait_until_ready(timeout=2)

    # Then it gives up at the timeout, not a minute later at the child's next line; the child is gone and what it
    # printed is in the failure
    assert time.monotonic() - began < 10
    assert cloud.process.poll() is not None
    assert "starting" in str(failure.value)


def test_a_start_that_exits_fails_with_its_output() -> None:
    # Given a child that fails before it is ready
    cloud = child("import sys; print('port already in use', flush=True); sys.exit(3)")

    # When the test waits for it, Then the wait fails at once with what the child printed
    with pytest.raises(AssertionError, match="local cloud exited:\nport already in use"):
        cloud.wait_until_ready(timeout=60)


def test_a_ready_child_is_read_on_in_the_background() -> None:
    # Given a child that says it is ready and then writes a line per request, as uvicorn does
    cloud = child(
        f"import sys, time; print({READY_LINE!r}, flush=True); time.sleep(0.5); "
        "[print(f'request {n}', flush=True) for n in range(3)]"
    )

    # When the test waits for it, and the child goes on writing until it ends
    cloud.wait_until_ready(timeout=30)
    assert cloud.process.wait(timeout=30) == 0
    cloud.stop()

    # Then the lines after the ready one were collected too
    assert cloud.output == [READY_LINE, "request 0", "request 1", "request 2"]
