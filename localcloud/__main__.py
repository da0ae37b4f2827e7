"""`python -m localcloud`: the whole system locally. Ctrl-C stops everything."""

import argparse
import contextlib
import copy
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn
import uvicorn.config

from localcloud import provision, snapshot
from localcloud.api import CONCURRENCY_ENV, DEFAULT_CONCURRENCY
from localcloud.emulator import point_environment_at, start_emulator
from localcloud.identity import sign_as_acting_function
from localcloud.lifetime import answers
from localcloud.progress import StartReport, Waiting
from localcloud.pump import EventPump, QueueRoute
from shared.catalog import JOB_WORKERS, QUEUES
from shared.constants import API_PREFIX, DocsPaths, Env
from shared.observability import logger
from shared.runtime import configure
from shared.services import vocabulary
from shared.services.accounts import ensure_admin
from shared.services.sample_content import load_sample_content
from shared.settings import Settings, get_settings

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
        default=DEFAULT_CONCURRENCY,
        help=f"requests in progress per API process before the next is answered 429 at once, as API Gateway "
        f"throttles (default {DEFAULT_CONCURRENCY}): an overload then fails fast instead of queueing work nobody "
        "waits for",
    )
    parser.add_argument(
        "--no-access-log", dest="access_log", action="store_false", help="no line per request (for load tests)"
    )
    parser.add_argument(
        "--log-level",
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        default="WARNING",
        type=str.upper,
        help="the functions' structured logs from this level up (default WARNING; INFO shows every handled event)",
    )
    return parser.parse_args()


READY_LINE = "local cloud ready"
READY_TIMEOUT_SECONDS = 120  # the API's workers and the model workers, loading on a busy 2-core machine
OUTBOX_COMMAND = ".venv/bin/python -m localcloud.outbox --to <address>"


@dataclass(frozen=True)
class ModelWorker:
    name: str
    process: subprocess.Popen[bytes]
    ready_file: Path

    def outcome(self) -> str | None:
        """What it says of its model once loaded (or failed); why it stopped if it exited first; else None."""
        if self.ready_file.exists():
            return self.ready_file.read_text(encoding="utf-8")
        code = self.process.poll()
        return None if code is None else f"FAILED: exited with code {code}"


def start_model_workers(queues: list[provision.ProvisionedQueue], ready_dir: Path) -> list[ModelWorker]:
    """Each model worker in a process of its own, loading its model at once (see localcloud.queue_worker)."""
    workers = []
    url_of = {queue.logical_name: queue.url for queue in queues}
    for spec in QUEUES:
        ready_file = ready_dir / f"{spec.worker}.ready"
        command = [
            sys.executable,
            "-m",
            "localcloud.queue_worker",
            spec.worker,
            url_of[spec.name],
            "--ready-file",
            str(ready_file),
        ]
        workers.append(ModelWorker(spec.worker, subprocess.Popen(command), ready_file))
    return workers


def provision_emulated_aws() -> tuple[Settings, list[provision.ProvisionedQueue], str]:
    """Every table, queue, the bucket and its notifications, schedule, key and the e-mail sender, as CDK deploys
    them; the settings (with the queue URLs now known), the queues and the bucket's name."""
    settings = get_settings()
    provision.create_tables(settings)
    queues = provision.create_queues(settings)
    bucket = provision.create_media_bucket(settings, queues)
    provision.create_schedules(settings)
    provision.create_signing_key(settings)
    provision.create_generated_keys(settings)
    provision.verify_email_sender(settings)
    configure()
    return settings, queues, bucket


def ready_block(args: argparse.Namespace, emulator_url: str, bucket: str, admin: str, late: list[str]) -> list[str]:
    api = f"http://127.0.0.1:{args.port}"
    data = (
        f"kept in {args.data_dir} between runs"
        if args.data_dir is not None
        else "gone when this stops (--data-dir DIR keeps it; delete DIR to start afresh)"
    )
    lines = [
        f"{'API:':15}{api}{API_PREFIX}",
        f"{'docs:':15}{api}{DocsPaths.SWAGGER_UI}   (ReDoc {api}{DocsPaths.REDOC})",
        f"{'admin account:':15}{admin}",
        f"{'e-mail:':15}{OUTBOX_COMMAND}   (SES in the emulator)",
        f"{'emulator:':15}{emulator_url}   (bucket {bucket})",
        f"{'data:':15}{data}",
    ]
    if late:
        lines.append(f"{'still loading:':15}{', '.join(late)}: uploads wait in their queue meanwhile")
    return lines


