"""Turns routers into a Lambda handler: the FastAPI app behind Mangum, in the one wrapper of every function."""

from functools import partial
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from fastapi import APIRouter, FastAPI
from fastapi.routing import iter_route_contexts
from mangum import Mangum

from shared.api.app import create_app
from shared.catalog import ApiFunction
from shared.dal.clients import aws_client
from shared.runtime import LambdaHandler, configure, lambda_handler, prime_before_snapshot, register_snapstart_hooks


def make_api_handler(function: ApiFunction, *routers: APIRouter) -> LambdaHandler[dict[str, Any]]:
    """The handler of `function`, serving `routers` (its entry in the catalog says which AWS services it calls, and
    whether it serves the API's documentation)."""
    app = create_app(*routers, serves_docs=function.serves_docs)
    asgi = Mangum(app, lifespan="off", api_gateway_base_path="/")
    register_snapstart_hooks()  # SnapStart: caches and clients are renewed after a restore
    prime_before_snapshot(partial(prime, app, function.aws_services))

    @lambda_handler
    def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        return asgi(event, context)  # type: ignore[arg-type]  # Powertools' and Mangum's context types

    return handler


def prime(app: FastAPI, aws_services: tuple[str, ...]) -> None:
    """What the first request would otherwise do, done before the SnapStart snapshot:

    - `configure`: the settings (from the environment, which a restore keeps) and the tables bound to them;
    - FastAPI builds the routing of each included router (every route's dependencies and models, once more, with the
      router's prefix) when the first request arrives;
    - the first client of each AWS service parses botocore's definitions of it (about 1 MB of JSON for the endpoints
      and DynamoDB's model) into the process's loader (shared.dal.clients), which keeps them; PynamoDB's DynamoDB
      clients read the same. The clients themselves are dropped after a restore (`after_restore`), and built again
      from the loaded definitions in milliseconds.
    """
    configure()
    for _ in iter_route_contexts(app.routes):
        pass
    for service in aws_services:
        aws_client(service)
