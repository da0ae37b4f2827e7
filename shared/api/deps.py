"""FastAPI dependencies: who is calling, and from where."""

from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from shared.errors import NotAllowed, NotAuthenticated
from shared.services import auth
from shared.services.auth import Client, Principal

_bearer = HTTPBearer(auto_error=False, description="The access token from /auth/login or /auth/refresh.")


def current_principal(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise NotAuthenticated("an access token is required")
    return auth.authenticate(credentials.credentials)


def optional_principal(
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal | None:
    """The caller when a token is sent (a bad one is still a 401), None for an anonymous call."""
    return None if credentials is None else current_principal(credentials)


def admin_principal(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
    if not principal.is_admin:
        raise NotAllowed("this needs an administrator")
    return principal


def client_of(request: Request) -> Client:
    """The caller's IP as API Gateway saw it (never a client-supplied X-Forwarded-For), or the socket peer."""
    event = request.scope.get("aws.event") or {}
    source_ip = event.get("requestContext", {}).get("identity", {}).get("sourceIp")
    peer = request.client.host if request.client else "unknown"
    return Client(ip=source_ip or peer, user_agent=request.headers.get("user-agent"))


def now() -> datetime:
    return datetime.now(UTC)


CurrentUser = Annotated[Principal, Depends(current_principal)]
OptionalUser = Annotated[Principal | None, Depends(optional_principal)]
AdminUser = Annotated[Principal, Depends(admin_principal)]
CallingClient = Annotated[Client, Depends(client_of)]
Now = Annotated[datetime, Depends(now)]
