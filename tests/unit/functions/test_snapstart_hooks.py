"""SnapStart runtime hooks: what an environment restored from a snapshot renews before serving."""

import importlib
import sys
import types
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from shared import runtime
from shared.catalog import API_FUNCTIONS
from shared.dal import clients, key_store


@pytest.fixture
def registered(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Callable[..., Any]]]:
    """Stands in for the runtime's `snapshot_restore_py` and records what is registered with it."""
    hooks: list[Callable[..., Any]] = []
    monkeypatch.setattr(runtime, "_register_after_restore", lambda func, *a, **k: hooks.append(func))
    runtime.register_snapstart_hooks.cache_clear()
    yield hooks
    runtime.register_snapstart_hooks.cache_clear()


def test_after_restore_clears_parameter_cache_and_clients(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    secrets, parameters = key_store.secrets_reader(), key_store.parameters_reader()  # each caches what it read
    client = clients.aws_client("secretsmanager")
    monkeypatch.setattr(key_store, "_missing_until", 1e12)

    runtime.after_restore()

    # the next read builds readers on fresh clients and fetches again
    assert key_store.secrets_reader() is not secrets and key_store.parameters_reader() is not parameters
    assert key_store.secrets_reader().client is not client
    assert key_store._missing_until == 0.0
    assert clients.aws_client("secretsmanager") is not client


def test_each_api_handler_module_registers_the_hook_once(registered: list[Callable[..., Any]]) -> None:
    for entry in API_FUNCTIONS:
        module_name = f"functions.{entry.name}.handler"
        sys.modules.pop(module_name, None)
        module = importlib.import_module(module_name)
        assert isinstance(module, types.ModuleType)

    assert registered == [runtime.after_restore]


def test_without_the_runtime_module_registering_is_a_no_op() -> None:
    assert "snapshot_restore_py" not in sys.modules
    getattr(runtime, "_register_after_restore")(runtime.after_restore)  # noqa: B009  # the local stand-in: nothing to register with
