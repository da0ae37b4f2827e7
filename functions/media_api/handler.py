"""The media_api function: API Gateway → Mangum → FastAPI routers (ai)."""

from shared.api.lambda_entry import make_api_handler
from shared.api.routers import ai
from shared.runtime import register_snapstart_hooks

handler = make_api_handler(ai.router)
register_snapstart_hooks()  # SnapStart: caches and clients are renewed after a restore
