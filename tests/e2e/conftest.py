"""The local cloud as a developer runs it: `python -m localcloud` in a child process on free ports."""

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TypeVar

import pytest
import requests

from localcloud.__main__ import READY_LINE
from localcloud.iam.gate import IAM_DENIAL_LOG_PREFIX
from localcloud.identity import SECRET_ACCESS_KEY, TOOLING_ACCESS_KEY

REPO_ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT_SECONDS = 90


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LocalCloud:
    process: subprocess.Popen[str]
    api_url: str
    emulator_url: str
    output: list[str] = field(default_factory=list)
    ready: threading.Event = field(default_factory=threading.Event)
    _reader: threading.Thread | None = None

    def start_reading(self) -> None:
        """Collect its output in a thread from the start: a pipe nobody reads fills up and blocks the server (uvicorn
        writes a line per request), and a blocking read in the test would keep the start's timeout from firing."""
        assert self.process.stdout is not None
        self._reader = threading.Thread(target=self._read, args=(self.process.stdout,), daemon=True)
        self._reader.start()

    def _read(self, stdout: IO[str]) -> None:
        for line in stdout:
            self.output.append(line.rstrip())
            if READY_LINE in line:
                self.ready.set()

    def wait_until_ready(self, timeout: float) -> None:
        """Read its output until it says it is ready; fail, and stop it, when it exits first or `timeout` passes
        (whether or not it prints meanwhile)."""
        self.start_reading()
        deadline = time.monotonic() + timeout
        while not self.ready.wait(timeout=0.2):
            if self.process.poll() is not None:
                self.stop()  # gathers what it printed last
                raise AssertionError("local cloud exited:\n" + "\n".join(self.output))
            if time.monotonic() > deadline:
                self.process.kill()
                self.stop()
                raise AssertionError(f"local cloud did not start in {timeout} s:\n" + "\n".join(self.output))

    def stop(self) -> int:
        """Ctrl-C, as a developer would; returns the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        try:
            code = self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise
        if self._reader is not None:
            self._reader.join(timeout=10)
        return code


def start_local_cloud(data_dir: Path | None = None) -> LocalCloud:
    port, emulator_port = free_port(), free_port()
    command = [sys.executable, "-m", "localcloud", "--port", str(port), "--emulator-port", str(emulator_port)]
    if data_dir is not None:
        command += ["--data-dir", str(data_dir)]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "KOTOBA_"))}
    process = subprocess.Popen(
        command, cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    cloud = LocalCloud(process, f"http://127.0.0.1:{port}", f"http://127.0.0.1:{emulator_port}")
    cloud.wait_until_ready(START_TIMEOUT_SECONDS)
    return cloud


def running_local_cloud(data_dir: Path | None) -> Iterator[LocalCloud]:
    cloud = start_local_cloud(data_dir)
    yield cloud
    cloud.stop()
    # Every function acted within its role: a refusal swallowed by a retry or a logged failure would show here.
    assert iam_denials(cloud) == []


@pytest.fixture
def local_cloud(tmp_path: Path) -> Iterator[LocalCloud]:
    yield from running_local_cloud(tmp_path / "data")


@pytest.fixture(scope="module")
def module_local_cloud() -> Iterator[LocalCloud]:
    """One local cloud for a whole module, whose tests each sign up their own learner or make their own records
    (a start took 30-70 s on a busy machine). No data directory: nothing is kept when it stops. A module overrides
    `local_cloud` with it."""
    yield from running_local_cloud(None)


def iam_denials(cloud: LocalCloud) -> list[str]:
    """The emulator's line for each request its IAM gate refused (localcloud/iam/gate.py)."""
    return [line for line in cloud.output if line.startswith(IAM_DENIAL_LOG_PREFIX)]


def login_admin(cloud: LocalCloud) -> dict[str, str]:
    """The Authorization header of the admin account the local cloud printed."""
    line = next(line for line in cloud.output if line.startswith("admin account:"))
    email, password = line.removeprefix("admin account:").strip().split(" / ")
    tokens = requests.post(
        f"{cloud.api_url}/api/v1/auth/login", json={"email": email, "password": password}, timeout=10
    )
    return {"Authorization": f"Bearer {tokens.json()['access_token']}"}


def tooling(cloud: LocalCloud) -> dict[str, str]:
    """Client settings of the local cloud's own unrestricted key, for a test that looks into the emulator directly."""
    return {
        "region_name": "us-east-1",
        "endpoint_url": cloud.emulator_url,
        "aws_access_key_id": TOOLING_ACCESS_KEY,
        "aws_secret_access_key": SECRET_ACCESS_KEY,
    }


def get(cloud: LocalCloud, path: str, **params: str) -> requests.Response:
    return requests.get(f"{cloud.api_url}{path}", params=params, timeout=10)


T = TypeVar("T")
PUMP_WAIT_SECONDS = 30  # the event pump hands the review log's stream to the aggregator within seconds


def eventually(read: Callable[[], T], done: Callable[[T], bool], seconds: float = PUMP_WAIT_SECONDS) -> T:
    """Read until `done` holds or the time is up, and the last reading: for what the stream consumers write
    seconds after the request (in AWS as here), such as stored day totals and the deck summary."""
    deadline = time.monotonic() + seconds
    value = read()
    while not done(value) and time.monotonic() < deadline:
        time.sleep(0.5)
        value = read()
    return value
