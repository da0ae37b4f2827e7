"""The emulator in its own process, with every client of the test's process pointed at it."""

import socket
from collections.abc import Iterator

import pytest

from localcloud import provision
from localcloud.emulator import Emulator, local_environment, point_environment_at, start_emulator
from shared.dal.clients import reset_clients
from shared.runtime import configure
from shared.settings import get_settings


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def emulator(monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulator]:
    running = start_emulator(free_port())
    for key in local_environment(running.endpoint_url):
        monkeypatch.delenv(key, raising=False)  # monkeypatch restores what point_environment_at sets
        monkeypatch.setenv(key, "placeholder")
    point_environment_at(running.endpoint_url)
    get_settings.cache_clear()
    reset_clients()
    yield running
    running.stop()
    get_settings.cache_clear()
    configure.cache_clear()


@pytest.fixture
def provisioned(emulator: Emulator) -> list[provision.ProvisionedQueue]:
    settings = get_settings()
    provision.create_tables(settings)
    queues = provision.create_queues(settings)
    provision.create_media_bucket(settings, queues)
    provision.create_schedules(settings)
    configure.cache_clear()
    configure()
    return queues
