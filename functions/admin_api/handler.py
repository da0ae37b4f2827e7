"""The admin_api function: API Gateway → Mangum → FastAPI routers (admin, health), and the API's documentation on
stages that turn it on."""

from shared.api.lambda_entry import make_api_handler
from shared.api.routers import admin, health
from shared.catalog import ADMIN_API

handler = make_api_handler(admin.router, health.router, serves_docs=ADMIN_API.serves_docs)
