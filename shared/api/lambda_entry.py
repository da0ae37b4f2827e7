"""Turns routers into a Lambda handler: the FastAPI app behind Mangum, in the one wrapper of every function."""

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from fastapi import APIRouter
from mangum import Mangum

from shared.api.app import create_app
from shared.runtime import LambdaHandler, lambda_handler, register_snapstart_hooks


def make_api_handler(*routers: APIRouter, serves_docs: bool = False) -> LambdaHandler[dict[str, Any]]:
    asgi = Mangum(create_app(*routers, serves_docs=serves_docs), lifespan="off", api_gateway_base_path="/")
    register_snapstart_hooks()  # SnapStart: caches and clients are renewed after a restore

    @lambda_handler
    def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        return asgi(event, context)  # type: ignore[arg-type]  # Powertools' and Mangum's context types

    return handler
