"""`python -m localcloud.queue_worker FUNCTION QUEUE_URL [--ready-file PATH]`: one upload worker in a process of its
own.

PaddleOCR and faster-whisper each bring a copy of oneDNN, and the two collide in one process (segfault), so
the local cloud runs each model worker here, as Lambda runs each in its own container. The worker loads its model
before it takes messages, so the first upload does not wait for it, and says how that went in the ready file.
"""

import argparse
import importlib
import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from localcloud.identity import sign_as_acting_function
from localcloud.lifetime import exit_with_parent
from localcloud.pump import EventPump, QueueRoute
from shared.runtime import configure
from shared.settings import get_settings

STDOUT, STDERR = 1, 2


@contextmanager
def output_into(log: Path) -> Iterator[None]:
    """This process's stdout and stderr into `log`: paddle prints its warnings and progress while loading, from native
    code too, which would otherwise scatter through the local cloud's start-up report."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = {fd: os.dup(fd) for fd in (STDOUT, STDERR)}
    with log.open("ab") as sink:
        for fd in saved:
            os.dup2(sink.fileno(), fd)
        try:
            yield
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            for fd, copy in saved.items():
                os.dup2(copy, fd)
                os.close(copy)


def load_model(function: str, ready_file: Path) -> None:
    """Load the worker's model, then write what was loaded (or why it failed) to `ready_file`; uploads that come
    meanwhile wait in the queue."""
    handler = importlib.import_module(f"functions.{function}.handler")
    log = ready_file.with_suffix(".log")
    try:
        with output_into(log):
            handler.warm_up()
        outcome = f"{handler.ENGINE} loaded"
    except Exception as error:  # the worker still runs: each upload then fails (and is retried) with the cause
        outcome = f"FAILED to load its model ({type(error).__name__}: {error}); its output is in {log}"
    written = ready_file.with_suffix(".tmp")
    written.write_text(outcome, encoding="utf-8")
    written.replace(ready_file)  # whole or not at all: the supervisor reads it as soon as it exists


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m localcloud.queue_worker", description=__doc__)
    parser.add_argument("function", help="folder under functions/, e.g. ocr_worker")
    parser.add_argument("queue_url")
    parser.add_argument("--ready-file", type=Path, default=None, help="load the model first, then write here")
    args = parser.parse_args()
    sign_as_acting_function()
    configure()
    exit_with_parent()
    if args.ready_file is not None:
        load_model(args.function, args.ready_file)
    # After the model's load: paddle installs handlers of its own on import, which print a fatal-error report on the
    # SIGTERM with which the local cloud stops its workers.
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    signal.signal(signal.SIGINT, lambda *_: stopped.set())
    pump = EventPump(get_settings().stage, [QueueRoute(args.queue_url, args.function)], schedules=False)
    pump.start()
    stopped.wait()
    pump.stop()


if __name__ == "__main__":
    main()
