"""`python -m localcloud`: the whole system locally. Ctrl-C stops everything."""

import argparse
import contextlib
import os
import secrets
import subprocess
import sys
from pathlib import Path

import uvicorn

from localcloud import provision, snapshot
from localcloud.emulator import point_environment_at, start_emulator
from localcloud.pump import EventPump
from shared.api.app import create_app
from shared.api.routers import admin, ai, auth, health, learning, progress, users
from shared.catalog import QUEUES
from shared.runtime import configure
from shared.services.accounts import ensure_admin
from shared.services.sample_content import load_sample_content
from shared.settings import get_settings

ADMIN_EMAIL = "admin@example.com"
ADMIN_USERNAME = "admin"


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
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    emulator = start_emulator(args.emulator_port)
    point_environment_at(emulator.endpoint_url)
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
        provision.create_cursor_key(settings)
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

        pump = EventPump(settings.stage, routes=[])
        pump.start()
        workers = [
            subprocess.Popen([sys.executable, "-m", "localcloud.queue_worker", spec.worker, queue.url])
            for spec, queue in zip(QUEUES, queues, strict=True)
        ]

        print(f"AWS emulator:  {emulator.endpoint_url}  (bucket {bucket})")
        print(f"API:           http://127.0.0.1:{args.port}/api/v1   docs: http://127.0.0.1:{args.port}/docs")
        if admin_account.created:
            print(f"admin account: {ADMIN_EMAIL} / {password}")
        else:
            print(f"admin account: {ADMIN_EMAIL} (kept from an earlier run)")

        app = create_app(
            auth.router,
            users.router,
            learning.router,
            progress.router,
            ai.router,
            admin.router,
            health.router,
        )
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=args.port, log_level="info"))
        with contextlib.suppress(KeyboardInterrupt):  # uvicorn re-raises Ctrl-C after its graceful shutdown
            server.run()
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
