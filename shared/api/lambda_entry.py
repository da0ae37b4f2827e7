"""Turns routers into a Lambda handler: the FastAPI app behind Mangum, wrapped in Powertools."""

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from fastapi import APIRouter
from mangum import Mangum

from shared.api.app import create_app
from shared.observability import logger, metrics, tracer
from shared.runtime import configure, register_snapstart_hooks

LambdaHandler = Callable[[dict[str, Any], LambdaContext], dict[str, Any]]


def make_api_handler(*routers: APIRouter, serves_docs: bool = False) -> LambdaHandler:
    asgi = Mangum(create_app(*routers, serves_docs=serves_docs), lifespan="off", api_gateway_base_path="/")
    register_snapstart_hooks()  # SnapStart: caches and clients are renewed after a restore

    @logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST, clear_state=True)
    @tracer.capture_lambda_handler
    @metrics.log_metrics(capture_cold_start_metric=True)
    def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        configure()
        return asgi(event, context)  # type: ignore[arg-type]  # Powertools' and Mangum's context types

    return handler
