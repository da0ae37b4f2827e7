"""The admin_api function: API Gateway → Mangum → FastAPI routers (admin, health)."""

from shared.api.lambda_entry import make_api_handler
from shared.api.routers import admin, health

handler = make_api_handler(admin.router, health.router)
