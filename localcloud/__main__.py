"""`python -m localcloud`: the whole system locally. Ctrl-C stops everything."""

import argparse
import contextlib
import os
import secrets
import subprocess
import sys
import threading
from pathlib import Path

import uvicorn

from localcloud import provision, snapshot
from localcloud.emulator import point_environment_at, start_emulator
from localcloud.identity import sign_as_acting_function
from localcloud.lifetime import answers_within
from localcloud.pump import EventPump, QueueRoute
from shared.catalog import JOB_WORKERS, QUEUES
from shared.constants import API_PREFIX, Env
from shared.runtime import configure
from shared.services.accounts import ensure_admin
from shared.services.sample_content import load_sample_content
from shared.settings import get_settings

ADMIN_EMAIL = "admin@example.com"
ADMIN_USERNAME = "admin"
STOP_GRACE_SECONDS = 5  # requests still running when Ctrl-C comes get this long to finish


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m localcloud", description=__doc__)
    parser.add_argument("--port", type=int, default=8000, help="API port (default 8000)")
    parser.add_argument("--emulator-port", type=int, default=4566, help="AWS emulator port (default 4566)")
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="keep tables and uploads here between runs (default: none)",
    )
    parser.add_argument("--api-workers", type=int, default=2, help="API processes (default 2)")
    parser.add_argument(
        "--api-concurrency",
        type=int,
        default=32,
        help="requests in progress per API process before it answers 503 at once (default 32), as API Gateway "
        "throttles: an overload then fails fast instead of queueing work nobody waits for",
    )
    parser.add_argument(
        "--no-access-log", dest="access_log", action="store_false", help="no line per request (for load tests)"
    )
    return parser.parse_args()


READY_LINE = "local cloud ready"
READY_TIMEOUT_SECONDS = 120


def announce_when_serving(health_url: str) -> None:
    """Print READY_LINE once an API worker answers: uvicorn's own banner comes before any worker listens."""

    def wait() -> None:
        if answers_within(health_url, READY_TIMEOUT_SECONDS):
            print(READY_LINE, flush=True)

    threading.Thread(target=wait, name="announce-ready", daemon=True).start()


def main() -> None:
    args = parse_args()
    emulator = start_emulator(args.emulator_port)
    point_environment_at(emulator.endpoint_url)
    os.environ[Env.PUBLIC_API_URL] = f"http://127.0.0.1:{args.port}{API_PREFIX}"  # the links in reminder e-mails
    sign_as_acting_function()  # the pump's handlers as their functions, provisioning and sample content as tooling
    pump: EventPump | None = None
    workers: list[subprocess.Popen[bytes]] = []
    try:
        settings = get_settings()
        provision.create_tables(settings)
        queues = provision.create_queues(settings)
        provision.export_queue_urls(queues)
        get_settings.cache_clear()  # the queue URLs are known now
        settings = get_settings()
        bucket = provision.create_media_bucket(settings, queues)
        provision.create_schedules(settings)
        provision.create_signing_key(settings)
        provision.create_generated_keys(settings)
        provision.verify_email_sender(settings)
        configure()

        restored = args.data_dir is not None and snapshot.restore(settings, args.data_dir)
        if not restored:
            counts = load_sample_content()
            print(
                f"sample content: {counts.sentences} sentences, {counts.words} words, "
                f"{counts.achievements} achievements"
            )
        password = os.environ.get("KOTOBA_ADMIN_PASSWORD") or secrets.token_urlsafe(12)
        admin_account = ensure_admin(ADMIN_EMAIL, ADMIN_USERNAME, password)

        url_of = {queue.logical_name: queue.url for queue in queues}
        # The job workers (zip functions) in the pump's process; each model worker in a process of its own.
        pump = EventPump(
            settings.stage, routes=[QueueRoute(url_of[worker.queue], worker.name) for worker in JOB_WORKERS]
        )
        pump.start()
        workers = [
            subprocess.Popen([sys.executable, "-m", "localcloud.queue_worker", spec.worker, url_of[spec.name]])
            for spec in QUEUES
        ]

        print(f"AWS emulator:  {emulator.endpoint_url}  (bucket {bucket})")
        print(f"API:           http://127.0.0.1:{args.port}/api/v1   docs: http://127.0.0.1:{args.port}/docs")
        if admin_account.created:
            print(f"admin account: {ADMIN_EMAIL} / {password}")
        else:
            print(f"admin account: {ADMIN_EMAIL} (kept from an earlier run)")

        announce_when_serving(f"http://127.0.0.1:{args.port}{API_PREFIX}/health")
        # Several processes, as Lambda runs one request per environment: a single one, sharing an interpreter
        # lock, fell behind at 8 requests/s (bench/local_load.py). uvicorn's supervisor stops them on Ctrl-C.
        with contextlib.suppress(KeyboardInterrupt):  # one worker: uvicorn re-raises Ctrl-C after shutting down
            uvicorn.run(
                "localcloud.api:create_local_app",
                factory=True,
                http="localcloud.api:NoDelayH11Protocol",
                host="127.0.0.1",
                port=args.port,
                workers=args.api_workers,
                log_level="info",
                access_log=args.access_log,
                timeout_graceful_shutdown=STOP_GRACE_SECONDS,
                limit_concurrency=args.api_concurrency,
            )
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=30)
        if pump is not None:
            pump.stop()
        if args.data_dir is not None:
            snapshot.save(get_settings(), args.data_dir)
        emulator.stop()


if __name__ == "__main__":
    main()
