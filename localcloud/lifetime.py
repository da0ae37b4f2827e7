"""The local cloud's child processes: when one is serving, and that each ends with the local cloud, however it
ends.

`python -m localcloud` starts the emulator, the API workers and the model workers as child processes. Ctrl-C
stops them in order, but a supervisor that is killed (SIGKILL, a crashed terminal, a test that gives up) cannot,
and an orphaned emulator or OCR worker would keep its port and gigabytes of memory until someone notices.
"""

import os
import signal
import threading
import time
from collections.abc import Callable

import requests

PARENT_POLL_SECONDS = 1.0
ANSWER_POLL_SECONDS = 0.1


def answers(url: str) -> bool:
    """Whether a GET of `url` gets an HTTP answer (any status) now."""
    try:
        requests.get(url, timeout=1)
    except requests.RequestException:
        return False
    return True


def answers_within(url: str, seconds: float, gave_up: Callable[[], bool] = lambda: False) -> bool:
    """Whether a GET of `url` gets an HTTP answer (any status) within `seconds`, polling; False as soon as
    `gave_up()` says the server is gone (its process exited)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not gave_up():
        if answers(url):
            return True
        time.sleep(ANSWER_POLL_SECONDS)
    return False


def exit_with_parent() -> None:
    """Send this process SIGTERM (so its own orderly shutdown runs) once the process that started it is gone.

    An orphan is adopted by init or a subreaper, so its parent id changes: polled, since Linux's
    PR_SET_PDEATHSIG needs a pre-exec hook (unsafe once the parent has threads) and macOS has none."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_POLL_SECONDS)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()
