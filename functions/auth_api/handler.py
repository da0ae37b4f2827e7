"""The auth_api function: API Gateway → Mangum → FastAPI routers (auth)."""

from shared.api.lambda_entry import make_api_handler
from shared.api.routers import auth
from shared.runtime import register_snapstart_hooks

handler = make_api_handler(auth.router)
register_snapstart_hooks()  # SnapStart: caches and clients are renewed after a restore
