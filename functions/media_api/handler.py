"""The media_api function: API Gateway → Mangum → FastAPI routers (ai)."""

from shared.api.lambda_entry import make_api_handler
from shared.api.routers import ai
from shared.catalog import MEDIA_API

handler = make_api_handler(MEDIA_API, ai.router)
