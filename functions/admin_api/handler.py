"""The admin_api function: API Gateway → Mangum → FastAPI routers (admin, health), and the API's documentation on
stages that turn it on."""

from shared.api.init_phase import garbage_collection_paused

with garbage_collection_paused():  # importing and building the app creates objects to keep, hardly any garbage
    from shared.api.lambda_entry import make_api_handler
    from shared.api.routers import admin, health
    from shared.catalog import ADMIN_API

    handler = make_api_handler(ADMIN_API, admin.router, health.router)
