"""SnapStart runtime hooks: what an environment restored from a snapshot renews before serving."""

import importlib
import sys
import types
from collections.abc import Callable, Iterator
from typing import Any

import fastapi.routing
import pytest

from localcloud.emulator import local_stage_arns
from shared import runtime
from shared.catalog import API_FUNCTIONS, ApiFunction
from shared.dal import clients, key_store
from shared.iam_policy import api_function_statements
from tests.helpers import FakeLambdaContext, api_gateway_event


@pytest.fixture
def registered(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Callable[..., Any]]]:
    """Stands in for the runtime's `snapshot_restore_py` and records what is registered with it."""
    hooks: list[Callable[..., Any]] = []
    monkeypatch.setattr(runtime, "_register_after_restore", lambda func, *a, **k: hooks.append(func))
    runtime.register_snapstart_hooks.cache_clear()
    yield hooks
    runtime.register_snapstart_hooks.cache_clear()


def test_after_restore_clears_parameter_cache_and_clients(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given key-store readers and an AWS client built before the snapshot, and a key marked missing for a long while
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    secrets, parameters = key_store.secrets_reader(), key_store.parameters_reader()  # each caches what it read
    client = clients.aws_client("secretsmanager")
    monkeypatch.setattr(key_store, "_missing_until", 1e12)

    # When the environment is restored from the snapshot
    runtime.after_restore()

    # Then the next read builds readers on fresh clients and fetches again, the missing key included
    assert key_store.secrets_reader() is not secrets and key_store.parameters_reader() is not parameters
    assert key_store.secrets_reader().client is not client
    assert key_store._missing_until == 0.0
    assert clients.aws_client("secretsmanager") is not client


def test_each_api_handler_module_registers_the_hook_once(registered: list[Callable[..., Any]]) -> None:
    # When every API handler module is imported anew
    for entry in API_FUNCTIONS:
        module_name = f"functions.{entry.name}.handler"
        sys.modules.pop(module_name, None)
        module = importlib.import_module(module_name)
        assert isinstance(module, types.ModuleType)

    # Then the restore hook was registered once in all, not once per module
    assert registered == [runtime.after_restore]


def test_without_the_runtime_module_registering_is_a_no_op() -> None:
    # Given no SnapStart runtime module, as outside Lambda
    assert "snapshot_restore_py" not in sys.modules

    # When the restore hook is registered, Then nothing is raised
    getattr(runtime, "_register_after_restore")(runtime.after_restore)  # noqa: B009  # the local stand-in: nothing to register with


@pytest.fixture
def before_snapshot(monkeypatch: pytest.MonkeyPatch) -> list[Callable[[], None]]:
    """Stands in for the runtime's `register_before_snapshot`: what each handler module asks it to run."""
    hooks: list[Callable[[], None]] = []
    monkeypatch.setattr(runtime, "_register_before_snapshot", hooks.append)
    return hooks


def _import_anew(function_name: str) -> types.ModuleType:
    module_name = f"functions.{function_name}.handler"
    sys.modules.pop(module_name, None)
    return importlib.import_module(module_name)


@pytest.mark.usefixtures("aws")
@pytest.mark.parametrize("entry", API_FUNCTIONS, ids=lambda entry: entry.name)
def test_before_the_snapshot_each_api_function_builds_its_routing_and_its_clients(
    before_snapshot: list[Callable[[], None]], monkeypatch: pytest.MonkeyPatch, entry: ApiFunction
) -> None:
    """What the snapshot holds, a restored environment does not do in its first request: FastAPI's routing of the
    included routers, and botocore's definitions of each service the function calls (the clients are dropped)."""
    # Given the function's handler imported anew, with FastAPI's route building and botocore's file reads counted
    route_builds: list[object] = []
    populate = fastapi.routing._populate_api_route_state
    monkeypatch.setattr(
        fastapi.routing, "_populate_api_route_state", lambda *a, **k: route_builds.append(populate(*a, **k))
    )
    handler = _import_anew(entry.name).handler
    route_builds.clear()  # the routers' own routes, built as their modules are imported
    (prime,) = before_snapshot

    # When its before-snapshot hook runs, the environment is restored and serves a first request with its clients
    prime()
    built_before_snapshot = len(route_builds)
    runtime.after_restore()
    files_read: list[str] = []
    file_loader = clients._SERVICE_DEFINITIONS.file_loader
    read_file = file_loader.load_file
    monkeypatch.setattr(file_loader, "load_file", lambda path: files_read.append(path) or read_file(path))
    response = handler(api_gateway_event("GET", "/api/v1/no-such-route"), FakeLambdaContext())
    for service in entry.aws_services:
        clients.aws_client(service)

    # Then that request built no routes and read no service definitions: the snapshot held them
    assert built_before_snapshot >= 1 and len(route_builds) == built_before_snapshot
    assert files_read == []
    assert response["statusCode"] == 404


def test_a_function_calls_exactly_the_services_its_role_allows() -> None:
    """The services primed before the snapshot are those of the function's IAM role (logs and X-Ray aside: the
    runtime and the X-Ray daemon call them, not the function's clients)."""
    # Given the IAM statements each API function's role is granted on the local stage
    arns = local_stage_arns()
    for entry in API_FUNCTIONS:
        allowed = {
            action.split(":")[0] for statement in api_function_statements(entry, arns) for action in statement.actions
        }

        # Then the services each function primes are exactly its role's, logs and X-Ray aside
        assert set(entry.aws_services) == allowed - {"logs", "xray"}, entry.name
