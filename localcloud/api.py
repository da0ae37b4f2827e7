"""The whole API in one app, as each local API worker process serves it (uvicorn calls `create_local_app`).

In AWS the routers are split over four functions behind API Gateway; locally one app serves every path, and each
request acts as the function API Gateway would have sent it to, so that its AWS calls get that function's policy."""

import asyncio
import multiprocessing
import os
import socket
from typing import Final

from fastapi import FastAPI
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.protocols.http.h11_impl import H11Protocol

from localcloud.identity import acting_as, sign_as_acting_function
from localcloud.lifetime import exit_with_parent
from shared.api.openapi import whole_api
from shared.catalog import API_FUNCTIONS
from shared.constants import API_PREFIX
from shared.runtime import configure

# The paths no function serves in AWS (the interactive docs): their requests act as a function that has no policy,
# so any AWS call they made would be refused, as it could not happen there.
UNROUTED: Final = "unrouted"
# Requests in progress per API process before the next is refused at once (ShedOverload); the supervisor sets it.
CONCURRENCY_ENV: Final = "KOTOBA_LOCAL_API_CONCURRENCY"
DEFAULT_CONCURRENCY: Final = 16
# API Gateway's own answer to a throttled request (no gateway response of the REST API replaces it).
THROTTLED_STATUS: Final = 429
THROTTLED_BODY: Final = {"message": "Too Many Requests"}


def create_local_app() -> FastAPI:
    sign_as_acting_function()
    configure()
    if multiprocessing.parent_process() is not None:  # a worker of uvicorn's supervisor
        exit_with_parent()
    app = whole_api()
    app.add_middleware(ActAsRoutedFunction)
    app.add_middleware(ShedOverload, limit=int(os.environ.get(CONCURRENCY_ENV, DEFAULT_CONCURRENCY)))
    return app


def routed_function(path: str) -> str:
    """The API function whose route prefixes (catalog) hold `path`: `/api/v1/<prefix>` and what lies under it, as
    the REST API routes them (infra/constructs/rest_api.py); UNROUTED for any other path."""
    if not path.startswith(f"{API_PREFIX}/"):
        return UNROUTED
    route = path.removeprefix(API_PREFIX)
    for entry in API_FUNCTIONS:
        if any(route == prefix or route.startswith(f"{prefix}/") for prefix in entry.route_prefixes):
            return entry.name
    return UNROUTED


class ActAsRoutedFunction:
    """ASGI middleware: each HTTP request acts as the function of its route (`routed_function`). The context variable
    reaches the endpoint's task and the thread pool that runs synchronous endpoints (each copies the context)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        with acting_as(routed_function(scope["path"])):
            await self.app(scope, receive, send)


class ShedOverload:
    """ASGI middleware: at most `limit` HTTP requests in progress in this process; one more is answered at once as
    API Gateway answers a throttled request, before any work is done for it.

    The emulator applies DynamoDB requests one at a time, so requests beyond a few per process only wait there,
    and under overload that queue outlived the clients who gave up on it: the local cloud went on working for
    them long after a burst. 16 per process bounds that queue to about half a second of the emulator's work
    (~6 calls, ~17 ms of its CPU a request of the study mix), while a busy machine's slower answers at 20 req/s
    (8 per process refused 8% of them at a load average of 9-10 on 2 cores) are not refused. uvicorn's own
    limit (`limit_concurrency`) counts open connections too, so a client's idle keep-alive connections were
    refused service as well. One event loop per process: a plain counter."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit
        self.in_progress = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if self.in_progress >= self.limit:
            await JSONResponse(THROTTLED_BODY, status_code=THROTTLED_STATUS)(scope, receive, send)
            return
        self.in_progress += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_progress -= 1


class NoDelayH11Protocol(H11Protocol):
    """uvicorn's HTTP/1.1 protocol with Nagle's algorithm off on every connection.

    With several workers uvicorn binds the listening socket itself (protocol number 0), and asyncio then leaves
    TCP_NODELAY off on the connections it accepts (it sets it only for sockets that say IPPROTO_TCP): each
    response on a kept-alive connection then waited ~40 ms for the client's delayed ACK (measured: /health
    answered in 45 ms instead of 2)."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        connection = transport.get_extra_info("socket")
        if connection is not None and connection.family in (socket.AF_INET, socket.AF_INET6):
            connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)
