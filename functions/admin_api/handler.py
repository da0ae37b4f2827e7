"""The admin_api function: API Gateway → Mangum → FastAPI routers (admin, health)."""

from shared.api.lambda_entry import make_api_handler
from shared.api.routers import admin, health
from shared.catalog import ADMIN_API

handler = make_api_handler(ADMIN_API, admin.router, health.router)