def announce_when_serving(
    report: StartReport, workers: list[ModelWorker], health_url: str, block: Callable[[list[str]], list[str]]
) -> None:
    """Report each model worker as it has loaded its model and the API as it answers, then the ready block ending
    with READY_LINE: uvicorn's own banner comes before any worker listens. No block if the API never answers."""

    def wait() -> None:
        api = "API (uvicorn, 2 processes)"
        waiting = {worker.name: Waiting(worker.outcome) for worker in workers}
        waiting[api] = Waiting(lambda: "answering" if answers(health_url) else None)
        late = report.wait_for(waiting, READY_TIMEOUT_SECONDS)
        if api not in late:
            report.ready(block(late), READY_LINE)

    threading.Thread(target=wait, name="announce-ready", daemon=True).start()


def uvicorn_log_config() -> dict[str, Any]:
    """uvicorn's own, without its start-up chatter (the start-up report says it): warnings and the access log."""
    config = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)
    config["loggers"]["uvicorn.error"]["level"] = "WARNING"
    return config


def main() -> None:
    args = parse_args()
    report = StartReport()
    print(
        f"Kotoba local cloud starting (Ctrl-C stops it){'' if args.data_dir is None else f', data in {args.data_dir}'}"
    )
    with report.step(f"AWS emulator on 127.0.0.1:{args.emulator_port} (moto)"):
        emulator = start_emulator(args.emulator_port)
    point_environment_at(emulator.endpoint_url, args.log_level)
    os.environ[Env.PUBLIC_API_URL] = f"http://127.0.0.1:{args.port}{API_PREFIX}"  # the links in reminder e-mails
    sign_as_acting_function()  # the pump's handlers as their functions, provisioning and sample content as tooling
    logger.setLevel(args.log_level)  # created at import, before the level was in this process's environment
    pump: EventPump | None = None
    workers: list[ModelWorker] = []
    ready_dir = Path(tempfile.mkdtemp(prefix="kotoba-local-"))
    try:
        with report.step("tables, queues, bucket, schedule, keys, e-mail sender"):
            settings, queues, bucket = provision_emulated_aws()
        with report.step("data") as step:
            if args.data_dir is not None and snapshot.restore(settings, args.data_dir):
                step.detail = f"kept from an earlier run, restored from {args.data_dir}"
            else:
                counts = load_sample_content()
                step.detail = (
                    f"sample content, {counts.sentences} sentences, {counts.words} words, "
                    f"{counts.achievements} achievements"
                )
        with report.step("admin account") as step:
            password = os.environ.get("KOTOBA_ADMIN_PASSWORD") or secrets.token_urlsafe(12)
            created = ensure_admin(ADMIN_EMAIL, ADMIN_USERNAME, password).created
            admin = f"{ADMIN_EMAIL} / {password}" if created else f"{ADMIN_EMAIL} (kept from an earlier run)"
            step.detail = "created" if created else "kept from an earlier run"

        with report.step("dictionary of the word gloss (JMdict, trimmed)") as step:
            # Built once per machine (about 20 s) before the readings worker needs it, then reused.
            step.detail = str(vocabulary.dictionary_path())

        url_of = {queue.logical_name: queue.url for queue in queues}
        # The job workers (zip functions) in the pump's process; each model worker in a process of its own.
        pump = EventPump(
            settings.stage, routes=[QueueRoute(url_of[worker.queue], worker.name) for worker in JOB_WORKERS]
        )
        pump.start()
        workers = start_model_workers(queues, ready_dir)
        announce_when_serving(
            report,
            workers,
            f"http://127.0.0.1:{args.port}{API_PREFIX}/health",
            lambda late: ready_block(args, emulator.endpoint_url, bucket, admin, late),
        )
        os.environ[CONCURRENCY_ENV] = str(args.api_concurrency)  # read by each API process (localcloud/api.py)
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
                log_config=uvicorn_log_config(),
                access_log=args.access_log,
                timeout_graceful_shutdown=STOP_GRACE_SECONDS,
            )
    finally:
        for worker in workers:
            worker.process.terminate()
        for worker in workers:
            worker.process.wait(timeout=30)
        if pump is not None:
            pump.stop()
        if args.data_dir is not None:
            snapshot.save(get_settings(), args.data_dir)
        emulator.stop()
        shutil.rmtree(ready_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
