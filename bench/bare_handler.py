"""The yardstick of bench/cold_start.py: the smallest useful FastAPI + Mangum + boto3 Lambda handler."""

from typing import Any

import boto3
from fastapi import FastAPI
from mangum import Mangum

app = FastAPI()
dynamodb = boto3.client("dynamodb")


@app.get("/ping")
def ping() -> dict[str, str]:
    return {"pong": "ok"}


handler = Mangum(app, lifespan="off")


def invoke(event: dict[str, Any], context: Any) -> Any:
    return handler(event, context)
