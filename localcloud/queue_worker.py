"""`python -m localcloud.queue_worker FUNCTION QUEUE_URL`: one upload worker in a process of its own.

PaddleOCR and faster-whisper each bring a copy of oneDNN, and the two collide in one process (segfault), so
the local cloud runs each model worker here, as Lambda runs each in its own container.
"""

import argparse
import signal
import threading

from localcloud.identity import sign_as_acting_function
from localcloud.lifetime import exit_with_parent
from localcloud.pump import EventPump, QueueRoute
from shared.runtime import configure
from shared.settings import get_settings


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m localcloud.queue_worker", description=__doc__)
    parser.add_argument("function", help="folder under functions/, e.g. ocr_worker")
    parser.add_argument("queue_url")
    args = parser.parse_args()
    sign_as_acting_function()
    configure()
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    signal.signal(signal.SIGINT, lambda *_: stopped.set())
    exit_with_parent()
    pump = EventPump(get_settings().stage, [QueueRoute(args.queue_url, args.function)], schedules=False)
    pump.start()
    stopped.wait()
    pump.stop()


if __name__ == "__main__":
    main()
