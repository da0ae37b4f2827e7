"""Who is calling: each AWS call a function's code makes in the local cloud is signed with that function's access key
id, `local-<function name>`, so that the emulator can enforce the function's policy (localcloud/iam).

In AWS a function signs with its own role's credentials; locally every process shares one environment, so the
function acting is a context variable: the event pump sets it around each handler call, the local API around each
request (by route prefix, as API Gateway routes it), and `CallerCredentials`, registered with every session built by
`shared.dal.clients`, reads it whenever botocore signs (boto3 clients, PynamoDB connections and presigned URLs alike).
Outside a function, the local cloud's own tooling (provisioning, snapshots, sample content) signs with the tooling key,
which the emulator leaves unrestricted. None of this is imported by a function: in AWS nothing here runs.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from typing import Any, Final

from botocore.credentials import CredentialProvider, Credentials, ReadOnlyCredentials

from shared.dal import clients

TOOLING_ACCESS_KEY: Final = "local"  # the local cloud's own calls: unrestricted
SECRET_ACCESS_KEY: Final = "local"  # the emulator checks no signature
FUNCTION_KEY_PREFIX: Final = "local-"

_acting_function: ContextVar[str | None] = ContextVar("acting_function", default=None)


def function_access_key(function_name: str) -> str:
    return f"{FUNCTION_KEY_PREFIX}{function_name}"


def function_of(access_key: str) -> str | None:
    """The function an access key id signs for; None for the tooling key or a key that names no function."""
    name = access_key.removeprefix(FUNCTION_KEY_PREFIX)
    return name if name != access_key and name else None


def acting_function() -> str | None:
    return _acting_function.get()


@contextmanager
def acting_as(function_name: str) -> Iterator[None]:
    """AWS calls made inside (in this thread or task, and in what it hands its context to) are the function's."""
    token = _acting_function.set(function_name)
    try:
        yield
    finally:
        _acting_function.reset(token)


@cache
def _signing_credentials(function_name: str | None) -> Any:
    access_key = TOOLING_ACCESS_KEY if function_name is None else function_access_key(function_name)
    return ReadOnlyCredentials(access_key, SECRET_ACCESS_KEY, None, None)


class CallerCredentials(Credentials):  # type: ignore[misc]  # botocore ships no type hints
    """Credentials whose access key id is the acting function's each time a request is signed: botocore's signers
    read `get_frozen_credentials()` per request, and nothing else of them."""

    def __init__(self) -> None:
        super().__init__(TOOLING_ACCESS_KEY, SECRET_ACCESS_KEY, method=CallerCredentialProvider.METHOD)

    def get_frozen_credentials(self) -> Any:
        return _signing_credentials(_acting_function.get())


class CallerCredentialProvider(CredentialProvider):  # type: ignore[misc]
    METHOD = "local-cloud-function"

    def load(self) -> CallerCredentials:
        return CallerCredentials()


def sign_as_acting_function() -> None:
    """From now on, this process signs each AWS call as the function acting (the tooling key outside one)."""
    clients.use_credential_provider(CallerCredentialProvider())
