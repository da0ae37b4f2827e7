"""The media_api function: API Gateway → Mangum → FastAPI routers (ai)."""

from shared.api.init_phase import garbage_collection_paused

with garbage_collection_paused():  # importing and building the app creates objects to keep, hardly any garbage
    from shared.api.lambda_entry import make_api_handler
    from shared.api.routers import ai
    from shared.catalog import MEDIA_API

    handler = make_api_handler(MEDIA_API, ai.router)
