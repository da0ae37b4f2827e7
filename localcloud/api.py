"""The whole API in one app, as each local API worker process serves it (uvicorn calls `create_local_app`).

In AWS the routers are split over four functions behind API Gateway; locally one app serves every path."""

import asyncio
import multiprocessing
import socket

from fastapi import FastAPI
from uvicorn.protocols.http.h11_impl import H11Protocol

from localcloud.lifetime import exit_with_parent
from shared.api.openapi import whole_api
from shared.runtime import configure


def create_local_app() -> FastAPI:
    configure()
    if multiprocessing.parent_process() is not None:  # a worker of uvicorn's supervisor
        exit_with_parent()
    return whole_api()


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
